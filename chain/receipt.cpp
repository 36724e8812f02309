#include "chain/receipt.h"

#include <boost/json.hpp>

#include "chain/json_codec.h"
#include "chain/merkle.h"

namespace json = boost::json;

namespace jchain::chain {

json::value make_receipt(const ReceiptParts& p) {
    const Bytes record_bytes = record_signed_bytes(p.record);
    const Bytes head_bytes = header_bytes(p.header);
    json::array path;
    for (const auto& h : p.inclusion_path) path.push_back(json::string(to_hex(h)));
    return json::object{
        {"format", receipt_format},
        {"chain_id", p.header.chain_id},
        {"record_id", to_hex(crypto::sha256(record_bytes))},
        {"record", record_to_json(p.record)},
        {"record_signature", signature_evidence(record_bytes, p.record.signature, p.record.submitter)},
        {"leaf_index", p.leaf_index},
        {"inclusion_proof",
         {{"leaf_hash", to_hex(merkle_leaf_hash(crypto::sha256(record_bytes)))},
          {"tree_size", p.header.ledger_size},
          {"root", to_hex(p.header.ledger_root)},
          {"path", std::move(path)}}},
        {"block",
         {{"header", header_to_json(p.header)},
          {"header_bytes", to_hex(head_bytes)},
          {"hash", to_hex(crypto::sha256(head_bytes))}}},
        {"commit", certificate_to_json(p.header.chain_id, p.certificate)},
        {"validator_set", validator_set_to_json(p.validators)},
    };
}

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

}  // namespace

