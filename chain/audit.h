// ChainAuditor: replays a chain from genesis, block by block, and checks every byte an
// auditor cares about: each block against the block-validity rule (chain/validity.h:
// links, times, records, signatures, membership and policy, references, duplicates,
// the ledger tree) and its commit certificate. Pure: the caller feeds blocks from a
// store or from RPC (`jchain audit`) and chooses how signatures are verified.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "chain/validity.h"

namespace jchain::chain {

struct AuditProblem {
    std::uint64_t height = 0;
    std::string record_id;  // empty when the problem is the block's
    std::string problem;
};

class ChainAuditor {
public:
    // `history`: records committed before the block being checked, e.g. a store that
    // answers only for heights below height() + 1. Null: the auditor remembers every
    // record id it has seen, in memory.
    explicit ChainAuditor(Genesis genesis, const History* history = nullptr);

    // Checks the next block (height() + 1) and its records, in ledger order, with the
    // block-validity rule and, when check_certificate, the commit certificate. The
    // auditor moves on to the block as given even when it is invalid, so one bad block
    // does not hide the next one's problems.
    std::vector<AuditProblem> check_block(const Block& block, const CommitCertificate& cert,
                                          const std::vector<Record>& records, RecordVerifier& verifier,
                                          bool check_certificate = true);
    // The same with every signature verified on this thread; with verify_signatures
    // false (blocks before an audit's --from), signatures and the certificate are
    // skipped but every other rule is checked and the ledger rebuilt.
    std::vector<AuditProblem> check_block(const Block& block, const CommitCertificate& cert,
                                          const std::vector<Record>& records, bool verify_signatures = true);

    std::uint64_t height() const { return tip_.height; }
    std::uint64_t records_checked() const { return records_checked_; }
    const MerkleFrontier& ledger() const { return tip_.ledger; }
    const ChainState& state() const { return state_; }

private:
    class SeenHistory final : public History {
    public:
        std::optional<PublicKey> submitter_of(const Hash& id) const override;
        std::unordered_map<std::string, PublicKey> seen;  // record id bytes -> submitter
    };
    ChainState state_;  // in force at height() + 1
    SeenHistory seen_;
    const History* history_;
    ChainTip tip_;
    std::uint64_t records_checked_ = 0;
};

}  // namespace jchain::chain
