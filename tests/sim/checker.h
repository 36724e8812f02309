// The simulator's safety oracle: invariants checked as the cluster runs, at the moment
// the state they govern changes (a vote leaves a node or reaches its log, a block
// commits, a node restarts, any event touches a node), never only at the end. It sees
// what nodes send, log and commit, not the engine's internals, so a broken engine
// cannot hide a violation from it.
//
// The invariants (docs/consensus.md, "The simulator"):
//   - fork:         no two honest nodes commit different blocks at one height;
//   - bad_commit:   every commit carries a certificate valid for the validator set in
//                   force at its height, names in its header the set in force, the set
//                   after it and the state in force, and extends its committer's chain;
//   - double_vote:  an honest validator signs at most one vote per (height, round, type),
//                   across crashes, halts and restarts;
//   - validator_set: an honest node signs votes only at heights where it is a validator
//                   in force;
//   - block_time:   committed block times strictly increase, and each lies within the
//                   genesis drift bound of the clock of some honest validator in force at
//                   its height, at some moment between the block's first proposal and its
//                   commit;
//   - history:      an honest node's committed chain only grows: no block it committed
//                   is ever replaced or lost, also across crash and restart.
//
// The validator set in force at each height is the checker's own: it derives the chain
// state from genesis and each node's committed blocks (chain::state_after_block), never
// from what the nodes hold, so a node that counts the wrong set is caught.
//
// Not thread-safe; the cluster owns one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <memory>

#include "chain/state.h"
#include "consensus/engine.h"

namespace jchain::sim {

enum class Violation : std::uint8_t {
    none, fork, bad_commit, double_vote, block_time, history, storage, liveness, validator_set,
};
std::string_view violation_name(Violation v);

struct Finding {
    Violation kind = Violation::none;
    std::string what;
};

class Checker {
public:
    struct Config {
        std::string chain_id;
        chain::ChainState genesis_state;  // in force at height 1
        chain::Hash genesis_hash{};
        std::uint64_t genesis_time_ms = 0;
        std::uint64_t drift_ms = 0;
        // Node i's clock reads now_ms + clock_base_ms + skew_ms[i]; honest[i] says whose
        // clocks vouch for block times.
        std::uint64_t clock_base_ms = 0;
        std::vector<std::int64_t> skew_ms;
        std::vector<bool> honest;
        std::vector<crypto::PublicKey> keys;  // node i's key
        // Verifies a signature (a pure function: the cluster passes its memoised one).
        std::function<bool(const crypto::PublicKey&, const chain::Hash&, const crypto::Signature&)> verify;
    };
    explicit Checker(Config config);

    // An honest node sent `v`, or `v` became durable in its log.
    std::optional<Finding> on_vote(int node, const consensus::SignedVote& v);
    // Some node (any) sent a proposal for `block` at simulated time now_ms.
    void on_proposal(const chain::Hash& block, std::uint64_t now_ms);
    // `node` commits `value` with `cert` on top of its chain. A finding of kind
    // bad_commit that is about extension means the commit cannot be applied. Certificate
    // and header are checked against the checker's state in force at the height, for
    // every node but a Byzantine one that is not in that set (voted out, it may run a
    // stale engine).
    std::vector<Finding> on_commit(int node, const consensus::Value& value, const chain::CommitCertificate& cert,
                                   std::uint64_t now_ms);
    // `node`'s committed chain now has `height` blocks ending in `tip` (cheap: after
    // every event that touched the node).
    std::optional<Finding> on_tip(int node, std::uint64_t height, const chain::Hash& tip) const;
    // `node` restarted holding `chain` (block hashes, height 1 first).
    std::optional<Finding> on_restart(int node, const std::vector<chain::Hash>& chain) const;
    // The chain state in force at `node`'s next height, as the checker derives it.
    const chain::ChainState& state(int node) const;

private:
    std::uint64_t clock(int node, std::uint64_t now_ms) const {
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(now_ms + config_.clock_base_ms) +
                                          config_.skew_ms[static_cast<std::size_t>(node)]);
    }

    std::optional<std::string> certificate_fault(std::uint64_t height, const chain::Hash& hash,
                                                 const chain::CommitCertificate& cert, const chain::ValidatorSet& set);
    // The state in force at `height` of `node`'s chain (height <= its length + 1).
    const chain::ChainState& state_at(int node, std::uint64_t height) const;

    const Config config_;
    const std::shared_ptr<const chain::ChainState> genesis_state_;
    struct Block {
        chain::Hash hash{};
        std::uint64_t time_ms = 0;
        std::shared_ptr<const chain::ChainState> after;  // the state in force at the next height
    };
    // Per block hash (which fixes the chain below it): the state after it, and what is
    // wrong with its header (empty: nothing).
    struct Derived {
        std::shared_ptr<const chain::ChainState> after;
        std::string header_fault;
    };
    std::map<chain::Hash, Derived> derived_;
    std::vector<std::vector<Block>> history_;  // per node, every block it committed, in order
    std::map<std::uint64_t, std::pair<chain::Hash, int>> decided_;  // height -> (block, first honest committer)
    std::map<std::tuple<int, std::uint64_t, std::uint32_t, chain::VoteType>, chain::Hash> votes_;
    std::map<chain::Hash, std::uint64_t> first_proposed_ms_;
};

}  // namespace jchain::sim
