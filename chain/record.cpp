#include "chain/record.h"

#include <array>

#include "base/bytes.h"

namespace jchain::chain {

namespace {

constexpr std::string_view kind_names[] = {"evidence", "service",  "notice",     "judgment",  "order",
                                           "operation", "handover", "correction", "governance"};

constexpr std::string_view record_tag = "jchain/record/v2";

bool is_lower_hex(std::string_view s, std::size_t chars) {
    if (s.size() != chars) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'; }

}  // namespace

bool is_clean_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if ((c & 0xe0) == 0xc0) extra = 1, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0) extra = 2, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0) extra = 3, cp = c & 0x07;
        else return false;
        if (i + extra >= s.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = cp << 6 | (cc & 0x3f);
        }
        constexpr std::uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += 1 + extra;
    }
    return true;
}


std::string_view kind_name(Kind kind) { return kind_names[static_cast<std::size_t>(kind)]; }

std::optional<Kind> parse_kind(std::string_view name) {
    for (Kind k : all_kinds)
        if (kind_name(k) == name) return k;
    return std::nullopt;
}

Bytes record_signed_bytes(const Record& r) {
    ByteWriter w;
    w.str(record_tag);
    w.str(r.chain_id);
    w.str(kind_name(r.kind));
    w.fixed(r.content_hash);
    w.str(r.case_tag);
    w.u32(static_cast<std::uint32_t>(r.metadata.size()));
    for (const auto& [key, value] : r.metadata) {
        w.str(key);
        w.str(value);
    }
    w.u32(static_cast<std::uint32_t>(r.refs.size()));
    for (const auto& ref : r.refs) w.fixed(ref);
    w.fixed(r.submitter.bytes);
    w.u64(r.client_time_ms);
    w.u64(r.nonce);
    return std::move(w).take();
}

Hash record_id(const crypto::Suite& suite, const Record& record) { return suite.hash(record_signed_bytes(record)); }

std::optional<std::string> check_record_shape(const Record& r) {
    if (r.chain_id.empty() || r.chain_id.size() > chain_id_bytes_max)
        return "chain_id must be 1.." + std::to_string(chain_id_bytes_max) + " bytes";
    if (!r.case_tag.empty() && !is_lower_hex(r.case_tag, case_tag_chars))
        return "case_tag must be empty or a case tag of " + std::to_string(case_tag_chars) +
               " lower-case hex characters, never a case id in clear (docs/privacy.md)";
    if (r.kind == Kind::governance && !r.case_tag.empty()) return "a governance record belongs to no case (empty case_tag)";
    if (r.metadata.size() > metadata_entries_max)
        return "metadata has more than " + std::to_string(metadata_entries_max) + " entries";
    for (const auto& [key, value] : r.metadata) {
        if (key.empty() || key.size() > metadata_key_bytes_max)
            return "metadata key must be 1.." + std::to_string(metadata_key_bytes_max) + " bytes";
        for (char c : key)
            if (!is_key_char(c)) return "metadata key '" + key + "' may use only a-z 0-9 _ . -";
        if (value.size() > metadata_value_bytes_max)
            return "metadata value of '" + key + "' exceeds " + std::to_string(metadata_value_bytes_max) + " bytes";
        if (!is_clean_utf8(value)) return "metadata value of '" + key + "' must be UTF-8 text without control characters";
        // The privacy rule: only what the state rule must read stays in clear.
        if (r.kind == Kind::correction && key == "action") continue;
        if (r.kind != Kind::governance && !is_lower_hex(value, case_tag_chars))
            return "metadata value of '" + key + "' must be a salted commitment (" + std::to_string(case_tag_chars) +
                   " lower-case hex characters, docs/encoding.md): an ordinary record carries no clear text";
    }
    if (r.refs.size() > refs_max) return "more than " + std::to_string(refs_max) + " refs";
    if (r.kind == Kind::correction) {
        if (r.refs.size() != 1) return "a correction refers to exactly one earlier record (one ref)";
        if (!correction_action(r)) return "a correction's metadata action must be 'amend' or 'revoke'";
    }
    if (r.kind == Kind::handover && r.refs.empty()) return "a handover refers to at least one earlier record";
    return std::nullopt;
}

void sign_record(const crypto::Suite& suite, Record& record, const crypto::KeyPair& key) {
    record.submitter = key.public_key;
    record.signature = suite.sign(key, record_id(suite, record));
}

bool verify_record_signature(const crypto::Suite& suite, const Record& record) {
    return suite.verify(record.submitter, record_id(suite, record), record.signature);
}

std::optional<crypto::Suite> foreign_suite(const crypto::Suite& suite, const Record& record) {
    std::vector<crypto::Suite> others = {suite.is_sm2() ? crypto::Suite::secp256k1_sha256() : crypto::Suite::sm2_sm3()};
    if (suite.is_sm2() && suite != crypto::Suite::sm2_sm3()) others.push_back(crypto::Suite::sm2_sm3());
    for (const auto& other : others)
        if (other.is_valid_key(record.submitter) && verify_record_signature(other, record)) return other;
    return std::nullopt;
}

std::string wrong_suite_message(const crypto::Suite& chain_suite, const crypto::Suite& record_suite) {
    auto named = [](const crypto::Suite& s) {
        return std::string(s.name()) + (s.is_sm2() ? " (SM2 user ID " + s.sm2_user_id() + ")" : "");
    };
    return "the record is signed for " + named(record_suite) + "; this chain's suite is " + named(chain_suite);
}

std::optional<CorrectionAction> correction_action(const Record& record) {
    auto it = record.metadata.find("action");
    if (it == record.metadata.end() || it->second == "amend") return CorrectionAction::amend;
    if (it->second == "revoke") return CorrectionAction::revoke;
    return std::nullopt;
}

}  // namespace jchain::chain
