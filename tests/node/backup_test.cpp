#include <doctest/doctest.h>

#include <sstream>

#include "crypto/hash.h"
#include "node/backup.h"
#include "node/verify_pool.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

using RecordMaker = std::function<chain::Record(std::size_t n)>;

// Commits `blocks` blocks of `per_block` records each (record n from `make`, court
// records by default); returns the records in order.
std::vector<chain::Record> fill(storage::BlockStore& store, const test::TestChain& tc, int blocks, int per_block,
                                RecordMaker make = {}) {
    std::vector<chain::Record> all;
    chain::MerkleFrontier frontier = *chain::MerkleFrontier::load(default_suite, store, 0);
    chain::Hash prev{};
    if (store.height() > 0) {
        auto tip = *store.block(store.height());
        prev = chain::block_hash(default_suite, tip.header);
        frontier = *chain::MerkleFrontier::load(default_suite, store, tip.header.ledger_size);
    }
    for (int b = 0; b < blocks; ++b) {
        std::vector<chain::Record> records;
        for (int i = 0; i < per_block; ++i) {
            const std::size_t n = all.size() + records.size();
            records.push_back(make ? make(n) : tc.record(n, tc.court));
        }
        auto c = tc.block(store.height(), prev, frontier, records);
        REQUIRE(store.commit_block(c.built.block, c.cert, records, c.built.nodes).is_ok());
        frontier = c.built.frontier;
        prev = chain::block_hash(default_suite, c.built.block.header);
        all.insert(all.end(), records.begin(), records.end());
    }
    return all;
}

std::unique_ptr<storage::BlockStore> open_store(const test::TempDir& dir, const chain::Genesis& genesis,
                                                const std::string& name = "store") {
    auto store = storage::BlockStore::open(dir / name, genesis);
    REQUIRE(store.is_ok());
    return std::move(*store);
}

std::string export_string(const storage::BlockStore& store, const chain::Genesis& genesis,
                          node::ExportOptions options = {}) {
    std::ostringstream out;
    auto source = node::store_block_source(store);
    auto s = node::export_chain(*source, genesis, out, options);
    REQUIRE(s.is_ok());
    return out.str();
}

node::ImportSummary import_string(storage::BlockStore& store, const chain::Genesis& genesis, const std::string& file,
                                  node::ImportOptions options = {}) {
    std::istringstream in(file);
    node::VerifyPool pool(2);
    node::PoolVerifier verifier(pool, default_suite);
    auto s = node::import_chain(store, genesis, in, verifier, options);
    REQUIRE(s.is_ok());
    return *s;
}

// The offset of the only occurrence of `needle` in `file`.
std::size_t find_once(const std::string& file, ByteSpan needle) {
    const std::string n(needle.begin(), needle.end());
    const std::size_t at = file.find(n);
    REQUIRE(at != std::string::npos);
    REQUIRE(file.find(n, at + 1) == std::string::npos);
    return at;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Read-ahead windows to run an import with: the default, one block at a time, and a
// window closed by its record bound.
std::vector<std::pair<std::string, node::ImportOptions>> windows() {
    node::ImportOptions one_block, two_records;
    one_block.window_blocks_max = 1;
    two_records.window_records_max = 2;
    return {{"default", {}}, {"one-block", one_block}, {"two-records", two_records}};
}

}  // namespace

TEST_CASE("an exported chain imports into an empty store with the same tip, ledger, records and certificates") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    auto records = fill(*source, tc, 6, 3);
    const std::string file = export_string(*source, tc.genesis);
    CHECK(file.compare(0, 8, "JCHAINBK") == 0);

    for (const auto& [label, options] : windows()) {
        const std::string& name = label;  // clang 14 cannot capture a structured binding
        CAPTURE(name);
        auto target = open_store(dir, tc.genesis, "target-" + name);
        auto s = import_string(*target, tc.genesis, file, options);
        CHECK_FALSE(s.problem);
        CHECK(s.imported == 6);
        CHECK(s.blocks_read == 6);
        CHECK(s.records_imported == 18);
        CHECK(target->height() == 6);
        const auto tip = *source->block(6);
        CHECK(chain::block_hash(default_suite, target->block(6)->header) == chain::block_hash(default_suite, tip.header));
        CHECK(s.last_block_hash == chain::block_hash(default_suite, tip.header));
        CHECK(s.ledger_size == 18);
        CHECK(s.ledger_root == tip.header.ledger_root);
        CHECK(*chain::merkle_root_at(default_suite, *target, 18) == tip.header.ledger_root);
        CHECK(target->certificate(6)->signatures[0].signature == source->certificate(6)->signatures[0].signature);
        for (const auto& r : records) CHECK(target->has_record(chain::record_id(default_suite, r)));

        // Again into the same store: every block is already held, nothing changes.
        auto again = import_string(*target, tc.genesis, file, options);
        CHECK_FALSE(again.problem);
        CHECK(again.already_held == 6);
        CHECK(again.imported == 0);
        CHECK(target->height() == 6);
    }
}

