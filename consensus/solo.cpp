#include "consensus/solo.h"

#include <algorithm>

namespace jchain::consensus {

std::size_t records_to_cut(const BlockPolicy& policy, std::uint64_t now_ms, std::uint64_t /*last_block_ms*/,
                           std::size_t pending, std::uint64_t oldest_pending_ms) {
    if (pending == 0) return 0;
    if (pending >= policy.block_records_max) return policy.block_records_max;
    if (now_ms >= oldest_pending_ms + policy.block_interval_ms) return pending;
    return 0;
}

bool empty_block_due(const BlockPolicy& policy, std::uint64_t now_ms, std::uint64_t last_block_ms) {
    return policy.empty_block_interval_ms > 0 && now_ms >= last_block_ms + policy.empty_block_interval_ms;
}

std::uint64_t block_time_ms(std::uint64_t now_ms, std::uint64_t prev_block_time_ms) {
    return std::max(now_ms, prev_block_time_ms + 1);
}

}  // namespace jchain::consensus
