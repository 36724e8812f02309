#include "cli/transparency.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sys/stat.h>
#include <thread>

#include "base/json.h"
#include "chain/checkpoint.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "node/read_access.h"

namespace jchain::cli {
namespace {

constexpr std::string_view monitor_format = "jchain-monitor/1";
constexpr std::string_view witness_key_type = "ed25519-witness";

std::uint64_t unix_seconds() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// One event: a JSON line on stdout; alarms also as one sentence on stderr.
void emit(json::object event) {
    std::cout << json::serialize(event) << std::endl;
}

struct Alarm {
    std::string kind;  // split_view, rewound, bad_checkpoint, retired_key, conflicting_notes
    std::string message;
    json::object detail;
};

// What a node showed: its latest checkpoint, checked.
struct Seen {
    std::string url;
    chain::Checkpoint checkpoint;
    std::uint64_t height = 0;
    std::string note;
};

struct WitnessKey {
    chain::Witness witness;
    crypto::Ed25519PrivateKey key;
};

WitnessKey read_witness_key(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        fail(exit_bad, path + ": a witness key must be readable by its owner only (chmod 600 " + path + ")");
    const json::value v = read_json_file(path);
    const auto* o = v.if_object();
    const auto* type = o ? o->if_contains("type") : nullptr;
    const auto* name = o ? o->if_contains("name") : nullptr;
    const auto* priv = o ? o->if_contains("private_key") : nullptr;
    if (!type || !type->is_string() || type->as_string() != witness_key_type || !name || !name->is_string() || !priv ||
        !priv->is_string())
        fail(exit_bad, path + ": not a witness key file (jchain witness keygen)");
    auto seed = from_hex_fixed<32>(std::string_view(priv->as_string()));
    if (!seed) fail(exit_bad, path + ": private_key is not 64 hex digits");
    auto pair = crypto::ed25519_from_seed({*seed});
    WitnessKey k{{std::string(name->as_string()), pair.public_key}, pair.private_key};
    if (auto check = chain::parse_witness_vkey(k.witness.vkey()); !check) fail(exit_bad, path + ": " + check.message());
    return k;
}

class Monitor {
public:
    Monitor(const MonitorArgs& a) : args_(a) {
        genesis_ = pinned_genesis(a);
        origin_ = chain::checkpoint_origin(genesis_);
        for (const auto& vkey : a.witnesses) {
            auto w = chain::parse_witness_vkey(vkey);
            if (!w) fail(exit_bad, "--witness: " + w.message());
            witnesses_.push_back(*w);
        }
        if (!a.witness_key_file.empty()) witness_key_ = read_witness_key(a.witness_key_file);
        for (const auto& m : a.watch_members) {
            auto k = from_hex_fixed<33>(m);
            auto key = k ? genesis_.suite.parse_public_key(*k) : std::nullopt;
            if (!key) fail(exit_bad, "--watch-member: '" + m + "' is not a 66-hex public key");
            watch_members_.insert(to_hex(key->bytes));
        }
        watch_cases_.insert(a.watch_cases.begin(), a.watch_cases.end());
        // The watch lists records: a node serves them to signed requests (docs/rpc.md).
        std::string key_path = a.key_file;
        if (const char* env = std::getenv("JCHAIN_READ_KEY"); key_path.empty() && env && *env) key_path = env;
        if (!key_path.empty()) {
            auto key = genesis_.suite.read_key_file(key_path);
            if (!key) fail(exit_bad, "--key: " + key.message());
            signer_ = ReadSigner{genesis_.suite, *key, genesis_.chain_id};
        }
        load_state();
    }

    // The genesis to trust: --genesis, else the one the state file pinned, else the first
    // node's (trust on first use, said on stderr and as an event, then pinned).
    static chain::Genesis pinned_genesis(const MonitorArgs& a) {
        if (!a.genesis_file.empty()) {
            auto g = chain::read_genesis_file(a.genesis_file);
            if (!g) fail(exit_bad, g.message());
            return std::move(*g);
        }
        std::error_code ec;
        if (std::filesystem::exists(a.state_file, ec)) {
            const json::value v = read_json_file(a.state_file);
            if (const auto* g = v.is_object() ? v.as_object().if_contains("genesis") : nullptr) {
                auto parsed = chain::genesis_from_json(*g);
                if (!parsed) fail(exit_bad, a.state_file + ": the pinned genesis is damaged: " + parsed.message());
                return std::move(*parsed);
            }
        }
        auto g = chain::genesis_from_json(rpc_result(a.rpcs.front(), "get_genesis"));
        if (!g) fail(exit_bad, a.rpcs.front() + " sent a genesis that does not parse: " + g.message());
        std::cerr << "jchain monitor: trusting the genesis of " << a.rpcs.front() << " (hash "
                  << to_hex(chain::genesis_hash(*g)) << ") from now on; give --genesis FILE to check it yourself\n";
        emit({{"event", "genesis_pinned"}, {"node", a.rpcs.front()}, {"genesis_hash", to_hex(chain::genesis_hash(*g))}});
        return std::move(*g);
    }

