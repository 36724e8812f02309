// The consensus log (storage/consensus_wal.h) replayed from an arbitrary file: the input
// is written to a scratch file, opened with ConsensusWal::open, and every entry found is
// decoded with consensus::decode_wal_entry, as the node replays it at start
// (node/consensus_driver.cpp). Checks: open returns an error or entries, never crashes;
// after a successful open the file is exactly the frames of the entries it reported
// (a torn tail cut, nothing else), a second open finds the same entries and nothing to
// cut, and an append after it is found by the next open.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "consensus/codec.h"
#include "fuzz_support.h"
#include "storage/consensus_wal.h"

using namespace jchain;
using storage::ConsensusWal;

namespace {

// This process's scratch file, removed when it exits (libFuzzer ends with exit()). The
// name is never destroyed: the exit handler, registered while it is made, runs after
// the destructors of statics made later.
const std::string& scratch_path() {
    static const std::string& path = *new std::string([] {
        const char* dir = std::getenv("JCHAIN_FUZZ_TMP");
        const std::filesystem::path base =
            dir ? dir : (std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path());
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove(scratch_path(), ec);
            std::filesystem::remove(scratch_path() + ".new", ec);
        });
        return (base / ("jchain-fuzz-wal-" + std::to_string(::getpid()))).string();
    }());
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratch_path();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        FUZZ_CHECK(out.good());
    }
    auto wal = ConsensusWal::open(path);
    if (!wal) {
        // Refused as corrupt: nothing was cut.
        FUZZ_CHECK(std::filesystem::file_size(path) == size);
        return 0;
    }
    const std::vector<Bytes> entries = (*wal)->entries();
    std::size_t framed = 0;
    for (const auto& e : entries) {
        framed += ConsensusWal::frame_header_bytes + e.size();
        (void)consensus::decode_wal_entry(e);
    }
    FUZZ_CHECK(framed + (*wal)->truncated_bytes() == size);
    FUZZ_CHECK(std::filesystem::file_size(path) == framed);
    const Bytes extra = {0x03, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1};  // a WalRound
    FUZZ_CHECK((*wal)->append(extra));
    wal->reset();

    auto reopened = ConsensusWal::open(path);
    FUZZ_CHECK(reopened);
    FUZZ_CHECK((*reopened)->truncated_bytes() == 0);
    FUZZ_CHECK((*reopened)->entries().size() == entries.size() + 1);
    FUZZ_CHECK(std::equal(entries.begin(), entries.end(), (*reopened)->entries().begin()));
    FUZZ_CHECK((*reopened)->entries().back() == extra);
    return 0;
}
