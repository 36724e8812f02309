// Checkpoints: the node's signed C2SP checkpoints (chain/checkpoint.h, docs/checkpoints.md).
//
// A validator signs the checkpoint of each block that grew the ledger, right after it
// commits the block, if it is in the set that certified it; the consensus driver gossips
// the line, and every node keeps the lines of every validator of that set (checked
// against the checkpoint this node computes at that size, never taken on trust).
// Witnesses' Ed25519 cosignatures arrive over RPC and are kept when the witness is in
// force on the chain at the checkpoint's block (genesis, add-witness) or one node.toml names. Lines live in the block store, unsynced: they are attestations after
// the fact, and a lost one is signed or sent again.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/checkpoint.h"
#include "storage/block_store.h"

namespace jchain::node {

class Checkpoints {
public:
    // `key`: this node's key, used only when it is a validator of the block's set.
    Checkpoints(storage::BlockStore& store, const chain::Genesis& genesis, std::vector<chain::Witness> witnesses,
                std::optional<crypto::KeyPair> key);

    const std::string& origin() const { return origin_; }
    const std::vector<chain::Witness>& witnesses() const { return witnesses_; }

    // The block that reached ledger size `size` (the lowest height whose header has that
    // size, with records); nullopt when no block ended at that size.
    std::optional<std::uint64_t> height_at_size(std::uint64_t size) const;
    // The set that certified that block: the one whose signatures count.
    chain::ValidatorSet validators_at(std::uint64_t height) const;
    // The witnesses whose cosignatures this node keeps for that block's checkpoint: those
    // in force on the chain at `height`, and those node.toml names.
    std::vector<chain::Witness> witnesses_at(std::uint64_t height) const;

    // Called after `header`'s block committed. Signs its checkpoint when the block added
    // records and this node is in `certified_by`; returns the line to gossip.
    std::optional<std::string> sign_committed(const chain::BlockHeader& header, const chain::ValidatorSet& certified_by);
    // This node's latest own line and its size, for peers that just connected.
    std::optional<std::pair<std::uint64_t, std::string>> own_latest() const;

    enum class Outcome { stored, known, later, invalid };
    // A validator's line from a peer for `size`: `later` when this node has not reached
    // that size yet (the caller keeps it and offers it again after its next commit).
    Outcome add_validator_line(std::uint64_t size, std::string_view line);

    struct CosignResult {
        std::string error;  // the note is malformed or not a checkpoint this node signed
        std::vector<std::string> accepted, known, ignored, refused;  // witness names
    };
    // Witness cosignatures on a checkpoint of this chain: kept if by a witness of
    // witnesses_at(its block) and valid; lines by other keys are ignored and reported.
    CosignResult add_cosignatures(std::string_view note);

    struct Signed {
        chain::Checkpoint checkpoint;
        std::uint64_t height = 0;  // the block that reached the size
        std::string note;          // body, blank line, every stored line
        chain::CheckpointVerdict verdict;
    };
    // The checkpoint at `size` with every line held; nullopt when no block ended there.
    std::optional<Signed> at(std::uint64_t size) const;
    // The largest checkpoint signed by more than 2/3 of its validators' power.
    std::optional<Signed> latest() const;

private:
    std::optional<Signed> build(std::uint64_t size, std::uint64_t height) const;

    storage::BlockStore& store_;
    const crypto::Suite suite_;
    const std::string origin_;
    const std::vector<chain::Witness> witnesses_;
    const std::optional<crypto::KeyPair> key_;

    mutable std::mutex mutex_;
    std::optional<std::pair<std::uint64_t, std::string>> own_latest_;
};

}  // namespace jchain::node