    // One pass over every node. Returns the alarms it raised.
    std::vector<Alarm> round() {
        std::vector<Alarm> alarms;
        std::vector<Seen> seen;
        for (const auto& url : args_.rpcs) {
            auto s = fetch(url, alarms);
            if (s) seen.push_back(std::move(*s));
        }
        for (const auto& file : args_.notes) check_presented_note(file, alarms);
        // Per node: never smaller than before, and the same root at the same size.
        for (const auto& s : seen) {
            auto it = nodes_.find(s.url);
            if (it == nodes_.end()) continue;
            const auto& [size, root] = it->second;
            if (s.checkpoint.size < size)
                alarms.push_back({"rewound", s.url + " now shows a ledger of " + std::to_string(s.checkpoint.size) +
                                                 " records; it showed " + std::to_string(size) + " before",
                                  {{"node", s.url}, {"size", s.checkpoint.size}, {"size_before", size}}});
            else if (s.checkpoint.size == size && s.checkpoint.root != root)
                alarms.push_back({"split_view", s.url + " shows another root at the same size " + std::to_string(size),
                                  {{"node", s.url}, {"size", size}, {"root", to_hex(s.checkpoint.root)},
                                   {"root_before", to_hex(root)}}});
        }
        // Across nodes and time: everything must be a prefix of the largest log seen.
        std::sort(seen.begin(), seen.end(), [](auto& a, auto& b) { return a.checkpoint.size > b.checkpoint.size; });
        if (!seen.empty()) {
            const Seen& top = seen.front();
            if (latest_ && latest_->size <= top.checkpoint.size)
                check_prefix(top, latest_->size, latest_->root, "the checkpoint this monitor verified before", alarms);
            for (std::size_t i = 1; i < seen.size(); ++i)
                check_prefix(top, seen[i].checkpoint.size, seen[i].checkpoint.root, seen[i].url, alarms);
            if (latest_ && latest_->size > top.checkpoint.size)
                for (const auto& s : seen)  // every node is behind what this monitor saw: still a prefix?
                    check_prefix_against_latest(s, alarms);
        }
        for (const auto& a : alarms) {
            json::object e = a.detail;
            e["event"] = a.kind;
            e["alarm"] = true;
            e["message"] = a.message;
            emit(e);
            std::cerr << "jchain monitor: ALARM " << a.kind << ": " << a.message << "\n";
        }
        if (!alarms.empty()) {
            save_state(alarms);
            return alarms;
        }
        for (const auto& s : seen) nodes_[s.url] = {s.checkpoint.size, s.checkpoint.root};
        if (!seen.empty() && (!latest_ || seen.front().checkpoint.size > latest_->size)) {
            latest_ = seen.front().checkpoint;
            latest_height_ = seen.front().height;
        }
        if (!seen.empty()) {
            watch(seen.front());
            cosign(seen);
        }
        save_state({});
        return alarms;
    }

private:
    // The node's latest checkpoint, its signatures checked against the validator set the
    // genesis and the node's certified validator changes lead to, and its block's header.
    std::optional<Seen> fetch(const std::string& url, std::vector<Alarm>& alarms) {
        auto r = rpc_call_quiet(url, "get_checkpoint", json::object{});
        if (!r) return std::nullopt;
        const auto* o = r->if_object();
        const auto* note = o ? o->if_contains("note") : nullptr;
        const auto* height = o ? o->if_contains("height") : nullptr;
        if (!note || !note->is_string() || !height || !height->is_int64() || height->as_int64() < 1) {
            alarms.push_back({"bad_checkpoint", url + " answered get_checkpoint without a note and height", {{"node", url}}});
            return std::nullopt;
        }
        Seen s{url, {}, static_cast<std::uint64_t>(height->as_int64()), std::string(note->as_string())};
        auto set = validators_at(url, s.height);
        if (!set) {
            alarms.push_back({"bad_checkpoint", url + ": " + set.message(), {{"node", url}}});
            return std::nullopt;
        }
        // Keys out of the set in force at this height that signed it anyway: evidence.
        for (const auto& r : chain::retired_note_signers(genesis_.suite, s.note, origin_, history_, s.height))
            alarms.push_back(retired_alarm(url, r, "the checkpoint", s.height, s.note));
        auto v = chain::verify_checkpoint(genesis_.suite, s.note, origin_, *set, witnesses_);
        if (!v.ok()) {
            alarms.push_back({"bad_checkpoint", url + ": the checkpoint does not verify: " + v.summary(),
                              {{"node", url}, {"note", s.note}}});
            return std::nullopt;
        }
        s.checkpoint = v.checkpoint;
        // The block the node names must be certified and hold this size and root.
        auto block = rpc_call_quiet(url, "get_block", json::object{{"height", s.height}, {"header_only", true}});
        const auto* bo = block ? block->if_object() : nullptr;
        auto header = bo && bo->if_contains("header") ? chain::header_from_json(genesis_.suite, bo->at("header"))
                                                      : Result<chain::BlockHeader>(Status::error("no header"));
        auto cert = bo && bo->if_contains("commit") ? chain::certificate_from_json(genesis_.suite, bo->at("commit"))
                                                    : Result<chain::CommitCertificate>(Status::error("no commit"));
        std::optional<std::string> problem;
        if (cert)
            for (const auto& r : chain::retired_certificate_signers(genesis_.suite, genesis_.chain_id, *cert, history_, s.height))
                alarms.push_back(retired_alarm(url, r, "the commit certificate", s.height, s.note));
        if (!header || !cert) problem = "get_block " + std::to_string(s.height) + " is malformed";
        else if (header->ledger_size != s.checkpoint.size || header->ledger_root != s.checkpoint.root)
            problem = "block " + std::to_string(s.height) + " does not hold the checkpoint's size and root";
        else if (header->genesis_hash != chain::genesis_hash(genesis_))
            problem = "block " + std::to_string(s.height) + " is of another genesis";
        else
            problem = chain::check_certificate(genesis_.suite, genesis_.chain_id, s.height, chain::block_hash(genesis_.suite, *header), *cert, *set);
        if (problem) {
            alarms.push_back({"bad_checkpoint", url + ": " + *problem, {{"node", url}, {"note", s.note}}});
            return std::nullopt;
        }
        remember_note(url, s.checkpoint, s.note, alarms);
        json::array ws;
        for (const auto& w : v.witnesses) ws.push_back(json::string(w.name));
        emit({{"event", "checkpoint"}, {"node", url}, {"size", s.checkpoint.size}, {"root", to_hex(s.checkpoint.root)},
              {"height", s.height}, {"power", v.power}, {"total_power", v.total_power}, {"witnesses", std::move(ws)}});
        return s;
    }

