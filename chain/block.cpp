#include "chain/block.h"

#include <algorithm>
#include <cassert>
#include <set>

#include "base/bytes.h"

namespace jchain::chain {

namespace {
constexpr std::string_view header_tag = "jchain/header/v3";
constexpr std::string_view body_tag = "jchain/body/v1";
constexpr std::string_view vote_tag = "jchain/vote/v1";
constexpr std::string_view validator_set_tag = "jchain/validators/v1";
}  // namespace

Bytes header_bytes(const BlockHeader& h) {
    ByteWriter w;
    w.str(header_tag);
    w.str(h.chain_id);
    w.u64(h.height);
    w.u64(h.time_ms);
    w.fixed(h.prev_hash);
    w.fixed(h.genesis_hash);
    w.u64(h.record_count);
    w.u64(h.ledger_size);
    w.fixed(h.ledger_root);
    w.fixed(h.body_hash);
    w.fixed(h.validator_set_hash);
    w.fixed(h.next_validator_set_hash);
    w.fixed(h.state_hash);
    w.fixed(h.proposer.bytes);
    return std::move(w).take();
}

Hash block_hash(const crypto::Suite& suite, const BlockHeader& header) { return suite.hash(header_bytes(header)); }

Bytes body_bytes(std::span<const Hash> ids, std::span<const Record> records) {
    assert(ids.size() == records.size());
    ByteWriter w;
    w.str(body_tag);
    w.u32(static_cast<std::uint32_t>(ids.size()));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        w.fixed(ids[i]);
        w.fixed(records[i].signature.bytes);
    }
    return std::move(w).take();
}

Hash body_hash(const crypto::Suite& suite, std::span<const Hash> ids, std::span<const Record> records) {
    return suite.hash(body_bytes(ids, records));
}

bool body_matches(const crypto::Suite& suite, const Block& block, std::span<const Record> records) {
    if (records.size() != block.record_ids.size() || block.header.record_count != records.size()) return false;
    for (std::size_t i = 0; i < records.size(); ++i)
        if (record_id(suite, records[i]) != block.record_ids[i]) return false;
    return body_hash(suite, block.record_ids, records) == block.header.body_hash;
}

Bytes vote_signed_bytes(const Vote& v) {
    ByteWriter w;
    w.str(vote_tag);
    w.str(v.chain_id);
    w.u8(static_cast<std::uint8_t>(v.type));
    w.u64(v.height);
    w.u32(v.round);
    w.fixed(v.block_hash);
    return std::move(w).take();
}

Vote certificate_vote(const std::string& chain_id, const CommitCertificate& cert) {
    return Vote{VoteType::precommit, chain_id, cert.height, cert.round, cert.block_hash};
}

std::uint64_t ValidatorSet::total_power() const {
    std::uint64_t total = 0;
    for (const auto& v : validators) total += v.power;
    return total;
}

const Validator* ValidatorSet::find(const PublicKey& key) const {
    auto it = std::lower_bound(validators.begin(), validators.end(), key,
                               [](const Validator& v, const PublicKey& k) { return v.key < k; });
    return it != validators.end() && it->key == key ? &*it : nullptr;
}

Bytes validator_set_bytes(const ValidatorSet& set) {
    ByteWriter w;
    w.str(validator_set_tag);
    w.u32(static_cast<std::uint32_t>(set.validators.size()));
    for (const auto& v : set.validators) {
        w.fixed(v.key.bytes);
        w.u64(v.power);
        w.str(v.name);
    }
    return std::move(w).take();
}

Hash validator_set_hash(const crypto::Suite& suite, const ValidatorSet& set) {
    return suite.hash(validator_set_bytes(set));
}

std::optional<std::string> check_certificate(const crypto::Suite& suite, const std::string& chain_id, std::uint64_t height, const Hash& hash,
                                             const CommitCertificate& cert, const ValidatorSet& set) {
    return check_certificate(suite, chain_id, height, hash, cert, set,
                             [&](const PublicKey& key, const Hash& digest, const Signature& sig) {
                                 return suite.verify(key, digest, sig);
                             });
}

std::optional<std::string> check_certificate(const crypto::Suite& suite, const std::string& chain_id, std::uint64_t height,
                                             const Hash& hash, const CommitCertificate& cert, const ValidatorSet& set,
                                             const SignatureCheck& verify) {
    if (cert.height != height) return "certificate is for height " + std::to_string(cert.height);
    if (cert.block_hash != hash) return "certificate is for another block hash";
    const Hash digest = suite.hash(vote_signed_bytes(certificate_vote(chain_id, cert)));
    std::uint64_t power = 0;
    for (std::size_t i = 0; i < cert.signatures.size(); ++i) {
        const auto& s = cert.signatures[i];
        const Validator* v = set.find(s.validator);
        if (!v) return "certificate signer " + to_hex(s.validator.bytes) + " is not a validator";
        // One canonical form: sorted by key, so no signer repeats and every encoder agrees.
        if (i > 0 && !(cert.signatures[i - 1].validator < s.validator))
            return "certificate signatures are not sorted by validator key (or repeat " + to_hex(s.validator.bytes) + ")";
        if (!verify(s.validator, digest, s.signature))
            return "certificate signature of " + to_hex(s.validator.bytes) + " is invalid";
        power += v->power;
    }
    if (!set.is_quorum(power))
        return "certificate has power " + std::to_string(power) + " of " + std::to_string(set.total_power()) +
               ", not more than 2/3";
    return std::nullopt;
}

}  // namespace jchain::chain
