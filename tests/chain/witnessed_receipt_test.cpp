// Witnessed checkpoints in receipts (chain/receipt.h, docs/receipt.md "What a receipt
// proves", issue 18): a quorum of validators that has since been outvoted by a change
// cannot pass off a checkpoint of a forked tree, whether it drops the change, shifts the
// checkpoint's height or forges the whole certified header; the verifier names its trust
// basis, and a witness given with --witness that did not cosign fails the receipt.
//
// The chain: four genesis validators (scalars 11..14, power 1 each) and one witness.
// Block 1 holds the record under test; block 2 adds a fifth validator (scalar 15), so
// from block 3 on validators 11..13 hold 3 of 5 of the power, not more than 2/3; block 3
// reaches the checkpoint, signed by four of the five and cosigned by the witness.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "tests/support/memory_nodes.h"
#include "tests/support/test_chain.h"

using namespace jchain;
namespace json = boost::json;

namespace {

using test::MemoryNodes;

chain::Witness witness_of(const crypto::Ed25519KeyPair& k, std::string name) { return {std::move(name), k.public_key}; }

crypto::Ed25519KeyPair ed_key(std::uint8_t seed) {
    crypto::Ed25519PrivateKey k;
    k.seed.fill(seed);
    return crypto::ed25519_from_seed(k);
}

struct Built {
    chain::BlockHeader header;
    chain::CommitCertificate cert;
};

struct Forged {
    test::TestChain tc;
    std::vector<crypto::KeyPair> v = {test::key_from_scalar(11), test::key_from_scalar(12), test::key_from_scalar(13),
                                      test::key_from_scalar(14), test::key_from_scalar(15)};
    crypto::Ed25519KeyPair wkey = ed_key(7), other_wkey = ed_key(8);
    chain::Witness witness = witness_of(wkey, "witness.example/court-b");
    chain::Witness other = witness_of(other_wkey, "witness.example/other");
    chain::ValidatorSet set4, set5;
    chain::ChainState state4, state5;
    MemoryNodes nodes, fork_nodes;
    std::vector<Built> blocks;  // 1..3
    chain::Record target;
    std::string origin;

    explicit Forged(bool with_witness = true) {
        tc.genesis.validators.validators.clear();
        for (int i = 0; i < 4; ++i) tc.genesis.validators.validators.push_back({"v" + std::to_string(i), v[i].public_key, 1});
        sort(tc.genesis.validators);
        if (with_witness) tc.genesis.witnesses = {witness};
        set4 = tc.genesis.validators;
        set5 = set4;
        set5.validators.push_back({"v4", v[4].public_key, 1});
        sort(set5);
        state4 = chain::ChainState::from_genesis(tc.genesis);
        state5 = state4;
        state5.validators = set5;
        origin = chain::checkpoint_origin(tc.genesis);

        target = tc.record(1, tc.court);
        add(nodes, {target, tc.record(2, tc.police)}, state4, &state4, {0, 1, 2, 3});  // block 1
        add(nodes, {tc.record(3, tc.court)}, state4, &state5, {0, 1, 2, 3});             // block 2: set5 next
        add(nodes, {tc.record(4, tc.court), tc.record(5, tc.police)}, state5, &state5, {0, 1, 2, 3, 4});  // block 3
    }

