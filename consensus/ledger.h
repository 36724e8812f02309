// Ledger: the committed tip a node builds on, and the three things it does with it:
// build the next block from pending records (as a proposer), check a block against it
// (the block-validity rule, plus the proposer's clock for a proposal), and extend it by
// a certified block. Pure: the caller passes the time, the committed history and the
// record verifier; nothing here reads a clock, a disk or a socket.
//
// node::ConsensusDriver and tests/sim both run this code (through consensus::Core), so
// what the simulator checks under faults is the rule the node applies.
//
// Not thread-safe: one driver thread (or one simulated node) owns a ledger.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/block_builder.h"
#include "chain/state.h"
#include "chain/validity.h"
#include "consensus/engine.h"

namespace jchain::consensus {

// A record waiting for a block (a mempool entry): its id is its signed digest.
struct Candidate {
    chain::Hash id;
    chain::Record record;
};

// The tip: the last committed block, and the chain state in force after it.
struct Tip {
    std::uint64_t height = 0;  // 0: genesis
    chain::Hash hash{};        // the genesis hash at height 0
    std::uint64_t time_ms = 0;
    chain::MerkleFrontier frontier;
    std::shared_ptr<const chain::ChainState> state;  // in force at height + 1
};

// A certified block laid onto the tip: what the store writes in one batch.
struct Extension {
    ValuePtr value;
    chain::BuiltBlock built;  // the block as this node rebuilt it, with its new tree nodes
    // The state after the block when the block changed it (governance); null otherwise.
    std::shared_ptr<const chain::ChainState> next_state;
    bool validators_changed = false;  // the next height is certified by another set
};

class Ledger {
public:
    Ledger(crypto::Suite suite, Tip tip) : suite_(suite), tip_(std::move(tip)) {}

    const Tip& tip() const { return tip_; }
    const chain::ChainState& state() const { return *tip_.state; }

    // The next block, from `pending` in the order given (oldest first): as many as `cap`
    // (the node's own limit) and the chain's limits allow, at time max(now, tip + 1).
    // Records the block could not hold are skipped, not refused: a client time out of
    // the window of the block's time, a submitter the state in force no longer permits,
    // a governance record the rule refuses now. They wait in the mempool until they
    // expire. `history` answers for committed records (refs' submitters). The records
    // taken are moved out of `pending` into the block.
    Value build(std::vector<Candidate> pending, std::size_t cap, std::uint64_t now_ms,
                const chain::History& history, const chain::PublicKey& proposer) const;

    // The block-validity rule (chain/validity.h) against this tip.
    chain::BlockCheck check(const Value& value, const chain::History& history, chain::RecordVerifier& verifier) const;

    // Rebuilds certified `value` on the tip (its records appended to the ledger tree,
    // the state after it computed) and checks that the result is the certified block
    // hash. An error says why it is not: this node's ledger and the certified one differ.
    Result<Extension> extend(const ValuePtr& value) const;

    // Moves the tip to an extension of it (after the store has written it).
    void advance(const Extension& e);

private:
    crypto::Suite suite_;
    Tip tip_;
    // The tree of the last block this node built (as proposer), kept for extend(): a
    // certified block with that hash is laid onto the tip without appending its records
    // to the tree a second time. Only for blocks that change no state: one whose
    // governance records do is rebuilt, so the state rule's result is compared with the
    // header's as before.
    struct OwnBlock {
        chain::Hash hash{};
        std::vector<chain::MerkleNode> nodes;
        chain::MerkleFrontier frontier;
    };
    mutable std::optional<OwnBlock> own_;
};

}  // namespace jchain::consensus
