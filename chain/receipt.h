// Receipts ("format": "jchain-receipt/1", docs/receipt.md): everything needed to prove
// offline that a record is on the chain, checkable with the genesis file alone.
// Building and checking are pure functions of their inputs.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chain/genesis.h"

namespace jchain::chain {

inline constexpr std::string_view receipt_format = "jchain-receipt/1";

struct ReceiptParts {
    Record record;
    std::uint64_t leaf_index = 0;
    std::vector<Hash> inclusion_path;  // to header.ledger_root at header.ledger_size
    BlockHeader header;
    CommitCertificate certificate;
    ValidatorSet validators;
};

boost::json::value make_receipt(const ReceiptParts& parts);

struct ReceiptCheck {
    std::string name;    // e.g. "record signature"
    bool ok = false;
    std::string detail;  // what was compared, or why it failed
};

struct ReceiptVerdict {
    bool ok = false;  // every check passed
    std::vector<ReceiptCheck> checks;
    std::optional<Record> record;
    std::optional<BlockHeader> header;
};

// Checks every link: file -> content hash (when file_hash is given), record signed
// bytes, id and signature, inclusion proof -> ledger root in the header, header bytes
// and hash, the commit certificate (>2/3 of the validator set), the validator set
// against the genesis. A malformed or tampered receipt yields ok == false with the
// failing check named; it never throws.
ReceiptVerdict verify_receipt(const boost::json::value& receipt, const Genesis& genesis,
                              const std::optional<Hash>& file_hash);

}  // namespace jchain::chain
