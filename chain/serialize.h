// cereal serialisation of the data model, for what is stored and sent between nodes.
// Use with cereal::PortableBinaryArchive (fixed little-endian on every platform).
// These bytes are never hashed or signed: that is the canonical encoding's job
// (docs/encoding.md).
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

template <class Archive>
void serialize(Archive& ar, Record& r) {
    ar(r.chain_id, r.kind, r.content_hash, r.case_id, r.metadata, r.refs, r.submitter, r.client_time_ms, r.nonce,
       r.signature);
}
template <class Archive>
void serialize(Archive& ar, BlockHeader& h) {
    ar(h.chain_id, h.height, h.time_ms, h.prev_hash, h.ledger_size, h.ledger_root, h.validator_set_hash, h.proposer);
}
template <class Archive>
void serialize(Archive& ar, Block& b) { ar(b.header, b.record_ids); }
template <class Archive>
void serialize(Archive& ar, CommitSignature& s) { ar(s.validator, s.signature); }
template <class Archive>
void serialize(Archive& ar, CommitCertificate& c) { ar(c.height, c.round, c.block_hash, c.signatures); }
template <class Archive>
void serialize(Archive& ar, Vote& v) { ar(v.type, v.chain_id, v.height, v.round, v.block_hash); }

}  // namespace jchain::chain