    static void sort(chain::ValidatorSet& s) {
        std::sort(s.validators.begin(), s.validators.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    }

    // Block blocks.size() + 1 over `records` in the tree of `into`, with the header fields
    // from `in_force` (and `next`), certified by validators `signers`.
    Built build(MemoryNodes& into, std::uint64_t prev_height, const chain::Hash& prev_hash, std::uint64_t prev_size,
                const std::vector<chain::Record>& records, const chain::ChainState& in_force, const chain::ChainState* next,
                const std::vector<int>& signers) {
        std::vector<chain::Hash> ids;
        for (const auto& r : records) ids.push_back(chain::record_id(tc.suite, r));
        chain::MerkleFrontier frontier{tc.suite};
        if (prev_size > 0) {
            auto loaded = chain::MerkleFrontier::load(tc.suite, into, prev_size);
            REQUIRE(loaded);
            frontier = *loaded;
        }
        auto built = chain::build_block(chain::header_basis(in_force, prev_height + 1, next), prev_height, prev_hash,
                                        tc.genesis.genesis_time_ms + 1000 * (prev_height + 1), frontier, ids, records,
                                        v[0].public_key);
        into.store(built.nodes);
        const chain::Hash hash = chain::block_hash(tc.suite, built.block.header);
        chain::CommitCertificate cert{built.block.header.height, 0, hash, {}};
        for (int i : signers)
            cert.signatures.push_back(chain::sign_precommit(tc.suite, tc.genesis.chain_id, cert.height, 0, hash, v[i]));
        std::sort(cert.signatures.begin(), cert.signatures.end(),
                  [](const auto& a, const auto& b) { return a.validator < b.validator; });
        return {built.block.header, cert};
    }
    void add(MemoryNodes& into, const std::vector<chain::Record>& records, const chain::ChainState& in_force,
             const chain::ChainState* next, const std::vector<int>& signers) {
        const std::uint64_t h = blocks.size();
        const chain::Hash prev = h == 0 ? chain::genesis_hash(tc.genesis) : chain::block_hash(tc.suite, blocks.back().header);
        blocks.push_back(build(into, h, prev, h == 0 ? 0 : blocks.back().header.ledger_size, records, in_force, next, signers));
    }

    // A note over (size, root) signed by validators `signers`, cosigned by `cosigners`.
    std::string note(std::uint64_t size, const chain::Hash& root, const std::vector<int>& signers,
                     const std::vector<std::pair<chain::Witness, crypto::Ed25519KeyPair>>& cosigners) const {
        chain::Note n{chain::checkpoint_body({origin, size, root}), {}};
        for (int i : signers) n.signatures.push_back(chain::sign_checkpoint(tc.suite, v[i], origin, n.body));
        for (const auto& [w, k] : cosigners) n.signatures.push_back(chain::cosign_checkpoint(w, k.private_key, n.body, 1'767'000'000));
        return chain::format_note(n);
    }

    // The receipt of the target record (block 1), with the genuine checkpoint at block 3.
    json::value receipt(bool cosigned = true) const {
        const Built& b1 = blocks[0];
        auto path = chain::inclusion_proof(tc.suite, nodes, 0, b1.header.ledger_size);
        REQUIRE(path);
        const Built& b3 = blocks[2];
        auto cpath = chain::consistency_proof(tc.suite, nodes, b1.header.ledger_size, b3.header.ledger_size);
        REQUIRE(cpath);
        chain::ReceiptCheckpoint cp{note(b3.header.ledger_size, b3.header.ledger_root, {0, 1, 2, 4},
                                         cosigned ? std::vector<std::pair<chain::Witness, crypto::Ed25519KeyPair>>{{witness, wkey}}
                                                  : std::vector<std::pair<chain::Witness, crypto::Ed25519KeyPair>>{}),
                                    3,
                                    *cpath,
                                    {{blocks[1].header, blocks[1].cert, set5}},
                                    b3.header,
                                    b3.cert,
                                    chain::state_view(state5, 3)};
        return chain::make_receipt({tc.suite, target, 0, *path, b1.header, b1.cert, set4, chain::state_view(state4, 1), {}, cp});
    }

    // What validators 0..2 (a quorum of the genesis set, no longer of the set in force)
    // can make alone: a fork of the tree after block 1, a block 3' they certify as the
    // genesis set (the change dropped), its state, and a note over it they sign.
    json::value forged_receipt(std::uint64_t height, bool forge_header) {
        json::value r = receipt();
        const Built& b1 = blocks[0];
        MemoryNodes fork = nodes;  // the same tree up to block 1
        const Built fork2 = build(fork, 1, chain::block_hash(tc.suite, b1.header), b1.header.ledger_size,
                                  {tc.record(90, tc.court)}, state4, &state4, {0, 1, 2});
        const Built fork3 = build(fork, 2, chain::block_hash(tc.suite, fork2.header), fork2.header.ledger_size,
                                  {tc.record(91, tc.court), tc.record(92, tc.police)}, state4, &state4, {0, 1, 2});
        auto cpath = chain::consistency_proof(tc.suite, fork, b1.header.ledger_size, fork3.header.ledger_size);
        REQUIRE(cpath);
        json::object& cp = r.as_object()["checkpoint"].as_object();
        cp["note"] = note(fork3.header.ledger_size, fork3.header.ledger_root, {0, 1, 2}, {});
        cp["height"] = height;
        json::array path;
        for (const auto& h : *cpath) path.push_back(json::string(to_hex(h)));
        cp["consistency_path"] = std::move(path);
        cp["validator_changes"] = json::array{};  // the change at block 2 left out
        if (forge_header) {
            const Bytes hb = chain::header_bytes(fork3.header);
            cp["block"] = {{"header", chain::header_to_json(fork3.header)},
                           {"header_bytes", to_hex(hb)},
                           {"hash", to_hex(tc.suite.hash(hb))}};
            cp["commit"] = chain::certificate_to_json(tc.suite, tc.genesis.chain_id, fork3.cert);
            cp["state"] = chain::state_view_to_json(state4, 3);
        }
        return r;
    }
};

const chain::ReceiptCheck* check_named(const chain::ReceiptVerdict& v, std::string_view name) {
    for (const auto& c : v.checks)
        if (c.name == name) return &c;
    return nullptr;
}

std::string failures(const chain::ReceiptVerdict& v) {
    std::string out;
    for (const auto& c : v.checks)
        if (!c.ok) out += c.name + ": " + c.detail + "\n";
    return out;
}

}  // namespace

TEST_CASE("a witnessed checkpoint bound to its certified header verifies and says it is witnessed") {
    Forged f;
    const auto v = chain::verify_receipt(f.receipt(), f.tc.genesis, std::nullopt);
    CHECK_MESSAGE(v.ok, failures(v));
    CHECK(v.basis == chain::TrustBasis::witnessed);
    CHECK(v.basis_text.starts_with("witnessed by 1 of 1 witnesses (witness.example/court-b"));
    // Naming the witness that cosigned changes nothing; naming one that did not fails.
    CHECK(chain::verify_receipt(f.receipt(), f.tc.genesis, std::nullopt, {f.witness}).ok);
    const auto silent = chain::verify_receipt(f.receipt(), f.tc.genesis, std::nullopt, {f.witness, f.other});
    CHECK_FALSE(silent.ok);
    REQUIRE(check_named(silent, "checkpoint"));
    CHECK(check_named(silent, "checkpoint")->detail.find("witness.example/other (given with --witness) did not cosign") !=
          std::string::npos);
}

TEST_CASE("a retired quorum's note over a forked tree fails: the change dropped, the height shifted, or the header forged") {
    Forged f;
    // As the issue did it: the genuine certified header kept, the note replaced by one over
    // a fork that validators 0..2 signed, the validator change left out, the height as is
    // and shifted by one either way.
    for (std::uint64_t height : {2, 3, 4}) {
        CAPTURE(height);
        const auto v = chain::verify_receipt(f.forged_receipt(height, false), f.tc.genesis, std::nullopt);
        CHECK_FALSE(v.ok);
        REQUIRE(check_named(v, "checkpoint"));
        CHECK_FALSE(check_named(v, "checkpoint")->ok);
        // Not even with the validators-only basis accepted.
        CHECK_FALSE(chain::verify_receipt(f.forged_receipt(height, false), f.tc.genesis, std::nullopt, {}, true).ok);
    }
    // Only the dropped change: the walk no longer reaches the set block 3 names.
    {
        json::value r = f.receipt();
        r.as_object()["checkpoint"].as_object()["validator_changes"] = json::array{};
        const auto v = chain::verify_receipt(r, f.tc.genesis, std::nullopt);
        CHECK_FALSE(v.ok);
        CHECK(check_named(v, "checkpoint")->detail.find("does not reach") != std::string::npos);
    }
    // Only the height shifted: the certified header is of another block.
    for (std::uint64_t height : {2, 4}) {
        json::value r = f.receipt();
        r.as_object()["checkpoint"].as_object()["height"] = height;
        CHECK_FALSE(chain::verify_receipt(r, f.tc.genesis, std::nullopt).ok);
    }
    // The whole header forged too (block 3' certified by 3 of the 4 genesis keys, its state,
    // the change dropped): every signature checks out against the genesis set, so only the
    // witnesses can tell. Not witnessed on a chain that declares witnesses: INVALID.
    const auto forged = chain::verify_receipt(f.forged_receipt(3, true), f.tc.genesis, std::nullopt);
    CHECK_FALSE(forged.ok);
    REQUIRE(check_named(forged, "checkpoint"));
    CHECK_MESSAGE(check_named(forged, "checkpoint")->ok, failures(forged));  // the forgery is consistent in itself
    REQUIRE(check_named(forged, "trust basis"));
    CHECK_FALSE(check_named(forged, "trust basis")->ok);
    CHECK(forged.basis == chain::TrustBasis::validators_only);
    // With the witness named, it fails for its silence as well.
    CHECK_FALSE(chain::verify_receipt(f.forged_receipt(3, true), f.tc.genesis, std::nullopt, {f.witness}).ok);
    // Accepted only when the reader says validators suffice, and then said to be just that.
    const auto accepted = chain::verify_receipt(f.forged_receipt(3, true), f.tc.genesis, std::nullopt, {}, true);
    CHECK(accepted.ok);
    CHECK(accepted.basis_text == "certified by validators only");
    CHECK(check_named(accepted, "trust basis")->detail.find("accepted as such (--accept-validators-only)") != std::string::npos);
}

TEST_CASE("witnesses the chain added later count only when the reader names them") {
    // A forger holding old keys could add a witness of its own in the state it certifies:
    // a witness in force that neither genesis nor --witness names does not count.
    Forged f;
    json::value r = f.receipt(false);
    json::object& cp = r.as_object()["checkpoint"].as_object();
    // The genuine chain had no such witness, so any state naming one is forged: here the
    // check is on counting, so give the note a cosignature by `other` and the state it.
    chain::StateView view = chain::state_view(f.state5, 3);
    view.witnesses = {f.other};
    cp["state"] = chain::state_view_to_json(view);
    const auto v = chain::verify_receipt(r, f.tc.genesis, std::nullopt);
    CHECK_FALSE(v.ok);  // the state no longer hashes to block 3's state_hash
    // Without witnesses in genesis a receipt is certified by validators only, and valid.
    Forged plain(false);
    const auto p = chain::verify_receipt(plain.receipt(false), plain.tc.genesis, std::nullopt);
    CHECK_MESSAGE(p.ok, failures(p));
    CHECK(p.basis == chain::TrustBasis::validators_only);
    CHECK(check_named(p, "trust basis")->detail.find("declares no witnesses") != std::string::npos);
    // A receipt without a checkpoint on a chain with witnesses is not valid by default.
    json::value bare = f.receipt();
    bare.as_object().erase("checkpoint");
    CHECK_FALSE(chain::verify_receipt(bare, f.tc.genesis, std::nullopt).ok);
    CHECK(chain::verify_receipt(bare, f.tc.genesis, std::nullopt, {}, true).ok);
    CHECK_FALSE(chain::verify_receipt(bare, f.tc.genesis, std::nullopt, {f.witness}, true).ok);  // --witness: nothing cosigned
}

TEST_CASE("a key that left the validator set and signs a later checkpoint or certificate is named as retired") {
    Forged f;
    chain::ValidatorSet without_v0 = f.set5;
    std::erase_if(without_v0.validators, [&](const chain::Validator& x) { return x.key == f.v[0].public_key; });
    const std::vector<chain::ValidatorTenure> history = {{1, f.set4}, {3, f.set5}, {5, without_v0}};
    const chain::Hash root = f.blocks[2].header.ledger_root;
    // v0 signs the checkpoint of block 6, after it left at 5: evidence; of block 4: its tenure.
    const std::string late = f.note(7, root, {0, 1, 2}, {});
    auto retired = chain::retired_note_signers(f.tc.suite, late, f.origin, history, 6);
    REQUIRE(retired.size() == 1);
    CHECK(retired[0].key == f.v[0].public_key);
    CHECK(retired[0].left_height == 5);
    CHECK(chain::retired_note_signers(f.tc.suite, late, f.origin, history, 4).empty());
    // A line that does not verify is no evidence against anyone.
    std::string bad = late;
    bad.replace(bad.find("\n7\n"), 3, "\n8\n");
    CHECK(chain::retired_note_signers(f.tc.suite, bad, f.origin, history, 6).empty());
    // A certificate of block 6 with v0's precommit in it.
    chain::CommitCertificate cert{6, 0, root, {}};
    for (int i : {0, 1, 2, 3})
        cert.signatures.push_back(chain::sign_precommit(f.tc.suite, f.tc.genesis.chain_id, 6, 0, root, f.v[i]));
    auto in_cert = chain::retired_certificate_signers(f.tc.suite, f.tc.genesis.chain_id, cert, history, 6);
    REQUIRE(in_cert.size() == 1);
    CHECK(in_cert[0].key == f.v[0].public_key);
    CHECK(chain::retired_certificate_signers(f.tc.suite, f.tc.genesis.chain_id, cert, history, 5).size() == 1);
    CHECK(chain::retired_certificate_signers(f.tc.suite, f.tc.genesis.chain_id, cert, history, 4).empty());
}
