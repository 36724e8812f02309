#include "chain/record_privacy.h"

#include "base/bytes.h"

namespace jchain::chain {

Hash hmac(const crypto::Suite& suite, ByteSpan key, ByteSpan message) {
    constexpr std::size_t block = 64;  // SHA-256 and SM3
    Bytes k(block, 0);
    if (key.size() > block) {
        const Hash hk = suite.hash(key);
        std::copy(hk.begin(), hk.end(), k.begin());
    } else {
        std::copy(key.begin(), key.end(), k.begin());
    }
    Bytes inner(block), outer(block);
    for (std::size_t i = 0; i < block; ++i) {
        inner[i] = static_cast<std::uint8_t>(k[i] ^ 0x36);
        outer[i] = static_cast<std::uint8_t>(k[i] ^ 0x5c);
    }
    inner.insert(inner.end(), message.begin(), message.end());
    const Hash ih = suite.hash(inner);
    outer.insert(outer.end(), ih.begin(), ih.end());
    return suite.hash(outer);
}

std::string case_tag(const crypto::Suite& suite, const CaseKey& key, std::string_view chain_id, std::string_view case_id) {
    ByteWriter w;
    w.str(case_tag_domain);
    w.str(chain_id);
    w.str(case_id);
    return to_hex(hmac(suite, key, w.bytes()));
}

std::string metadata_commitment(const crypto::Suite& suite, std::string_view key, std::string_view value, ByteSpan salt) {
    ByteWriter w;
    w.str(commitment_domain);
    w.str(key);
    w.str(value);
    w.var(salt);
    return to_hex(suite.hash(w.bytes()));
}

bool metadata_stays_clear(Kind kind, std::string_view key) {
    return kind == Kind::governance || (kind == Kind::correction && key == "action");
}

std::optional<std::string> check_disclosure(const crypto::Suite& suite, const Record& record, const Disclosure& d) {
    if (d.case_id.has_value() != d.case_key.has_value()) return "a disclosed case id needs its case key, and a key its case id";
    if (d.case_id) {
        if (record.case_tag.empty()) return "a case id is disclosed, but the record belongs to no case";
        if (case_tag(suite, *d.case_key, record.chain_id, *d.case_id) != record.case_tag)
            return "the disclosed case id and case key do not give the record's case_tag";
    }
    for (const auto& entry : d.metadata) {
        const std::string& key = entry.first;
        const auto it = record.metadata.find(key);
        if (it == record.metadata.end()) return "metadata '" + key + "' is disclosed, but the record has no such entry";
        if (metadata_stays_clear(record.kind, key)) return "metadata '" + key + "' is in clear on chain: nothing to disclose";
        if (entry.second.salt.size() < salt_bytes_min || entry.second.salt.size() > salt_bytes_max)
            return "the salt of metadata '" + key + "' must be " + std::to_string(salt_bytes_min) + ".." +
                   std::to_string(salt_bytes_max) + " bytes";
        if (metadata_commitment(suite, key, entry.second.value, entry.second.salt) != it->second)
            return "the disclosed value and salt of metadata '" + key + "' do not give the record's commitment";
    }
    return std::nullopt;
}

}  // namespace jchain::chain
