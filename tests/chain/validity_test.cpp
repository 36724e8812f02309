#include <doctest/doctest.h>

#include <map>

#include "chain/validity.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using chain::BlockRule;

namespace {

class MapHistory final : public chain::History {
public:
    std::optional<crypto::PublicKey> submitter_of(const chain::Hash& id) const override {
        auto it = committed.find(id);
        if (it == committed.end()) return std::nullopt;
        return it->second;
    }
    std::map<chain::Hash, crypto::PublicKey> committed;
};

// A verifier that counts what it was asked, to show the caller decides what is verified.
class CountingVerifier final : public chain::RecordVerifier {
public:
    std::vector<bool> verify(std::span<const chain::Record> records, std::span<const chain::Hash> ids) override {
        asked += records.size();
        return inner.verify(records, ids);
    }
    chain::SerialVerifier inner{default_suite};
    std::size_t asked = 0;
};

struct Fixture {
    test::TestChain tc;
    MapHistory history;
    chain::ChainTip tip = chain::ChainTip::genesis(tc.genesis);

    // Block 1 of `records`, as an honest proposer builds it, at `time_ms`.
    chain::Block block(const std::vector<chain::Record>& records, std::uint64_t time_ms = 0) const {
        std::vector<chain::Hash> ids;
        for (const auto& r : records) ids.push_back(chain::record_id(default_suite, r));
        return chain::build_block(chain::header_basis(state(), tip.height + 1), tip.height, tip.hash,
                                  time_ms ? time_ms : tip.time_ms + 1, tip.ledger, ids, records, tc.validator.public_key)
            .block;
    }
    chain::BlockCheck check(const chain::Block& b, const std::vector<chain::Record>& records) {
        chain::SerialVerifier v(default_suite);
        return chain::check_block(state(), tip, history, b, records, v);
    }
    chain::ChainState state() const { return chain::ChainState::from_genesis(tc.genesis); }
};

bool broke(const chain::BlockCheck& c, BlockRule rule) {
    for (const auto& f : c.faults)
        if (f.rule == rule) return true;
    return false;
}

}  // namespace

TEST_CASE("an honest block is valid and the rule rebuilds the ledger it commits to") {
    Fixture f;
    std::vector<chain::Record> rs{f.tc.record(1, f.tc.court), f.tc.record(2, f.tc.police)};
    auto b = f.block(rs);
    auto c = f.check(b, rs);
    CHECK(c.valid());
    CHECK(c.built.frontier.size() == 2);
    CHECK(c.built.frontier.root() == b.header.ledger_root);
    CHECK(c.built.nodes.size() == 3);  // two leaves and their parent
}

TEST_CASE("a record's client time is judged against its block's time, never a clock") {
    Fixture f;
    const std::uint64_t window = f.tc.genesis.params.client_time_window_ms;
    const std::uint64_t block_time = f.tc.genesis.genesis_time_ms + 10 * window;
    auto at_edge_before = f.tc.record(1, f.tc.court, chain::Kind::evidence, block_time - window);
    auto at_edge_after = f.tc.record(2, f.tc.court, chain::Kind::evidence, block_time + window);
    std::vector<chain::Record> ok{at_edge_before, at_edge_after};
    // Valid today, and valid for an auditor years later: nothing here reads a clock.
    CHECK(f.check(f.block(ok, block_time), ok).valid());

    for (auto t : {block_time - window - 1, block_time + window + 1}) {
        std::vector<chain::Record> late{f.tc.record(3, f.tc.court, chain::Kind::evidence, t)};
        auto c = f.check(f.block(late, block_time), late);
        CHECK(broke(c, BlockRule::record_time));
        CHECK(c.faults.size() == 1);
    }
}

