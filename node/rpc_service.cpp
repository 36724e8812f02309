#include "node/rpc_service.h"

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <limits>
#include <spdlog/spdlog.h>
#include <sstream>

#include "base/json.h"
#include "chain/json_codec.h"
#include "chain/receipt.h"
#include "node/node.h"
#include "node/read_access.h"
#include "report/certificate.h"
#include "rpc/json_rpc.h"

namespace json = boost::json;

namespace jchain::node {

namespace {

using chain::Hash;
using rpc::MethodResult;
using rpc::RpcError;

constexpr std::size_t query_results_max = 1000;
constexpr std::size_t case_history_max = 10'000;

RpcError reject_error(const chain::Reject& r) {
    return {chain::reason_code(r.reason), r.message, r.word.empty() ? std::string(chain::reason_word(r.reason)) : r.word};
}
RpcError not_found(std::string what) { return reject_error({chain::RejectReason::not_found, std::move(what)}); }

const json::value* param(const json::value& params, std::string_view key) {
    return params.is_object() ? params.as_object().if_contains(key) : nullptr;
}

std::string hex(const Hash& h) { return to_hex(h); }

struct Service {
    Node& node;

    std::uint64_t block_time(std::uint64_t height) const {
        auto b = node.store().block(height);
        return b ? b->header.time_ms : 0;
    }

    bool revoked(const Hash& id) const {
        for (const auto& cid : node.store().corrections_of(id)) {
            auto c = node.store().record(cid);
            if (c && chain::correction_action(c->record) == chain::CorrectionAction::revoke) return true;
        }
        return false;
    }

    json::array corrections(const Hash& id) const {
        json::array out;
        for (const auto& cid : node.store().corrections_of(id)) {
            auto c = node.store().record(cid);
            if (!c) continue;
            auto action = chain::correction_action(c->record);
            out.push_back({{"id", hex(cid)},
                           {"action", action == chain::CorrectionAction::revoke ? "revoke" : "amend"},
                           {"height", c->height}});
        }
        return out;
    }

    MethodResult status() const {
        const TipInfo tip = node.tip();
        json::array validators;
        const auto state = node.state();
        for (const auto& v : state->validators.validators)
            validators.push_back({{"name", v.name}, {"public_key", to_hex(v.key.bytes)}, {"power", v.power}});
        json::array peers;
        for (const auto& p : node.peers()) {
            peers.push_back({{"public_key", to_hex(p.key.bytes)},
                             {"name", key_name(*state, p.key)},
                             {"address", p.address},
                             {"outbound", p.outbound}});
        }
        const SyncStatus sync = node.sync_status();
        json::value out{{"chain_id", node.genesis().chain_id},
                           {"suite", node.genesis().suite.name()},
                           {"moniker", node.config().moniker},
                           {"role", node.config().role},
                           {"height", tip.height},
                           {"last_block_hash", tip.height ? hex(tip.block_hash) : std::string()},
                           {"last_block_time", tip.time_ms},
                           {"ledger_size", tip.ledger_size},
                           {"ledger_root", hex(tip.ledger_root)},
                           {"validators", std::move(validators)},
                           {"peers", std::move(peers)},
                           {"round", sync.round},
                           {"best_peer_height", std::max(sync.best_peer_height, tip.height)},
                           {"mempool_size", node.mempool().size()},
                           {"syncing", sync.catching_up},
                           {"halted", sync.halted.empty() ? json::value(nullptr) : json::value(sync.halted)},
                           {"clock_offset_ms", sync.clock_offset_ms ? json::value(*sync.clock_offset_ms) : json::value(nullptr)},
                           {"genesis_hash", hex(chain::genesis_hash(node.genesis()))},
                           {"validator_set_hash", hex(chain::validator_set_hash(node.genesis().suite, state->validators))},
                           {"state_hash", hex(chain::state_hash(*state, tip.height + 1))},
                           {"proposals_pending", pending_proposals(*state, tip.height + 1)}};
        if (node.genesis().suite.is_sm2()) out.as_object()["sm2_user_id"] = node.genesis().suite.sm2_user_id();
        return out;
    }

    // A record that is not one of this chain's suite but a valid record of another:
    // wrong_suite, naming both (a key not on this suite's curve, a signature too long).
    std::optional<RpcError> wrong_suite_error(const json::value& rec) const {
        const crypto::Suite& suite = node.genesis().suite;
        const crypto::Suite other = suite.is_sm2() ? crypto::Suite::secp256k1_sha256() : crypto::Suite::sm2_sm3();
        auto record = chain::record_from_json(other, rec);
        if (!record) return std::nullopt;
        auto signed_for = chain::foreign_suite(suite, *record);
        if (!signed_for) return std::nullopt;
        return reject_error({chain::RejectReason::wrong_suite, chain::wrong_suite_message(suite, *signed_for)});
    }

