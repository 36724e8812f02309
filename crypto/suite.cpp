#include "crypto/suite.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <boost/json.hpp>

#include "base/json.h"
#include "crypto/sm2.h"
#include "crypto/sm2_verify.h"

namespace jchain::crypto {
namespace {

// SubjectPublicKeyInfo up to the point: SEQUENCE { SEQUENCE { OID id-ecPublicKey,
// OID sm2p256v1 (1.2.156.10197.1.301) }, BIT STRING (66 bytes: 0 unused bits, then the
// 65-byte uncompressed point) }.
constexpr std::uint8_t sm2_spki_prefix[] = {
    0x30, 0x59,                                                        // SEQUENCE, 89 bytes
    0x30, 0x13,                                                        //   SEQUENCE, 19 bytes
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,              //     1.2.840.10045.2.1
    0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d,        //     1.2.156.10197.1.301
    0x03, 0x42, 0x00,                                                  //   BIT STRING, 66 bytes
};

// Minimal DER of a 32-byte big-endian unsigned integer.
void put_integer(Bytes& out, const std::uint8_t* v) {
    std::size_t skip = 0;
    while (skip < 31 && v[skip] == 0) ++skip;
    const bool pad = (v[skip] & 0x80) != 0;
    out.push_back(0x02);
    out.push_back(static_cast<std::uint8_t>(32 - skip + (pad ? 1 : 0)));
    if (pad) out.push_back(0);
    out.insert(out.end(), v + skip, v + 32);
}

Bytes der_of(const Signature& sig) {
    Bytes body;
    put_integer(body, sig.bytes.data());
    put_integer(body, sig.bytes.data() + 32);
    body.insert(body.begin(), {0x30, static_cast<std::uint8_t>(body.size())});
    return body;
}

// Strict DER: exactly what der_of writes for some r, s below 2^256.
std::optional<Signature> strict_der(ByteSpan der) {
    if (der.size() < 8 || der.size() > 72 || der[0] != 0x30 || der[1] != der.size() - 2) return std::nullopt;
    Signature sig;
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        if (i + 2 > der.size() || der[i] != 0x02) return std::nullopt;
        const std::size_t len = der[i + 1];
        i += 2;
        if (len == 0 || len > 33 || i + len > der.size()) return std::nullopt;
        const std::uint8_t* v = der.data() + i;
        if (v[0] & 0x80) return std::nullopt;                           // negative
        if (len > 1 && v[0] == 0 && !(v[1] & 0x80)) return std::nullopt;  // not minimal
        if (len == 33 && v[0] != 0) return std::nullopt;                 // too large
        const std::size_t n = len == 33 ? 32 : len;
        std::copy(v + (len - n), v + len, sig.bytes.begin() + part * 32 + (32 - n));
        i += len;
    }
    if (i != der.size()) return std::nullopt;
    return sig;
}

}  // namespace

Suite Suite::sm2_sm3(std::string user_id) {
    Suite s;
    s.id_ = SuiteId::sm2_sm3;
    s.user_id_ = std::move(user_id);
    return s;
}

Result<Suite> Suite::from_name(std::string_view name, std::optional<std::string> sm2_user_id) {
    if (name == secp256k1_sha256_name) {
        if (sm2_user_id) return Status::error("an sm2_user_id is only for the sm2-sm3 suite");
        return Suite();
    }
    if (name == sm2_sm3_name) {
        std::string id = sm2_user_id.value_or(std::string(sm2_default_user_id));
        // ENTL, the ID's length in bits, is two bytes.
        if (id.empty() || id.size() > 8191) return Status::error("sm2_user_id must be 1 to 8191 bytes");
        return sm2_sm3(std::move(id));
    }
    return Status::error("unknown crypto suite \"" + std::string(name) + "\"; known: secp256k1-sha256, sm2-sm3");
}

std::string_view Suite::name() const { return is_sm2() ? sm2_sm3_name : secp256k1_sha256_name; }
std::string_view Suite::hash_name() const { return is_sm2() ? "SM3" : "SHA-256"; }
std::string_view Suite::signature_name() const { return is_sm2() ? "SM2" : "ECDSA secp256k1"; }
std::string_view Suite::key_type() const { return is_sm2() ? "sm2" : "secp256k1"; }

Hash Suite::hash(ByteSpan data) const { return is_sm2() ? sm3(data) : sha256(data); }

Result<Hash> Suite::hash_file(const std::string& path) const {
    return crypto::hash_file(path, is_sm2() ? Sha256::Algorithm::sm3 : Sha256::Algorithm::sha256);
}

KeyPair Suite::generate_key() const {
    if (!is_sm2()) return secp256k1::generate_key();
    PrivateKey d{sm2::generate_private()};
    auto pair = key_pair_from_private(d);
    OPENSSL_cleanse(d.bytes.data(), d.bytes.size());
    return *pair;
}

