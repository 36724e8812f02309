#include "chain/state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "base/bytes.h"
#include "chain/json_codec.h"
#include "chain/params_table.h"

namespace json = boost::json;

namespace jchain::chain {

namespace {

// v3: v2's fields (v1's, then the observer nodes in force), then the witnesses in force.
// Each replaced the one before before any chain was deployed (docs/encoding.md "Changing
// an encoding").
constexpr std::string_view state_tag = "jchain/state/v3";
constexpr std::string_view ack_few_validators = "fewer-than-4-validators";

struct OpName {
    GovOp op;
    std::string_view name;
};
constexpr OpName op_names[] = {
    {GovOp::add_member, "add-member"},         {GovOp::suspend_member, "suspend-member"},
    {GovOp::set_role, "set-role"},             {GovOp::rotate_key, "rotate-key"},
    {GovOp::add_validator, "add-validator"},   {GovOp::remove_validator, "remove-validator"},
    {GovOp::set_power, "set-power"},           {GovOp::set_policy, "set-policy"},
    {GovOp::set_param, "set-param"},
    {GovOp::add_node, "add-node"},             {GovOp::remove_node, "remove-node"},
    {GovOp::add_witness, "add-witness"},       {GovOp::remove_witness, "remove-witness"},
};

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<PublicKey> parse_key(const crypto::Suite& suite, std::string_view hex) {
    auto bytes = from_hex_fixed<33>(hex);
    if (!bytes || to_hex(*bytes) != hex) return std::nullopt;  // lower-case only
    return suite.parse_public_key(*bytes);
}

std::set<std::string> split_roles(std::string_view text) {
    std::set<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
        out.emplace(text.substr(start, end - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string join_roles(const std::set<std::string>& roles) {
    std::string out;
    for (const auto& r : roles) out += (out.empty() ? "" : ",") + r;
    return out;
}

const ParamField* find_param(std::string_view name) {
    for (const auto& f : param_fields())
        if (f.name == name) return &f;
    return nullptr;
}

GovFault fault(RejectReason reason, std::string word, std::string message) {
    return GovFault{reason, std::move(word), std::move(message)};
}

std::size_t open_courts(const ChainState& s, std::uint64_t height) {
    std::size_t n = 0;
    for (const auto& m : s.members)
        if (m.role == "court" && m.in_force_at(height)) ++n;
    return n;
}

bool ever_member(const ChainState& s, const PublicKey& key) {
    return std::any_of(s.members.begin(), s.members.end(), [&](const MemberTerm& m) { return m.key == key; });
}

MemberTerm* open_term(ChainState& s, const PublicKey& key, std::uint64_t height) {
    for (auto& m : s.members)
        if (m.key == key && m.in_force_at(height)) return &m;
    return nullptr;
}

void sort_validators(ValidatorSet& set) {
    std::sort(set.validators.begin(), set.validators.end(),
              [](const Validator& a, const Validator& b) { return a.key < b.key; });
}

}  // namespace

std::string_view op_name(GovOp op) {
    for (const auto& o : op_names)
        if (o.op == op) return o.name;
    return "unknown";
}

std::optional<GovOp> parse_op(std::string_view name) {
    for (const auto& o : op_names)
        if (o.name == name) return o.op;
    return std::nullopt;
}

std::string GovAction::describe() const {
    const std::string k = to_hex(key.bytes).substr(0, 16) + "…";
    switch (op) {
        case GovOp::add_member: return "add member " + name + " (" + role + ") key " + k;
        case GovOp::suspend_member: return "suspend member " + k;
        case GovOp::set_role: return "set role of " + k + " to " + role;
        case GovOp::rotate_key: return "rotate key " + k + " to " + to_hex(new_key.bytes).substr(0, 16) + "…";
        case GovOp::add_validator:
            return "add validator " + name + " power " + std::to_string(power) + " key " + k +
                   (p2p.empty() ? "" : " at " + p2p);
        case GovOp::remove_validator: return "remove validator " + k;
        case GovOp::set_power: return "set power of validator " + k + " to " + std::to_string(power);
        case GovOp::set_policy: return "let " + join_roles(roles) + " write '" + std::string(kind_name(kind)) + "'";
        case GovOp::set_param: return "set params." + param + " to " + std::to_string(value);
        case GovOp::add_node: return "add observer node " + name + " key " + k;
        case GovOp::remove_node: return "remove observer node " + k;
        case GovOp::add_witness: return "add witness " + witness.vkey();
        case GovOp::remove_witness: return "remove witness " + witness.vkey();
    }
    return "unknown";
}

// ---- Records

Result<GovRecord> parse_governance(const crypto::Suite& suite, const Record& r) {
    const auto& md = r.metadata;
    auto get = [&](const std::string& k) -> std::optional<std::string> {
        auto it = md.find(k);
        return it == md.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    GovRecord g;
    const auto action = get("action");
    if (action == "approve") {
        if (md.size() != 1) return Status::error("an approval has no metadata but 'action'");
        if (r.refs.size() != 1) return Status::error("an approval names exactly one proposal in refs");
        g.approve = true;
        g.proposal = r.refs[0];
        return g;
    }
    if (action != "propose") return Status::error("metadata 'action' must be 'propose' or 'approve'");
    if (!r.refs.empty()) return Status::error("a proposal has no refs");
    const auto op = get("op");
    const auto parsed = op ? parse_op(*op) : std::nullopt;
    if (!parsed) return Status::error("metadata 'op' must be one of add-member, suspend-member, set-role, rotate-key, "
                                      "add-validator, remove-validator, set-power, set-policy, set-param, add-node, "
                                      "remove-node, add-witness, remove-witness");
    GovAction& a = g.action;
    a.op = *parsed;
    auto need_key = [&](const std::string& field, PublicKey& out) -> Status {
        const auto hex = get(field);
        auto key = hex ? parse_key(suite, *hex) : std::nullopt;
        if (!key) return Status::error("metadata '" + field + "' must be a compressed " + std::string(suite.key_type()) +
                                         " public key (66 lower-case hex)");
        out = *key;
        return Status::ok();
    };
    auto need_role = [&]() -> Status {
        const auto role = get("role");
        if (!role || !is_known_role(*role))
            return Status::error("metadata 'role' must be one of court, procuratorate, police, notary, auditor");
        a.role = *role;
        return Status::ok();
    };
    auto need_name = [&]() -> Status {
        const auto name = get("name");
        if (!name || name->empty()) return Status::error("metadata 'name' is required");
        a.name = *name;
        return Status::ok();
    };
    auto need_power = [&]() -> Status {
        const auto text = get("power");
        const auto power = text ? parse_u64(*text) : std::nullopt;
        if (!power || *power == 0 || *power > validator_power_max)
            return Status::error("metadata 'power' must be an integer from 1 to " + std::to_string(validator_power_max));
        a.power = *power;
        return Status::ok();
    };
    Status s = Status::ok();
    const std::initializer_list<std::string_view> common = {"action", "op", "expires_after", "acknowledge"};
    auto allow = [&](std::initializer_list<std::string_view> more) {
        std::vector<std::string_view> all(common);
        all.insert(all.end(), more);
        for (const auto& [k, v] : md)
            if (std::find(all.begin(), all.end(), k) == all.end())
                return Status::error("metadata '" + k + "' does not belong to " + std::string(op_name(a.op)));
        return Status::ok();
    };
    switch (a.op) {
        case GovOp::add_member:
            if (!(s = allow({"name", "public_key", "role"})) || !(s = need_name()) || !(s = need_key("public_key", a.key)) ||
                !(s = need_role()))
                return s;
            break;
        case GovOp::suspend_member:
        case GovOp::remove_validator:
        case GovOp::remove_node:
            if (!(s = allow({"public_key"})) || !(s = need_key("public_key", a.key))) return s;
            break;
        case GovOp::add_node:
            if (!(s = allow({"name", "public_key"})) || !(s = need_name()) || !(s = need_key("public_key", a.key))) return s;
            break;
        case GovOp::add_witness:
        case GovOp::remove_witness: {
            if (!(s = allow({"witness"}))) return s;
            const auto vkey = get("witness");
            auto w = vkey ? parse_witness_vkey(*vkey) : Result<Witness>(Status::error("it is missing"));
            if (!w) return Status::error("metadata 'witness' must be a C2SP witness verifier key: " + w.message());
            a.witness = std::move(*w);
            break;
        }
        case GovOp::set_role:
            if (!(s = allow({"public_key", "role"})) || !(s = need_key("public_key", a.key)) || !(s = need_role())) return s;
            break;
        case GovOp::rotate_key:
            if (!(s = allow({"public_key", "new_public_key"})) || !(s = need_key("public_key", a.key)) ||
                !(s = need_key("new_public_key", a.new_key)))
                return s;
            if (a.key == a.new_key) return Status::error("the new key is the old key");
            break;
        case GovOp::add_validator:
            if (!(s = allow({"name", "public_key", "power", "p2p"})) || !(s = need_name()) ||
                !(s = need_key("public_key", a.key)) || !(s = need_power()))
                return s;
            a.p2p = get("p2p").value_or("");
            break;
        case GovOp::set_power:
            if (!(s = allow({"public_key", "power"})) || !(s = need_key("public_key", a.key)) || !(s = need_power())) return s;
            break;
        case GovOp::set_policy: {
            if (!(s = allow({"kind", "roles"}))) return s;
            const auto kind = get("kind");
            const auto k = kind ? parse_kind(*kind) : std::nullopt;
            if (!k) return Status::error("metadata 'kind' must be a record kind");
            if (*k == Kind::governance) return Status::error("governance is written by validators, not by roles");
            a.kind = *k;
            const auto roles = get("roles");
            if (!roles) return Status::error("metadata 'roles' is required (comma-separated)");
            a.roles = split_roles(*roles);
            for (const auto& role : a.roles)
                if (!is_known_role(role)) return Status::error("role '" + role + "' is not one of court, procuratorate, police, notary, auditor");
            break;
        }
        case GovOp::set_param: {
            if (!(s = allow({"param", "value"}))) return s;
            const auto param = get("param");
            if (!param || !find_param(*param)) return Status::error("metadata 'param' must name a chain parameter");
            a.param = *param;
            const auto value = get("value");
            const auto v = value ? parse_u64(*value) : std::nullopt;
            if (!v) return Status::error("metadata 'value' must be a non-negative integer");
            a.value = *v;
            break;
        }
    }
    if (const auto ack = get("acknowledge")) {
        if (*ack != ack_few_validators) return Status::error("metadata 'acknowledge' may only be '" + std::string(ack_few_validators) + "'");
        a.acknowledge_few_validators = true;
    }
    g.expires_after = proposal_lifetime_default;
    if (const auto text = get("expires_after")) {
        const auto v = parse_u64(*text);
        if (!v || *v == 0 || *v > proposal_lifetime_max)
            return Status::error("metadata 'expires_after' must be 1 to " + std::to_string(proposal_lifetime_max) + " blocks");
        g.expires_after = *v;
    }
    return g;
}

std::map<std::string, std::string> governance_metadata(const GovAction& a, std::uint64_t expires_after) {
    std::map<std::string, std::string> md{{"action", "propose"}, {"op", std::string(op_name(a.op))}};
    if (expires_after != 0) md["expires_after"] = std::to_string(expires_after);
    if (a.acknowledge_few_validators) md["acknowledge"] = std::string(ack_few_validators);
    switch (a.op) {
        case GovOp::add_member:
            md["name"] = a.name, md["public_key"] = to_hex(a.key.bytes), md["role"] = a.role;
            break;
        case GovOp::suspend_member:
        case GovOp::remove_validator:
        case GovOp::remove_node: md["public_key"] = to_hex(a.key.bytes); break;
        case GovOp::add_node: md["name"] = a.name, md["public_key"] = to_hex(a.key.bytes); break;
        case GovOp::set_role: md["public_key"] = to_hex(a.key.bytes), md["role"] = a.role; break;
        case GovOp::rotate_key: md["public_key"] = to_hex(a.key.bytes), md["new_public_key"] = to_hex(a.new_key.bytes); break;
        case GovOp::add_validator:
            md["name"] = a.name, md["public_key"] = to_hex(a.key.bytes), md["power"] = std::to_string(a.power);
            if (!a.p2p.empty()) md["p2p"] = a.p2p;
            break;
        case GovOp::set_power: md["public_key"] = to_hex(a.key.bytes), md["power"] = std::to_string(a.power); break;
        case GovOp::set_policy: md["kind"] = std::string(kind_name(a.kind)), md["roles"] = join_roles(a.roles); break;
        case GovOp::set_param: md["param"] = a.param, md["value"] = std::to_string(a.value); break;
        case GovOp::add_witness:
        case GovOp::remove_witness: md["witness"] = a.witness.vkey(); break;
    }
    return md;
}

// ---- The state

ChainState ChainState::from_genesis(const Genesis& g) {
    ChainState s;
    s.chain_id = g.chain_id;
    s.genesis_hash = chain::genesis_hash(g);
    s.suite = g.suite;
    s.validators = g.validators;
    for (const auto& m : g.members) s.members.push_back({m.name, m.key, m.role, std::max<std::uint64_t>(1, m.since_height), 0});
    for (const auto& n : g.nodes) s.nodes.push_back({n.name, n.key, 1, 0});
    for (const auto& w : g.witnesses) s.witnesses.push_back({w, 1, 0});
    s.policy = g.policy;
    s.params = g.params;
    s.validator_changes.push_back({0, g.validators});
    return s;
}

std::vector<NodeTerm> ChainState::nodes_at(std::uint64_t h) const {
    std::vector<NodeTerm> out;
    for (const auto& n : nodes)
        if (n.in_force_at(h)) out.push_back(n);
    std::sort(out.begin(), out.end(), [](const NodeTerm& a, const NodeTerm& b) { return a.key < b.key; });
    return out;
}

std::vector<Witness> ChainState::witnesses_at(std::uint64_t h) const {
    std::vector<Witness> out;
    for (const auto& w : witnesses)
        if (w.in_force_at(h)) out.push_back(w.witness);
    std::sort(out.begin(), out.end());
    return out;
}

const NodeTerm* ChainState::node_at(const PublicKey& key, std::uint64_t h) const {
    for (const auto& n : nodes)
        if (n.key == key && n.in_force_at(h)) return &n;
    return nullptr;
}

std::set<PublicKey> ChainState::node_keys_at(std::uint64_t h) const {
    std::set<PublicKey> out;
    for (const auto& v : validators_at(h).validators) out.insert(v.key);
    for (const auto& n : nodes)
        if (n.in_force_at(h)) out.insert(n.key);
    return out;
}

const MemberTerm* ChainState::member_at(const PublicKey& key, std::uint64_t h) const {
    for (const auto& m : members)
        if (m.key == key && m.in_force_at(h)) return &m;
    return nullptr;
}

std::vector<MemberTerm> ChainState::members_at(std::uint64_t h) const {
    std::vector<MemberTerm> out;
    for (const auto& m : members)
        if (m.in_force_at(h)) out.push_back(m);
    std::sort(out.begin(), out.end(), [](const MemberTerm& a, const MemberTerm& b) { return a.key < b.key; });
    return out;
}

ValidatorSet ChainState::validators_at(std::uint64_t h) const {
    // The last change made below h names the set of block h; the first entry is genesis.
    for (auto it = validator_changes.rbegin(); it != validator_changes.rend(); ++it)
        if (it->height < h) return it->next;
    return validators;
}

HeaderBasis header_basis(const ChainState& in_force, std::uint64_t height, const ChainState* next) {
    const Hash vset = validator_set_hash(in_force.suite, in_force.validators);
    return HeaderBasis{in_force.suite, in_force.chain_id, in_force.genesis_hash, vset,
                       next ? validator_set_hash(in_force.suite, next->validators) : vset, state_hash(in_force, height)};
}

StateView state_view(const ChainState& s, std::uint64_t height) {
    return StateView{s.members_at(height), s.policy, s.params, s.nodes_at(height), s.witnesses_at(height)};
}

Bytes state_view_bytes(const StateView& v) {
    ByteWriter w;
    w.str(state_tag);
    write_members(w, v.members);
    write_policy_and_params(w, v.policy, v.params);
    write_nodes(w, v.nodes);
    write_witnesses(w, v.witnesses);
    return std::move(w).take();
}

Bytes state_bytes(const ChainState& s, std::uint64_t height) { return state_view_bytes(state_view(s, height)); }

Hash state_hash(const ChainState& s, std::uint64_t height) { return s.suite.hash(state_bytes(s, height)); }

namespace {

json::value term_to_json(const MemberTerm& m, bool with_until) {
    json::object o{{"name", m.name}, {"public_key", to_hex(m.key.bytes)}, {"role", m.role}, {"since_height", m.since_height}};
    if (with_until) o["until_height"] = m.until_height == 0 ? json::value(nullptr) : json::value(m.until_height);
    return o;
}

Result<std::string> text_at(const json::object& o, std::string_view field, std::size_t max) {
    const json::value* v = o.if_contains(field);
    if (!v || !v->is_string() || v->as_string().size() > max) return Status::error(std::string(field) + " must be a string");
    return std::string(v->as_string());
}

Result<MemberTerm> term_from_json(const crypto::Suite& suite, const json::value& v, bool with_until) {
    if (!v.is_object()) return Status::error("member must be an object");
    const auto& o = v.as_object();
    MemberTerm m;
    auto name = text_at(o, "name", 256);
    auto role = text_at(o, "role", 32);
    auto key = public_key_from_json(suite, o.if_contains("public_key"), "member.public_key");
    auto since = uint_from_json(o.if_contains("since_height"), "member.since_height");
    if (!name) return name.status();
    if (!role) return role.status();
    if (!key) return key.status();
    if (!since) return since.status();
    if (!is_known_role(*role)) return Status::error("member role '" + *role + "' is not a known role");
    m.name = *name, m.role = *role, m.key = *key, m.since_height = *since;
    if (with_until) {
        const json::value* until = o.if_contains("until_height");
        if (!until) return Status::error("member.until_height is missing");
        if (!until->is_null()) {
            auto u = uint_from_json(until, "member.until_height");
            if (!u) return u.status();
            m.until_height = *u;
        }
    }
    return m;
}

// An observer node: in a state view {name, public_key} (what state_bytes hashes), in the
// whole state also its term.
json::value node_to_json(const NodeTerm& n, bool with_term) {
    json::object o{{"name", n.name}, {"public_key", to_hex(n.key.bytes)}};
    if (with_term) {
        o["since_height"] = n.since_height;
        o["until_height"] = n.until_height == 0 ? json::value(nullptr) : json::value(n.until_height);
    }
    return o;
}

Result<NodeTerm> node_from_json(const crypto::Suite& suite, const json::value& v, bool with_term) {
    if (!v.is_object()) return Status::error("node must be an object");
    const auto& o = v.as_object();
    NodeTerm n;
    auto name = text_at(o, "name", 256);
    auto key = public_key_from_json(suite, o.if_contains("public_key"), "node.public_key");
    if (!name) return name.status();
    if (!key) return key.status();
    n.name = *name, n.key = *key;
    if (with_term) {
        auto since = uint_from_json(o.if_contains("since_height"), "node.since_height");
        if (!since) return since.status();
        n.since_height = *since;
        const json::value* until = o.if_contains("until_height");
        if (!until) return Status::error("node.until_height is missing");
        if (!until->is_null()) {
            auto u = uint_from_json(until, "node.until_height");
            if (!u) return u.status();
            n.until_height = *u;
        }
    }
    return n;
}

Result<std::map<Kind, std::set<std::string>>> policy_from_json(const json::value* v) {
    if (!v || !v->is_object()) return Status::error("policy must be an object");
    std::map<Kind, std::set<std::string>> out;
    for (const auto& [name, roles] : v->as_object()) {
        auto kind = parse_kind(name);
        if (!kind) return Status::error("policy names unknown kind '" + std::string(name) + "'");
        if (!roles.is_array()) return Status::error("policy." + std::string(name) + " must be an array");
        auto& set = out[*kind];
        for (const auto& r : roles.as_array()) {
            if (!r.is_string() || !is_known_role(r.as_string()))
                return Status::error("policy." + std::string(name) + " names an unknown role");
            set.emplace(r.as_string());
        }
    }
    return out;
}

Result<ChainParams> params_from_json(const json::value* v) {
    if (!v || !v->is_object()) return Status::error("params must be an object");
    ChainParams p;
    const auto& o = v->as_object();
    if (o.size() != param_fields().size()) return Status::error("params must name every chain parameter");
    for (const auto& f : param_fields()) {
        auto x = uint_from_json(o.if_contains(f.name), "params." + std::string(f.name));
        if (!x) return x.status();
        p.*(f.field) = *x;
    }
    if (auto problem = check_params(p)) return Status::error(*problem);
    return p;
}

// The "policy" and "params" members of a state object.
Status read_policy_and_params(const json::object& o, std::map<Kind, std::set<std::string>>& policy, ChainParams& params) {
    auto p = policy_from_json(o.if_contains("policy"));
    if (!p) return p.status();
    auto q = params_from_json(o.if_contains("params"));
    if (!q) return q.status();
    policy = std::move(*p);
    params = *q;
    return Status::ok();
}

}  // namespace

json::value state_view_to_json(const ChainState& s, std::uint64_t height) {
    return state_view_to_json(state_view(s, height));
}

json::value state_view_to_json(const StateView& v) {
    json::array members;
    for (const auto& m : v.members) members.push_back(term_to_json(m, false));
    json::array nodes;
    for (const auto& n : v.nodes) nodes.push_back(node_to_json(n, false));
    json::array witnesses;
    for (const auto& w : v.witnesses) witnesses.push_back(json::string(w.vkey()));
    return json::object{{"members", std::move(members)},
                        {"policy", policy_to_json(v.policy)},
                        {"params", params_to_json(v.params)},
                        {"nodes", std::move(nodes)},
                        {"witnesses", std::move(witnesses)}};
}

Result<StateView> state_view_from_json(const crypto::Suite& suite, const json::value& v) {
    if (!v.is_object()) return Status::error("state must be an object");
    const auto& o = v.as_object();
    StateView view;
    const json::value* members = o.if_contains("members");
    if (!members || !members->is_array()) return Status::error("state.members must be an array");
    for (const auto& m : members->as_array()) {
        auto term = term_from_json(suite, m, false);
        if (!term) return term.status();
        if (!view.members.empty() && !(view.members.back().key < term->key))
            return Status::error("state.members must be sorted by public key, without repeats");
        view.members.push_back(std::move(*term));
    }
    if (Status st = read_policy_and_params(o, view.policy, view.params); !st) return st;
    const json::value* nodes = o.if_contains("nodes");
    if (!nodes || !nodes->is_array()) return Status::error("state.nodes must be an array");
    for (const auto& n : nodes->as_array()) {
        auto node = node_from_json(suite, n, false);
        if (!node) return node.status();
        if (!view.nodes.empty() && !(view.nodes.back().key < node->key))
            return Status::error("state.nodes must be sorted by public key, without repeats");
        view.nodes.push_back(std::move(*node));
    }
    const json::value* witnesses = o.if_contains("witnesses");
    if (!witnesses || !witnesses->is_array()) return Status::error("state.witnesses must be an array");
    for (const auto& w : witnesses->as_array()) {
        auto parsed = w.is_string() ? parse_witness_vkey(w.as_string()) : Result<Witness>(Status::error("not a string"));
        if (!parsed) return Status::error("state.witnesses: " + parsed.message());
        if (!view.witnesses.empty() && !(view.witnesses.back() < *parsed))
            return Status::error("state.witnesses must be sorted by key, without repeats");
        view.witnesses.push_back(std::move(*parsed));
    }
    return view;
}

json::value state_to_json(const ChainState& s) {
    json::array members;
    for (const auto& m : s.members) members.push_back(term_to_json(m, true));
    json::array nodes;
    for (const auto& n : s.nodes) nodes.push_back(node_to_json(n, true));
    json::array witnesses;
    for (const auto& w : s.witnesses)
        witnesses.push_back({{"witness", w.witness.vkey()},
                             {"since_height", w.since_height},
                             {"until_height", w.until_height == 0 ? json::value(nullptr) : json::value(w.until_height)}});
    json::array proposals;
    for (const auto& [id, p] : s.proposals) {
        json::array approvals;
        for (const auto& k : p.approvals) approvals.push_back(json::string(to_hex(k.bytes)));
        json::object md;
        for (const auto& [k, v] : governance_metadata(p.action, 0)) md[k] = v;
        proposals.push_back({{"id", to_hex(id)},
                             {"height", p.height},
                             {"proposer", to_hex(p.proposer.bytes)},
                             {"metadata", std::move(md)},
                             {"expires_height", p.expires_height},
                             {"approvals", std::move(approvals)},
                             {"effective_height", p.effective_height}});
    }
    json::object p2p;
    for (const auto& [k, addr] : s.validator_p2p) p2p[to_hex(k.bytes)] = addr;
    json::array changes;
    for (const auto& c : s.validator_changes) changes.push_back({{"height", c.height}, {"next", validator_set_to_json(s.suite, c.next)}});
    json::object suite{{"name", s.suite.name()}};
    if (s.suite.is_sm2()) suite["sm2_user_id"] = s.suite.sm2_user_id();
    return json::object{{"chain_id", s.chain_id},
                        {"genesis_hash", to_hex(s.genesis_hash)},
                        {"suite", std::move(suite)},
                        {"height", s.height},
                        {"validators", validator_set_to_json(s.suite, s.validators)},
                        {"members", std::move(members)},
                        {"nodes", std::move(nodes)},
                        {"witnesses", std::move(witnesses)},
                        {"policy", policy_to_json(s.policy)},
                        {"params", params_to_json(s.params)},
                        {"proposals", std::move(proposals)},
                        {"validator_p2p", std::move(p2p)},
                        {"validator_changes", std::move(changes)}};
}

Result<ChainState> state_from_json(const json::value& v) {
    if (!v.is_object()) return Status::error("state must be an object");
    const auto& o = v.as_object();
    ChainState s;
    auto chain_id = text_at(o, "chain_id", chain_id_bytes_max);
    auto genesis = hash_from_json(o.if_contains("genesis_hash"), "genesis_hash");
    auto height = uint_from_json(o.if_contains("height"), "height");
    if (!chain_id) return chain_id.status();
    if (!genesis) return genesis.status();
    if (!height) return height.status();
    s.chain_id = *chain_id, s.genesis_hash = *genesis, s.height = *height;
    // A state stored before suites existed has none: it is secp256k1-sha256.
    if (const json::value* suite = o.if_contains("suite")) {
        const json::value* name = suite->is_object() ? suite->as_object().if_contains("name") : nullptr;
        const json::value* id = suite->is_object() ? suite->as_object().if_contains("sm2_user_id") : nullptr;
        if (!name || !name->is_string() || (id && !id->is_string())) return Status::error("suite must be {name, sm2_user_id?}");
        auto chosen = crypto::Suite::from_name(name->as_string(), id ? std::optional<std::string>(id->as_string()) : std::nullopt);
        if (!chosen) return chosen.status();
        s.suite = *chosen;
    }
    const json::value* vset = o.if_contains("validators");
    auto validators = vset ? validator_set_from_json(s.suite, *vset) : Result<ValidatorSet>(Status::error("validators missing"));
    if (!validators) return validators.status();
    s.validators = std::move(*validators);
    const json::value* members = o.if_contains("members");
    if (!members || !members->is_array()) return Status::error("members must be an array");
    for (const auto& m : members->as_array()) {
        auto term = term_from_json(s.suite, m, true);
        if (!term) return term.status();
        s.members.push_back(std::move(*term));
    }
    const json::value* nodes = o.if_contains("nodes");
    if (!nodes || !nodes->is_array()) return Status::error("nodes must be an array");
    for (const auto& n : nodes->as_array()) {
        auto node = node_from_json(s.suite, n, true);
        if (!node) return node.status();
        s.nodes.push_back(std::move(*node));
    }
    const json::value* witnesses = o.if_contains("witnesses");
    if (!witnesses || !witnesses->is_array()) return Status::error("witnesses must be an array");
    for (const auto& w : witnesses->as_array()) {
        const json::object* wo = w.is_object() ? &w.as_object() : nullptr;
        const json::value* vkey = wo ? wo->if_contains("witness") : nullptr;
        auto parsed = vkey && vkey->is_string() ? parse_witness_vkey(vkey->as_string())
                                                : Result<Witness>(Status::error("witness must be {witness, since_height, until_height}"));
        if (!parsed) return parsed.status();
        auto since = uint_from_json(wo->if_contains("since_height"), "witness.since_height");
        if (!since) return since.status();
        WitnessTerm term{std::move(*parsed), *since, 0};
        const json::value* until = wo->if_contains("until_height");
        if (!until) return Status::error("witness.until_height is missing");
        if (!until->is_null()) {
            auto u = uint_from_json(until, "witness.until_height");
            if (!u) return u.status();
            term.until_height = *u;
        }
        s.witnesses.push_back(std::move(term));
    }
    if (Status st = read_policy_and_params(o, s.policy, s.params); !st) return st;
    const json::value* proposals = o.if_contains("proposals");
    if (!proposals || !proposals->is_array()) return Status::error("proposals must be an array");
    for (const auto& pv : proposals->as_array()) {
        if (!pv.is_object()) return Status::error("proposal must be an object");
        const auto& po = pv.as_object();
        Proposal p;
        auto id = hash_from_json(po.if_contains("id"), "proposal.id");
        auto h = uint_from_json(po.if_contains("height"), "proposal.height");
        auto proposer = public_key_from_json(s.suite, po.if_contains("proposer"), "proposal.proposer");
        auto expires = uint_from_json(po.if_contains("expires_height"), "proposal.expires_height");
        auto effective = uint_from_json(po.if_contains("effective_height"), "proposal.effective_height");
        if (!id || !h || !proposer || !expires || !effective) return Status::error("a proposal has a bad field");
        const json::value* md = po.if_contains("metadata");
        if (!md || !md->is_object()) return Status::error("proposal.metadata must be an object");
        Record carrier;
        for (const auto& [k, val] : md->as_object()) {
            if (!val.is_string()) return Status::error("proposal.metadata values are strings");
            carrier.metadata[std::string(k)] = std::string(val.as_string());
        }
        auto parsed = parse_governance(s.suite, carrier);
        if (!parsed || parsed->approve) return Status::error("proposal metadata: " + (parsed ? std::string("an approval") : parsed.message()));
        p.id = *id, p.height = *h, p.proposer = *proposer, p.expires_height = *expires, p.effective_height = *effective;
        p.action = parsed->action;
        const json::value* approvals = po.if_contains("approvals");
        if (!approvals || !approvals->is_array()) return Status::error("proposal.approvals must be an array");
        for (const auto& a : approvals->as_array()) {
            auto k = public_key_from_json(s.suite, &a, "approval");
            if (!k) return k.status();
            p.approvals.insert(*k);
        }
        s.proposals.emplace(p.id, std::move(p));
    }
    const json::value* p2p = o.if_contains("validator_p2p");
    if (!p2p || !p2p->is_object()) return Status::error("validator_p2p must be an object");
    for (const auto& [k, addr] : p2p->as_object()) {
        auto key = parse_key(s.suite, k);
        if (!key || !addr.is_string()) return Status::error("validator_p2p has a bad entry");
        s.validator_p2p[*key] = std::string(addr.as_string());
    }
    const json::value* changes = o.if_contains("validator_changes");
    if (!changes || !changes->is_array()) return Status::error("validator_changes must be an array");
    for (const auto& c : changes->as_array()) {
        if (!c.is_object()) return Status::error("validator change must be an object");
        auto h = uint_from_json(c.as_object().if_contains("height"), "validator_change.height");
        const json::value* next = c.as_object().if_contains("next");
        auto set = next ? validator_set_from_json(s.suite, *next) : Result<ValidatorSet>(Status::error("next missing"));
        if (!h) return h.status();
        if (!set) return set.status();
        s.validator_changes.push_back({*h, std::move(*set)});
    }
    return s;
}

// ---- Permission

bool governance_submitter(const ChainState& s, std::uint64_t height, const Record& r) {
    if (s.validators.find(r.submitter)) return true;
    // A member rotating its own key: the only governance record a member writes.
    auto g = parse_governance(s.suite, r);
    return g && !g->approve && g->action.op == GovOp::rotate_key && g->action.key == r.submitter &&
           s.member_at(r.submitter, height) != nullptr;
}

std::optional<PermissionFault> member_permission(const ChainState& s, std::uint64_t height, const Record& r,
                                                 bool corrects_own_record) {
    const MemberTerm* m = s.member_at(r.submitter, height);
    if (!m)
        return PermissionFault{RejectReason::unknown_member, true,
                               "submitter " + to_hex(r.submitter.bytes) + " is not a member at height " + std::to_string(height)};
    auto allowed = s.policy.find(r.kind);
    const bool permitted = (allowed != s.policy.end() && allowed->second.count(m->role) > 0) ||
                           (r.kind == Kind::correction && corrects_own_record);
    if (permitted) return std::nullopt;
    return PermissionFault{RejectReason::not_permitted, false,
                           "role '" + m->role + "' may not write '" + std::string(kind_name(r.kind)) + "' records"};
}

// ---- Governance in a block

GovernanceBlock::GovernanceBlock(const ChainState& in_force, std::uint64_t height)
    : in_force_(in_force), height_(height), next_(in_force) {}

std::optional<GovFault> GovernanceBlock::check(const Record& r, const Hash& id) const {
    auto g = parse_governance(in_force_.suite, r);
    if (!g) return fault(RejectReason::invalid_record, "bad_action", g.message());
    const bool validator = in_force_.validators.find(r.submitter) != nullptr;
    if (!g->approve && g->action.op == GovOp::rotate_key && g->action.key == r.submitter && !validator) {
        // A member rotating its own key takes effect without a vote.
        if (!in_force_.member_at(r.submitter, height_))
            return fault(RejectReason::not_permitted, "not_member", "the key to rotate is not a member in force");
        return check_effect(g->action);
    }
    if (!validator)
        return fault(RejectReason::not_permitted, "not_validator",
                     to_hex(r.submitter.bytes) + " is not a validator in force at height " + std::to_string(height_));
    if (!g->approve) {
        if (next_.proposals.count(id)) return fault(RejectReason::duplicate, "duplicate", "proposal already recorded");
        const auto pending = std::count_if(next_.proposals.begin(), next_.proposals.end(), [&](const auto& entry) {
            const Proposal& p = entry.second;
            return p.proposer == r.submitter && p.effective_height == 0 && p.expires_height >= height_;
        });
        if (static_cast<std::size_t>(pending) >= pending_proposals_per_validator_max)
            return fault(RejectReason::not_permitted, "too_many_proposals",
                         "this validator already has " + std::to_string(pending) +
                             " pending proposals, the most one may have; let some expire or be decided");
        return check_effect(g->action);  // refused now rather than approved and then impossible
    }
    auto it = next_.proposals.find(g->proposal);
    if (it == next_.proposals.end())
        return fault(RejectReason::unknown_reference, "unknown_proposal",
                     "no pending or decided proposal " + to_hex(g->proposal) +
                         " (an expired proposal is dropped at the next block with governance records)");
    const Proposal& p = it->second;
    if (p.effective_height != 0)
        return fault(RejectReason::duplicate, "already_approved",
                     "proposal already approved, in force from height " + std::to_string(p.effective_height));
    if (height_ > p.expires_height)
        return fault(RejectReason::not_permitted, "expired",
                     "proposal expired after height " + std::to_string(p.expires_height));
    if (p.approvals.count(r.submitter))
        return fault(RejectReason::duplicate, "duplicate_approval", "this validator already approved the proposal");
    // The approval that makes the quorum also makes the change: it must still be possible.
    std::uint64_t power = 0;
    for (const auto& k : p.approvals)
        if (const Validator* v = in_force_.validators.find(k)) power += v->power;
    power += in_force_.validators.find(r.submitter)->power;
    if (in_force_.validators.is_quorum(power)) return check_effect(p.action);
    return std::nullopt;
}

std::optional<GovFault> GovernanceBlock::check_effect(const GovAction& a) const {
    const std::uint64_t h = height_ + 1;  // where the change would be in force
    const ChainState& s = next_;
    auto conflict = [](std::string m) { return fault(RejectReason::not_permitted, "conflict", std::move(m)); };
    auto unsafe = [](std::string m) { return fault(RejectReason::not_permitted, "unsafe_change", std::move(m)); };
    auto member_key_in_use = [&](const PublicKey& k) {
        return s.member_at(k, h) != nullptr || s.member_at(k, height_) != nullptr;
    };
    // A validator's or an observer's key, now or from h: it opens links, so it signs nothing.
    auto node_key_in_use = [&](const PublicKey& k) {
        return s.validators.find(k) != nullptr || s.node_at(k, h) != nullptr || s.node_at(k, height_) != nullptr;
    };
    // Courts left after removing `key`'s court term (or changing its role to `role`).
    auto drops_last_court = [&](const PublicKey& key, const std::string& new_role) {
        const MemberTerm* m = s.member_at(key, h);
        return m && m->role == "court" && new_role != "court" && open_courts(s, h) <= 1;
    };
    auto power_check = [&](const PublicKey& key, std::uint64_t new_power) -> std::optional<GovFault> {
        const Validator* old = in_force_.validators.find(key);
        const Validator* now = s.validators.find(key);
        const std::uint64_t from = now ? now->power : 0;
        std::uint64_t lost = power_lost_;
        if (old && from > new_power) lost += std::min(from, old->power) - std::min(new_power, old->power);
        if (lost * 3 > in_force_.validators.total_power())
            return unsafe("the block would remove " + std::to_string(lost) + " of " +
                          std::to_string(in_force_.validators.total_power()) +
                          " voting power at once, more than 1/3: change it in steps");
        return std::nullopt;
    };
    switch (a.op) {
        case GovOp::add_member:
            if (member_key_in_use(a.key)) return conflict("key is already a member");
            if (node_key_in_use(a.key)) return conflict("key is a node key; members sign with keys of their own");
            return std::nullopt;
        case GovOp::suspend_member:
            if (!s.member_at(a.key, h)) return conflict("no member with this key is in force");
            if (drops_last_court(a.key, "")) return unsafe("this is the last court: the chain would have no court");
            return std::nullopt;
        case GovOp::set_role: {
            const MemberTerm* m = s.member_at(a.key, h);
            if (!m) return conflict("no member with this key is in force");
            if (m->role == a.role) return conflict("the member already has role " + a.role);
            if (drops_last_court(a.key, a.role)) return unsafe("this is the last court: the chain would have no court");
            return std::nullopt;
        }
        case GovOp::rotate_key:
            if (!s.member_at(a.key, h)) return conflict("no member with this key is in force");
            if (member_key_in_use(a.new_key)) return conflict("the new key is already a member");
            if (node_key_in_use(a.new_key)) return conflict("the new key is a node key");
            return std::nullopt;
        case GovOp::add_validator:
            if (s.validators.find(a.key)) return conflict("key is already a validator");
            if (ever_member(s, a.key)) return conflict("key is a member key; a node has a key of its own");
            if (s.validators.total_power() + a.power > total_power_max)
                return unsafe("total voting power would pass its limit");
            return std::nullopt;
        case GovOp::remove_validator: {
            if (!s.validators.find(a.key)) return conflict("key is not a validator");
            const std::size_t left = s.validators.validators.size() - 1;
            if (left == 0) return unsafe("this is the last validator: the chain would stop");
            if (left < 4 && !a.acknowledge_few_validators)
                return unsafe("only " + std::to_string(left) + " validators would remain (fewer than 4 tolerate no "
                              "Byzantine fault); propose again with acknowledge=" + std::string(ack_few_validators));
            return power_check(a.key, 0);
        }
        case GovOp::set_power: {
            const Validator* v = s.validators.find(a.key);
            if (!v) return conflict("key is not a validator");
            if (v->power == a.power) return conflict("the validator already has power " + std::to_string(a.power));
            return power_check(a.key, a.power);
        }
        case GovOp::set_policy: {
            auto it = s.policy.find(a.kind);
            if (it != s.policy.end() && it->second == a.roles) return conflict("the policy already says so");
            return std::nullopt;
        }
        case GovOp::set_param: {
            ChainParams p = s.params;
            p.*(find_param(a.param)->field) = a.value;
            if (p == s.params) return conflict("params." + a.param + " is already " + std::to_string(a.value));
            if (auto problem = check_params(p)) return fault(RejectReason::invalid_record, "bad_action", *problem);
            const std::size_t witnesses = s.witnesses_at(h).size();
            if (p.witness_quorum > std::max<std::size_t>(witnesses, 1))
                return unsafe("params.witness_quorum " + std::to_string(p.witness_quorum) + " is more than the " +
                              std::to_string(witnesses) + " witness(es) in force: no checkpoint could be witnessed");
            return std::nullopt;
        }
        case GovOp::add_witness: {
            for (const auto& w : s.witnesses_at(h)) {
                if (w.key == a.witness.key) return conflict("this witness key is already in force");
                if (w.name == a.witness.name) return conflict("a witness named " + w.name + " is already in force");
            }
            if (s.witnesses_at(h).size() >= limits::witnesses_ceiling)
                return unsafe("at most " + std::to_string(limits::witnesses_ceiling) + " witnesses are supported");
            return std::nullopt;
        }
        case GovOp::remove_witness: {
            const auto in_force = s.witnesses_at(h);
            if (std::find(in_force.begin(), in_force.end(), a.witness) == in_force.end())
                return conflict("no witness with this verifier key is in force");
            const std::size_t left = in_force.size() - 1;
            if (std::max<std::size_t>(left, 1) < s.params.witness_quorum)
                return unsafe("only " + std::to_string(left) + " witness(es) would remain, fewer than params.witness_quorum " +
                              std::to_string(s.params.witness_quorum) + ": lower the quorum first");
            return std::nullopt;
        }
        case GovOp::add_node:
            if (node_key_in_use(a.key)) return conflict("key is already a node (a validator or an observer)");
            if (ever_member(s, a.key)) return conflict("key is a member key; a node has a key of its own");
            return std::nullopt;
        case GovOp::remove_node:
            if (!s.node_at(a.key, h))
                return conflict("no observer node with this key is in force (a validator leaves by remove-validator)");
            return std::nullopt;
    }
    return std::nullopt;
}

void GovernanceBlock::apply(const Record& r, const Hash& id) {
    auto g = parse_governance(in_force_.suite, r);
    const bool validator = in_force_.validators.find(r.submitter) != nullptr;
    if (!g->approve && g->action.op == GovOp::rotate_key && g->action.key == r.submitter && !validator) {
        Proposal p{id, height_, r.submitter, g->action, height_, {}, 0};
        auto& stored = next_.proposals.emplace(id, std::move(p)).first->second;
        take_effect(stored);
        return;
    }
    Proposal* p = nullptr;
    if (!g->approve) {
        Proposal fresh{id, height_, r.submitter, g->action, height_ + g->expires_after, {r.submitter}, 0};
        p = &next_.proposals.emplace(id, std::move(fresh)).first->second;
    } else {
        p = &next_.proposals.at(g->proposal);
        p->approvals.insert(r.submitter);
    }
    std::uint64_t power = 0;
    for (const auto& k : p->approvals)
        if (const Validator* v = in_force_.validators.find(k)) power += v->power;
    if (in_force_.validators.is_quorum(power)) take_effect(*p);
}

void GovernanceBlock::take_effect(Proposal& p) {
    const std::uint64_t h = height_ + 1;
    p.effective_height = h;
    ChainState& s = next_;
    const GovAction& a = p.action;
    auto end_term = [&](const PublicKey& key) -> MemberTerm {
        MemberTerm* m = open_term(s, key, h);
        MemberTerm copy = *m;
        m->until_height = h;
        return copy;
    };
    auto lose_power = [&](const PublicKey& key, std::uint64_t from, std::uint64_t to) {
        if (const Validator* old = in_force_.validators.find(key); old && from > to)
            power_lost_ += std::min(from, old->power) - std::min(to, old->power);
    };
    switch (a.op) {
        case GovOp::add_member: s.members.push_back({a.name, a.key, a.role, h, 0}); break;
        case GovOp::suspend_member: end_term(a.key); break;
        case GovOp::set_role: {
            MemberTerm t = end_term(a.key);
            s.members.push_back({t.name, t.key, a.role, h, 0});
            break;
        }
        case GovOp::rotate_key: {
            MemberTerm t = end_term(a.key);
            s.members.push_back({t.name, a.new_key, t.role, h, 0});
            break;
        }
        case GovOp::add_validator:
            s.validators.validators.push_back({a.name, a.key, a.power});
            sort_validators(s.validators);
            if (!a.p2p.empty()) s.validator_p2p[a.key] = a.p2p;
            break;
        case GovOp::remove_validator: {
            auto& vs = s.validators.validators;
            auto it = std::find_if(vs.begin(), vs.end(), [&](const Validator& v) { return v.key == a.key; });
            lose_power(a.key, it->power, 0);
            vs.erase(it);
            s.validator_p2p.erase(a.key);
            break;
        }
        case GovOp::set_power: {
            for (auto& v : s.validators.validators)
                if (v.key == a.key) {
                    lose_power(a.key, v.power, a.power);
                    v.power = a.power;
                }
            break;
        }
        case GovOp::set_policy: s.policy[a.kind] = a.roles; break;
        case GovOp::set_param: s.params.*(find_param(a.param)->field) = a.value; break;
        case GovOp::add_node: s.nodes.push_back({a.name, a.key, h, 0}); break;
        case GovOp::remove_node:
            for (auto& n : s.nodes)
                if (n.key == a.key && n.in_force_at(h)) n.until_height = h;
            break;
        case GovOp::add_witness: s.witnesses.push_back({a.witness, h, 0}); break;
        case GovOp::remove_witness:
            for (auto& w : s.witnesses)
                if (w.witness == a.witness && w.in_force_at(h)) w.until_height = h;
            break;
    }
}

std::optional<ChainState> state_after_block(const ChainState& in_force, std::uint64_t height,
                                            std::span<const Record> records, std::span<const Hash> ids) {
    std::optional<GovernanceBlock> governance;
    for (std::size_t i = 0; i < records.size() && i < ids.size(); ++i) {
        if (records[i].kind != Kind::governance) continue;
        if (!governance) governance.emplace(in_force, height);
        if (!governance->check(records[i], ids[i])) governance->apply(records[i], ids[i]);
    }
    if (!governance) return std::nullopt;
    return std::move(*governance).finish();
}

ChainState GovernanceBlock::finish() && {
    next_.height = height_;
    // From height_ + 1 on no approval of these can count: forget them, so that neither
    // the state nor its stored copies grow with every proposal that never passed.
    std::erase_if(next_.proposals,
                  [&](const auto& entry) { return entry.second.effective_height == 0 && entry.second.expires_height <= height_; });
    if (validator_set_hash(next_.suite, next_.validators) != validator_set_hash(in_force_.suite, in_force_.validators))
        next_.validator_changes.push_back({height_, next_.validators});
    return std::move(next_);
}

}  // namespace jchain::chain