    // All submit_record calls of one request body: decoded one by one, admitted together
    // so their signatures are checked on every core.
    std::vector<MethodResult> submit_records(const std::vector<const json::value*>& params) {
        std::vector<MethodResult> results(params.size(), json::value());
        std::vector<chain::Record> records;
        std::vector<std::size_t> positions;
        for (std::size_t i = 0; i < params.size(); ++i) {
            const json::value* rec = param(*params[i], "record");
            if (!rec) {
                results[i] = rpc::invalid_params("params.record is required");
                continue;
            }
            auto record = chain::record_from_json(node.genesis().suite, *rec);
            if (!record) {
                results[i] = wrong_suite_error(*rec).value_or(RpcError{-32602, record.message(), "invalid_record"});
                continue;
            }
            records.push_back(std::move(*record));
            positions.push_back(i);
        }
        // A node that cannot write would hold records it may never commit and lose at
        // restart: it refuses them until it can write again.
        if (const std::string halted = node.sync_status().halted; !halted.empty()) {
            const RpcError e = reject_error({chain::RejectReason::node_halted,
                                             "this node cannot commit records now (" + halted +
                                                 "); it takes them again by itself once it can write"});
            for (std::size_t i : positions) results[i] = e;
            node.metrics().records_rejected += records.size();
            return results;
        }
        auto admitted = node.admission().admit(std::move(records), now_ms());
        std::vector<Hash> ids;
        for (const auto& a : admitted)
            if (const auto* id = std::get_if<Hash>(&a)) ids.push_back(*id);
        for (std::size_t k = 0; k < admitted.size(); ++k) {
            if (auto* reject = std::get_if<chain::Reject>(&admitted[k])) {
                results[positions[k]] = reject_error(*reject);
                continue;
            }
            results[positions[k]] = json::value{{"id", hex(std::get<Hash>(admitted[k]))}, {"status", "pending"}};
        }
        const std::size_t refused = params.size() - static_cast<std::size_t>(std::count_if(
            admitted.begin(), admitted.end(), [](const auto& a) { return std::holds_alternative<Hash>(a); }));
        node.metrics().records_rejected += refused;
        node.metrics().records_admitted += params.size() - refused;
        node.records_arrived(std::move(ids));
        return results;
    }

    MethodResult get_record(const json::value& params) const {
        auto id = chain::hash_from_json(param(params, "id"), "id");
        if (!id) return rpc::invalid_params(id.message());
        if (auto stored = node.store().record(*id)) {
            return json::value{{"id", hex(*id)},
                               {"record", chain::record_to_json(node.genesis().suite, stored->record)},
                               {"status", "committed"},
                               {"height", stored->height},
                               {"time", block_time(stored->height)},
                               {"leaf_index", stored->leaf_index},
                               {"corrections", corrections(*id)},
                               {"revoked", revoked(*id)}};
        }
        if (auto pending = node.mempool().find(*id))
            return json::value{{"id", hex(*id)}, {"record", chain::record_to_json(node.genesis().suite, *pending)}, {"status", "pending"}};
        if (auto expired = node.mempool().expired(*id))
            return json::value{{"id", hex(*id)},
                               {"record", chain::record_to_json(node.genesis().suite, expired->record)},
                               {"status", "expired"},
                               {"reason", expired->reason}};
        return not_found("no record " + hex(*id));
    }

    // What a receipt carries of checkpoints: none, one (not_found until one covers the
    // record: get_receipt's `checkpoint: true`), or one when there is one (certificates).
    enum class CheckpointWant { none, required, if_any };

    MethodResult get_receipt(const json::value& params) const {
        auto id = chain::hash_from_json(param(params, "id"), "id");
        if (!id) return rpc::invalid_params(id.message());
        const json::value* want = param(params, "checkpoint");
        return receipt_of(*id, want && want->is_bool() && want->as_bool() ? CheckpointWant::required
                                                                           : CheckpointWant::none);
    }

    MethodResult receipt_of(const chain::Hash& id, CheckpointWant want) const {
        auto stored = node.store().record(id);
        if (!stored) return not_found("record " + hex(id) + " is not committed");
        auto block = node.store().block(stored->height);
        auto cert = node.store().certificate(stored->height);
        if (!block || !cert) return RpcError{-32603, "block " + std::to_string(stored->height) + " missing", "internal"};
        auto path = chain::inclusion_proof(node.genesis().suite, node.store(), stored->leaf_index, block->header.ledger_size);
        if (!path) return RpcError{-32603, path.message(), "internal"};
        // The state the block's records obeyed, and the validator-set changes before it.
        const chain::ChainState in_force = node.store().state_after(stored->height - 1);
        std::vector<chain::ValidatorStep> steps;
        for (const auto& c : node.state()->validator_changes) {
            if (c.height == 0 || c.height >= stored->height) continue;  // 0: the genesis set
            auto b = node.store().block(c.height);
            auto q = node.store().certificate(c.height);
            if (!b || !q) return RpcError{-32603, "block " + std::to_string(c.height) + " missing", "internal"};
            steps.push_back({b->header, *q, c.next});
        }
        chain::StateView view = chain::state_view(in_force, stored->height);
        chain::ReceiptParts parts{node.genesis().suite, stored->record, stored->leaf_index, *path, block->header, *cert,
                                  in_force.validators, std::move(view), std::move(steps), std::nullopt};
        if (want != CheckpointWant::none) {
            auto cp = receipt_checkpoint(block->header);
            if (!cp && want == CheckpointWant::if_any) return chain::make_receipt(parts);
            if (!cp) return not_found("no checkpoint signed by more than 2/3 of the validators covers block " +
                                      std::to_string(stored->height) + " yet; ask again after the next block");
            parts.checkpoint = std::move(*cp);
        }
        return chain::make_receipt(parts);
    }

