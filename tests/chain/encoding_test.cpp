// The canonical encoding against frozen test vectors (tests/data/vectors/*.json,
// explained byte by byte in docs/encoding.md). The vectors were produced once by the
// code and frozen: any change to the bytes that are hashed or signed fails here, and
// must come with new vectors, a new domain tag and a note in docs/encoding.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "base/bytes.h"
#include "chain/block.h"
#include "chain/genesis.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/params_table.h"
#include "chain/record.h"
#include "chain/record_privacy.h"
#include "chain/receipt.h"
#include "chain/state.h"
#include "tests/support/suite.h"
#include "tests/support/vectors.h"

using namespace jchain;
namespace json = boost::json;

namespace {

using test::text;
using test::vector_file;
std::uint64_t number(const json::value& v, std::string_view key) { return v.at(key).to_number<std::uint64_t>(); }

chain::Hash hash(std::string_view hex) {
    auto h = from_hex_fixed<32>(hex);
    REQUIRE_MESSAGE(h, hex << " is not a 32-byte hex hash");
    return *h;
}
chain::Hash hash(const json::value& v, std::string_view key) { return hash(text(v, key)); }

crypto::PublicKey public_key(std::string_view hex) {
    auto bytes = from_hex(hex);
    REQUIRE(bytes);
    auto key = default_suite.parse_public_key(*bytes);
    REQUIRE_MESSAGE(key, hex << " is not a public key");
    return *key;
}

// The record of a vector's "record" inputs, built field by field (not through the JSON
// codec, which is checked separately).
chain::Record record_from_inputs(const json::value& in) {
    chain::Record r;
    r.chain_id = text(in, "chain_id");
    auto kind = chain::parse_kind(text(in, "kind"));
    REQUIRE(kind);
    r.kind = *kind;
    r.content_hash = hash(in, "content_hash");
    r.case_tag = text(in, "case_tag");
    for (const auto& [k, v] : in.at("metadata").as_object()) r.metadata[std::string(k)] = std::string(v.as_string());
    for (const auto& ref : in.at("refs").as_array()) r.refs.push_back(hash(ref.as_string()));
    r.submitter = public_key(text(in, "submitter"));
    r.client_time_ms = number(in, "client_time_ms");
    r.nonce = number(in, "nonce");
    return r;
}

chain::BlockHeader header_from_inputs(const json::value& in) {
    return chain::BlockHeader{.chain_id = text(in, "chain_id"),
                              .height = number(in, "height"),
                              .time_ms = number(in, "time_ms"),
                              .prev_hash = hash(in, "prev_hash"),
                              .genesis_hash = hash(in, "genesis_hash"),
                              .record_count = number(in, "record_count"),
                              .ledger_size = number(in, "ledger_size"),
                              .ledger_root = hash(in, "ledger_root"),
                              .body_hash = hash(in, "body_hash"),
                              .validator_set_hash = hash(in, "validator_set_hash"),
                              .next_validator_set_hash = hash(in, "next_validator_set_hash"),
                              .state_hash = hash(in, "state_hash"),
                              .proposer = public_key(text(in, "proposer"))};
}

chain::Vote vote_from_inputs(const json::value& in) {
    const std::string type = text(in, "type");
    REQUIRE((type == "prevote" || type == "precommit"));
    return chain::Vote{type == "prevote" ? chain::VoteType::prevote : chain::VoteType::precommit, text(in, "chain_id"),
                       number(in, "height"), static_cast<std::uint32_t>(number(in, "round")), hash(in, "block_hash")};
}

chain::ValidatorSet validator_set_from_inputs(const json::value& validators) {
    chain::ValidatorSet set;
    for (const auto& v : validators.as_array())
        set.validators.push_back({text(v, "name"), public_key(text(v, "public_key")), number(v, "power")});
    return set;
}

// --- secp256k1 arithmetic needed to build the high-S twin of a signature ---------

using U256 = std::array<std::uint8_t, 32>;
const U256 curve_order = *from_hex_fixed<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const U256 half_order = *from_hex_fixed<32>("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

U256 minus(const U256& a, const U256& b) {  // a - b, a >= b
    U256 out{};
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        int d = int{a[i]} - int{b[i]} - borrow;
        borrow = d < 0;
        out[i] = static_cast<std::uint8_t>(d + 256 * borrow);
    }
    REQUIRE(borrow == 0);
    return out;
}

U256 half(const crypto::Signature& sig, int which) {
    U256 out{};
    std::copy_n(sig.bytes.begin() + 32 * which, 32, out.begin());
    return out;
}

// X.690 DER INTEGER of a non-negative big-endian value, minimal, written by hand.
Bytes der_integer(const U256& v) {
    std::size_t i = 0;
    while (i < 31 && v[i] == 0) ++i;  // no leading zero bytes...
    const bool pad = v[i] & 0x80;      // ...but one where the top bit would read as a sign
    Bytes out{0x02, static_cast<std::uint8_t>(32 - i + (pad ? 1 : 0))};
    if (pad) out.push_back(0x00);
    out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return out;
}

Bytes der_signature(const U256& r, const U256& s) {
    const Bytes ri = der_integer(r), si = der_integer(s);
    Bytes out;
    out.reserve(2 + ri.size() + si.size());
    out.push_back(0x30);
    out.push_back(static_cast<std::uint8_t>(ri.size() + si.size()));
    for (const Bytes* part : {&ri, &si}) out.insert(out.end(), part->begin(), part->end());
    return out;
}

// Everything a vector's "signature" object promises about `signed_bytes`.
void check_signature(const Bytes& signed_bytes, const json::value& expected) {
    crypto::PrivateKey priv;
    priv.bytes = hash(expected, "private_key");
    auto pair = default_suite.key_pair_from_private(priv);
    REQUIRE(pair);
    CHECK(to_hex(pair->public_key.bytes) == text(expected, "public_key"));
    CHECK(default_suite.public_key_to_pem(pair->public_key) == text(expected, "public_key_pem"));
    const crypto::PublicKey& pub = pair->public_key;
    const chain::Hash digest = crypto::sha256(signed_bytes);

    // RFC 6979: the same key and digest always give the frozen signature.
    const crypto::Signature sig = crypto::secp256k1::sign(priv, digest);
    CHECK(to_hex(sig.bytes) == text(expected, "compact"));
    CHECK(to_hex(crypto::secp256k1::sign(priv, digest).bytes) == to_hex(sig.bytes));
    CHECK(default_suite.verify(pub, digest, sig));
    auto prepared = crypto::PreparedKey::from(default_suite, pub);
    REQUIRE(prepared);
    CHECK(prepared->verify(digest, sig));

    // DER: SEQUENCE { INTEGER r, INTEGER s }, minimal, as openssl writes it.
    const Bytes der = default_suite.signature_to_der(sig);
    CHECK(to_hex(der) == text(expected, "der"));
    CHECK(der == der_signature(half(sig, 0), half(sig, 1)));
    auto parsed = default_suite.signature_from_der(der);
    REQUIRE(parsed);
    CHECK(*parsed == sig);
    auto compact = default_suite.signature_from_compact(sig.bytes);
    REQUIRE(compact);
    CHECK(*compact == sig);

    // Low S: s <= n/2. Its twin (r, n - s) is equally valid ECDSA and must be refused.
    CHECK(half(sig, 1) <= half_order);
    crypto::Signature twin = sig;
    const U256 high_s = minus(curve_order, half(sig, 1));
    std::copy(high_s.begin(), high_s.end(), twin.bytes.begin() + 32);
    CHECK(half(twin, 1) > half_order);
    CHECK_FALSE(default_suite.verify(pub, digest, twin));
    CHECK_FALSE(prepared->verify(digest, twin));
    CHECK_FALSE(default_suite.signature_from_compact(twin.bytes));
    const Bytes twin_der = der_signature(half(twin, 0), half(twin, 1));
    CHECK_FALSE(default_suite.signature_from_der(twin_der));
    auto normalised = crypto::secp256k1::signature_from_der(twin_der, /*allow_high_s=*/true);
    REQUIRE(normalised);
    CHECK(*normalised == sig);

    // Any altered bit of the signed bytes or of the signature fails, as does another key.
    for (std::size_t i = 0; i < signed_bytes.size(); ++i) {
        Bytes tampered = signed_bytes;
        tampered[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
        if (default_suite.verify(pub, crypto::sha256(tampered), sig)) FAIL_CHECK("signature still verifies with byte " << i << " altered");
    }
    for (std::size_t i = 0; i < sig.bytes.size(); ++i) {
        crypto::Signature tampered = sig;
        tampered.bytes[i] ^= 0x01;
        if (default_suite.verify(pub, digest, tampered)) FAIL_CHECK("signature still verifies with its byte " << i << " altered");
    }
    crypto::PrivateKey other = priv;
    other.bytes[31] ^= 0x40;
    CHECK_FALSE(default_suite.verify(default_suite.key_pair_from_private(other)->public_key, digest, sig));
}

// The record's JSON (RPC) form: the inputs plus the DER signature.
json::value record_json(const json::value& vec) {
    json::object o = vec.at("record").as_object();
    o["signature"] = vec.at("signature").at("der");
    return o;
}

void check_record_vector(const json::value& vec) {
    chain::Record r = record_from_inputs(vec.at("record"));
    const Bytes bytes = chain::record_signed_bytes(r);
    CHECK(to_hex(bytes) == text(vec, "signed_bytes"));
    CHECK(to_hex(crypto::sha256(bytes)) == text(vec, "record_id"));
    CHECK(to_hex(chain::record_id(default_suite, r)) == text(vec, "record_id"));
    CHECK_FALSE(chain::check_record_shape(r));
    check_signature(bytes, vec.at("signature"));

    // sign_record signs the record id with RFC 6979; the submitter is the key's.
    crypto::PrivateKey priv;
    priv.bytes = hash(vec.at("signature"), "private_key");
    chain::sign_record(default_suite, r, *default_suite.key_pair_from_private(priv));
    CHECK(to_hex(r.submitter.bytes) == text(vec.at("record"), "submitter"));
    CHECK(to_hex(r.signature.bytes) == text(vec.at("signature"), "compact"));
    CHECK(chain::verify_record_signature(default_suite, r));

    // The JSON form carries exactly these fields, and decodes to the same bytes.
    CHECK(chain::record_to_json(default_suite, r) == record_json(vec));
    auto decoded = chain::record_from_json(default_suite, record_json(vec));
    REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.message()));
    CHECK(to_hex(chain::record_signed_bytes(*decoded)) == text(vec, "signed_bytes"));
    CHECK(decoded->signature == r.signature);
}

}  // namespace

