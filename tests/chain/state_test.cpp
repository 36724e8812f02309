// The governance rule (chain/state.h, docs/governance.md): every action with too few
// approvals changes nothing and with enough is in force from the height after the
// deciding block, never before; the safety refusals; expiry and the pruning of expired
// proposals; member terms; observer nodes and the node keys in force (who may hold P2P
// links); the state hash and the next validator set in headers; the state's JSON round trip.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "chain/state.h"
#include "chain/validity.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using chain::GovAction;
using chain::GovOp;

namespace {

// Four validators of power 1 (scalars 11..14), the test chain's court and police.
struct Gov {
    test::TestChain tc;
    std::vector<crypto::KeyPair> v = {test::key_from_scalar(11), test::key_from_scalar(12), test::key_from_scalar(13),
                                      test::key_from_scalar(14)};
    chain::ChainState state;
    std::uint64_t height = 0;  // of the last block applied
    std::uint64_t n = 0;       // record nonces

    Gov() {
        tc.genesis.validators.validators.clear();
        for (std::size_t i = 0; i < v.size(); ++i)
            tc.genesis.validators.validators.push_back({"v" + std::to_string(i), v[i].public_key, 1});
        std::sort(tc.genesis.validators.validators.begin(), tc.genesis.validators.validators.end(),
                  [](const auto& a, const auto& b) { return a.key < b.key; });
        state = chain::ChainState::from_genesis(tc.genesis);
    }

    chain::Record record(const crypto::KeyPair& by, std::map<std::string, std::string> md, std::vector<chain::Hash> refs = {}) {
        chain::Record r = tc.record(1000 + n++, by, chain::Kind::governance);
        r.case_tag.clear();
        r.metadata = std::move(md);
        r.refs = std::move(refs);
        chain::sign_record(default_suite, r, by);
        return r;
    }
    chain::Record propose(const crypto::KeyPair& by, const GovAction& a, std::uint64_t expires_after = 0) {
        return record(by, chain::governance_metadata(a, expires_after));
    }
    chain::Record approve(const crypto::KeyPair& by, const chain::Record& proposal) {
        return record(by, {{"action", "approve"}}, {chain::record_id(default_suite, proposal)});
    }

    // Applies one block of records; returns the first refusal's data.reason ("" if none).
    // A refused record is left out, as a proposer would.
    std::string block(const std::vector<chain::Record>& records) {
        ++height;
        chain::GovernanceBlock g(state, height);
        std::string refused;
        for (const auto& r : records) {
            if (auto denied = chain::check_permission(state, height, r, [](const chain::Hash&) { return std::optional<crypto::PublicKey>(); })) {
                if (refused.empty()) refused = denied->not_member ? "not_member" : "not_permitted";
                continue;
            }
            if (r.kind != chain::Kind::governance) continue;
            if (auto bad = g.check(r, chain::record_id(default_suite, r))) {
                if (refused.empty()) refused = bad->word;
                continue;
            }
            g.apply(r, chain::record_id(default_suite, r));
        }
        state = std::move(g).finish();
        return refused;
    }
    const chain::Proposal& proposal(const chain::Record& r) const { return state.proposals.at(chain::record_id(default_suite, r)); }
};

GovAction add_member(const crypto::KeyPair& k, std::string role = "notary") {
    GovAction a;
    a.op = GovOp::add_member;
    a.name = "New Office";
    a.key = k.public_key;
    a.role = std::move(role);
    return a;
}

}  // namespace

TEST_CASE("a proposal takes effect with more than 2/3 of the power, from the height after the deciding block") {
    Gov g;
    const auto notary = test::key_from_scalar(40);
    const auto p = g.propose(g.v[0], add_member(notary));
    CHECK(g.block({p}) == "");                       // height 1: 1 of 4
    CHECK(g.proposal(p).effective_height == 0);
    CHECK(g.block({g.approve(g.v[1], p)}) == "");    // height 2: 2 of 4, not more than 2/3
    CHECK(g.proposal(p).effective_height == 0);
    CHECK_FALSE(g.state.member_at(notary.public_key, 3));
    CHECK(g.block({g.approve(g.v[2], p)}) == "");    // height 3: 3 of 4
    CHECK(g.proposal(p).effective_height == 4);
    CHECK_FALSE(g.state.member_at(notary.public_key, 3));  // not before
    REQUIRE(g.state.member_at(notary.public_key, 4));
    CHECK(g.state.member_at(notary.public_key, 4)->role == "notary");
    // A record of the new member: refused at height 3, allowed at 4.
    chain::Record r = g.tc.record(1, notary);
    auto none = [](const chain::Hash&) { return std::optional<crypto::PublicKey>(); };
    CHECK(chain::check_permission(g.state, 3, r, none));
    CHECK_FALSE(chain::check_permission(g.state, 4, r, none));
}

