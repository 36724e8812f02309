#include "consensus/vote_set.h"

#include <cassert>

namespace jchain::consensus {

VoteSet::Added VoteSet::add(const SignedVote& v) {
    const chain::Validator* validator = set_->find(v.validator);
    assert(validator && "votes are checked before they are counted");
    auto [it, inserted] = votes_.emplace(v.validator, v);
    if (!inserted) return it->second.vote.block_hash == v.vote.block_hash ? Added::duplicate : Added::conflicting;
    power_by_hash_[v.vote.block_hash] += validator->power;
    power_ += validator->power;
    return Added::added;
}

std::uint64_t VoteSet::power_for(const Hash& block_hash) const {
    auto it = power_by_hash_.find(block_hash);
    return it == power_by_hash_.end() ? 0 : it->second;
}

std::optional<Hash> VoteSet::quorum_hash() const {
    for (const auto& [hash, power] : power_by_hash_)
        if (is_quorum(power)) return hash;
    return std::nullopt;
}

std::vector<Hash> VoteSet::hashes_over_third() const {
    std::vector<Hash> out;
    for (const auto& [hash, power] : power_by_hash_)
        if (power * 3 > set_->total_power()) out.push_back(hash);
    return out;
}

const SignedVote* VoteSet::by(const PublicKey& validator) const {
    auto it = votes_.find(validator);
    return it == votes_.end() ? nullptr : &it->second;
}

std::vector<SignedVote> VoteSet::votes_for(const Hash& block_hash) const {
    std::vector<SignedVote> out;
    for (const auto& [key, v] : votes_)
        if (v.vote.block_hash == block_hash) out.push_back(v);
    return out;
}

std::vector<SignedVote> VoteSet::all() const {
    std::vector<SignedVote> out;
    for (const auto& [key, v] : votes_) out.push_back(v);
    return out;
}

}  // namespace jchain::consensus
