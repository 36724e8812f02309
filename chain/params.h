// ChainParams: the chain's own limits and timings, fixed in genesis (docs/genesis.md)
// and part of the genesis hash. Every value here can make two nodes disagree about a
// block if they differ, which is why none of them lives in node.toml. Each may be set up
// to its compile-time ceiling (chain/limits.h); check_params refuses anything else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chain/limits.h"

namespace jchain::chain {

struct ChainParams {
    // Block validity (chain/validity.h).
    std::uint64_t block_records_max = limits::block_records_ceiling;
    std::uint64_t block_bytes_max = 16u << 20;  // sum of the records' wire bytes
    std::uint64_t record_bytes_max = limits::record_signed_bytes_ceiling;  // a record's signed bytes
    // A record's client_time_ms must be within this of its block's time.
    std::uint64_t client_time_window_ms = 10 * 60 * 1000;
    // A proposed block's time must be within this of a validator's clock for its prevote
    // (timeliness, docs/consensus.md "Block time"); not part of committed validity.
    std::uint64_t block_time_drift_ms = 2000;

    // Consensus timeouts (consensus/pacemaker.h): base and growth per round. The same on
    // every validator so rounds line up; they never decide validity.
    std::uint64_t timeout_propose_ms = 1000;
    std::uint64_t timeout_propose_delta_ms = 500;
    std::uint64_t timeout_prevote_ms = 500;
    std::uint64_t timeout_prevote_delta_ms = 250;
    std::uint64_t timeout_precommit_ms = 500;
    std::uint64_t timeout_precommit_delta_ms = 250;

    // Receipts (docs/checkpoints.md "Witnessed checkpoints"): how many of the witnesses in
    // force must cosign a checkpoint for it to be witnessed. Never above their number, or
    // 1 while there are none (genesis and governance check it); unused while there are none.
    std::uint64_t witness_quorum = 1;

    bool operator==(const ChainParams&) const = default;
};

// nullopt when every value is within its bounds and the values agree with each other;
// otherwise one line naming the value ("params.block_bytes_max ...").
std::optional<std::string> check_params(const ChainParams& params);

}  // namespace jchain::chain
