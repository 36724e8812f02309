// The commands that run or maintain a node: start (and devnet), export, import.
#pragma once

#include <cstdint>
#include <string>

#include "cli/common.h"

namespace jchain::cli {

// Runs the node in `home` until SIGINT or SIGTERM.
int run_node(const std::string& home);
std::string default_devnet_home();

struct ExportArgs {
    std::string home, rpc, out;
    std::string key_file;  // with rpc: signs get_block and get_record (else $JCHAIN_READ_KEY)
    std::uint64_t from = 1, to = 0;  // to == 0: the tip
};

int cmd_export(const ExportArgs& a, bool as_json);
int cmd_import(const std::string& home, const std::string& in_file, bool as_json);

}  // namespace jchain::cli
