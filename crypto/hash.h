// SHA-256 and SM3 (OpenSSL EVP): the hashes of the two crypto suites (crypto/suite.h,
// docs/encoding.md). Chain code hashes through its Suite; SHA-256 is also used directly
// where a format fixes it (C2SP key ids, HKDF, backup checksums).
// All functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "base/hex.h"
#include "base/result.h"

namespace jchain::crypto {

using Hash = std::array<std::uint8_t, 32>;

Hash sha256(ByteSpan data);
Hash sm3(ByteSpan data);  // GB/T 32905

// Incremental SHA-256 (or SM3), for files too large to hold in memory.
class Sha256 {
public:
    enum class Algorithm { sha256, sm3 };
    explicit Sha256(Algorithm algorithm = Algorithm::sha256);
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(ByteSpan data);
    Hash finish();  // the hasher must not be used afterwards

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// SHA-256 of a file's bytes, read in chunks.
Result<Hash> sha256_file(const std::string& path);
Result<Hash> hash_file(const std::string& path, Sha256::Algorithm algorithm);

}  // namespace jchain::crypto
