// The simulator's safety oracle: invariants checked as the cluster runs, at the moment
// the state they govern changes (a vote leaves a node or reaches its log, a block
// commits, a node restarts, any event touches a node), never only at the end. It sees
// what nodes send, log and commit, not the engine's internals, so a broken engine
// cannot hide a violation from it.
//
// The invariants (docs/consensus.md, "The simulator"):
//   - fork:         no two honest validators commit different blocks at one height;
//   - bad_commit:   every commit carries a valid certificate and extends its
//                   committer's chain;
//   - double_vote:  an honest validator signs at most one vote per (height, round, type),
//                   across crashes, halts and restarts;
//   - block_time:   committed block times strictly increase, and each lies within the
//                   genesis drift bound of some honest validator's clock at some moment
//                   between the block's first proposal and its commit;
//   - history:      an honest node's committed chain only grows: no block it committed
//                   is ever replaced or lost, also across crash and restart.
//
// Not thread-safe; the cluster owns one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "consensus/engine.h"

namespace jchain::sim {

enum class Violation : std::uint8_t { none, fork, bad_commit, double_vote, block_time, history, storage, liveness };
std::string_view violation_name(Violation v);

struct Finding {
    Violation kind = Violation::none;
    std::string what;
};

class Checker {
public:
    struct Config {
        std::string chain_id;
        chain::ValidatorSet validators;
        chain::Hash genesis_hash{};
        std::uint64_t genesis_time_ms = 0;
        std::uint64_t drift_ms = 0;
        // Node i's clock reads now_ms + clock_base_ms + skew_ms[i]; honest[i] says whose
        // clocks vouch for block times.
        std::uint64_t clock_base_ms = 0;
        std::vector<std::int64_t> skew_ms;
        std::vector<bool> honest;
    };
    explicit Checker(Config config);

    // An honest node sent `v`, or `v` became durable in its log.
    std::optional<Finding> on_vote(int node, const consensus::SignedVote& v);
    // Some node (any) sent a proposal for `block` at simulated time now_ms.
    void on_proposal(const chain::Hash& block, std::uint64_t now_ms);
    // `node` commits `value` with `cert` on top of its chain. A finding of kind
    // bad_commit that is about extension means the commit cannot be applied.
    std::vector<Finding> on_commit(int node, const consensus::Value& value, const chain::CommitCertificate& cert,
                                   std::uint64_t now_ms);
    // `node`'s committed chain now has `height` blocks ending in `tip` (cheap: after
    // every event that touched the node).
    std::optional<Finding> on_tip(int node, std::uint64_t height, const chain::Hash& tip) const;
    // `node` restarted holding `chain` (block hashes, height 1 first).
    std::optional<Finding> on_restart(int node, const std::vector<chain::Hash>& chain) const;

private:
    std::uint64_t clock(int node, std::uint64_t now_ms) const {
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(now_ms + config_.clock_base_ms) +
                                          config_.skew_ms[static_cast<std::size_t>(node)]);
    }

    const Config config_;
    struct Block {
        chain::Hash hash{};
        std::uint64_t time_ms = 0;
    };
    std::vector<std::vector<Block>> history_;  // per node, every block it committed, in order
    std::map<std::uint64_t, std::pair<chain::Hash, int>> decided_;  // height -> (block, first honest committer)
    std::map<std::tuple<int, std::uint64_t, std::uint32_t, chain::VoteType>, chain::Hash> votes_;
    std::map<chain::Hash, std::uint64_t> first_proposed_ms_;
};

}  // namespace jchain::sim
