// BlockSync: takes only the blocks it asked of the peer that sends them, and never holds
// more than fetched_bytes_max of them, counted as they arrive.
#include <doctest/doctest.h>

#include "node/block_sync.h"
#include "tests/support/suite.h"
#include "tests/support/test_chain.h"

using namespace jchain;
using Taken = node::BlockSync::Taken;

namespace {

struct Fixture {
    test::TempDir dir;
    test::TestChain tc;
    std::unique_ptr<storage::BlockStore> store = storage::BlockStore::open(dir.str(), tc.genesis).value();
    std::vector<std::pair<crypto::PublicKey, Bytes>> requests;
    node::BlockSync sync{node::BlockSync::Link{[this](const crypto::PublicKey& peer, std::uint8_t, Bytes payload) {
                                                   requests.emplace_back(peer, std::move(payload));
                                                   return true;
                                               },
                                               4, 5},
                         *store};
    const crypto::PublicKey asked = default_suite.generate_key().public_key;
    const crypto::PublicKey stranger = default_suite.generate_key().public_key;

    static consensus::CertifiedBlock block(std::uint64_t height) {
        consensus::Value v;
        v.block.header.height = height;
        return {std::make_shared<const consensus::Value>(std::move(v)), {}};
    }
};

}  // namespace

TEST_CASE("block sync takes only blocks it asked of that peer; late and duplicate answers are dropped quietly") {
    Fixture f;
    f.sync.peer_at(f.asked, 100);
    f.sync.peer_at(f.stranger, 0);  // has nothing: never asked
    f.sync.step(0, 0, "all");
    REQUIRE(f.requests.size() == 4);  // 64 blocks ahead, in ranges of 16
    for (const auto& [peer, payload] : f.requests) CHECK(peer == f.asked);

    CHECK(f.sync.on_block(f.stranger, Fixture::block(5), 100, 0) == Taken::unrequested);
    CHECK(f.sync.on_block(f.asked, Fixture::block(70), 100, 0) == Taken::unrequested);  // beyond what it was asked
    CHECK(f.sync.on_block(f.asked, Fixture::block(5), 100, 0) == Taken::held);
    CHECK(f.sync.on_block(f.asked, Fixture::block(5), 100, 0) == Taken::stale);  // held already
    CHECK(f.sync.on_block(f.asked, Fixture::block(1), 100, 0) == Taken::held);
    REQUIRE(f.sync.take_next(0));
    f.sync.committed(1);
    CHECK(f.sync.on_block(f.asked, Fixture::block(1), 100, 1) == Taken::stale);  // at or below the tip
    // The peer leaves: what it was asked goes with it.
    f.sync.peer_gone(f.asked);
    CHECK(f.sync.on_block(f.asked, Fixture::block(6), 100, 1) == Taken::unrequested);
}

TEST_CASE("block sync holds at most fetched_bytes_max of fetched blocks, counted as they arrive") {
    Fixture f;
    constexpr std::size_t max = node::BlockSync::fetched_bytes_max;
    f.sync.peer_at(f.asked, 100);
    f.sync.step(0, 0, "all");
    const std::size_t big = max / 2 + 1;
    CHECK(f.sync.on_block(f.asked, Fixture::block(40), big, 0) == Taken::held);
    // A lower block makes a higher one give way (it is further from being applied).
    CHECK(f.sync.on_block(f.asked, Fixture::block(20), big, 0) == Taken::held);
    CHECK(f.sync.fetched_bytes() == big);
    // A higher one finds no room: dropped, and asked again later.
    CHECK(f.sync.on_block(f.asked, Fixture::block(30), big, 0) == Taken::no_room);
    CHECK(f.sync.fetched_bytes() == big);
    CHECK(f.sync.on_block(f.asked, Fixture::block(2), max / 4, 0) == Taken::held);
    CHECK(f.sync.fetched_bytes() <= max);
}

TEST_CASE("a peer whose block was bad is not reported as ahead, and its held blocks go") {
    Fixture f;
    f.sync.peer_at(f.asked, 100);
    f.sync.step(0, 0, "all");
    CHECK(f.sync.reported_peer_height() == 100);
    CHECK(f.sync.on_block(f.asked, Fixture::block(2), 100, 0) == Taken::held);
    f.sync.invalid(f.asked, 1);
    CHECK(f.sync.reported_peer_height() == 0);
    CHECK_FALSE(f.sync.behind(0));
    CHECK(f.sync.fetched_bytes() == 0);
}