    // The checkpoint a receipt of `block` carries: among the latest signed ones at or past
    // its ledger size, the newest witnessed one (cosigned by params.witness_quorum of the
    // witnesses in force at its block: what a verifier counts), else the newest with any
    // cosignature, else the newest.
    std::optional<chain::ReceiptCheckpoint> receipt_checkpoint(const chain::BlockHeader& block) const {
        const auto& cps = node.checkpoints();
        std::optional<Checkpoints::Signed> newest, cosigned, witnessed;
        for (std::uint64_t size : node.store().checkpoint_sizes(std::numeric_limits<std::uint64_t>::max(), 64)) {
            if (size < block.ledger_size) break;
            auto c = cps.at(size);
            if (!c || !c->verdict.ok()) continue;
            if (!newest) newest = c;
            if (c->verdict.witnesses.empty()) continue;
            if (!cosigned) cosigned = c;
            const chain::StateView then = chain::state_view(node.store().state_after(c->height - 1), c->height);
            std::size_t in_force = 0;
            for (const auto& w : c->verdict.witnesses)
                in_force += std::any_of(then.witnesses.begin(), then.witnesses.end(),
                                        [&w](const chain::Witness& x) { return x.name == w.name; });
            if (!then.witnesses.empty() && in_force >= then.params.witness_quorum) {
                witnessed = c;
                break;
            }
        }
        const std::optional<Checkpoints::Signed>& chosen = witnessed ? witnessed : cosigned ? cosigned : newest;
        if (!chosen) return std::nullopt;
        auto path = chain::consistency_proof(node.genesis().suite, node.store(), block.ledger_size, chosen->checkpoint.size);
        if (!path) return std::nullopt;
        chain::ReceiptCheckpoint out{chosen->note, chosen->height, std::move(*path), {}, {}, {}, {}};
        // The certified header at the checkpoint's height, and the state it names (whose
        // witnesses count): they bind the checkpoint to the chain (docs/receipt.md).
        auto cp_block = node.store().block(chosen->height);
        auto cp_cert = node.store().certificate(chosen->height);
        if (!cp_block || !cp_cert) return std::nullopt;
        out.header = cp_block->header;
        out.certificate = *cp_cert;
        out.state = chain::state_view(node.store().state_after(chosen->height - 1), chosen->height);
        for (const auto& c : node.state()->validator_changes) {
            if (c.height < block.height || c.height >= chosen->height) continue;
            auto b = node.store().block(c.height);
            auto q = node.store().certificate(c.height);
            if (!b || !q) return std::nullopt;
            out.validator_changes.push_back({b->header, *q, c.next});
        }
        return out;
    }

    MethodResult verify_hash(const json::value& params) const {
        auto content = chain::hash_from_json(param(params, "content_hash"), "content_hash");
        if (!content) return rpc::invalid_params(content.message());
        json::array records;
        for (const auto& id : node.store().records_with_content(*content, query_results_max)) {
            auto s = node.store().record(id);
            if (!s) continue;
            records.push_back({{"id", hex(id)},
                               {"kind", chain::kind_name(s->record.kind)},
                               {"case_tag", s->record.case_tag},
                               {"submitter", to_hex(s->record.submitter.bytes)},
                               {"submitter_name", member_name(s->record.submitter)},
                               {"height", s->height},
                               {"time", block_time(s->height)},
                               {"leaf_index", s->leaf_index},
                               {"revoked", revoked(id)}});
        }
        const bool found = !records.empty();
        return json::value{{"content_hash", hex(*content)}, {"found", found}, {"records", std::move(records)}};
    }

    std::string member_name(const chain::PublicKey& key) const { return key_name(*node.state(), key); }

