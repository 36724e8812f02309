#include "consensus/codec.h"

#include <cassert>

#include "base/bytes.h"
#include "chain/decode.h"

namespace jchain::consensus {
namespace {

enum : std::uint8_t {
    tag_proposal = 1,
    tag_vote = 2,
    tag_wal_round = 3,
    tag_wal_lock = 4,
    tag_wal_lock_ref = 5,  // a lock on a value logged earlier at the height: its hash, not the value
    tag_proposal_ref = 6,  // an own proposal of a value logged earlier at the height
};
constexpr std::size_t header_bytes_max = chain::limits::header_bytes_max;
constexpr std::size_t vote_bytes_max = chain::limits::vote_signed_bytes_max;

void write_record(ByteWriter& w, const chain::Record& r) {
    w.var(chain::record_signed_bytes(r));
    w.fixed(r.signature.bytes);
}

std::optional<chain::Record> read_record(ByteReader& r) {
    auto bytes = r.var(chain::record_signed_bytes_max);
    Signature sig;
    if (!bytes || !r.fixed_into(sig.bytes)) return std::nullopt;
    return chain::parse_record(*bytes, sig);
}

void write_value(ByteWriter& w, const Value& v) {
    w.var(chain::header_bytes(v.block.header));
    w.u32(static_cast<std::uint32_t>(v.block.record_ids.size()));
    for (const auto& id : v.block.record_ids) w.fixed(id);
    w.u32(static_cast<std::uint32_t>(v.records.size()));
    for (const auto& rec : v.records) write_record(w, rec);
}

std::optional<ValuePtr> read_value(ByteReader& r, const CodecLimits& limits) {
    auto header = r.var(header_bytes_max);
    if (!header) return std::nullopt;
    auto parsed = chain::parse_header(*header);
    auto ids = r.u32();
    if (!parsed || !ids || *ids > limits.records_per_block_max || *ids * 32ull > r.remaining()) return std::nullopt;
    Value v;
    v.block.header = std::move(*parsed);
    v.block.record_ids.resize(*ids);
    for (auto& id : v.block.record_ids)
        if (!r.fixed_into(id)) return std::nullopt;
    auto records = r.u32();
    if (!records || *records > limits.records_per_block_max || *records * chain::limits::record_wire_bytes_min > r.remaining()) return std::nullopt;
    v.records.reserve(*records);
    for (std::uint32_t i = 0; i < *records; ++i) {
        auto rec = read_record(r);
        if (!rec) return std::nullopt;
        v.records.push_back(std::move(*rec));
    }
    return std::make_shared<const Value>(std::move(v));
}

void write_vote(ByteWriter& w, const SignedVote& v) {
    w.var(chain::vote_signed_bytes(v.vote));
    w.fixed(v.validator.bytes);
    w.fixed(v.signature.bytes);
}

std::optional<SignedVote> read_vote(ByteReader& r) {
    auto bytes = r.var(vote_bytes_max);
    if (!bytes) return std::nullopt;
    auto vote = chain::parse_vote(*bytes);
    SignedVote v;
    if (!vote || !r.fixed_into(v.validator.bytes) || !r.fixed_into(v.signature.bytes)) return std::nullopt;
    v.vote = std::move(*vote);
    return v;
}

void write_votes(ByteWriter& w, const std::vector<SignedVote>& votes) {
    w.u32(static_cast<std::uint32_t>(votes.size()));
    for (const auto& v : votes) write_vote(w, v);
}

std::optional<std::vector<SignedVote>> read_votes(ByteReader& r, const CodecLimits& limits) {
    auto n = r.u32();
    if (!n || *n > limits.validators_max) return std::nullopt;
    std::vector<SignedVote> out;
    out.reserve(*n);
    for (std::uint32_t i = 0; i < *n; ++i) {
        auto v = read_vote(r);
        if (!v) return std::nullopt;
        out.push_back(std::move(*v));
    }
    return out;
}

void write_proposal(ByteWriter& w, const Proposal& p) {
    w.u64(p.height);
    w.u32(p.round);
    w.u32(static_cast<std::uint32_t>(p.pol_round + 1));
    w.fixed(p.block_hash);
    if (p.value) write_value(w, *p.value);  // a WAL entry by reference has none (tag_proposal_ref)
    write_votes(w, p.pol_votes);
    w.fixed(p.proposer.bytes);
    w.fixed(p.signature.bytes);
}

std::optional<Proposal> read_proposal(ByteReader& r, const CodecLimits& limits, bool with_value = true) {
    Proposal p;
    auto height = r.u64();
    auto round = r.u32();
    auto pol = r.u32();
    if (!height || !round || !pol || !r.fixed_into(p.block_hash)) return std::nullopt;
    std::optional<ValuePtr> value = ValuePtr{};
    if (with_value) value = read_value(r, limits);
    if (!value) return std::nullopt;
    auto votes = read_votes(r, limits);
    if (!votes || !r.fixed_into(p.proposer.bytes) || !r.fixed_into(p.signature.bytes)) return std::nullopt;
    p.height = *height;
    p.round = *round;
    p.pol_round = static_cast<std::int64_t>(*pol) - 1;
    p.value = std::move(*value);
    p.pol_votes = std::move(*votes);
    return p;
}

}  // namespace

Bytes encode_message(const Message& m) {
    ByteWriter w;
    if (const auto* p = std::get_if<Proposal>(&m)) {
        assert(p->value);
        w.u8(tag_proposal);
        write_proposal(w, *p);
    } else {
        w.u8(tag_vote);
        write_vote(w, std::get<SignedVote>(m));
    }
    return std::move(w).take();
}

std::optional<Message> decode_message(ByteSpan bytes, const CodecLimits& limits) {
    ByteReader r(bytes);
    auto tag = r.u8();
    std::optional<Message> out;
    if (tag == tag_proposal) {
        if (auto p = read_proposal(r, limits)) out = std::move(*p);
    } else if (tag == tag_vote) {
        if (auto v = read_vote(r)) out = std::move(*v);
    }
    if (r.remaining() != 0) return std::nullopt;
    return out;
}

Bytes encode_wal_entry(const WalEntry& e) {
    ByteWriter w;
    if (const auto* round = std::get_if<WalRound>(&e)) {
        w.u8(tag_wal_round);
        w.u64(round->height);
        w.u32(round->round);
    } else if (const auto* lock = std::get_if<WalLock>(&e)) {
        w.u8(lock->value ? tag_wal_lock : tag_wal_lock_ref);
        w.u64(lock->height);
        w.u32(lock->round);
        if (lock->value) write_value(w, *lock->value);
        else w.fixed(lock->value_hash);
        write_votes(w, lock->pol_votes);
    } else if (const auto* p = std::get_if<Proposal>(&e)) {
        w.u8(p->value ? tag_proposal : tag_proposal_ref);
        write_proposal(w, *p);
    } else {
        w.u8(tag_vote);
        write_vote(w, std::get<SignedVote>(e));
    }
    return std::move(w).take();
}

std::optional<WalEntry> decode_wal_entry(ByteSpan bytes, const CodecLimits& limits) {
    ByteReader r(bytes);
    auto tag = r.u8();
    std::optional<WalEntry> out;
    if (tag == tag_wal_round) {
        auto height = r.u64();
        auto round = r.u32();
        if (height && round) out = WalRound{*height, *round};
    } else if (tag == tag_wal_lock) {
        auto height = r.u64();
        auto round = r.u32();
        if (height && round)
            if (auto value = read_value(r, limits))
                if (auto votes = read_votes(r, limits)) out = WalLock{*height, *round, *value, std::move(*votes)};
    } else if (tag == tag_wal_lock_ref) {
        auto height = r.u64();
        auto round = r.u32();
        Hash hash{};
        if (height && round && r.fixed_into(hash))
            if (auto votes = read_votes(r, limits)) out = WalLock{*height, *round, nullptr, std::move(*votes), hash};
    } else if (tag == tag_proposal) {
        if (auto p = read_proposal(r, limits)) out = std::move(*p);
    } else if (tag == tag_proposal_ref) {
        if (auto p = read_proposal(r, limits, /*with_value=*/false)) out = std::move(*p);
    } else if (tag == tag_vote) {
        if (auto v = read_vote(r)) out = std::move(*v);
    }
    if (r.remaining() != 0) return std::nullopt;
    return out;
}

Bytes encode_certified(const Value& value, const chain::CommitCertificate& cert) {
    ByteWriter w;
    write_value(w, value);
    w.u64(cert.height);
    w.u32(cert.round);
    w.fixed(cert.block_hash);
    w.u32(static_cast<std::uint32_t>(cert.signatures.size()));
    for (const auto& s : cert.signatures) {
        w.fixed(s.validator.bytes);
        w.fixed(s.signature.bytes);
    }
    return std::move(w).take();
}

std::optional<CertifiedBlock> decode_certified(ByteSpan bytes, const CodecLimits& limits) {
    ByteReader r(bytes);
    auto value = read_value(r, limits);
    if (!value) return std::nullopt;
    CertifiedBlock out{*value, {}};
    auto height = r.u64();
    auto round = r.u32();
    if (!height || !round || !r.fixed_into(out.certificate.block_hash)) return std::nullopt;
    auto n = r.u32();
    if (!n || *n > limits.validators_max) return std::nullopt;
    out.certificate.height = *height;
    out.certificate.round = *round;
    out.certificate.signatures.resize(*n);
    for (auto& s : out.certificate.signatures)
        if (!r.fixed_into(s.validator.bytes) || !r.fixed_into(s.signature.bytes)) return std::nullopt;
    if (r.remaining() != 0) return std::nullopt;
    return out;
}

Bytes encode_records(const std::vector<chain::Record>& records) {
    ByteWriter w;
    w.u32(static_cast<std::uint32_t>(records.size()));
    for (const auto& r : records) write_record(w, r);
    return std::move(w).take();
}

std::optional<std::vector<chain::Record>> decode_records(ByteSpan bytes, const CodecLimits& limits) {
    ByteReader r(bytes);
    auto n = r.u32();
    if (!n || *n > limits.records_per_block_max || *n * chain::limits::record_wire_bytes_min > r.remaining()) return std::nullopt;
    std::vector<chain::Record> out;
    out.reserve(*n);
    for (std::uint32_t i = 0; i < *n; ++i) {
        auto rec = read_record(r);
        if (!rec) return std::nullopt;
        out.push_back(std::move(*rec));
    }
    if (r.remaining() != 0) return std::nullopt;
    return out;
}

}  // namespace jchain::consensus
