// secp256k1 keys and ECDSA signatures (libsecp256k1), and the files that hold keys.
//
// Signatures are over a 32-byte digest, which is always SHA-256 of a domain-separated
// byte string (docs/encoding.md), so `openssl dgst -sha256 -verify` can check them.
// Only low-S signatures are produced or accepted: a signature has exactly one valid
// encoding. All functions are thread-safe (one immutable, randomised context).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/hex.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace jchain::crypto {

// A compressed SEC1 public key (33 bytes), always a valid curve point.
struct PublicKey {
    std::array<std::uint8_t, 33> bytes{};
    auto operator<=>(const PublicKey&) const = default;
};

// A 32-byte secret scalar in [1, n-1].
struct PrivateKey {
    std::array<std::uint8_t, 32> bytes{};
};

// 64-byte compact form r||s (big-endian), s in the lower half of the order.
struct Signature {
    std::array<std::uint8_t, 64> bytes{};
    bool operator==(const Signature&) const = default;
};

struct KeyPair {
    PrivateKey private_key;
    PublicKey public_key;
};

// Files that hold secrets: created with mode 0600, never overwriting (write); refused
// when group or others may read or write them, naming the fix (read). At most 4096 bytes.
Status write_secret_file(const std::string& path, std::string_view text);
Result<std::string> read_secret_file(const std::string& path);

// secp256k1 itself. Chain code goes through crypto::Suite (crypto/suite.h), never here.
namespace secp256k1 {

// A fresh key from the OS random source (getrandom via OpenSSL RAND_bytes).
KeyPair generate_key();

// nullopt when the scalar is zero or not below the curve order.
std::optional<KeyPair> key_pair_from_private(const PrivateKey& key);

// Accepts 33-byte compressed or 65-byte uncompressed SEC1; nullopt if not on the curve.
std::optional<PublicKey> parse_public_key(ByteSpan sec1);

// Deterministic (RFC 6979) low-S ECDSA over `digest`.
Signature sign(const PrivateKey& key, const Hash& digest);

// True only for a valid low-S signature of `digest` by `key`.
bool verify(const PublicKey& key, const Hash& digest, const Signature& sig);

// A public key parsed once for many verifications: parsing a compressed key costs a
// field square root, about a quarter of a verification. Holds libsecp256k1's opaque
// 64-byte form.
class PreparedKey {
public:
    static std::optional<PreparedKey> from(const PublicKey& key);
    // Same contract as verify() above.
    bool verify(const Hash& digest, const Signature& sig) const;

private:
    std::array<std::uint8_t, 64> parsed_{};
};

// Strict DER (as openssl writes it) of the signature.
Bytes signature_to_der(const Signature& sig);

// Parses strict DER. High-S signatures parse, but are returned normalised only if
// `allow_high_s`; by default they are refused (nullopt), since the chain never accepts them.
std::optional<Signature> signature_from_der(ByteSpan der, bool allow_high_s = false);

// Parses 64-byte compact r||s; refuses high-S and out-of-range values.
std::optional<Signature> signature_from_compact(ByteSpan compact);

// The key as X.509 SubjectPublicKeyInfo (id-ecPublicKey, secp256k1, compressed point),
// DER and PEM ("-----BEGIN PUBLIC KEY-----"), as `openssl pkey -pubin` reads it.
Bytes public_key_to_spki_der(const PublicKey& key);
std::string public_key_to_pem(const PublicKey& key);

}  // namespace secp256k1
}  // namespace jchain::crypto
