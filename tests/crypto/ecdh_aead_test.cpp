// ECDH (crypto/ecdh.h), HKDF-SHA256 and ChaCha20-Poly1305 (crypto/aead.h) against
// published vectors and against each other.
#include <doctest/doctest.h>

#include <algorithm>
#include <string_view>

#include "base/hex.h"
#include "crypto/aead.h"
#include "crypto/ecdh.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace jchain::crypto {
namespace {

using namespace secp256k1;  // the peer links' ECDH is secp256k1 in every suite

Bytes hex(std::string_view s) { return from_hex(s).value(); }

template <std::size_t N>
std::array<std::uint8_t, N> hex_fixed(std::string_view s) {
    return from_hex_fixed<N>(s).value();  // constants below: a typo throws at start-up
}

PrivateKey scalar(std::uint8_t n) {
    PrivateKey k;
    k.bytes[31] = n;
    return k;
}

// RFC 8439 section 2.8.2.
const AeadKey rfc8439_key = hex_fixed<32>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const AeadNonce rfc8439_nonce = hex_fixed<12>("070000004041424344454647");
const Bytes rfc8439_aad = hex("50515253c0c1c2c3c4c5c6c7");
constexpr std::string_view rfc8439_plaintext =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
    "would be it.";
constexpr std::string_view rfc8439_ciphertext =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
    "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
    "3ff4def08e4b7a9de576d26586cec64b6116";
constexpr std::string_view rfc8439_tag = "1ae10b594f09e26a7e902ecbd0600691";

}  // namespace

TEST_CASE("ecdh: both ends of an exchange agree and a third key gets another secret") {
    const KeyPair a = generate_key(), b = generate_key(), c = generate_key();
    const auto ab = ecdh(a.private_key, b.public_key);
    const auto ba = ecdh(b.private_key, a.public_key);
    const auto ac = ecdh(a.private_key, c.public_key);
    const auto cb = ecdh(c.private_key, b.public_key);
    REQUIRE(ab.is_ok());
    REQUIRE(ba.is_ok());
    REQUIRE(ac.is_ok());
    REQUIRE(cb.is_ok());
    CHECK(*ab == *ba);
    CHECK(*ab != *ac);
    CHECK(*ab != *cb);
}

TEST_CASE("ecdh: the secret is SHA-256 of the compressed shared point") {
    // 1 * (2G) = 2G, whose compressed form is the public key of private key 2.
    const auto two = key_pair_from_private(scalar(2));
    REQUIRE(two);
    const auto secret = ecdh(scalar(1), two->public_key);
    REQUIRE(secret.is_ok());
    CHECK(*secret == sha256(two->public_key.bytes));
    CHECK(to_hex(*secret) == to_hex(sha256(hex("02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"))));
}

TEST_CASE("ecdh: a private key of zero is an error, not a secret") {
    const auto secret = ecdh(PrivateKey{}, generate_key().public_key);
    CHECK_FALSE(secret.is_ok());
}

TEST_CASE("hkdf: RFC 5869 test case 1 (SHA-256)") {
    const auto okm = hkdf_sha256(hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), hex("000102030405060708090a0b0c"),
                                 hex("f0f1f2f3f4f5f6f7f8f9"), 42);
    REQUIRE(okm.is_ok());
    CHECK(to_hex(*okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST_CASE("hkdf: RFC 5869 test case 3 (SHA-256, empty salt and info)") {
    const auto okm = hkdf_sha256(hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), {}, {}, 42);
    REQUIRE(okm.is_ok());
    CHECK(to_hex(*okm) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("hkdf: an output length of zero or over 255 blocks is refused") {
    CHECK_FALSE(hkdf_sha256(hex("00"), {}, {}, 0).is_ok());
    CHECK_FALSE(hkdf_sha256(hex("00"), {}, {}, hkdf_sha256_bytes_max + 1).is_ok());
    CHECK(hkdf_sha256(hex("00"), {}, {}, hkdf_sha256_bytes_max).is_ok());
}

TEST_CASE("aead: ChaCha20-Poly1305 matches RFC 8439 section 2.8.2 and opens what it seals") {
    const auto sealed = seal(rfc8439_key, rfc8439_nonce, rfc8439_aad, as_bytes(rfc8439_plaintext));
    REQUIRE(sealed.is_ok());
    CHECK(to_hex(*sealed) == std::string(rfc8439_ciphertext) + std::string(rfc8439_tag));

    const auto opened = open(rfc8439_key, rfc8439_nonce, rfc8439_aad, *sealed);
    REQUIRE(opened);
    CHECK(std::string(opened->begin(), opened->end()) == rfc8439_plaintext);
}

TEST_CASE("aead: sealing in parts equals sealing the whole, and opens in parts") {
    Bytes head(as_bytes(rfc8439_plaintext).begin(), as_bytes(rfc8439_plaintext).begin() + 1);
    Bytes body(as_bytes(rfc8439_plaintext).begin() + 1, as_bytes(rfc8439_plaintext).end());
    const auto tag = seal_in_place(rfc8439_key, rfc8439_nonce, rfc8439_aad, {head, body});
    REQUIRE(tag.is_ok());
    Bytes joined = head;
    joined.insert(joined.end(), body.begin(), body.end());
    CHECK(to_hex(joined) == rfc8439_ciphertext);
    CHECK(to_hex(*tag) == rfc8439_tag);

    CHECK(open_in_place(rfc8439_key, rfc8439_nonce, rfc8439_aad, {head, body}, *tag));
    joined = head;
    joined.insert(joined.end(), body.begin(), body.end());
    CHECK(std::string(joined.begin(), joined.end()) == rfc8439_plaintext);

    Bytes empty;
    const auto empty_tag = seal_in_place(rfc8439_key, rfc8439_nonce, {}, {empty});
    REQUIRE(empty_tag.is_ok());
    CHECK(open_in_place(rfc8439_key, rfc8439_nonce, {}, {empty}, *empty_tag));
}

TEST_CASE("aead: any changed bit of ciphertext, tag, AAD, key or nonce fails to open") {
    const auto sealed = seal(rfc8439_key, rfc8439_nonce, rfc8439_aad, as_bytes(rfc8439_plaintext));
    REQUIRE(sealed.is_ok());
    for (std::size_t i = 0; i < sealed->size(); ++i) {
        Bytes changed = *sealed;
        changed[i] ^= 0x01;
        CAPTURE(i);
        CHECK_FALSE(open(rfc8439_key, rfc8439_nonce, rfc8439_aad, changed));
    }
    Bytes aad = rfc8439_aad;
    aad[0] ^= 0x80;
    CHECK_FALSE(open(rfc8439_key, rfc8439_nonce, aad, *sealed));
    CHECK_FALSE(open(rfc8439_key, rfc8439_nonce, {}, *sealed));
    AeadKey key = rfc8439_key;
    key[31] ^= 1;
    CHECK_FALSE(open(key, rfc8439_nonce, rfc8439_aad, *sealed));
    AeadNonce nonce = rfc8439_nonce;
    nonce[11] ^= 1;
    CHECK_FALSE(open(rfc8439_key, nonce, rfc8439_aad, *sealed));
    CHECK_FALSE(open(rfc8439_key, rfc8439_nonce, rfc8439_aad, ByteSpan(*sealed).first(aead_tag_bytes - 1)));
    CHECK_FALSE(open(rfc8439_key, rfc8439_nonce, rfc8439_aad, ByteSpan(*sealed).last(aead_tag_bytes)));
}

}  // namespace jchain::crypto
