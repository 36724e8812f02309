// ConsensusWal: the validator's write-ahead log of what it signed and locked at the
// current height (docs/consensus.md, "Crash safety"). An entry is durable (fdatasync)
// before append() returns, and the node sends a vote only after that: a validator
// killed at any instant and restarted never signs two conflicting messages.
//
// File format: a sequence of frames, each u32 length (big-endian), 8-byte checksum
// (the first 8 bytes of SHA-256 over the length and payload), payload. A new height
// restarts the log with its first entry (written to a temporary file, synced and
// renamed over the old one).
//
// Only the last append can be interrupted by a crash (each is synced before the next
// begins), so a torn write leaves at most one frame's bytes, at the end of the file.
// open() reads frames from the start up to the first bad one (short, or failing its
// checksum) at offset P, with R bytes from P to the end of the file, and decides:
//   - torn tail, cut off, if all R bytes are zero: a tail the file system extended
//     with zeros holds no frame, so cutting it forgets nothing, however long it is;
//   - else corrupt if any of:
//       * R > frame_bytes_max: longer than one frame (this covers a length above
//         entry_bytes_max with that many bytes behind it);
//       * the frame at P is whole (frame_header_bytes + length <= R) but fails its
//         checksum, and bytes follow it;
//       * a frame starting after P passes its checksum and ends exactly at the end of
//         the file: the bad frame was not the last, its length field was damaged (so a
//         flipped length cannot hide the votes behind it);
//   - else torn tail, cut off: fewer than frame_header_bytes left, a length reaching
//     past the end of the file (a partial write or a garbage length), or a last frame
//     that fails its checksum.
// A corrupt log makes open() fail with the path and P, and nothing is cut: cutting
// could forget a vote the validator signed, so the node refuses to start and an
// operator decides. Strictness costs false alarms: a torn final frame whose header
// never reached the disk while later bytes of it did, or whose bytes happen to end in
// a valid frame (a record can hold any bytes), reads as corrupt. What it cannot see is
// two faults at once: a damaged length field in a log whose last frame is also torn
// reads as one torn tail.
//
// Not thread-safe: the consensus thread owns it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/hex.h"
#include "base/result.h"

namespace jchain::storage {

class ConsensusWal {
public:
    static constexpr std::size_t entry_bytes_max = 64u << 20;
    // A frame: u32 length, 8-byte checksum, payload.
    static constexpr std::size_t frame_header_bytes = 12;
    static constexpr std::size_t frame_bytes_max = frame_header_bytes + entry_bytes_max;

    // Called with each entry as open() reads it, in order; the bytes are valid during the
    // call only. An error stops the open and is returned by it.
    using Visitor = std::function<Status(ByteSpan entry)>;

    // Opens (creating if absent) the log at `path`, hands each entry to `visit` and cuts
    // a torn tail. Fails, and changes nothing, when the log is corrupt (see above): the
    // corruption may lie after entries already visited, so the caller must drop what it
    // took from them when open() fails. Reads the file frame by frame: its memory is one
    // entry (at most entry_bytes_max), or, at a bad frame, the rest of the file when that
    // is at most frame_bytes_max (a longer rest is corrupt unless all zeros, which is
    // read in pieces). entries() stays empty.
    static Result<std::unique_ptr<ConsensusWal>> open(const std::string& path, const Visitor& visit);
    // The same, keeping the entries for entries().
    static Result<std::unique_ptr<ConsensusWal>> open(const std::string& path);
    ~ConsensusWal();
    ConsensusWal(const ConsensusWal&) = delete;
    ConsensusWal& operator=(const ConsensusWal&) = delete;

    // The entries found by open(path), in order (none after open(path, visit)).
    const std::vector<Bytes>& entries() const { return entries_; }
    // Bytes of torn tail cut off at open (0 after a clean stop).
    std::size_t truncated_bytes() const { return truncated_bytes_; }

    // Appends and syncs one entry. After a failure nothing more is appended through this
    // object (open the log again: a torn final frame is cut then).
    [[nodiscard]] Status append(ByteSpan entry);
    // Replaces the whole log with `first` (the first entry of a new height). On an
    // error before the rename the old log stays in place and in use; on an error
    // after it (syncing the directory) the new log is in use but may not survive a
    // crash, so the caller must not send anything it logs from then on.
    [[nodiscard]] Status restart(ByteSpan first);

private:
    ConsensusWal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

    std::string path_;
    int fd_ = -1;  // the file at path_, open for writing, positioned at its end
    std::vector<Bytes> entries_;
    std::size_t truncated_bytes_ = 0;
    bool failed_ = false;  // an append failed: reopen to go on
};

}  // namespace jchain::storage