    // The validator set in force at `height`: the genesis set, then each certified change
    // the node reports below that height, each checked as a light client does.
    Result<chain::ValidatorSet> validators_at(const std::string& url, std::uint64_t height) {
        history_ = {{1, genesis_.validators}};
        if (height <= 1) return genesis_.validators;
        auto r = rpc_call_quiet(url, "get_validator_changes", json::object{{"to_height", height - 1}});
        if (!r) return Status::error("get_validator_changes failed");
        const auto* changes = r->is_object() ? r->as_object().if_contains("changes") : nullptr;
        if (!changes || !changes->is_array()) return Status::error("get_validator_changes: no changes array");
        chain::ValidatorSet current = genesis_.validators;
        std::uint64_t last = 0;
        for (const auto& c : changes->as_array()) {
            const auto* co = c.if_object();
            if (!co || !co->if_contains("header") || !co->if_contains("commit") || !co->if_contains("next_validator_set"))
                return Status::error("get_validator_changes: a change lacks header, commit or next_validator_set");
            auto h = chain::header_from_json(genesis_.suite, co->at("header"));
            auto cert = chain::certificate_from_json(genesis_.suite, co->at("commit"));
            auto next = chain::validator_set_from_json(genesis_.suite, co->at("next_validator_set"));
            if (!h || !cert || !next) return Status::error("get_validator_changes: a change does not parse");
            if (h->height >= height) break;
            if (auto why = chain::check_validator_step(genesis_, current, last, {*h, *cert, *next}))
                return Status::error("validator change: " + *why);
            last = h->height;
            current = std::move(*next);
            history_.push_back({last + 1, current});
        }
        return current;
    }

