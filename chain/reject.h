// Why a record (or a request about one) is refused. The words are the contract's
// data.reason values; the codes are JSON-RPC project error codes (docs/rpc.md).
#pragma once

#include <string>
#include <string_view>

namespace jchain::chain {

enum class RejectReason {
    invalid_record,     // malformed field (-32602)
    bad_signature,      // -32000
    unknown_member,     // -32001
    not_permitted,      // -32002
    duplicate,          // -32003
    wrong_chain,        // -32004
    stale_timestamp,    // -32005: client time outside the admission window
    too_large,          // -32006
    not_found,          // -32007
    unknown_reference,  // -32008: a ref names no committed record
    mempool_full,       // -32009: try again later
    not_supported,      // -32010
    node_halted,        // -32011: the node cannot write (disk full, I/O error); retry later
    wrong_suite,        // -32012: signed or keyed for another crypto suite (or SM2 user ID) than the chain's
};

struct Reject {
    RejectReason reason;
    std::string message;  // one line for the user
    std::string word;     // a finer data.reason than the reason's (governance: expired, duplicate_approval, ...)
};

constexpr std::string_view reason_word(RejectReason r) {
    switch (r) {
        case RejectReason::invalid_record: return "invalid_record";
        case RejectReason::bad_signature: return "bad_signature";
        case RejectReason::unknown_member: return "unknown_member";
        case RejectReason::not_permitted: return "not_permitted";
        case RejectReason::duplicate: return "duplicate";
        case RejectReason::wrong_chain: return "wrong_chain";
        case RejectReason::stale_timestamp: return "stale_timestamp";
        case RejectReason::too_large: return "too_large";
        case RejectReason::not_found: return "not_found";
        case RejectReason::unknown_reference: return "unknown_reference";
        case RejectReason::mempool_full: return "mempool_full";
        case RejectReason::not_supported: return "not_supported";
        case RejectReason::node_halted: return "node_halted";
        case RejectReason::wrong_suite: return "wrong_suite";
    }
    return "internal";
}

constexpr int reason_code(RejectReason r) {
    if (r == RejectReason::invalid_record) return -32602;
    return -32000 - (static_cast<int>(r) - static_cast<int>(RejectReason::bad_signature));
}

}  // namespace jchain::chain
