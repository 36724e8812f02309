// crypto::Suite: the two suites' keys, signatures, encodings and key files, and that a
// value of one suite is never taken for the other (docs/encoding.md "Suites").
#include "crypto/suite.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "crypto/sm2.h"

using namespace jchain;
using crypto::Suite;

namespace {

const Suite secp = Suite::secp256k1_sha256();
const Suite sm2 = Suite::sm2_sm3();

std::string temp_path(const std::string& name) {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("jchain-suite-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

crypto::Hash digest_of(std::string_view text) { return crypto::sm3(as_bytes(text)); }

}  // namespace

TEST_CASE("suites by name: two known, everything else refused naming it") {
    CHECK(Suite::from_name("secp256k1-sha256")->id() == crypto::SuiteId::secp256k1_sha256);
    auto s = Suite::from_name("sm2-sm3");
    REQUIRE(s);
    CHECK(s->sm2_user_id() == "1234567812345678");
    CHECK(Suite::from_name("sm2-sm3", std::string("court@example"))->sm2_user_id() == "court@example");
    auto unknown = Suite::from_name("sm9-sm3");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.message().find("sm9-sm3") != std::string::npos);
    CHECK_FALSE(Suite::from_name("secp256k1-sha256", std::string("1234567812345678")));  // an ID without SM2
    CHECK_FALSE(Suite::from_name("sm2-sm3", std::string()));                             // ENTL would be 0
    CHECK(Suite::from_name("sm2-sm3", std::string(8191, 'a')));
    CHECK_FALSE(Suite::from_name("sm2-sm3", std::string(8192, 'a')));  // ENTL is 16 bits
    CHECK(sm2 != Suite::sm2_sm3("another"));
    CHECK(secp.hash(as_bytes(std::string_view("abc"))) != sm2.hash(as_bytes(std::string_view("abc"))));
}

TEST_CASE("each suite signs and verifies its own way, and never the other's") {
    for (const Suite& suite : {secp, sm2}) {
        CAPTURE(suite.name());
        const auto key = suite.generate_key();
        CHECK(suite.is_valid_key(key.public_key));
        const auto d = digest_of("record id");
        const auto sig = suite.sign(key, d);
        CHECK(suite.verify(key.public_key, d, sig));
        CHECK_FALSE(suite.verify(key.public_key, digest_of("another id"), sig));
        auto prepared = crypto::PreparedKey::from(suite, key.public_key);
        REQUIRE(prepared);
        CHECK(prepared->verify(d, sig));
        CHECK_FALSE(prepared->verify(digest_of("another id"), sig));
        auto flipped = sig;
        flipped.bytes[40] ^= 1;
        CHECK_FALSE(suite.verify(key.public_key, d, flipped));
        const Suite& other = suite.is_sm2() ? secp : sm2;
        CHECK_FALSE((other.is_valid_key(key.public_key) && other.verify(key.public_key, d, sig)));
        // Strict DER round-trips and is the only encoding accepted.
        const Bytes der = suite.signature_to_der(sig);
        CHECK(suite.signature_from_der(der) == sig);
        Bytes trailing = der;
        trailing.push_back(0);
        CHECK_FALSE(suite.signature_from_der(trailing));
    }
    // SM2's signatures are randomised; ECDSA's are RFC 6979.
    const auto k2 = sm2.generate_key();
    CHECK(sm2.sign(k2, digest_of("x")) != sm2.sign(k2, digest_of("x")));
    const auto k1 = secp.generate_key();
    CHECK(secp.sign(k1, digest_of("x")) == secp.sign(k1, digest_of("x")));
}

TEST_CASE("an SM2 signature verifies only under the user ID it was made with") {
    const Suite court = Suite::sm2_sm3("court-bj@jchain.example");
    const auto key = court.generate_key();
    const auto d = digest_of("judgment");
    const auto sig = court.sign(key, d);
    CHECK(court.verify(key.public_key, d, sig));
    CHECK_FALSE(sm2.verify(key.public_key, d, sig));
    CHECK_FALSE(Suite::sm2_sm3("court-bj@jchain.exampl").verify(key.public_key, d, sig));
}

TEST_CASE("SM2 DER: strict, minimal, r and s in [1, n-1]") {
    const auto key = sm2.generate_key();
    const auto sig = sm2.sign(key, digest_of("m"));
    const Bytes der = sm2.signature_to_der(sig);
    REQUIRE(der[0] == 0x30);
    auto with = [&](auto edit) {
        Bytes b = der;
        edit(b);
        return sm2.signature_from_der(b).has_value();
    };
    CHECK_FALSE(with([](Bytes& b) { b[0] = 0x31; }));                        // not a SEQUENCE
    CHECK_FALSE(with([](Bytes& b) { b[1] += 1; }));                          // wrong length
    CHECK_FALSE(with([](Bytes& b) { b[2] = 0x03; }));                        // r not an INTEGER
    CHECK_FALSE(with([](Bytes& b) { b.insert(b.begin() + 4, 0x00); b[1] += 1; b[3] += 1; }));  // a needless zero
    const Bytes n = *from_hex("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123");
    Bytes n_der = {0x30, 0x25, 0x02, 0x21, 0x00};
    n_der.insert(n_der.end(), n.begin(), n.end());
    n_der.insert(n_der.end(), {0x02, 0x01, 0x01});
    n_der[1] = static_cast<std::uint8_t>(n_der.size() - 2);
    CHECK_FALSE(sm2.signature_from_der(n_der));  // r = n
    const Bytes zero = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01};
    CHECK_FALSE(sm2.signature_from_der(zero));   // r = 0
    const Bytes ones = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    CHECK(sm2.signature_from_der(ones));         // well formed (and verifies nothing)
    CHECK_FALSE(sm2.verify(key.public_key, digest_of("m"), *sm2.signature_from_der(ones)));
    std::array<std::uint8_t, 64> compact{};
    std::copy(sig.bytes.begin(), sig.bytes.end(), compact.begin());
    CHECK(sm2.signature_from_compact(compact));
    std::fill(compact.begin(), compact.begin() + 32, 0xff);
    CHECK_FALSE(sm2.signature_from_compact(compact));  // r >= n
}

