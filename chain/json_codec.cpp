#include "chain/json_codec.h"

#include <algorithm>
#include <boost/json.hpp>

namespace json = boost::json;

namespace jchain::chain {

namespace {

Status field_error(std::string_view field, std::string_view what) {
    return Status::error(std::string(field) + " " + std::string(what));
}

Result<std::string> string_from_json(const json::value* v, std::string_view field, std::size_t max_bytes) {
    if (!v) return field_error(field, "is missing");
    if (!v->is_string()) return field_error(field, "must be a string");
    if (v->as_string().size() > max_bytes) return field_error(field, "exceeds " + std::to_string(max_bytes) + " bytes");
    return std::string(v->as_string());
}

Result<Signature> signature_from_json(const crypto::Suite& suite, const json::value* v, std::string_view field) {
    if (!v || !v->is_string()) return field_error(field, "must be a hex DER signature");
    if (v->as_string().size() > 2 * 80) return field_error(field, "is too long for a DER signature");
    auto der = from_hex(v->as_string());
    if (!der) return field_error(field, "is not hex");
    auto sig = suite.signature_from_der(*der);
    if (!sig)
        return field_error(field, suite.is_sm2() ? "is not a strict-DER SM2 signature"
                                                 : "is not a strict-DER low-S secp256k1 signature");
    return *sig;
}

}  // namespace

Result<Hash> hash_from_json(const json::value* v, std::string_view field) {
    if (!v || !v->is_string()) return field_error(field, "must be 64 hex characters");
    auto h = from_hex_fixed<32>(v->as_string());
    if (!h) return field_error(field, "must be 64 hex characters");
    return *h;
}

Result<PublicKey> public_key_from_json(const crypto::Suite& suite, const json::value* v, std::string_view field) {
    if (!v || !v->is_string() || v->as_string().size() > 130) return field_error(field, "must be a hex public key");
    auto bytes = from_hex(v->as_string());
    if (!bytes) return field_error(field, "is not hex");
    auto key = suite.parse_public_key(*bytes);
    if (!key) return field_error(field, "is not a valid " + std::string(suite.key_type()) + " public key");
    return *key;
}

Result<std::uint64_t> uint_from_json(const json::value* v, std::string_view field) {
    if (v && v->is_uint64()) return v->as_uint64();
    if (v && v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    return field_error(field, "must be a non-negative integer");
}

json::value record_to_json(const crypto::Suite& suite, const Record& r) {
    json::object metadata;
    for (const auto& [k, v] : r.metadata) metadata[k] = v;
    json::array refs;
    for (const auto& ref : r.refs) refs.push_back(json::string(to_hex(ref)));
    return json::object{{"chain_id", r.chain_id},
                        {"kind", kind_name(r.kind)},
                        {"content_hash", to_hex(r.content_hash)},
                        {"case_tag", r.case_tag},
                        {"metadata", std::move(metadata)},
                        {"refs", std::move(refs)},
                        {"submitter", to_hex(r.submitter.bytes)},
                        {"client_time_ms", r.client_time_ms},
                        {"nonce", r.nonce},
                        {"signature", to_hex(suite.signature_to_der(r.signature))}};
}

Result<Record> record_from_json(const crypto::Suite& suite, const json::value& value) {
    if (!value.is_object()) return Status::error("record must be a JSON object");
    const auto& o = value.as_object();
    static constexpr std::string_view known[] = {"chain_id", "kind",     "content_hash",   "case_tag", "metadata",
                                                 "refs",     "submitter", "client_time_ms", "nonce",   "signature"};
    for (const auto& [key, _] : o)
        if (std::find(std::begin(known), std::end(known), std::string_view(key)) == std::end(known))
            return Status::error("record has unknown field '" + std::string(key) + "'");
    Record r;
    auto chain_id = string_from_json(o.if_contains("chain_id"), "chain_id", chain_id_bytes_max);
    if (!chain_id) return chain_id.status();
    r.chain_id = *chain_id;
    auto kind_text = string_from_json(o.if_contains("kind"), "kind", 32);
    if (!kind_text) return kind_text.status();
    auto kind = parse_kind(*kind_text);
    if (!kind) return Status::error("kind '" + *kind_text + "' is not a record kind");
    r.kind = *kind;
    auto content = hash_from_json(o.if_contains("content_hash"), "content_hash");
    if (!content) return content.status();
    r.content_hash = *content;
    if (auto* v = o.if_contains("case_tag"); v && !v->is_null()) {
        auto case_tag = string_from_json(v, "case_tag", case_tag_chars);
        if (!case_tag) return case_tag.status();
        r.case_tag = *case_tag;
    }
    if (auto* v = o.if_contains("metadata"); v && !v->is_null()) {
        if (!v->is_object()) return Status::error("metadata must be an object of strings");
        if (v->as_object().size() > metadata_entries_max)
            return Status::error("metadata has more than " + std::to_string(metadata_entries_max) + " entries");
        for (const auto& [key, val] : v->as_object()) {
            auto text = string_from_json(&val, "metadata value", metadata_value_bytes_max);
            if (!text) return text.status();
            if (!r.metadata.emplace(std::string(key), *text).second)
                return Status::error("metadata key '" + std::string(key) + "' is repeated");
        }
    }
    if (auto* v = o.if_contains("refs"); v && !v->is_null()) {
        if (!v->is_array()) return Status::error("refs must be an array of record ids");
        if (v->as_array().size() > refs_max) return Status::error("more than " + std::to_string(refs_max) + " refs");
        for (const auto& ref : v->as_array()) {
            auto h = hash_from_json(&ref, "refs[]");
            if (!h) return h.status();
            r.refs.push_back(*h);
        }
    }
    auto submitter = public_key_from_json(suite, o.if_contains("submitter"), "submitter");
    if (!submitter) return submitter.status();
    r.submitter = *submitter;
    auto time = uint_from_json(o.if_contains("client_time_ms"), "client_time_ms");
    if (!time) return time.status();
    r.client_time_ms = *time;
    auto nonce = uint_from_json(o.if_contains("nonce"), "nonce");
    if (!nonce) return nonce.status();
    r.nonce = *nonce;
    auto sig = signature_from_json(suite, o.if_contains("signature"), "signature");
    if (!sig) return sig.status();
    r.signature = *sig;
    if (auto problem = check_record_shape(r)) return Status::error(*problem);
    return r;
}

json::value header_to_json(const BlockHeader& h) {
    return json::object{{"chain_id", h.chain_id},
                        {"height", h.height},
                        {"time_ms", h.time_ms},
                        {"prev_hash", to_hex(h.prev_hash)},
                        {"genesis_hash", to_hex(h.genesis_hash)},
                        {"record_count", h.record_count},
                        {"ledger_size", h.ledger_size},
                        {"ledger_root", to_hex(h.ledger_root)},
                        {"body_hash", to_hex(h.body_hash)},
                        {"validator_set_hash", to_hex(h.validator_set_hash)},
                        {"next_validator_set_hash", to_hex(h.next_validator_set_hash)},
                        {"state_hash", to_hex(h.state_hash)},
                        {"proposer", to_hex(h.proposer.bytes)}};
}

Result<BlockHeader> header_from_json(const crypto::Suite& suite, const json::value& value) {
    if (!value.is_object()) return Status::error("header must be an object");
    const auto& o = value.as_object();
    BlockHeader h;
    auto chain_id = string_from_json(o.if_contains("chain_id"), "header.chain_id", chain_id_bytes_max);
    auto height = uint_from_json(o.if_contains("height"), "header.height");
    auto time = uint_from_json(o.if_contains("time_ms"), "header.time_ms");
    auto prev = hash_from_json(o.if_contains("prev_hash"), "header.prev_hash");
    auto genesis = hash_from_json(o.if_contains("genesis_hash"), "header.genesis_hash");
    auto count = uint_from_json(o.if_contains("record_count"), "header.record_count");
    auto size = uint_from_json(o.if_contains("ledger_size"), "header.ledger_size");
    auto root = hash_from_json(o.if_contains("ledger_root"), "header.ledger_root");
    auto body = hash_from_json(o.if_contains("body_hash"), "header.body_hash");
    auto vset = hash_from_json(o.if_contains("validator_set_hash"), "header.validator_set_hash");
    auto next_vset = hash_from_json(o.if_contains("next_validator_set_hash"), "header.next_validator_set_hash");
    auto state = hash_from_json(o.if_contains("state_hash"), "header.state_hash");
    auto proposer = public_key_from_json(suite, o.if_contains("proposer"), "header.proposer");
    if (!chain_id) return chain_id.status();
    if (!height) return height.status();
    if (!time) return time.status();
    if (!prev) return prev.status();
    if (!genesis) return genesis.status();
    if (!count) return count.status();
    if (!size) return size.status();
    if (!root) return root.status();
    if (!body) return body.status();
    if (!vset) return vset.status();
    if (!next_vset) return next_vset.status();
    if (!state) return state.status();
    if (!proposer) return proposer.status();
    h.chain_id = *chain_id;
    h.height = *height;
    h.time_ms = *time;
    h.prev_hash = *prev;
    h.genesis_hash = *genesis;
    h.record_count = *count;
    h.ledger_size = *size;
    h.ledger_root = *root;
    h.body_hash = *body;
    h.validator_set_hash = *vset;
    h.next_validator_set_hash = *next_vset;
    h.state_hash = *state;
    h.proposer = *proposer;
    return h;
}

json::value signature_evidence(const crypto::Suite& suite, ByteSpan signed_bytes, const Signature& sig, const PublicKey& key) {
    return json::object{{"signed_bytes", to_hex(signed_bytes)},
                        {"der", to_hex(suite.signature_to_der(sig))},
                        {"pem", suite.public_key_to_pem(key)}};
}

json::value certificate_to_json(const crypto::Suite& suite, const std::string& chain_id, const CommitCertificate& cert) {
    const Bytes vote = vote_signed_bytes(certificate_vote(chain_id, cert));
    json::array sigs;
    for (const auto& s : cert.signatures) {
        json::object entry = signature_evidence(suite, vote, s.signature, s.validator).as_object();
        entry["validator"] = to_hex(s.validator.bytes);
        sigs.push_back(std::move(entry));
    }
    return json::object{{"height", cert.height},
                        {"round", cert.round},
                        {"block_hash", to_hex(cert.block_hash)},
                        {"signatures", std::move(sigs)}};
}

Result<CommitCertificate> certificate_from_json(const crypto::Suite& suite, const json::value& value) {
    if (!value.is_object()) return Status::error("commit must be an object");
    const auto& o = value.as_object();
    CommitCertificate c;
    auto height = uint_from_json(o.if_contains("height"), "commit.height");
    auto round = uint_from_json(o.if_contains("round"), "commit.round");
    auto hash = hash_from_json(o.if_contains("block_hash"), "commit.block_hash");
    if (!height) return height.status();
    if (!round || *round > UINT32_MAX) return Status::error("commit.round must be a 32-bit integer");
    if (!hash) return hash.status();
    c.height = *height;
    c.round = static_cast<std::uint32_t>(*round);
    c.block_hash = *hash;
    auto* sigs = o.if_contains("signatures");
    if (!sigs || !sigs->is_array() || sigs->as_array().size() > 1000)
        return Status::error("commit.signatures must be an array");
    for (const auto& s : sigs->as_array()) {
        if (!s.is_object()) return Status::error("commit.signatures[] must be objects");
        auto key = public_key_from_json(suite, s.as_object().if_contains("validator"), "commit.signatures[].validator");
        auto sig = signature_from_json(suite, s.as_object().if_contains("der"), "commit.signatures[].der");
        if (!key) return key.status();
        if (!sig) return sig.status();
        c.signatures.push_back({*key, *sig});
    }
    return c;
}

json::value validator_set_to_json(const crypto::Suite& suite, const ValidatorSet& set) {
    json::array vs;
    for (const auto& v : set.validators)
        vs.push_back({{"name", v.name}, {"public_key", to_hex(v.key.bytes)}, {"power", v.power}});
    return json::object{{"validators", std::move(vs)}, {"hash", to_hex(validator_set_hash(suite, set))}};
}

Result<ValidatorSet> validator_set_from_json(const crypto::Suite& suite, const json::value& value) {
    if (!value.is_object()) return Status::error("validator_set must be an object");
    auto* vs = value.as_object().if_contains("validators");
    if (!vs || !vs->is_array() || vs->as_array().size() > 1000)
        return Status::error("validator_set.validators must be an array");
    ValidatorSet set;
    for (const auto& v : vs->as_array()) {
        if (!v.is_object()) return Status::error("validator_set.validators[] must be objects");
        const auto& o = v.as_object();
        auto key = public_key_from_json(suite, o.if_contains("public_key"), "validator.public_key");
        auto power = uint_from_json(o.if_contains("power"), "validator.power");
        auto name = string_from_json(o.if_contains("name"), "validator.name", 256);
        if (!key) return key.status();
        if (!power) return power.status();
        if (!name) return name.status();
        set.validators.push_back({*name, *key, *power});
    }
    if (!std::is_sorted(set.validators.begin(), set.validators.end(),
                        [](const Validator& a, const Validator& b) { return a.key < b.key; }))
        return Status::error("validator_set.validators must be sorted by public key");
    return set;
}

}  // namespace jchain::chain

namespace jchain::chain {

namespace {
void pretty(std::string& out, const json::value& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    if (v.is_object() && !v.as_object().empty()) {
        out += "{\n";
        bool first = true;
        for (const auto& [k, x] : v.as_object()) {
            if (!first) out += ",\n";
            first = false;
            out += pad + json::serialize(json::string(k)) + ": ";
            pretty(out, x, indent + 2);
        }
        out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "}";
    } else if (v.is_array() && !v.as_array().empty()) {
        out += "[\n";
        bool first = true;
        for (const auto& x : v.as_array()) {
            if (!first) out += ",\n";
            first = false;
            out += pad;
            pretty(out, x, indent + 2);
        }
        out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "]";
    } else {
        out += json::serialize(v);
    }
}
}  // namespace

std::string pretty_json(const json::value& value) {
    std::string out;
    pretty(out, value, 0);
    out += "\n";
    return out;
}

}  // namespace jchain::chain
