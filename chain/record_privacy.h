// What keeps a record's case and metadata private (docs/privacy.md, docs/encoding.md
// "Blinded case ids" and "Metadata commitments").
//
// On chain a record carries a case *tag* (a keyed hash of its case id under a 32-byte
// case key held by the agencies and parties of the case) and, for every metadata value
// of an ordinary record, a salted commitment. The clear values stay with the submitter
// and travel in a receipt's `disclosure`, which anyone can check against the record with
// the functions here. Pure functions of their inputs; no I/O.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "chain/record.h"

namespace jchain::chain {

inline constexpr std::size_t case_key_bytes = 32;
using CaseKey = std::array<std::uint8_t, case_key_bytes>;
// A salt is 16 to 64 bytes; jchain submit draws 16 fresh random bytes per value.
inline constexpr std::size_t salt_bytes_min = 16;
inline constexpr std::size_t salt_bytes_max = 64;

inline constexpr std::string_view case_tag_domain = "jchain/case/v1";
inline constexpr std::string_view commitment_domain = "jchain/commitment/v1";

// HMAC (RFC 2104) with the suite's hash (SHA-256 or SM3, both of 64-byte blocks).
Hash hmac(const crypto::Suite& suite, ByteSpan key, ByteSpan message);

// tag = HMAC(case_key, str("jchain/case/v1") || str(chain_id) || str(case_id)), as the
// 64 lower-case hex characters a record's case_tag holds.
std::string case_tag(const crypto::Suite& suite, const CaseKey& key, std::string_view chain_id, std::string_view case_id);

// c = H(str("jchain/commitment/v1") || str(key) || str(value) || str(salt)), as the 64
// lower-case hex characters an ordinary record's metadata value holds.
std::string metadata_commitment(const crypto::Suite& suite, std::string_view key, std::string_view value, ByteSpan salt);

// True when metadata `key` of a record of `kind` stays in clear on chain: every entry of
// a governance record (the state rule reads it) and a correction's `action`.
bool metadata_stays_clear(Kind kind, std::string_view key);

// The clear values behind a record, kept by its submitter (a receipt's `disclosure`).
struct DisclosedValue {
    std::string value;
    Bytes salt;
};
struct Disclosure {
    std::optional<std::string> case_id;  // with case_key, or neither
    std::optional<CaseKey> case_key;
    std::map<std::string, DisclosedValue> metadata;  // a subset of the record's committed keys
};

// nullopt when every disclosed value matches `record` (the tag recomputed from case_id
// and case_key, each value's commitment from its salt), otherwise what does not.
std::optional<std::string> check_disclosure(const crypto::Suite& suite, const Record& record, const Disclosure& d);

}  // namespace jchain::chain
