// ChainAuditor: replays a chain from genesis, block by block, and checks every byte an
// auditor cares about: header links and times, certificates, record ids, signatures,
// membership and policy, references, duplicates, and the ledger tree root after every
// block. Pure: the caller feeds blocks from a store or from RPC (`jchain audit`).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "chain/genesis.h"
#include "chain/merkle.h"

namespace jchain::chain {

struct AuditProblem {
    std::uint64_t height = 0;
    std::string record_id;  // empty when the problem is the block's
    std::string problem;
};

class ChainAuditor {
public:
    explicit ChainAuditor(Genesis genesis);

    // Checks the next block (height() + 1) and its records, in ledger order. With
    // verify_signatures false (blocks before an audit's --from), signatures and
    // certificates are skipped but the chain's links and tree are still rebuilt.
    std::vector<AuditProblem> check_block(const Block& block, const CommitCertificate& cert,
                                          const std::vector<Record>& records, bool verify_signatures = true);

    std::uint64_t height() const { return height_; }
    std::uint64_t records_checked() const { return records_checked_; }
    const MerkleFrontier& ledger() const { return frontier_; }

private:
    struct Seen {
        PublicKey submitter;
    };
    const Genesis genesis_;
    const Hash validator_set_hash_;
    std::uint64_t height_ = 0;
    Hash prev_hash_;
    std::uint64_t prev_time_ms_ = 0;
    MerkleFrontier frontier_;
    std::uint64_t records_checked_ = 0;
    std::unordered_map<std::string, Seen> seen_;  // record id bytes -> what later records need
};

}  // namespace jchain::chain