    Alarm retired_alarm(const std::string& url, const chain::RetiredSignature& r, const std::string& what,
                        std::uint64_t height, const std::string& note) {
        return {"retired_key",
                url + ": validator " + r.name + " (" + to_hex(r.key.bytes).substr(0, 16) + "…) left the set in force at height " +
                    std::to_string(r.left_height) + " but signed " + what + " of block " + std::to_string(height),
                {{"node", url}, {"validator", to_hex(r.key.bytes)}, {"left_height", r.left_height}, {"height", height},
                 {"signed", what}, {"note", note}}};
    }

    // Two different notes of one size, from any node at any time, are a split view in
    // themselves: both are kept as evidence.
    void remember_note(const std::string& who, const chain::Checkpoint& c, const std::string& note, std::vector<Alarm>& alarms) {
        auto it = notes_.find(c.size);
        if (it == notes_.end()) {
            notes_[c.size] = {c.root, note, who};
            while (notes_.size() > notes_kept_max) notes_.erase(notes_.begin());
            return;
        }
        if (it->second.root == c.root) return;
        alarms.push_back({"conflicting_notes",
                          who + " shows a note of size " + std::to_string(c.size) + " with root " +
                              to_hex(c.root).substr(0, 16) + "…, " + it->second.who + " showed root " +
                              to_hex(it->second.root).substr(0, 16) + "… at the same size",
                          {{"size", c.size}, {"node", who}, {"note", note}, {"other", it->second.who},
                           {"other_note", it->second.note}}});
    }

    // A note someone presented (--note FILE, e.g. a receipt's checkpoint.note): of this
    // origin, signed by a key that ever was a validator, and compared with what the first
    // node holds at that size.
    void check_presented_note(const std::string& file, std::vector<Alarm>& alarms) {
        std::ifstream in(file, std::ios::binary);
        if (!in) fail(exit_bad, "--note: cannot read " + file);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto note = chain::parse_note(text);
        auto body = note ? chain::parse_checkpoint_body(note->body) : Result<chain::Checkpoint>(note.status());
        if (!body || body->origin != origin_) fail(exit_bad, "--note " + file + ": not a checkpoint of this chain: " +
                                                               (body ? "origin " + body->origin : body.message()));
        const std::string& url = args_.rpcs.front();
        auto r = rpc_call_quiet(url, "get_checkpoint", json::object{{"size", body->size}});
        const auto* o = r ? r->if_object() : nullptr;
        std::uint64_t height = 0;
        std::string held;
        if (o && o->if_contains("height") && o->if_contains("note") && o->at("note").is_string()) {
            height = u64(o->at("height"));
            held = std::string(o->at("note").as_string());
        } else {
            // No block ended at that size (or the node is behind): the tip's height bounds it.
            auto st = rpc_call_quiet(url, "status", json::object{});
            if (!st || !st->is_object() || !st->as_object().if_contains("height")) return;
            height = u64(st->as_object().at("height"));
        }
        if (!validators_at(url, height)) return;
        // Only a note signed by a key that ever was a validator is evidence of anything.
        chain::ValidatorSet ever;
        for (const auto& t : history_)
            for (const auto& x : t.set.validators)
                if (!ever.find(x.key)) ever.validators.push_back(x);
        std::sort(ever.validators.begin(), ever.validators.end(), [](auto& a, auto& b) { return a.key < b.key; });
        const auto v = chain::verify_checkpoint(genesis_.suite, text, origin_, ever, {});
        if (v.validators.empty()) {
            emit({{"event", "note_unsigned"}, {"file", file}, {"size", body->size},
                  {"message", "no line by a key that ever was a validator verifies: not evidence of anything"}});
            return;
        }
        for (const auto& x : chain::retired_note_signers(genesis_.suite, text, origin_, history_, height))
            alarms.push_back(retired_alarm(file, x, "the checkpoint", height, text));
        if (held.empty())
            alarms.push_back({"conflicting_notes",
                              file + " is a signed note of size " + std::to_string(body->size) + ", at which no block of " +
                                  url + " ended",
                              {{"size", body->size}, {"node", url}, {"note", text}}});
        else {
            auto node_note = chain::parse_note(held);
            auto node_body = node_note ? chain::parse_checkpoint_body(node_note->body) : Result<chain::Checkpoint>(node_note.status());
            if (node_body) remember_note(url, *node_body, held, alarms);
            remember_note(file, *body, text, alarms);
        }
        emit({{"event", "note_checked"}, {"file", file}, {"size", body->size}, {"height", height}});
    }

