// Receipts (chain/receipt.h, docs/receipt.md): a receipt built as the node builds it
// (get_receipt in node/rpc_service.cpp) verifies against the genesis alone, and
// altering any field of it, down to a single hex digit, makes verification fail with
// the failing check named.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "tests/support/memory_nodes.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
namespace json = boost::json;

namespace {

using test::MemoryNodes;

const std::string file_text = "contract scan, page 1\n";

// A chain of three blocks under three validators (scalars 1, 5, 6, power 1 each), every
// block certified by all three. Block 3 holds the record under test: an evidence record
// with metadata and a reference to a record of block 1, at leaf 11 of 14.
struct Fixture {
    test::TestChain tc;
    std::vector<crypto::KeyPair> validators = {tc.validator, test::key_from_scalar(5, tc.suite),
                                               test::key_from_scalar(6, tc.suite)};
    MemoryNodes nodes;
    std::vector<chain::Block> blocks;
    std::vector<chain::CommitCertificate> certs;
    std::vector<chain::Record> records;  // in ledger order
    std::vector<std::uint64_t> heights;  // of each record
    // The target record's clear values, as its submitter's client keeps them.
    const std::string case_id = "(2026)京0105民初123号";
    const chain::CaseKey case_key = [] {
        chain::CaseKey k{};
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(0x20 + i);
        return k;
    }();
    chain::Disclosure disclosure;

    explicit Fixture(crypto::Suite suite = default_suite) : tc(std::move(suite)) {
        tc.genesis.validators.validators.clear();
        for (std::size_t i = 0; i < validators.size(); ++i)
            tc.genesis.validators.validators.push_back({"v" + std::to_string(i), validators[i].public_key, 1});
        std::sort(tc.genesis.validators.validators.begin(), tc.genesis.validators.validators.end(),
                  [](const chain::Validator& a, const chain::Validator& b) { return a.key < b.key; });

        add_block({tc.record(1, tc.court), tc.record(2, tc.police), tc.record(3, tc.court)});
        std::vector<chain::Record> second;
        for (std::uint64_t n = 4; n <= 9; ++n) second.push_back(tc.record(n, n % 2 ? tc.court : tc.police));
        add_block(second);
        chain::Record target;
        target.chain_id = tc.genesis.chain_id;
        target.kind = chain::Kind::evidence;
        target.content_hash = tc.suite.hash(as_bytes(file_text));
        target.case_tag = chain::case_tag(tc.suite, case_key, tc.genesis.chain_id, case_id);
        for (const auto& [key, value] : std::map<std::string, std::string>{{"source", "upload"}, {"file_name", "合同.pdf"}}) {
            const Bytes salt(16, static_cast<std::uint8_t>(key.size()));
            target.metadata[key] = chain::metadata_commitment(tc.suite, key, value, salt);
            disclosure.metadata[key] = chain::DisclosedValue{value, salt};
        }
        disclosure.case_id = case_id;
        disclosure.case_key = case_key;
        target.refs = {chain::record_id(tc.suite, records[0])};
        target.client_time_ms = 1'700'000'000'500;
        target.nonce = 77;
        chain::sign_record(tc.suite, target, tc.court);
        std::vector<chain::Record> third = {tc.record(10, tc.police), tc.record(11, tc.court), target};
        for (std::uint64_t n = 12; n <= 13; ++n) third.push_back(tc.record(n, tc.police));
        add_block(third);
    }

    void add_block(const std::vector<chain::Record>& block_records) {
        std::vector<chain::Hash> ids;
        for (const auto& r : block_records) ids.push_back(chain::record_id(tc.suite, r));
        const std::uint64_t prev_height = blocks.size();
        const chain::Hash prev_hash =
            blocks.empty() ? chain::genesis_hash(tc.genesis) : chain::block_hash(tc.suite, blocks.back().header);
        chain::MerkleFrontier frontier{tc.suite};
        if (!blocks.empty()) {
            auto loaded = chain::MerkleFrontier::load(tc.suite, nodes, blocks.back().header.ledger_size);
            REQUIRE(loaded);
            frontier = *loaded;
        }
        auto built = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(tc.genesis), prev_height + 1),
                                        prev_height, prev_hash, tc.genesis.genesis_time_ms + 1000 * (prev_height + 1),
                                        frontier, ids, block_records, tc.validator.public_key);
        nodes.store(built.nodes);
        const chain::Hash hash = chain::block_hash(tc.suite, built.block.header);
        chain::CommitCertificate cert{built.block.header.height, 0, hash, {}};
        for (const auto& v : validators)
            cert.signatures.push_back(chain::sign_precommit(tc.suite, tc.genesis.chain_id, cert.height, cert.round, hash, v));
        std::sort(cert.signatures.begin(), cert.signatures.end(),
                  [](const chain::CommitSignature& a, const chain::CommitSignature& b) { return a.validator < b.validator; });
        REQUIRE_FALSE(chain::check_certificate(tc.suite, tc.genesis.chain_id, cert.height, hash, cert, tc.genesis.validators));
        for (const auto& r : block_records) {
            records.push_back(r);
            heights.push_back(built.block.header.height);
        }
        blocks.push_back(built.block);
        certs.push_back(cert);
    }

    // As get_receipt does: the stored record, its proof at its block's ledger size.
    json::value receipt(std::uint64_t leaf_index) const {
        const std::uint64_t height = heights.at(leaf_index);
        const chain::Block& block = blocks.at(height - 1);
        auto path = chain::inclusion_proof(tc.suite, nodes, leaf_index, block.header.ledger_size);
        REQUIRE(path);
        const chain::ChainState state = chain::ChainState::from_genesis(tc.genesis);
        return chain::make_receipt({tc.suite, records[leaf_index], leaf_index, *path, block.header, certs.at(height - 1),
                                    tc.genesis.validators,
                                    chain::StateView{state.members_at(height), state.policy, state.params},
                                    {}});
    }
};