TEST_CASE("each header rule is named when broken") {
    Fixture f;
    std::vector<chain::Record> rs{f.tc.record(1, f.tc.court)};
    auto mutate = [&](auto change, BlockRule rule) {
        auto b = f.block(rs);
        change(b);
        auto c = f.check(b, rs);
        CHECK_MESSAGE(broke(c, rule), chain::rule_name(rule));
    };
    mutate([](chain::Block& b) { b.header.chain_id = "other"; }, BlockRule::chain_id);
    mutate([](chain::Block& b) { b.header.height = 2; }, BlockRule::height);
    mutate([](chain::Block& b) { b.header.prev_hash[3] ^= 1; }, BlockRule::prev_hash);
    mutate([&](chain::Block& b) { b.header.time_ms = f.tip.time_ms; }, BlockRule::time);
    mutate([](chain::Block& b) { b.header.validator_set_hash[0] ^= 1; }, BlockRule::validator_set);
    mutate([&](chain::Block& b) { b.header.proposer = f.tc.court.public_key; }, BlockRule::proposer);
    mutate([](chain::Block& b) { b.header.ledger_root[0] ^= 1; }, BlockRule::ledger);
    mutate([](chain::Block& b) { b.header.ledger_size += 1; }, BlockRule::ledger);
    mutate([](chain::Block& b) { b.record_ids[0][0] ^= 1; }, BlockRule::record_id);
}

TEST_CASE("each record rule is named when broken, with the record's index") {
    Fixture f;
    auto first = f.tc.record(1, f.tc.court);
    f.history.committed[chain::record_id(default_suite, first)] = f.tc.court.public_key;

    SUBCASE("a forged signature") {
        auto r = f.tc.record(2, f.tc.court);
        r.signature.bytes[10] ^= 1;
        auto c = f.check(f.block({r}), {r});
        REQUIRE(broke(c, BlockRule::signature));
        CHECK(c.faults.front().record == 0u);
    }
    SUBCASE("a submitter who is not a member, or not yet one") {
        auto stranger = default_suite.key_pair_from_private(crypto::PrivateKey{{9}}).value();
        auto r = f.tc.record(2, stranger);
        CHECK(broke(f.check(f.block({r}), {r}), BlockRule::member));
        for (auto& m : f.tc.genesis.members)
            if (m.key == f.tc.police.public_key) m.since_height = 2;  // joins at height 2, not 1
        auto too_early = f.tc.record(3, f.tc.police);
        CHECK(broke(f.check(f.block({too_early}), {too_early}), BlockRule::member));
    }
    SUBCASE("a role the policy does not allow, and governance, which no role may write yet") {
        auto judgment = f.tc.record(2, f.tc.police, chain::Kind::judgment);
        CHECK(broke(f.check(f.block({judgment}), {judgment}), BlockRule::permission));
        auto governance = f.tc.record(3, f.tc.court, chain::Kind::governance);
        CHECK(broke(f.check(f.block({governance}), {governance}), BlockRule::permission));
    }
    SUBCASE("a correction by the corrected record's own submitter is allowed, by another member not") {
        auto own = f.tc.record(2, f.tc.police, chain::Kind::evidence);
        f.history.committed[chain::record_id(default_suite, own)] = f.tc.police.public_key;
        auto fix = f.tc.record(3, f.tc.police, chain::Kind::correction);
        fix.refs = {chain::record_id(default_suite, own)};
        chain::sign_record(default_suite, fix, f.tc.police);
        CHECK(f.check(f.block({fix}), {fix}).valid());
        auto other = f.tc.record(4, f.tc.police, chain::Kind::correction);
        other.refs = {chain::record_id(default_suite, first)};  // the court's record
        chain::sign_record(default_suite, other, f.tc.police);
        CHECK(broke(f.check(f.block({other}), {other}), BlockRule::permission));
    }
    SUBCASE("references must name earlier records; duplicates are refused") {
        auto handover = f.tc.record(2, f.tc.court, chain::Kind::handover);
        handover.refs = {crypto::sha256(as_bytes("nowhere"))};
        chain::sign_record(default_suite, handover, f.tc.court);
        CHECK(broke(f.check(f.block({handover}), {handover}), BlockRule::reference));
        handover.refs = {chain::record_id(default_suite, first)};
        chain::sign_record(default_suite, handover, f.tc.court);
        CHECK(f.check(f.block({handover}), {handover}).valid());

        CHECK(broke(f.check(f.block({first}), {first}), BlockRule::duplicate));
        auto twice = f.tc.record(5, f.tc.court);
        auto c = f.check(f.block({twice, twice}), {twice, twice});
        REQUIRE(broke(c, BlockRule::duplicate));
        CHECK(c.faults.front().record == 1u);
    }
    SUBCASE("records that do not come with the block, or are not the ones it lists") {
        auto r = f.tc.record(2, f.tc.court);
        CHECK(broke(f.check(f.block({r}), {}), BlockRule::record_count));
        auto other = f.tc.record(3, f.tc.court);
        CHECK(broke(f.check(f.block({r}), {other}), BlockRule::record_id));
    }
    SUBCASE("a record from another chain") {
        auto r = f.tc.record(2, f.tc.court);
        r.chain_id = "jchain-elsewhere";
        chain::sign_record(default_suite, r, f.tc.court);
        CHECK(broke(f.check(f.block({r}), {r}), BlockRule::record_shape));
    }
}

