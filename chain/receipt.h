// Receipts ("format": "jchain-receipt/4", docs/receipt.md): everything needed to prove
// offline that a record is on the chain, checkable with the genesis file alone.
// Building and checking are pure functions of their inputs.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chain/checkpoint.h"
#include "chain/genesis.h"
#include "chain/record_privacy.h"
#include "chain/state.h"

namespace jchain::chain {

inline constexpr std::string_view receipt_format = "jchain-receipt/4";

// One validator-set change a light client follows: block `header` (certified by the set
// in force, `certificate`) names `next` as its next_validator_set_hash.
struct ValidatorStep {
    BlockHeader header;
    CommitCertificate certificate;
    ValidatorSet next;
};

// One step of a light client's walk from the genesis validators: `step.header` is a block
// of this genesis above `last_height` that names `current` as its validator set, is
// certified by more than 2/3 of it, and names `step.next` (a different set) as the next.
// nullopt when it holds, otherwise why not. Receipts and `jchain monitor` walk with it.
std::optional<std::string> check_validator_step(const Genesis& genesis, const ValidatorSet& current,
                                                std::uint64_t last_height, const ValidatorStep& step);

// A signed checkpoint at or after the receipt's block (docs/checkpoints.md, "In a
// receipt"): proves the block's ledger is a prefix of a log the validators signed and
// witnesses cosigned, so the receipt's holder was not shown a split view. It is bound to
// the chain by the certified header at `height`: the note's size and root are that
// header's ledger, the walk through `validator_changes` must reach the set that header
// names, and the state that header names says which witnesses were in force.
struct ReceiptCheckpoint {
    std::string note;                              // the signed note, with witnesses' lines
    std::uint64_t height = 0;                      // the block that reached its size
    std::vector<Hash> consistency_path;            // RFC 6962, from the block's ledger size to it
    std::vector<ValidatorStep> validator_changes;  // after the receipt's block, below `height`
    BlockHeader header;                            // block `height`
    CommitCertificate certificate;                 // its commit certificate
    StateView state;                               // the state in force at `height`
};

struct ReceiptParts {
    crypto::Suite suite;  // the chain's: names the receipt's hashes and signatures
    Record record;
    std::uint64_t leaf_index = 0;
    std::vector<Hash> inclusion_path;  // to header.ledger_root at header.ledger_size
    BlockHeader header;
    CommitCertificate certificate;
    ValidatorSet validators;                   // the set that certified the block
    StateView state;                           // members, policy, params in force at the block
    std::vector<ValidatorStep> validator_changes;  // every change from genesis up to the block
    std::optional<ReceiptCheckpoint> checkpoint;   // optional
};

boost::json::value make_receipt(const ReceiptParts& parts);

struct ReceiptCheck {
    std::string name;    // e.g. "record signature"
    bool ok = false;
    std::string detail;  // what was compared, or why it failed
};

// What a verified receipt rests on (docs/receipt.md "What a receipt proves").
enum class TrustBasis {
    validators_only,  // signatures of validators; keys that once held the power could forge it
    witnessed,        // and a checkpoint cosigned by witness_quorum of the witnesses in force
};

struct ReceiptVerdict {
    bool ok = false;  // every check passed
    std::vector<ReceiptCheck> checks;
    TrustBasis basis = TrustBasis::validators_only;
    std::string basis_text;  // "witnessed by K of N witnesses (…)" or "certified by validators only"
    std::optional<Record> record;
    std::optional<BlockHeader> header;
    // The receipt's `disclosure`, when it carries one and every value in it matches the
    // record (check "disclosure"); nullopt otherwise.
    std::optional<Disclosure> disclosed;
};

// A receipt's `disclosure` object (docs/receipt.md, "Disclosure"): the clear case id
// with its case key and the clear metadata values with their salts, as the submitter's
// client keeps them. A receipt fetched from a node has none.
boost::json::value disclosure_to_json(const Disclosure& d);
Result<Disclosure> disclosure_from_json(const boost::json::value& v);

// Checks every link: file -> content hash (when file_hash is given), record signed
// bytes, id and signature, the submitter's membership and role in the state the header
// names, inclusion proof -> ledger root in the header (and the leaf among the block's
// own), header bytes and hash, the genesis the header names, the chain of validator-set
// changes from the genesis set to the block's (each certified by the set before it),
// and the commit certificate (>2/3 of that set). Every JSON part must be in canonical
// form (lower-case hex, signatures sorted), as docs/receipt.md says. A malformed or tampered receipt yields ok == false with the
// failing check named; it never throws.
// A receipt with a `disclosure` gets the check "disclosure": the case tag and every
// disclosed commitment recomputed from the clear values (chain/record_privacy.h).
// A receipt with a `checkpoint` also gets its check: signed by more than 2/3 of the
// validator set at its block (walked on from the receipt's block), no bad signature by a
// known key, and a consistency proof from the block's ledger to it. `witnesses` are the
// ones the reader trusts: their cosignatures are named in the check's detail.
//
// The trust basis (check "trust basis"): a checkpoint is witnessed when at least
// params.witness_quorum witnesses in force at its block (the state its certified header
// names) cosigned it, counting only witnesses the reader knows without the chain's later
// history: the genesis witnesses and `witnesses` (--witness). When the genesis or that
// state declares witnesses, a receipt that is not witnessed fails unless
// `accept_validators_only`; a witness of `witnesses` that did not cosign always fails.
ReceiptVerdict verify_receipt(const boost::json::value& receipt, const Genesis& genesis,
                              const std::optional<Hash>& file_hash, const std::vector<Witness>& witnesses = {},
                              bool accept_validators_only = false);

}  // namespace jchain::chain
