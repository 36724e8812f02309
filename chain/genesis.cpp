#include "chain/genesis.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "base/bytes.h"
#include "base/json.h"
#include "chain/params_table.h"

namespace json = boost::json;

namespace jchain::chain {

namespace {

// v5: v4's fields (v3's, then the observer nodes), then the witnesses. v4 added the
// observer nodes to v3 (the suite and its user ID). Each replaced the one before before any
// chain was deployed (docs/encoding.md "Changing an encoding").
constexpr std::string_view genesis_tag = "jchain/genesis/v5";
constexpr std::string_view known_roles[] = {"court", "procuratorate", "police", "notary", "auditor"};

Result<PublicKey> key_field(const crypto::Suite& suite, const json::object& o, std::string_view field) {
    auto* v = o.if_contains(field);
    if (!v || !v->is_string()) return Status::error(std::string(field) + " must be a hex public key");
    auto bytes = from_hex(v->as_string());
    if (!bytes) return Status::error(std::string(field) + " is not hex");
    auto key = suite.parse_public_key(*bytes);
    if (!key)
        return Status::error(std::string(field) + " is not a " + std::string(suite.key_type()) +
                             " public key (wrong_suite? this genesis's suite is " + std::string(suite.name()) + ")");
    return *key;
}

Result<std::string> string_field(const json::object& o, std::string_view field, bool required = true) {
    auto* v = o.if_contains(field);
    if (!v) {
        if (required) return Status::error("missing field " + std::string(field));
        return std::string();
    }
    if (!v->is_string()) return Status::error(std::string(field) + " must be a string");
    return std::string(v->as_string());
}

// An absent field is `fallback`; a present one must be a non-negative integer.
Result<std::uint64_t> uint_field(const json::object& o, std::string_view field, std::uint64_t fallback) {
    auto* v = o.if_contains(field);
    if (!v) return fallback;
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    return Status::error(std::string(field) + " must be a non-negative integer");
}

Result<ChainParams> params_from_json(const json::value* v) {
    ChainParams p;
    if (!v) return p;
    if (!v->is_object()) return Status::error("params must be an object of name -> integer");
    const auto& o = v->as_object();
    for (const auto& [name, _] : o) {
        const auto& fields = param_fields();
        if (std::none_of(fields.begin(), fields.end(), [&key = name](const ParamField& f) { return f.name == key; }))
            return Status::error("params." + std::string(name) + " is not a chain parameter");
    }
    for (const auto& f : param_fields()) {
        auto value = uint_field(o, f.name, p.*(f.field));
        if (!value) return Status::error("params." + value.message());
        p.*(f.field) = *value;
    }
    if (auto problem = check_params(p)) return Status::error(*problem);
    return p;
}

}  // namespace

bool is_known_role(std::string_view role) {
    return std::find(std::begin(known_roles), std::end(known_roles), role) != std::end(known_roles);
}

const Member* Genesis::find_member(const PublicKey& key) const {
    auto it = std::lower_bound(members.begin(), members.end(), key,
                               [](const Member& m, const PublicKey& k) { return m.key < k; });
    return it != members.end() && it->key == key ? &*it : nullptr;
}

const ObserverNode* Genesis::find_node(const PublicKey& key) const {
    auto it = std::lower_bound(nodes.begin(), nodes.end(), key,
                               [](const ObserverNode& n, const PublicKey& k) { return n.key < k; });
    return it != nodes.end() && it->key == key ? &*it : nullptr;
}

std::map<Kind, std::set<std::string>> default_policy() {
    return {
        {Kind::evidence, {"court", "procuratorate", "police", "notary"}},
        {Kind::service, {"court"}},
        {Kind::notice, {"court"}},
        {Kind::judgment, {"court"}},
        {Kind::order, {"court", "procuratorate"}},
        {Kind::operation, {"court", "procuratorate", "police"}},
        {Kind::handover, {"court", "procuratorate", "police"}},
        {Kind::correction, {"court"}},  // plus the corrected record's own submitter
        {Kind::governance, {}},         // validators, approved by more than 2/3 of them
    };
}

Bytes genesis_bytes(const Genesis& g) {
    ByteWriter w;
    w.str(genesis_tag);
    w.str(g.chain_id);
    w.u64(g.genesis_time_ms);
    w.raw(validator_set_bytes(g.validators));
    write_members(w, g.members);
    write_policy_and_params(w, g.policy, g.params);
    w.str(g.suite.name());
    w.str(g.suite.sm2_user_id());  // empty for secp256k1-sha256
    write_nodes(w, g.nodes);
    write_witnesses(w, g.witnesses);
    return std::move(w).take();
}

void write_policy_and_params(ByteWriter& w, const std::map<Kind, std::set<std::string>>& policy,
                             const ChainParams& params) {
    w.u32(static_cast<std::uint32_t>(policy.size()));
    for (const auto& [kind, roles] : policy) {
        w.str(kind_name(kind));
        w.u32(static_cast<std::uint32_t>(roles.size()));
        for (const auto& role : roles) w.str(role);
    }
    w.u32(static_cast<std::uint32_t>(param_fields().size()));
    for (const auto& f : param_fields()) {
        w.str(f.name);
        w.u64(params.*(f.field));
    }
}

std::optional<std::string> check_witnesses(std::vector<Witness>& witnesses, std::uint64_t quorum) {
    std::sort(witnesses.begin(), witnesses.end());
    for (std::size_t i = 1; i < witnesses.size(); ++i)
        if (witnesses[i].key == witnesses[i - 1].key) return "witness " + witnesses[i].vkey() + " is listed twice";
    std::set<std::string> names;
    for (const auto& w : witnesses)
        if (!names.insert(w.name).second) return "two witnesses are named " + w.name;
    if (witnesses.size() > limits::witnesses_ceiling)
        return "witnesses: at most " + std::to_string(limits::witnesses_ceiling) + " are supported";
    if (quorum > std::max<std::size_t>(witnesses.size(), 1))
        return "params.witness_quorum is " + std::to_string(quorum) + " but only " + std::to_string(witnesses.size()) +
               " witness(es) are declared";
    return std::nullopt;
}

Hash genesis_hash(const Genesis& genesis) { return genesis.suite.hash(genesis_bytes(genesis)); }

json::value genesis_to_json(const Genesis& g) {
    json::array validators;
    for (const auto& v : g.validators.validators)
        validators.push_back({{"name", v.name}, {"public_key", to_hex(v.key.bytes)}, {"power", v.power}});
    json::array members;
    for (const auto& m : g.members)
        members.push_back({{"name", m.name},
                           {"public_key", to_hex(m.key.bytes)},
                           {"role", m.role},
                           {"since_height", m.since_height}});
    json::array nodes;
    for (const auto& n : g.nodes) nodes.push_back({{"name", n.name}, {"public_key", to_hex(n.key.bytes)}});
    json::array witnesses;
    for (const auto& x : g.witnesses) witnesses.push_back(json::string(x.vkey()));
    json::object out{{"chain_id", g.chain_id},
                     {"genesis_time_ms", g.genesis_time_ms},
                     {"validators", std::move(validators)},
                     {"nodes", std::move(nodes)},
                     {"members", std::move(members)},
                     {"witnesses", std::move(witnesses)},
                     {"policy", policy_to_json(g.policy)},
                     {"params", params_to_json(g.params)}};
    // A secp256k1-sha256 genesis leaves the suite out, as genesis files before suites did.
    if (g.suite.is_sm2()) {
        out["suite"] = g.suite.name();
        out["sm2_user_id"] = g.suite.sm2_user_id();
    }
    return out;
}

json::value policy_to_json(const std::map<Kind, std::set<std::string>>& policy) {
    json::object o;
    for (const auto& [kind, roles] : policy) {
        json::array r;
        for (const auto& role : roles) r.push_back(json::string(role));
        o[kind_name(kind)] = std::move(r);
    }
    return o;
}

json::value params_to_json(const ChainParams& p) {
    json::object o;
    for (const auto& f : param_fields()) o[f.name] = p.*(f.field);
    return o;
}

Result<Genesis> genesis_from_json(const json::value& value) {
    if (!value.is_object()) return Status::error("genesis must be a JSON object");
    const auto& o = value.as_object();
    for (const auto& [name, _] : o) {
        static constexpr std::string_view known[] = {"chain_id", "genesis_time_ms", "validators", "nodes",
                                                     "members",  "policy",          "params",     "suite",
                                                     "sm2_user_id", "witnesses"};
        if (std::find(std::begin(known), std::end(known), name) != std::end(known)) continue;
        const auto& fields = param_fields();
        if (std::any_of(fields.begin(), fields.end(), [&key = name](const ParamField& f) { return f.name == key; }))
            return Status::error(std::string(name) + " is a chain parameter: put it inside \"params\"");
        return Status::error("unknown genesis field " + std::string(name));
    }
    Genesis g;
    {
        const json::value* suite = o.if_contains("suite");
        const json::value* user_id = o.if_contains("sm2_user_id");
        if (suite && !suite->is_string()) return Status::error("suite must be a string: secp256k1-sha256 or sm2-sm3");
        if (user_id && !user_id->is_string()) return Status::error("sm2_user_id must be a string");
        auto chosen = crypto::Suite::from_name(suite ? std::string_view(suite->as_string()) : "secp256k1-sha256",
                                               user_id ? std::optional<std::string>(user_id->as_string()) : std::nullopt);
        if (!chosen) return Status::error("suite: " + chosen.message());
        g.suite = *chosen;
    }
    auto chain_id = string_field(o, "chain_id");
    if (!chain_id) return chain_id.status();
    g.chain_id = *chain_id;
    if (g.chain_id.empty() || g.chain_id.size() > chain_id_bytes_max)
        return Status::error("chain_id must be 1.." + std::to_string(chain_id_bytes_max) + " bytes");
    auto genesis_time = uint_field(o, "genesis_time_ms", 0);
    if (!genesis_time) return genesis_time.status();
    g.genesis_time_ms = *genesis_time;

    auto* validators = o.if_contains("validators");
    if (!validators || !validators->is_array() || validators->as_array().empty())
        return Status::error("validators must be a non-empty array");
    for (const auto& item : validators->as_array()) {
        if (!item.is_object()) return Status::error("each validator must be an object");
        auto key = key_field(g.suite, item.as_object(), "public_key");
        if (!key) return Status::error("validator: " + key.message());
        auto name = string_field(item.as_object(), "name", false);
        if (!name) return Status::error("validator: " + name.message());
        auto power = uint_field(item.as_object(), "power", 1);
        if (!power) return Status::error("validator: " + power.message());
        if (*power == 0 || *power > 1'000'000) return Status::error("validator power must be 1..1000000");
        g.validators.validators.push_back({*name, *key, *power});
    }
    std::sort(g.validators.validators.begin(), g.validators.validators.end(),
              [](const Validator& a, const Validator& b) { return a.key < b.key; });
    for (std::size_t i = 1; i < g.validators.validators.size(); ++i)
        if (g.validators.validators[i].key == g.validators.validators[i - 1].key)
            return Status::error("validator " + to_hex(g.validators.validators[i].key.bytes) + " is listed twice");

    if (auto* nodes = o.if_contains("nodes")) {
        if (!nodes->is_array()) return Status::error("nodes must be an array of {name, public_key}");
        for (const auto& item : nodes->as_array()) {
            if (!item.is_object()) return Status::error("each node must be an object");
            auto key = key_field(g.suite, item.as_object(), "public_key");
            if (!key) return Status::error("node: " + key.message());
            auto name = string_field(item.as_object(), "name", false);
            if (!name) return Status::error("node: " + name.message());
            g.nodes.push_back({*name, *key});
        }
    }
    std::sort(g.nodes.begin(), g.nodes.end(), [](const ObserverNode& a, const ObserverNode& b) { return a.key < b.key; });
    for (std::size_t i = 1; i < g.nodes.size(); ++i)
        if (g.nodes[i].key == g.nodes[i - 1].key)
            return Status::error("node " + to_hex(g.nodes[i].key.bytes) + " is listed twice");
    for (const auto& n : g.nodes)
        if (g.validators.find(n.key))
            return Status::error("node " + to_hex(n.key.bytes) + " is a validator: validators are nodes already");

    if (auto* members = o.if_contains("members")) {
        if (!members->is_array()) return Status::error("members must be an array");
        for (const auto& item : members->as_array()) {
            if (!item.is_object()) return Status::error("each member must be an object");
            const auto& mo = item.as_object();
            auto key = key_field(g.suite, mo, "public_key");
            if (!key) return Status::error("member: " + key.message());
            auto name = string_field(mo, "name", false);
            auto role = string_field(mo, "role");
            if (!name) return Status::error("member: " + name.message());
            if (!role) return Status::error("member: " + role.message());
            if (!is_known_role(*role))
                return Status::error("member role '" + *role + "' is not one of court, procuratorate, police, notary, auditor");
            auto since = uint_field(mo, "since_height", 0);
            if (!since) return Status::error("member: " + since.message());
            g.members.push_back({*name, *key, *role, *since});
        }
    }
    std::sort(g.members.begin(), g.members.end(), [](const Member& a, const Member& b) { return a.key < b.key; });
    for (std::size_t i = 1; i < g.members.size(); ++i)
        if (g.members[i].key == g.members[i - 1].key)
            return Status::error("member " + to_hex(g.members[i].key.bytes) + " is listed twice");
    // A member key signs records on a clerk's PC; a node key opens links on a server.
    // One key in both places would make a stolen clerk's key a network identity.
    for (const auto& m : g.members) {
        if (g.validators.find(m.key) || g.find_node(m.key))
            return Status::error("member " + to_hex(m.key.bytes) +
                                 " is also a node key: a member signs with a key of its own, never a node's");
    }

    if (auto* policy = o.if_contains("policy")) {
        if (!policy->is_object()) return Status::error("policy must be an object of kind -> [roles]");
        for (const auto& [kind_text, roles] : policy->as_object()) {
            auto kind = parse_kind(kind_text);
            if (!kind) return Status::error("policy names unknown kind '" + std::string(kind_text) + "'");
            if (!roles.is_array()) return Status::error("policy." + std::string(kind_text) + " must be an array");
            auto& allowed = g.policy[*kind];
            for (const auto& role : roles.as_array()) {
                if (!role.is_string() || !is_known_role(role.as_string()))
                    return Status::error("policy." + std::string(kind_text) + " names an unknown role");
                allowed.insert(std::string(role.as_string()));
            }
        }
    } else {
        g.policy = default_policy();
    }
    if (g.validators.validators.size() > limits::validators_ceiling)
        return Status::error("validators: at most " + std::to_string(limits::validators_ceiling) + " are supported");
    auto params = params_from_json(o.if_contains("params"));
    if (!params) return params.status();
    g.params = *params;

    if (auto* witnesses = o.if_contains("witnesses")) {
        if (!witnesses->is_array()) return Status::error("witnesses must be an array of C2SP verifier keys");
        for (const auto& item : witnesses->as_array()) {
            if (!item.is_string()) return Status::error("each witness must be a C2SP verifier key string");
            auto w = parse_witness_vkey(item.as_string());
            if (!w) return Status::error("witnesses: " + w.message());
            g.witnesses.push_back(std::move(*w));
        }
    }
    if (auto problem = check_witnesses(g.witnesses, g.params.witness_quorum)) return Status::error(*problem);
    return g;
}

Result<Genesis> read_genesis_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Status::error("cannot read genesis file " + path);
    std::stringstream text;
    text << in.rdbuf();
    auto value = parse_json(text.str());
    if (!value) return Status::error(path + ": not valid JSON (" + value.message() + ")");
    auto genesis = genesis_from_json(*value);
    if (!genesis) return Status::error(path + ": " + genesis.message());
    return genesis;
}

}  // namespace jchain::chain
