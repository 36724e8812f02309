#include "crypto/keys.h"
#include "crypto/suite.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace jchain::crypto {
namespace {

using namespace secp256k1;
// Key files are the suite's (crypto/suite.h); these cases use the default suite's.
Status write_key_file(const std::string& path, const KeyPair& key) { return Suite().write_key_file(path, key); }
Result<KeyPair> read_key_file(const std::string& path) { return Suite().read_key_file(path); }

using U256 = std::array<std::uint8_t, 32>;

// Also used for namespace-scope constants, before doctest runs: so no REQUIRE here.
U256 u256(std::string_view hex) {
    auto v = from_hex_fixed<32>(hex);
    if (!v) std::abort();
    return *v;
}

// The order n of the secp256k1 group, and n / 2 (the largest low S).
const U256 curve_order = u256("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const U256 half_order = u256("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

const std::string generator_compressed =
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const std::string generator_uncompressed =
    "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";

// a - b for big-endian 256-bit values, a >= b.
U256 subtract(const U256& a, const U256& b) {
    U256 out{};
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        int d = int{a[i]} - int{b[i]} - borrow;
        borrow = d < 0 ? 1 : 0;
        out[i] = static_cast<std::uint8_t>(d + 256 * borrow);
    }
    REQUIRE(borrow == 0);
    return out;
}

U256 r_of(const Signature& sig) { U256 r{}; std::copy_n(sig.bytes.begin(), 32, r.begin()); return r; }
U256 s_of(const Signature& sig) { U256 s{}; std::copy_n(sig.bytes.begin() + 32, 32, s.begin()); return s; }

Signature with_s(const Signature& sig, const U256& s) {
    Signature out = sig;
    std::copy(s.begin(), s.end(), out.bytes.begin() + 32);
    return out;
}

// The same signature with s replaced by n - s: equally valid ECDSA, but high-S.
Signature high_s_twin(const Signature& sig) { return with_s(sig, subtract(curve_order, s_of(sig))); }

// DER written by hand (X.690), independent of libsecp256k1.
Bytes der_integer(const U256& v) {
    std::size_t i = 0;
    while (i < 31 && v[i] == 0) ++i;
    Bytes body(v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    if (body[0] & 0x80) body.insert(body.begin(), 0x00);
    Bytes out = {0x02, static_cast<std::uint8_t>(body.size())};
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes der_signature(const Signature& sig) {
    Bytes r = der_integer(r_of(sig)), s = der_integer(s_of(sig));
    Bytes out = {0x30, static_cast<std::uint8_t>(r.size() + s.size())};
    out.insert(out.end(), r.begin(), r.end());
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

// s of a DER signature as OpenSSL writes it (short lengths), left-padded to 32 bytes.
U256 der_s(const Bytes& der) {
    REQUIRE(der.size() > 8);
    REQUIRE(der[0] == 0x30);
    REQUIRE(der[2] == 0x02);
    std::size_t s_at = 4 + der[3];
    REQUIRE(der[s_at] == 0x02);
    std::size_t len = der[s_at + 1];
    REQUIRE(s_at + 2 + len == der.size());
    Bytes s(der.begin() + static_cast<std::ptrdiff_t>(s_at + 2), der.end());
    while (s.size() > 32 && s[0] == 0) s.erase(s.begin());
    REQUIRE(s.size() <= 32);
    U256 out{};
    std::copy(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(32 - s.size()));
    return out;
}

PrivateKey private_key(std::string_view hex) { return PrivateKey{u256(hex)}; }

KeyPair key_one() {
    auto pair = key_pair_from_private(private_key("0000000000000000000000000000000000000000000000000000000000000001"));
    REQUIRE(pair);
    return *pair;
}

Hash digest_of(std::string_view message) { return sha256(as_bytes(message)); }

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "jchain-keys-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

void write_text(const std::string& path, const std::string& text, mode_t mode) {
    {
        std::ofstream out(path, std::ios::binary);
        out << text;
        REQUIRE(out.good());
    }
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

mode_t file_mode(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };
struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// OpenSSL's own answer to `openssl dgst -sha256 -verify pem -signature der message`:
// 1 valid, 0 invalid, negative on a malformed signature.
int openssl_verify(const std::string& pem, const Bytes& der, std::string_view message) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    REQUIRE(bio);
    PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    REQUIRE(pkey);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1);
    return EVP_DigestVerify(ctx.get(), der.data(), der.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
}

}  // namespace

TEST_CASE("the private key 1 has the generator as its public key") {
    CHECK(to_hex(key_one().public_key.bytes) == generator_compressed);
}

TEST_CASE("the private key n-1 has the negated generator as its public key") {
    auto pair = key_pair_from_private(PrivateKey{subtract(curve_order, u256(
        "0000000000000000000000000000000000000000000000000000000000000001"))});
    REQUIRE(pair);
    // -G has the same x and the odd y, so the prefix is 03.
    CHECK(to_hex(pair->public_key.bytes) == "03" + generator_compressed.substr(2));
}

TEST_CASE("a private key of zero or not below the curve order is refused") {
    CHECK_FALSE(key_pair_from_private(PrivateKey{}));
    CHECK_FALSE(key_pair_from_private(PrivateKey{curve_order}));
    CHECK_FALSE(key_pair_from_private(
        private_key("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142")));
    CHECK_FALSE(key_pair_from_private(
        private_key("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")));
}

TEST_CASE("generated keys differ and their public key is the one derived from the private key") {
    KeyPair a = generate_key(), b = generate_key();
    CHECK(a.private_key.bytes != b.private_key.bytes);
    CHECK(a.public_key != b.public_key);
    auto again = key_pair_from_private(a.private_key);
    REQUIRE(again);
    CHECK(again->public_key == a.public_key);
    CHECK((a.public_key.bytes[0] == 0x02 || a.public_key.bytes[0] == 0x03));
}

TEST_CASE("a signature made with a generated key verifies") {
    KeyPair key = generate_key();
    Hash digest = digest_of("record bytes");
    Signature sig = sign(key.private_key, digest);
    CHECK(verify(key.public_key, digest, sig));
    CHECK(memcmp(s_of(sig).data(), half_order.data(), 32) <= 0);  // produced low-S
}

TEST_CASE("a signature does not verify with an altered digest") {
    KeyPair key = generate_key();
    Hash digest = digest_of("record bytes");
    Signature sig = sign(key.private_key, digest);
    for (std::size_t i = 0; i < digest.size(); ++i) {
        Hash altered = digest;
        altered[i] ^= 0x01;
        CHECK_FALSE_MESSAGE(verify(key.public_key, altered, sig), "byte ", i);
    }
}

TEST_CASE("a signature does not verify with another key") {
    KeyPair key = generate_key(), other = generate_key();
    Hash digest = digest_of("record bytes");
    Signature sig = sign(key.private_key, digest);
    CHECK_FALSE(verify(other.public_key, digest, sig));

    // The same point with the other y parity is a different key.
    PublicKey flipped = key.public_key;
    flipped.bytes[0] ^= 0x01;
    CHECK_FALSE(verify(flipped, digest, sig));

    // Not a curve point at all: refused, not a crash.
    PublicKey garbage = key.public_key;
    garbage.bytes[0] = 0x05;
    CHECK_FALSE(verify(garbage, digest, sig));
}

TEST_CASE("a signature with any byte altered does not verify") {
    KeyPair key = generate_key();
    Hash digest = digest_of("record bytes");
    Signature sig = sign(key.private_key, digest);
    for (std::size_t i = 0; i < sig.bytes.size(); ++i) {
        Signature altered = sig;
        altered.bytes[i] ^= 0x40;
        CHECK_FALSE_MESSAGE(verify(key.public_key, digest, altered), "byte ", i);
    }
}

TEST_CASE("signing is deterministic (RFC 6979)") {
    KeyPair key = generate_key();
    Hash digest = digest_of("same digest");
    CHECK(sign(key.private_key, digest) == sign(key.private_key, digest));
    CHECK_FALSE(sign(key.private_key, digest) == sign(key.private_key, digest_of("other digest")));
}

TEST_CASE("signatures with private key 1 match the published RFC 6979 secp256k1 vectors") {
    // Widely used vectors (python-ecdsa, trezor-crypto): SHA-256 of the message, key 1.
    KeyPair key = key_one();
    CHECK(to_hex(sign(key.private_key, digest_of("Satoshi Nakamoto")).bytes) ==
          "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
          "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
    CHECK(to_hex(sign(key.private_key,
                      digest_of("All those moments will be lost in time, like tears in rain. Time to die..."))
                     .bytes) ==
          "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b"
          "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21");
}

TEST_CASE("a high-S signature is refused by verify and by signature_from_compact") {
    KeyPair key = generate_key();
    Hash digest = digest_of("malleable?");
    Signature sig = sign(key.private_key, digest);
    Signature high = high_s_twin(sig);
    REQUIRE(memcmp(s_of(high).data(), half_order.data(), 32) > 0);

    CHECK(verify(key.public_key, digest, sig));
    CHECK_FALSE(verify(key.public_key, digest, high));
    CHECK(signature_from_compact(sig.bytes) == sig);
    CHECK_FALSE(signature_from_compact(high.bytes));
}

TEST_CASE("signature_from_der refuses a high-S signature unless allow_high_s, which normalises it") {
    KeyPair key = generate_key();
    Hash digest = digest_of("malleable?");
    Signature sig = sign(key.private_key, digest);
    Bytes high_der = der_signature(high_s_twin(sig));

    CHECK_FALSE(signature_from_der(high_der));
    CHECK_FALSE(signature_from_der(high_der, /*allow_high_s=*/false));
    auto normalised = signature_from_der(high_der, /*allow_high_s=*/true);
    REQUIRE(normalised);
    CHECK(*normalised == sig);
    CHECK(verify(key.public_key, digest, *normalised));
}

TEST_CASE("a signature survives a DER round trip and its DER is the strict encoding") {
    KeyPair key = generate_key();
    // Many signatures, so r and s with a high bit set (a 0x00 pad byte) and without both occur.
    for (int i = 0; i < 64; ++i) {
        Signature sig = sign(key.private_key, digest_of("message " + std::to_string(i)));
        Bytes der = signature_to_der(sig);
        CHECK(der == der_signature(sig));
        CHECK(signature_from_der(der) == sig);
        CHECK(signature_from_der(der, /*allow_high_s=*/true) == sig);
    }
}

TEST_CASE("DER that is not strict is refused") {
    KeyPair key = generate_key();
    Signature sig = sign(key.private_key, digest_of("strict"));
    const Bytes der = signature_to_der(sig);
    REQUIRE(signature_from_der(der));

    SUBCASE("trailing byte") {
        Bytes bad = der;
        bad.push_back(0x00);
        CHECK_FALSE(signature_from_der(bad));
    }
    SUBCASE("truncated") {
        for (std::size_t len = 0; len < der.size(); ++len)
            CHECK_FALSE(signature_from_der(ByteSpan{der}.first(len)));
    }
    SUBCASE("a needless leading zero in r") {
        Bytes bad = der;
        bad.insert(bad.begin() + 4, 0x00);
        bad[3] += 1;
        bad[1] += 1;
        CHECK_FALSE(signature_from_der(bad));
    }
    SUBCASE("long-form length where the short form fits") {
        Bytes bad = der;
        bad.insert(bad.begin() + 1, 0x81);
        CHECK_FALSE(signature_from_der(bad));
    }
    SUBCASE("r not below the order") {
        Signature big = sig;
        std::copy(curve_order.begin(), curve_order.end(), big.bytes.begin());
        CHECK_FALSE(signature_from_der(der_signature(big)));
        CHECK_FALSE(signature_from_der(der_signature(big), /*allow_high_s=*/true));
    }
    SUBCASE("r or s of zero") {
        CHECK_FALSE(signature_from_der(der_signature(with_s(sig, U256{}))));
        Bytes zeros = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
        CHECK_FALSE(signature_from_der(zeros, /*allow_high_s=*/true));
    }
}

TEST_CASE("signature_from_compact refuses wrong sizes, values not below the order, and zero") {
    KeyPair key = generate_key();
    Signature sig = sign(key.private_key, digest_of("compact"));
    CHECK_FALSE(signature_from_compact(ByteSpan{sig.bytes}.first(63)));
    Bytes longer(sig.bytes.begin(), sig.bytes.end());
    longer.push_back(0);
    CHECK_FALSE(signature_from_compact(longer));

    Signature r_big = sig;
    std::copy(curve_order.begin(), curve_order.end(), r_big.bytes.begin());
    CHECK_FALSE(signature_from_compact(r_big.bytes));
    CHECK_FALSE(signature_from_compact(with_s(sig, curve_order).bytes));
    CHECK_FALSE(signature_from_compact(with_s(sig, U256{}).bytes));
    CHECK_FALSE(signature_from_compact(Signature{}.bytes));
}

TEST_CASE("parse_public_key rejects bytes that are not a curve point") {
    // x = 0: 0^3 + 7 = 7 is not a square mod p, so no point has this x.
    auto off_curve = from_hex("020000000000000000000000000000000000000000000000000000000000000000");
    REQUIRE(off_curve);
    CHECK_FALSE(parse_public_key(*off_curve));
    (*off_curve)[0] = 0x03;
    CHECK_FALSE(parse_public_key(*off_curve));

    // x = p, not a field element.
    auto x_is_p = from_hex("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
    REQUIRE(x_is_p);
    CHECK_FALSE(parse_public_key(*x_is_p));

    auto g = from_hex(generator_compressed);
    REQUIRE(g);
    Bytes bad_prefix = *g;
    bad_prefix[0] = 0x04;
    CHECK_FALSE(parse_public_key(bad_prefix));
    CHECK_FALSE(parse_public_key(ByteSpan{*g}.first(32)));
    CHECK_FALSE(parse_public_key({}));

    // The uncompressed generator with its y altered is off the curve.
    auto u = from_hex(generator_uncompressed);
    REQUIRE(u);
    u->back() ^= 0x01;
    CHECK_FALSE(parse_public_key(*u));

    // The "hybrid" 0x06/0x07 encoding is not SEC1 as the header promises; refused.
    auto hybrid = from_hex(generator_uncompressed);
    REQUIRE(hybrid);
    (*hybrid)[0] = 0x06;
    CHECK_FALSE(parse_public_key(*hybrid));
}

TEST_CASE("parse_public_key accepts the compressed and the uncompressed generator") {
    auto c = from_hex(generator_compressed);
    auto u = from_hex(generator_uncompressed);
    REQUIRE(c);
    REQUIRE(u);
    auto from_c = parse_public_key(*c);
    auto from_u = parse_public_key(*u);
    REQUIRE(from_c);
    REQUIRE(from_u);
    CHECK(to_hex(from_c->bytes) == generator_compressed);
    CHECK(to_hex(from_u->bytes) == generator_compressed);
}

TEST_CASE("the SPKI DER and PEM of the generator are what openssl writes") {
    PublicKey g = key_one().public_key;
    CHECK(to_hex(public_key_to_spki_der(g)) ==
          "3036301006072a8648ce3d020106052b8104000a032200" + generator_compressed);
    // From: openssl pkey -pubin -inform DER -pubout (the PEM spans two lines).
    CHECK(public_key_to_pem(g) ==
          "-----BEGIN PUBLIC KEY-----\n"
          "MDYwEAYHKoZIzj0CAQYFK4EEAAoDIgACeb5mfvncu6xVoGKVzocLBwKb/NstzijZ\n"
          "WfKBWxb4F5g=\n"
          "-----END PUBLIC KEY-----\n");
}

TEST_CASE("OpenSSL reads the PEM and verifies the DER signature over SHA-256 of the message") {
    // What `openssl dgst -sha256 -verify pub.pem -signature sig.der signed.bin` does.
    KeyPair key = generate_key();
    const std::string message = "jchain signed bytes \x01\x02\x03";
    Bytes der = signature_to_der(sign(key.private_key, digest_of(message)));
    std::string pem = public_key_to_pem(key.public_key);

    CHECK(openssl_verify(pem, der, message) == 1);
    CHECK(openssl_verify(pem, der, message + "!") == 0);
    CHECK(openssl_verify(public_key_to_pem(generate_key().public_key), der, message) == 0);
}

TEST_CASE("a signature made by OpenSSL parses from DER and verifies, high-S only when allowed") {
    PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
    REQUIRE(pkey);
    std::array<std::uint8_t, 65> point{};
    std::size_t point_len = 0;
    REQUIRE(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size(), &point_len) == 1);
    auto pub = parse_public_key(ByteSpan{point}.first(point_len));
    REQUIRE(pub);

    // OpenSSL does not normalise S, so about half its signatures are high-S.
    int high_seen = 0, low_seen = 0;
    for (int i = 0; i < 128 && (high_seen < 2 || low_seen < 2); ++i) {
        const std::string message = "openssl message " + std::to_string(i);
        MdCtxPtr ctx(EVP_MD_CTX_new());
        REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1);
        std::size_t der_len = 0;
        const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
        REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &der_len, msg, message.size()) == 1);
        Bytes der(der_len);
        REQUIRE(EVP_DigestSign(ctx.get(), der.data(), &der_len, msg, message.size()) == 1);
        der.resize(der_len);

        const bool high = memcmp(der_s(der).data(), half_order.data(), 32) > 0;
        (high ? high_seen : low_seen) += 1;
        auto strict = signature_from_der(der);
        auto lenient = signature_from_der(der, /*allow_high_s=*/true);
        REQUIRE(lenient);
        CHECK(verify(*pub, digest_of(message), *lenient));
        if (high) {
            CHECK_FALSE(strict);
            CHECK(signature_to_der(*lenient) != der);
        } else {
            REQUIRE(strict);
            CHECK(*strict == *lenient);
            CHECK(signature_to_der(*strict) == der);
        }
    }
    CHECK(high_seen >= 2);
    CHECK(low_seen >= 2);
}

TEST_CASE("signing and verifying may run on several threads at once") {
    std::vector<std::thread> threads;
    std::array<int, 4> failures{};
    for (std::size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([t, &failures] {
            for (int i = 0; i < 100; ++i) {
                KeyPair key = generate_key();
                Hash digest = sha256(as_bytes("thread " + std::to_string(t) + " " + std::to_string(i)));
                if (!verify(key.public_key, digest, sign(key.private_key, digest))) ++failures[t];
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int f : failures) CHECK(f == 0);
}

TEST_CASE("a key file round-trips and is written with mode 0600") {
    TempDir dir;
    const std::string path = dir.file("key.json");
    KeyPair key = generate_key();
    Status written = write_key_file(path, key);
    REQUIRE_MESSAGE(written.is_ok(), written.message());
    CHECK(file_mode(path) == 0600);

    Result<KeyPair> back = read_key_file(path);
    REQUIRE_MESSAGE(back.is_ok(), back.message());
    CHECK(back->private_key.bytes == key.private_key.bytes);
    CHECK(back->public_key == key.public_key);

    const std::string text = read_text(path);
    CHECK(text.find("\"type\":\"secp256k1\"") != std::string::npos);
    CHECK(text.find("\"private_key\":\"" + to_hex(key.private_key.bytes) + "\"") != std::string::npos);
    CHECK(text.find("\"public_key\":\"" + to_hex(key.public_key.bytes) + "\"") != std::string::npos);
}

TEST_CASE("writing a key file refuses to overwrite an existing file") {
    TempDir dir;
    const std::string path = dir.file("key.json");
    write_text(path, "precious", 0600);
    Status st = write_key_file(path, generate_key());
    REQUIRE_FALSE(st.is_ok());
    CHECK(st.message() == "refusing to overwrite " + path);
    CHECK(read_text(path) == "precious");
}

TEST_CASE("writing a key file into a missing folder names the path") {
    TempDir dir;
    const std::string path = dir.file("no-such-folder/key.json");
    Status st = write_key_file(path, generate_key());
    REQUIRE_FALSE(st.is_ok());
    CHECK(st.message().find(path) != std::string::npos);
}

TEST_CASE("a key file readable by group or others is refused, naming the fix") {
    TempDir dir;
    const std::string path = dir.file("key.json");
    REQUIRE(write_key_file(path, generate_key()).is_ok());

    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    Result<KeyPair> r = read_key_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.message() == path + " is readable by group/others (mode 0644); run: chmod 600 " + path);

    REQUIRE(::chmod(path.c_str(), 0620) == 0);  // group-writable is refused too
    CHECK_FALSE(read_key_file(path).is_ok());

    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    CHECK(read_key_file(path).is_ok());
}

TEST_CASE("a key file with a missing public key, or upper-case hex, is accepted") {
    TempDir dir;
    const std::string path = dir.file("key.json");
    write_text(path,
               R"({"type":"secp256k1","private_key":")"
               "00000000000000000000000000000000000000000000000000000000000000AB\"}",
               0600);
    Result<KeyPair> r = read_key_file(path);
    REQUIRE_MESSAGE(r.is_ok(), r.message());
    CHECK(r->private_key.bytes[31] == 0xab);
}

TEST_CASE("a malformed key file is refused with a reason naming the file") {
    TempDir dir;
    const std::string path = dir.file("key.json");
    const KeyPair key = key_one();
    const std::string priv = to_hex(key.private_key.bytes);
    const std::string other_pub = to_hex(generate_key().public_key.bytes);

    struct Case { const char* name; std::string text; const char* reason; };
    const std::vector<Case> cases = {
        {"not JSON", "{\"type\":", "not valid JSON"},
        {"not an object", "[1,2]", "not a JSON object"},
        {"wrong type", R"({"type":"ed25519","private_key":")" + priv + "\"}", "\"type\""},
        {"no type", R"({"private_key":")" + priv + "\"}", "\"type\""},
        {"no private key", R"({"type":"secp256k1"})", "\"private_key\""},
        {"short private key", R"({"type":"secp256k1","private_key":"0001"})", "\"private_key\""},
        {"zero private key",
         R"({"type":"secp256k1","private_key":")" + std::string(64, '0') + "\"}", "not a valid"},
        {"public key of another key",
         R"({"type":"secp256k1","private_key":")" + priv + R"(","public_key":")" + other_pub + "\"}",
         "does not match"},
        {"public key not hex",
         R"({"type":"secp256k1","private_key":")" + priv + R"(","public_key":42})", "\"public_key\""},
        {"too large", std::string(100'000, ' '), "larger than"},
    };
    for (const Case& c : cases) {
        std::filesystem::remove(path);
        write_text(path, c.text, 0600);
        Result<KeyPair> r = read_key_file(path);
        REQUIRE_FALSE_MESSAGE(r.is_ok(), c.name);
        CHECK_MESSAGE(r.message().find(path) != std::string::npos, c.name, ": ", r.message());
        CHECK_MESSAGE(r.message().find(c.reason) != std::string::npos, c.name, ": ", r.message());
    }
}

TEST_CASE("reading a missing key file is an error naming the path") {
    TempDir dir;
    const std::string path = dir.file("absent.json");
    Result<KeyPair> r = read_key_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.message().find(path) != std::string::npos);
    CHECK(r.message().find("No such file or directory") != std::string::npos);
}

}  // namespace jchain::crypto
