// SM3 and SM2 (crypto/sm2.h) against the published examples (GB/T 32905's SM3 of "abc"
// and of 64 bytes; the GM/T 0003.5 signature of "message digest" on the SM2 curve), and
// against the openssl command line both ways, with the signer ID right and wrong.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crypto/sm2.h"
#include "tests/support/test_chain.h"

using namespace jchain;

namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes der_of(std::string_view r_hex, std::string_view s_hex) {
    auto integer = [](Bytes v) {
        while (v.size() > 1 && v[0] == 0 && !(v[1] & 0x80)) v.erase(v.begin());
        if (v[0] & 0x80) v.insert(v.begin(), 0);
        Bytes out{0x02, static_cast<std::uint8_t>(v.size())};
        out.insert(out.end(), v.begin(), v.end());
        return out;
    };
    Bytes seq = integer(*from_hex(r_hex));
    const Bytes s = integer(*from_hex(s_hex));
    seq.insert(seq.end(), s.begin(), s.end());
    Bytes der{0x30, static_cast<std::uint8_t>(seq.size())};
    der.insert(der.end(), seq.begin(), seq.end());
    return der;
}

void write(const std::string& path, ByteSpan b) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
Bytes read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return bytes_of(s.str());
}
int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

}  // namespace

TEST_CASE("SM3 matches GB/T 32905's examples") {
    CHECK(to_hex(crypto::sm3(bytes_of("abc"))) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    std::string sixty_four;
    for (int i = 0; i < 16; ++i) sixty_four += "abcd";
    CHECK(to_hex(crypto::sm3(bytes_of(sixty_four))) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST_CASE("SM2 verifies GM/T 0003.5's example signature, and only with its ID and message") {
    const Bytes point = *from_hex("04"
                                  "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
                                  "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13");
    const Bytes der = der_of("f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3",
                             "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa");
    CHECK(crypto::sm2_verify(point, bytes_of("message digest"), der));
    CHECK_FALSE(crypto::sm2_verify(point, bytes_of("message digesT"), der));
    CHECK_FALSE(crypto::sm2_verify(point, bytes_of("message digest"), der, "8765432187654321"));
    Bytes off_curve = point;
    off_curve[64] ^= 1;
    CHECK_FALSE(crypto::sm2_verify(off_curve, bytes_of("message digest"), der));
}

TEST_CASE("SM2 keys sign and verify, round-trip through PEM, and refuse other curves") {
    const auto key = crypto::Sm2Key::generate();
    const Bytes msg = bytes_of("判决书 (2026)京0105民初123号");
    const Bytes sig = key.sign(msg);
    CHECK(crypto::sm2_verify(key.public_point(), msg, sig));
    CHECK_FALSE(crypto::sm2_verify(key.public_point(), msg, sig, "another-signer"));
    auto again = crypto::Sm2Key::from_pem(key.private_pem());
    REQUIRE_MESSAGE(again, again.message());
    CHECK(again->public_point() == key.public_point());
    CHECK(key.public_pem().find("-----BEGIN PUBLIC KEY-----") == 0);
    CHECK_FALSE(crypto::Sm2Key::from_pem("not pem"));
    test::TempDir dir;
    REQUIRE(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out " + (dir / "p256.pem")) == 0);
    auto p256 = crypto::Sm2Key::from_pem(std::string(reinterpret_cast<const char*>(read(dir / "p256.pem").data()),
                                                     read(dir / "p256.pem").size()));
    REQUIRE_FALSE(p256);
    CHECK(p256.message().find("SM2 curve") != std::string::npos);
}

TEST_CASE("SM2 signatures interoperate with the openssl command line, both ways, signer ID included") {
    test::TempDir dir;
    const std::string verify = "openssl pkeyutl -verify -rawin -digest sm3 -pubin -inkey " + (dir / "pub.pem") +
                               " -in " + (dir / "msg") + " -sigfile " + (dir / "sig") + " -pkeyopt distid:";
    // JChain signs, openssl checks.
    const auto key = crypto::Sm2Key::generate();
    const Bytes msg = bytes_of("jchain record bytes");
    write(dir / "pub.pem", key.public_pem());
    write(dir / "msg", msg);
    write(dir / "sig", key.sign(msg));
    CHECK(run(verify + std::string(crypto::sm2_default_id)) == 0);
    CHECK(run(verify + "8765432187654321") != 0);
    write(dir / "sig", key.sign(msg, "court-b@example"));
    CHECK(run(verify + "court-b@example") == 0);

    // openssl signs, JChain checks.
    REQUIRE(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out " + (dir / "key.pem")) == 0);
    REQUIRE(run("openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 -inkey " + (dir / "key.pem") +
                " -in " + (dir / "msg") + " -out " + (dir / "sig2")) == 0);
    const Bytes pem = read(dir / "key.pem");
    auto theirs = crypto::Sm2Key::from_pem(std::string(pem.begin(), pem.end()));
    REQUIRE_MESSAGE(theirs, theirs.message());
    CHECK(crypto::sm2_verify(theirs->public_point(), msg, read(dir / "sig2")));
    CHECK_FALSE(crypto::sm2_verify(theirs->public_point(), msg, read(dir / "sig2"), "court-b@example"));
}
