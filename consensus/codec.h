// Encodings of consensus messages for the network and the write-ahead log, and of
// certified blocks for block sync (docs/consensus.md, "Encoding"). Headers, votes and
// records travel as their canonical signed bytes (docs/encoding.md), so what is checked
// is exactly what was signed. Decoding is pure and bounded: counts are checked against
// CodecLimits before anything is allocated; any malformed input is nullopt.
#pragma once

#include <optional>
#include <utility>

#include "chain/limits.h"
#include "consensus/engine.h"

namespace jchain::consensus {

// Defaults are the compile-time ceilings (chain/limits.h), which say why the largest
// valid block fits a frame and the consensus log.
struct CodecLimits {
    std::size_t records_per_block_max = chain::limits::block_records_ceiling;
    std::size_t validators_max = chain::limits::validators_ceiling;
};

Bytes encode_message(const Message& m);
std::optional<Message> decode_message(ByteSpan bytes, const CodecLimits& limits = {});

Bytes encode_wal_entry(const WalEntry& e);
std::optional<WalEntry> decode_wal_entry(ByteSpan bytes, const CodecLimits& limits = {});

struct CertifiedBlock {
    ValuePtr value;
    chain::CommitCertificate certificate;
};
Bytes encode_certified(const Value& value, const chain::CommitCertificate& cert);
std::optional<CertifiedBlock> decode_certified(ByteSpan bytes, const CodecLimits& limits = {});

// A batch of records (mempool gossip).
Bytes encode_records(const std::vector<chain::Record>& records);
std::optional<std::vector<chain::Record>> decode_records(ByteSpan bytes, const CodecLimits& limits = {});

}  // namespace jchain::consensus