constexpr std::uint64_t target_leaf = 11;

std::vector<std::string> failed_checks(const chain::ReceiptVerdict& v) {
    std::vector<std::string> out;
    for (const auto& c : v.checks)
        if (!c.ok) out.push_back(c.name);
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// --- walking the receipt ------------------------------------------------------------

struct Step {
    std::string key;  // empty for an array element
    std::size_t index = 0;
};
using Path = std::vector<Step>;

// "commit.signatures[].der": the path with array indexes erased, to look fields up.
std::string pattern(const Path& p) {
    std::string out;
    for (const auto& s : p) out += s.key.empty() ? std::string("[]") : (out.empty() ? "" : ".") + s.key;
    return out;
}
// "commit.signatures[2].der": the concrete path, for messages.
std::string name(const Path& p) {
    std::string out;
    for (const auto& s : p) out += s.key.empty() ? "[" + std::to_string(s.index) + "]" : (out.empty() ? "" : ".") + s.key;
    return out;
}

json::value& at_path(json::value& root, const Path& p) {
    json::value* v = &root;
    for (const auto& s : p) v = s.key.empty() ? &v->as_array().at(s.index) : &v->as_object().at(s.key);
    return *v;
}

// Every leaf (string, number) of the tree.
void leaves(const json::value& v, Path& at, std::vector<Path>& out) {
    if (v.is_object()) {
        for (const auto& [k, x] : v.as_object()) {
            at.push_back({std::string(k), 0});
            leaves(x, at, out);
            at.pop_back();
        }
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.as_array().size(); ++i) {
            at.push_back({"", i});
            leaves(v.as_array()[i], at, out);
            at.pop_back();
        }
    } else {
        out.push_back(at);
    }
}
std::vector<Path> leaves(const json::value& v) {
    Path at;
    std::vector<Path> out;
    leaves(v, at, out);
    return out;
}

