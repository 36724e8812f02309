// The block-filling policy: when the proposer of a round should cut a block from the
// mempool, and how many records it takes. Pure and clock-free: callers pass `now_ms`.
// Which block commits is the engine's decision (engine.h, docs/consensus.md); this only
// says when one is due. (The file name is from the single-validator days.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace jchain::consensus {

struct BlockPolicy {
    std::size_t block_records_max = 4000;      // a full block goes out at once
    std::uint64_t block_interval_ms = 100;     // a non-empty block waits at most this long
    std::uint64_t empty_block_interval_ms = 0;  // 0: never cut an empty block
};

// How many pending records the next block should take now, or 0 to wait.
// `last_block_ms` is when the previous block was cut (node time); `oldest_pending_ms`
// when the oldest pending record arrived.
std::size_t records_to_cut(const BlockPolicy& policy, std::uint64_t now_ms, std::uint64_t last_block_ms,
                           std::size_t pending, std::uint64_t oldest_pending_ms);

// True when an empty block is due (policy.empty_block_interval_ms > 0 and elapsed).
bool empty_block_due(const BlockPolicy& policy, std::uint64_t now_ms, std::uint64_t last_block_ms);

// Block time: the proposer's clock, but strictly after the previous block.
std::uint64_t block_time_ms(std::uint64_t now_ms, std::uint64_t prev_block_time_ms);

}  // namespace jchain::consensus
