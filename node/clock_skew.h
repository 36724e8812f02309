// ClockSkew: how far this node's clock is from the other validators', estimated from the
// times of the proposals it checks, and a warning when it is past the chain's drift
// bound. A clock that disagrees with the other validators' makes this node refuse their
// proposals as untimely (and lose its own turns), and refuse clients' records as stale:
// the node says so, with the offset, rather than leave the operator to guess.
//
// Not thread-safe: the consensus driver's thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "crypto/keys.h"

namespace jchain::node {

// This node's clock offset from the other validators': `latest` holds, per other validator
// heard, its latest proposal time minus this node's clock on arrival, so one validator
// with a wrong clock that proposes often counts once. Said only once 2f + 1 of the other
// validators have been heard (all of them, with 4): then at most f samples are Byzantine
// and honest ones are the majority, so the median is an honest clock's. With an even
// count the middle value nearer zero is taken: this node's clock is called wrong only
// when more than half of those heard disagree with it.
std::optional<std::int64_t> clock_offset(std::vector<std::int64_t> latest, std::size_t validators);

class ClockSkew {
public:
    // A valid proposal by another validator, stamped `proposal_time_ms`, checked at
    // `now_ms` by this node's clock, with `validators` in force. Returns the offset once
    // it can be said (clock_offset), and logs a warning at most once a minute while it is
    // past `drift_ms`.
    std::optional<std::int64_t> observe(const crypto::PublicKey& proposer, std::uint64_t proposal_time_ms,
                                        std::uint64_t now_ms, std::size_t validators, std::uint64_t drift_ms);

private:
    std::map<crypto::PublicKey, std::int64_t> latest_;  // per proposer: proposal time - clock
    std::chrono::steady_clock::time_point next_warning_{};
};

}  // namespace jchain::node
