// node.toml (node/config.h): parse_config on arbitrary text, and load_config on the same
// text written to a file. Checks: both agree (the same settings, or both refuse); a
// config that loads is written by config_to_toml (as `jchain init` does) to text that
// loads to the same config.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fuzz_support.h"
#include "node/config.h"

using namespace jchain;

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
        return (base / ("jchain-fuzz-node-" + std::to_string(::getpid()) + ".toml")).string();
    }());
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratch_path();
    const std::string text = fuzz::string_of(data, size);
    auto parsed = node::parse_config(text, path);
    {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }
    auto loaded = node::load_config(path);
    FUZZ_CHECK(static_cast<bool>(parsed) == static_cast<bool>(loaded));
    if (!parsed) return 0;
    const std::string once = node::config_to_toml(*parsed);
    FUZZ_CHECK(node::config_to_toml(*loaded) == once);
    auto again = node::parse_config(once);
    FUZZ_CHECK(again);
    FUZZ_CHECK(node::config_to_toml(*again) == once);
    return 0;
}
