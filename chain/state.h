// ChainState: who may do what at a height. Genesis fixes the first state; governance
// records (docs/governance.md) change it by vote. The state after block H is a pure
// function of genesis and blocks 1..H, so every node, the auditor and the simulator
// derive the same one.
//
// A change approved in block H is in force from block H + 1: block H's header already
// names the next validator set (next_validator_set_hash), so a light client following
// headers sees every change before the first block it applies to.
//
// The nodes in force at a height (validators and observer nodes) are the only keys that
// may open P2P links then; members sign records and never open links (docs/p2p.md).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/block_builder.h"
#include "chain/genesis.h"
#include "chain/reject.h"

namespace jchain::chain {

// One term of a member: a key with a name and role, in force at heights
// [since_height, until_height) (until_height 0: still in force). A role change or key
// rotation ends a term and begins another, so past terms stay for audits and receipts.
struct MemberTerm {
    std::string name;
    PublicKey key;
    std::string role;
    std::uint64_t since_height = 1;
    std::uint64_t until_height = 0;
    bool in_force_at(std::uint64_t height) const {
        return since_height <= height && (until_height == 0 || height < until_height);
    }
};

// One term of an observer node (a node that follows the chain without voting; it signs
// no records): in force at heights [since_height, until_height) (0: still in force).
struct NodeTerm {
    std::string name;
    PublicKey key;
    std::uint64_t since_height = 1;
    std::uint64_t until_height = 0;
    bool in_force_at(std::uint64_t height) const {
        return since_height <= height && (until_height == 0 || height < until_height);
    }
};

// One term of a witness (docs/checkpoints.md): in force at heights [since_height,
// until_height) (0: still in force). Its cosignatures count for checkpoints of blocks in it.
struct WitnessTerm {
    Witness witness;
    std::uint64_t since_height = 1;
    std::uint64_t until_height = 0;
    bool in_force_at(std::uint64_t height) const {
        return since_height <= height && (until_height == 0 || height < until_height);
    }
};

enum class GovOp : std::uint8_t {
    add_member, suspend_member, set_role, rotate_key,
    add_validator, remove_validator, set_power, set_policy, set_param,
    add_node, remove_node,
    add_witness, remove_witness,
};
std::string_view op_name(GovOp op);
std::optional<GovOp> parse_op(std::string_view name);

// What a proposal changes. Only the fields of its op are set.
struct GovAction {
    GovOp op = GovOp::add_member;
    std::string name;          // add-member, add-validator, add-node
    PublicKey key;             // the member, validator or node concerned
    PublicKey new_key;         // rotate-key
    std::string role;          // add-member, set-role
    std::uint64_t power = 0;   // add-validator, set-power
    std::string p2p;           // add-validator: where its node listens (optional)
    Kind kind = Kind::evidence;  // set-policy
    std::set<std::string> roles;  // set-policy
    std::string param;         // set-param
    std::uint64_t value = 0;   // set-param
    Witness witness;           // add-witness, remove-witness
    bool acknowledge_few_validators = false;  // "acknowledge": "fewer-than-4-validators"
    std::string describe() const;             // one line for people
};

// Governance record metadata (docs/governance.md): "action" is "propose" (with "op" and
// the op's fields, optional "expires_after" in blocks) or "approve" (refs[0] is the
// proposal). Parsing checks the shape only; check_governance checks it against a state.
struct GovRecord {
    bool approve = false;
    Hash proposal{};          // approve: the proposal's record id
    GovAction action;         // propose
    std::uint64_t expires_after = 0;
};
Result<GovRecord> parse_governance(const crypto::Suite& suite, const Record& record);
// The metadata of a proposal or approval, for clients building the record.
std::map<std::string, std::string> governance_metadata(const GovAction& action, std::uint64_t expires_after);

inline constexpr std::uint64_t proposal_lifetime_default = 1000;   // blocks
inline constexpr std::uint64_t proposal_lifetime_max = 1'000'000;  // blocks
// Pending proposals one validator may have at once: with expired ones dropped, this bounds
// the proposals a state holds besides decided ones (the store keeps the lists in chunks and
// writes only the chunks a governance block changed: docs/storage.md).
inline constexpr std::size_t pending_proposals_per_validator_max = 64;
inline constexpr std::uint64_t validator_power_max = 1'000'000;
inline constexpr std::uint64_t total_power_max = 1'000'000'000;  // far from u64 overflow in 3 * power

struct Proposal {
    Hash id{};
    std::uint64_t height = 0;  // the block that committed the proposal
    PublicKey proposer;
    GovAction action;
    std::uint64_t expires_height = 0;  // approvals count up to and including this height
    std::set<PublicKey> approvals;     // validator keys, the proposer's included
    std::uint64_t effective_height = 0;  // 0 while pending; else the first height it is in force at
};

// The certified history light clients follow: block `height`'s header names `next`
// as next_validator_set_hash, so block height + 1 onwards are certified by `next`.
struct ValidatorChange {
    std::uint64_t height = 0;
    ValidatorSet next;
};

struct ChainState {
    std::string chain_id;
    Hash genesis_hash{};
    crypto::Suite suite;       // the genesis suite: hashes every id, checks every signature
    std::uint64_t height = 0;  // the last block applied; 0: the genesis state
    ValidatorSet validators;   // in force at height + 1
    std::vector<MemberTerm> members;  // every term ever, in order of creation
    std::vector<NodeTerm> nodes;      // observer nodes: every term ever, in order of creation
    std::vector<WitnessTerm> witnesses;  // every term ever, in order of creation
    std::map<Kind, std::set<std::string>> policy;
    ChainParams params;
    std::map<Hash, Proposal> proposals;  // pending and decided; expired ones are dropped (GovernanceBlock::finish)
    std::map<PublicKey, std::string> validator_p2p;  // addresses announced by add-validator
    std::vector<ValidatorChange> validator_changes;  // {0, the genesis set}, then each change in height order