    // `size`/`root` must be a prefix of `top`'s log: a consistency proof from top's node.
    void check_prefix(const Seen& top, std::uint64_t size, const chain::Hash& root, const std::string& who,
                      std::vector<Alarm>& alarms) {
        if (size == 0) return;
        auto r = rpc_call_quiet(top.url, "get_consistency_proof",
                                json::object{{"size1", size}, {"size2", top.checkpoint.size}});
        std::vector<chain::Hash> path;
        bool parsed = r && r->is_object() && r->as_object().if_contains("path") &&
                      r->as_object().at("path").is_array();
        if (parsed)
            for (const auto& p : r->as_object().at("path").as_array()) {
                auto h = p.is_string() ? from_hex_fixed<32>(std::string_view(p.as_string())) : std::nullopt;
                if (!h) parsed = false;
                else path.push_back(*h);
            }
        if (parsed && chain::verify_consistency(genesis_.suite, size, top.checkpoint.size, root, top.checkpoint.root, path)) return;
        alarms.push_back({"split_view",
                          who + " (size " + std::to_string(size) + ", root " + to_hex(root).substr(0, 16) +
                              "…) is not a prefix of " + top.url + "'s log (size " + std::to_string(top.checkpoint.size) +
                              ", root " + to_hex(top.checkpoint.root).substr(0, 16) + "…)",
                          {{"node", top.url}, {"other", who}, {"size", top.checkpoint.size},
                           {"root", to_hex(top.checkpoint.root)}, {"other_size", size}, {"other_root", to_hex(root)},
                           {"note", top.note}}});
    }

    // A node behind this monitor's latest checkpoint: is what it shows a prefix of that
    // checkpoint? Only a node at least that large can prove it; until one answers, the
    // per-node rewind check stands guard.
    void check_prefix_against_latest(const Seen& s, std::vector<Alarm>& alarms) {
        for (const auto& url : args_.rpcs) {
            auto r = rpc_call_quiet(url, "get_consistency_proof", json::object{{"size1", s.checkpoint.size}, {"size2", latest_->size}});
            if (!r || !r->is_object() || !r->as_object().if_contains("root2")) continue;
            Seen top{url, *latest_, latest_height_, ""};
            check_prefix(top, s.checkpoint.size, s.checkpoint.root, s.url, alarms);
            return;
        }
    }

    // Records of watched members and cases in blocks not yet looked at.
    void watch(const Seen& top) {
        if (watch_members_.empty() && watch_cases_.empty()) return;
        if (scanned_height_ == 0) scanned_height_ = args_.watch_from > 0 ? args_.watch_from - 1 : top.height;
        for (std::uint64_t h = scanned_height_ + 1; h <= top.height; ++h) {
            auto b = rpc_call_quiet(top.url, "get_block", json::object{{"height", h}}, /*sign=*/true);
            if (!b || !b->is_object() || !b->as_object().if_contains("record_ids")) return;  // next round
            for (const auto& id : b->as_object().at("record_ids").as_array()) {
                auto rec = rpc_call_quiet(top.url, "get_record", json::object{{"id", id}}, /*sign=*/true);
                const auto* ro = rec && rec->is_object() ? rec->as_object().if_contains("record") : nullptr;
                if (!ro || !ro->is_object()) return;
                const auto& r = ro->as_object();
                const std::string submitter = r.contains("submitter") && r.at("submitter").is_string()
                                                  ? std::string(r.at("submitter").as_string()) : "";
                const std::string case_id = r.contains("case_tag") && r.at("case_tag").is_string()
                                                ? std::string(r.at("case_tag").as_string()) : "";
                const bool by_member = watch_members_.count(submitter) > 0;
                const bool of_case = !case_id.empty() && watch_cases_.count(case_id) > 0;
                if (by_member || of_case)
                    emit({{"event", "watched_record"}, {"id", id}, {"height", h}, {"submitter", submitter},
                          {"case_tag", case_id}, {"kind", r.contains("kind") ? r.at("kind") : json::value()},
                          {"matched", by_member ? "member" : "case"}});
            }
            scanned_height_ = h;
        }
    }