std::optional<KeyPair> Suite::key_pair_from_private(const PrivateKey& key) const {
    if (!is_sm2()) return secp256k1::key_pair_from_private(key);
    auto pub = sm2::public_from_private(key.bytes);
    if (!pub) return std::nullopt;
    return KeyPair{key, PublicKey{*pub}};
}

std::optional<PublicKey> Suite::parse_public_key(ByteSpan sec1) const {
    if (!is_sm2()) return secp256k1::parse_public_key(sec1);
    auto p = sm2::compress(sec1);
    if (!p) return std::nullopt;
    return PublicKey{*p};
}

Signature Suite::sign(const KeyPair& key, const Hash& digest) const {
    if (!is_sm2()) return secp256k1::sign(key.private_key, digest);
    auto sig = signature_from_der(sm2::sign(key.private_key.bytes, key.public_key.bytes, digest, user_id_));
    if (!sig) {  // OpenSSL writes minimal DER with r, s in [1, n-1]: anything else is a broken library
        std::fprintf(stderr, "fatal: OpenSSL wrote an SM2 signature that is not strict DER\n");
        std::abort();
    }
    return *sig;
}

bool Suite::verify(const PublicKey& key, const Hash& digest, const Signature& sig) const {
    if (!is_sm2()) return secp256k1::verify(key, digest, sig);
    // Votes and certificates come from a few validators over and over: each thread keeps
    // the last few keys as OpenSSL holds them, which halves the cost of a verification.
    thread_local std::vector<std::pair<PublicKey, PreparedKey>> recent;
    thread_local std::size_t next = 0;
    for (const auto& [k, prepared] : recent)
        if (k == key && prepared.suite_ == *this) return prepared.verify(digest, sig);
    auto prepared = PreparedKey::from(*this, key);
    if (!prepared) return false;
    const bool ok = prepared->verify(digest, sig);
    constexpr std::size_t kept = 16;
    if (recent.size() < kept) recent.emplace_back(key, std::move(*prepared));
    else recent[next++ % kept] = {key, std::move(*prepared)};
    return ok;
}

Bytes Suite::signature_to_der(const Signature& sig) const {
    return is_sm2() ? der_of(sig) : secp256k1::signature_to_der(sig);
}

std::optional<Signature> Suite::signature_from_der(ByteSpan der) const {
    if (!is_sm2()) return secp256k1::signature_from_der(der);
    auto sig = strict_der(der);
    if (!sig) return std::nullopt;
    return signature_from_compact(sig->bytes);
}

std::optional<Signature> Suite::signature_from_compact(ByteSpan compact) const {
    if (!is_sm2()) return secp256k1::signature_from_compact(compact);
    if (compact.size() != 64 || !sm2::in_order_range(compact.first(32)) || !sm2::in_order_range(compact.subspan(32)))
        return std::nullopt;
    Signature out;
    std::copy(compact.begin(), compact.end(), out.bytes.begin());
    return out;
}

Bytes Suite::public_key_to_spki_der(const PublicKey& key) const {
    if (!is_sm2()) return secp256k1::public_key_to_spki_der(key);
    const auto full = sm2::decompress(key.bytes);
    Bytes out(std::begin(sm2_spki_prefix), std::end(sm2_spki_prefix));
    out.insert(out.end(), full.begin(), full.end());
    return out;
}

std::string Suite::public_key_to_pem(const PublicKey& key) const {
    if (!is_sm2()) return secp256k1::public_key_to_pem(key);
    const Bytes der = public_key_to_spki_der(key);
    std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), der.data(), static_cast<int>(der.size()));
    b64.resize(static_cast<std::size_t>(n));
    std::string out = "-----BEGIN PUBLIC KEY-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
    return out + "-----END PUBLIC KEY-----\n";
}

Status Suite::write_key_file(const std::string& path, const KeyPair& key) const {
    boost::json::object obj;
    obj["type"] = key_type();
    obj["private_key"] = to_hex(key.private_key.bytes);
    obj["public_key"] = to_hex(key.public_key.bytes);
    std::string text = boost::json::serialize(obj) + "\n";
    Status st = write_secret_file(path, text);
    OPENSSL_cleanse(text.data(), text.size());
    return st;
}