    static ChainState from_genesis(const Genesis& genesis);

    // The term of `key` in force at `height`, or null.
    const MemberTerm* member_at(const PublicKey& key, std::uint64_t height) const;
    std::vector<MemberTerm> members_at(std::uint64_t height) const;  // sorted by key
    // The validator set that certified block `height` (the genesis set before any change).
    ValidatorSet validators_at(std::uint64_t height) const;
    // Observer nodes in force at `height`, sorted by key.
    std::vector<NodeTerm> nodes_at(std::uint64_t height) const;
    const NodeTerm* node_at(const PublicKey& key, std::uint64_t height) const;
    // Witnesses in force at `height`, sorted by key: whose cosignatures make a checkpoint
    // of block `height` witnessed (params.witness_quorum of them).
    std::vector<Witness> witnesses_at(std::uint64_t height) const;
    // The keys that may hold P2P links at `height`: the validators that certify block
    // `height` and the observer nodes in force at it. Member keys are never among them.
    std::set<PublicKey> node_keys_at(std::uint64_t height) const;
};

// The header fields of block `height` that come from the state: `in_force` is the state
// its records obey, `next` the state after it (null: the block changes nothing).
HeaderBasis header_basis(const ChainState& in_force, std::uint64_t height, const ChainState* next = nullptr);

// The suite's hash of state_bytes: what header.state_hash of block `height` must be.
Bytes state_bytes(const ChainState& state, std::uint64_t height);
Hash state_hash(const ChainState& state, std::uint64_t height);

// The in-force part of the state at `height`, which state_bytes encodes, as JSON
// (receipts carry it; docs/receipt.md), and back.
struct StateView {
    std::vector<MemberTerm> members;  // in force, sorted by key
    std::map<Kind, std::set<std::string>> policy;
    ChainParams params;
    std::vector<NodeTerm> nodes;      // observer nodes in force, sorted by key
    std::vector<Witness> witnesses;   // witnesses in force, sorted by key
};
StateView state_view(const ChainState& state, std::uint64_t height);
boost::json::value state_view_to_json(const ChainState& state, std::uint64_t height);
Result<StateView> state_view_from_json(const crypto::Suite& suite, const boost::json::value& json);
boost::json::value state_view_to_json(const StateView& view);
Bytes state_view_bytes(const StateView& view);

// The whole state, for the store (docs/storage.md) and RPC.
boost::json::value state_to_json(const ChainState& state);
Result<ChainState> state_from_json(const boost::json::value& json);

// Why a governance record is refused: the rule, the RPC reason word, one line.
struct GovFault {
    RejectReason reason;
    std::string word;     // data.reason: not_validator, bad_action, unknown_proposal, ...
    std::string message;
};

// The governance records of one block, checked and applied in order. Checks use the
// state in force at the block (validators, members) and the proposals as the block's
// earlier records left them; effects apply at the end, in force from height + 1.
class GovernanceBlock {
public:
    GovernanceBlock(const ChainState& in_force, std::uint64_t height);
    std::optional<GovFault> check(const Record& record, const Hash& id) const;
    void apply(const Record& record, const Hash& id);  // precondition: check passed
    // Drops the pending proposals no approval can decide any more (expires_height at or
    // below this block's height) and stamps the state with `height`.
    ChainState finish() &&;

private:
    std::optional<GovFault> check_effect(const GovAction& a) const;
    void take_effect(Proposal& p);

    const ChainState& in_force_;
    std::uint64_t height_;
    ChainState next_;
    std::uint64_t power_lost_ = 0;  // power of in-force validators removed or lowered by this block
};

// The state after a valid block at `height` with these records (ids[i] = record_id of
// records[i]); nullopt when it has no governance record and so changes nothing.
std::optional<ChainState> state_after_block(const ChainState& in_force, std::uint64_t height,
                                            std::span<const Record> records, std::span<const Hash> ids);

// Whether `record` may be written at `height` under `state` by its submitter: member in
// force, role allowed for the kind (corrections: or the corrected record's submitter,
// found with `submitter_of`), governance by a validator (or a member rotating its own
// key). Governance content is checked by GovernanceBlock.
struct PermissionFault {
    RejectReason reason;
    bool not_member = false;  // the submitter is not a member in force (rule "member")
    std::string message;
};
template <class SubmitterOf>
std::optional<PermissionFault> check_permission(const ChainState& state, std::uint64_t height, const Record& r,
                                                SubmitterOf&& submitter_of);

// ---- implementation of the template
bool governance_submitter(const ChainState& state, std::uint64_t height, const Record& r);
std::optional<PermissionFault> member_permission(const ChainState& state, std::uint64_t height, const Record& r,
                                                 bool corrects_own_record);

template <class SubmitterOf>
std::optional<PermissionFault> check_permission(const ChainState& state, std::uint64_t height, const Record& r,
                                                SubmitterOf&& submitter_of) {
    if (r.kind == Kind::governance) {
        if (governance_submitter(state, height, r)) return std::nullopt;
        return PermissionFault{RejectReason::not_permitted, false,
                               "governance records are written by validators in force (or by a member rotating its "
                               "own key); " + to_hex(r.submitter.bytes) + " is neither"};
    }
    bool own = false;
    if (r.kind == Kind::correction && !r.refs.empty()) {
        auto target = submitter_of(r.refs[0]);
        own = target && *target == r.submitter;
    }
    return member_permission(state, height, r, own);
}

}  // namespace jchain::chain