    // The name a key has or had on the chain: a member term's, else a validator's, else an
    // observer node's.
    static std::string key_name(const chain::ChainState& s, const chain::PublicKey& key) {
        for (auto it = s.members.rbegin(); it != s.members.rend(); ++it)
            if (it->key == key) return it->name;
        for (auto it = s.validator_changes.rbegin(); it != s.validator_changes.rend(); ++it)
            if (const chain::Validator* v = it->next.find(key)) return v->name;
        for (auto it = s.nodes.rbegin(); it != s.nodes.rend(); ++it)
            if (it->key == key) return it->name;
        return std::string();
    }

    static std::size_t pending_proposals(const chain::ChainState& s, std::uint64_t height) {
        std::size_t n = 0;
        for (const auto& [id, p] : s.proposals) n += p.effective_height == 0 && height <= p.expires_height;
        return n;
    }

    MethodResult case_history(const json::value& params) const {
        // A case is asked for by its blinded tag (docs/privacy.md); `case_id` is the old
        // name of the parameter and takes the tag too.
        const json::value* case_id = param(params, "case_tag");
        if (!case_id) case_id = param(params, "case_id");
        if (!case_id || !case_id->is_string() || case_id->as_string().size() != chain::case_tag_chars)
            return rpc::invalid_params("case_tag must be a case tag of 64 hex characters (jchain case-history computes "
                                       "it from the case id and its case key)");
        json::array records;
        for (const auto& id : node.store().records_of_case(std::string(case_id->as_string()), case_history_max)) {
            auto s = node.store().record(id);
            if (!s) continue;
            json::array refs;
            for (const auto& r : s->record.refs) refs.push_back(json::string(hex(r)));
            json::object meta;
            for (const auto& [k, v] : s->record.metadata) meta[k] = v;
            records.push_back({{"id", hex(id)},
                               {"kind", chain::kind_name(s->record.kind)},
                               {"content_hash", hex(s->record.content_hash)},
                               {"submitter", to_hex(s->record.submitter.bytes)},
                               {"submitter_name", member_name(s->record.submitter)},
                               {"metadata", std::move(meta)},
                               {"refs", std::move(refs)},
                               {"height", s->height},
                               {"time", block_time(s->height)},
                               {"leaf_index", s->leaf_index},
                               {"revoked", revoked(id)}});
        }
        return json::value{{"case_tag", case_id->as_string()}, {"records", std::move(records)}};
    }

    MethodResult get_block(const json::value& params) const {
        std::optional<std::uint64_t> height;
        if (param(params, "hash")) {
            auto h = chain::hash_from_json(param(params, "hash"), "hash");
            if (!h) return rpc::invalid_params(h.message());
            height = node.store().height_of(*h);
            if (!height) return not_found("no block with hash " + hex(*h));
        } else {
            auto h = chain::uint_from_json(param(params, "height"), "height");
            if (!h) return rpc::invalid_params("params must have height or hash");
            height = *h;
        }
        auto block = node.store().block(*height);
        auto cert = node.store().certificate(*height);
        if (!block || !cert) return not_found("no block at height " + std::to_string(*height));
        json::object out{{"header", chain::header_to_json(block->header)},
                         {"hash", hex(chain::block_hash(node.genesis().suite, block->header))},
                         {"header_bytes", to_hex(chain::header_bytes(block->header))},
                         {"commit", chain::certificate_to_json(node.genesis().suite, node.genesis().chain_id, *cert)}};
        // header_only: what anyone may see (node/read_access.h); the record ids list records.
        const json::value* header_only = param(params, "header_only");
        if (header_only && !header_only->is_bool()) return rpc::invalid_params("header_only must be true or false");
        if (!header_only || !header_only->as_bool()) {
            json::array ids;
            for (const auto& id : block->record_ids) ids.push_back(json::string(hex(id)));
            out["record_ids"] = std::move(ids);
        }
        return json::value(std::move(out));
    }

    MethodResult get_consistency_proof(const json::value& params) const {
        auto size1 = chain::uint_from_json(param(params, "size1"), "size1");
        auto size2 = chain::uint_from_json(param(params, "size2"), "size2");
        if (!size1) return rpc::invalid_params(size1.message());
        if (!size2) return rpc::invalid_params(size2.message());
        const std::uint64_t ledger = node.tip().ledger_size;
        if (*size1 > *size2 || *size2 > ledger)
            return rpc::invalid_params("need size1 <= size2 <= ledger size " + std::to_string(ledger));
        auto path = chain::consistency_proof(node.genesis().suite, node.store(), *size1, *size2);
        auto root1 = chain::merkle_root_at(node.genesis().suite, node.store(), *size1);
        auto root2 = chain::merkle_root_at(node.genesis().suite, node.store(), *size2);
        if (!path || !root1 || !root2) return RpcError{-32603, "ledger tree read failed", "internal"};
        json::array p;
        for (const auto& h : *path) p.push_back(json::string(hex(h)));
        return json::value{{"size1", *size1}, {"size2", *size2}, {"root1", hex(*root1)}, {"root2", hex(*root2)},
                           {"path", std::move(p)}};
    }

