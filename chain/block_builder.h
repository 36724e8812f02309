// Building the next block from records, and signing a precommit: shared by the block
// producer and the tests, so both make blocks the same way. Pure.
#pragma once

#include <span>
#include <vector>

#include "chain/block.h"
#include "chain/merkle.h"

namespace jchain::chain {

struct BuiltBlock {
    Block block;
    std::vector<MerkleNode> nodes;  // ledger tree nodes completed by the block
    MerkleFrontier frontier;        // the tree after the block
};

// What a header says of the chain and its state rather than of its own records
// (chain/state.h header_basis computes it from the state in force).
struct HeaderBasis {
    crypto::Suite suite;  // hashes the ledger tree's leaves
    std::string chain_id;
    Hash genesis_hash{};
    Hash validator_set_hash{};
    Hash next_validator_set_hash{};
    Hash state_hash{};
};

// The block at height prev_height + 1 whose records are `records`, in order, with ids
// `ids` (ids[i] = record_id of records[i]; the sizes are equal). prev_hash is the
// previous block's hash (the genesis hash for height 1).
BuiltBlock build_block(const HeaderBasis& basis, std::uint64_t prev_height, const Hash& prev_hash,
                       std::uint64_t time_ms, const MerkleFrontier& frontier, const std::vector<Hash>& ids,
                       std::span<const Record> records, const PublicKey& proposer);

// A validator's signature on the precommit for `block_hash` at (height, round).
CommitSignature sign_precommit(const crypto::Suite& suite, const std::string& chain_id, std::uint64_t height, std::uint32_t round,
                               const Hash& block_hash, const crypto::KeyPair& key);

}  // namespace jchain::chain