    // A witness cosigns the largest log it checked, and hands the cosignature to every
    // node showing exactly that checkpoint.
    void cosign(const std::vector<Seen>& seen) {
        if (!witness_key_) return;
        const Seen& top = seen.front();
        const std::string body = chain::checkpoint_body(top.checkpoint);
        chain::Note note{body, {chain::cosign_checkpoint(witness_key_->witness, witness_key_->key, body, unix_seconds())}};
        const std::string text = chain::format_note(note);
        for (const auto& s : seen) {
            if (s.checkpoint != top.checkpoint) continue;
            if (auto r = rpc_call_quiet(s.url, "add_cosignature", json::object{{"note", text}}))
                emit({{"event", "cosigned"}, {"node", s.url}, {"size", top.checkpoint.size}, {"answer", *r}});
        }
    }

    // An unreachable node or an RPC error is reported and skipped this round.
    // `sign`: a method that lists records, signed with --key when given.
    std::optional<json::value> rpc_call_quiet(const std::string& url, const std::string& method, json::value params,
                                              bool sign = false) {
        try {
            const ReadSigner* signer = sign && signer_ ? &*signer_ : nullptr;
            auto r = rpc_call(rpc_endpoint(url), method, std::move(params), signer);
            if (r.result) return r.result;
            emit({{"event", "rpc_error"}, {"node", url}, {"method", method}, {"reason", r.error_reason},
                  {"message", r.error_code == node::unauthorized_code ? refusal_text(method, r, signer != nullptr)
                                                                       : r.error_message}});
        } catch (const CliError& e) {
            emit({{"event", "unreachable"}, {"node", url}, {"message", e.message}});
        }
        return std::nullopt;
    }

    void load_state() {
        std::error_code ec;
        if (!std::filesystem::exists(args_.state_file, ec)) return;
        const json::value v = read_json_file(args_.state_file);
        const auto* o = v.if_object();
        if (!o || !o->if_contains("format") || o->at("format") != json::value(monitor_format))
            fail(exit_bad, args_.state_file + ": not a monitor state file (" + std::string(monitor_format) + ")");
        if (!o->if_contains("origin") || o->at("origin") != json::value(origin_))
            fail(exit_bad, args_.state_file + ": kept for another chain (origin " +
                               (o->if_contains("origin") ? json::serialize(o->at("origin")) : "?") + ", this genesis " + origin_ + ")");
        try {
            if (const auto* l = o->if_contains("latest"); l && l->is_object()) {
                chain::Checkpoint c{origin_, u64(l->at("size")), *from_hex_fixed<32>(std::string_view(l->at("root").as_string()))};
                latest_ = c;
                latest_height_ = u64(l->at("height"));
            }
            if (const auto* n = o->if_contains("nodes"); n && n->is_object())
                for (const auto& [url, v2] : n->as_object())
                    nodes_[std::string(url)] = {u64(v2.at("size")), *from_hex_fixed<32>(std::string_view(v2.at("root").as_string()))};
            if (const auto* sh = o->if_contains("scanned_height")) scanned_height_ = u64(*sh);
            if (const auto* ns = o->if_contains("notes"); ns && ns->is_array())
                for (const auto& n : ns->as_array())
                    notes_[u64(n.at("size"))] = {*from_hex_fixed<32>(std::string_view(n.at("root").as_string())),
                                                 std::string(n.at("note").as_string()), std::string(n.at("from").as_string())};
        } catch (...) {  // a missing field (Boost.JSON), a malformed number (u64), bad hex
            fail(exit_bad, args_.state_file + ": damaged (remove it to start over, losing what the monitor saw)");
        }
    }

