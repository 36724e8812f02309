// Building the next block from records, and signing a precommit: shared by the block
// producer and the tests, so both make blocks the same way. Pure.
#pragma once

#include <vector>

#include "chain/block.h"
#include "chain/merkle.h"

namespace jchain::chain {

struct BuiltBlock {
    Block block;
    std::vector<MerkleNode> nodes;  // ledger tree nodes completed by the block
    MerkleFrontier frontier;        // the tree after the block
};

// The block at height prev_height + 1 whose records are `ids` in order.
// prev_hash is the previous block's hash (the genesis hash for height 1).
BuiltBlock build_block(const std::string& chain_id, std::uint64_t prev_height, const Hash& prev_hash,
                       std::uint64_t time_ms, const MerkleFrontier& frontier, const std::vector<Hash>& ids,
                       const Hash& validator_set_hash, const PublicKey& proposer);

// A validator's signature on the precommit for `block_hash` at (height, round).
CommitSignature sign_precommit(const std::string& chain_id, std::uint64_t height, std::uint32_t round,
                               const Hash& block_hash, const crypto::KeyPair& key);

}  // namespace jchain::chain
