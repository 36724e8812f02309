#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "storage/consensus_wal.h"
#include "tests/support/test_chain.h"

using namespace jchain;

namespace {
Bytes entry(int i, std::size_t size) { return Bytes(size, static_cast<std::uint8_t>(i)); }

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), {});
}

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Writes a log holding `sizes.size()` entries and returns the offset where each frame
// starts, plus the file size at the end.
std::vector<std::size_t> write_log(const std::string& path, const std::vector<std::size_t>& sizes) {
    std::vector<std::size_t> starts{0};
    auto wal = storage::ConsensusWal::open(path).value();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        REQUIRE(wal->append(entry(static_cast<int>(i) + 1, sizes[i])).is_ok());
        starts.push_back(std::filesystem::file_size(path));
    }
    return starts;
}
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

TEST_CASE("a flipped byte in any frame but the last fails open, naming the file and frame, cutting nothing") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    // An empty entry in the middle, and lengths small enough that some flip of the low
    // length byte makes each middle frame end exactly at the end of the file, others
    // make it shorter, longer, or reach past the end.
    const std::vector<std::size_t> starts = write_log(path, {9, 0, 30, 12});
    const Bytes original = read_file(path);
    const std::size_t last = starts[starts.size() - 2];
    std::size_t frame = 0;
    for (std::size_t at = 0; at < last; ++at) {
        while (starts[frame + 1] <= at) ++frame;
        // Every value of the low length byte; elsewhere (high length bytes, checksum,
        // payload) any change takes the same path, and each open syncs a directory.
        const bool low_length_byte = at == starts[frame] + 3;
        for (int mask = 1; mask < 256; ++mask) {
            if (!low_length_byte && mask != 0x01 && mask != 0x80 && mask != 0xff) continue;
            CAPTURE(at);
            CAPTURE(mask);
            Bytes bad = original;
            bad[at] ^= static_cast<std::uint8_t>(mask);
            write_file(path, bad);
            auto wal = storage::ConsensusWal::open(path);
            REQUIRE_FALSE(wal.is_ok());
            const std::string& m = wal.message();
            CHECK(m.find(path) != std::string::npos);
            CHECK(m.find(" at byte offset " + std::to_string(starts[frame]) + " (") != std::string::npos);
            CHECK(m.find("refuses to start") != std::string::npos);
            REQUIRE(read_file(path) == bad);
        }
    }
}

TEST_CASE("zeros after the last whole frame are a torn tail and are cut") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    write_log(path, {9, 0, 30});
    const Bytes original = read_file(path);
    for (std::size_t zeros : {1, 11, 12, 13, 44, 4096}) {
        CAPTURE(zeros);
        Bytes padded = original;
        padded.resize(original.size() + zeros, 0);
        write_file(path, padded);
        auto wal = storage::ConsensusWal::open(path).value();
        REQUIRE(wal->entries().size() == 3);
        CHECK(wal->entries()[2] == entry(3, 30));
        CHECK(wal->truncated_bytes() == zeros);
        CHECK(read_file(path) == original);
    }
}

TEST_CASE("a last frame whose length field reaches past the end of the file is a torn tail and is cut") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    const std::vector<std::size_t> starts = write_log(path, {9, 20, 20});
    const Bytes original = read_file(path);
    const std::size_t last = starts[2];
    const Bytes kept(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(last));
    // Length 20 (0x14) becomes 0x80000014, 0x00800014, 0x00008014 or 0x94 (one high
    // bit flipped in each length byte), or 0xffffffff (garbage from a torn write).
    for (std::size_t at = last; at <= last + 4; ++at) {
        CAPTURE(at);
        Bytes bad = original;
        if (at < last + 4) {
            bad[at] ^= 0x80;
        } else {
            std::fill_n(bad.begin() + static_cast<std::ptrdiff_t>(last), 4, 0xff);
        }
        write_file(path, bad);
        auto wal = storage::ConsensusWal::open(path).value();
        REQUIRE(wal->entries().size() == 2);
        CHECK(wal->entries()[1] == entry(2, 20));
        CHECK(wal->truncated_bytes() == original.size() - last);
        CHECK(read_file(path) == kept);
    }
}

TEST_CASE("a last frame whose length field shrank is read as a whole frame with bytes after it: corrupt") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    const std::vector<std::size_t> starts = write_log(path, {9, 20, 20});
    Bytes bad = read_file(path);
    bad[starts[2] + 3] = 19;  // was 20: a partial write leaves 20 or zeros here, bit rot may not
    write_file(path, bad);
    auto wal = storage::ConsensusWal::open(path);
    REQUIRE_FALSE(wal.is_ok());
    CHECK(wal.message().find(" at byte offset " + std::to_string(starts[2]) + " (") != std::string::npos);
    CHECK(read_file(path) == bad);
}

TEST_CASE("a restart that cannot write its new log leaves the old log in place and in use") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    auto wal = storage::ConsensusWal::open(path).value();
    REQUIRE(wal->append(entry(1, 5)).is_ok());
    std::filesystem::create_directory(path + ".new");  // the temporary file cannot be created
    const Status s = wal->restart(entry(2, 5));
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message().find(path + ".new") != std::string::npos);
    REQUIRE(wal->append(entry(3, 5)).is_ok());
    auto again = storage::ConsensusWal::open(path).value();
    REQUIRE(again->entries().size() == 2);
    CHECK(again->entries()[0] == entry(1, 5));
    CHECK(again->entries()[1] == entry(3, 5));
}
