#include "storage/consensus_wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace jchain::storage {
namespace {

constexpr std::size_t frame_header_bytes = 12;

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

Status errno_status(const std::string& what, const std::string& path) {
    return Status::error(what + " " + path + ": " + std::strerror(errno));
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
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return errno_status("cannot open consensus log", path);
    std::unique_ptr<ConsensusWal> wal(new ConsensusWal(path, fd));
    Bytes data;
    std::uint8_t buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_status("cannot read consensus log", path);
        if (n == 0) break;
        data.insert(data.end(), buf, buf + n);
    }
    std::size_t pos = 0;
    while (data.size() - pos >= frame_header_bytes) {
        ByteReader r(ByteSpan(data).subspan(pos, frame_header_bytes));
        const std::uint32_t length = *r.u32();
        const auto sum = *r.fixed<8>();
        if (length > entry_bytes_max || data.size() - pos - frame_header_bytes < length) break;
        ByteSpan payload = ByteSpan(data).subspan(pos + frame_header_bytes, length);
        if (checksum(length, payload) != sum) break;
        wal->entries_.emplace_back(payload.begin(), payload.end());
        pos += frame_header_bytes + length;
    }
    wal->truncated_bytes_ = data.size() - pos;
    if (wal->truncated_bytes_ > 0) {
        if (::ftruncate(fd, static_cast<off_t>(pos)) != 0 || ::fsync(fd) != 0)
            return errno_status("cannot cut the torn tail of consensus log", path);
    }
    if (::lseek(fd, 0, SEEK_END) < 0) return errno_status("cannot seek consensus log", path);
    return wal;
}

ConsensusWal::~ConsensusWal() {
    if (fd_ >= 0) ::close(fd_);
}

Status ConsensusWal::append(ByteSpan entry) {
    if (entry.size() > entry_bytes_max) return Status::error("consensus log entry too large");
    return write_all(fd_, frame(entry), path_);
}

Status ConsensusWal::restart(ByteSpan first) {
    const std::string tmp = path_ + ".new";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno_status("cannot create", tmp);
    if (Status s = write_all(fd, frame(first), tmp); !s.is_ok()) {
        ::close(fd);
        return s;
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
        ::close(fd);
        return errno_status("cannot rename over", path_);
    }
    const std::string dir = std::filesystem::path(path_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ::close(fd);
    if (fd_ < 0) return errno_status("cannot reopen consensus log", path_);
    return Status::ok();
}

}  // namespace jchain::storage
