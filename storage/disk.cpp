#include "storage/disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace jchain::storage {

Status check_writable(const std::string& dir, std::size_t bytes) {
    const std::string path = dir + "/.write-check";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::error("cannot create " + path + ": " + std::strerror(errno));
    const std::vector<char> block(64 << 10, 0);
    std::string problem;
    for (std::size_t done = 0; done < bytes && problem.empty();) {
        const ssize_t n = ::write(fd, block.data(), std::min(block.size(), bytes - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) problem = std::string("cannot write: ") + std::strerror(errno);
        else done += static_cast<std::size_t>(n);
    }
    if (problem.empty() && ::fsync(fd) != 0) problem = std::string("cannot sync: ") + std::strerror(errno);
    ::close(fd);
    ::unlink(path.c_str());
    if (!problem.empty()) return Status::error(dir + ": " + problem);
    return Status::ok();
}

}  // namespace jchain::storage
