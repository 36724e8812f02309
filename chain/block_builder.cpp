#include "chain/block_builder.h"

namespace jchain::chain {

BuiltBlock build_block(const HeaderBasis& basis, std::uint64_t prev_height, const Hash& prev_hash,
                       std::uint64_t time_ms, const MerkleFrontier& frontier, const std::vector<Hash>& ids,
                       std::span<const Record> records, const PublicKey& proposer) {
    BuiltBlock out{{}, {}, frontier};
    for (const auto& id : ids) {
        auto written = out.frontier.append(merkle_leaf_hash(basis.suite, id));
        out.nodes.insert(out.nodes.end(), written.begin(), written.end());
    }
    out.block.record_ids = ids;
    out.block.header = BlockHeader{
        .chain_id = basis.chain_id,
        .height = prev_height + 1,
        .time_ms = time_ms,
        .prev_hash = prev_hash,
        .genesis_hash = basis.genesis_hash,
        .record_count = ids.size(),
        .ledger_size = out.frontier.size(),
        .ledger_root = out.frontier.root(),
        // Only check_block, rebuilding the tree of a block that came with too few or too
        // many records, passes unequal sizes; that block is refused and its body hash
        // is nobody's.
        .body_hash = ids.size() == records.size() ? body_hash(basis.suite, ids, records) : Hash{},
        .validator_set_hash = basis.validator_set_hash,
        .next_validator_set_hash = basis.next_validator_set_hash,
        .state_hash = basis.state_hash,
        .proposer = proposer,
    };
    return out;
}

CommitSignature sign_precommit(const crypto::Suite& suite, const std::string& chain_id, std::uint64_t height, std::uint32_t round,
                               const Hash& block_hash, const crypto::KeyPair& key) {
    const Vote vote{VoteType::precommit, chain_id, height, round, block_hash};
    return {key.public_key, suite.sign(key, suite.hash(vote_signed_bytes(vote)))};
}

}  // namespace jchain::chain
