// The peer handshake under both suites (docs/p2p.md): node keys and the auth signature
// are the chain's suite's; the ephemeral ECDH is secp256k1 in both.
#include <doctest/doctest.h>

#include "crypto/ecdh.h"
#include "p2p/handshake.h"

using namespace jchain;
using crypto::Suite;

TEST_CASE("an sm2-sm3 handshake: SM2 node keys, an SM3 transcript, an SM2 auth under the chain's user ID") {
    const Suite sm2 = Suite::sm2_sm3("court-bj@example");
    const auto node_a = sm2.generate_key(), node_b = sm2.generate_key();
    const auto eph_a = crypto::secp256k1::generate_key(), eph_b = crypto::secp256k1::generate_key();
    const Bytes hello_a = p2p::hello_payload("gm-chain", node_a.public_key, eph_a.public_key);
    const Bytes hello_b = p2p::hello_payload("gm-chain", node_b.public_key, eph_b.public_key);
    auto parsed = p2p::parse_hello(sm2, hello_a, "gm-chain");
    REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.message()));
    CHECK(parsed->key == node_a.public_key);

    const auto th = p2p::transcript_hash(sm2, "gm-chain", hello_a, hello_b);
    CHECK(th != p2p::transcript_hash(Suite::secp256k1_sha256(), "gm-chain", hello_a, hello_b));  // SM3, not SHA-256
    const auto sig = sm2.sign(node_a, p2p::auth_digest(sm2, th, 1));
    CHECK(p2p::check_auth(sm2, sig.bytes, node_a.public_key, th, 1));
    CHECK_FALSE(p2p::check_auth(sm2, sig.bytes, node_a.public_key, th, 2));                       // the other role
    CHECK_FALSE(p2p::check_auth(Suite::sm2_sm3(), sig.bytes, node_a.public_key, th, 1));          // another user ID
    CHECK_FALSE(p2p::check_auth(sm2, sig.bytes, node_b.public_key, th, 1));                       // another key
}

TEST_CASE("a hello whose node key is no point of the chain's curve is refused as wrong_suite") {
    const Suite sm2 = Suite::sm2_sm3();
    const auto eph = crypto::secp256k1::generate_key();
    // secp256k1 keys until one is off the SM2 curve (about every other one is).
    for (int i = 0; i < 64; ++i) {
        const auto secp_key = crypto::secp256k1::generate_key();
        if (sm2.is_valid_key(secp_key.public_key)) continue;
        auto parsed = p2p::parse_hello(sm2, p2p::hello_payload("gm-chain", secp_key.public_key, eph.public_key), "gm-chain");
        REQUIRE_FALSE(parsed);
        CHECK(parsed.message().find("wrong_suite") != std::string::npos);
        CHECK(p2p::parse_hello(Suite::secp256k1_sha256(),
                               p2p::hello_payload("gm-chain", secp_key.public_key, eph.public_key), "gm-chain"));
        return;
    }
    FAIL("64 secp256k1 keys in a row were SM2 points");
}