TEST_CASE("approvals: by validators only, once each, before expiry, not after the decision") {
    Gov g;
    const auto p = g.propose(g.v[0], add_member(test::key_from_scalar(40)), 2);  // approvals count to height 3
    CHECK(g.block({p}) == "");                                       // height 1
    CHECK(g.block({g.approve(g.tc.court, p)}) == "not_permitted");   // 2: a member, not a validator
    CHECK(g.block({g.approve(g.v[0], p)}) == "duplicate_approval");  // 3: the proposer already counts
    // Block 3 was the last whose approvals count, and it carried governance: the proposal
    // is dropped there, so a late approval finds none.
    CHECK(g.block({g.approve(g.v[1], p)}) == "unknown_proposal");  // 4: past expires_height 3
    CHECK_FALSE(g.state.proposals.count(chain::record_id(default_suite, p)));
    const auto q = g.propose(g.v[0], add_member(test::key_from_scalar(41)));
    CHECK(g.block({q, g.approve(g.v[1], q), g.approve(g.v[2], q)}) == "");  // decided within one block
    CHECK(g.block({g.approve(g.v[3], q)}) == "already_approved");
    CHECK(g.block({g.record(g.v[1], {{"action", "approve"}}, {chain::record_id(default_suite, g.tc.record(9, g.tc.court))})}) ==
          "unknown_proposal");
}

TEST_CASE("every action changes what it says, and only from its effective height") {
    Gov g;
    const auto notary = test::key_from_scalar(40), rotated = test::key_from_scalar(41), node5 = test::key_from_scalar(15);
    // Proposed by v0, approved by validators in force until more than 2/3 of the power.
    auto adopt = [&](const GovAction& a) {
        const auto p = g.propose(g.v[0], a);
        std::vector<chain::Record> block{p};
        std::uint64_t power = g.state.validators.find(g.v[0].public_key)->power;
        for (const auto& k : {g.v[1], g.v[2], g.v[3], node5}) {
            if (g.state.validators.is_quorum(power)) break;
            if (const chain::Validator* x = g.state.validators.find(k.public_key)) {
                block.push_back(g.approve(k, p));
                power += x->power;
            }
        }
        // All but the deciding approval first: nothing changes, not even at the next height.
        const chain::Record deciding = block.back();
        block.pop_back();
        const Bytes state_before = chain::state_bytes(g.state, g.height + 2);
        const chain::Hash set_before = chain::validator_set_hash(default_suite, g.state.validators);
        REQUIRE(g.block(block) == "");
        CHECK(g.proposal(p).effective_height == 0);
        CHECK(chain::state_bytes(g.state, g.height + 1) == state_before);
        CHECK(chain::validator_set_hash(default_suite, g.state.validators) == set_before);
        REQUIRE(g.block({deciding}) == "");
        REQUIRE(g.proposal(p).effective_height == g.height + 1);
        return g.proposal(p).effective_height;
    };

    std::uint64_t h = adopt(add_member(notary));
    CHECK(g.state.member_at(notary.public_key, h));

    GovAction role{.op = GovOp::set_role, .key = notary.public_key, .role = "court"};
    h = adopt(role);
    CHECK(g.state.member_at(notary.public_key, h - 1)->role == "notary");
    CHECK(g.state.member_at(notary.public_key, h)->role == "court");

    GovAction rotate{.op = GovOp::rotate_key, .key = notary.public_key, .new_key = rotated.public_key};
    h = adopt(rotate);
    CHECK(g.state.member_at(notary.public_key, h - 1));
    CHECK_FALSE(g.state.member_at(notary.public_key, h));
    REQUIRE(g.state.member_at(rotated.public_key, h));
    CHECK(g.state.member_at(rotated.public_key, h)->name == "New Office");

    GovAction suspend{.op = GovOp::suspend_member, .key = rotated.public_key};
    h = adopt(suspend);
    CHECK(g.state.member_at(rotated.public_key, h - 1));
    CHECK_FALSE(g.state.member_at(rotated.public_key, h));

    GovAction addv{.op = GovOp::add_validator, .name = "v4", .key = node5.public_key, .power = 1, .p2p = "10.0.0.5:26656"};
    const auto before = chain::validator_set_hash(default_suite, g.state.validators);
    h = adopt(addv);
    CHECK(g.state.validators.validators.size() == 5);
    CHECK(g.state.validator_p2p.at(node5.public_key) == "10.0.0.5:26656");
    CHECK(chain::validator_set_hash(default_suite, g.state.validators_at(h - 1)) == before);
    CHECK(g.state.validators_at(h).find(node5.public_key));
    REQUIRE(g.state.validator_changes.size() == 2);
    CHECK(g.state.validator_changes.back().height == h - 1);

    GovAction power{.op = GovOp::set_power, .key = node5.public_key, .power = 2};
    adopt(power);
    CHECK(g.state.validators.find(node5.public_key)->power == 2);

    GovAction policy{.op = GovOp::set_policy, .kind = chain::Kind::notice, .roles = {"court", "notary"}};
    adopt(policy);
    CHECK(g.state.policy.at(chain::Kind::notice) == std::set<std::string>{"court", "notary"});

    GovAction param{.op = GovOp::set_param, .param = "block_records_max", .value = 100};
    adopt(param);
    CHECK(g.state.params.block_records_max == 100);

    GovAction remove{.op = GovOp::remove_validator, .key = g.v[3].public_key};
    h = adopt(remove);
    CHECK_FALSE(g.state.validators.find(g.v[3].public_key));
    CHECK(g.state.validators_at(h - 1).find(g.v[3].public_key));
}

