// Liveness: who proposes, how long each step waits, and when to jump ahead a round.
// Kept apart from the voting and lock rules (engine.cpp), which alone carry safety:
// nothing here can make two honest validators commit different blocks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "consensus/messages.h"

namespace jchain::consensus {

// Step timeouts grow linearly with the round, so that after the network stabilises
// some round is long enough for the honest validators to hear each other.
struct TimeoutConfig {
    std::uint64_t propose_ms = 1000;
    std::uint64_t propose_delta_ms = 500;
    std::uint64_t prevote_ms = 500;
    std::uint64_t prevote_delta_ms = 250;
    std::uint64_t precommit_ms = 500;
    std::uint64_t precommit_delta_ms = 250;
    // How often a validator repeats its messages of the current height, so that a lost
    // message costs a delay, never liveness.
    std::uint64_t rebroadcast_ms = 1000;
};

enum class TimeoutKind : std::uint8_t { propose = 1, prevote = 2, precommit = 3, rebroadcast = 4 };

struct Timeout {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    TimeoutKind kind = TimeoutKind::propose;
    bool operator==(const Timeout&) const = default;
};

std::uint64_t timeout_ms(const TimeoutConfig& config, TimeoutKind kind, std::uint32_t round);

// Round-robin over the validator set (sorted by key), shifted by one each height so
// the first round of consecutive heights has different proposers.
const chain::Validator& proposer_of(const chain::ValidatorSet& set, std::uint64_t height, std::uint32_t round);

// Tendermint's f+1 rule: the highest round R > `current` such that validators holding
// more than 1/3 of the power have sent a valid message of round >= R at this height.
// At least one of them is honest, so R is real; one peer claiming a far-future round
// moves nothing. `highest` holds each validator's highest round seen.
std::optional<std::uint32_t> skip_round(const chain::ValidatorSet& set,
                                        const std::map<PublicKey, std::uint32_t>& highest, std::uint32_t current);

}  // namespace jchain::consensus
