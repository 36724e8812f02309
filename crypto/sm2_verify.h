// A verification-only SM2 (GB/T 32918.2) over the SM2 prime, for the sm2-sm3 suite's hot
// path (crypto/suite.h). OpenSSL 3.0 runs SM2 on its generic prime-field code, five
// times slower than its P-256; this file does the same arithmetic on 4×64-bit limbs with
// a Montgomery multiplication specialised for p = 2^256 − 2^224 − 2^96 + 2^64 − 1,
// Jacobian coordinates, and s·G + t·P by Strauss–Shamir with wNAF digits, the scalars
// split at 2^128: tables of odd multiples of G and 2^128·G are computed once at first use,
// those of the key and 2^128 times it when the key is parsed (so keep a FastVerifier for
// a key that signs again: parsing costs about two verifications).
//
// It touches public data only (keys, messages, signatures), so it runs in variable time;
// signing and key generation stay in OpenSSL (crypto/sm2.h). Its verdicts must equal
// OpenSSL's on every input: tests/crypto/sm2_verify_test.cpp and the libFuzzer target
// tests/fuzz/fuzz_sm2_verify.cpp compare the two (docs/encoding.md "SM2").
// All functions are thread-safe; a FastVerifier is immutable once made.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "crypto/hash.h"

namespace jchain::crypto::sm2 {

class FastVerifier {
public:
    // A 33-byte compressed (02/03) or 65-byte uncompressed (04) SEC1 point with
    // coordinates below p, on the SM2 curve: exactly what OpenSSL accepts when
    // crypto/sm2.cpp parses a key. nullopt otherwise.
    static std::optional<FastVerifier> from(ByteSpan sec1);

    // ZA = SM3(ENTL || ID || a || b || xG || yG || xA || yA) for signer ID `id`
    // (at most 8191 bytes: ENTL is a 16-bit bit count).
    Hash za(std::string_view id) const;

    // GB/T 32918.2 verification of r || s (64 bytes, big-endian) against e, where e is
    // SM3(ZA || M) as a big-endian integer: r, s in [1, n−1]; t = (r + s) mod n ≠ 0;
    // (x1, y1) = s·G + t·P not infinity; (e + x1) mod n == r.
    bool verify_e(const Hash& e, ByteSpan rs) const;

    // The whole verification of `message` under signer ID `id`: e = SM3(ZA || message).
    bool verify(ByteSpan message, ByteSpan rs, std::string_view id) const;

    // The key as 04 || x || y.
    const std::array<std::uint8_t, 65>& point() const { return point_; }

    struct Table;  // odd multiples of the key, affine (sm2_verify.cpp)

private:
    std::array<std::uint8_t, 65> point_{};
    std::shared_ptr<const Table> table_;
};

}  // namespace jchain::crypto::sm2
