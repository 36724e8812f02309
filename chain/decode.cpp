#include "chain/decode.h"

#include "base/bytes.h"

namespace jchain::chain {
namespace {

constexpr std::size_t tag_bytes_max = 32;

bool equal(const Bytes& a, ByteSpan b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

}  // namespace

std::optional<Record> parse_record(ByteSpan bytes, const Signature& signature) {
    if (bytes.size() > record_signed_bytes_max) return std::nullopt;
    ByteReader r(bytes);
    Record rec;
    auto tag = r.str(tag_bytes_max);
    auto chain_id = r.str(chain_id_bytes_max);
    auto kind_text = r.str(tag_bytes_max);
    if (!tag || !chain_id || !kind_text) return std::nullopt;
    auto kind = parse_kind(*kind_text);
    if (!kind || !r.fixed_into(rec.content_hash)) return std::nullopt;
    auto case_tag = r.str(case_tag_chars);
    auto entries = r.u32();
    if (!case_tag || !entries || *entries > metadata_entries_max) return std::nullopt;
    for (std::uint32_t i = 0; i < *entries; ++i) {
        auto key = r.str(metadata_key_bytes_max);
        auto value = r.str(metadata_value_bytes_max);
        if (!key || !value) return std::nullopt;
        rec.metadata.emplace(std::move(*key), std::move(*value));
    }
    auto refs = r.u32();
    if (!refs || *refs > refs_max) return std::nullopt;
    rec.refs.resize(*refs);
    for (auto& ref : rec.refs)
        if (!r.fixed_into(ref)) return std::nullopt;
    if (!r.fixed_into(rec.submitter.bytes)) return std::nullopt;
    auto time = r.u64();
    auto nonce = r.u64();
    if (!time || !nonce || r.remaining() != 0) return std::nullopt;
    rec.chain_id = std::move(*chain_id);
    rec.kind = *kind;
    rec.case_tag = std::move(*case_tag);
    rec.client_time_ms = *time;
    rec.nonce = *nonce;
    rec.signature = signature;
    if (!equal(record_signed_bytes(rec), bytes)) return std::nullopt;  // tag, order of metadata, ...
    return rec;
}

std::optional<BlockHeader> parse_header(ByteSpan bytes) {
    ByteReader r(bytes);
    BlockHeader h;
    auto tag = r.str(tag_bytes_max);
    auto chain_id = r.str(chain_id_bytes_max);
    auto height = r.u64();
    auto time = r.u64();
    if (!tag || !chain_id || !height || !time || !r.fixed_into(h.prev_hash) || !r.fixed_into(h.genesis_hash))
        return std::nullopt;
    auto count = r.u64();
    auto size = r.u64();
    if (!count || !size || !r.fixed_into(h.ledger_root) || !r.fixed_into(h.body_hash) || !r.fixed_into(h.validator_set_hash) ||
        !r.fixed_into(h.next_validator_set_hash) || !r.fixed_into(h.state_hash) || !r.fixed_into(h.proposer.bytes) ||
        r.remaining() != 0)
        return std::nullopt;
    h.chain_id = std::move(*chain_id);
    h.height = *height;
    h.time_ms = *time;
    h.record_count = *count;
    h.ledger_size = *size;
    if (!equal(header_bytes(h), bytes)) return std::nullopt;
    return h;
}

std::optional<Vote> parse_vote(ByteSpan bytes) {
    ByteReader r(bytes);
    Vote v;
    auto tag = r.str(tag_bytes_max);
    auto chain_id = r.str(chain_id_bytes_max);
    auto type = r.u8();
    auto height = r.u64();
    auto round = r.u32();
    if (!tag || !chain_id || !type || !height || !round || !r.fixed_into(v.block_hash) || r.remaining() != 0)
        return std::nullopt;
    if (*type != static_cast<std::uint8_t>(VoteType::prevote) && *type != static_cast<std::uint8_t>(VoteType::precommit))
        return std::nullopt;
    v.type = static_cast<VoteType>(*type);
    v.chain_id = std::move(*chain_id);
    v.height = *height;
    v.round = *round;
    if (!equal(vote_signed_bytes(v), bytes)) return std::nullopt;
    return v;
}

}  // namespace jchain::chain
