// The sm2-sm3 vectors (tests/data/vectors/sm2-sm3/), written by a second implementation
// (make_vectors.py: Python's hashlib SM3 and the openssl command line's SM2, from
// docs/encoding.md alone): the C++ chain must produce the same bytes and hashes, and
// accept the openssl-made SM2 signature under the chain's user ID and no other.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "chain/genesis.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/record.h"
#include "crypto/suite.h"
#include "tests/support/vectors.h"

using namespace jchain;
namespace json = boost::json;

namespace {

json::value vector_file(const std::string& name) { return test::vector_file("sm2-sm3/" + name); }
using test::text;

}  // namespace

TEST_CASE("the sm2-sm3 genesis vector: jchain/genesis/v3 bytes and their SM3 hash") {
    const json::value vec = vector_file("genesis.json");
    auto g = chain::genesis_from_json(vec.at("genesis"));
    REQUIRE_MESSAGE(g, (g ? "" : g.message()));
    CHECK(g->suite == crypto::Suite::sm2_sm3());
    CHECK(to_hex(chain::genesis_bytes(*g)) == text(vec, "genesis_bytes"));
    CHECK(to_hex(chain::genesis_hash(*g)) == text(vec, "genesis_hash"));
    CHECK(to_hex(crypto::sm3(chain::genesis_bytes(*g))) == text(vec, "genesis_hash"));
    CHECK(chain::genesis_to_json(*g) == vec.at("genesis"));

    // The suite and its user ID are hashed: another ID, or the same keys read as a
    // secp256k1 chain, is another genesis.
    json::object other_id = vec.at("genesis").as_object();
    other_id["sm2_user_id"] = "1234567812345679";
    auto g2 = chain::genesis_from_json(other_id);
    REQUIRE(g2);
    CHECK(chain::genesis_hash(*g2) != chain::genesis_hash(*g));
    json::object unknown = vec.at("genesis").as_object();
    unknown["suite"] = "sm9-sm3";
    auto refused = chain::genesis_from_json(unknown);
    REQUIRE_FALSE(refused);
    CHECK(refused.message().find("sm9-sm3") != std::string::npos);
    json::object id_on_secp = vec.at("genesis").as_object();
    id_on_secp.erase("suite");
    CHECK_FALSE(chain::genesis_from_json(id_on_secp));  // sm2_user_id without sm2-sm3
}

TEST_CASE("the sm2-sm3 record vector: SM3 id, and the openssl-made SM2 signature verifies only under its user ID") {
    const json::value vec = vector_file("record_evidence.json");
    const crypto::Suite suite = crypto::Suite::sm2_sm3();
    const json::value& sig = vec.at("signature");
    json::object rec = vec.at("record").as_object();
    rec["signature"] = sig.at("der");
    auto r = chain::record_from_json(suite, rec);
    REQUIRE_MESSAGE(r, (r ? "" : r.message()));
    CHECK(to_hex(chain::record_signed_bytes(*r)) == text(vec, "signed_bytes"));
    CHECK(to_hex(chain::record_id(suite, *r)) == text(vec, "record_id"));
    CHECK(chain::verify_record_signature(suite, *r));
    CHECK(to_hex(suite.signature_to_der(r->signature)) == text(sig, "der"));  // strict DER round-trips
    CHECK(suite.public_key_to_pem(r->submitter) == text(sig, "public_key_pem"));

    // The key is the private scalar's.
    crypto::PrivateKey d;
    d.bytes = *from_hex_fixed<32>(text(sig, "private_key"));
    auto pair = suite.key_pair_from_private(d);
    REQUIRE(pair);
    CHECK(to_hex(pair->public_key.bytes) == text(sig, "public_key"));

    // Another user ID, the secp256k1 suite, or another record id: no.
    CHECK_FALSE(chain::verify_record_signature(crypto::Suite::sm2_sm3("1234567812345679"), *r));
    const bool as_secp256k1 = chain::record_from_json(crypto::Suite::secp256k1_sha256(), rec).is_ok() &&
                              chain::verify_record_signature(crypto::Suite::secp256k1_sha256(), *r);
    CHECK_FALSE(as_secp256k1);
    chain::Record changed = *r;
    changed.nonce += 1;
    CHECK_FALSE(chain::verify_record_signature(suite, changed));
    // wrong_suite is told apart from a bad signature.
    CHECK(chain::foreign_suite(crypto::Suite::sm2_sm3("another-id"), *r) == crypto::Suite::sm2_sm3());
    CHECK(chain::foreign_suite(crypto::Suite::secp256k1_sha256(), *r) == crypto::Suite::sm2_sm3());
    CHECK_FALSE(chain::foreign_suite(suite, changed));

    // A signature JChain makes verifies the same way (and is fresh each time).
    chain::Record mine = *r;
    chain::sign_record(suite, mine, *pair);
    CHECK(chain::verify_record_signature(suite, mine));
    chain::Record again = *r;
    chain::sign_record(suite, again, *pair);
    CHECK(again.signature != mine.signature);
}

TEST_CASE("the sm2-sm3 ledger vector: RFC 6962 with SM3") {
    const json::value vec = vector_file("record_evidence.json").at("ledger");
    const crypto::Suite suite = crypto::Suite::sm2_sm3();
    std::vector<Bytes> leaves;
    for (const auto& l : vec.at("leaves").as_array()) leaves.push_back(*from_hex(l.as_string()));
    CHECK(to_hex(chain::merkle_leaf_hash(suite, leaves[0])) == vec.at("leaf_hashes").as_array()[0].as_string());
    CHECK(to_hex(chain::merkle_root_of_leaves(suite, leaves)) == vec.at("root").as_string());
    CHECK(to_hex(chain::merkle_empty_root(suite)) == vec.at("empty_root").as_string());
    CHECK(to_hex(chain::merkle_empty_root(suite)) == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
    chain::MerkleFrontier f(suite);
    for (const auto& l : leaves) f.append(chain::merkle_leaf_hash(suite, l));
    CHECK(to_hex(f.root()) == vec.at("root").as_string());
    CHECK(chain::merkle_root_of_leaves(crypto::Suite::secp256k1_sha256(), leaves) != f.root());
}