TEST_CASE("unsafe and contradictory changes are refused with their reason") {
    Gov g;
    auto proposed = [&](const GovAction& a) { return g.block({g.propose(g.v[0], a)}); };
    CHECK(proposed(add_member(g.tc.court)) == "conflict");                     // already a member
    CHECK(proposed(add_member(g.v[1])) == "conflict");                         // a validator's node key
    CHECK(proposed(GovAction{.op = GovOp::add_validator, .name = "x", .key = g.tc.police.public_key, .power = 1}) ==
          "conflict");                                                         // a member key as a validator
    CHECK(proposed(GovAction{.op = GovOp::rotate_key, .key = g.tc.court.public_key, .new_key = g.tc.police.public_key}) ==
          "conflict");                                                         // rotation to a key in use
    CHECK(proposed(GovAction{.op = GovOp::suspend_member, .key = test::key_from_scalar(99).public_key}) == "conflict");
    CHECK(proposed(GovAction{.op = GovOp::suspend_member, .key = g.tc.court.public_key}) == "unsafe_change");  // last court
    CHECK(proposed(GovAction{.op = GovOp::set_role, .key = g.tc.court.public_key, .role = "police"}) == "unsafe_change");
    CHECK(proposed(GovAction{.op = GovOp::remove_validator, .key = g.v[3].public_key}) == "unsafe_change");  // 3 left
    GovAction ack{.op = GovOp::remove_validator, .key = g.v[3].public_key, .acknowledge_few_validators = true};
    CHECK(proposed(ack) == "");
    CHECK(proposed(GovAction{.op = GovOp::set_power, .key = g.v[0].public_key, .power = 1}) == "conflict");
    CHECK(proposed(GovAction{.op = GovOp::set_param, .param = "block_time_drift_ms", .value = 1}) == "bad_action");
    CHECK(g.block({g.record(g.v[0], {{"action", "propose"}, {"op", "frobnicate"}})}) == "bad_action");
    std::string upper = to_hex(test::key_from_scalar(44).public_key.bytes);
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(g.block({g.record(g.v[0], {{"action", "propose"}, {"op", "add-member"}, {"name", "x"}, {"role", "court"},
                                     {"public_key", upper}})}) == "bad_action");  // hex is lower-case
    CHECK(g.block({g.record(g.v[0], {{"action", "propose"}, {"op", "suspend-member"}, {"name", "x"},
                                     {"public_key", to_hex(g.tc.police.public_key.bytes)}})}) == "bad_action");  // extra field
}

