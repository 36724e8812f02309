#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "storage/block_store.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

// Commits `blocks` blocks of `per_block` records each; returns the records in order.
std::vector<chain::Record> fill(storage::BlockStore& store, const test::TestChain& tc, int blocks, int per_block) {
    std::vector<chain::Record> all;
    chain::MerkleFrontier frontier{default_suite};
    chain::Hash prev{};
    for (int b = 0; b < blocks; ++b) {
        std::vector<chain::Record> records;
        for (int i = 0; i < per_block; ++i) records.push_back(tc.record(all.size() + records.size(), tc.court));
        auto c = tc.block(store.height(), prev, frontier, records);
        REQUIRE(store.commit_block(c.built.block, c.cert, records, c.built.nodes).is_ok());
        frontier = c.built.frontier;
        prev = chain::block_hash(default_suite, c.built.block.header);
        all.insert(all.end(), records.begin(), records.end());
    }
    return all;
}

}  // namespace

TEST_CASE("a reopened store resumes at its last block with every record and index") {
    test::TempDir dir;
    test::TestChain tc;
    std::vector<chain::Record> records;
    {
        auto store = storage::BlockStore::open(dir.str(), tc.genesis);
        REQUIRE(store.is_ok());
        CHECK((*store)->height() == 0);
        records = fill(**store, tc, 4, 5);
        CHECK((*store)->height() == 4);
    }
    auto store = storage::BlockStore::open(dir.str(), tc.genesis);
    REQUIRE(store.is_ok());
    CHECK((*store)->height() == 4);
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto stored = (*store)->record(chain::record_id(default_suite, records[i]));
        REQUIRE(stored);
        CHECK(stored->leaf_index == i);
        CHECK(stored->height == i / 5 + 1);
        CHECK(stored->record.signature == records[i].signature);
        CHECK((*store)->records_with_content(records[i].content_hash, 10) ==
              std::vector<chain::Hash>{chain::record_id(default_suite, records[i])});
    }
    // case-0 holds records 0, 3, 6, ... in commit order.
    // (Records carry the case's tag, never the case id: tests/support/test_chain.h.)
    auto case0 = (*store)->records_of_case(chain::case_tag(default_suite, chain::CaseKey{}, records[0].chain_id, "case-0"), 100);
    REQUIRE(case0.size() == 7);
    CHECK(case0[1] == chain::record_id(default_suite, records[3]));
    CHECK((*store)->records_of_case(records[0].case_tag.substr(0, 10), 100).empty());
    auto block3 = (*store)->block(3);
    REQUIRE(block3);
    CHECK((*store)->height_of(chain::block_hash(default_suite, block3->header)) == 3);
    auto root = chain::merkle_root_at(default_suite, **store, 20);
    REQUIRE(root.is_ok());
    CHECK(*root == (*store)->block(4)->header.ledger_root);
}

TEST_CASE("a store refuses to open for another genesis") {
    test::TempDir dir;
    test::TestChain tc;
    { REQUIRE(storage::BlockStore::open(dir.str(), tc.genesis).is_ok()); }
    test::TestChain other;
    other.genesis.chain_id = "another-chain";
    auto store = storage::BlockStore::open(dir.str(), other.genesis);
    REQUIRE_FALSE(store.is_ok());
    CHECK(store.message().find("another genesis") != std::string::npos);
}

TEST_CASE("an inconsistent store stops the node with an error naming what is wrong") {
    test::TempDir dir;
    test::TestChain tc;
    {
        auto store = storage::BlockStore::open(dir.str(), tc.genesis);
        REQUIRE(store.is_ok());
        fill(**store, tc, 2, 3);
    }
    SUBCASE("a missing ledger tree node") {
        leveldb::DB* raw = nullptr;
        REQUIRE(leveldb::DB::Open(leveldb::Options(), dir.str(), &raw).ok());
        std::string key = "t";
        key.push_back('\x01');  // level 1, index 2: leaves 4..5, a peak of the size-6 tree
        for (int i = 0; i < 7; ++i) key.push_back('\0');
        key.push_back('\x02');
        REQUIRE(raw->Delete(leveldb::WriteOptions(), key).ok());
        delete raw;
        auto store = storage::BlockStore::open(dir.str(), tc.genesis);
        REQUIRE_FALSE(store.is_ok());
        CHECK(store.message().find("ledger tree node level 1 index 2") != std::string::npos);
    }
    SUBCASE("a tip pointing past the last block") {
        leveldb::DB* raw = nullptr;
        REQUIRE(leveldb::DB::Open(leveldb::Options(), dir.str(), &raw).ok());
        std::string tip(8, '\0');
        tip[7] = 3;
        REQUIRE(raw->Put(leveldb::WriteOptions(), "m:tip", tip).ok());
        delete raw;
        auto store = storage::BlockStore::open(dir.str(), tc.genesis);
        REQUIRE_FALSE(store.is_ok());
        CHECK(store.message().find("block 3 (the tip) is missing") != std::string::npos);
    }
    SUBCASE("a forged certificate on the tip") {
        leveldb::DB* raw = nullptr;
        REQUIRE(leveldb::DB::Open(leveldb::Options(), dir.str(), &raw).ok());
        std::string key = "q";
        for (int i = 0; i < 7; ++i) key.push_back('\0');
        key.push_back('\x02');
        std::string cert;
        REQUIRE(raw->Get(leveldb::ReadOptions(), key, &cert).ok());
        cert[cert.size() - 5] ^= 1;  // inside the last signature
        REQUIRE(raw->Put(leveldb::WriteOptions(), key, cert).ok());
        delete raw;
        auto store = storage::BlockStore::open(dir.str(), tc.genesis);
        REQUIRE_FALSE(store.is_ok());
        CHECK(store.message().find("commit certificate of block 2") != std::string::npos);
    }
}