bool is_hex(std::string_view s) {
    if (s.empty() || s.size() % 2) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

char other_digit(char c) { return c == 'f' ? '0' : c == '9' ? 'a' : static_cast<char>(c + 1); }

// The check that must fail when each field is altered (any one of the set).
const std::map<std::string, std::set<std::string>> field_checks = {
    {"format", {"format"}},
    {"suite", {"suite"}},
    {"sm2_user_id", {"suite"}},  // sm2-sm3 receipts only
    {"chain_id", {"chain id"}},
    {"record_id", {"record id"}},
    {"record.chain_id", {"record chain id", "record signed bytes"}},
    {"record.kind", {"record", "record signed bytes"}},
    {"record.content_hash", {"record signed bytes"}},
    {"record.case_tag", {"record signed bytes"}},
    {"record.metadata.file_name", {"record signed bytes"}},
    {"record.metadata.source", {"record signed bytes"}},
    {"record.refs[]", {"record signed bytes"}},
    {"record.submitter", {"record signed bytes", "record"}},  // "record": no longer a curve point
    {"record.client_time_ms", {"record signed bytes"}},
    {"record.nonce", {"record signed bytes"}},
    {"record.signature", {"record signature", "record"}},  // "record": no longer strict DER, low S
    {"record_signature.signed_bytes", {"record signed bytes"}},
    {"record_signature.der", {"record signature"}},
    {"record_signature.pem", {"record signature"}},
    {"leaf_index", {"inclusion proof"}},
    {"inclusion_proof.leaf_hash", {"inclusion proof fields"}},
    {"inclusion_proof.tree_size", {"inclusion proof fields"}},
    {"inclusion_proof.root", {"inclusion proof fields"}},
    {"inclusion_proof.path[]", {"inclusion proof"}},
    {"block.header.chain_id", {"header bytes", "header chain id"}},
    {"block.header.height", {"header bytes"}},
    {"block.header.time_ms", {"header bytes"}},
    {"block.header.prev_hash", {"header bytes"}},
    {"block.header.genesis_hash", {"header bytes", "genesis binding"}},
    {"block.header.record_count", {"header bytes"}},
    {"block.header.next_validator_set_hash", {"header bytes"}},
    {"block.header.state_hash", {"header bytes"}},
    {"block.header.ledger_size", {"header bytes"}},
    {"block.header.ledger_root", {"header bytes"}},
    {"block.header.body_hash", {"header bytes"}},
    {"block.header.validator_set_hash", {"header bytes"}},
    {"block.header.proposer", {"header bytes", "block header"}},
    {"block.header_bytes", {"header bytes"}},
    {"block.hash", {"block hash"}},
    {"commit.height", {"commit certificate"}},
    {"commit.round", {"commit certificate"}},
    {"commit.block_hash", {"commit certificate"}},
    {"commit.signatures[].validator", {"commit certificate"}},
    {"commit.signatures[].signed_bytes", {"commit certificate"}},
    {"commit.signatures[].der", {"commit certificate"}},
    {"commit.signatures[].pem", {"commit certificate"}},
    {"validator_set.validators[].name", {"validator set"}},
    {"validator_set.validators[].public_key", {"validator set"}},
    {"validator_set.validators[].power", {"validator set"}},
    {"validator_set.hash", {"validator set"}},
};

// Fields verify_receipt does not compare with anything: none. (commit.signatures[].pem
// was one until verify_receipt compared it with the validator key.)
const std::set<std::string> unchecked_fields = {};

struct Alteration {
    std::string what;
    json::value receipt;
};

// Every way of altering the field at `p` by one step: each hex digit in turn, one
// character of other text, a number plus one.
std::vector<Alteration> alterations(const json::value& receipt, const Path& p) {
    std::vector<Alteration> out;
    json::value original = receipt;
    const json::value& v = at_path(original, p);
    if (v.is_string()) {
        const std::string s(v.as_string());
        if (is_hex(s)) {
            for (std::size_t i = 0; i < s.size(); ++i) {
                std::string t = s;
                t[i] = other_digit(t[i]);
                json::value copy = receipt;
                at_path(copy, p) = t;
                out.push_back({name(p) + " hex digit " + std::to_string(i), std::move(copy)});
            }
        } else {
            // An ASCII letter or digit near the middle, so that UTF-8 text stays UTF-8.
            std::size_t i = s.size() / 2;
            while (i < s.size() && !std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
            REQUIRE_MESSAGE(i < s.size(), name(p) << " has no ASCII letter or digit after its middle");
            std::string t = s;
            t[i] = t[i] == 'A' ? 'B' : 'A';
            json::value copy = receipt;
            at_path(copy, p) = t;
            out.push_back({name(p) + " text", std::move(copy)});
        }
    } else {
        REQUIRE_MESSAGE(v.is_number(), name(p) << " is neither text nor a number");
        json::value copy = receipt;
        at_path(copy, p) = v.to_number<std::uint64_t>() + 1;
        out.push_back({name(p) + " + 1", std::move(copy)});
    }
    return out;
}

}  // namespace

TEST_CASE("a receipt built as the node builds it verifies against the genesis alone") {
    Fixture f;
    const json::value receipt = f.receipt(target_leaf);
    CHECK(receipt.at("format").as_string() == "jchain-receipt/4");
    CHECK(receipt.at("leaf_index").to_number<std::uint64_t>() == target_leaf);
    CHECK(receipt.at("inclusion_proof").at("tree_size").to_number<std::uint64_t>() == 14);
    CHECK(receipt.at("inclusion_proof").at("path").as_array().size() == 4);
    CHECK(receipt.at("commit").at("signatures").as_array().size() == 3);

    const auto verdict = chain::verify_receipt(receipt, f.tc.genesis, std::nullopt);
    CHECK_MESSAGE(verdict.ok, "failed: " << joined(failed_checks(verdict)));
    REQUIRE(verdict.record);
    CHECK(chain::record_id(default_suite, *verdict.record) == chain::record_id(default_suite, f.records[target_leaf]));
    REQUIRE(verdict.header);
    CHECK(chain::block_hash(default_suite, *verdict.header) == chain::block_hash(default_suite, f.blocks[2].header));
    std::set<std::string> names;
    for (const auto& c : verdict.checks) {
        CHECK_MESSAGE(!c.detail.empty(), c.name);
        names.insert(c.name);
    }
    for (const char* expected : {"format", "chain id", "record chain id", "record signed bytes", "record id",
                                 "record signature", "submitter", "header bytes", "block hash", "header chain id",
                                 "inclusion proof fields", "inclusion proof", "validator set", "commit certificate"})
        CHECK_MESSAGE(names.count(expected), expected);
    CHECK_FALSE(names.count("genesis link"));  // only block 1 links to the genesis directly
    CHECK_FALSE(names.count("file content"));  // no file given

    // A receipt survives being written to a file and read back.
    auto reread = json::parse(chain::pretty_json(receipt));
    CHECK(reread == receipt);
    CHECK(chain::verify_receipt(reread, f.tc.genesis, std::nullopt).ok);

    // Every record of the chain has a valid receipt; block 1's link to the genesis too.
    for (std::uint64_t leaf = 0; leaf < f.records.size(); ++leaf) {
        CAPTURE(leaf);
        const auto v = chain::verify_receipt(f.receipt(leaf), f.tc.genesis, std::nullopt);
        CHECK_MESSAGE(v.ok, "failed: " << joined(failed_checks(v)));
        bool linked = false;
        for (const auto& c : v.checks) linked = linked || (c.name == "genesis link" && c.ok);
        CHECK(linked == (f.heights[leaf] == 1));
    }
}

TEST_CASE("a receipt's disclosure proves the clear case id and values, and a changed value, salt, id or key fails it") {
  for (const crypto::Suite& suite : {crypto::Suite::secp256k1_sha256(), crypto::Suite::sm2_sm3()}) {
    CAPTURE(suite.name());
    Fixture f(suite);
    json::value receipt = f.receipt(target_leaf);
    // As the node serves it: commitments only, no disclosure, and it verifies.
    const std::string served = json::serialize(receipt);
    CHECK(served.find("upload") == std::string::npos);
    CHECK(served.find("民初") == std::string::npos);
    auto plain = chain::verify_receipt(receipt, f.tc.genesis, std::nullopt);
    CHECK(plain.ok);
    CHECK_FALSE(plain.disclosed);

    receipt.as_object()["disclosure"] = chain::disclosure_to_json(f.disclosure);
    auto v = chain::verify_receipt(receipt, f.tc.genesis, std::nullopt);
    CHECK_MESSAGE(v.ok, "failed: " << joined(failed_checks(v)));
    REQUIRE(v.disclosed);
    CHECK(v.disclosed->case_id == f.case_id);
    CHECK(v.disclosed->metadata.at("file_name").value == "合同.pdf");

    auto fails_disclosure = [&](auto&& change) {
        json::value mutant = receipt;
        change(mutant.as_object()["disclosure"].as_object());
        auto m = chain::verify_receipt(mutant, f.tc.genesis, std::nullopt);
        return !m.ok && !m.disclosed && failed_checks(m) == std::vector<std::string>{"disclosure"};
    };
    CHECK(fails_disclosure([](json::object& d) { d["metadata"].as_object()["source"].as_object()["value"] = "uploaded"; }));
    CHECK(fails_disclosure([](json::object& d) {
        auto& salt = d["metadata"].as_object()["source"].as_object()["salt"].as_string();
        salt[0] = salt[0] == '0' ? '1' : '0';
    }));
    CHECK(fails_disclosure([](json::object& d) { d["case_id"] = "(2026)京0105民初124号"; }));
    CHECK(fails_disclosure([](json::object& d) {
        auto& key = d["case_key"].as_string();
        key[0] = key[0] == '0' ? '1' : '0';
    }));
    CHECK(fails_disclosure([](json::object& d) { d.erase("case_key"); }));  // an id needs its key
    CHECK(fails_disclosure([](json::object& d) { d["metadata"].as_object()["pages"] = {{"value", "3"}, {"salt", std::string(32, '0')}}; }));
    CHECK(fails_disclosure([](json::object& d) { d["metadata"].as_object()["source"].as_object()["note"] = "x"; }));
    CHECK(fails_disclosure([](json::object& d) { d["metadata"].as_object()["source"].as_object()["salt"] = "0a0b"; }));
    CHECK(fails_disclosure([](json::object& d) {
        auto& salt = d["metadata"].as_object()["source"].as_object()["salt"].as_string();
        for (auto& c : salt) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        salt = "0A" + std::string(salt.begin() + 2, salt.end());
    }));
    // A partial disclosure is fine: the holder shows what it chooses.
    json::value partial = receipt;
    partial.as_object()["disclosure"].as_object().erase("case_id");
    partial.as_object()["disclosure"].as_object().erase("case_key");
    partial.as_object()["disclosure"].as_object()["metadata"].as_object().erase("source");
    auto p = chain::verify_receipt(partial, f.tc.genesis, std::nullopt);
    CHECK(p.ok);
    REQUIRE(p.disclosed);
    CHECK_FALSE(p.disclosed->case_id);
    CHECK(p.disclosed->metadata.size() == 1);
  }
}

// The receipt tests run under both suites: every tamper of a secp256k1-sha256 receipt is
// repeated on an sm2-sm3 one (SM3 hashes, SM2 signatures with the default user ID).
const std::vector<crypto::Suite> both_suites = {crypto::Suite::secp256k1_sha256(), crypto::Suite::sm2_sm3()};

TEST_CASE("altering any field of a receipt, down to one hex digit, fails the check that covers it") {
  for (const crypto::Suite& suite : both_suites) {
    CAPTURE(suite.name());
    Fixture f(suite);
    const json::value receipt = f.receipt(target_leaf);
    REQUIRE(chain::verify_receipt(receipt, f.tc.genesis, std::nullopt).ok);

    std::set<std::string> seen;
    std::size_t hex_digits = 0, altered = 0;
    for (const Path& p : leaves(receipt)) {
        const std::string field = pattern(p);
        seen.insert(field);
        auto expected = field_checks.find(field);
        // Every field of the state in force (members, policy, parameters) is hashed into
        // the header's state_hash: altering one fails "state".
        static const std::map<std::string, std::set<std::string>> state_checks = {{"state.*", {"state"}}};
        if (expected == field_checks.end() && field.starts_with("state.")) expected = state_checks.find("state.*");
        if (expected == field_checks.end()) {
            FAIL_CHECK("the receipt has a field this test does not know: " << name(p));
            continue;
        }
        if (unchecked_fields.count(field)) continue;
        for (const auto& a : alterations(receipt, p)) {
            ++altered;
            if (a.what.find("hex digit") != std::string::npos) ++hex_digits;
            chain::ReceiptVerdict v;
            REQUIRE_NOTHROW(v = chain::verify_receipt(a.receipt, f.tc.genesis, std::nullopt));
            const auto failed = failed_checks(v);
            bool named = false;
            for (const auto& n : failed) named = named || expected->second.count(n);
            if (v.ok || !named)
                FAIL_CHECK(a.what << ": verdict " << (v.ok ? "VALID" : "invalid") << ", failed checks [" << joined(failed)
                                  << "], expected one of the checks for " << field);
        }
    }
    for (const auto& entry : field_checks) {  // not a structured binding: clang 14 cannot capture one
        const std::string& field = entry.first;
        if (field == "sm2_user_id" && !suite.is_sm2()) continue;
        CHECK_MESSAGE(seen.count(field), "the receipt has no field " << field);
    }
    // Two signed-bytes fields, five signatures, four path nodes, ten hashes, eight keys...
    CHECK(hex_digits > 2500);
    CHECK(altered > hex_digits);
  }
}

TEST_CASE("removing any field or array element of a receipt fails it, and never throws") {
  for (const crypto::Suite& suite : both_suites) {
    CAPTURE(suite.name());
    Fixture f(suite);
    const json::value receipt = f.receipt(target_leaf);
    // Every object member and array element, as a path.
    std::vector<Path> members;
    std::vector<Path> todo = {{}};
    json::value walked = receipt;
    while (!todo.empty()) {
        const Path p = todo.back();
        todo.pop_back();
        if (!p.empty()) members.push_back(p);
        const json::value& v = at_path(walked, p);
        auto child = [&](Step s) {
            Path c = p;
            c.push_back(std::move(s));
            todo.push_back(std::move(c));
        };
        if (v.is_object())
            for (const auto& [k, _] : v.as_object()) child({std::string(k), 0});
        else if (v.is_array())
            for (std::size_t i = 0; i < v.as_array().size(); ++i) child({"", i});
    }
    REQUIRE(members.size() > 60);
    for (const Path& p : members) {
        if (unchecked_fields.count(pattern(p))) continue;
        json::value copy = receipt;
        Path parent = p;
        parent.pop_back();
        json::value& container = at_path(copy, parent);
        if (p.back().key.empty()) {
            auto& array = container.as_array();
            array.erase(array.begin() + static_cast<std::ptrdiff_t>(p.back().index));
        } else {
            container.as_object().erase(p.back().key);
        }
        chain::ReceiptVerdict v;
        REQUIRE_NOTHROW(v = chain::verify_receipt(copy, f.tc.genesis, std::nullopt));
        // The one exception: a receipt written before suites existed names none, and is
        // secp256k1-sha256 (docs/receipt.md); the genesis and its hash bind the suite.
        const bool pre_suite_receipt = name(p) == "suite" && !suite.is_sm2();
        if (v.ok != pre_suite_receipt)
            FAIL_CHECK("the receipt " << std::string(v.ok ? "still verifies" : "fails") << " without " << name(p));
    }
    // Not a receipt at all.
    for (const json::value& junk : {json::value(nullptr), json::value(json::array{}), json::value(json::object{}),
                                    json::value("jchain-receipt/1")}) {
        chain::ReceiptVerdict v;
        REQUIRE_NOTHROW(v = chain::verify_receipt(junk, f.tc.genesis, std::nullopt));
        CHECK_FALSE(v.ok);
        REQUIRE_FALSE(v.checks.empty());
        CHECK(v.checks.front().name == "format");
    }
  }
}

TEST_CASE("a receipt checked against the wrong genesis fails, naming why") {
    Fixture f;
    const json::value receipt = f.receipt(target_leaf);
    const json::value first_block_receipt = f.receipt(0);
    auto fails_with = [](const json::value& r, const chain::Genesis& g, const std::string& check) {
        const auto v = chain::verify_receipt(r, g, std::nullopt);
        const auto failed = failed_checks(v);
        const bool named = std::find(failed.begin(), failed.end(), check) != failed.end();
        if (v.ok || !named) FAIL_CHECK("expected '" << check << "' to fail; failed: [" << joined(failed) << "]");
        return !v.ok && named;
    };

    chain::Genesis other = f.tc.genesis;
    other.chain_id = "another-chain";
    CHECK(fails_with(receipt, other, "chain id"));
    CHECK(fails_with(receipt, other, "record chain id"));
    CHECK(fails_with(receipt, other, "commit certificate"));  // the precommit names the chain

    other = f.tc.genesis;
    other.validators.validators.pop_back();  // a set the header does not name
    CHECK(fails_with(receipt, other, "validator set"));

    other = f.tc.genesis;
    other.validators.validators = {{"v0", f.tc.validator.public_key, 1}};  // the test chain's usual lone validator
    CHECK(fails_with(receipt, other, "validator set"));

    other = f.tc.genesis;
    other.validators.validators[0].power = 5;  // same keys, other power
    CHECK(fails_with(receipt, other, "validator set"));

    other = f.tc.genesis;
    other.members.erase(std::remove_if(other.members.begin(), other.members.end(),
                                       [&](const chain::Member& m) { return m.key == f.tc.court.public_key; }),
                        other.members.end());
    // Membership is read from the state the header names; every header names its genesis.
    CHECK(fails_with(receipt, other, "genesis binding"));

    // Block 1's prev_hash is the genesis hash: any change to the genesis breaks the link.
    other = f.tc.genesis;
    other.genesis_time_ms += 1;
    CHECK(fails_with(first_block_receipt, other, "genesis link"));
    other = f.tc.genesis;
    other.policy[chain::Kind::notice].insert("police");
    CHECK(fails_with(first_block_receipt, other, "genesis link"));
}

TEST_CASE("a receipt checked with a file proves that file, and only that file") {
    Fixture f;
    const json::value receipt = f.receipt(target_leaf);
    const auto right = chain::verify_receipt(receipt, f.tc.genesis, crypto::sha256(as_bytes(file_text)));
    CHECK(right.ok);
    bool checked = false;
    for (const auto& c : right.checks) checked = checked || (c.name == "file content" && c.ok);
    CHECK(checked);

    for (const std::string& other : {file_text + " ", std::string("contract scan, page 2\n"), std::string()}) {
        const auto wrong = chain::verify_receipt(receipt, f.tc.genesis, crypto::sha256(as_bytes(other)));
        CHECK_FALSE(wrong.ok);
        CHECK(failed_checks(wrong) == std::vector<std::string>{"file content"});
    }
}

// The gaps an independent verifier written from the docs found in jchain-receipt/1: each
// of these receipts verified before the header named its genesis and record count and the
// verifier checked roles and canonical form.
TEST_CASE("receipt gaps: a later header, another genesis, a role the policy refuses, non-canonical JSON") {
    Fixture f;
    auto failed = [](const json::value& r, const chain::Genesis& g) { return failed_checks(chain::verify_receipt(r, g, std::nullopt)); };
    auto has = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };

    SUBCASE("leaf 0 (block 1) paired with block 3's header and a valid proof at its size") {
        json::value r = f.receipt(target_leaf);  // block 3's header, certificate and state
        const json::value first = f.receipt(0);
        auto path = chain::inclusion_proof(default_suite, f.nodes, 0, f.blocks[2].header.ledger_size);
        REQUIRE(path);
        auto& o = r.as_object();
        o["record"] = first.at("record");
        o["record_id"] = first.at("record_id");
        o["record_signature"] = first.at("record_signature");
        o["leaf_index"] = 0;
        json::array p;
        for (const auto& x : *path) p.push_back(json::string(to_hex(x)));
        o["inclusion_proof"].as_object()["path"] = std::move(p);
        o["inclusion_proof"].as_object()["leaf_hash"] = first.at("inclusion_proof").at("leaf_hash");
        const auto v = failed(r, f.tc.genesis);
        CHECK(v == std::vector<std::string>{"leaf in block"});  // everything else holds: the proof is valid
    }
    SUBCASE("a chain relaunched with the same chain id and validator keys (another genesis time)") {
        chain::Genesis relaunched = f.tc.genesis;
        relaunched.genesis_time_ms += 1;
        CHECK(has(failed(f.receipt(target_leaf), relaunched), "genesis binding"));  // block 3: no genesis link to check
    }
    SUBCASE("a record whose role the policy does not allow") {
        chain::Record judgment = f.tc.record(100, f.tc.police, chain::Kind::judgment);
        f.add_block({judgment});
        CHECK(failed(f.receipt(f.records.size() - 1), f.tc.genesis) == std::vector<std::string>{"submitter"});
    }
    SUBCASE("upper-case hex in a hash the verifier parses") {
        json::value r = f.receipt(target_leaf);
        auto& hash = r.as_object()["block"].as_object()["header"].as_object()["prev_hash"];
        std::string upper(hash.as_string());
        for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        hash = upper;
        CHECK(has(failed(r, f.tc.genesis), "canonical header"));
        json::value r2 = f.receipt(target_leaf);
        auto& step = r2.as_object()["inclusion_proof"].as_object()["path"].as_array()[0];
        std::string up(step.as_string());
        for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        step = up;
        CHECK(has(failed(r2, f.tc.genesis), "inclusion proof"));
    }
    SUBCASE("commit signatures out of key order") {
        json::value r = f.receipt(target_leaf);
        auto& sigs = r.as_object()["commit"].as_object()["signatures"].as_array();
        REQUIRE(sigs.size() == 3);
        std::swap(sigs[0], sigs[1]);
        CHECK(has(failed(r, f.tc.genesis), "commit certificate"));
    }
}

