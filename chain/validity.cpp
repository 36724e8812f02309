#include "chain/validity.h"

#include <unordered_map>

#include "base/bytes.h"

namespace jchain::chain {

namespace {

std::string key_of(const Hash& id) { return std::string(id.begin(), id.end()); }

std::string short_hex(const Hash& h) { return to_hex(h).substr(0, 16); }

}  // namespace

ChainTip ChainTip::genesis(const Genesis& g) {
    return ChainTip{0, genesis_hash(g), g.genesis_time_ms, MerkleFrontier(g.suite)};
}

std::vector<bool> SerialVerifier::verify(std::span<const Record> records, std::span<const Hash> ids) {
    std::vector<bool> ok(records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
        ok[i] = suite_.verify(records[i].submitter, ids[i], records[i].signature);
    return ok;
}

std::string_view rule_name(BlockRule rule) {
    switch (rule) {
        case BlockRule::chain_id: return "chain_id";
        case BlockRule::height: return "height";
        case BlockRule::prev_hash: return "prev_hash";
        case BlockRule::time: return "time";
        case BlockRule::genesis: return "genesis";
        case BlockRule::state: return "state";
        case BlockRule::governance: return "governance";
        case BlockRule::validator_set: return "validator_set";
        case BlockRule::proposer: return "proposer";
        case BlockRule::record_count: return "record_count";
        case BlockRule::block_bytes: return "block_bytes";
        case BlockRule::record_id: return "record_id";
        case BlockRule::record_shape: return "record_shape";
        case BlockRule::record_time: return "record_time";
        case BlockRule::signature: return "signature";
        case BlockRule::member: return "member";
        case BlockRule::permission: return "permission";
        case BlockRule::reference: return "reference";
        case BlockRule::duplicate: return "duplicate";
        case BlockRule::ledger: return "ledger";
        case BlockRule::body: return "body";
    }
    return "unknown";
}

std::string BlockFault::describe() const {
    std::string out = std::string(rule_name(rule)) + ": " + detail;
    if (record) out += " (record " + std::to_string(*record) + ")";
    return out;
}

namespace {
// |a - b| <= bound, for any u64 values (no sum that could wrap).
bool within(std::uint64_t a, std::uint64_t b, std::uint64_t bound) { return (a > b ? a - b : b - a) <= bound; }
}  // namespace

bool is_timely(const ChainParams& params, std::uint64_t block_time_ms, std::uint64_t now_ms) {
    return within(block_time_ms, now_ms, params.block_time_drift_ms);
}

bool within_client_window(const ChainParams& params, std::uint64_t client_time_ms, std::uint64_t block_time_ms) {
    return within(client_time_ms, block_time_ms, params.client_time_window_ms);
}

BlockCheck check_block(const ChainState& state, const ChainTip& parent, const History& history, const Block& block,
                       std::span<const Record> records, RecordVerifier& verifier) {
    const ChainParams& params = state.params;
    const BlockHeader& h = block.header;
    BlockCheck out;
    auto fault = [&](BlockRule rule, std::string detail, std::optional<std::size_t> record = std::nullopt) {
        out.faults.push_back({rule, record, std::move(detail)});
    };

    // ---- The header against its parent and the validators in force.
    const std::uint64_t height = parent.height + 1;
    if (h.chain_id != state.chain_id) fault(BlockRule::chain_id, "header chain id is '" + h.chain_id + "'");
    if (h.height != height) fault(BlockRule::height, "header height is " + std::to_string(h.height) + ", expected " + std::to_string(height));
    if (h.prev_hash != parent.hash)
        fault(BlockRule::prev_hash, height == 1 ? "prev_hash is not the genesis hash" : "prev_hash does not link to block " + std::to_string(parent.height));
    if (h.time_ms <= parent.time_ms)
        fault(BlockRule::time, "block time " + std::to_string(h.time_ms) + " is not after the parent's " + std::to_string(parent.time_ms));
    if (h.genesis_hash != state.genesis_hash) fault(BlockRule::genesis, "genesis_hash is not this chain's genesis");
    const ValidatorSet& validators = state.validators;
    if (h.validator_set_hash != validator_set_hash(state.suite, validators))
        fault(BlockRule::validator_set, "validator set hash is not the set in force");
    if (h.state_hash != state_hash(state, height))
        fault(BlockRule::state, "state_hash is not the members, policy and parameters in force at height " + std::to_string(height));
    if (!validators.find(h.proposer)) fault(BlockRule::proposer, "proposer " + to_hex(h.proposer.bytes) + " is not a validator");

    if (block.record_ids.size() > params.block_records_max)
        fault(BlockRule::record_count, std::to_string(block.record_ids.size()) + " records, more than params.block_records_max " +
                                           std::to_string(params.block_records_max));
    if (h.record_count != block.record_ids.size())
        fault(BlockRule::record_count, "header record_count is " + std::to_string(h.record_count) + ", the block lists " +
                                           std::to_string(block.record_ids.size()));
    if (records.size() != block.record_ids.size())
        fault(BlockRule::record_count, "block lists " + std::to_string(block.record_ids.size()) + " records, " +
                                           std::to_string(records.size()) + " came with it");

    // ---- Each record, in ledger order.
    const std::size_t n = std::min(records.size(), block.record_ids.size());
    std::vector<Hash> ids(records.size());
    std::uint64_t wire_bytes = 0;
    std::unordered_map<std::string, PublicKey> in_block;  // earlier records of this block
    std::optional<GovernanceBlock> governance;            // once the block has a governance record
    in_block.reserve(n);
    auto submitter_of = [&](const Hash& id) -> std::optional<PublicKey> {
        if (auto it = in_block.find(key_of(id)); it != in_block.end()) return it->second;
        return history.submitter_of(id);
    };
    for (std::size_t i = 0; i < records.size(); ++i) {
        const Record& r = records[i];
        const Bytes signed_bytes = record_signed_bytes(r);
        ids[i] = state.suite.hash(signed_bytes);
        wire_bytes += limits::length_prefix_bytes + signed_bytes.size() + limits::signature_bytes;
        if (i >= n) continue;
        const Hash& id = block.record_ids[i];
        if (ids[i] != id) fault(BlockRule::record_id, "record does not hash to the listed id " + short_hex(id), i);
        if (r.chain_id != state.chain_id) fault(BlockRule::record_shape, "record chain id is '" + r.chain_id + "'", i);
        if (auto shape = check_record_shape(r)) fault(BlockRule::record_shape, *shape, i);
        if (signed_bytes.size() > params.record_bytes_max)
            fault(BlockRule::record_shape, std::to_string(signed_bytes.size()) + " signed bytes, more than params.record_bytes_max", i);
        if (!within_client_window(params, r.client_time_ms, h.time_ms))
            fault(BlockRule::record_time, "client time " + std::to_string(r.client_time_ms) + " is more than " +
                                              std::to_string(params.client_time_window_ms) + " ms from the block time " +
                                              std::to_string(h.time_ms), i);
        if (in_block.count(key_of(id)) || history.submitter_of(id))
            fault(BlockRule::duplicate, "record " + short_hex(id) + " is already in the ledger", i);

        if (auto denied = check_permission(state, height, r, submitter_of)) {
            fault(denied->not_member ? BlockRule::member : BlockRule::permission, denied->message, i);
        } else if (r.kind == Kind::governance) {
            if (!governance) governance.emplace(state, height);
            if (auto bad = governance->check(r, id))
                fault(BlockRule::governance, bad->word + ": " + bad->message, i);
            else
                governance->apply(r, id);
        }
        for (const auto& ref : r.refs)
            if (!submitter_of(ref)) fault(BlockRule::reference, "ref " + short_hex(ref) + " is not an earlier record", i);
        in_block.emplace(key_of(id), r.submitter);
    }
    if (wire_bytes > params.block_bytes_max)
        fault(BlockRule::block_bytes, std::to_string(wire_bytes) + " record bytes, more than params.block_bytes_max " +
                                          std::to_string(params.block_bytes_max));

    // Signatures last: the most expensive check, and the only one the caller shapes.
    const std::vector<bool> ok = verifier.verify(records, ids);
    for (std::size_t i = 0; i < n; ++i)
        if (!ok[i]) fault(BlockRule::signature, "signature does not verify for submitter " + to_hex(records[i].submitter.bytes), i);

    // ---- The state after the block: the next validator set must be the header's.
    if (governance) out.next_state = std::move(*governance).finish();
    const HeaderBasis basis = header_basis(state, height, out.next_state ? &*out.next_state : nullptr);
    if (h.next_validator_set_hash != basis.next_validator_set_hash)
        fault(BlockRule::state, "next_validator_set_hash is not the set this block's governance records leave");

    // ---- The ledger tree rebuilt with the block's ids must be the header's.
    out.built = build_block(basis, parent.height, parent.hash, h.time_ms, parent.ledger, block.record_ids, records, h.proposer);
    if (out.built.frontier.size() != h.ledger_size)
        fault(BlockRule::ledger, "ledger size after the block is " + std::to_string(out.built.frontier.size()) +
                                     ", header says " + std::to_string(h.ledger_size));
    else if (out.built.frontier.root() != h.ledger_root)
        fault(BlockRule::ledger, "ledger root after the block differs from the header's");
    // ---- The body: the ids with the signatures that came with them. A body that fails
    // here was changed after its header was made (callers check body_matches first, so
    // a relay's change never gets this far), or its proposer hashed it wrongly.
    if (records.size() == block.record_ids.size() && out.built.block.header.body_hash != h.body_hash)
        fault(BlockRule::body, "body_hash is not the hash of the block's record ids and signatures");
    out.built.block.header = h;  // the block as it is (equal to the rebuilt one when valid)
    return out;
}

}  // namespace jchain::chain