    static json::value checkpoint_json(const Checkpoints::Signed& c) {
        json::array validators, witnesses, ignored;
        for (const auto& v : c.verdict.validators) validators.push_back(json::string(v));
        for (const auto& w : c.verdict.witnesses) witnesses.push_back({{"name", w.name}, {"timestamp", w.timestamp}});
        for (const auto& i : c.verdict.ignored) ignored.push_back(json::string(i));
        return json::value{{"origin", c.checkpoint.origin},
                           {"size", c.checkpoint.size},
                           {"root", hex(c.checkpoint.root)},
                           {"height", c.height},
                           {"note", c.note},
                           {"validators", std::move(validators)},
                           {"power", c.verdict.power},
                           {"total_power", c.verdict.total_power},
                           {"quorum", c.verdict.quorum()},
                           {"witnesses", std::move(witnesses)},
                           {"ignored", std::move(ignored)}};
    }

    // The latest checkpoint signed by more than 2/3 of the power, or the one at `size`
    // with every line this node holds (docs/checkpoints.md).
    MethodResult get_checkpoint(const json::value& params) const {
        const json::value* size_param = param(params, "size");
        if (!size_param || size_param->is_null()) {
            auto latest = node.checkpoints().latest();
            if (!latest) return not_found("no checkpoint is signed by more than 2/3 of the validators yet (none before the first record)");
            return checkpoint_json(*latest);
        }
        auto size = chain::uint_from_json(size_param, "size");
        if (!size) return rpc::invalid_params(size.message());
        auto c = node.checkpoints().at(*size);
        if (!c) return not_found("no block of this chain ended at ledger size " + std::to_string(*size));
        return checkpoint_json(*c);
    }

    // A witness's cosignature(s) on one of this chain's checkpoints: the note as the
    // witness returns it. Lines by witnesses node.toml does not name are ignored and
    // reported; a bad signature by a named one is refused.
    MethodResult add_cosignature(const json::value& params) const {
        const json::value* note = param(params, "note");
        if (!note || !note->is_string()) return rpc::invalid_params("note: expected the signed checkpoint as a string");
        auto r = node.checkpoints().add_cosignatures(std::string_view(note->as_string()));
        if (!r.error.empty()) return rpc::invalid_params(r.error);
        auto names = [](const std::vector<std::string>& v) {
            json::array a;
            for (const auto& n : v) a.push_back(json::string(n));
            return a;
        };
        return json::value{{"accepted", names(r.accepted)}, {"known", names(r.known)}, {"ignored", names(r.ignored)},
                           {"refused", names(r.refused)}};
    }

    // The set in force at the next height, each validator with the height it (at its
    // present power) has been in force since and its announced P2P address.
    MethodResult list_validators() const {
        const auto state = node.state();
        json::value out = chain::validator_set_to_json(node.genesis().suite, state->validators);
        auto& list = out.as_object()["validators"].as_array();  // in the set's order
        for (std::size_t i = 0; i < list.size(); ++i) {
            const chain::Validator& v = state->validators.validators[i];
            std::uint64_t since = 1;
            bool was = false;
            for (const auto& change : state->validator_changes) {
                const chain::Validator* then = change.next.find(v.key);
                const bool is = then && then->power == v.power;
                if (is && !was) since = change.height + 1;
                was = is;
            }
            list[i].as_object()["since_height"] = since;
            auto addr = state->validator_p2p.find(v.key);
            list[i].as_object()["p2p"] = addr == state->validator_p2p.end() ? json::value(nullptr) : json::value(addr->second);
        }
        out.as_object()["height"] = node.tip().height + 1;
        return out;
    }

    // Every member term: in force when until_height is null (or above the next height).
    MethodResult list_members(const json::value& params) const {
        const auto state = node.state();
        const json::value* all = param(params, "all");
        const bool include_past = all && all->is_bool() && all->as_bool();
        const std::uint64_t next = node.tip().height + 1;
        json::array members;
        for (const auto& m : state->members) {
            const bool in_force = m.in_force_at(next) || m.since_height > next;
            if (!in_force && !include_past) continue;
            members.push_back({{"name", m.name},
                               {"public_key", to_hex(m.key.bytes)},
                               {"role", m.role},
                               {"since_height", m.since_height},
                               {"until_height", m.until_height ? json::value(m.until_height) : json::value(nullptr)},
                               {"in_force", m.in_force_at(next)}});
        }
        return json::value{{"members", std::move(members)}, {"height", next}};
    }

