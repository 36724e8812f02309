// Transparency for outsiders (docs/checkpoints.md): `jchain monitor` follows nodes'
// signed checkpoints and raises an alarm on a split view or a rewound log; with a
// witness key it cosigns what it checked. `jchain witness keygen` makes that key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/common.h"

namespace jchain::cli {

struct MonitorArgs {
    std::vector<std::string> rpcs;
    std::string state_file, genesis_file, witness_key_file;
    std::string key_file;  // signs the watch's get_block and get_record (else $JCHAIN_READ_KEY)
    std::vector<std::string> witnesses;  // vkeys whose cosignatures count
    std::vector<std::string> watch_members, watch_cases;
    std::vector<std::string> notes;      // files of signed notes someone presented, to check
    std::uint64_t watch_from = 0;  // 0: from the tip at first run
    std::uint64_t interval_ms = 5000;
    bool once = false;
};

int cmd_monitor(const MonitorArgs& a);
// Fetches a record's receipt into `out`, optionally with a checkpoint.
int cmd_receipt(const std::string& rpc, const std::string& id, const std::string& out, bool checkpoint, bool as_json);
int cmd_witness_keygen(const std::string& name, const std::string& out, bool as_json);

}  // namespace jchain::cli