TEST_CASE("more than 1/3 of the power never leaves in one block") {
    Gov g;  // six validators of power 3 (18): lowering four of them to 1 in one block loses 8 > 6
    const std::vector<crypto::KeyPair> all = {g.v[0], g.v[1], g.v[2], g.v[3], test::key_from_scalar(15),
                                              test::key_from_scalar(16)};
    g.tc.genesis.validators.validators.clear();
    for (std::size_t i = 0; i < all.size(); ++i)
        g.tc.genesis.validators.validators.push_back({"v" + std::to_string(i), all[i].public_key, 3});
    std::sort(g.tc.genesis.validators.validators.begin(), g.tc.genesis.validators.validators.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    g.state = chain::ChainState::from_genesis(g.tc.genesis);
    std::vector<chain::Record> block;
    for (std::size_t target : {5, 4, 3, 2}) {
        const auto p = g.propose(g.v[0], GovAction{.op = GovOp::set_power, .key = all[target].public_key, .power = 1});
        block.push_back(p);
        for (std::size_t i = 1; i <= 4; ++i) block.push_back(g.approve(all[i], p));  // 15 of 18 power
    }
    CHECK(g.block(block) == "unsafe_change");  // the fourth: 8 lost of 18
    std::size_t lowered = 0;
    for (const auto& v : g.state.validators.validators) lowered += v.power == 1;
    CHECK(lowered == 3);  // the first three took effect: 6 of 18 is not more than 1/3
}

TEST_CASE("a member rotates its own key without a vote; its records stay valid before") {
    Gov g;
    const auto fresh = test::key_from_scalar(42);
    const auto r = g.propose(g.tc.police, GovAction{.op = GovOp::rotate_key, .key = g.tc.police.public_key,
                                                    .new_key = fresh.public_key});
    CHECK(g.block({r}) == "");
    CHECK(g.state.member_at(g.tc.police.public_key, 1));
    CHECK_FALSE(g.state.member_at(g.tc.police.public_key, 2));
    CHECK(g.state.member_at(fresh.public_key, 2)->role == "police");
    // Another member cannot rotate someone else's key on its own.
    const auto other = g.propose(g.tc.court, GovAction{.op = GovOp::rotate_key, .key = fresh.public_key,
                                                       .new_key = test::key_from_scalar(43).public_key});
    CHECK(g.block({other}) == "not_permitted");
}

TEST_CASE("headers: state_hash follows the terms in force, next_validator_set_hash the set after the block") {
    Gov g;
    const auto notary = test::key_from_scalar(40);
    const chain::Hash at1 = chain::state_hash(g.state, 1);
    const auto p = g.propose(g.v[0], add_member(notary));
    g.block({p, g.approve(g.v[1], p), g.approve(g.v[2], p)});  // height 1, in force from 2
    CHECK(chain::state_hash(g.state, 1) == at1);               // block 1 obeyed the old members
    CHECK(chain::state_hash(g.state, 2) != at1);
    const chain::ChainState before = chain::ChainState::from_genesis(g.tc.genesis);
    const chain::HeaderBasis same = chain::header_basis(before, 1);
    CHECK(same.next_validator_set_hash == same.validator_set_hash);
    GovAction addv{.op = GovOp::add_validator, .name = "v4", .key = test::key_from_scalar(15).public_key, .power = 1};
    const auto q = g.propose(g.v[0], addv);
    const chain::ChainState in_force = g.state;
    g.block({q, g.approve(g.v[1], q), g.approve(g.v[2], q)});
    const chain::HeaderBasis changed = chain::header_basis(in_force, g.height, &g.state);
    CHECK(changed.validator_set_hash == chain::validator_set_hash(default_suite, in_force.validators));
    CHECK(changed.next_validator_set_hash == chain::validator_set_hash(default_suite, g.state.validators));
    CHECK(changed.next_validator_set_hash != changed.validator_set_hash);
}

TEST_CASE("the state round-trips through its stored JSON") {
    Gov g;
    const auto p = g.propose(g.v[0], add_member(test::key_from_scalar(40)));
    g.block({p, g.approve(g.v[1], p), g.approve(g.v[2], p)});
    g.block({g.propose(g.v[0], GovAction{.op = GovOp::add_validator, .name = "v4", .key = test::key_from_scalar(15).public_key,
                                         .power = 3, .p2p = "h:1"})});
    const auto text = boost::json::serialize(chain::state_to_json(g.state));
    auto back = chain::state_from_json(boost::json::parse(text));
    REQUIRE(back);
    CHECK(boost::json::serialize(chain::state_to_json(*back)) == text);
    CHECK(chain::state_hash(*back, 3) == chain::state_hash(g.state, 3));
    CHECK(back->proposals.size() == 2);
}

namespace {

// Applies blocks as the node does: a block without governance records changes nothing
// (state_after_block gives nullopt), so its state is not rewritten.
struct Chain {
    Gov& g;
    std::string block(const std::vector<chain::Record>& records) {
        std::vector<chain::Hash> ids;
        for (const auto& r : records) ids.push_back(chain::record_id(default_suite, r));
        ++g.height;
        chain::GovernanceBlock check(g.state, g.height);  // a valid block: every record passes
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (auto bad = check.check(records[i], ids[i])) return bad->word;
            check.apply(records[i], ids[i]);
        }
        if (auto next = chain::state_after_block(g.state, g.height, records, ids)) g.state = std::move(*next);
        return "";
    }
};

GovAction add_node(const crypto::KeyPair& k, std::string name = "Observer") {
    return GovAction{.op = GovOp::add_node, .name = std::move(name), .key = k.public_key};
}

}  // namespace

