#include "checker.h"

#include <algorithm>
#include "tests/support/suite.h"

namespace jchain::sim {
namespace {

std::string short_hex(const chain::Hash& h) { return to_hex(h).substr(0, 8); }

}  // namespace

std::string_view violation_name(Violation v) {
    switch (v) {
        case Violation::none: return "none";
        case Violation::fork: return "fork";
        case Violation::bad_commit: return "bad_commit";
        case Violation::double_vote: return "double_vote";
        case Violation::block_time: return "block_time";
        case Violation::history: return "history";
        case Violation::storage: return "storage";
        case Violation::liveness: return "liveness";
        case Violation::validator_set: return "validator_set";
    }
    return "unknown";
}

Checker::Checker(Config config)
    : config_(std::move(config)),
      genesis_state_(std::make_shared<const chain::ChainState>(config_.genesis_state)),
      history_(config_.honest.size()) {}

const chain::ChainState& Checker::state_at(int node, std::uint64_t height) const {
    const auto& mine = history_[static_cast<std::size_t>(node)];
    if (height <= 1 || mine.empty()) return *genesis_state_;
    return *mine[std::min<std::size_t>(height - 1, mine.size()) - 1].after;
}

const chain::ChainState& Checker::state(int node) const {
    return state_at(node, history_[static_cast<std::size_t>(node)].size() + 1);
}

std::optional<Finding> Checker::on_vote(int node, const consensus::SignedVote& v) {
    // Only a validator in force at the vote's height may sign one: a node that kept an
    // old set (or never learnt it joined) would. A vote above the node's next height
    // cannot be placed, and an honest engine signs none.
    const std::size_t committed = history_[static_cast<std::size_t>(node)].size();
    if (v.vote.height <= committed + 1) {
        const chain::ChainState& in_force = state_at(node, v.vote.height);
        if (!in_force.validators.find(config_.keys[static_cast<std::size_t>(node)]))
            return Finding{Violation::validator_set,
                           "VALIDATOR SET: honest v" + std::to_string(node) + " signed a " +
                               (v.vote.type == chain::VoteType::prevote ? "prevote" : "precommit") + " at height " +
                               std::to_string(v.vote.height) + " round " + std::to_string(v.vote.round) +
                               " but is not in the validator set in force there (" +
                               std::to_string(in_force.validators.validators.size()) + " validators, set " +
                               short_hex(chain::validator_set_hash(default_suite, in_force.validators)) + ")"};
    }
    const auto key = std::make_tuple(node, v.vote.height, v.vote.round, v.vote.type);
    auto [it, first] = votes_.emplace(key, v.vote.block_hash);
    if (first || it->second == v.vote.block_hash) return std::nullopt;
    return Finding{Violation::double_vote,
                   "DOUBLE VOTE: honest v" + std::to_string(node) + " signed two " +
                       (v.vote.type == chain::VoteType::prevote ? "prevotes" : "precommits") + " at height " +
                       std::to_string(v.vote.height) + " round " + std::to_string(v.vote.round) + ": " +
                       short_hex(it->second) + " and " + short_hex(v.vote.block_hash)};
}

void Checker::on_proposal(const chain::Hash& block, std::uint64_t now_ms) { first_proposed_ms_.try_emplace(block, now_ms); }

std::vector<Finding> Checker::on_commit(int node, const consensus::Value& value, const chain::CommitCertificate& cert,
                                        std::uint64_t now_ms) {
    std::vector<Finding> out;
    const chain::BlockHeader& h = value.block.header;
    const chain::Hash hash = value.hash(default_suite);
    const std::string who = "v" + std::to_string(node);
    auto& mine = history_[static_cast<std::size_t>(node)];
    const chain::Hash parent = mine.empty() ? config_.genesis_hash : mine.back().hash;
    const std::uint64_t parent_time = mine.empty() ? config_.genesis_time_ms : mine.back().time_ms;
    if (h.height != mine.size() + 1 || h.prev_hash != parent) {
        out.push_back({Violation::bad_commit,
                       who + " committed a block that does not extend its chain at height " + std::to_string(h.height)});
        return out;  // cannot be applied
    }
    // The state in force at this height, from the checker's own replay of the chain.
    const std::shared_ptr<const chain::ChainState> in_force = mine.empty() ? genesis_state_ : mine.back().after;
    auto found = derived_.find(hash);
    if (found == derived_.end()) {
        Derived d;
        auto next = chain::state_after_block(*in_force, h.height, value.records, value.block.record_ids);
        d.after = next ? std::make_shared<const chain::ChainState>(std::move(*next)) : in_force;
        const chain::HeaderBasis basis = chain::header_basis(*in_force, h.height, next ? d.after.get() : nullptr);
        if (h.validator_set_hash != basis.validator_set_hash)
            d.header_fault = "its header names validator set " + short_hex(h.validator_set_hash) +
                             ", not the set in force " + short_hex(basis.validator_set_hash);
        else if (h.next_validator_set_hash != basis.next_validator_set_hash)
            d.header_fault = "its header names next validator set " + short_hex(h.next_validator_set_hash) +
                             ", not the set its records leave " + short_hex(basis.next_validator_set_hash);
        else if (h.state_hash != basis.state_hash || h.genesis_hash != basis.genesis_hash)
            d.header_fault = "its header's state or genesis hash is not the state in force";
        found = derived_.emplace(hash, std::move(d)).first;
    }
    const Derived& derived = found->second;
    // A Byzantine node that was voted out may run a stale engine (it goes on voting under
    // the old set): what it commits binds nobody. Every other commit is checked.
    const bool bound = config_.honest[static_cast<std::size_t>(node)] ||
                       in_force->validators.find(config_.keys[static_cast<std::size_t>(node)]);
    if (!bound) {
        mine.push_back({hash, h.time_ms, derived.after});
        return out;
    }
    if (!derived.header_fault.empty())
        out.push_back({Violation::bad_commit, who + " committed height " + std::to_string(h.height) + ": " +
                                                  derived.header_fault});
    if (auto why = certificate_fault(h.height, hash, cert, in_force->validators))
        out.push_back({Violation::bad_commit, who + " committed height " + std::to_string(h.height) +
                                                  " with a certificate that is bad for the validator set in force (" +
                                                  std::to_string(in_force->validators.validators.size()) +
                                                  " validators, set " +
                                                  short_hex(chain::validator_set_hash(default_suite, in_force->validators)) +
                                                  "): " + *why});
    if (h.time_ms <= parent_time)
        out.push_back({Violation::block_time, "BLOCK TIME: " + who + " committed height " + std::to_string(h.height) +
                                                  " at time " + std::to_string(h.time_ms) + ", not after its parent's " +
                                                  std::to_string(parent_time)});
    mine.push_back({hash, h.time_ms, derived.after});
    if (!config_.honest[static_cast<std::size_t>(node)]) return out;

    // Some honest clock read within the drift of the block's time between its first
    // proposal and now: the union over honest validators in force at the height of
    // [clock(proposed) - drift, clock(now) + drift] (one interval: skews are far below
    // the drift).
    auto proposed = first_proposed_ms_.find(hash);
    if (proposed == first_proposed_ms_.end()) {
        out.push_back({Violation::block_time, "BLOCK TIME: " + who + " committed height " + std::to_string(h.height) +
                                                  ", a block nobody proposed"});
    } else {
        std::uint64_t lo = UINT64_MAX, hi = 0;
        for (std::size_t i = 0; i < config_.honest.size(); ++i) {
            if (!config_.honest[i] || !in_force->validators.find(config_.keys[i])) continue;
            lo = std::min(lo, clock(static_cast<int>(i), proposed->second));
            hi = std::max(hi, clock(static_cast<int>(i), now_ms));
        }
        if (h.time_ms + config_.drift_ms < lo || h.time_ms > hi + config_.drift_ms)
            out.push_back({Violation::block_time,
                           "BLOCK TIME: " + who + " committed height " + std::to_string(h.height) + " with time " +
                               std::to_string(h.time_ms) + ", outside the drift (" + std::to_string(config_.drift_ms) +
                               " ms) of every honest validator's clock since it was proposed: " + std::to_string(lo) +
                               ".." + std::to_string(hi)});
    }
    auto [it, first] = decided_.emplace(h.height, std::make_pair(hash, node));
    if (!first && it->second.first != hash)
        out.push_back({Violation::fork, "FORK at height " + std::to_string(h.height) + ": v" +
                                            std::to_string(it->second.second) + " committed " +
                                            short_hex(it->second.first) + " and " + who + " committed " +
                                            short_hex(hash)});
    return out;
}

// chain::check_certificate itself, verifying through config_.verify: every node commits
// with a certificate of its own, made of precommits the cluster has already verified
// once as messages.
std::optional<std::string> Checker::certificate_fault(std::uint64_t height, const chain::Hash& hash,
                                                      const chain::CommitCertificate& cert,
                                                      const chain::ValidatorSet& set) {
    if (!config_.verify) return chain::check_certificate(default_suite, config_.chain_id, height, hash, cert, set);
    return chain::check_certificate(default_suite, config_.chain_id, height, hash, cert, set, config_.verify);
}

std::optional<Finding> Checker::on_tip(int node, std::uint64_t height, const chain::Hash& tip) const {
    const auto& mine = history_[static_cast<std::size_t>(node)];
    if (height == mine.size() && (height == 0 || mine.back().hash == tip)) return std::nullopt;
    return Finding{Violation::history, "HISTORY: v" + std::to_string(node) + " holds " + std::to_string(height) +
                                           " blocks ending in " + short_hex(tip) + " but committed " +
                                           std::to_string(mine.size())};
}

std::optional<Finding> Checker::on_restart(int node, const std::vector<chain::Hash>& chain) const {
    const auto& mine = history_[static_cast<std::size_t>(node)];
    for (std::size_t i = 0; i < mine.size(); ++i)
        if (i >= chain.size() || chain[i] != mine[i].hash)
            return Finding{Violation::history, "HISTORY: v" + std::to_string(node) + " restarted without its block " +
                                                   short_hex(mine[i].hash) + " at height " + std::to_string(i + 1)};
    if (chain.size() > mine.size())
        return Finding{Violation::history, "HISTORY: v" + std::to_string(node) + " restarted with blocks it never committed"};
    return std::nullopt;
}

}  // namespace jchain::sim