// --- closed objects (tests/data/receipt_mutants) -------------------------------------

namespace {

std::string data_file(const std::string& name) {
    std::ifstream in(std::string(JCHAIN_TEST_DATA) + "/receipt_mutants/" + name, std::ios::binary);
    REQUIRE_MESSAGE(in, "missing tests/data/receipt_mutants/" << name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Every object of v, in document order (make_mutants.py's rule), as paths.
void object_paths(const json::value& v, Path& at, std::vector<Path>& out) {
    if (v.is_object()) {
        out.push_back(at);
        for (const auto& [k, x] : v.as_object()) {
            at.push_back({std::string(k), 0});
            object_paths(x, at, out);
            at.pop_back();
        }
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.as_array().size(); ++i) {
            at.push_back({"", i});
            object_paths(v.as_array()[i], at, out);
            at.pop_back();
        }
    }
}

}  // namespace

TEST_CASE("every object of a real receipt refuses one added field: the shared mutants of tests/data/receipt_mutants") {
    const auto mutants = parse_json(data_file("mutants.json"));
    REQUIRE(mutants);
    const std::string field(mutants->at("field").as_string());
    const json::value value = mutants->at("value");
    for (const auto& entry : mutants->at("receipts").as_object()) {  // no structured binding: CAPTURE takes it in a lambda
        const std::string suite(entry.key());
        const json::value& paths = entry.value();
        CAPTURE(suite);
        auto genesis_json = parse_json(data_file(std::string(suite) + "/genesis.json"));
        auto receipt = parse_json(data_file(std::string(suite) + "/receipt.json"));
        REQUIRE(genesis_json);
        REQUIRE(receipt);
        auto genesis = chain::genesis_from_json(*genesis_json);
        REQUIRE(genesis);
        const auto clean = chain::verify_receipt(*receipt, *genesis, std::nullopt);
        REQUIRE_MESSAGE(clean.ok, "the fixture receipt no longer verifies (" << joined(failed_checks(clean))
                                                                             << "): rerun tests/data/receipt_mutants/make_fixture.py");
        // The list is every object of the receipt (make_mutants.py --check keeps it so).
        Path at;
        std::vector<Path> objects;
        object_paths(*receipt, at, objects);
        REQUIRE(objects.size() == paths.as_array().size());
        std::set<std::string> kinds;
        for (std::size_t m = 0; m < objects.size(); ++m) {
            const json::array& p = paths.as_array()[m].as_array();
            Path path;
            for (const auto& step : p) path.push_back(step.is_string() ? Step{std::string(step.as_string()), 0}
                                                                       : Step{"", step.to_number<std::size_t>()});
            REQUIRE(name(path) == name(objects[m]));
            kinds.insert(pattern(path));
            json::value mutant = *receipt;
            at_path(mutant, path).as_object()[field] = value;
            const std::string where = path.empty() ? "the receipt" : name(path);
            CAPTURE(where);
            const auto v = chain::verify_receipt(mutant, *genesis, std::nullopt);
            CHECK_FALSE(v.ok);
            // Named as an added field, except in the maps: an entry added to record.metadata
            // is clear text, which the record shape refuses (the privacy rule); state.policy's keys are
            // record kinds and state.params' the chain parameters, refused where they are read;
            // disclosure.metadata's keys and entries are checked by the disclosure check.
            const std::string map_check =
                where == "record.metadata"                                             ? "record"
                : where.rfind("disclosure.metadata", 0) == 0                           ? "disclosure"
                : where == "state.policy" || where == "state.params"                   ? "state"
                : where == "checkpoint.state.policy" || where == "checkpoint.state.params" ? "checkpoint"
                                                                                         : "";
            bool named = false;
            for (const auto& c : v.checks)
                named = named || (!c.ok && (!map_check.empty() ? c.name == map_check
                                                               : c.name == "closed objects" &&
                                                                     c.detail == where + " holds a field it does not define: '" + field + "'"));
            CHECK_MESSAGE(named, "failed: " << joined(failed_checks(v)));
        }
        // Every kind of object a receipt can hold is among them.
        for (const char* kind : {"", "record", "record.metadata", "record_signature", "inclusion_proof", "block", "block.header",
                                 "commit", "commit.signatures[]", "validator_set", "validator_set.validators[]", "state",
                                 "state.members[]", "state.policy", "state.params", "state.nodes[]", "validator_changes[]",
                                 "validator_changes[].header", "validator_changes[].commit",
                                 "validator_changes[].commit.signatures[]", "validator_changes[].next_validator_set",
                                 "validator_changes[].next_validator_set.validators[]", "checkpoint",
                                 "checkpoint.validator_changes[]", "checkpoint.validator_changes[].header",
                                 "checkpoint.validator_changes[].commit", "checkpoint.validator_changes[].commit.signatures[]",
                                 "checkpoint.validator_changes[].next_validator_set",
                                 "checkpoint.validator_changes[].next_validator_set.validators[]", "disclosure",
                                 "disclosure.metadata"})
            CHECK_MESSAGE(kinds.count(kind), kind);
    }
}

// --- who may write governance: the receipt's "submitter" check ----------------------

TEST_CASE("a governance record's submitter check passes a validator or a member rotating its own key, and says which") {
    Fixture f;
    const crypto::KeyPair new_key = test::key_from_scalar(9, f.tc.suite);
    auto governance = [&](const crypto::KeyPair& by, chain::GovAction a, std::uint64_t nonce) {
        chain::Record r = f.tc.record(nonce, by, chain::Kind::governance);
        r.case_tag.clear();
        r.metadata = chain::governance_metadata(a, 0);
        chain::sign_record(f.tc.suite, r, by);
        return r;
    };
    auto rotation = [&](const crypto::KeyPair& by, const crypto::PublicKey& of, std::uint64_t nonce) {
        chain::GovAction a;
        a.op = chain::GovOp::rotate_key;
        a.key = of;
        a.new_key = new_key.public_key;
        return governance(by, a, nonce);
    };
    chain::GovAction power;
    power.op = chain::GovOp::set_power;
    power.key = f.validators[1].public_key;
    power.power = 2;
    // The court rotates its own key; the police the court's; an outsider its own; a validator
    // proposes a power change. One block holds them all.
    f.add_block({rotation(f.tc.court, f.tc.court.public_key, 100), rotation(f.tc.police, f.tc.court.public_key, 101),
                 rotation(f.tc.outsider, f.tc.outsider.public_key, 102), governance(f.validators[1], power, 103)});
    auto submitter = [&](std::uint64_t leaf) {
        const auto v = chain::verify_receipt(f.receipt(leaf), f.tc.genesis, std::nullopt);
        std::optional<chain::ReceiptCheck> out;
        for (const auto& c : v.checks)
            if (c.name == "submitter") out = c;
        REQUIRE(out);
        for (const auto& c : v.checks)  // nothing else of the receipt fails
            CHECK_MESSAGE((c.ok || c.name == "submitter"), c.name << ": " << c.detail);
        return *out;
    };
    const std::uint64_t first = f.records.size() - 4;
    const auto own = submitter(first);
    CHECK(own.ok);
    CHECK(own.detail == "Court (court, member since height 1) rotating its own member key, which a member in force at height 4 may do");
    const auto others = submitter(first + 1);
    CHECK_FALSE(others.ok);
    CHECK(others.detail == "a governance record by " + to_hex(f.tc.police.public_key.bytes) +
                               ", which is neither a validator in force at height 4 nor a member rotating its own key");
    const auto outsider = submitter(first + 2);
    CHECK_FALSE(outsider.ok);
    CHECK(outsider.detail == to_hex(f.tc.outsider.public_key.bytes) + " rotates its own key but is not a member in force at height 4");
    const auto validator = submitter(first + 3);
    CHECK(validator.ok);
    CHECK(validator.detail.find(" in force at height 4 may write governance records") != std::string::npos);
}

TEST_CASE("number forms and repeated names in a receipt's text: -0 is 0, 1.0 and 0e0 are refused, a name twice is refused") {
    // What docs/receipt.md promises and the page (jsonTextProblem) does alike.
    const std::string text = data_file("secp256k1-sha256/receipt.json");
    auto genesis = chain::genesis_from_json(*parse_json(data_file("secp256k1-sha256/genesis.json")));
    REQUIRE(genesis);
    auto with = [&](const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        return std::string(text).replace(at, from.size(), to);
    };
    auto verdict = [&](const std::string& t) {
        auto v = parse_json(t);
        REQUIRE(v);
        return chain::verify_receipt(*v, *genesis, std::nullopt).ok;
    };
    CHECK(verdict(text));
    CHECK(verdict(with("\"round\": 0", "\"round\": -0")));
    for (const char* form : {"0.0", "0e0", "0E0", "-0.0", "0.0e0"}) {
        CAPTURE(form);
        CHECK_FALSE(verdict(with("\"round\": 0", std::string("\"round\": ") + form)));
    }
    const std::string leaf = "\"leaf_index\": " + std::to_string(parse_json(text)->at("leaf_index").to_number<std::uint64_t>());
    CHECK_FALSE(verdict(with(leaf + ",", leaf + ".0,")));
    CHECK_FALSE(verdict(with(leaf + ",", leaf + "e0,")));
    const auto twice = parse_json(with(leaf + ",", leaf + ", " + leaf + ","));
    REQUIRE_FALSE(twice);
    CHECK(twice.message() == "the member name \"leaf_index\" appears twice in one object");
}

TEST_CASE("every hex string of a real receipt upper-cased alone is refused (as the page refuses it)") {
    for (const std::string suite : {"secp256k1-sha256", "sm2-sm3"}) {
        CAPTURE(suite);
        auto genesis = chain::genesis_from_json(*parse_json(data_file(suite + "/genesis.json")));
        const auto receipt = parse_json(data_file(suite + "/receipt.json"));
        REQUIRE(genesis);
        REQUIRE(receipt);
        std::size_t count = 0;
        for (const auto& p : leaves(*receipt)) {
            const json::value& v = at_path(const_cast<json::value&>(*receipt), p);
            if (!v.is_string() || v.as_string().size() % 2 || !is_hex(v.as_string()) ||
                std::none_of(v.as_string().begin(), v.as_string().end(), [](char c) { return c >= 'a' && c <= 'f'; }))
                continue;
            std::string upper(v.as_string());
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            json::value copy = *receipt;
            at_path(copy, p) = upper;
            ++count;
            CAPTURE(name(p));
            CHECK_FALSE(chain::verify_receipt(copy, *genesis, std::nullopt).ok);
        }
        CHECK(count > 50);
    }
}

TEST_CASE("a state policy with its roles out of order or repeated is refused, though it encodes to the same bytes") {
    auto genesis = chain::genesis_from_json(*parse_json(data_file("secp256k1-sha256/genesis.json")));
    const auto receipt = parse_json(data_file("secp256k1-sha256/receipt.json"));
    REQUIRE(genesis);
    REQUIRE(receipt);
    for (const json::array& roles : {json::array{"court", "procuratorate", "police", "notary"},
                                     json::array{"court", "court", "notary", "police", "procuratorate"}}) {
        json::value copy = *receipt;
        copy.at("state").at("policy").as_object()["evidence"] = roles;
        const auto v = chain::verify_receipt(copy, *genesis, std::nullopt);
        CHECK(failed_checks(v) == std::vector<std::string>{"state"});
    }
}

TEST_CASE("a genesis file may write its keys in upper-case hex: the same genesis, the same hash, the receipt verifies") {
    // docs/genesis.md: genesis hex is read in either case (a receipt's is lower-case only).
    for (const std::string suite : {"secp256k1-sha256", "sm2-sm3"}) {
        CAPTURE(suite);
        const std::string text = data_file(suite + "/genesis.json");
        std::string upper = text;
        std::size_t keys = 0;
        for (std::size_t at = upper.find("\"public_key\": \""); at != std::string::npos; at = upper.find("\"public_key\": \"", at + 1)) {
            for (std::size_t i = at + 15; upper[i] != '"'; ++i) upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
            ++keys;
        }
        REQUIRE(keys >= 2);
        REQUIRE(upper != text);
        auto lower_genesis = chain::genesis_from_json(*parse_json(text));
        auto upper_genesis = chain::genesis_from_json(*parse_json(upper));
        REQUIRE(lower_genesis);
        REQUIRE(upper_genesis);
        CHECK(chain::genesis_hash(*upper_genesis) == chain::genesis_hash(*lower_genesis));
        CHECK(chain::verify_receipt(*parse_json(data_file(suite + "/receipt.json")), *upper_genesis, std::nullopt).ok);
    }
}