TEST_CASE("the chain's parameters bound a block: records, bytes, record size") {
    Fixture f;
    std::vector<chain::Record> rs;
    for (int i = 0; i < 5; ++i) rs.push_back(f.tc.record(10 + i, f.tc.court));
    CHECK(f.check(f.block(rs), rs).valid());

    f.tc.genesis.params.block_records_max = 4;
    CHECK(broke(f.check(f.block(rs), rs), BlockRule::record_count));
    f.tc.genesis.params.block_records_max = 5;

    std::uint64_t wire = 0;
    for (const auto& r : rs) wire += 4 + chain::record_signed_bytes(r).size() + 64;
    f.tc.genesis.params.block_bytes_max = wire;
    CHECK(f.check(f.block(rs), rs).valid());
    f.tc.genesis.params.block_bytes_max = wire - 1;
    CHECK(broke(f.check(f.block(rs), rs), BlockRule::block_bytes));
    f.tc.genesis.params.block_bytes_max = 16u << 20;

    const std::uint64_t size = chain::record_signed_bytes(rs[0]).size();
    f.tc.genesis.params.record_bytes_max = size - 1;
    CHECK(broke(f.check(f.block({rs[0]}), {rs[0]}), BlockRule::record_shape));
}

TEST_CASE("the caller's verifier decides which signatures are checked, never which rules apply") {
    Fixture f;
    auto r = f.tc.record(1, f.tc.court);
    r.signature.bytes[7] ^= 1;
    auto b = f.block({r});
    CountingVerifier counting;
    auto verified = chain::check_block(f.state(), f.tip, f.history, b, std::vector<chain::Record>{r}, counting);
    CHECK(counting.asked == 1);
    CHECK(broke(verified, BlockRule::signature));
    // Trusting a certificate skips the signature, but a broken policy is still refused.
    chain::TrustingVerifier trusting;
    CHECK(chain::check_block(f.state(), f.tip, f.history, b, std::vector<chain::Record>{r}, trusting).valid());
    auto judgment = f.tc.record(2, f.tc.police, chain::Kind::judgment);
    CHECK(broke(chain::check_block(f.state(), f.tip, f.history, f.block({judgment}),
                                   std::vector<chain::Record>{judgment}, trusting),
                BlockRule::permission));
}

TEST_CASE("the time windows hold at the ends of u64, where a sum would wrap") {
    chain::ChainParams p;
    p.client_time_window_ms = 600'000;
    CHECK_FALSE(chain::within_client_window(p, UINT64_MAX - 10, 1'700'000'000'000));
    CHECK_FALSE(chain::within_client_window(p, 0, UINT64_MAX - 10));
    CHECK(chain::within_client_window(p, UINT64_MAX - 10, UINT64_MAX));
    CHECK_FALSE(chain::is_timely(p, UINT64_MAX - 1, 5));
}

TEST_CASE("timeliness is a proposal's check against a clock, apart from validity") {
    chain::ChainParams p;
    p.block_time_drift_ms = 2000;
    CHECK(chain::is_timely(p, 10'000, 12'000));
    CHECK(chain::is_timely(p, 10'000, 8'000));
    CHECK_FALSE(chain::is_timely(p, 10'000, 12'001));
    CHECK_FALSE(chain::is_timely(p, 10'000, 7'999));
}
