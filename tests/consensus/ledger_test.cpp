// The ledger a node builds on (consensus/ledger.h): a block this node built is laid onto
// its tip with the tree it built, and that tree is the one a rebuild makes.
#include <doctest/doctest.h>

#include "consensus/ledger.h"
#include "tests/support/test_chain.h"

using namespace jchain;
using namespace jchain::consensus;

namespace {

class NoHistory final : public chain::History {
public:
    std::optional<chain::PublicKey> submitter_of(const chain::Hash&) const override { return std::nullopt; }
};

Tip genesis_tip(const test::TestChain& c) {
    return Tip{0, chain::genesis_hash(c.genesis), c.genesis.genesis_time_ms, chain::MerkleFrontier(default_suite),
               std::make_shared<const chain::ChainState>(chain::ChainState::from_genesis(c.genesis))};
}

}  // namespace

TEST_CASE("a block the ledger built extends it with the same tree, nodes and hash as a rebuild") {
    test::TestChain c;
    const std::uint64_t now = c.genesis.genesis_time_ms + 1000;
    NoHistory history;
    Ledger builder(default_suite, genesis_tip(c));  // builds, then extends by its own block
    Ledger other(default_suite, genesis_tip(c));    // extends by a block it did not build
    for (int height = 1; height <= 3; ++height) {
        std::vector<Candidate> pending;
        for (int i = 0; i < 5 + height; ++i) {
            auto r = c.record(100 * height + i, c.court, chain::Kind::evidence, now - 100);
            pending.push_back({chain::record_id(default_suite, r), r});
        }
        auto value = std::make_shared<const Value>(builder.build(pending, 1000, now + height, history, c.validator.public_key));
        REQUIRE(value->records.size() == pending.size());
        auto own = builder.extend(value);
        auto rebuilt = other.extend(value);
        REQUIRE(own.is_ok());
        REQUIRE(rebuilt.is_ok());
        CHECK(chain::block_hash(default_suite, own->built.block.header) == value->hash(default_suite));
        CHECK(own->built.block.record_ids == rebuilt->built.block.record_ids);
        CHECK(own->built.frontier.root() == rebuilt->built.frontier.root());
        CHECK(own->built.frontier.size() == rebuilt->built.frontier.size());
        REQUIRE(own->built.nodes.size() == rebuilt->built.nodes.size());
        for (std::size_t i = 0; i < own->built.nodes.size(); ++i) {
            CHECK(own->built.nodes[i].level == rebuilt->built.nodes[i].level);
            CHECK(own->built.nodes[i].index == rebuilt->built.nodes[i].index);
            CHECK(own->built.nodes[i].hash == rebuilt->built.nodes[i].hash);
        }
        builder.advance(*own);
        other.advance(*rebuilt);
        CHECK(builder.tip().hash == other.tip().hash);
    }
    // A certified block that is not the one this node built is rebuilt and checked as before.
    std::vector<Candidate> pending;
    auto r = c.record(999, c.court, chain::Kind::evidence, now - 100);
    pending.push_back({chain::record_id(default_suite, r), r});
    auto mine = builder.build(pending, 1000, now + 10, history, c.validator.public_key);
    Value changed = mine;
    changed.block.header.ledger_root[0] ^= 1;  // a header this ledger would not make on these records
    CHECK_FALSE(builder.extend(std::make_shared<const Value>(changed)).is_ok());
    CHECK(builder.extend(std::make_shared<const Value>(mine)).is_ok());
}
