// The votes of one type (prevote or precommit) in one round of one height: at most one
// per validator, and the voting power behind each block hash. Pure bookkeeping; the
// signatures were checked before votes get here (check_message in engine.h).
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "consensus/messages.h"

namespace jchain::consensus {

class VoteSet {
public:
    // `unsafe_simple_majority` (the simulator's self-test only) counts more than 1/2 as
    // a quorum instead of more than 2/3, which lets two quorums miss each other.
    explicit VoteSet(const chain::ValidatorSet& set, bool unsafe_simple_majority = false)
        : set_(&set), simple_majority_(unsafe_simple_majority) {}

    enum class Added { added, duplicate, conflicting };
    // Counts `v` unless its validator already voted in this set. A second vote for a
    // different hash is `conflicting` (equivocation) and is not counted.
    Added add(const SignedVote& v);

    std::uint64_t power_for(const Hash& block_hash) const;  // zero hash: nil
    std::uint64_t power() const { return power_; }         // all votes, any hash
    // The hash (zero for nil) that more than 2/3 voted for, if any.
    std::optional<Hash> quorum_hash() const;
    bool has_quorum_for(const Hash& block_hash) const { return is_quorum(power_for(block_hash)); }
    bool has_quorum_any() const { return is_quorum(power_); }
    // The hashes (zero for nil) that more than 1/3 of the power voted for: each has at
    // least one honest vote behind it. At most two, since no validator counts twice.
    std::vector<Hash> hashes_over_third() const;
    const SignedVote* by(const PublicKey& validator) const;
    // The votes for `block_hash`, sorted by validator key (a commit certificate's order).
    std::vector<SignedVote> votes_for(const Hash& block_hash) const;
    std::vector<SignedVote> all() const;

private:
    bool is_quorum(std::uint64_t power) const {
        return simple_majority_ ? power * 2 > set_->total_power() : set_->is_quorum(power);
    }

    const chain::ValidatorSet* set_;
    bool simple_majority_;
    std::map<PublicKey, SignedVote> votes_;
    std::map<Hash, std::uint64_t> power_by_hash_;
    std::uint64_t power_ = 0;
};

}  // namespace jchain::consensus
