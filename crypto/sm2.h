// The national suite's primitives (国密): SM3 hashing (GB/T 32905) and SM2 signatures
// with SM3 (GB/T 32918), through OpenSSL 3. Groundwork for issue 11's `sm2-sm3` chain
// suite: nothing on the chain uses them yet; the suite, its key files and its encodings
// come with that issue.
//
// SM2 conventions, as GB/T 32918.2 and OpenSSL's `pkeyutl -rawin -digest sm3` have them:
// the signer's ID (distid) defaults to "1234567812345678"; the signature is over
// SM3(ZA || message), ZA = SM3(ENTL || ID || a || b || xG || yG || xA || yA); it is DER,
// SEQUENCE { r INTEGER, s INTEGER }; public keys are 65-byte uncompressed points
// 04 || x || y (33-byte compressed ones are accepted), SPKI PEM with the SM2 curve OID
// 1.2.156.10197.1.301. Signing and verifying with different IDs fails.
// All functions are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/hash.h"

namespace jchain::crypto {

Hash sm3(ByteSpan data);

inline constexpr std::string_view sm2_default_id = "1234567812345678";

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
