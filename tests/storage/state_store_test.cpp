// How the store keeps the chain state after each governance block (docs/storage.md):
// what a block that changes one member costs in a state of thousands, and that every
// state reads back as written.
#include <doctest/doctest.h>
#include <leveldb/db.h>

#include <boost/json.hpp>
#include <filesystem>

#include "chain/state.h"
#include "storage/block_store.h"
#include "tests/support/suite.h"
#include "tests/support/test_chain.h"

using namespace jchain;

namespace {

crypto::PublicKey member_key(std::size_t i) {
    crypto::PrivateKey k;
    k.bytes[0] = 1;  // far from the test chain's small scalars
    k.bytes[30] = static_cast<std::uint8_t>(i >> 8);
    k.bytes[31] = static_cast<std::uint8_t>(i);
    return default_suite.key_pair_from_private(k)->public_key;
}

// Member `i` with its decided add-member proposal, as governance leaves them.
void add_member(chain::ChainState& s, const test::TestChain& tc, std::size_t i, std::uint64_t height) {
    const std::string name = "Clerk " + std::to_string(i) + " of the district court";
    const crypto::PublicKey key = member_key(i);
    s.members.push_back({name, key, "court", height + 1, 0});
    chain::Proposal p;
    p.id = crypto::sha256(as_bytes("proposal " + std::to_string(i)));
    p.height = height;
    p.proposer = tc.validator.public_key;
    p.action.op = chain::GovOp::add_member;
    p.action.name = name;
    p.action.key = key;
    p.action.role = "court";
    p.expires_height = height + 1000;
    p.approvals = {tc.validator.public_key};
    p.effective_height = height + 1;
    s.proposals[p.id] = p;
    s.height = height;
}

std::string text(const chain::ChainState& s) { return boost::json::serialize(chain::state_to_json(s)); }

// Bytes of every value the store keeps for chain states (keys 's' and 'S').
std::size_t state_bytes_stored(const std::string& dir) {
    leveldb::DB* raw = nullptr;
    leveldb::Options options;
    REQUIRE(leveldb::DB::Open(options, dir, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
    std::size_t bytes = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next())
        if (it->key().starts_with("s") || it->key().starts_with("S")) bytes += it->value().size();
    return bytes;
}

// Bytes of every file in the store's directory: what LevelDB has written and kept.
std::size_t files_bytes(const std::string& dir) {
    std::size_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir))
        if (f.is_regular_file()) bytes += f.file_size();
    return bytes;
}

}  // namespace

TEST_CASE("a governance block in a state of 4,000 members stores what changed, not the whole state again") {
    test::TempDir dir;
    test::TestChain tc;
    chain::ChainState state = chain::ChainState::from_genesis(tc.genesis);
    std::vector<std::string> written;  // the state after each block, as JSON
    chain::MerkleFrontier frontier{default_suite};
    chain::Hash prev{};
    constexpr std::size_t members = 4000;
    std::size_t whole = 0, before_last = 0, files_before_last = 0;
    // Blocks 1..3 each add a third of the members (bulk history); blocks 4..8 add one
    // member each, block 9 changes nothing, block 10 suspends an early member.
    for (std::uint64_t h = 1; h <= 10; ++h) {
        if (h == 10) {
            before_last = state_bytes_stored(dir.str());
            files_before_last = files_bytes(dir.str());
        }
        {
            auto store = storage::BlockStore::open(dir.str(), tc.genesis).value();
            REQUIRE(store->height() == h - 1);
            std::optional<chain::ChainState> next;
            if (h <= 3) {
                next = state;
                for (std::size_t i = (h - 1) * members / 3; i < h * members / 3; ++i) add_member(*next, tc, i, h);
            } else if (h <= 8) {
                next = state;
                add_member(*next, tc, members + h, h);
            } else if (h == 10) {
                next = state;
                next->members[5].until_height = h + 1;
                next->height = h;
            }
            auto c = tc.block(h - 1, prev, frontier, {});
            REQUIRE(store->commit_block(c.built.block, c.cert, {}, c.built.nodes, next ? &*next : nullptr).is_ok());
            frontier = c.built.frontier;
            prev = chain::block_hash(default_suite, c.built.block.header);
            if (next) state = std::move(*next);
            written.push_back(text(state));
        }
        if (h == 3) whole = written.back().size();
    }
    const std::size_t last_block = state_bytes_stored(dir.str()) - before_last;
    const std::size_t last_files = files_bytes(dir.str()) - files_before_last;
    MESSAGE("state of ", state.members.size(), " members: ", written.back().size(), " bytes of JSON; the block that suspends one stored ",
            last_block, " bytes of state, and the store's files grew by ", last_files);
    CHECK(whole > 2'000'000);
    CHECK(last_block * 20 < whole);
    CHECK(last_files * 20 < whole);  // chunks already stored are not written again
    // Every state reads back as written, at and between the blocks that changed it.
    auto store = storage::BlockStore::open(dir.str(), tc.genesis).value();
    CHECK(text(store->state_after(0)) == text(chain::ChainState::from_genesis(tc.genesis)));
    for (std::uint64_t h = 1; h <= 10; ++h) {
        CAPTURE(h);
        CHECK(text(store->state_after(h)) == written[h - 1]);
    }
}

TEST_CASE("a store of format 2, which holds each chain state whole, reads them and is marked format 3") {
    test::TempDir dir;
    test::TestChain tc;
    chain::ChainState state = chain::ChainState::from_genesis(tc.genesis);
    add_member(state, tc, 1, 1);
    {
        auto store = storage::BlockStore::open(dir.str(), tc.genesis).value();
        chain::MerkleFrontier frontier{default_suite};
        auto c = tc.block(0, {}, frontier, {});
        REQUIRE(store->commit_block(c.built.block, c.cert, {}, c.built.nodes, &state).is_ok());
    }
    {  // as jchain-store/2 wrote it
        leveldb::DB* raw = nullptr;
        REQUIRE(leveldb::DB::Open(leveldb::Options{}, dir.str(), &raw).ok());
        std::unique_ptr<leveldb::DB> db(raw);
        std::string k = "s";
        k.append(7, '\0');
        k.push_back('\1');
        REQUIRE(db->Put({}, k, text(state)).ok());
        REQUIRE(db->Put({}, "m:format", "jchain-store/2").ok());
    }
    {
        auto store = storage::BlockStore::open(dir.str(), tc.genesis).value();
        CHECK(text(store->state_after(1)) == text(state));
    }
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options{}, dir.str(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string format;
    REQUIRE(db->Get({}, "m:format", &format).ok());
    CHECK(format == "jchain-store/3");
}
