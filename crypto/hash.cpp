#include "crypto/hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <vector>

#include <openssl/evp.h>

namespace jchain::crypto {
namespace {

// OpenSSL fails here only when it cannot allocate or its provider is missing, which
// leaves nothing sensible to do: a broken environment, not bad input.
void openssl_check(int rc, const char* what) {
    if (rc == 1) return;
    std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
    std::abort();
}

// Fetched once and kept for the life of the process: implicit fetching (EVP_sha256())
// looks the algorithm up on every init.
const EVP_MD* fetch_md(const char* name) {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, name, nullptr);
    openssl_check(fetched != nullptr, "EVP_MD_fetch");
    return fetched;
}

const EVP_MD* sha256_md() {
    static const EVP_MD* md = fetch_md("SHA256");
    return md;
}

// SM3 (GB/T 32905), for the sm2-sm3 suite.
const EVP_MD* sm3_md() {
    static const EVP_MD* md = fetch_md("SM3");
    return md;
}

Hash digest(const EVP_MD* md, ByteSpan data) {
    Hash out{};
    unsigned int len = 0;
    openssl_check(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), "EVP_Digest");
    assert(len == out.size());
    return out;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

constexpr std::size_t file_chunk_bytes = 64 * 1024;

}  // namespace

struct Sha256::Impl {
    EVP_MD_CTX* ctx = nullptr;
    bool finished = false;
};

Sha256::Sha256(Algorithm algorithm) : impl_(std::make_unique<Impl>()) {
    impl_->ctx = EVP_MD_CTX_new();
    openssl_check(impl_->ctx != nullptr, "EVP_MD_CTX_new");
    const EVP_MD* md = algorithm == Algorithm::sm3 ? sm3_md() : sha256_md();
    openssl_check(EVP_DigestInit_ex(impl_->ctx, md, nullptr), "EVP_DigestInit_ex");
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::update(ByteSpan data) {
    assert(!impl_->finished);
    if (data.empty()) return;
    openssl_check(EVP_DigestUpdate(impl_->ctx, data.data(), data.size()), "EVP_DigestUpdate");
}

Hash Sha256::finish() {
    assert(!impl_->finished);
    impl_->finished = true;
    Hash out{};
    unsigned int len = 0;
    openssl_check(EVP_DigestFinal_ex(impl_->ctx, out.data(), &len), "EVP_DigestFinal_ex");
    assert(len == out.size());
    return out;
}

Hash sha256(ByteSpan data) { return digest(sha256_md(), data); }

Hash sm3(ByteSpan data) { return digest(sm3_md(), data); }

Result<Hash> sha256_file(const std::string& path) { return hash_file(path, Sha256::Algorithm::sha256); }

Result<Hash> hash_file(const std::string& path, Sha256::Algorithm algorithm) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error("cannot open " + path + ": " + errno_text(errno));

    Sha256 hasher(algorithm);
    std::vector<std::uint8_t> chunk(file_chunk_bytes);
    for (;;) {
        ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return Status::error("cannot read " + path + ": " + errno_text(err));
        }
        if (n == 0) break;
        hasher.update(ByteSpan{chunk.data(), static_cast<std::size_t>(n)});
    }
    ::close(fd);
    return hasher.finish();
}

}  // namespace jchain::crypto