TEST_CASE("expired proposals are dropped by the first block with governance after their expiry; decided ones stay") {
    Gov g;
    Chain c{g};
    const auto p = g.propose(g.v[0], add_member(test::key_from_scalar(40)), 2);  // approvals count to height 3
    const auto q = g.propose(g.v[0], add_member(test::key_from_scalar(41)));
    REQUIRE(c.block({p, q, g.approve(g.v[1], q), g.approve(g.v[2], q)}) == "");  // 1: q decided, p pending
    REQUIRE(c.block({}) == "");                                                   // 2, 3: no governance
    REQUIRE(c.block({}) == "");
    CHECK(g.state.proposals.count(chain::record_id(default_suite, p)));  // kept: nothing rewrote the state
    // 4: the first governance block after expiry refuses the late approval as expired...
    CHECK(c.block({g.approve(g.v[1], p)}) == "expired");
    // ...and any governance block from then on drops it; the decided proposal stays.
    const auto r = g.propose(g.v[0], GovAction{.op = GovOp::set_param, .param = "block_records_max", .value = 100});
    REQUIRE(c.block({r}) == "");  // 5
    CHECK_FALSE(g.state.proposals.count(chain::record_id(default_suite, p)));
    CHECK(g.state.proposals.count(chain::record_id(default_suite, q)));
    CHECK(g.state.proposals.count(chain::record_id(default_suite, r)));
    CHECK(c.block({g.approve(g.v[1], p)}) == "unknown_proposal");
    // A pending proposal is kept through the last height its approvals count at.
    const auto s = g.propose(g.v[0], add_member(test::key_from_scalar(42)), 1);  // proposed at 7, counts to 8
    REQUIRE(c.block({s}) == "");                                                 // 7
    REQUIRE(c.block({g.propose(g.v[1], add_member(test::key_from_scalar(43)))}) == "");  // 8: still there after 7's
    CHECK(g.state.proposals.count(chain::record_id(default_suite, s)) == 0);  // 8 was its last height: dropped at 8
    CHECK(g.state.proposals.size() == 3);  // q, r and 8's proposal
}

