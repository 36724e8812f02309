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

std::string scratch_file() {
    const char* dir = std::getenv("JCHAIN_FUZZ_TMP");
    std::filesystem::path base = dir ? dir : (std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path());
    return (base / ("jchain-fuzz-node-" + std::to_string(::getpid()) + ".toml")).string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = scratch_file();
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
