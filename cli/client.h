// The commands that talk to a node as a client: submit, verify, status, audit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/common.h"

namespace jchain::cli {

struct SubmitArgs {
    std::string key_file, kind, file, hash, case_id, rpc = default_rpc(), receipt_out;
    std::vector<std::string> meta, refs;
    bool wait = false;
    int timeout_s = 60;
};

int cmd_submit(const SubmitArgs& a, bool as_json);
int cmd_verify_online(const std::string& file, const std::string& hash, const std::string& rpc, bool as_json);
// Offline: the receipt against genesis alone (and the file, when given).
int cmd_verify_receipt(const std::string& receipt_file, const std::string& genesis_file, const std::string& file,
                       bool as_json, const std::vector<std::string>& witness_vkeys = {}, bool accept_validators_only = false);
int cmd_status(const std::string& rpc, bool as_json);

struct AuditArgs {
    std::string home, rpc, genesis_file, report_file;
    std::string key_file;  // with rpc: signs get_block and get_record (else $JCHAIN_READ_KEY)
    std::uint64_t from = 1, to = 0;  // to == 0: the tip
};

// Replays the chain from a stopped node's store (home) or a node's RPC, against genesis.
int cmd_audit(const AuditArgs& a, bool as_json);

}  // namespace jchain::cli