TEST_CASE("observer nodes: genesis lists them, add-node and remove-node change them from the effective height") {
    Gov g;
    const auto observer = test::key_from_scalar(50), late = test::key_from_scalar(51);
    g.tc.genesis.nodes.push_back({"Archive", observer.public_key});
    g.state = chain::ChainState::from_genesis(g.tc.genesis);
    auto decide = [&](const GovAction& a) {
        const auto p = g.propose(g.v[0], a);
        const std::string refused = g.block({p, g.approve(g.v[1], p), g.approve(g.v[2], p)});
        return refused;
    };
    // In force from genesis: a node, not a member; it may link, it signs nothing.
    std::set<crypto::PublicKey> want{g.v[0].public_key, g.v[1].public_key, g.v[2].public_key, g.v[3].public_key,
                                     observer.public_key};
    CHECK(g.state.node_keys_at(1) == want);
    CHECK_FALSE(g.state.node_keys_at(1).contains(g.tc.court.public_key));  // a member key never links
    CHECK_FALSE(g.state.member_at(observer.public_key, 1));
    chain::Record r = g.tc.record(1, observer);
    CHECK(chain::check_permission(g.state, 1, r, [](const chain::Hash&) { return std::optional<crypto::PublicKey>(); }));

    REQUIRE(decide(add_node(late, "Late archive")) == "");  // block 1, in force from 2
    CHECK_FALSE(g.state.node_keys_at(1).contains(late.public_key));
    CHECK(g.state.node_keys_at(2).contains(late.public_key));
    REQUIRE(g.state.node_at(late.public_key, 2));
    CHECK(g.state.node_at(late.public_key, 2)->name == "Late archive");

    REQUIRE(decide(GovAction{.op = GovOp::remove_node, .key = observer.public_key}) == "");  // block 2, from 3
    CHECK(g.state.node_keys_at(2).contains(observer.public_key));
    CHECK_FALSE(g.state.node_keys_at(3).contains(observer.public_key));
    CHECK(g.state.node_keys_at(3).contains(late.public_key));

    // A removed validator is no node any more either (it may be added back as an observer).
    GovAction removev{.op = GovOp::remove_validator, .key = g.v[3].public_key, .acknowledge_few_validators = true};
    REQUIRE(decide(removev) == "");  // block 3, from 4
    CHECK(g.state.node_keys_at(3).contains(g.v[3].public_key));
    CHECK_FALSE(g.state.node_keys_at(4).contains(g.v[3].public_key));
    REQUIRE(decide(add_node(g.v[3], "Former validator")) == "");  // block 4, from 5
    CHECK(g.state.node_keys_at(5).contains(g.v[3].public_key));

    // The state hash covers the observer nodes in force.
    CHECK(chain::state_hash(g.state, 2) != chain::state_hash(g.state, 3));
    CHECK(chain::state_view(g.state, 3).nodes.size() == 1);
}

