// The simulator's crash-prone consensus log: the contract of storage/consensus_wal.h,
// in memory. Entries go through the real codec (consensus/codec.h), so a restarted
// engine replays exactly what a node would decode from its file.
//
// Faults it models (docs/consensus.md, "The simulator"):
//   - a crash in the middle of an append leaves a torn final entry, which open() cuts
//     (as ConsensusWal::open cuts a torn tail);
//   - an append may fail: nothing, part of the entry, or all of it reached the disk
//     but the write reported an error. The node must then halt (node/consensus_driver
//     halts on a failed write): an append after a failed one makes the log corrupt, and
//     open() refuses it, as ConsensusWal::open refuses a bad frame with frames behind it.
// A new height replaces the log atomically (ConsensusWal::restart writes a new file and
// renames it): a crash or failure during that replacement leaves the old log.
//
// Not thread-safe; one simulated node owns one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "consensus/engine.h"

namespace jchain::sim {

class SimWal {
public:
    enum class Fault : std::uint8_t {
        none,
        fail_nothing_written,  // the write failed before any byte reached the disk
        fail_torn,             // it failed with part of the entry written
        fail_written,          // it failed (say, fsync) although the bytes did land
        crash_torn,            // the node died in the middle of the write
    };
    // Appends `e`, or with `new_log` (the first entry of a new height) replaces the log
    // with it (ConsensusWal::append and ::restart). `torn_fraction` in
    // (0, 1) says how much of a torn entry reached the disk. Returns false unless the
    // write succeeded (`fault` is none): the caller must not act on `e`.
    bool append(const consensus::WalEntry& e, bool new_log, Fault fault = Fault::none, double torn_fraction = 0.5);

    struct Opened {
        std::vector<consensus::WalEntry> entries;
        std::size_t torn_bytes_cut = 0;
    };
    // What a restart reads: the entries, after cutting a torn final entry. Fails when
    // the log is corrupt (an entry that does not decode, or bytes of a failed write
    // with later entries behind them).
    Result<Opened> open();

private:
    std::vector<Bytes> frames_;       // whole encoded entries, in order
    Bytes torn_;                      // a partial final entry (empty if none)
    bool torn_then_appended_ = false;  // an append went on after a torn one
};

}  // namespace jchain::sim
