#include "storage/consensus_wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace jchain::storage {
namespace {

constexpr std::size_t frame_header_bytes = ConsensusWal::frame_header_bytes;

std::array<std::uint8_t, 8> checksum(std::uint32_t length, ByteSpan payload) {
    crypto::Sha256 h;
    ByteWriter w;
    w.u32(length);
    Bytes len = std::move(w).take();
    h.update(len);
    h.update(payload);
    auto digest = h.finish();
    std::array<std::uint8_t, 8> out{};
    std::copy_n(digest.begin(), 8, out.begin());
    return out;
}

Bytes frame(ByteSpan payload) {
    ByteWriter w;
    const auto length = static_cast<std::uint32_t>(payload.size());
    w.u32(length);
    w.fixed(checksum(length, payload));
    w.raw(payload);
    return std::move(w).take();
}

// The payload length of the frame at `pos` if the frame is whole and passes its
// checksum.
std::optional<std::size_t> good_frame_length(ByteSpan data, std::size_t pos) {
    if (data.size() - pos < frame_header_bytes) return std::nullopt;
    ByteReader r(data.subspan(pos, frame_header_bytes));
    const std::uint32_t length = *r.u32();
    const auto sum = *r.fixed<8>();
    if (length > ConsensusWal::entry_bytes_max || data.size() - pos - frame_header_bytes < length)
        return std::nullopt;
    if (checksum(length, data.subspan(pos + frame_header_bytes, length)) != sum) return std::nullopt;
    return length;
}

// Why the bad frame at the start of `rest` (the file from byte `pos` to its end, at most
// frame_bytes_max bytes and not all zeros) cannot be the torn final frame of the log (the
// rule in consensus_wal.h), or nothing when it can and `rest` may be cut.
std::optional<std::string> corruption(ByteSpan rest, std::size_t pos) {
    assert(rest.size() <= ConsensusWal::frame_bytes_max);
    if (rest.size() >= frame_header_bytes) {
        const std::size_t length = *ByteReader(rest).u32();
        if (frame_header_bytes + length < rest.size())
            return "a whole frame that fails its checksum, with " +
                   std::to_string(rest.size() - frame_header_bytes - length) + " bytes after it";
    }
    // A damaged length field can make a middle frame look short or last; the real
    // last frame still ends the file. At most frame_bytes_max starts to try, and only
    // a length that ends exactly at the end of the file costs a hash.
    for (std::size_t q = 1; rest.size() - q >= frame_header_bytes; ++q) {
        const std::size_t length = *ByteReader(rest.subspan(q, 4)).u32();
        if (q + frame_header_bytes + length == rest.size() && good_frame_length(rest, q))
            return "a frame that is short or fails its checksum, yet the frame at byte " + std::to_string(pos + q) +
                   " passes its checksum and ends the file: the bad one is not the last";
    }
    return std::nullopt;
}

Status errno_status(const std::string& what, const std::string& path) {
    return Status::error(what + " " + path + ": " + std::strerror(errno));
}

// Every byte this file writes is synced before it counts, so a close can lose nothing
// and its result is not a failure of the log; EBADF would be a bug here.
void close_fd(int fd) {
    const int rc = ::close(fd);
    assert(rc == 0 || errno != EBADF);
    (void)rc;
}

// Makes the directory entry of `file` (its creation or a rename onto it) durable.
Status sync_dir(const std::string& file) {
    std::string dir = std::filesystem::path(file).parent_path().string();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno_status("cannot open the directory of the consensus log", dir);
    if (::fsync(dfd) != 0) {
        Status s = errno_status("cannot sync the directory of the consensus log", dir);
        close_fd(dfd);
        return s;
    }
    close_fd(dfd);
    return Status::ok();
}

Status write_all(int fd, ByteSpan bytes, const std::string& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_status("cannot write consensus log", path);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd) != 0) return errno_status("cannot sync consensus log", path);
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<ConsensusWal>> ConsensusWal::open(const std::string& path) {
    std::vector<Bytes> entries;
    auto wal = open(path, [&](ByteSpan e) {
        entries.emplace_back(e.begin(), e.end());
        return Status::ok();
    });
    if (wal) (*wal)->entries_ = std::move(entries);
    return wal;
}