    MethodResult list_proposals(const json::value& params) const {
        const auto state = node.state();
        const std::uint64_t next = node.tip().height + 1;
        std::string want;
        if (const json::value* s = param(params, "state")) {
            if (!s->is_string() || (s->as_string() != "pending" && s->as_string() != "approved" &&
                                    s->as_string() != "expired" && s->as_string() != "in_force"))
                return rpc::invalid_params("state must be pending, approved, expired or in_force");
            want = std::string(s->as_string());
        }
        json::array out;
        for (const auto& [id, p] : state->proposals) {
            const std::string st = p.effective_height != 0 ? (p.effective_height > next ? "approved" : "in_force")
                                   : next > p.expires_height ? "expired" : "pending";
            if (!want.empty() && st != want) continue;
            std::uint64_t power = 0;
            json::array approvals;
            for (const auto& k : p.approvals) {
                approvals.push_back(json::string(to_hex(k.bytes)));
                if (const chain::Validator* v = state->validators_at(p.effective_height ? p.effective_height - 1 : next).find(k))
                    power += v->power;
            }
            json::object md;
            for (const auto& [k, v] : chain::governance_metadata(p.action, 0)) md[k] = v;
            out.push_back({{"id", hex(id)},
                           {"op", chain::op_name(p.action.op)},
                           {"summary", p.action.describe()},
                           {"metadata", std::move(md)},
                           {"proposer", to_hex(p.proposer.bytes)},
                           {"height", p.height},
                           {"expires_height", p.expires_height},
                           {"approvals", std::move(approvals)},
                           {"approved_power", power},
                           {"total_power", state->validators.total_power()},
                           {"state", st},
                           {"effective_height", p.effective_height ? json::value(p.effective_height) : json::value(nullptr)}});
        }
        return json::value{{"proposals", std::move(out)}, {"height", next}};
    }

    // The certified validator-set changes a light client follows from genesis: for each,
    // the block whose header names the next set, its commit certificate and the set.
    MethodResult get_validator_changes(const json::value& params) const {
        const std::uint64_t tip = node.tip().height;
        std::uint64_t from = 1, to = tip;
        if (param(params, "from_height")) {
            auto f = chain::uint_from_json(param(params, "from_height"), "from_height");
            if (!f) return rpc::invalid_params(f.message());
            from = *f;
        }
        if (param(params, "to_height")) {
            auto t = chain::uint_from_json(param(params, "to_height"), "to_height");
            if (!t) return rpc::invalid_params(t.message());
            to = std::min(*t, tip);
        }
        const auto state = node.state();
        json::array changes;
        for (const auto& c : state->validator_changes) {
            if (c.height == 0 || c.height < from || c.height > to) continue;  // 0: the genesis set
            auto block = node.store().block(c.height);
            auto cert = node.store().certificate(c.height);
            if (!block || !cert) return RpcError{-32603, "block " + std::to_string(c.height) + " missing", "internal"};
            changes.push_back({{"height", c.height},
                               {"header", chain::header_to_json(block->header)},
                               {"commit", chain::certificate_to_json(node.genesis().suite, state->chain_id, *cert)},
                               {"next_validator_set", chain::validator_set_to_json(node.genesis().suite, c.next)}});
        }
        return json::value{{"genesis_validator_set", chain::validator_set_to_json(node.genesis().suite, state->validator_changes.front().next)},
                           {"changes", std::move(changes)},
                           {"height", tip}};
    }

    // Whether this request's signature admits it to the methods that list records or
    // cases: nullopt when it does, else the refusal (docs/rpc.md, "Who may read what").
    std::optional<RpcError> authorize(const rpc::HttpRequest& req) const {
        const auto state = node.state();
        auto verdict = check_read_request(*state, state->height + 1, req.authorization, req.body, now_ms());
        if (const auto* denied = std::get_if<ReadDenial>(&verdict)) {
            node.metrics().reads_refused++;
            return RpcError{unauthorized_code, denied->message, denied->reason};
        }
        const Reader& reader = std::get<Reader>(verdict);
        spdlog::debug("signed read by {} ({}, {})", reader.name, reader.role, to_hex(reader.key.bytes).substr(0, 16));
        return std::nullopt;
    }

