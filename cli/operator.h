// The commands that run or maintain a node: start (and devnet), export, import.
#pragma once

#include <cstdint>
#include <string>

#include "cli/common.h"

namespace jchain::cli {

// Runs the node in `home` until SIGINT or SIGTERM.
int run_node(const std::string& home);
std::string default_devnet_home();

// `jchain config check --home DIR`: node.toml, genesis.json and the node key checked as
// `jchain start` checks them (node::check_home: the same errors in the same words), with
// no store opened, so it runs beside a live node. Exit 0 when start would accept them,
// 2 (as start) when not.
int cmd_config_check(const std::string& home, bool as_json);

struct ExportArgs {
    std::string home, rpc, out;
    std::string key_file;  // with rpc: signs get_block and get_record (else $JCHAIN_READ_KEY)
    std::uint64_t from = 1, to = 0;  // to == 0: the tip
};

int cmd_export(const ExportArgs& a, bool as_json);
int cmd_import(const std::string& home, const std::string& in_file, bool as_json);

}  // namespace jchain::cli
