#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "storage/consensus_wal.h"
#include "tests/support/test_chain.h"

using namespace jchain;

namespace {
Bytes entry(int i, std::size_t size) { return Bytes(size, static_cast<std::uint8_t>(i)); }
}  // namespace

TEST_CASE("the consensus log returns its entries after a reopen and restarts with a new first entry") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    {
        auto wal = storage::ConsensusWal::open(path).value();
        CHECK(wal->entries().empty());
        for (int i = 0; i < 5; ++i) REQUIRE(wal->append(entry(i, 10 + i)).is_ok());
    }
    {
        auto wal = storage::ConsensusWal::open(path).value();
        REQUIRE(wal->entries().size() == 5);
        CHECK(wal->entries()[3] == entry(3, 13));
        CHECK(wal->truncated_bytes() == 0);
        REQUIRE(wal->restart(entry(9, 4)).is_ok());
        REQUIRE(wal->append(entry(8, 3)).is_ok());
    }
    auto wal = storage::ConsensusWal::open(path).value();
    REQUIRE(wal->entries().size() == 2);
    CHECK(wal->entries()[0] == entry(9, 4));
    CHECK(wal->entries()[1] == entry(8, 3));
}

TEST_CASE("a log cut at any byte reopens with every whole entry before the cut, and accepts appends") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    std::vector<std::size_t> ends;  // file size after each entry
    {
        auto wal = storage::ConsensusWal::open(path).value();
        for (int i = 0; i < 4; ++i) {
            REQUIRE(wal->append(entry(i, 7 * (i + 1))).is_ok());
            ends.push_back(std::filesystem::file_size(path));
        }
    }
    const auto full = std::filesystem::file_size(path);
    std::ifstream in(path, std::ios::binary);
    const Bytes original((std::istreambuf_iterator<char>(in)), {});
    for (std::size_t cut = 0; cut <= full; ++cut) {
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(original.data()), static_cast<std::streamsize>(cut));
        }
        std::size_t whole = 0;
        while (whole < ends.size() && ends[whole] <= cut) ++whole;
        auto wal = storage::ConsensusWal::open(path).value();
        REQUIRE(wal->entries().size() == whole);
        CHECK(wal->truncated_bytes() == cut - (whole ? ends[whole - 1] : 0));
        REQUIRE(wal->append(entry(7, 5)).is_ok());
        auto again = storage::ConsensusWal::open(path).value();
        REQUIRE(again->entries().size() == whole + 1);
        CHECK(again->entries().back() == entry(7, 5));
    }
}

TEST_CASE("a flipped byte in the last entry cuts that entry, not the ones before") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    {
        auto wal = storage::ConsensusWal::open(path).value();
        REQUIRE(wal->append(entry(1, 20)).is_ok());
        REQUIRE(wal->append(entry(2, 20)).is_ok());
    }
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-3, std::ios::end);
        f.put('\x55');
    }
    auto wal = storage::ConsensusWal::open(path).value();
    REQUIRE(wal->entries().size() == 1);
    CHECK(wal->entries()[0] == entry(1, 20));
    CHECK(wal->truncated_bytes() == 32);
}
