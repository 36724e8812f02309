// cereal serialisation of the data model, for what is stored and sent between nodes.
// Use with cereal::PortableBinaryArchive (fixed little-endian on every platform).
// These bytes are never hashed or signed: that is the canonical encoding's job
// (docs/encoding.md).
//
// Loading is bounded, as every decoder of bytes from outside the process must be: a
// string length or element count beyond what the largest valid value can hold
// (chain/limits.h) throws cereal::Exception before anything is allocated, as does a
// record kind or vote type outside its enum. So from_cereal of damaged bytes is nullopt,
// never an allocation of 2^60 bytes or a Record whose kind indexes past kind_name's table
// (both found by tests/fuzz/fuzz_stored_values). Saving writes exactly the bytes cereal's
// own std::string, std::vector, std::map and enum serialisation write: stored values
// keep their format.
#pragma once

#include <cereal/types/array.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "chain/block.h"

namespace jchain::crypto {
template <class Archive> void serialize(Archive& ar, PublicKey& k) { ar(k.bytes); }
template <class Archive> void serialize(Archive& ar, Signature& s) { ar(s.bytes); }
}  // namespace jchain::crypto

namespace jchain::chain {

namespace cereal_bounds {

// No string or count inside a record can exceed its whole signed bytes.
inline constexpr std::size_t record_field_max = limits::record_signed_bytes_ceiling;
inline constexpr std::size_t chain_id_max = chain_id_bytes_max;

// A string, vector or map field whose loaded size may not exceed `max`.
template <class T>
struct Bounded {
    T& value;
    std::size_t max;
};
template <class T>
Bounded<T> bounded(T& value, std::size_t max) { return {value, max}; }

// An enum field whose loaded value must be one of `valid`.
template <class E>
struct Checked {
    E& value;
};
template <class E>
Checked<E> checked(E& value) { return {value}; }

template <class Archive>
std::size_t load_size(Archive& ar, std::size_t max) {
    cereal::size_type n = 0;
    ar(cereal::make_size_tag(n));
    if (n > max) throw cereal::Exception("a stored length or count is beyond its limit");
    return static_cast<std::size_t>(n);
}

template <class Archive, class T>
void save(Archive& ar, const Bounded<T>& b) { ar(b.value); }

template <class Archive>
void load(Archive& ar, Bounded<std::string>& b) {
    b.value.resize(load_size(ar, b.max));
    ar(cereal::binary_data(b.value.data(), b.value.size()));
}
template <class Archive, class T>
void load(Archive& ar, Bounded<std::vector<T>>& b) {
    b.value.resize(load_size(ar, b.max));
    for (auto& item : b.value) ar(item);
}
// Record metadata: every key and value bounded too.
template <class Archive>
void load(Archive& ar, Bounded<std::map<std::string, std::string>>& b) {
    const std::size_t n = load_size(ar, b.max);
    b.value.clear();
    for (std::size_t i = 0; i < n; ++i) {
        std::string key, value;
        ar(bounded(key, b.max), bounded(value, b.max));
        b.value.emplace_hint(b.value.end(), std::move(key), std::move(value));
    }
}

template <class E>
bool valid(E e);
template <>
inline bool valid(Kind k) { return static_cast<std::size_t>(k) < std::size(all_kinds); }
template <>
inline bool valid(VoteType t) { return t == VoteType::prevote || t == VoteType::precommit; }

template <class Archive, class E>
void save(Archive& ar, const Checked<E>& c) { ar(static_cast<std::underlying_type_t<E>>(c.value)); }
template <class Archive, class E>
void load(Archive& ar, Checked<E>& c) {
    std::underlying_type_t<E> raw{};
    ar(raw);
    if (!valid(static_cast<E>(raw))) throw cereal::Exception("a stored enum value is out of range");
    c.value = static_cast<E>(raw);
}

}  // namespace cereal_bounds

template <class Archive>
void serialize(Archive& ar, Record& r) {
    using namespace cereal_bounds;
    ar(bounded(r.chain_id, record_field_max), checked(r.kind), r.content_hash, bounded(r.case_tag, record_field_max),
       bounded(r.metadata, record_field_max), bounded(r.refs, record_field_max), r.submitter, r.client_time_ms,
       r.nonce, r.signature);
}
template <class Archive>
void serialize(Archive& ar, BlockHeader& h) {
    using namespace cereal_bounds;
    ar(bounded(h.chain_id, chain_id_max), h.height, h.time_ms, h.prev_hash, h.genesis_hash, h.record_count,
       h.ledger_size, h.ledger_root, h.body_hash, h.validator_set_hash, h.next_validator_set_hash, h.state_hash, h.proposer);
}
template <class Archive>
void serialize(Archive& ar, Block& b) {
    ar(b.header, cereal_bounds::bounded(b.record_ids, limits::block_records_ceiling));
}
template <class Archive>
void serialize(Archive& ar, CommitSignature& s) { ar(s.validator, s.signature); }
template <class Archive>
void serialize(Archive& ar, CommitCertificate& c) {
    ar(c.height, c.round, c.block_hash, cereal_bounds::bounded(c.signatures, limits::validators_ceiling));
}
template <class Archive>
void serialize(Archive& ar, Vote& v) {
    using namespace cereal_bounds;
    ar(checked(v.type), bounded(v.chain_id, chain_id_max), v.height, v.round, v.block_hash);
}

}  // namespace jchain::chain