Result<std::unique_ptr<ConsensusWal>> ConsensusWal::open(const std::string& path, const Visitor& visit) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return errno_status("cannot open consensus log", path);
    std::unique_ptr<ConsensusWal> wal(new ConsensusWal(path, fd));
    // Always, not only when created here: a run killed after creating the file may
    // never have synced its directory entry.
    if (Status s = sync_dir(path); !s) return s;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno_status("cannot read consensus log", path);
    const auto size = static_cast<std::size_t>(st.st_size);
    // Reads [at, at + n) into `into` (resized to n).
    auto read_at = [&](std::size_t at, std::size_t n, Bytes& into) -> Status {
        into.resize(n);
        std::size_t done = 0;
        while (done < n) {
            const ssize_t got = ::pread(fd, into.data() + done, n - done, static_cast<off_t>(at + done));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return errno_status("cannot read consensus log", path);
            if (got == 0) return Status::error("consensus log " + path + " shrank while it was read");
            done += static_cast<std::size_t>(got);
        }
        return Status::ok();
    };
    // Whole frames, one at a time: `frame_buf` is reused, so memory is the largest entry.
    std::size_t pos = 0;
    Bytes frame_buf;
    while (size - pos >= frame_header_bytes) {
        if (Status s = read_at(pos, frame_header_bytes, frame_buf); !s) return s;
        ByteReader r(frame_buf);
        const std::uint32_t length = *r.u32();
        const auto sum = *r.fixed<8>();
        if (length > entry_bytes_max || size - pos - frame_header_bytes < length) break;
        if (Status s = read_at(pos + frame_header_bytes, length, frame_buf); !s) return s;
        if (checksum(length, frame_buf) != sum) break;
        if (Status s = visit(frame_buf); !s) return s;
        pos += frame_header_bytes + length;
    }
    if (pos < size) {
        // A bad frame at pos. All zeros is a torn tail however long (read in pieces);
        // otherwise a rest longer than one frame is corrupt without reading it, and a
        // shorter one is read whole for the rule in consensus_wal.h.
        bool zeros = true;
        for (std::size_t at = pos; zeros && at < size;) {
            const std::size_t n = std::min<std::size_t>(size - at, 1u << 20);
            if (Status s = read_at(at, n, frame_buf); !s) return s;
            zeros = std::all_of(frame_buf.begin(), frame_buf.end(), [](std::uint8_t b) { return b == 0; });
            at += n;
        }
        std::optional<std::string> why;
        if (!zeros) {
            if (size - pos > frame_bytes_max) {
                why = std::to_string(size - pos) + " bytes from there to the end, more than one frame can hold";
            } else {
                if (Status s = read_at(pos, size - pos, frame_buf); !s) return s;
                why = corruption(frame_buf, pos);
            }
        }
        if (why)
            return Status::error(
                "consensus log " + path + " is corrupt at byte offset " + std::to_string(pos) + " (" + *why +
                "). The node refuses to start: cutting the log there could forget a vote this validator "
                "signed. Inspect the file and restore it from a backup if you have one; move it aside only "
                "if you are sure this validator will not vote again at the height it records (for "
                "example, the chain has committed that height).");
        wal->truncated_bytes_ = size - pos;
        if (::ftruncate(fd, static_cast<off_t>(pos)) != 0 || ::fsync(fd) != 0)
            return errno_status("cannot cut the torn tail of consensus log", path);
    }
    if (::lseek(fd, 0, SEEK_END) < 0) return errno_status("cannot seek consensus log", path);
    return wal;
}

ConsensusWal::~ConsensusWal() {
    if (fd_ >= 0) close_fd(fd_);
}

Status ConsensusWal::append(ByteSpan entry) {
    if (entry.size() > entry_bytes_max) return Status::error("consensus log entry too large");
    if (failed_) return Status::error("consensus log " + path_ + " must be reopened after a failed write");
    const off_t before = ::lseek(fd_, 0, SEEK_CUR);
    Status s = write_all(fd_, frame(entry), path_);
    if (!s) {
        // A part of the frame may be on disk. Cut it, so that a later frame cannot land
        // after a torn one (which open() would rightly call corruption); if even that
        // fails, the torn frame is the last one and open() cuts it. After a failed sync
        // the file's state is unknown: nothing more is written through this object.
        failed_ = true;
        if (before >= 0 && ::ftruncate(fd_, before) == 0) (void)::fsync(fd_);
    }
    return s;
}

Status ConsensusWal::restart(ByteSpan first) {
    if (first.size() > entry_bytes_max) return Status::error("consensus log entry too large");
    const std::string tmp = path_ + ".new";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno_status("cannot create", tmp);
    Status s = write_all(fd, frame(first), tmp);
    if (s && ::rename(tmp.c_str(), path_.c_str()) != 0)
        s = errno_status("cannot rename " + tmp + " over", path_);
    if (!s) {
        // The old log is still at path_ and in fd_. The temporary file is left to the
        // next restart (which truncates it) if it cannot be removed.
        close_fd(fd);
        ::unlink(tmp.c_str());
        return s;
    }
    // fd is now the log at path_, positioned after `first`; the old file is unlinked.
    close_fd(fd_);
    fd_ = fd;
    return sync_dir(path_);
}

}  // namespace jchain::storage
