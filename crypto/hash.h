// SHA-256 (OpenSSL EVP). The hash of the chain-wide suite; see docs/encoding.md.
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

// Incremental SHA-256, for files too large to hold in memory.
class Sha256 {
public:
    Sha256();
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

}  // namespace jchain::crypto
