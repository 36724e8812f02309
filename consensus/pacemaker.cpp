#include "consensus/pacemaker.h"

#include <algorithm>
#include <cassert>
#include <vector>

namespace jchain::consensus {

std::uint64_t timeout_ms(const TimeoutConfig& c, TimeoutKind kind, std::uint32_t round) {
    switch (kind) {
        case TimeoutKind::propose: return c.propose_ms + c.propose_delta_ms * round;
        case TimeoutKind::prevote: return c.prevote_ms + c.prevote_delta_ms * round;
        case TimeoutKind::precommit: return c.precommit_ms + c.precommit_delta_ms * round;
        case TimeoutKind::rebroadcast: return c.rebroadcast_ms;
    }
    return c.rebroadcast_ms;
}

const chain::Validator& proposer_of(const chain::ValidatorSet& set, std::uint64_t height, std::uint32_t round) {
    assert(!set.validators.empty());
    return set.validators[(height + round) % set.validators.size()];
}

std::optional<std::uint32_t> skip_round(const chain::ValidatorSet& set,
                                        const std::map<PublicKey, std::uint32_t>& highest, std::uint32_t current) {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> rounds;  // (round, power), highest first
    for (const auto& [key, round] : highest)
        if (round > current)
            if (const chain::Validator* v = set.find(key)) rounds.emplace_back(round, v->power);
    std::sort(rounds.begin(), rounds.end(), std::greater<>());
    std::uint64_t power = 0;
    for (const auto& [round, p] : rounds) {
        power += p;
        if (power * 3 > set.total_power()) return round;
    }
    return std::nullopt;
}

}  // namespace jchain::consensus