TEST_CASE("the evidence record vector: signed bytes, id and RFC 6979 signature are frozen") {
    const json::value vec = vector_file("record_evidence.json");
    check_record_vector(vec);
    const chain::Record r = record_from_inputs(vec.at("record"));
    CHECK(r.metadata.size() == 3);
    CHECK(r.refs.size() == 1);
    CHECK(r.nonce > 0xffffffffu);  // both halves of the u64 are exercised
}

TEST_CASE("the vectors' case tag and commitments are the HMAC and salted hashes of their disclosed clear values") {
    for (const char* name : {"record_evidence.json", "record_correction.json"}) {
        CAPTURE(name);
        const json::value vec = vector_file(name);
        const chain::Record r = record_from_inputs(vec.at("record"));
        auto d = chain::disclosure_from_json(vec.at("disclosure"));
        REQUIRE_MESSAGE(d, (d ? "" : d.message()));
        REQUIRE(d->case_id);
        CHECK(chain::case_tag(default_suite, *d->case_key, r.chain_id, *d->case_id) == r.case_tag);
        for (const auto& entry : d->metadata)
            CHECK(chain::metadata_commitment(default_suite, entry.first, entry.second.value, entry.second.salt) ==
                  r.metadata.at(entry.first));
        CHECK_FALSE(chain::check_disclosure(default_suite, r, *d));
        // A changed value, salt, case id or key does not match; neither does another suite.
        chain::Disclosure changed = *d;
        changed.metadata.begin()->second.value += "x";
        CHECK(chain::check_disclosure(default_suite, r, changed));
        changed = *d;
        changed.metadata.begin()->second.salt[0] ^= 1;
        CHECK(chain::check_disclosure(default_suite, r, changed));
        changed = *d;
        changed.case_id->push_back('x');
        CHECK(chain::check_disclosure(default_suite, r, changed));
        changed = *d;
        (*changed.case_key)[0] ^= 1;
        CHECK(chain::check_disclosure(default_suite, r, changed));
        CHECK(chain::check_disclosure(crypto::Suite::sm2_sm3(), r, *d));
    }
    // The HMAC itself: RFC 4231 test case 2 (key "Jefe").
    CHECK(to_hex(chain::hmac(crypto::Suite::secp256k1_sha256(), as_bytes(std::string_view("Jefe")),
                             as_bytes(std::string_view("what do ya want for nothing?")))) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("the correction vector revokes the evidence vector by its id") {
    const json::value evidence = vector_file("record_evidence.json");
    const json::value vec = vector_file("record_correction.json");
    check_record_vector(vec);
    const chain::Record r = record_from_inputs(vec.at("record"));
    CHECK(r.kind == chain::Kind::correction);
    CHECK(chain::correction_action(r) == chain::CorrectionAction::revoke);
    REQUIRE(r.refs.size() == 1);
    CHECK(to_hex(r.refs[0]) == text(evidence, "record_id"));
}

TEST_CASE("every record field is covered by the signature") {
    const json::value vec = vector_file("record_evidence.json");
    chain::Record signed_record = record_from_inputs(vec.at("record"));
    crypto::PrivateKey priv;
    priv.bytes = hash(vec.at("signature"), "private_key");
    chain::sign_record(default_suite, signed_record, *default_suite.key_pair_from_private(priv));
    REQUIRE(chain::verify_record_signature(default_suite, signed_record));
    const chain::Hash id = chain::record_id(default_suite, signed_record);

    auto changed = [&](auto&& change) {
        chain::Record r = signed_record;
        change(r);
        return chain::record_id(default_suite, r) != id && !chain::verify_record_signature(default_suite, r);
    };
    CHECK(changed([](chain::Record& r) { r.chain_id += "x"; }));
    CHECK(changed([](chain::Record& r) { r.kind = chain::Kind::service; }));
    CHECK(changed([](chain::Record& r) { r.content_hash[31] ^= 1; }));
    CHECK(changed([](chain::Record& r) { r.case_tag.clear(); }));
    CHECK(changed([](chain::Record& r) { r.metadata.at("pages")[0] ^= 1; }));
    CHECK(changed([](chain::Record& r) { r.metadata.emplace("zzz", std::string()); }));
    CHECK(changed([](chain::Record& r) { r.metadata.erase("source"); }));
    CHECK(changed([](chain::Record& r) { r.refs.push_back(r.refs[0]); }));
    CHECK(changed([](chain::Record& r) { r.refs.clear(); }));
    CHECK(changed([](chain::Record& r) { r.submitter = public_key("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"); }));
    CHECK(changed([](chain::Record& r) { r.client_time_ms += 1; }));
    CHECK(changed([](chain::Record& r) { r.nonce ^= 1ull << 56; }));
    // The signature itself is not part of the signed bytes.
    chain::Record other_sig = signed_record;
    other_sig.signature.bytes[0] ^= 1;
    CHECK(chain::record_id(default_suite, other_sig) == id);
}

TEST_CASE("length prefixes keep neighbouring text fields apart") {
    chain::Record a = record_from_inputs(vector_file("record_evidence.json").at("record"));
    chain::Record b = a;
    a.metadata = {{"ab", "c"}};
    b.metadata = {{"a", "bc"}};
    CHECK(chain::record_signed_bytes(a) != chain::record_signed_bytes(b));
    a.metadata.clear();
    b.metadata.clear();
    // One byte moved from the case id to the chain id: same length, other bytes.
    a.case_tag.clear();
    a.case_tag.push_back('x');
    b.chain_id.push_back('x');
    b.case_tag.clear();
    CHECK(chain::record_signed_bytes(a).size() == chain::record_signed_bytes(b).size());
    CHECK(chain::record_signed_bytes(a) != chain::record_signed_bytes(b));
}

TEST_CASE("the header vector: header bytes and block hash are frozen") {
    const json::value vec = vector_file("header.json");
    const chain::BlockHeader h = header_from_inputs(vec.at("header"));
    CHECK(to_hex(chain::header_bytes(h)) == text(vec, "header_bytes"));
    CHECK(to_hex(crypto::sha256(chain::header_bytes(h))) == text(vec, "block_hash"));
    CHECK(to_hex(chain::block_hash(default_suite, h)) == text(vec, "block_hash"));

    // The JSON form round-trips to the same bytes.
    CHECK(chain::header_to_json(h) == vec.at("header"));
    auto decoded = chain::header_from_json(default_suite, vec.at("header"));
    REQUIRE(decoded);
    CHECK(chain::header_bytes(*decoded) == chain::header_bytes(h));

    // The header links the other vectors: genesis, validator set, ledger of the two records.
    CHECK(to_hex(h.prev_hash) == text(vector_file("genesis.json"), "genesis_hash"));
    CHECK(to_hex(h.genesis_hash) == text(vector_file("genesis.json"), "genesis_hash"));
    CHECK(to_hex(h.validator_set_hash) == text(vector_file("validator_set.json"), "validator_set_hash"));
    CHECK(h.next_validator_set_hash == h.validator_set_hash);  // block 1 changes no validator
    // The state in force at block 1: the genesis members, policy and parameters.
    auto genesis = chain::genesis_from_json(vector_file("genesis.json").at("genesis"));
    REQUIRE(genesis);
    const chain::ChainState state = chain::ChainState::from_genesis(*genesis);
    CHECK(to_hex(chain::state_bytes(state, 1)) == text(vec, "state_bytes"));
    CHECK(to_hex(h.state_hash) == to_hex(crypto::sha256(chain::state_bytes(state, 1))));
    CHECK(h.record_count == 2);
    const auto& leaves = vec.at("ledger_leaves").as_array();
    REQUIRE(leaves.size() == 2);
    CHECK(leaves[0].as_string() == text(vector_file("record_evidence.json"), "record_id"));
    CHECK(leaves[1].as_string() == text(vector_file("record_correction.json"), "record_id"));
    chain::MerkleFrontier ledger{default_suite};
    std::vector<Bytes> inputs;
    for (const auto& leaf : leaves) {
        const chain::Hash id = hash(leaf.as_string());
        inputs.emplace_back(id.begin(), id.end());
        (void)ledger.append(chain::merkle_leaf_hash(default_suite, id));
    }
    CHECK(h.ledger_size == leaves.size());
    CHECK(ledger.root() == h.ledger_root);
    CHECK(chain::merkle_root_of_leaves(default_suite, inputs) == h.ledger_root);
    CHECK(h.ledger_root == chain::merkle_node_hash(default_suite, chain::merkle_leaf_hash(default_suite, inputs[0]), chain::merkle_leaf_hash(default_suite, inputs[1])));

    // Every field is hashed.
    auto changed = [&](auto&& change) {
        chain::BlockHeader x = h;
        change(x);
        return chain::block_hash(default_suite, x) != chain::block_hash(default_suite, h);
    };
    CHECK(changed([](chain::BlockHeader& x) { x.chain_id = "other"; }));
    CHECK(changed([](chain::BlockHeader& x) { x.height += 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.time_ms += 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.prev_hash[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.ledger_size += 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.genesis_hash[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.record_count += 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.next_validator_set_hash[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.state_hash[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.ledger_root[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.body_hash[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.validator_set_hash[0] ^= 1; }));
    CHECK(changed([](chain::BlockHeader& x) { x.proposer = public_key("02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"); }));
}

TEST_CASE("the header vector's body: the two records with their signatures hash to its body_hash") {
    const json::value vec = vector_file("header.json");
    const chain::BlockHeader h = header_from_inputs(vec.at("header"));
    std::vector<chain::Record> records;
    for (const char* name : {"record_evidence.json", "record_correction.json"}) {
        const json::value rv = vector_file(name);
        chain::Record r = record_from_inputs(rv.at("record"));
        auto sig = default_suite.signature_from_compact(*from_hex(text(rv.at("signature"), "compact")));
        REQUIRE(sig);
        r.signature = *sig;
        records.push_back(r);
    }
    const auto& sigs = vec.at("record_signatures").as_array();
    REQUIRE(sigs.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) CHECK(to_hex(records[i].signature.bytes) == sigs[i].as_string());
    const chain::Block block{h, {chain::record_id(default_suite, records[0]), chain::record_id(default_suite, records[1])}};
    CHECK(to_hex(chain::body_bytes(block.record_ids, records)) == text(vec, "body_bytes"));
    CHECK(chain::body_hash(default_suite, block.record_ids, records) == h.body_hash);
    CHECK(chain::body_matches(default_suite, block, records));

    // Any other signature, a changed record, or ids out of order: another body.
    auto other = records;
    other[1].signature.bytes[63] ^= 1;
    CHECK_FALSE(chain::body_matches(default_suite, block, other));
    other = records;
    other[0].nonce += 1;
    CHECK_FALSE(chain::body_matches(default_suite, block, other));
    other = {records[1], records[0]};
    chain::Block swapped = block;
    std::swap(swapped.record_ids[0], swapped.record_ids[1]);
    CHECK_FALSE(chain::body_matches(default_suite, swapped, other));
    CHECK_FALSE(chain::body_matches(default_suite, block, std::span(records).first(1)));
}

TEST_CASE("the vote vectors: signed bytes and signatures are frozen, and certificates sign the same bytes") {
    const json::value file = vector_file("vote.json");
    const auto& votes = file.at("votes").as_array();
    REQUIRE(votes.size() == 2);
    for (const auto& vec : votes) {
        CAPTURE(text(vec, "description"));
        const chain::Vote v = vote_from_inputs(vec.at("vote"));
        const Bytes bytes = chain::vote_signed_bytes(v);
        CHECK(to_hex(bytes) == text(vec, "signed_bytes"));
        CHECK(to_hex(crypto::sha256(bytes)) == text(vec, "digest"));
        check_signature(bytes, vec.at("signature"));
    }

    // The precommit is what a commit certificate's signatures sign.
    const chain::Vote precommit = vote_from_inputs(votes[0].at("vote"));
    REQUIRE(precommit.type == chain::VoteType::precommit);
    CHECK(to_hex(precommit.block_hash) == text(vector_file("header.json"), "block_hash"));
    const chain::CommitCertificate cert{precommit.height, precommit.round, precommit.block_hash, {}};
    CHECK(to_hex(chain::vote_signed_bytes(chain::certificate_vote(precommit.chain_id, cert))) ==
          text(votes[0], "signed_bytes"));

    // The type, round and chain are signed: a prevote is not a precommit.
    chain::Vote other = precommit;
    other.type = chain::VoteType::prevote;
    CHECK(chain::vote_signed_bytes(other) != chain::vote_signed_bytes(precommit));
    other = precommit;
    other.round += 1;
    CHECK(chain::vote_signed_bytes(other) != chain::vote_signed_bytes(precommit));
    other = precommit;
    other.chain_id = "other";
    CHECK(chain::vote_signed_bytes(other) != chain::vote_signed_bytes(precommit));
}

TEST_CASE("the validator set vector: bytes and hash are frozen") {
    const json::value vec = vector_file("validator_set.json");
    const chain::ValidatorSet set = validator_set_from_inputs(vec.at("validator_set"));
    REQUIRE(set.validators.size() == 3);
    CHECK(std::is_sorted(set.validators.begin(), set.validators.end(),
                         [](const chain::Validator& a, const chain::Validator& b) { return a.key < b.key; }));
    CHECK(set.total_power() == 13);
    CHECK(to_hex(chain::validator_set_bytes(set)) == text(vec, "validator_set_bytes"));
    CHECK(to_hex(chain::validator_set_hash(default_suite, set)) == text(vec, "validator_set_hash"));

    auto decoded = chain::validator_set_from_json(default_suite, json::object{{"validators", vec.at("validator_set")}});
    REQUIRE(decoded);
    CHECK(chain::validator_set_bytes(*decoded) == chain::validator_set_bytes(set));
    CHECK(chain::validator_set_to_json(default_suite, set).at("hash") == vec.at("validator_set_hash"));

    // Names and powers are hashed, and so is the order.
    chain::ValidatorSet other = set;
    other.validators[1].power += 1;
    CHECK(chain::validator_set_hash(default_suite, other) != chain::validator_set_hash(default_suite, set));
    other = set;
    other.validators[0].name += " ";
    CHECK(chain::validator_set_hash(default_suite, other) != chain::validator_set_hash(default_suite, set));
    other = set;
    std::swap(other.validators[0], other.validators[2]);
    CHECK(chain::validator_set_hash(default_suite, other) != chain::validator_set_hash(default_suite, set));
}

TEST_CASE("the genesis vector: bytes and hash are frozen, and do not depend on JSON order") {
    const json::value vec = vector_file("genesis.json");
    auto g = chain::genesis_from_json(vec.at("genesis"));
    REQUIRE_MESSAGE(g, (g ? "" : g.message()));
    const Bytes bytes = chain::genesis_bytes(*g);
    CHECK(to_hex(bytes) == text(vec, "genesis_bytes"));
    CHECK(to_hex(chain::genesis_hash(*g)) == text(vec, "genesis_hash"));
    CHECK(chain::genesis_to_json(*g) == vec.at("genesis"));

    // The validator set's own bytes (with their tag) sit right after tag, chain id and time.
    const Bytes vset = *from_hex(text(vector_file("validator_set.json"), "validator_set_bytes"));
    const std::size_t offset = (4 + std::string_view("jchain/genesis/v2").size()) + (4 + g->chain_id.size()) + 8;
    REQUIRE(bytes.size() > offset + vset.size());
    CHECK(Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                bytes.begin() + static_cast<std::ptrdiff_t>(offset + vset.size())) == vset);

    // Members and validators are sorted by key and policy kinds by the contract's kind
    // order, whatever order the file lists them in.
    json::object reordered = vec.at("genesis").as_object();
    json::array members = reordered["members"].as_array();
    std::reverse(members.begin(), members.end());
    reordered["members"] = members;
    json::array validators = reordered["validators"].as_array();
    std::reverse(validators.begin(), validators.end());
    reordered["validators"] = validators;
    json::object policy;
    const auto& original_policy = reordered["policy"].as_object();
    for (auto it = original_policy.end(); it != original_policy.begin();) {
        --it;
        json::array roles = it->value().as_array();
        std::reverse(roles.begin(), roles.end());
        policy[it->key()] = roles;
    }
    reordered["policy"] = policy;
    REQUIRE(json::serialize(reordered) != json::serialize(vec.at("genesis")));
    auto g2 = chain::genesis_from_json(reordered);
    REQUIRE(g2);
    CHECK(to_hex(chain::genesis_bytes(*g2)) == text(vec, "genesis_bytes"));

    // A kind the policy lists with no roles differs from a kind it does not list.
    chain::Genesis without_governance = *g;
    REQUIRE(without_governance.policy.count(chain::Kind::governance) == 1);
    REQUIRE(without_governance.policy.at(chain::Kind::governance).empty());
    without_governance.policy.erase(chain::Kind::governance);
    CHECK(chain::genesis_hash(without_governance) != chain::genesis_hash(*g));

    // Every part is hashed.
    chain::Genesis other = *g;
    other.genesis_time_ms += 1;
    CHECK(chain::genesis_hash(other) != chain::genesis_hash(*g));
    other = *g;
    other.members[0].since_height = 0;
    CHECK(chain::genesis_hash(other) != chain::genesis_hash(*g));
    other = *g;
    other.members[1].role = "notary";
    CHECK(chain::genesis_hash(other) != chain::genesis_hash(*g));
    other = *g;
    other.policy[chain::Kind::service].insert("police");
    CHECK(chain::genesis_hash(other) != chain::genesis_hash(*g));

    // The vector sets some parameters away from their defaults, so it shows values are hashed.
    CHECK(g->params != chain::ChainParams{});
    CHECK(g->params.block_records_max == 5000);

    // The params section comes before the suite, the SM2 user ID, the observer nodes and
    // the witnesses, which end the bytes (v5): u32 count, then per parameter in name order a str name
    // and a u64 value, written out here by hand.
    Bytes params_section = {0, 0, 0, static_cast<std::uint8_t>(chain::param_fields().size())};
    for (const auto& f : chain::param_fields()) {
        params_section.insert(params_section.end(), {0, 0, 0, static_cast<std::uint8_t>(f.name.size())});
        params_section.insert(params_section.end(), f.name.begin(), f.name.end());
        const std::uint64_t value = g->params.*(f.field);
        for (int shift = 56; shift >= 0; shift -= 8) params_section.push_back(static_cast<std::uint8_t>(value >> shift));
    }
    auto str = [](Bytes& out, std::string_view s) {
        out.insert(out.end(), {0, 0, 0, static_cast<std::uint8_t>(s.size())});
        out.insert(out.end(), s.begin(), s.end());
    };
    Bytes tail;
    str(tail, "secp256k1-sha256");
    str(tail, "");
    REQUIRE(g->nodes.size() == 1);
    tail.insert(tail.end(), {0, 0, 0, 1});
    tail.insert(tail.end(), g->nodes[0].key.bytes.begin(), g->nodes[0].key.bytes.end());
    str(tail, g->nodes[0].name);
    REQUIRE(g->witnesses.size() == 1);
    tail.insert(tail.end(), {0, 0, 0, 1});
    tail.insert(tail.end(), g->witnesses[0].key.bytes.begin(), g->witnesses[0].key.bytes.end());
    str(tail, g->witnesses[0].name);
    params_section.insert(params_section.end(), tail.begin(), tail.end());
    REQUIRE(bytes.size() > params_section.size());
    CHECK(Bytes(bytes.end() - static_cast<std::ptrdiff_t>(params_section.size()), bytes.end()) == params_section);
}

namespace {

// The vector's genesis JSON with `change` applied to its top-level object.
template <class Change>
json::value genesis_json_with(Change&& change) {
    json::object o = vector_file("genesis.json").at("genesis").as_object();
    change(o);
    return o;
}

// The vector's genesis JSON with params.<name> set to `value`.
json::value genesis_json_with_param(std::string_view name, const json::value& value) {
    return genesis_json_with([&](json::object& o) { o["params"].as_object()[name] = value; });
}

// genesis_from_json refuses `genesis` with a message containing `expected`.
void check_refused(const json::value& genesis, const std::string& expected) {
    auto g = chain::genesis_from_json(genesis);
    REQUIRE_MESSAGE(!g, "accepted: " << json::serialize(genesis));
    CHECK_MESSAGE(g.message().find(expected) != std::string::npos, "'" << g.message() << "' does not name " << expected);
}

}  // namespace

TEST_CASE("the parameter table lists every chain parameter once, sorted by name") {
    const auto& fields = chain::param_fields();
    // ChainParams holds only u64 values, so a field without a row would show in its size.
    CHECK(sizeof(chain::ChainParams) == fields.size() * sizeof(std::uint64_t));
    CHECK(std::is_sorted(fields.begin(), fields.end(),
                         [](const chain::ParamField& a, const chain::ParamField& b) { return a.name < b.name; }));
    for (std::size_t i = 0; i < fields.size(); ++i)
        for (std::size_t j = i + 1; j < fields.size(); ++j) {
            CHECK(fields[i].name != fields[j].name);
            CHECK(fields[i].field != fields[j].field);
        }
    const chain::ChainParams defaults;
    for (const auto& f : fields) {
        CAPTURE(f.name);
        CHECK(f.min <= defaults.*(f.field));
        CHECK(defaults.*(f.field) <= f.max);
    }
    CHECK_FALSE(chain::check_params(defaults));
}

TEST_CASE("changing any one chain parameter changes the genesis hash") {
    auto g = chain::genesis_from_json(vector_file("genesis.json").at("genesis"));
    REQUIRE(g);
    const chain::Hash hash = chain::genesis_hash(*g);
    for (const auto& f : chain::param_fields()) {
        CAPTURE(f.name);
        chain::Genesis other = *g;
        other.params.*(f.field) ^= 1;
        CHECK(chain::genesis_hash(other) != hash);
        other.params.*(f.field) ^= 1;
        CHECK(chain::genesis_hash(other) == hash);
    }
}

TEST_CASE("parameters left out of genesis.json take their defaults, and genesis_to_json writes them all") {
    const json::value vec = vector_file("genesis.json");
    const auto& listed = vec.at("genesis").at("params").as_object();
    REQUIRE(listed.size() == chain::param_fields().size());

    // Without params: every default.
    auto bare = chain::genesis_from_json(genesis_json_with([](json::object& o) { o.erase("params"); }));
    REQUIRE_MESSAGE(bare, (bare ? "" : bare.message()));
    CHECK(bare->params == chain::ChainParams{});
    CHECK(chain::genesis_to_json(*bare).at("params").as_object().size() == chain::param_fields().size());

    // Only the values that differ from the defaults: the same bytes as the full vector.
    const chain::ChainParams defaults;
    auto partial = chain::genesis_from_json(genesis_json_with([&](json::object& o) {
        json::object params;
        for (const auto& f : chain::param_fields())
            if (listed.at(f.name).to_number<std::uint64_t>() != defaults.*(f.field)) params[f.name] = listed.at(f.name);
        REQUIRE(params.size() == 3);
        o["params"] = params;
    }));
    REQUIRE_MESSAGE(partial, (partial ? "" : partial.message()));
    CHECK(to_hex(chain::genesis_bytes(*partial)) == text(vec, "genesis_bytes"));
    CHECK(chain::genesis_to_json(*partial) == vec.at("genesis"));
}

TEST_CASE("a genesis.json parameter with an unknown name or of the wrong type is refused, naming it") {
    check_refused(genesis_json_with_param("block_size_max", 5000), "params.block_size_max");
    check_refused(genesis_json_with_param("Block_records_max", 5000), "params.Block_records_max");
    check_refused(genesis_json_with_param("block_records_max", "5000"), "params.block_records_max");
    check_refused(genesis_json_with_param("timeout_propose_ms", -1), "params.timeout_propose_ms");
    check_refused(genesis_json_with_param("client_time_window_ms", 300000.5), "params.client_time_window_ms");
    check_refused(genesis_json_with_param("block_time_drift_ms", true), "params.block_time_drift_ms");
    check_refused(genesis_json_with_param("record_bytes_max", nullptr), "params.record_bytes_max");
    check_refused(genesis_json_with([](json::object& o) { o["params"] = json::array{}; }), "params");
}

TEST_CASE("genesis witnesses: verifier keys, unique, and a quorum they can reach") {
    auto g = chain::genesis_from_json(vector_file("genesis.json").at("genesis"));
    REQUIRE(g);
    REQUIRE(g->witnesses.size() == 1);
    const std::string vkey = g->witnesses[0].vkey();
    // One witness, quorum 1: fine. Quorum 2 with one witness can never be met.
    check_refused(genesis_json_with_param("witness_quorum", 2), "params.witness_quorum");
    // No witnesses: the quorum is unused but stays 1.
    auto none = [](std::uint64_t quorum) {
        return genesis_json_with([&](json::object& o) {
            o["witnesses"] = json::array{};
            o["params"].as_object()["witness_quorum"] = quorum;
        });
    };
    CHECK(chain::genesis_from_json(none(1)));
    check_refused(none(2), "params.witness_quorum");
    check_refused(genesis_json_with([&](json::object& o) { o["witnesses"] = json::array{json::string(vkey), json::string(vkey)}; }),
                  "listed twice");
    check_refused(genesis_json_with([&](json::object& o) { o["witnesses"] = json::array{json::string(vkey.substr(1))}; }),
                  "witness");
    check_refused(genesis_json_with([&](json::object& o) { o["witnesses"] = json::string(vkey); }), "witnesses");
    // A witness changes the genesis hash: it is part of what the chain commits to.
    chain::Genesis other = *g;
    other.witnesses.clear();
    CHECK(chain::genesis_hash(other) != chain::genesis_hash(*g));
    // Round trip.
    auto again = chain::genesis_from_json(chain::genesis_to_json(*g));
    REQUIRE(again);
    CHECK(again->witnesses == g->witnesses);
}

TEST_CASE("a genesis.json parameter outside its range is refused, naming it") {
    check_refused(genesis_json_with_param("block_records_max", 0), "params.block_records_max");
    check_refused(genesis_json_with_param("block_records_max", 10001), "params.block_records_max");
    // block_bytes_max must hold one record of params.record_bytes_max on the wire (4 +
    // record_bytes_max + 64 bytes): a block must be able to hold any valid record.
    check_refused(genesis_json_with_param("block_bytes_max", 8259), "params.block_bytes_max");
    CHECK(chain::genesis_from_json(genesis_json_with_param("block_bytes_max", 8260)));
    auto small_records = [](std::uint64_t block_bytes) {
        return genesis_json_with([&](json::object& o) {
            o["params"].as_object()["record_bytes_max"] = 956;
            o["params"].as_object()["block_bytes_max"] = block_bytes;
        });
    };
    CHECK(chain::genesis_from_json(small_records(1024)));
    check_refused(small_records(1023), "params.block_bytes_max");

    // Every parameter: its bounds are accepted, one past them refused.
    for (const auto& f : chain::param_fields()) {
        CAPTURE(f.name);
        const std::string name(f.name);
        if (f.name != "block_bytes_max")  // its least value needs small records (above)
            CHECK(chain::genesis_from_json(genesis_json_with_param(f.name, f.min)));
        if (f.name != "witness_quorum")  // its greatest value needs as many witnesses (below)
            CHECK(chain::genesis_from_json(genesis_json_with_param(f.name, f.max)));
        if (f.min > 0) check_refused(genesis_json_with_param(f.name, f.min - 1), "params." + name);
        check_refused(genesis_json_with_param(f.name, f.max + 1), "params." + name);
    }
}

TEST_CASE("a chain parameter at the top level of genesis.json is refused with a pointer to params") {
    for (const auto& f : chain::param_fields()) {
        CAPTURE(f.name);
        const std::string name(f.name);
        auto top_level = genesis_json_with([&](json::object& o) { o[f.name] = o.at("params").at(f.name); });
        check_refused(top_level, name);
        check_refused(top_level, "params");
    }
    check_refused(genesis_json_with([](json::object& o) { o["client_time_window_ms"] = 300000; }),
                  "client_time_window_ms is a chain parameter");
    check_refused(genesis_json_with([](json::object& o) { o["block_interval_ms"] = 1000; }),
                  "unknown genesis field block_interval_ms");
}