TEST_CASE("the file is laid out as docs/backup.md says: header, length-prefixed frames, count and SHA-256") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    fill(*source, tc, 2, 1);
    const std::string file = export_string(*source, tc.genesis);
    auto u32_at = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint8_t>(file[at + i]);
        return v;
    };
    CHECK(u32_at(8) == node::backup_format_version);
    CHECK(u32_at(12) == tc.genesis.chain_id.size());
    std::size_t at = 16 + tc.genesis.chain_id.size();
    const chain::Hash g = chain::genesis_hash(tc.genesis);
    CHECK(file.compare(at, 32, std::string(g.begin(), g.end())) == 0);
    at += 32 + 8;
    CHECK(file.compare(at - 8, 8, std::string("\0\0\0\0\0\0\0\1", 8)) == 0);  // first height 1
    for (std::uint64_t h = 1; h <= 2; ++h) {
        const std::uint32_t len = u32_at(at);
        auto decoded = consensus::decode_certified(as_bytes(std::string_view(file).substr(at + 4, len)));
        REQUIRE(decoded);
        CHECK(decoded->value->block.header.height == h);
        at += 4 + len;
    }
    CHECK(u32_at(at) == 0);
    CHECK(file.compare(at + 4, 8, std::string("\0\0\0\0\0\0\0\2", 8)) == 0);
    at += 12;
    REQUIRE(file.size() == at + 32);
    const chain::Hash sum = crypto::sha256(as_bytes(std::string_view(file).substr(0, at)));
    CHECK(file.compare(at, 32, std::string(sum.begin(), sum.end())) == 0);
}

TEST_CASE("a flipped byte in a record stops the import at its block, naming the block and the rule") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    auto records = fill(*source, tc, 6, 2);
    std::string file = export_string(*source, tc.genesis);
    const chain::Record& victim = records[7];  // block 4
    std::string rule;
    SUBCASE("in its signature") {
        file[find_once(file, victim.signature.bytes) + 10] ^= 0x01;
        rule = "signature";
    }
    SUBCASE("in its content hash") {
        file[find_once(file, victim.content_hash) + 3] ^= 0x80;
        rule = "record_id";
    }
    REQUIRE_FALSE(rule.empty());
    for (const auto& [label, options] : windows()) {
        const std::string& name = label;  // clang 14 cannot capture a structured binding
        CAPTURE(name);
        auto target = open_store(dir, tc.genesis, "target-" + name);
        auto s = import_string(*target, tc.genesis, file, options);
        REQUIRE(s.problem);
        CHECK(s.problem->fault == node::ImportFault::block);
        CHECK(s.problem->height == 4);
        CHECK_MESSAGE(contains(s.problem->message, "block 4 breaks rule " + rule + ":"), s.problem->message);
        CHECK(contains(s.problem->message, "keeps blocks 1..3"));
        CHECK(target->height() == 3);
        CHECK(s.imported == 3);
        CHECK_FALSE(target->has_record(chain::record_id(default_suite, victim)));
    }
}

TEST_CASE("a block that breaks the rule is refused even with a valid certificate and checksum") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    fill(*source, tc, 2, 2);
    // Block 3 holds a record by someone who is not a member; its certificate is genuine.
    fill(*source, tc, 1, 1, [&](std::size_t n) { return tc.record(n, tc.outsider); });
    fill(*source, tc, 1, 1);
    const std::string file = export_string(*source, tc.genesis);
    auto target = open_store(dir, tc.genesis, "target");
    auto s = import_string(*target, tc.genesis, file);
    REQUIRE(s.problem);
    CHECK(s.problem->fault == node::ImportFault::block);
    CHECK_MESSAGE(contains(s.problem->message, "block 3 breaks rule member:"), s.problem->message);
    CHECK(target->height() == 2);
}

