#include "consensus/ledger.h"

#include <map>

#include "consensus/solo.h"

namespace jchain::consensus {

Value Ledger::build(std::vector<Candidate> pending, std::size_t cap, std::uint64_t now_ms,
                    const chain::History& history, const chain::PublicKey& proposer) const {
    const chain::ChainState& state = *tip_.state;
    const chain::ChainParams& params = state.params;
    cap = std::min<std::size_t>(cap, params.block_records_max);
    const std::uint64_t height = tip_.height + 1;
    const std::uint64_t time = block_time_ms(now_ms, tip_.time_ms);
    Value v;
    std::vector<chain::Hash> ids;
    std::uint64_t bytes = 0;
    std::optional<chain::GovernanceBlock> governance;
    std::map<chain::Hash, chain::PublicKey> in_block;
    auto submitter_of = [&](const chain::Hash& id) -> std::optional<chain::PublicKey> {
        if (auto it = in_block.find(id); it != in_block.end()) return it->second;
        return history.submitter_of(id);
    };
    ids.reserve(std::min(cap, pending.size()));
    v.records.reserve(std::min(cap, pending.size()));
    for (Candidate& p : pending) {
        if (ids.size() == cap) break;
        if (!chain::within_client_window(params, p.record.client_time_ms, time)) continue;
        // Admitted under an earlier state: a member suspended or a proposal approved since
        // would make the block invalid.
        if (chain::check_permission(state, height, p.record, submitter_of)) continue;
        if (p.record.kind == chain::Kind::governance) {
            if (!governance) governance.emplace(state, height);
            if (governance->check(p.record, p.id)) continue;
        }
        const std::uint64_t wire = chain::limits::length_prefix_bytes + chain::record_signed_bytes(p.record).size() +
                                   chain::limits::signature_bytes;
        if (bytes + wire > params.block_bytes_max) break;
        bytes += wire;
        if (p.record.kind == chain::Kind::governance) governance->apply(p.record, p.id);
        in_block.emplace(p.id, p.record.submitter);
        ids.push_back(p.id);
        v.records.push_back(std::move(p.record));  // a copy the mempool still holds
    }
    std::optional<chain::ChainState> next;
    if (governance) next = std::move(*governance).finish();
    auto built = chain::build_block(chain::header_basis(state, height, next ? &*next : nullptr), tip_.height,
                                    tip_.hash, time, tip_.frontier, ids, v.records, proposer);
    if (next) {
        own_.reset();
    } else {
        own_ = OwnBlock{chain::block_hash(suite_, built.block.header), std::move(built.nodes), std::move(built.frontier)};
    }
    v.block = std::move(built.block);
    return v;
}

chain::BlockCheck Ledger::check(const Value& value, const chain::History& history,
                                chain::RecordVerifier& verifier) const {
    const chain::ChainTip parent{tip_.height, tip_.hash, tip_.time_ms, tip_.frontier};
    return chain::check_block(*tip_.state, parent, history, value.block, value.records, verifier);
}

Result<Extension> Ledger::extend(const ValuePtr& value) const {
    const chain::Block& b = value->block;
    const chain::ChainState& state = *tip_.state;
    if (b.header.height != tip_.height + 1)
        return Status::error("certified block " + std::to_string(b.header.height) + " is not the next after height " +
                             std::to_string(tip_.height));
    std::optional<chain::ChainState> next = chain::state_after_block(state, b.header.height, value->records, b.record_ids);
    Extension e;
    e.value = value;
    const chain::Hash hash = value->hash(suite_);
    if (!next && own_ && own_->hash == hash) {
        // This node built this very block on this tip (the hash covers the parent, the
        // record ids and the ledger root), and neither then nor now did it change the
        // state: the tree it appended then is the tree a rebuild would append now.
        e.built.block = b;
        e.built.nodes = std::move(own_->nodes);
        e.built.frontier = std::move(own_->frontier);
        own_.reset();
        return e;
    }
    e.built = chain::build_block(chain::header_basis(state, b.header.height, next ? &*next : nullptr), tip_.height,
                                 tip_.hash, b.header.time_ms, tip_.frontier, b.record_ids, value->records,
                                 b.header.proposer);
    if (chain::block_hash(suite_, e.built.block.header) != hash)
        return Status::error("certified block " + std::to_string(b.header.height) +
                             " does not extend this node's ledger");
    if (next) {
        e.validators_changed = chain::validator_set_hash(suite_, next->validators) !=
                               chain::validator_set_hash(suite_, state.validators);
        e.next_state = std::make_shared<const chain::ChainState>(std::move(*next));
    }
    return e;
}

void Ledger::advance(const Extension& e) {
    own_.reset();
    tip_.height = e.built.block.header.height;
    tip_.hash = e.value->hash(suite_);
    tip_.time_ms = e.built.block.header.time_ms;
    tip_.frontier = e.built.frontier;
    if (e.next_state) tip_.state = e.next_state;
}

}  // namespace jchain::consensus
