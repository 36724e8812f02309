// ConsensusWal: the validator's write-ahead log of what it signed and locked at the
// current height (docs/consensus.md, "Crash safety"). An entry is durable (fdatasync)
// before append() returns, and the node sends a vote only after that: a validator
// killed at any instant and restarted never signs two conflicting messages.
//
// File format: a sequence of frames, each u32 length (big-endian), 8-byte checksum
// (the first 8 bytes of SHA-256 over the length and payload), payload. On open, frames
// are read up to the first one that is short or fails its checksum; that torn tail (a
// crash mid-write) is cut off the file, so a restart after SIGKILL at any byte needs
// no human. A new height restarts the log with its first entry (written to a
// temporary file, synced and renamed over the old one).
//
// Not thread-safe: the consensus thread owns it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/hex.h"
#include "base/result.h"

namespace jchain::storage {

class ConsensusWal {
public:
    static constexpr std::size_t entry_bytes_max = 64u << 20;

    static Result<std::unique_ptr<ConsensusWal>> open(const std::string& path);
    ~ConsensusWal();
    ConsensusWal(const ConsensusWal&) = delete;
    ConsensusWal& operator=(const ConsensusWal&) = delete;

    // The entries found at open, in order.
    const std::vector<Bytes>& entries() const { return entries_; }
    // Bytes of torn or corrupt tail cut off at open (0 after a clean stop).
    std::size_t truncated_bytes() const { return truncated_bytes_; }

    [[nodiscard]] Status append(ByteSpan entry);
    // Replaces the whole log with `first` (the first entry of a new height).
    [[nodiscard]] Status restart(ByteSpan first);

private:
    ConsensusWal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

    std::string path_;
    int fd_ = -1;
    std::vector<Bytes> entries_;
    std::size_t truncated_bytes_ = 0;
};

}  // namespace jchain::storage
