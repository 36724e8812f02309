// The block-validity rule: whether a block extends a chain correctly. One function,
// check_block, and every path that accepts a block calls it: a validator checking a
// proposal, block sync, `jchain import`, `jchain audit` and the consensus simulator.
// docs/consensus.md ("Block validity") states the rule in words.
//
// It is a pure function of the block, its records, the parent's tip, committed history
// and the chain state in force at the block (chain/state.h: validators, members, policy,
// parameters, pending governance proposals). It never reads a
// clock, node.toml or a mempool, so a block valid once is valid forever, on every node.
// A proposal gets one more check on top, timeliness against the local clock
// (is_timely), which is not part of validity.
//
// Signatures are checked through a RecordVerifier the caller chooses: verifying every
// one (audit, sync with verify_records = "all"), skipping ones already verified at
// admission (a proposal's records from the mempool), or trusting the block's commit
// certificate (sync with "none"). Which signatures were verified is the caller's trust
// decision, never a difference in the rule.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/block_builder.h"
#include "chain/genesis.h"
#include "chain/state.h"

namespace jchain::chain {

// What the block builds on: the parent's height, hash and time, and the ledger tree.
struct ChainTip {
    std::uint64_t height = 0;  // 0: genesis
    Hash hash{};               // the genesis hash at height 0
    std::uint64_t time_ms = 0;  // genesis_time_ms at height 0
    MerkleFrontier ledger;

    static ChainTip genesis(const Genesis& genesis);
};

// Records committed before the block. Implementations: the node's store, the
// auditor's and the simulator's in-memory maps.
class History {
public:
    virtual ~History() = default;
    // The submitter of committed record `id`; nullopt when no such record is committed.
    virtual std::optional<PublicKey> submitter_of(const Hash& id) const = 0;
};

// Checks record signatures in a batch. ids[i] = record_id(records[i]) (the signed
// digest). ok[i] must be true when records[i]'s signature is to be counted valid.
class RecordVerifier {
public:
    virtual ~RecordVerifier() = default;
    virtual std::vector<bool> verify(std::span<const Record> records, std::span<const Hash> ids) = 0;
};

// Verifies each signature on the calling thread.
class SerialVerifier final : public RecordVerifier {
public:
    explicit SerialVerifier(const crypto::Suite& suite) : suite_(suite) {}
    std::vector<bool> verify(std::span<const Record> records, std::span<const Hash> ids) override;

private:
    crypto::Suite suite_;
};

// Verifies nothing: the caller trusts a commit certificate for the records' content.
class TrustingVerifier final : public RecordVerifier {
public:
    std::vector<bool> verify(std::span<const Record> records, std::span<const Hash>) override {
        return std::vector<bool>(records.size(), true);
    }
};

// The rules, by name: log lines and audit reports say which one a block broke.
enum class BlockRule : std::uint8_t {
    chain_id,        // header.chain_id is the genesis chain id
    height,          // parent height + 1
    prev_hash,       // links to the parent (the genesis hash for height 1)
    time,            // strictly after the parent's time
    genesis,         // header.genesis_hash is the chain's
    state,           // header.state_hash is the state in force; next_validator_set_hash the set after the block
    validator_set,   // header.validator_set_hash is the set in force
    proposer,        // the proposer is a validator in force
    record_count,    // at most params.block_records_max; one record per listed id; header.record_count
    block_bytes,     // the records' wire bytes total at most params.block_bytes_max
    record_id,       // each record hashes to the id the block lists
    record_shape,    // fields within their limits, chain id, record_bytes_max
    record_time,     // client_time_ms within params.client_time_window_ms of the block's time
    signature,       // a valid low-S signature by the submitter
    member,          // the submitter is a member in force at the block's height
    permission,      // the member's role may write this kind (corrections: or the target's submitter)
    governance,      // a governance record is well formed and allowed by the state (docs/governance.md)
    reference,       // every ref names a record earlier in the ledger
    duplicate,       // no record id twice in the ledger
    ledger,          // header ledger size and root equal the tree rebuilt with the block's ids
    body,            // header body_hash is the hash of the block's ids and record signatures
};
std::string_view rule_name(BlockRule rule);

struct BlockFault {
    BlockRule rule;
    std::optional<std::size_t> record;  // index in the block, when one record broke it
    std::string detail;                 // one line
    std::string describe() const;        // "rule: detail (record i)"
};

struct BlockCheck {
    std::vector<BlockFault> faults;  // empty: the block is valid
    BuiltBlock built;                // the block rebuilt from its ids: tree nodes to store, the ledger after
    std::optional<ChainState> next_state;  // the state after the block, when its governance records changed it
    bool valid() const { return faults.empty(); }
};

// The rule. `records` are the block's records in the order of block.record_ids. Every
// fault is reported, not only the first, so an audit shows all of them; the ledger in
// `built` is the tree with the block's ids appended whether or not the block is valid.
BlockCheck check_block(const ChainState& state, const ChainTip& parent, const History& history, const Block& block,
                       std::span<const Record> records, RecordVerifier& verifier);

// Timeliness, for proposals only: the block's time is within the drift bound of `now_ms`.
bool is_timely(const ChainParams& params, std::uint64_t block_time_ms, std::uint64_t now_ms);

// Whether a record may go into a block with time `block_time_ms` (the client-time
// window of the rule), for a proposer choosing records and a mempool expiring them.
bool within_client_window(const ChainParams& params, std::uint64_t client_time_ms, std::uint64_t block_time_ms);

}  // namespace jchain::chain