TEST_CASE("a block whose certificate is forged is refused") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    fill(*source, tc, 3, 1);
    std::string file = export_string(*source, tc.genesis);
    file[find_once(file, source->certificate(2)->signatures[0].signature.bytes) + 20] ^= 0x04;
    auto target = open_store(dir, tc.genesis, "target");
    auto s = import_string(*target, tc.genesis, file);
    REQUIRE(s.problem);
    CHECK(s.problem->fault == node::ImportFault::certificate);
    CHECK_MESSAGE(contains(s.problem->message, "block 2 has a bad commit certificate"), s.problem->message);
    CHECK(target->height() == 1);
}

TEST_CASE("a truncated file is refused, the blocks before the cut kept, and a later import continues") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    auto records = fill(*source, tc, 6, 2);
    const std::string file = export_string(*source, tc.genesis);
    SUBCASE("cut inside block 4") {
        for (const auto& [label, options] : windows()) {
            const std::string& name = label;  // clang 14 cannot capture a structured binding
            CAPTURE(name);
            auto target = open_store(dir, tc.genesis, "target-" + name);
            const std::size_t cut = find_once(file, records[6].signature.bytes);  // block 4's first record
            auto s = import_string(*target, tc.genesis, file.substr(0, cut), options);
            REQUIRE(s.problem);
            CHECK(s.problem->fault == node::ImportFault::truncated);
            CHECK_MESSAGE(contains(s.problem->message, "ends inside block 4"), s.problem->message);
            CHECK(target->height() == 3);
            auto rest = import_string(*target, tc.genesis, file, options);
            CHECK_FALSE(rest.problem);
            CHECK(rest.already_held == 3);
            CHECK(rest.imported == 3);
            CHECK(target->height() == 6);
        }
    }
    auto target = open_store(dir, tc.genesis, "target");
    SUBCASE("cut between frames, before the trailer") {
        const std::size_t trailer = file.size() - 32 - 8 - 4;
        auto s = import_string(*target, tc.genesis, file.substr(0, trailer));
        REQUIRE(s.problem);
        CHECK(s.problem->fault == node::ImportFault::truncated);
        CHECK_MESSAGE(contains(s.problem->message, "ends before block 7 or the trailer"), s.problem->message);
        CHECK(target->height() == 6);
    }
    SUBCASE("cut inside the trailer") {
        auto s = import_string(*target, tc.genesis, file.substr(0, file.size() - 1));
        REQUIRE(s.problem);
        CHECK(s.problem->fault == node::ImportFault::truncated);
        CHECK(contains(s.problem->message, "inside its trailer"));
        CHECK(target->height() == 6);
    }
    SUBCASE("cut inside the header") {
        auto s = import_string(*target, tc.genesis, file.substr(0, 20));
        REQUIRE(s.problem);
        CHECK(s.problem->fault == node::ImportFault::header);
        CHECK(target->height() == 0);
    }
}

TEST_CASE("a file of another genesis, or not a backup at all, is refused before anything is imported") {
    test::TempDir dir;
    test::TestChain tc;
    auto target = open_store(dir, tc.genesis, "target");
    std::string expect;
    std::string file;
    SUBCASE("another chain id") {
        test::TestChain other;
        other.genesis.chain_id = "another-chain";
        auto source = open_store(dir, other.genesis, "source");
        fill(*source, other, 2, 1);
        file = export_string(*source, other.genesis);
        expect = "the backup is of chain 'another-chain'";
    }
    SUBCASE("the same chain id, another genesis") {
        test::TestChain other;
        other.genesis.genesis_time_ms += 1;
        auto source = open_store(dir, other.genesis, "source");
        fill(*source, other, 2, 1);
        file = export_string(*source, other.genesis);
        expect = "this home's genesis is chain 'jchain-test'";
    }
    SUBCASE("no magic") {
        file = "{\"format\": \"not a backup\"}";
        expect = "not a JChain backup";
    }
    SUBCASE("a later format version") {
        auto source = open_store(dir, tc.genesis, "source");
        fill(*source, tc, 1, 1);
        file = export_string(*source, tc.genesis);
        file[11] = 2;
        expect = "backup format version 2 is not supported";
    }
    auto s = import_string(*target, tc.genesis, file);
    REQUIRE(s.problem);
    CHECK(s.problem->fault == node::ImportFault::header);
    CHECK_MESSAGE(contains(s.problem->message, expect), s.problem->message);
    CHECK(s.imported == 0);
    CHECK(target->height() == 0);
}

