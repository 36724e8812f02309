// The national suite's primitives (国密): SM2 signatures with SM3 (GB/T 32918), through
// OpenSSL 3 (SM3 itself is in crypto/hash.h). Chain code reaches them only through
// crypto::Suite (crypto/suite.h), which fixes what is signed (docs/encoding.md "Suites").
//
// SM2 conventions, as GB/T 32918.2 and OpenSSL's `pkeyutl -rawin -digest sm3` have them:
// the signer's ID (distid) defaults to "1234567812345678"; the signature is over
// SM3(ZA || message), ZA = SM3(ENTL || ID || a || b || xG || yG || xA || yA); it is DER,
// SEQUENCE { r INTEGER, s INTEGER }; public keys are 65-byte uncompressed points
// 04 || x || y (33-byte compressed ones are accepted), SPKI PEM with the SM2 curve OID
// 1.2.156.10197.1.301. Signing and verifying with different IDs fails.
// All functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/hash.h"

namespace jchain::crypto {

inline constexpr std::string_view sm2_default_id = "1234567812345678";

// The raw forms the sm2-sm3 suite keeps (crypto/suite.h): a 32-byte private scalar d in
// [1, n-2] (GB/T 32918.1: 1 + d must be invertible), a 33-byte compressed point, and a
// signature as 64 bytes r || s.
namespace sm2 {

// d·G compressed; nullopt when d is not in [1, n-2].
std::optional<std::array<std::uint8_t, 33>> public_from_private(const std::array<std::uint8_t, 32>& d);
// A 33- or 65-byte SEC1 point on the SM2 curve (not infinity), compressed; else nullopt.
std::optional<std::array<std::uint8_t, 33>> compress(ByteSpan sec1);
// The 65-byte uncompressed form of a valid compressed point.
std::array<std::uint8_t, 65> decompress(const std::array<std::uint8_t, 33>& point);
// True when 1 <= x <= n-1 (x 32 bytes big-endian).
bool in_order_range(ByteSpan x);
// A random key pair from the OS random source.
std::array<std::uint8_t, 32> generate_private();

// SM2 signature of `message` (ZA over `id` and the public key), DER as OpenSSL writes it.
Bytes sign(const std::array<std::uint8_t, 32>& d, const std::array<std::uint8_t, 33>& point, ByteSpan message,
           std::string_view id);

// A public key parsed once (OpenSSL's form), for many verifications.
class Verifier {
public:
    static std::optional<Verifier> from(const std::array<std::uint8_t, 33>& point);
    ~Verifier();
    Verifier(Verifier&&) noexcept;
    Verifier& operator=(Verifier&&) noexcept;
    bool verify(ByteSpan message, ByteSpan der, std::string_view id) const;

private:
    struct Impl;
    explicit Verifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sm2

// An SM2 private key (with its public key), held by OpenSSL.
class Sm2Key {
public:
    static Sm2Key generate();
    // PKCS#8 "-----BEGIN PRIVATE KEY-----", as `openssl genpkey -algorithm EC -pkeyopt
    // ec_paramgen_curve:SM2` writes it; refused unless the key is on the SM2 curve.
    static Result<Sm2Key> from_pem(std::string_view pem);
    ~Sm2Key();
    Sm2Key(Sm2Key&&) noexcept;
    Sm2Key& operator=(Sm2Key&&) noexcept;

    std::string private_pem() const;
    std::string public_pem() const;  // SPKI
    Bytes public_point() const;      // 65 bytes, 04 || x || y
    // DER signature of `message` (ZA with `id`), with a fresh random k.
    Bytes sign(ByteSpan message, std::string_view id = sm2_default_id) const;

private:
    struct Impl;
    explicit Sm2Key(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// True only when `der` is a valid SM2 signature of `message` by the key at `point`
// (65 or 33 bytes on the SM2 curve) with signer ID `id`.
bool sm2_verify(ByteSpan point, ByteSpan message, ByteSpan der, std::string_view id = sm2_default_id);

}  // namespace jchain::crypto