namespace {

// Makes the store in `dir` impossible to open (LevelDB's CURRENT names no manifest) until
// the returned function puts it back.
std::function<void()> break_current(const std::string& dir) {
    const std::string path = dir + "/CURRENT";
    std::ifstream in(path, std::ios::binary);
    std::string current((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(current.starts_with("MANIFEST-"));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << "garbage";
    return [path, current] { std::ofstream(path, std::ios::binary | std::ios::trunc) << current; };
}

// Runs `read` in a child process (a store that stops the node exits it); returns its exit
// status, or -1 when it did not exit normally.
int exit_status_of(const std::function<int()>& read, const std::function<void()>& meanwhile = {}) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int code = 1;
        try {
            code = read();
        } catch (...) {
            code = 2;
        }
        _exit(code);  // no destructors: the parent owns the store
    }
    if (meanwhile) meanwhile();
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("a read while a failed reopen left the store closed waits for it to open again, instead of stopping the node") {
    test::TempDir dir;
    test::TestChain tc;
    auto store = storage::BlockStore::open(dir.str(), tc.genesis);
    REQUIRE(store.is_ok());
    fill(**store, tc, 2, 3);
    const auto restore = break_current(dir.str());
    REQUIRE_FALSE((*store)->reopen().is_ok());

    // The store opens again 300 ms into the read (before the fix: exit 74, "damaged").
    const int status = exit_status_of(
        [&] {
            auto block = (*store)->block(2);
            return block && block->header.height == 2 ? 0 : 1;
        },
        [&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            restore();
        });
    CHECK(status == 0);
    // Here too, and writes work again after a reopen.
    CHECK((*store)->block(2));
    REQUIRE((*store)->reopen().is_ok());
    CHECK((*store)->height() == 2);
    CHECK((*store)->add_checkpoint_signature(6, "signer", "a line").is_ok());
}

TEST_CASE("a read of a store that cannot be opened again reports it as unavailable, not as damage") {
    test::TempDir dir;
    test::TestChain tc;
    auto store = storage::BlockStore::open(dir.str(), tc.genesis);
    REQUIRE(store.is_ok());
    fill(**store, tc, 1, 1);
    const auto restore = break_current(dir.str());
    REQUIRE_FALSE((*store)->reopen().is_ok());
    const auto began = std::chrono::steady_clock::now();
    const int status = exit_status_of([&] {
        try {
            (*store)->record(chain::Hash{});
        } catch (const storage::StoreUnavailable& e) {
            return std::string(e.what()).find("retry later") != std::string::npos ? 0 : 3;
        }
        return 1;
    });
    CHECK(status == 0);  // before the fix: 74
    CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(30));
    restore();
    CHECK((*store)->block(1));
}

TEST_CASE("the committed-id filter knows every record committed before and after the store opened") {
    test::TempDir dir;
    test::TestChain tc;
    std::vector<chain::Record> before, after;
    {
        auto store = storage::BlockStore::open(dir.str(), tc.genesis);
        REQUIRE(store.is_ok());
        before = fill(**store, tc, 3, 4);
    }
    auto store = storage::BlockStore::open(dir.str(), tc.genesis);
    REQUIRE(store.is_ok());
    (*store)->wait_for_indexes();  // from here "not committed" comes from the filter alone
    for (const auto& r : before) {
        const chain::Hash id = chain::record_id(default_suite, r);
        CHECK((*store)->has_record(id));
        CHECK((*store)->record(id).has_value());
    }
    // Committed after the filter was filled: commit_block adds them.
    auto frontier = chain::MerkleFrontier::load(default_suite, **store, before.size());
    REQUIRE(frontier.is_ok());
    std::vector<chain::Record> records;
    for (int i = 0; i < 4; ++i) records.push_back(tc.record(before.size() + i, tc.court));
    auto c = tc.block((*store)->height(), chain::block_hash(default_suite, (*store)->block(3)->header), *frontier, records);
    for (const auto& r : records) CHECK_FALSE((*store)->has_record(chain::record_id(default_suite, r)));
    REQUIRE((*store)->commit_block(c.built.block, c.cert, records, c.built.nodes).is_ok());
    for (const auto& r : records) CHECK((*store)->has_record(chain::record_id(default_suite, r)));
    chain::Hash unknown{};
    unknown[0] = 0x5a;
    CHECK_FALSE((*store)->has_record(unknown));
    CHECK_FALSE((*store)->record(unknown).has_value());
}