TEST_CASE("a bad trailer is reported after the blocks, which stay: each was checked on its own") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    fill(*source, tc, 4, 2);
    std::string file = export_string(*source, tc.genesis);
    std::string expect;
    SUBCASE("a flipped checksum byte") {
        file.back() ^= 0x01;
        expect = "the trailer's SHA-256 does not match the file";
    }
    SUBCASE("a flipped byte in the block count, which only the checksum covers") {
        file[file.size() - 33] ^= 0x01;  // the low byte of the block count
        expect = "the trailer's SHA-256 does not match the file";
    }
    SUBCASE("a wrong block count under a recomputed checksum") {
        const std::size_t count_at = file.size() - 32 - 8;
        file[count_at + 7] = 9;
        const chain::Hash sum = crypto::sha256(as_bytes(std::string_view(file).substr(0, file.size() - 32)));
        file.replace(file.size() - 32, 32, std::string(sum.begin(), sum.end()));
        expect = "the trailer says 9 blocks, the file holds 4";
    }
    SUBCASE("bytes after the trailer") {
        file += "x";
        expect = "bytes follow the trailer";
    }
    auto target = open_store(dir, tc.genesis, "target");
    auto s = import_string(*target, tc.genesis, file);
    REQUIRE(s.problem);
    CHECK_MESSAGE(contains(s.problem->message, expect), s.problem->message);
    CHECK(target->height() == 4);
    CHECK(s.imported == 4);
}

TEST_CASE("a store that is not a prefix of the file's chain is refused") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    fill(*source, tc, 4, 1);
    SUBCASE("another chain of the same genesis") {
        const std::string file = export_string(*source, tc.genesis);
        auto target = open_store(dir, tc.genesis, "target");
        fill(*target, tc, 2, 1, [&](std::size_t n) { return tc.record(n + 100, tc.court); });
        auto s = import_string(*target, tc.genesis, file);
        REQUIRE(s.problem);
        CHECK(s.problem->fault == node::ImportFault::not_prefix);
        CHECK_MESSAGE(contains(s.problem->message, "the store's block 1"), s.problem->message);
        CHECK(target->height() == 2);
    }
    SUBCASE("a file that starts past the store's tip + 1, then one that fits") {
        node::ExportOptions from3;
        from3.from_height = 3;
        const std::string file = export_string(*source, tc.genesis, from3);
        auto target = open_store(dir, tc.genesis, "target");
        auto s = import_string(*target, tc.genesis, file);
        REQUIRE(s.problem);
        CHECK(s.problem->fault == node::ImportFault::not_prefix);
        CHECK(contains(s.problem->message, "starts at block 3"));
        node::ExportOptions to2;
        to2.to_height = 2;
        CHECK_FALSE(import_string(*target, tc.genesis, export_string(*source, tc.genesis, to2)).problem);
        auto rest = import_string(*target, tc.genesis, file);
        CHECK_FALSE(rest.problem);
        CHECK(rest.imported == 2);
        CHECK(chain::block_hash(default_suite, target->block(4)->header) == chain::block_hash(default_suite, source->block(4)->header));
    }
}

TEST_CASE("export refuses a range beyond the tip and writes an empty chain as header and trailer") {
    test::TempDir dir;
    test::TestChain tc;
    auto source = open_store(dir, tc.genesis, "source");
    auto src = node::store_block_source(*source);
    std::ostringstream out;
    node::ExportOptions beyond;
    beyond.to_height = 1;
    CHECK_FALSE(node::export_chain(*src, tc.genesis, out, beyond).is_ok());
    const std::string empty = export_string(*source, tc.genesis);
    auto target = open_store(dir, tc.genesis, "target");
    auto s = import_string(*target, tc.genesis, empty);
    CHECK_FALSE(s.problem);
    CHECK(s.imported == 0);
    CHECK(s.last_block_hash == chain::genesis_hash(tc.genesis));
}