ReceiptVerdict verify_receipt(const json::value& receipt, const Genesis& genesis, const std::optional<Hash>& file_hash) {
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
    const json::value* chain_id = at(receipt, "chain_id");
    c.check("chain id", chain_id && chain_id->is_string() && chain_id->as_string() == genesis.chain_id,
            "genesis chain id is " + genesis.chain_id);

    // The record, its bytes, id and signature.
    const json::value* record_json = at(receipt, "record");
    auto record = record_json ? record_from_json(*record_json) : Result<Record>(Status::error("record is missing"));
    if (!record) {
        c.fail("record", record.message());
        return finish();
    }
    verdict.record = *record;
    c.check("record chain id", record->chain_id == genesis.chain_id, record->chain_id);
    const Bytes record_bytes = record_signed_bytes(*record);
    const Hash id = crypto::sha256(record_bytes);
    const json::value* sig_ev = at(receipt, "record_signature");
    c.check("record signed bytes", hex_at(sig_ev, "signed_bytes") == to_hex(record_bytes),
            "record_signature.signed_bytes equals the record's canonical bytes");
    c.check("record id", hex_at(&receipt, "record_id") == to_hex(id), "SHA-256 of the signed bytes is " + to_hex(id));
    c.check("record signature", verify_record_signature(*record) &&
                                    hex_at(sig_ev, "der") == to_hex(crypto::signature_to_der(record->signature)) &&
                                    hex_at(sig_ev, "pem") == crypto::public_key_to_pem(record->submitter),
            "ECDSA secp256k1 by " + to_hex(record->submitter.bytes));
    if (file_hash)
        c.check("file content", *file_hash == record->content_hash,
                "file SHA-256 " + to_hex(*file_hash) + ", record content hash " + to_hex(record->content_hash));
    if (const Member* m = genesis.find_member(record->submitter))
        c.check("submitter", true, m->name + " (" + m->role + ") in genesis");
    else
        c.check("submitter", genesis.validators.find(record->submitter) != nullptr,
                "submitter must be a member or validator in genesis");

    // The block header and its hash.
    const json::value* block = at(receipt, "block");
    const json::value* header_json = block ? at(*block, "header") : nullptr;
    auto header = header_json ? header_from_json(*header_json) : Result<BlockHeader>(Status::error("block.header is missing"));
    if (!header) {
        c.fail("block header", header.message());
        return finish();
    }
    verdict.header = *header;
    const Bytes head_bytes = header_bytes(*header);
    const Hash hash = crypto::sha256(head_bytes);
    c.check("header bytes", hex_at(block, "header_bytes") == to_hex(head_bytes),
            "block.header_bytes equals the header's canonical bytes");
    c.check("block hash", hex_at(block, "hash") == to_hex(hash), "SHA-256 of the header bytes is " + to_hex(hash));
    c.check("header chain id", header->chain_id == genesis.chain_id, header->chain_id);
    if (header->height == 1)
        c.check("genesis link", header->prev_hash == genesis_hash(genesis), "block 1 follows the genesis hash");

    // Inclusion of the record in the ledger tree committed by the header.
    const json::value* proof = at(receipt, "inclusion_proof");
    auto leaf_index = uint_from_json(at(receipt, "leaf_index"), "leaf_index");
    std::vector<Hash> path;
    bool path_ok = proof && at(*proof, "path") && at(*proof, "path")->is_array();
    if (path_ok)
        for (const auto& h : at(*proof, "path")->as_array()) {
            auto parsed = hash_from_json(&h, "path");
            if (!parsed) { path_ok = false; break; }
            path.push_back(*parsed);
        }
    // The proof's own summary fields must match what the proof is checked against, or a
    // reader checking it by hand (jchain proof inclusion) would see another proof.
    const Hash leaf = merkle_leaf_hash(id);
    auto stated_size = proof ? uint_from_json(at(*proof, "tree_size"), "tree_size") : Result<std::uint64_t>(Status::error("missing"));
    c.check("inclusion proof fields",
            proof && hex_at(proof, "leaf_hash") == to_hex(leaf) && hex_at(proof, "root") == to_hex(header->ledger_root) &&
                stated_size && *stated_size == header->ledger_size,
            "leaf_hash is SHA-256(0x00 || record id), root and tree_size are the header's ledger root and size");
    c.check("inclusion proof",
            path_ok && leaf_index &&
                verify_inclusion(merkle_leaf_hash(id), *leaf_index, header->ledger_size, path, header->ledger_root),
            "leaf " + (leaf_index ? std::to_string(*leaf_index) : std::string("?")) + " of " +
                std::to_string(header->ledger_size) + " under ledger root " + to_hex(header->ledger_root));

    // The validator set and the commit certificate.
    const json::value* vset_json = at(receipt, "validator_set");
    auto vset = vset_json ? validator_set_from_json(*vset_json) : Result<ValidatorSet>(Status::error("validator_set is missing"));
    if (!vset) {
        c.fail("validator set", vset.message());
        return finish();
    }
    const Hash vset_hash = validator_set_hash(*vset);
    c.check("validator set",
            vset_hash == header->validator_set_hash && hex_at(vset_json, "hash") == to_hex(vset_hash) &&
                vset_hash == validator_set_hash(genesis.validators),
            "hash " + to_hex(vset_hash) + " matches the header and the genesis validators");
    const json::value* commit_json = at(receipt, "commit");
    auto cert = commit_json ? certificate_from_json(*commit_json) : Result<CommitCertificate>(Status::error("commit is missing"));
    if (!cert) {
        c.fail("commit certificate", cert.message());
        return finish();
    }
    const std::string vote_hex = to_hex(vote_signed_bytes(certificate_vote(genesis.chain_id, *cert)));
    bool evidence_ok = true;
    // Each signature's evidence (for openssl by hand) must be the very vote, key and
    // signature the certificate holds.
    const auto& sig_entries = at(*commit_json, "signatures")->as_array();
    for (std::size_t i = 0; i < sig_entries.size() && i < cert->signatures.size(); ++i) {
        const auto& s = sig_entries[i];
        const auto& cs = cert->signatures[i];
        const json::value* pem = at(s, "pem");
        evidence_ok = evidence_ok && hex_at(&s, "signed_bytes") == vote_hex &&
                      hex_at(&s, "der") == to_hex(crypto::signature_to_der(cs.signature)) && pem &&
                      pem->is_string() && pem->as_string() == crypto::public_key_to_pem(cs.validator);
    }
    auto problem = check_certificate(genesis.chain_id, header->height, hash, *cert, genesis.validators);
    c.check("commit certificate", !problem && evidence_ok,
            problem ? *problem
                    : evidence_ok ? std::to_string(cert->signatures.size()) + " of " +
                                        std::to_string(genesis.validators.validators.size()) +
                                        " validators precommitted this block"
                                  : "a signature's signed_bytes, der or pem is not the certificate's");
    return finish();
}

}  // namespace jchain::chain
