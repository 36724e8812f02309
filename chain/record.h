// Record: one signed notarization, the unit of the ledger (docs/encoding.md).
//
// A record is a plain value. Its signed bytes (record_signed_bytes) are the canonical
// encoding of every field but the signature, prefixed with a domain tag; its id is the
// SHA-256 of those bytes, which is also the digest the submitter signs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/limits.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/suite.h"

namespace jchain::chain {

using crypto::Hash;
using crypto::PublicKey;
using crypto::Signature;

// Record kinds of the contract. The numeric values are not encoded (the name is).
enum class Kind : std::uint8_t {
    evidence, service, notice, judgment, order, operation, handover, correction, governance,
};
inline constexpr Kind all_kinds[] = {Kind::evidence, Kind::service,  Kind::notice,
                                     Kind::judgment, Kind::order,    Kind::operation,
                                     Kind::handover, Kind::correction, Kind::governance};
// Valid UTF-8 (no overlong forms or surrogates) without control characters.
bool is_clean_utf8(std::string_view s);

std::string_view kind_name(Kind kind);
std::optional<Kind> parse_kind(std::string_view name);

struct Record {
    std::string chain_id;
    Kind kind = Kind::evidence;
    Hash content_hash{};
    // Empty when the record belongs to no case; otherwise the case's blinded tag, 64
    // lower-case hex characters (chain/record_privacy.h): never the case id itself.
    std::string case_tag;
    // Sorted by key, keys unique. On an ordinary record each value is a salted
    // commitment, 64 lower-case hex characters, but for a correction's `action`; a
    // governance record's values are clear text the state rule reads (docs/privacy.md).
    std::map<std::string, std::string> metadata;
    std::vector<Hash> refs;                       // ids of earlier records
    PublicKey submitter;
    std::uint64_t client_time_ms = 0;
    std::uint64_t nonce = 0;
    Signature signature;  // over record_id(*this); not part of the signed bytes
};

// Limits checked by check_record_shape (the admission boundary).
inline constexpr std::size_t chain_id_bytes_max = 64;
inline constexpr std::size_t case_id_bytes_max = 128;     // the clear case id (client side, disclosures)
inline constexpr std::size_t case_tag_chars = 64;         // a case tag or a commitment, in hex
inline constexpr std::size_t metadata_entries_max = 16;
inline constexpr std::size_t metadata_key_bytes_max = 32;
inline constexpr std::size_t metadata_value_bytes_max = 256;
inline constexpr std::size_t refs_max = 16;
// The ceiling (chain/limits.h); a chain may set a lower params.record_bytes_max.
inline constexpr std::size_t record_signed_bytes_max = limits::record_signed_bytes_ceiling;

// The canonical bytes that are hashed and signed (docs/encoding.md, "Record").
Bytes record_signed_bytes(const Record& record);
// The suite's hash of record_signed_bytes: the record id, and the signed digest.
Hash record_id(const crypto::Suite& suite, const Record& record);

// Field checks that need no state: lengths, characters, key syntax, ref count, and the
// privacy rule: a case tag or nothing, no clear metadata on an ordinary record.
// nullopt when the shape is valid, otherwise a one-line reason for the user.
std::optional<std::string> check_record_shape(const Record& record);

// Signs `record` in place with `key` (setting submitter to its public key).
void sign_record(const crypto::Suite& suite, Record& record, const crypto::KeyPair& key);
// True when the signature is a valid signature by record.submitter under the suite.
bool verify_record_signature(const crypto::Suite& suite, const Record& record);

// For the wrong_suite refusal: when `record` does not verify under the chain's `suite`
// but is validly signed under another (the other suite, or sm2-sm3 with the default user
// ID on a chain that names its own), that suite. Costs verifications: failure paths only.
std::optional<crypto::Suite> foreign_suite(const crypto::Suite& suite, const Record& record);
// One line for the user: what the record was made for and what this chain is.
std::string wrong_suite_message(const crypto::Suite& chain_suite, const crypto::Suite& record_suite);

// A correction's action, from metadata "action": "amend" (default) or "revoke".
enum class CorrectionAction { amend, revoke };
std::optional<CorrectionAction> correction_action(const Record& record);

}  // namespace jchain::chain