    void save_state(const std::vector<Alarm>& alarms) {
        json::object o{{"format", monitor_format},
                       {"origin", origin_},
                       {"genesis", chain::genesis_to_json(genesis_)},
                       {"scanned_height", scanned_height_}};
        if (latest_)
            o["latest"] = {{"size", latest_->size}, {"root", to_hex(latest_->root)}, {"height", latest_height_}};
        json::object nodes;
        for (const auto& [url, v] : nodes_) nodes[url] = {{"size", v.first}, {"root", to_hex(v.second)}};
        o["nodes"] = std::move(nodes);
        json::array notes;
        for (const auto& [size, n] : notes_) notes.push_back({{"size", size}, {"root", to_hex(n.root)}, {"note", n.note}, {"from", n.who}});
        o["notes"] = std::move(notes);
        json::array evidence;
        for (const auto& a : alarms) {
            json::object e = a.detail;
            e["event"] = a.kind;
            e["message"] = a.message;
            evidence.push_back(std::move(e));
        }
        if (!evidence.empty()) o["alarms"] = std::move(evidence);
        const std::string tmp = args_.state_file + ".tmp";
        write_file(tmp, json::serialize(o) + "\n");
        std::error_code ec;
        std::filesystem::rename(tmp, args_.state_file, ec);
        if (ec) fail(exit_bad, "cannot write " + args_.state_file + ": " + ec.message());
    }

    const MonitorArgs& args_;
    chain::Genesis genesis_;
    std::string origin_;
    std::vector<chain::Witness> witnesses_;
    std::optional<WitnessKey> witness_key_;
    std::set<std::string> watch_members_, watch_cases_;
    std::optional<ReadSigner> signer_;
    std::optional<chain::Checkpoint> latest_;
    std::uint64_t latest_height_ = 0;
    std::map<std::string, std::pair<std::uint64_t, chain::Hash>> nodes_;
    std::uint64_t scanned_height_ = 0;
    // The sets in force up to the height validators_at last walked to.
    std::vector<chain::ValidatorTenure> history_;
    // Every note checked, by size (the newest notes_kept_max sizes), to catch two notes of
    // one size; kept in the state file.
    struct NoteSeen {
        chain::Hash root;
        std::string note, who;
    };
    static constexpr std::size_t notes_kept_max = 1024;
    std::map<std::uint64_t, NoteSeen> notes_;
};

}  // namespace

int cmd_monitor(const MonitorArgs& a) {
    if (a.rpcs.empty()) fail(exit_bad, "give at least one --rpc URL");
    Monitor m(a);
    for (;;) {
        auto alarms = m.round();
        if (!alarms.empty()) return exit_no;
        if (a.once) return exit_ok;
        std::this_thread::sleep_for(std::chrono::milliseconds(a.interval_ms));
    }
}

int cmd_receipt(const std::string& rpc, const std::string& id, const std::string& out, bool checkpoint, bool as_json) {
    json::object params{{"id", id}};
    if (checkpoint) params["checkpoint"] = true;
    auto r = rpc_call(rpc, "get_receipt", params);
    if (!r.result) fail(r.error_reason == "not_found" ? exit_no : exit_bad, "get_receipt: " + r.error_message);
    write_file(out, chain::pretty_json(*r.result));
    if (as_json) print_json(json::object{{"file", out}, {"checkpoint", r.result->as_object().contains("checkpoint")}});
    else std::cout << "wrote " << out << (checkpoint ? " (with a signed checkpoint)" : "") << "\n";
    return exit_ok;
}

int cmd_witness_keygen(const std::string& name, const std::string& out, bool as_json) {
    auto pair = crypto::ed25519_generate();
    chain::Witness w{name, pair.public_key};
    if (auto check = chain::parse_witness_vkey(w.vkey()); !check)
        fail(exit_bad, "--name: " + check.message() + " (use a schema-less URL such as witness.example/court-b)");
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) fail(exit_bad, out + " exists; not overwriting a key");
    {
        std::ofstream f(out);
        if (!f) fail(exit_bad, "cannot write " + out);
    }
    std::filesystem::permissions(out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ec);
    write_file(out, json::serialize(json::object{{"type", witness_key_type},
                                                 {"name", name},
                                                 {"private_key", to_hex(pair.private_key.seed)},
                                                 {"public_key", to_hex(pair.public_key.bytes)},
                                                 {"vkey", w.vkey()}}) +
                        "\n");
    if (as_json) print_json(json::object{{"file", out}, {"vkey", w.vkey()}});
    else std::cout << w.vkey() << "\n";
    return exit_ok;
}

}  // namespace jchain::cli