TEST_CASE("node keys and member keys stay apart, in genesis and by governance") {
    Gov g;
    auto proposed = [&](const GovAction& a) { return g.block({g.propose(g.v[0], a)}); };
    const auto observer = test::key_from_scalar(50);
    CHECK(proposed(add_node(g.tc.court)) == "conflict");  // a member key never becomes a node key
    CHECK(proposed(add_node(g.v[1])) == "conflict");      // validators are nodes already
    CHECK(proposed(GovAction{.op = GovOp::remove_node, .key = observer.public_key}) == "conflict");  // not a node
    CHECK(proposed(GovAction{.op = GovOp::remove_node, .key = g.v[1].public_key}) == "conflict");   // remove-validator's job
    const auto p = g.propose(g.v[0], add_node(observer));
    REQUIRE(g.block({p, g.approve(g.v[1], p), g.approve(g.v[2], p)}) == "");
    CHECK(proposed(add_node(observer)) == "conflict");                 // already a node
    CHECK(proposed(add_member(observer)) == "conflict");               // a node key never becomes a member
    CHECK(proposed(GovAction{.op = GovOp::rotate_key, .key = g.tc.court.public_key, .new_key = observer.public_key}) ==
          "conflict");
    // An observer may be promoted to validator; it stays a node either way.
    CHECK(proposed(GovAction{.op = GovOp::add_validator, .name = "x", .key = observer.public_key, .power = 1}) == "");
    // A key that was ever a member (here: suspended) is never a node key.
    const auto police = g.tc.police;
    const auto s = g.propose(g.v[0], GovAction{.op = GovOp::suspend_member, .key = police.public_key});
    REQUIRE(g.block({s, g.approve(g.v[1], s), g.approve(g.v[2], s)}) == "");
    CHECK(proposed(add_node(police)) == "conflict");
    CHECK(proposed(GovAction{.op = GovOp::add_validator, .name = "x", .key = police.public_key, .power = 1}) == "conflict");

    // Genesis refuses the same overlaps.
    auto parse = [&](chain::Genesis gen) { return chain::genesis_from_json(chain::genesis_to_json(gen)); };
    chain::Genesis good = g.tc.genesis;
    good.nodes.push_back({"Archive", observer.public_key});
    REQUIRE(parse(good));
    CHECK(parse(good)->nodes.size() == 1);
    chain::Genesis member_node = g.tc.genesis;
    member_node.nodes.push_back({"Clerk", g.tc.court.public_key});
    CHECK_FALSE(parse(member_node));
    chain::Genesis validator_node = g.tc.genesis;
    validator_node.nodes.push_back({"Twice", g.v[0].public_key});
    CHECK_FALSE(parse(validator_node));
    chain::Genesis validator_member = g.tc.genesis;
    validator_member.members.push_back({"Court node", g.v[0].public_key, "court", 0});
    std::sort(validator_member.members.begin(), validator_member.members.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    CHECK_FALSE(parse(validator_member));
    // The node list is hashed: genesis with an observer is another chain.
    CHECK(chain::genesis_hash(*parse(good)) != chain::genesis_hash(*parse(g.tc.genesis)));
}

TEST_CASE("observer nodes survive the stored JSON and the receipt's state view") {
    Gov g;
    const auto observer = test::key_from_scalar(50), gone = test::key_from_scalar(51);
    g.tc.genesis.nodes.push_back({"Archive", observer.public_key});
    g.tc.genesis.nodes.push_back({"Gone", gone.public_key});
    std::sort(g.tc.genesis.nodes.begin(), g.tc.genesis.nodes.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    g.state = chain::ChainState::from_genesis(g.tc.genesis);
    const auto p = g.propose(g.v[0], GovAction{.op = GovOp::remove_node, .key = gone.public_key});
    REQUIRE(g.block({p, g.approve(g.v[1], p), g.approve(g.v[2], p)}) == "");
    auto back = chain::state_from_json(boost::json::parse(boost::json::serialize(chain::state_to_json(g.state))));
    REQUIRE(back);
    CHECK(back->node_keys_at(1) == g.state.node_keys_at(1));
    CHECK(back->node_keys_at(2) == g.state.node_keys_at(2));
    CHECK(chain::state_hash(*back, 2) == chain::state_hash(g.state, 2));
    const auto view_json = chain::state_view_to_json(g.state, 2);
    auto view = chain::state_view_from_json(default_suite, view_json);
    REQUIRE(view);
    CHECK(view->nodes.size() == 1);
    CHECK(default_suite.hash(chain::state_view_bytes(*view)) == chain::state_hash(g.state, 2));
    CHECK(chain::state_view_to_json(*view) == view_json);
}

TEST_CASE("one validator has at most pending_proposals_per_validator_max pending proposals") {
    Gov g;
    std::vector<chain::Record> block;
    for (std::size_t i = 0; i <= chain::pending_proposals_per_validator_max; ++i)
        block.push_back(g.propose(g.v[0], GovAction{.op = GovOp::set_param, .param = "block_records_max",
                                                   .value = 100 + i}, 2));
    CHECK(g.block(block) == "too_many_proposals");  // height 1: the last one is one too many
    CHECK(g.state.proposals.size() == chain::pending_proposals_per_validator_max);
    CHECK(g.block({g.propose(g.v[1], add_member(test::key_from_scalar(40)))}) == "");  // another validator may
    CHECK(g.block({g.propose(g.v[0], add_member(test::key_from_scalar(41)))}) == "too_many_proposals");  // 3: still
    // Once they expire (after height 3) and are dropped, the validator may propose again.
    CHECK(g.block({g.propose(g.v[0], add_member(test::key_from_scalar(42)))}) == "");  // 4
    CHECK(g.state.proposals.size() == 2);
}

namespace {

chain::Witness test_witness(std::uint8_t seed, std::string name) {
    crypto::Ed25519PrivateKey k;
    k.seed.fill(seed);
    return {std::move(name), crypto::ed25519_from_seed(k).public_key};
}

}  // namespace

TEST_CASE("witnesses: genesis declares them, add-witness and remove-witness change them from the effective height") {
    Gov g;
    const auto a = test_witness(1, "witness.example/a"), b = test_witness(2, "witness.example/b"),
               c = test_witness(3, "witness.example/c");
    g.tc.genesis.witnesses = {a};
    g.state = chain::ChainState::from_genesis(g.tc.genesis);
    auto decide = [&](const GovAction& x) {
        const auto p = g.propose(g.v[0], x);
        return g.block({p, g.approve(g.v[1], p), g.approve(g.v[2], p)});
    };
    auto proposed = [&](const GovAction& x) { return g.block({g.propose(g.v[0], x)}); };
    CHECK(g.state.witnesses_at(1) == std::vector<chain::Witness>{a});

    REQUIRE(decide(GovAction{.op = GovOp::add_witness, .witness = b}) == "");  // block 1, in force from 2
    CHECK(g.state.witnesses_at(1).size() == 1);
    CHECK(g.state.witnesses_at(2).size() == 2);
    CHECK(chain::state_hash(g.state, 1) != chain::state_hash(g.state, 2));  // the state hash covers them

    CHECK(proposed(GovAction{.op = GovOp::add_witness, .witness = b}) == "conflict");  // already in force
    CHECK(proposed(GovAction{.op = GovOp::add_witness, .witness = test_witness(9, "witness.example/b")}) == "conflict");
    CHECK(proposed(GovAction{.op = GovOp::remove_witness, .witness = c}) == "conflict");  // not a witness
    // The quorum never exceeds the witnesses in force, in either order of change.
    CHECK(proposed(GovAction{.op = GovOp::set_param, .param = "witness_quorum", .value = 3}) == "unsafe_change");
    REQUIRE(decide(GovAction{.op = GovOp::set_param, .param = "witness_quorum", .value = 2}) == "");
    CHECK(proposed(GovAction{.op = GovOp::remove_witness, .witness = a}) == "unsafe_change");
    REQUIRE(decide(GovAction{.op = GovOp::set_param, .param = "witness_quorum", .value = 1}) == "");
    const std::uint64_t removed_in = g.height + 1;
    REQUIRE(decide(GovAction{.op = GovOp::remove_witness, .witness = a}) == "");
    CHECK(g.state.witnesses_at(removed_in).size() == 2);
    CHECK(g.state.witnesses_at(removed_in + 1) == std::vector<chain::Witness>{b});

    // The metadata round-trips, and the state survives its stored JSON and the receipt's view.
    chain::Record carrier;
    carrier.metadata = chain::governance_metadata(GovAction{.op = GovOp::add_witness, .witness = c}, 0);
    auto parsed = chain::parse_governance(default_suite, carrier);
    REQUIRE(parsed);
    CHECK(parsed->action.witness == c);
    carrier.metadata["witness"] = "not a verifier key";
    CHECK_FALSE(chain::parse_governance(default_suite, carrier));
    auto back = chain::state_from_json(boost::json::parse(boost::json::serialize(chain::state_to_json(g.state))));
    REQUIRE(back);
    CHECK(chain::state_hash(*back, removed_in) == chain::state_hash(g.state, removed_in));
    CHECK(chain::state_hash(*back, removed_in + 1) == chain::state_hash(g.state, removed_in + 1));
    const auto view_json = chain::state_view_to_json(g.state, removed_in);
    auto view = chain::state_view_from_json(default_suite, view_json);
    REQUIRE(view);
    CHECK(view->witnesses.size() == 2);
    CHECK(default_suite.hash(chain::state_view_bytes(*view)) == chain::state_hash(g.state, removed_in));
    CHECK(chain::state_view_to_json(*view) == view_json);
}
