// `jchain governance propose|approve|list`: validators change the chain's members,
// validators, policy and parameters by vote (docs/governance.md).
#pragma once

#include <cstdint>
#include <string>

#include "chain/state.h"
#include "cli/common.h"

namespace jchain::cli {

struct GovernanceArgs {
    std::string key_file, rpc = default_rpc(), proposal, state;
    chain::GovAction action;
    std::string public_key, new_public_key, roles, kind;  // as given, parsed by the command
    std::string witness;                                  // add-witness, remove-witness: a verifier key
    std::uint64_t expires_after = 0;                      // 0: the chain's default
    bool wait = false;
    int timeout_s = 60;
};

int cmd_governance_propose(GovernanceArgs a, bool as_json);
int cmd_governance_approve(const GovernanceArgs& a, bool as_json);
int cmd_governance_list(const GovernanceArgs& a, bool as_json);

}  // namespace jchain::cli