    std::string metrics() const {
        const TipInfo tip = node.tip();
        auto& m = node.metrics();
        std::ostringstream o;
        auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t value) {
            o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
              << name << ' ' << value << '\n';
        };
        metric("jchain_height", "gauge", "Height of the last committed block.", tip.height);
        metric("jchain_ledger_size", "gauge", "Records in the ledger tree.", tip.ledger_size);
        metric("jchain_mempool_size", "gauge", "Records waiting for a block.", node.mempool().size());
        metric("jchain_records_admitted_total", "counter", "Records admitted to the mempool.", m.records_admitted);
        metric("jchain_records_rejected_total", "counter", "Records refused at admission.", m.records_rejected);
        metric("jchain_records_committed_total", "counter", "Records committed in blocks.", m.records_committed);
        metric("jchain_blocks_committed_total", "counter", "Blocks committed by this process.", m.blocks_committed);
        metric("jchain_rpc_requests_total", "counter", "HTTP requests served.", m.rpc_requests);
        metric("jchain_rpc_reads_refused_total", "counter",
               "Requests refused a method that lists records or cases (unsigned, or not signed by a key in force).",
               m.reads_refused);
        // Peers: what they hold of this node's memory, and the bans their frames earned.
        std::uint64_t inbound = 0, paused = 0;
        for (const auto& p : node.peers()) {
            inbound += p.inbound_bytes;
            paused += p.read_paused ? 1 : 0;
        }
        metric("jchain_p2p_peers", "gauge", "Authenticated peer links.", node.peers().size());
        metric("jchain_p2p_inbound_bytes", "gauge", "Bytes of received peer frames not yet handled.", inbound);
        metric("jchain_p2p_links_paused", "gauge", "Peer links not read: their frames exceed p2p inbound_bytes_max.", paused);
        o << "# HELP jchain_peer_bans_total Peers cut off and banned for a frame no honest node sends, by reason.\n"
             "# TYPE jchain_peer_bans_total counter\n";
        for (std::size_t i = 0; i < peer_offence_count; ++i)
            o << "jchain_peer_bans_total{reason=\"" << offence_name(static_cast<PeerOffence>(i)) << "\"} "
              << m.peer_offences.bans[i].load() << '\n';
        metric("jchain_peer_frames_dropped_total", "counter", "Frames of banned peers dropped unread.",
               m.peer_offences.frames_dropped_from_banned);
        const SyncStatus sync = node.sync_status();
        metric("jchain_halted", "gauge", "1 while consensus is halted (status.halted says why).", sync.halted.empty() ? 0 : 1);
        if (sync.clock_offset_ms) {  // signed: written here rather than through metric()
            o << "# HELP jchain_clock_offset_ms Other validators' proposal times minus this node's clock (median).\n"
                 "# TYPE jchain_clock_offset_ms gauge\njchain_clock_offset_ms "
              << *sync.clock_offset_ms << '\n';
        }
        return o.str();
    }
};

}  // namespace

namespace {

rpc::HttpResponse json_error(int status, const std::string& message) {
    return {status, "application/json", json::serialize(json::object{{"error", message}})};
}

// The value of `name` in the target's query string ("/certificate?record=ab..").
std::optional<std::string> query_param(const std::string& target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string::npos) return std::nullopt;
    std::string_view rest = std::string_view(target).substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        if (pair.substr(0, pair.find('=')) == name && pair.find('=') != std::string_view::npos)
            return std::string(pair.substr(pair.find('=') + 1));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

// GET /certificate?record=ID and POST /certificate (docs/rpc.md, docs/certificate.md).
// The request is checked here; the receipt is built, verified against this node's
// genesis and rendered on the node's certificate queue, never on an I/O thread.
void serve_certificate(Service& service, const rpc::HttpRequest& req, rpc::HttpRespond respond) {
    std::optional<chain::Hash> id;  // GET: the record, its receipt built from the store
    std::shared_ptr<json::value> posted;  // POST: the receipt sent
    if (req.method == "GET") {
        const auto record = query_param(req.target, "record");
        if (!record) return respond(json_error(400, "give the record id: /certificate?record=<64 hex>"));
        id = from_hex_fixed<32>(*record);
        if (!id) return respond(json_error(400, "record must be 64 hex characters"));
    } else if (req.method == "POST") {
        auto body = parse_json(req.body);
        if (!body) return respond(json_error(400, "the body is not a receipt: " + body.message()));
        if (!body->is_object()) return respond(json_error(400, "the body is not a receipt: a JSON object was expected"));
        posted = std::make_shared<json::value>(std::move(*body));
    } else {
        return respond(json_error(405, "use GET /certificate?record=<id> or POST /certificate with a receipt"));
    }
    Node& node = service.node;
    auto job = [&service, &node, id, posted, respond]() {
        try {
            json::value receipt;
            if (id) {
                // With the checkpoint a witness quorum cosigned when there is one, so the
                // certificate can say "witnessed"; else the plain receipt.
                const MethodResult built = service.receipt_of(*id, Service::CheckpointWant::if_any);
                if (const auto* e = std::get_if<RpcError>(&built))
                    return respond(json_error(e->reason == "not_found" ? 404 : 500, e->message));
                receipt = std::get<json::value>(built);
            } else {
                receipt = *posted;
            }
            // The certificate states the trust basis, so a receipt certified by validators
            // only is rendered as that (jchain certificate refuses it unless told).
            auto verified = report::VerifiedReceipt::verify(receipt, node.genesis(), std::nullopt, {},
                                                            /*accept_validators_only=*/true);
            if (!verified)  // a receipt this node built that does not verify would be a bug
                return respond(json_error(id ? 500 : 400, verified.message()));
            const auto started = std::chrono::steady_clock::now();
            auto pdf = report::render_certificate_pdf(*verified, {node.verify_url_template(), now_ms()});
            if (!pdf) return respond(json_error(500, "cannot render the certificate: " + pdf.message()));
            spdlog::debug("certificate of record {} rendered in {} us ({} bytes)", to_hex(verified->record_id()),
                          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count(),
                          pdf->size());
            respond({200, "application/pdf", std::move(*pdf)});
        } catch (const std::exception& e) {
            respond(json_error(500, std::string("internal error: ") + e.what()));
        }
    };
    if (!node.certificate_queue().post(job))
        respond(json_error(503, "too many certificates are being rendered; try again shortly"));
}

}  // namespace

