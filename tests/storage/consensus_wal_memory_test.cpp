// How much memory opening a large consensus log takes: the heap is counted by replacing
// the global operator new and delete for this test binary (counting only while a test
// asks; the bytes come from malloc_usable_size, so both sides agree).
#include <doctest/doctest.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>

#include "storage/consensus_wal.h"
#include "tests/support/test_chain.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::int64_t> heap_bytes{0};
std::atomic<std::int64_t> heap_peak{0};

void* counted_alloc(std::size_t n) {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (!p) throw std::bad_alloc();
    if (counting.load(std::memory_order_relaxed)) {
        const std::int64_t now = heap_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
        std::int64_t peak = heap_peak.load();
        while (now > peak && !heap_peak.compare_exchange_weak(peak, now)) {}
    }
    return p;
}
void counted_free(void* p) {
    if (!p) return;
    if (counting.load(std::memory_order_relaxed)) heap_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
    std::free(p);
}

// The peak heap above the start while `f` runs, in bytes. Memory freed during `f` that
// was allocated before it counts negative, so only growth is measured.
template <class F>
std::int64_t peak_heap_of(F&& f) {
    heap_bytes = 0;
    heap_peak = 0;
    counting = true;
    f();
    counting = false;
    return heap_peak.load();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

using namespace jchain;

TEST_CASE("opening a large consensus log reads it entry by entry, holding one entry at a time beyond what it returns") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    constexpr std::size_t entries = 48, entry_bytes = 1u << 20;  // a 48 MiB log of 1 MiB entries
    {
        auto wal = storage::ConsensusWal::open(path).value();
        for (std::size_t i = 0; i < entries; ++i)
            REQUIRE(wal->append(Bytes(entry_bytes, static_cast<std::uint8_t>(i))).is_ok());
    }
    REQUIRE(std::filesystem::file_size(path) == entries * (entry_bytes + storage::ConsensusWal::frame_header_bytes));
    // The log's entries are what open() returns; beyond them it may hold a frame or two
    // and a read buffer, never a copy of the file.
    std::size_t returned = 0;
    const std::int64_t peak = peak_heap_of([&] {
        auto wal = storage::ConsensusWal::open(path).value();
        REQUIRE(wal->entries().size() == entries);
        for (const Bytes& e : wal->entries()) returned += e.size();
    });
    MESSAGE("open of a ", entries, " MiB log: peak heap ", peak >> 20, " MiB, entries ", returned >> 20, " MiB");
    CHECK(returned == entries * entry_bytes);
    CHECK(peak <= static_cast<std::int64_t>(returned + 2 * entry_bytes + (1u << 20)));
}

TEST_CASE("a visitor sees each entry as it is read, in bounded memory, and its error stops the open") {
    test::TempDir dir;
    const std::string path = dir / "wal";
    constexpr std::size_t entries = 32, entry_bytes = 1u << 20;
    {
        auto wal = storage::ConsensusWal::open(path).value();
        for (std::size_t i = 0; i < entries; ++i)
            REQUIRE(wal->append(Bytes(entry_bytes, static_cast<std::uint8_t>(i))).is_ok());
        REQUIRE(wal->append(Bytes(3, 0xee)).is_ok());  // a small last one
    }
    std::size_t seen = 0;
    bool in_order = true;
    const std::int64_t peak = peak_heap_of([&] {
        auto wal = storage::ConsensusWal::open(path, [&](ByteSpan e) {
            if (seen < entries) in_order = in_order && e.size() == entry_bytes && e[0] == seen && e.back() == seen;
            else in_order = in_order && e.size() == 3 && e[0] == 0xee;
            ++seen;
            return Status::ok();
        });
        REQUIRE(wal.is_ok());
        CHECK(wal.value()->entries().empty());
        REQUIRE(wal.value()->append(Bytes(5, 1)).is_ok());  // and it appends after the last
    });
    MESSAGE("streamed open of a ", entries, " MiB log: peak heap ", peak, " bytes");
    CHECK(seen == entries + 1);
    CHECK(in_order);
    CHECK(peak <= static_cast<std::int64_t>(entry_bytes + (1u << 20)));
    // Reopened: the appended entry follows the others.
    auto again = storage::ConsensusWal::open(path).value();
    REQUIRE(again->entries().size() == entries + 2);
    CHECK(again->entries().back() == Bytes(5, 1));
    // A visitor that refuses an entry (say, one that does not decode) stops the open.
    std::size_t visited = 0;
    auto refused = storage::ConsensusWal::open(path, [&](ByteSpan) {
        return ++visited == 2 ? Status::error("entry 2 does not decode") : Status::ok();
    });
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.message() == "entry 2 does not decode");
    CHECK(visited == 2);
}
