#include "chain/audit.h"

namespace jchain::chain {

namespace {
std::string key_of(const Hash& id) { return std::string(id.begin(), id.end()); }
}  // namespace

std::optional<PublicKey> ChainAuditor::SeenHistory::submitter_of(const Hash& id) const {
    auto it = seen.find(key_of(id));
    if (it == seen.end()) return std::nullopt;
    return it->second;
}

ChainAuditor::ChainAuditor(Genesis genesis, const History* history)
    : state_(ChainState::from_genesis(genesis)), history_(history ? history : &seen_), tip_(ChainTip::genesis(genesis)) {}

std::vector<AuditProblem> ChainAuditor::check_block(const Block& block, const CommitCertificate& cert,
                                                    const std::vector<Record>& records, bool verify_signatures) {
    if (verify_signatures) {
        SerialVerifier verifier(state_.suite);
        return check_block(block, cert, records, verifier, true);
    }
    TrustingVerifier verifier;
    return check_block(block, cert, records, verifier, false);
}

std::vector<AuditProblem> ChainAuditor::check_block(const Block& block, const CommitCertificate& cert,
                                                    const std::vector<Record>& records, RecordVerifier& verifier,
                                                    bool check_certificate) {
    std::vector<AuditProblem> problems;
    const std::uint64_t height = tip_.height + 1;
    BlockCheck checked = chain::check_block(state_, tip_, *history_, block, records, verifier);
    for (const auto& f : checked.faults) {
        std::string id;
        if (f.record && *f.record < block.record_ids.size()) id = to_hex(block.record_ids[*f.record]);
        problems.push_back({height, id, std::string(rule_name(f.rule)) + ": " + f.detail});
    }
    const Hash hash = block_hash(state_.suite, block.header);
    if (check_certificate)
        if (auto p = chain::check_certificate(state_.suite, state_.chain_id, height, hash, cert, state_.validators))
            problems.push_back({height, "", "commit certificate: " + *p});

    records_checked_ += std::min(records.size(), block.record_ids.size());
    if (history_ == &seen_)
        for (std::size_t i = 0; i < std::min(records.size(), block.record_ids.size()); ++i)
            seen_.seen.emplace(key_of(block.record_ids[i]), records[i].submitter);
    tip_.height = height;
    tip_.hash = hash;
    tip_.time_ms = block.header.time_ms;
    tip_.ledger = checked.built.frontier;
    if (checked.next_state) state_ = std::move(*checked.next_state);
    return problems;
}

}  // namespace jchain::chain