namespace {

// The key file's JSON object and its "type", checked to be a known suite's.
Result<std::pair<boost::json::object, Suite>> key_file_json(const std::string& path, std::string_view text) {
    auto doc = parse_json(text);
    if (!doc) return Status::error(path + ": not valid JSON (" + doc.message() + ")");
    const boost::json::object* obj = doc->if_object();
    if (obj == nullptr) return Status::error(path + ": not a JSON object");
    const boost::json::value* type = obj->if_contains("type");
    if (type != nullptr && type->is_string()) {
        if (type->get_string() == "secp256k1") return std::pair{*obj, Suite::secp256k1_sha256()};
        if (type->get_string() == "sm2") return std::pair{*obj, Suite::sm2_sm3()};
    }
    return Status::error(path + ": \"type\" must be \"secp256k1\" or \"sm2\"");
}

}  // namespace

Result<Suite> key_file_suite(const std::string& path) {
    auto text = read_secret_file(path);
    if (!text) return text.status();
    auto parsed = key_file_json(path, *text);
    OPENSSL_cleanse(text->data(), text->size());
    if (!parsed) return parsed.status();
    return parsed->second;
}

Result<KeyPair> Suite::read_key_file(const std::string& path) const {
    auto text = read_secret_file(path);
    if (!text) return text.status();
    Result<KeyPair> result = Status::error(path + ": unreadable key file");
    try {
        result = [&]() -> Result<KeyPair> {
            auto parsed = key_file_json(path, *text);
            if (!parsed) return parsed.status();
            const auto& [obj, file_suite] = *parsed;
            if (file_suite.id() != id_)
                return Status::error("wrong_suite: " + path + " holds a " + std::string(file_suite.key_type()) +
                                     " key; this chain's suite is " + std::string(name()) + " (make one with: jchain keygen --suite " +
                                     std::string(key_type()) + ")");
            const boost::json::value* priv_hex = obj.if_contains("private_key");
            std::optional<std::array<std::uint8_t, 32>> priv;
            if (priv_hex != nullptr && priv_hex->is_string())
                priv = from_hex_fixed<32>(std::string_view{priv_hex->get_string()});
            if (!priv) return Status::error(path + ": \"private_key\" must be 64 hex digits");
            std::optional<KeyPair> pair = key_pair_from_private(PrivateKey{*priv});
            OPENSSL_cleanse(priv->data(), priv->size());
            if (!pair)
                return Status::error(path + ": \"private_key\" is not a valid " + std::string(key_type()) + " private key");
            if (const boost::json::value* pub_hex = obj.if_contains("public_key")) {
                std::optional<std::array<std::uint8_t, 33>> pub;
                if (pub_hex->is_string()) pub = from_hex_fixed<33>(std::string_view{pub_hex->get_string()});
                if (!pub) return Status::error(path + ": \"public_key\" must be 66 hex digits");
                if (*pub != pair->public_key.bytes)
                    return Status::error(path + ": \"public_key\" does not match \"private_key\"");
            }
            return *pair;
        }();
    } catch (const std::exception& e) {
        result = Status::error(path + ": " + e.what());
    }
    OPENSSL_cleanse(text->data(), text->size());
    return result;
}

// The key in crypto/sm2_verify.h's form, with ZA for the suite's signer ID computed once:
// verification then costs one SM3 block pair and s·G + t·P on the fast field code.
// OpenSSL's verifier (crypto/sm2.h) stays for the differential tests that hold the two
// to the same verdicts (tests/crypto/sm2_verify_test.cpp, tests/fuzz/fuzz_sm2_verify.cpp).
struct PreparedKey::Sm2 {
    sm2::FastVerifier verifier;
    Hash za;
    bool id_usable;  // OpenSSL refuses IDs of 8191 bytes or more; so does this path
};

std::optional<PreparedKey> PreparedKey::from(const Suite& suite, const PublicKey& key) {
    PreparedKey out;
    out.suite_ = suite;
    if (!suite.is_sm2()) {
        auto k = secp256k1::PreparedKey::from(key);
        if (!k) return std::nullopt;
        out.secp256k1_ = *k;
        return out;
    }
    auto v = sm2::FastVerifier::from(key.bytes);
    if (!v) return std::nullopt;
    const Hash za = v->za(suite.sm2_user_id());
    out.sm2_ = std::make_shared<const Sm2>(Sm2{std::move(*v), za, suite.sm2_user_id().size() < 8191});
    return out;
}

bool PreparedKey::verify(const Hash& digest, const Signature& sig) const {
    if (!suite_.is_sm2()) {
        return secp256k1_.verify(digest, sig);
    }
    // e = SM3(ZA || digest); verify_e checks r, s in [1, n-1] itself.
    if (!sm2_->id_usable) return false;
    std::array<std::uint8_t, 64> za_digest;
    std::copy(sm2_->za.begin(), sm2_->za.end(), za_digest.begin());
    std::copy(digest.begin(), digest.end(), za_digest.begin() + 32);
    return sm2_->verifier.verify_e(sm3(za_digest), sig.bytes);
}

}  // namespace jchain::crypto
