#include "chain/receipt.h"

#include <algorithm>
#include <boost/json.hpp>
#include <span>

#include "chain/json_codec.h"
#include "chain/merkle.h"

namespace json = boost::json;

namespace jchain::chain {

namespace {

class Checker {
public:
    explicit Checker(ReceiptVerdict& v) : v_(v) {}
    bool check(std::string name, bool ok, std::string detail) {
        v_.checks.push_back({std::move(name), ok, std::move(detail)});
        return ok;
    }
    bool fail(std::string name, std::string detail) { return check(std::move(name), false, std::move(detail)); }

private:
    ReceiptVerdict& v_;
};

const json::value* at(const json::value& v, std::string_view key) {
    return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

std::string hex_at(const json::value* v, std::string_view key) {
    const json::value* x = v ? at(*v, key) : nullptr;
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
}

// --- closed objects ---------------------------------------------------------------
// The fields each object of a receipt defines (docs/receipt.md, "Canonical JSON"). An
// object holding any other field is refused, so no unsigned claim rides along a valid
// receipt and two verifiers never disagree. The page (web/index.html RECEIPT_SHAPE) keeps
// the same table; tests/data/receipt_mutants holds the vectors both are tested with.
struct Shape;
struct Field {
    std::string_view name;
    const Shape* shape = nullptr;  // the object it holds, or each element of its array; null: not an object
};
struct Shape {
    std::span<const Field> fields;
};

constexpr Field signature_fields[] = {{"signed_bytes"}, {"der"}, {"pem"}};
constexpr Field commit_signature_fields[] = {{"validator"}, {"signed_bytes"}, {"der"}, {"pem"}};
constexpr Shape commit_signature_shape{commit_signature_fields};
constexpr Field commit_fields[] = {{"height"}, {"round"}, {"block_hash"}, {"signatures", &commit_signature_shape}};
constexpr Field header_fields[] = {{"chain_id"},    {"height"},         {"time_ms"},
                                   {"prev_hash"},   {"genesis_hash"},   {"record_count"},
                                   {"ledger_size"}, {"ledger_root"},    {"body_hash"},
                                   {"validator_set_hash"}, {"next_validator_set_hash"}, {"state_hash"},
                                   {"proposer"}};
constexpr Field validator_fields[] = {{"name"}, {"public_key"}, {"power"}};
constexpr Shape validator_shape{validator_fields};
constexpr Field validator_set_fields[] = {{"validators", &validator_shape}, {"hash"}};
constexpr Shape header_shape{header_fields}, commit_shape{commit_fields}, validator_set_shape{validator_set_fields};
// record.metadata, state.policy and state.params are maps, not shapes: their keys are the
// signed metadata, record kinds and chain parameter names, checked where they are read.
constexpr Field record_fields[] = {{"chain_id"}, {"kind"},  {"content_hash"},   {"case_tag"}, {"metadata"},
                                   {"refs"},     {"submitter"}, {"client_time_ms"}, {"nonce"},  {"signature"}};
constexpr Field member_fields[] = {{"name"}, {"public_key"}, {"role"}, {"since_height"}};
constexpr Field node_fields[] = {{"name"}, {"public_key"}};
constexpr Shape member_shape{member_fields}, node_shape{node_fields};
constexpr Field state_fields[] = {{"members", &member_shape}, {"policy"}, {"params"}, {"nodes", &node_shape},
                                  {"witnesses"}};
constexpr Field proof_fields[] = {{"leaf_hash"}, {"tree_size"}, {"root"}, {"path"}};
constexpr Field block_fields[] = {{"header", &header_shape}, {"header_bytes"}, {"hash"}};
constexpr Field step_fields[] = {{"height"}, {"header", &header_shape}, {"header_bytes"},
                                 {"hash"},   {"commit", &commit_shape}, {"next_validator_set", &validator_set_shape}};
constexpr Shape step_shape{step_fields};
constexpr Shape record_shape{record_fields}, signature_shape{signature_fields}, state_shape{state_fields},
    proof_shape{proof_fields}, block_shape{block_fields};
constexpr Field checkpoint_fields[] = {{"note"},   {"height"},   {"consistency_path"}, {"validator_changes", &step_shape},
                                       {"block", &block_shape}, {"commit", &commit_shape}, {"state", &state_shape}};
constexpr Shape checkpoint_shape{checkpoint_fields};
constexpr Field disclosure_fields[] = {{"case_id"}, {"case_key"}, {"metadata"}};
constexpr Shape disclosure_shape{disclosure_fields};
constexpr Field receipt_fields[] = {{"format"},         {"suite"},           {"sm2_user_id"},      {"chain_id"},
                                    {"record_id"},      {"record", &record_shape}, {"record_signature", &signature_shape},
                                    {"leaf_index"},     {"inclusion_proof", &proof_shape}, {"block", &block_shape},
                                    {"commit", &commit_shape}, {"validator_set", &validator_set_shape}, {"state", &state_shape},
                                    {"validator_changes", &step_shape}, {"checkpoint", &checkpoint_shape},
                                    {"disclosure", &disclosure_shape}};
constexpr Shape receipt_shape{receipt_fields};
// disclosure.metadata is a map (key -> {value, salt}), checked by disclosure_from_json.

// The first field of `v` (at `where`, or below it) that its shape does not define.
std::optional<std::string> undefined_field(const json::value& v, const Shape& shape, const std::string& where) {
    if (!v.is_object()) return std::nullopt;  // a wrong type is the reading check's to name
    for (const auto& member : v.as_object()) {
        const std::string_view key = member.key();  // not a structured binding: clang 14 cannot capture one
        const json::value& x = member.value();
        const auto f = std::find_if(shape.fields.begin(), shape.fields.end(), [&](const Field& f) { return f.name == key; });
        const std::string at = where.empty() ? std::string(key) : where + "." + std::string(key);
        if (f == shape.fields.end())
            return (where.empty() ? std::string("the receipt") : where) + " holds a field it does not define: '" +
                   std::string(key) + "'";
        if (!f->shape) continue;
        if (x.is_array()) {
            for (std::size_t i = 0; i < x.as_array().size(); ++i)
                if (auto problem = undefined_field(x.as_array()[i], *f->shape, at + "[" + std::to_string(i) + "]")) return problem;
        } else if (auto problem = undefined_field(x, *f->shape, at)) {
            return problem;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> check_validator_step(const Genesis& genesis, const ValidatorSet& current,
                                                std::uint64_t last_height, const ValidatorStep& step) {
    const BlockHeader& h = step.header;
    const std::string block = "block " + std::to_string(h.height);
    if (h.height <= last_height) return "heights must rise";
    const crypto::Suite& suite = genesis.suite;
    if (h.genesis_hash != genesis_hash(genesis) || h.chain_id != genesis.chain_id) return block + " is not of this genesis";
    if (h.validator_set_hash != validator_set_hash(suite, current))
        return block + " names a validator set the walk does not hold (a change is missing)";
    if (auto problem = check_certificate(suite, genesis.chain_id, h.height, block_hash(suite, h), step.certificate, current))
        return block + ": " + *problem;
    if (h.next_validator_set_hash != validator_set_hash(suite, step.next)) return "next_validator_set is not the set " + block + " names";
    if (h.next_validator_set_hash == h.validator_set_hash) return block + " changes no validator";
    return std::nullopt;
}

namespace {

// Follows the steps in `steps` (receipt JSON, canonical) from `current`: heights above
// `after` and below `below`, each checked by check_validator_step. Returns what broke,
// or "" with `current` the set reached.
std::string walk_validator_changes(const json::value* steps, const std::string& field, const Genesis& genesis,
                                   std::uint64_t after, std::uint64_t below, ValidatorSet& current) {
    if (!steps || !steps->is_array()) return field + " is missing";
    const crypto::Suite& suite = genesis.suite;
    std::uint64_t last_height = after;
    for (std::size_t i = 0; i < steps->as_array().size(); ++i) {
        const json::value& step = steps->as_array()[i];
        const std::string at_step = field + "[" + std::to_string(i) + "]: ";
        const json::value* hj = at(step, "header");
        auto h = hj ? header_from_json(suite, *hj) : Result<BlockHeader>(Status::error("header is missing"));
        const json::value* cj = at(step, "commit");
        auto cert = cj ? certificate_from_json(suite, *cj) : Result<CommitCertificate>(Status::error("commit is missing"));
        const json::value* nj = at(step, "next_validator_set");
        auto next = nj ? validator_set_from_json(suite, *nj) : Result<ValidatorSet>(Status::error("next_validator_set is missing"));
        if (!h || !cert || !next) return at_step + (!h ? h.message() : !cert ? cert.message() : next.message());
        const Bytes sb = header_bytes(*h);
        const Hash sh = suite.hash(sb);
        auto step_height = uint_from_json(at(step, "height"), "height");
        if (header_to_json(*h) != *hj || hex_at(&step, "header_bytes") != to_hex(sb) || hex_at(&step, "hash") != to_hex(sh))
            return at_step + "header, header_bytes and hash disagree";
        if (h->height >= below || !step_height || *step_height != h->height)
            return at_step + "heights must rise and stay below block " + std::to_string(below);
        if (certificate_to_json(suite, genesis.chain_id, *cert) != *cj || validator_set_to_json(suite, *next) != *nj)
            return at_step + "commit or next_validator_set is not in canonical form";
        if (auto problem = check_validator_step(genesis, current, last_height, {*h, *cert, *next})) return at_step + *problem;
        last_height = h->height;
        current = std::move(*next);
    }
    return "";
}

json::array steps_to_json(const crypto::Suite& suite, const std::vector<ValidatorStep>& steps) {
    json::array out;
    for (const auto& s : steps) {
        const Bytes hb = header_bytes(s.header);
        out.push_back({{"height", s.header.height},
                       {"header", header_to_json(s.header)},
                       {"header_bytes", to_hex(hb)},
                       {"hash", to_hex(suite.hash(hb))},
                       {"commit", certificate_to_json(suite, s.header.chain_id, s.certificate)},
                       {"next_validator_set", validator_set_to_json(suite, s.next)}});
    }
    return out;
}

}  // namespace

json::value disclosure_to_json(const Disclosure& d) {
    json::object out;
    if (d.case_id) out["case_id"] = *d.case_id;
    if (d.case_key) out["case_key"] = to_hex(*d.case_key);
    json::object md;
    for (const auto& entry : d.metadata)
        md[entry.first] = json::object{{"value", entry.second.value}, {"salt", to_hex(entry.second.salt)}};
    out["metadata"] = std::move(md);
    return out;
}

Result<Disclosure> disclosure_from_json(const json::value& v) {
    if (!v.is_object()) return Status::error("disclosure must be an object");
    const auto& o = v.as_object();
    Disclosure d;
    if (const json::value* c = o.if_contains("case_id")) {
        if (!c->is_string() || c->as_string().empty() || c->as_string().size() > case_id_bytes_max ||
            !is_clean_utf8(c->as_string()))
            return Status::error("disclosure.case_id must be 1.." + std::to_string(case_id_bytes_max) +
                                 " bytes of UTF-8 text without control characters");
        d.case_id = std::string(c->as_string());
    }
    if (const json::value* k = o.if_contains("case_key")) {
        auto key = k->is_string() ? from_hex_fixed<case_key_bytes>(k->as_string()) : std::nullopt;
        if (!key) return Status::error("disclosure.case_key must be 64 hex characters");
        d.case_key = *key;
    }
    const json::value* md = o.if_contains("metadata");
    if (!md || !md->is_object() || md->as_object().size() > metadata_entries_max)
        return Status::error("disclosure.metadata must be an object of at most " + std::to_string(metadata_entries_max) +
                             " entries");
    for (const auto& entry : md->as_object()) {
        const std::string key(entry.key());
        const json::value& e = entry.value();
        const std::string where = "disclosure.metadata." + key;
        if (!e.is_object() || e.as_object().size() != 2 || !e.as_object().if_contains("value") ||
            !e.as_object().if_contains("salt"))
            return Status::error(where + " must be an object of exactly value and salt");
        const json::value& value = e.as_object().at("value");
        const json::value& salt = e.as_object().at("salt");
        if (!value.is_string() || value.as_string().size() > metadata_value_bytes_max || !is_clean_utf8(value.as_string()))
            return Status::error(where + ".value must be UTF-8 text of at most " + std::to_string(metadata_value_bytes_max) +
                                 " bytes");
        auto salt_bytes = salt.is_string() && salt.as_string().size() <= 2 * salt_bytes_max ? from_hex(salt.as_string())
                                                                                            : std::nullopt;
        if (!salt_bytes) return Status::error(where + ".salt must be hex");
        d.metadata[key] = DisclosedValue{std::string(value.as_string()), std::move(*salt_bytes)};
    }
    return d;
}

json::value make_receipt(const ReceiptParts& p) {
    const crypto::Suite& suite = p.suite;
    const Bytes record_bytes = record_signed_bytes(p.record);
    const Bytes head_bytes = header_bytes(p.header);
    json::array path;
    for (const auto& h : p.inclusion_path) path.push_back(json::string(to_hex(h)));
    json::value receipt = json::object{
        {"format", receipt_format},
        {"suite", suite.name()},
        {"chain_id", p.header.chain_id},
        {"record_id", to_hex(suite.hash(record_bytes))},
        {"record", record_to_json(suite, p.record)},
        {"record_signature", signature_evidence(suite, record_bytes, p.record.signature, p.record.submitter)},
        {"leaf_index", p.leaf_index},
        {"inclusion_proof",
         {{"leaf_hash", to_hex(merkle_leaf_hash(suite, suite.hash(record_bytes)))},
          {"tree_size", p.header.ledger_size},
          {"root", to_hex(p.header.ledger_root)},
          {"path", std::move(path)}}},
        {"block",
         {{"header", header_to_json(p.header)},
          {"header_bytes", to_hex(head_bytes)},
          {"hash", to_hex(suite.hash(head_bytes))}}},
        {"commit", certificate_to_json(suite, p.header.chain_id, p.certificate)},
        {"validator_set", validator_set_to_json(suite, p.validators)},
        {"state", state_view_to_json(p.state)},
        {"validator_changes", steps_to_json(suite, p.validator_changes)},
    };
    if (suite.is_sm2()) receipt.as_object()["sm2_user_id"] = suite.sm2_user_id();
    if (p.checkpoint) {
        json::array path;
        for (const auto& h : p.checkpoint->consistency_path) path.push_back(json::string(to_hex(h)));
        const Bytes cp_bytes = header_bytes(p.checkpoint->header);
        receipt.as_object()["checkpoint"] = {
            {"note", p.checkpoint->note},
            {"height", p.checkpoint->height},
            {"consistency_path", std::move(path)},
            {"validator_changes", steps_to_json(suite, p.checkpoint->validator_changes)},
            {"block",
             {{"header", header_to_json(p.checkpoint->header)},
              {"header_bytes", to_hex(cp_bytes)},
              {"hash", to_hex(suite.hash(cp_bytes))}}},
            {"commit", certificate_to_json(suite, p.checkpoint->header.chain_id, p.checkpoint->certificate)},
            {"state", state_view_to_json(p.checkpoint->state)}};
    }
    return receipt;
}

ReceiptVerdict verify_receipt(const json::value& receipt, const Genesis& genesis, const std::optional<Hash>& file_hash,
                              const std::vector<Witness>& witnesses, bool accept_validators_only) {
    ReceiptVerdict verdict;
    Checker c(verdict);
    auto finish = [&] {
        verdict.ok = !verdict.checks.empty();
        for (const auto& check : verdict.checks) verdict.ok = verdict.ok && check.ok;
        return verdict;
    };

    const json::value* format = at(receipt, "format");
    if (!c.check("format", format && format->is_string() && format->as_string() == receipt_format,
                 "expected " + std::string(receipt_format)))
        return finish();
    // Closed objects: a field no object of the format defines is refused wherever it is.
    {
        const auto problem = undefined_field(receipt, receipt_shape, "");
        c.check("closed objects", !problem, problem ? *problem : "every object holds only the fields docs/receipt.md defines");
    }
    // The suite: a receipt written before suites existed names none and is secp256k1-sha256.
    const crypto::Suite& suite = genesis.suite;
    {
        const json::value* name = at(receipt, "suite");
        const json::value* user_id = at(receipt, "sm2_user_id");
        Result<crypto::Suite> stated =
            (name && !name->is_string()) || (user_id && !user_id->is_string())
                ? Result<crypto::Suite>(Status::error("suite and sm2_user_id must be strings"))
            // An sm2-sm3 receipt always names its user ID, so no reader has to guess it.
            : name && name->as_string() == crypto::Suite::sm2_sm3_name && !user_id
                ? Result<crypto::Suite>(Status::error("an sm2-sm3 receipt without its sm2_user_id"))
                : crypto::Suite::from_name(name ? std::string_view(name->as_string()) : crypto::Suite::secp256k1_sha256_name,
                                           user_id ? std::optional<std::string>(user_id->as_string()) : std::nullopt);
        const bool same = stated && *stated == suite;
        if (!c.check("suite", same,
                     same ? std::string(suite.name()) + (suite.is_sm2() ? ", SM2 user ID " + suite.sm2_user_id() : "")
                          : "wrong_suite: the receipt is " +
                                (stated ? std::string(stated->name()) +
                                              (stated->is_sm2() ? " (SM2 user ID " + stated->sm2_user_id() + ")" : "")
                                        : stated.message()) +
                                ", the genesis " + std::string(suite.name()) +
                                (suite.is_sm2() ? " (SM2 user ID " + suite.sm2_user_id() + ")" : "")))
            return finish();
    }
    const json::value* chain_id = at(receipt, "chain_id");
    c.check("chain id", chain_id && chain_id->is_string() && chain_id->as_string() == genesis.chain_id,
            "genesis chain id is " + genesis.chain_id);

    // The record, its bytes, id and signature.
    const json::value* record_json = at(receipt, "record");
    auto record = record_json ? record_from_json(suite, *record_json) : Result<Record>(Status::error("record is missing"));
    if (!record) {
        c.fail("record", record.message());
        return finish();
    }
    verdict.record = *record;
    c.check("record chain id", record->chain_id == genesis.chain_id, record->chain_id);
    const Bytes record_bytes = record_signed_bytes(*record);
    const Hash id = suite.hash(record_bytes);
    const json::value* sig_ev = at(receipt, "record_signature");
    c.check("record signed bytes", hex_at(sig_ev, "signed_bytes") == to_hex(record_bytes),
            "record_signature.signed_bytes equals the record's canonical bytes");
    c.check("record id", hex_at(&receipt, "record_id") == to_hex(id), std::string(suite.hash_name()) + " of the signed bytes is " + to_hex(id));
    c.check("record signature", verify_record_signature(suite, *record) &&
                                    hex_at(sig_ev, "der") == to_hex(suite.signature_to_der(record->signature)) &&
                                    hex_at(sig_ev, "pem") == suite.public_key_to_pem(record->submitter),
            std::string(suite.signature_name()) + " by " + to_hex(record->submitter.bytes) +
                (suite.is_sm2() ? " (SM2 user ID " + suite.sm2_user_id() + ")" : ""));
    if (file_hash)
        c.check("file content", *file_hash == record->content_hash,
                "file " + std::string(suite.hash_name()) + " " + to_hex(*file_hash) + ", record content hash " + to_hex(record->content_hash));
    c.check("canonical record", record_json && record_to_json(suite, *record) == *record_json,
            "the record JSON is in canonical form (lower-case hex, no other fields)");
    // The clear values the holder discloses: each must give what the record signed.
    if (const json::value* dj = at(receipt, "disclosure")) {
        auto d = disclosure_from_json(*dj);
        std::optional<std::string> problem;
        if (!d) problem = d.message();
        else if (disclosure_to_json(*d) != *dj) problem = "disclosure is not in canonical form (lower-case hex)";
        else problem = check_disclosure(suite, *record, *d);
        std::string detail;
        if (!problem) {
            detail = d->case_id ? "case id " + *d->case_id + " gives the record's case_tag" : "case id not disclosed";
            for (const auto& entry : d->metadata) detail += "; " + entry.first + " = " + entry.second.value;
            std::size_t committed = 0;
            for (const auto& entry : record->metadata) committed += metadata_stays_clear(record->kind, entry.first) ? 0 : 1;
            detail += " (" + std::to_string(d->metadata.size()) + " of " + std::to_string(committed) +
                      " committed metadata value(s) disclosed)";
            verdict.disclosed = *d;
        }
        c.check("disclosure", !problem, problem ? *problem : detail);
    }

    // The block header and its hash.
    const json::value* block = at(receipt, "block");
    const json::value* header_json = block ? at(*block, "header") : nullptr;
    auto header = header_json ? header_from_json(suite, *header_json) : Result<BlockHeader>(Status::error("block.header is missing"));
    if (!header) {
        c.fail("block header", header.message());
        return finish();
    }
    verdict.header = *header;
    c.check("canonical header", header_to_json(*header) == *header_json, "block.header is in canonical form");
    const Bytes head_bytes = header_bytes(*header);
    const Hash hash = suite.hash(head_bytes);
    c.check("header bytes", hex_at(block, "header_bytes") == to_hex(head_bytes),
            "block.header_bytes equals the header's canonical bytes");
    c.check("block hash", hex_at(block, "hash") == to_hex(hash), std::string(suite.hash_name()) + " of the header bytes is " + to_hex(hash));
    c.check("header chain id", header->chain_id == genesis.chain_id, header->chain_id);
    const Hash ghash = genesis_hash(genesis);
    // Every header names its genesis, so a chain relaunched with the same chain id and
    // validator keys cannot pass off its blocks as this chain's.
    c.check("genesis binding", header->genesis_hash == ghash, "the header's genesis_hash is the genesis file's " + to_hex(ghash));
    if (header->height == 1)
        c.check("genesis link", header->prev_hash == ghash, "block 1 follows the genesis hash");

    // Inclusion of the record in the ledger tree committed by the header.
    const json::value* proof = at(receipt, "inclusion_proof");
    auto leaf_index = uint_from_json(at(receipt, "leaf_index"), "leaf_index");
    std::vector<Hash> path;
    bool path_ok = proof && at(*proof, "path") && at(*proof, "path")->is_array();
    if (path_ok)
        for (const auto& h : at(*proof, "path")->as_array()) {
            auto parsed = hash_from_json(&h, "path");
            if (!parsed || to_hex(*parsed) != h.as_string()) { path_ok = false; break; }  // lower-case only
            path.push_back(*parsed);
        }
    // The proof's own summary fields must match what the proof is checked against, or a
    // reader checking it by hand (jchain proof inclusion) would see another proof.
    const Hash leaf = merkle_leaf_hash(suite, id);
    auto stated_size = proof ? uint_from_json(at(*proof, "tree_size"), "tree_size") : Result<std::uint64_t>(Status::error("missing"));
    c.check("inclusion proof fields",
            proof && hex_at(proof, "leaf_hash") == to_hex(leaf) && hex_at(proof, "root") == to_hex(header->ledger_root) &&
                stated_size && *stated_size == header->ledger_size,
            "leaf_hash is " + std::string(suite.hash_name()) + "(0x00 || record id), root and tree_size are the header's ledger root and size");
    // The block added leaves [ledger_size - record_count, ledger_size): a proof of an
    // earlier leaf under a later header would claim the wrong height.
    const std::uint64_t first_leaf = header->ledger_size - std::min(header->record_count, header->ledger_size);
    c.check("leaf in block",
            leaf_index && header->record_count <= header->ledger_size && *leaf_index >= first_leaf &&
                *leaf_index < header->ledger_size,
            "leaf " + (leaf_index ? std::to_string(*leaf_index) : std::string("?")) + " is one of the " +
                std::to_string(header->record_count) + " leaves block " + std::to_string(header->height) +
                " added, from " + std::to_string(first_leaf));
    c.check("inclusion proof",
            path_ok && leaf_index &&
                verify_inclusion(suite, merkle_leaf_hash(suite, id), *leaf_index, header->ledger_size, path, header->ledger_root),
            "leaf " + (leaf_index ? std::to_string(*leaf_index) : std::string("?")) + " of " +
                std::to_string(header->ledger_size) + " under ledger root " + to_hex(header->ledger_root));

    // The validator sets from genesis to the block: each change is certified by the set
    // before it, and its header names the next set (a light client's walk).
    ValidatorSet current = genesis.validators;
    const json::value* steps = at(receipt, "validator_changes");
    const std::string steps_problem = walk_validator_changes(steps, "validator_changes", genesis, 0, header->height, current);
    const std::size_t step_count = steps && steps->is_array() ? steps->as_array().size() : 0;
    c.check("validator changes", steps_problem.empty(),
            steps_problem.empty() ? std::to_string(step_count) + " certified change(s) followed from the genesis set"
                                  : steps_problem);

    // The validator set and the commit certificate.
    const json::value* vset_json = at(receipt, "validator_set");
    auto vset = vset_json ? validator_set_from_json(suite, *vset_json) : Result<ValidatorSet>(Status::error("validator_set is missing"));
    if (!vset) {
        c.fail("validator set", vset.message());
        return finish();
    }
    const Hash vset_hash = validator_set_hash(suite, *vset);
    c.check("validator set",
            vset_hash == header->validator_set_hash && hex_at(vset_json, "hash") == to_hex(vset_hash) &&
                vset_hash == validator_set_hash(suite, current) && validator_set_to_json(suite, *vset) == *vset_json,
            "hash " + to_hex(vset_hash) + " matches the header and the set the genesis and the changes lead to");
    const json::value* commit_json = at(receipt, "commit");
    auto cert = commit_json ? certificate_from_json(suite, *commit_json) : Result<CommitCertificate>(Status::error("commit is missing"));
    if (!cert) {
        c.fail("commit certificate", cert.message());
        return finish();
    }
    // The certificate's JSON (with each signature's openssl evidence) must be exactly the
    // canonical form of the certificate: the very vote, key and signature it holds.
    const bool evidence_ok = certificate_to_json(suite, genesis.chain_id, *cert) == *commit_json;
    auto problem = check_certificate(suite, genesis.chain_id, header->height, hash, *cert, current);
    c.check("commit certificate", !problem && evidence_ok,
            problem ? *problem
                    : evidence_ok ? std::to_string(cert->signatures.size()) + " of " +
                                        std::to_string(current.validators.size()) +
                                        " validators precommitted this block"
                                  : "a signature's signed_bytes, der or pem is not the certificate's, or the "
                                    "certificate is not in canonical form");

    // A checkpoint, when the receipt carries one: the block's ledger is a prefix of it, and
    // it is the ledger of the certified header at its height (docs/receipt.md).
    std::vector<std::string> cosigners;                    // witnesses in force that count
    std::size_t in_force_witnesses = 0;
    std::uint64_t quorum = genesis.params.witness_quorum;
    bool declares_witnesses = !genesis.witnesses.empty();
    const json::value* cpj = at(receipt, "checkpoint");
    if (cpj) {
        ValidatorSet cp_set = current;
        const json::value* note = at(*cpj, "note");
        auto cp_height = uint_from_json(at(*cpj, "height"), "checkpoint.height");
        std::string problem;
        std::vector<Hash> path;
        if (!note || !note->is_string() || !cp_height || *cp_height < header->height)
            problem = "checkpoint needs a note and a height at or above the block's";
        else
            problem = walk_validator_changes(at(*cpj, "validator_changes"), "checkpoint.validator_changes", genesis,
                                             header->height - 1, *cp_height, cp_set);
        const json::value* pj = at(*cpj, "consistency_path");
        if (problem.empty() && (!pj || !pj->is_array())) problem = "checkpoint.consistency_path is missing";
        for (std::size_t i = 0; problem.empty() && i < pj->as_array().size(); ++i) {
            const json::value& e = pj->as_array()[i];
            auto h = hash_from_json(&e, "consistency_path");
            if (!h || to_hex(*h) != e.as_string()) problem = "checkpoint.consistency_path[" + std::to_string(i) + "] is not lower-case hex";
            else path.push_back(*h);
        }
        // The certified header at the checkpoint's height binds the height, the validator
        // set the walk must reach (a change left out fails here) and the ledger the note
        // states; its state says which witnesses were in force.
        std::optional<BlockHeader> cp_header;
        std::optional<StateView> cp_state;
        if (problem.empty()) {
            const json::value* cb = at(*cpj, "block");
            const json::value* chj = cb ? at(*cb, "header") : nullptr;
            auto h = chj ? header_from_json(suite, *chj) : Result<BlockHeader>(Status::error("checkpoint.block.header is missing"));
            const json::value* ccj = at(*cpj, "commit");
            auto ccert = ccj ? certificate_from_json(suite, *ccj) : Result<CommitCertificate>(Status::error("checkpoint.commit is missing"));
            const json::value* csj = at(*cpj, "state");
            auto view = csj ? state_view_from_json(suite, *csj) : Result<StateView>(Status::error("checkpoint.state is missing"));
            if (!h) problem = "checkpoint.block.header: " + h.message();
            else if (!ccert) problem = "checkpoint.commit: " + ccert.message();
            else if (!view) problem = "checkpoint.state: " + view.message();
            else {
                const Bytes hb = header_bytes(*h);
                const Hash hh = suite.hash(hb);
                if (header_to_json(*h) != *chj || hex_at(cb, "header_bytes") != to_hex(hb) || hex_at(cb, "hash") != to_hex(hh))
                    problem = "checkpoint.block: header, header_bytes and hash disagree";
                else if (h->height != *cp_height)
                    problem = "checkpoint.height is " + std::to_string(*cp_height) + " but the certified header is of block " +
                              std::to_string(h->height);
                else if (h->genesis_hash != ghash || h->chain_id != genesis.chain_id)
                    problem = "checkpoint.block is not of this genesis";
                else if (h->validator_set_hash != validator_set_hash(suite, cp_set))
                    problem = "block " + std::to_string(h->height) +
                              " names a validator set the walk through checkpoint.validator_changes does not reach "
                              "(a change is missing or altered)";
                else if (certificate_to_json(suite, genesis.chain_id, *ccert) != *ccj)
                    problem = "checkpoint.commit is not in canonical form";
                else if (auto bad = check_certificate(suite, genesis.chain_id, h->height, hh, *ccert, cp_set))
                    problem = "checkpoint.commit: " + *bad;
                else if (suite.hash(state_view_bytes(*view)) != h->state_hash || state_view_to_json(*view) != *csj)
                    problem = "checkpoint.state does not hash to the state_hash of block " + std::to_string(h->height);
                else {
                    cp_header = *h;
                    cp_state = std::move(*view);
                }
            }
        }
        CheckpointVerdict v;
        if (problem.empty()) {
            // Witness lines to check: those in force at the checkpoint's block and those the
            // reader gave; a bad signature by either fails the checkpoint.
            std::vector<Witness> known = cp_state->witnesses;
            for (const auto& w : witnesses)
                if (std::find(known.begin(), known.end(), w) == known.end()) known.push_back(w);
            v = verify_checkpoint(suite, std::string_view(note->as_string()), checkpoint_origin(genesis), cp_set, known);
            if (!v.ok()) problem = "checkpoint: " + v.summary();
            else if (v.checkpoint.size != cp_header->ledger_size || v.checkpoint.root != cp_header->ledger_root)
                problem = "the note's size and root are not the ledger of the certified block " + std::to_string(cp_header->height) +
                          " (size " + std::to_string(cp_header->ledger_size) + ")";
            else if (v.checkpoint.size < header->ledger_size ||
                     !verify_consistency(suite, header->ledger_size, v.checkpoint.size, header->ledger_root, v.checkpoint.root, path))
                problem = "the block's ledger (size " + std::to_string(header->ledger_size) +
                          ") is not a prefix of the checkpoint's (size " + std::to_string(v.checkpoint.size) +
                          "): the consistency proof fails";
        }
        std::string detail = problem;
        if (problem.empty()) {
            detail = "the block's ledger is a prefix of checkpoint size " + std::to_string(v.checkpoint.size) +
                     ", the ledger of certified block " + std::to_string(cp_header->height) + ", " + v.summary();
            for (const auto& w : v.witnesses) detail += "; witness " + w.name + " cosigned at " + std::to_string(w.timestamp);
            // Counted: in force at the checkpoint's block and known to the reader without
            // the chain's later history (genesis, or --witness).
            in_force_witnesses = cp_state->witnesses.size();
            quorum = cp_state->params.witness_quorum;
            declares_witnesses = declares_witnesses || in_force_witnesses > 0;
            for (const auto& c : v.witnesses) {
                const auto named = [&](const Witness& w) { return w.name == c.name; };
                const auto in_force = std::find_if(cp_state->witnesses.begin(), cp_state->witnesses.end(), named);
                if (in_force == cp_state->witnesses.end()) continue;
                const bool anchored =
                    std::find(genesis.witnesses.begin(), genesis.witnesses.end(), *in_force) != genesis.witnesses.end() ||
                    std::find(witnesses.begin(), witnesses.end(), *in_force) != witnesses.end();
                if (anchored) cosigners.push_back(c.name);
            }
        }
        // Every witness the reader named must have cosigned: silence is not a pass.
        for (const auto& w : witnesses)
            if (problem.empty() && std::none_of(v.witnesses.begin(), v.witnesses.end(),
                                                [&](const CheckpointVerdict::Cosignature& c) { return c.name == w.name; }))
                problem = detail = "witness " + w.name + " (given with --witness) did not cosign this checkpoint";
        c.check("checkpoint", problem.empty(), detail);
    } else if (!witnesses.empty()) {
        c.fail("checkpoint", "witnesses were given, but the receipt carries no checkpoint they could have cosigned "
                             "(jchain receipt --checkpoint)");
    }

    // What the receipt rests on, said in words; a chain that declares witnesses expects them.
    {
        const bool witnessed = in_force_witnesses > 0 && cosigners.size() >= quorum;
        verdict.basis = witnessed ? TrustBasis::witnessed : TrustBasis::validators_only;
        std::string names;
        for (const auto& n : cosigners) names += (names.empty() ? "" : ", ") + n;
        verdict.basis_text = witnessed ? "witnessed by " + std::to_string(cosigners.size()) + " of " +
                                             std::to_string(in_force_witnesses) + " witnesses (" + names + "; quorum " +
                                             std::to_string(quorum) + ")"
                                       : "certified by validators only";
        std::string why;
        if (!witnessed && declares_witnesses)
            why = !cpj ? "the chain declares witnesses, and this receipt carries no checkpoint (jchain receipt --checkpoint)"
                       : "the chain declares witnesses, and fewer than " + std::to_string(quorum) +
                             " witness(es) in force that this verifier knows (genesis, or --witness) cosigned the checkpoint" +
                             (names.empty() ? "" : " (" + names + ")");
        if (!witnessed && declares_witnesses && accept_validators_only)
            c.check("trust basis", true, verdict.basis_text + ", accepted as such (--accept-validators-only): " + why);
        else if (!witnessed && declares_witnesses)
            c.fail("trust basis", verdict.basis_text + ": " + why +
                                      "; keys that once held the validators' power could have made it "
                                      "(--accept-validators-only accepts it as that)");
        else
            c.check("trust basis", true,
                    witnessed ? verdict.basis_text
                              : verdict.basis_text + " (the chain declares no witnesses: keys that once held the "
                                                     "validators' power could have made it)");
    }

    // The members, policy and parameters in force at the block, and the submitter's right
    // to write this kind there.
    const json::value* state_json = at(receipt, "state");
    auto view = state_json ? state_view_from_json(suite, *state_json) : Result<StateView>(Status::error("state is missing"));
    if (!view) {
        c.fail("state", view.message());
        return finish();
    }
    const Hash shash = suite.hash(state_view_bytes(*view));
    c.check("state", shash == header->state_hash && state_view_to_json(*view) == *state_json,
            std::string(suite.hash_name()) + " of the state bytes is the header's state_hash " + to_hex(header->state_hash));
    const MemberTerm* term = nullptr;
    for (const auto& m : view->members)
        if (m.key == record->submitter) term = &m;
    if (record->kind == Kind::governance) {
        // As chain/state.cpp governance_submitter: a validator in force, or a member in
        // force proposing the rotation of its own key. The detail names the branch taken.
        const Validator* validator = current.find(record->submitter);
        auto g = parse_governance(suite, *record);
        const bool self_rotation = g && !g->approve && g->action.op == GovOp::rotate_key && g->action.key == record->submitter;
        const std::string at = " at height " + std::to_string(header->height);
        c.check("submitter", validator || (self_rotation && term),
                validator ? "validator " + validator->name + " in force" + at + " may write governance records"
                : self_rotation && term
                    ? term->name + " (" + term->role + ", member since height " + std::to_string(term->since_height) +
                          ") rotating its own member key, which a member in force" + at + " may do"
                : self_rotation ? to_hex(record->submitter.bytes) + " rotates its own key but is not a member in force" + at
                                : "a governance record by " + to_hex(record->submitter.bytes) +
                                      ", which is neither a validator in force" + at + " nor a member rotating its own key");
    } else if (!term) {
        c.fail("submitter", to_hex(record->submitter.bytes) + " is not a member in force at height " + std::to_string(header->height));
    } else {
        auto allowed = view->policy.find(record->kind);
        const bool permitted = allowed != view->policy.end() && allowed->second.count(term->role) > 0;
        // A correction by the corrected record's own submitter is allowed whatever its
        // role; this receipt does not prove the earlier record's submitter (its own
        // receipt does), so it says what it relies on.
        const bool own_correction = record->kind == Kind::correction && !permitted;
        c.check("submitter", permitted || own_correction,
                term->name + " (" + term->role + ", member since height " + std::to_string(term->since_height) + ")" +
                    (permitted ? " may write '" + std::string(kind_name(record->kind)) + "'"
                               : own_correction ? "; a correction by this role is valid only of the member's own record: "
                                                  "check that record's receipt"
                                                : " may not write '" + std::string(kind_name(record->kind)) + "'"));
    }
    return finish();
}

}  // namespace jchain::chain