rpc::AsyncHttpHandler make_http_handler(Node& node) {
    auto service = std::make_shared<Service>(Service{node});
    auto dispatcher = std::make_shared<rpc::JsonRpcDispatcher>();
    auto& d = *dispatcher;
    d.add("status", [service](const json::value&) { return service->status(); });
    d.add_batched("submit_record", [service](const std::vector<const json::value*>& p) { return service->submit_records(p); });
    d.add("get_record", [service](const json::value& p) { return service->get_record(p); });
    d.add("get_receipt", [service](const json::value& p) { return service->get_receipt(p); });
    d.add("verify_hash", [service](const json::value& p) { return service->verify_hash(p); });
    d.add("case_history", [service](const json::value& p) { return service->case_history(p); });
    d.add("get_block", [service](const json::value& p) { return service->get_block(p); });
    d.add("get_consistency_proof", [service](const json::value& p) { return service->get_consistency_proof(p); });
    d.add("list_validators", [service](const json::value&) { return service->list_validators(); });
    d.add("list_members", [service](const json::value& p) { return service->list_members(p); });
    d.add("list_proposals", [service](const json::value& p) { return service->list_proposals(p); });
    d.add("get_validator_changes", [service](const json::value& p) { return service->get_validator_changes(p); });
    d.add("get_checkpoint", [service](const json::value& p) { return service->get_checkpoint(p); });
    d.add("add_cosignature", [service](const json::value& p) { return service->add_cosignature(p); });
    d.add("get_genesis", [service](const json::value&) -> MethodResult {
        return chain::genesis_to_json(service->node.genesis());
    });

    auto handle = [service, dispatcher](const rpc::HttpRequest& req) -> rpc::HttpResponse {
        const std::string path = req.target.substr(0, req.target.find('?'));
        if (path == "/rpc" || (path == "/" && req.method == "POST")) {
            if (req.method != "POST") return {405, "application/json", R"({"error":"use POST for JSON-RPC"})"};
            // The request's signature is checked once, and only when one of its calls
            // needs it; a refusal answers each such call (docs/rpc.md, "Who may read what").
            std::optional<std::optional<RpcError>> verdict;
            auto gate = [&service, &req, &verdict](const std::string& method, const json::value& params) -> std::optional<RpcError> {
                if (!call_needs_key(method, params, service->node.config().rpc_public_methods)) return std::nullopt;
                if (!verdict) verdict = service->authorize(req);
                if (!*verdict) return std::nullopt;
                RpcError e = **verdict;
                e.message = method + ": " + e.message;
                if (method == "get_block")
                    e.message += "; {\"height\": H, \"header_only\": true} gives a block's header and certificate to anyone";
                return e;
            };
            std::string body = dispatcher->handle(req.body, gate);
            if (body.empty()) return {204, "application/json", ""};
            return {200, "application/json", std::move(body)};
        }
        if (req.method != "GET" && req.method != "HEAD") return {405, "text/plain", "method not allowed\n"};
        if (path == "/health") {
            const auto tip = service->node.tip();
            if (const std::string halted = service->node.sync_status().halted; !halted.empty())
                return {503, "application/json",
                        json::serialize(json::object{{"status", "halted"}, {"reason", halted}, {"height", tip.height}})};
            return {200, "application/json",
                    json::serialize(json::object{{"status", "ok"}, {"height", tip.height}})};
        }
        if (path == "/metrics") return {200, "text/plain; version=0.0.4", service->metrics()};
        if (path == "/checkpoint") {  // the latest signed checkpoint as a C2SP note, for generic tlog tooling
            auto latest = service->node.checkpoints().latest();
            if (!latest) return {404, "text/plain; charset=utf-8", "no checkpoint is signed by more than 2/3 of the validators yet\n"};
            return {200, "text/plain; charset=utf-8", latest->note};
        }
        if (path == "/" || path == "/index.html") return {200, "text/html; charset=utf-8", web_index_html};
        return {404, "text/plain", "not found\n"};
    };
    return [service, handle](const rpc::HttpRequest& req, rpc::HttpRespond respond) {
        service->node.metrics().rpc_requests++;
        if (req.target.substr(0, req.target.find('?')) == "/certificate")
            return serve_certificate(*service, req, std::move(respond));
        respond(handle(req));
    };
}

}  // namespace jchain::node