TEST_CASE("SM2 keys: private scalars in [1, n-2], points on the SM2 curve, SPKI PEM as openssl writes it") {
    crypto::PrivateKey d{};
    CHECK_FALSE(sm2.key_pair_from_private(d));  // zero
    d.bytes[31] = 1;
    auto one = sm2.key_pair_from_private(d);
    REQUIRE(one);
    CHECK(to_hex(one->public_key.bytes) == "0232c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7");  // G
    auto n_minus_1 = *from_hex_fixed<32>("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122");
    CHECK_FALSE(sm2.key_pair_from_private(crypto::PrivateKey{n_minus_1}));  // 1 + d must be invertible
    // About half the x coordinates of one curve's points are no point of the other: the
    // keys of secp256k1 scalars 1..16 include such points, and SM2 refuses each of them.
    int off_sm2 = 0;
    for (std::uint8_t k = 1; k <= 16; ++k) {
        crypto::PrivateKey p{};
        p.bytes[31] = k;
        const auto secp_key = secp.key_pair_from_private(p)->public_key;
        if (!sm2.parse_public_key(secp_key.bytes)) ++off_sm2;
        CHECK(sm2.is_valid_key(secp_key) == crypto::sm2::compress(secp_key.bytes).has_value());
    }
    CHECK(off_sm2 > 0);
    // Uncompressed in, compressed out.
    const auto full = crypto::sm2::decompress(one->public_key.bytes);
    CHECK(sm2.parse_public_key(full) == one->public_key);
    const std::string pem = sm2.public_key_to_pem(one->public_key);
    CHECK(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    // The PEM openssl writes for the same key (crypto/sm2.h's Sm2Key) is the same text.
    const std::string spki = to_hex(sm2.public_key_to_spki_der(one->public_key));
    CHECK(spki.starts_with("3059301306072a8648ce3d020106082a811ccf5501822d034200"));
}

TEST_CASE("key files name their suite; reading one of the other suite says wrong_suite") {
    const std::string sm2_file = temp_path("sm2.json"), secp_file = temp_path("secp.json");
    const auto k = sm2.generate_key();
    REQUIRE(sm2.write_key_file(sm2_file, k));
    REQUIRE(secp.write_key_file(secp_file, secp.generate_key()));
    struct stat st {};
    REQUIRE(::stat(sm2_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto back = sm2.read_key_file(sm2_file);
    REQUIRE(back);
    CHECK(back->public_key == k.public_key);
    CHECK(Suite::sm2_sm3("any-id").read_key_file(sm2_file));  // the ID is the chain's, not the key's
    auto wrong = secp.read_key_file(sm2_file);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.message().find("wrong_suite") != std::string::npos);
    CHECK(wrong.message().find("sm2") != std::string::npos);
    CHECK(sm2.read_key_file(secp_file).message().find("wrong_suite") != std::string::npos);
    CHECK(crypto::key_file_suite(sm2_file)->is_sm2());
    CHECK_FALSE(crypto::key_file_suite(secp_file)->is_sm2());
    CHECK_FALSE(sm2.write_key_file(sm2_file, k));  // never overwritten
}
