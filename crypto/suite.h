// The chain's crypto suite: which hash and which signature scheme every id, hash, key
// and signature of one chain uses (docs/encoding.md "Suites"). Chosen at genesis and
// part of the genesis hash; a value passed to whatever hashes or signs, never a
// compile-time switch, so one process can check chains of either suite.
//
//   secp256k1-sha256  SHA-256; ECDSA over secp256k1, low S only, RFC 6979 nonces
//   sm2-sm3           SM3 (GB/T 32905); SM2 (GB/T 32918) with SM3 and the chain's
//                     signer ID (default 1234567812345678), random nonces
//
// In both, a public key is a 33-byte compressed point on the suite's curve, a signature
// is 64 bytes r || s inside the node and strict DER outside, and a signature always
// signs a 32-byte digest: the suite's hash of the signed bytes. ECDSA signs that digest;
// SM2 takes it as its message M, so e = SM3(ZA || digest). All functions are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/keys.h"

namespace jchain::crypto {

enum class SuiteId : std::uint8_t { secp256k1_sha256, sm2_sm3 };

class Suite {
public:
    static constexpr std::string_view secp256k1_sha256_name = "secp256k1-sha256";
    static constexpr std::string_view sm2_sm3_name = "sm2-sm3";
    static constexpr std::string_view sm2_default_user_id = "1234567812345678";

    Suite() = default;  // secp256k1-sha256
    static Suite secp256k1_sha256() { return Suite(); }
    static Suite sm2_sm3(std::string user_id = std::string(sm2_default_user_id));
    // By name, as genesis and receipts write it. The user ID must be empty for
    // secp256k1-sha256, and 1..8191 bytes (ENTL is a 16-bit bit count) for sm2-sm3.
    static Result<Suite> from_name(std::string_view name, std::optional<std::string> sm2_user_id = std::nullopt);

    SuiteId id() const { return id_; }
    bool is_sm2() const { return id_ == SuiteId::sm2_sm3; }
    std::string_view name() const;
    std::string_view hash_name() const;       // "SHA-256" or "SM3"
    std::string_view signature_name() const;  // "ECDSA secp256k1" or "SM2"
    std::string_view key_type() const;        // key files' "type": "secp256k1" or "sm2"
    const std::string& sm2_user_id() const { return user_id_; }  // empty for secp256k1
    bool operator==(const Suite&) const = default;

    // The suite's hash.
    Hash hash(ByteSpan data) const;
    Result<Hash> hash_file(const std::string& path) const;

    KeyPair generate_key() const;
    // nullopt when the scalar is not a private key of the suite's curve.
    std::optional<KeyPair> key_pair_from_private(const PrivateKey& key) const;
    // Accepts a 33-byte compressed or 65-byte uncompressed SEC1 point; nullopt unless it
    // is on the suite's curve. Returns the compressed form.
    std::optional<PublicKey> parse_public_key(ByteSpan sec1) const;
    bool is_valid_key(const PublicKey& key) const { return parse_public_key(key.bytes).has_value(); }

    Signature sign(const KeyPair& key, const Hash& digest) const;
    // True only for a valid signature of `digest` by `key` under this suite (low S for
    // ECDSA; this chain's signer ID for SM2).
    bool verify(const PublicKey& key, const Hash& digest, const Signature& sig) const;

    // Strict minimal DER, as openssl writes it.
    Bytes signature_to_der(const Signature& sig) const;
    // nullopt unless strict DER with r and s in [1, n-1] (and low S for ECDSA).
    std::optional<Signature> signature_from_der(ByteSpan der) const;
    std::optional<Signature> signature_from_compact(ByteSpan compact) const;

    // SubjectPublicKeyInfo: id-ecPublicKey with the suite's curve (secp256k1 with the
    // compressed point; SM2, OID 1.2.156.10197.1.301, with the uncompressed point, the
    // form GM tools expect), DER and PEM, as `openssl pkey -pubin` reads them.
    Bytes public_key_to_spki_der(const PublicKey& key) const;
    std::string public_key_to_pem(const PublicKey& key) const;

    // Key files: JSON {"type": key_type(), "private_key": HEX, "public_key": HEX}, mode
    // 0600, never overwritten. Reading a key of another suite fails with "wrong_suite".
    Status write_key_file(const std::string& path, const KeyPair& key) const;
    Result<KeyPair> read_key_file(const std::string& path) const;

private:
    SuiteId id_ = SuiteId::secp256k1_sha256;
    std::string user_id_;
};

// The suite a key file was written for ("secp256k1" or "sm2"), without reading its key.
Result<Suite> key_file_suite(const std::string& path);

// A public key parsed once for many verifications under one suite.
class PreparedKey {
public:
    static std::optional<PreparedKey> from(const Suite& suite, const PublicKey& key);
    bool verify(const Hash& digest, const Signature& sig) const;

private:
    friend class Suite;  // its cache compares the suite
    struct Sm2;
    Suite suite_;
    secp256k1::PreparedKey secp256k1_;        // secp256k1: libsecp256k1's parsed key
    std::shared_ptr<const Sm2> sm2_;          // sm2: the key for crypto/sm2_verify.h, with ZA
};

}  // namespace jchain::crypto
