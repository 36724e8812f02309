#include "chain/audit.h"

namespace jchain::chain {

namespace {
std::string key_of(const Hash& id) { return std::string(id.begin(), id.end()); }
}  // namespace

ChainAuditor::ChainAuditor(Genesis genesis)
    : genesis_(std::move(genesis)),
      validator_set_hash_(validator_set_hash(genesis_.validators)),
      prev_hash_(genesis_hash(genesis_)),
      prev_time_ms_(genesis_.genesis_time_ms) {}

std::vector<AuditProblem> ChainAuditor::check_block(const Block& block, const CommitCertificate& cert,
                                                    const std::vector<Record>& records, bool verify_signatures) {
    std::vector<AuditProblem> problems;
    const BlockHeader& h = block.header;
    const std::uint64_t height = height_ + 1;
    auto block_problem = [&](std::string what) { problems.push_back({height, "", std::move(what)}); };

    if (h.height != height) block_problem("header height is " + std::to_string(h.height));
    if (h.chain_id != genesis_.chain_id) block_problem("header chain id is '" + h.chain_id + "'");
    if (h.prev_hash != prev_hash_)
        block_problem(height == 1 ? "prev_hash is not the genesis hash" : "prev_hash does not link to the previous block");
    if (h.time_ms <= prev_time_ms_ && height > 1)
        block_problem("block time " + std::to_string(h.time_ms) + " is not after the previous block's");
    if (h.time_ms < genesis_.genesis_time_ms) block_problem("block time is before the genesis time");
    if (h.validator_set_hash != validator_set_hash_) block_problem("validator set hash differs from genesis's");
    if (!genesis_.validators.find(h.proposer)) block_problem("proposer " + to_hex(h.proposer.bytes) + " is not a validator");
    const Hash hash = block_hash(h);
    if (verify_signatures)
        if (auto p = check_certificate(genesis_.chain_id, height, hash, cert, genesis_.validators))
            block_problem("commit certificate: " + *p);
    if (records.size() != block.record_ids.size()) {
        block_problem("block lists " + std::to_string(block.record_ids.size()) + " records, " +
                      std::to_string(records.size()) + " found");
    }

    for (std::size_t i = 0; i < block.record_ids.size(); ++i) {
        const Hash& id = block.record_ids[i];
        frontier_.append(merkle_leaf_hash(id));
        if (i >= records.size()) continue;
        const Record& r = records[i];
        auto problem = [&](std::string what) { problems.push_back({height, to_hex(id), std::move(what)}); };
        ++records_checked_;
        if (record_id(r) != id) problem("stored record does not hash to its id");
        if (r.chain_id != genesis_.chain_id) problem("record chain id is '" + r.chain_id + "'");
        if (auto shape = check_record_shape(r)) problem(*shape);
        if (verify_signatures && !verify_record_signature(r)) problem("signature does not verify");
        if (seen_.count(key_of(id))) problem("record appears twice in the ledger");
        const Member* m = genesis_.find_member(r.submitter);
        if (!m) {
            problem("submitter " + to_hex(r.submitter.bytes) + " is not a member");
        } else {
            auto allowed = genesis_.policy.find(r.kind);
            bool permitted = allowed != genesis_.policy.end() && allowed->second.count(m->role) > 0;
            if (r.kind == Kind::correction && !permitted && !r.refs.empty()) {
                auto target = seen_.find(key_of(r.refs[0]));
                permitted = target != seen_.end() && target->second.submitter == r.submitter;
            }
            if (r.kind == Kind::governance) permitted = false;
            if (!permitted) problem("role '" + m->role + "' may not write '" + std::string(kind_name(r.kind)) + "'");
        }
        for (const auto& ref : r.refs)
            if (!seen_.count(key_of(ref))) problem("ref " + to_hex(ref) + " is not an earlier record");
        seen_.emplace(key_of(id), Seen{r.submitter});
    }
    if (frontier_.size() != h.ledger_size)
        block_problem("ledger size is " + std::to_string(frontier_.size()) + ", header says " + std::to_string(h.ledger_size));
    else if (frontier_.root() != h.ledger_root)
        block_problem("ledger root after the block differs from the header's");

    height_ = height;
    prev_hash_ = hash;
    prev_time_ms_ = h.time_ms;
    return problems;
}

}  // namespace jchain::chain
