#include "node/clock_skew.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

namespace jchain::node {

std::optional<std::int64_t> clock_offset(std::vector<std::int64_t> latest, std::size_t validators) {
    const std::size_t others = validators > 0 ? validators - 1 : 0;
    const std::size_t needed = std::min(others, 2 * (others / 3) + 1);
    if (others == 0 || latest.size() < needed) return std::nullopt;
    std::sort(latest.begin(), latest.end());
    const std::size_t mid = latest.size() / 2;
    if (latest.size() % 2 == 0 && std::abs(latest[mid - 1]) < std::abs(latest[mid])) return latest[mid - 1];
    return latest[mid];
}

std::optional<std::int64_t> ClockSkew::observe(const crypto::PublicKey& proposer, std::uint64_t proposal_time_ms,
                                               std::uint64_t now_ms, std::size_t validators, std::uint64_t drift_ms) {
    latest_[proposer] = static_cast<std::int64_t>(proposal_time_ms) - static_cast<std::int64_t>(now_ms);
    std::vector<std::int64_t> latest;
    for (const auto& [key, offset] : latest_) latest.push_back(offset);
    const auto said = clock_offset(std::move(latest), validators);
    if (!said) return std::nullopt;
    const std::int64_t offset = *said;
    const auto bound = static_cast<std::int64_t>(drift_ms);
    const auto now = std::chrono::steady_clock::now();
    if (std::abs(offset) > bound && now >= next_warning_) {
        next_warning_ = now + std::chrono::minutes(1);
        spdlog::warn("clock skew: the other validators' block times are {} ms {} this node's clock (the chain "
                     "allows {} ms); this node refuses their proposals as untimely and clients' records as stale "
                     "until its clock is fixed (check NTP)",
                     std::abs(offset), offset > 0 ? "ahead of" : "behind", bound);
    }
    return offset;
}

}  // namespace jchain::node
