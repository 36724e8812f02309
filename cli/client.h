// The commands that talk to a node as a client: submit, verify, status, audit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/common.h"

namespace jchain::cli {

struct SubmitArgs {
    std::string key_file, kind, file, hash, case_id, case_key_file, rpc = default_rpc(), receipt_out;
    std::vector<std::string> meta, refs;
    bool wait = false;
    int timeout_s = 60;
};

// Blinds the case id and commits each metadata value before signing (docs/privacy.md);
// the clear values, salts and case key go into the receipt's disclosure only.
int cmd_submit(const SubmitArgs& a, bool as_json);

// Case keys (docs/privacy.md, "Case keys"): a member's are kept in `cases/` beside its key
// file, one file of mode 0600 per case, created by the first `submit --case`.
// show: prints (or writes to `out`, mode 0600) the hand-over file {case_id, case_key}.
int cmd_case_key_show(const std::string& key_file, const std::string& case_id, const std::string& out);
// import: keeps a hand-over file's key; refuses a different key for a case already held.
int cmd_case_key_import(const std::string& key_file, const std::string& in);
// The records of a case, asked for by its tag: computed from the case id and its key
// (from the key store beside `key_file`, or the hand-over file `case_key_file`), or given.
int cmd_case_history(const std::string& key_file, const std::string& case_key_file, const std::string& case_id,
                     const std::string& tag, const std::string& rpc, bool as_json);
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
