#include "cli/governance.h"

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "chain/json_codec.h"
#include "crypto/keys.h"

namespace jchain::cli {

namespace {

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

crypto::PublicKey parse_key_arg(const crypto::Suite& suite, const std::string& hex, const std::string& what) {
    auto bytes = from_hex_fixed<33>(hex);
    auto key = bytes && to_hex(*bytes) == hex ? suite.parse_public_key(*bytes) : std::nullopt;
    if (!key)
        fail(exit_bad, what + " must be a compressed " + std::string(suite.key_type()) +
                           " public key (this chain's suite is " + std::string(suite.name()) + "): 66 lower-case hex digits");
    return *key;
}

// The chain's suite, as the node at --rpc names it.
crypto::Suite chain_suite(const GovernanceArgs& a) { return suite_of_status(rpc_result(a.rpc, "status")); }

// Signs and submits a governance record; with --wait, waits until it is committed.
// Returns the record id.
std::string submit(const GovernanceArgs& a, std::map<std::string, std::string> metadata, std::vector<chain::Hash> refs,
                   const chain::Hash& content) {
    const crypto::Suite suite = chain_suite(a);
    auto key = suite.read_key_file(a.key_file);
    if (!key) fail(exit_bad, key.message());
    chain::Record r;
    r.kind = chain::Kind::governance;
    r.content_hash = content;
    r.metadata = std::move(metadata);
    r.refs = std::move(refs);
    r.chain_id = std::string(rpc_result(a.rpc, "status").at("chain_id").as_string());
    r.client_time_ms = now_ms();
    std::random_device rd;
    r.nonce = (static_cast<std::uint64_t>(rd()) << 32 | rd()) & ((1ull << 53) - 1);
    if (auto problem = chain::check_record_shape(r)) fail(exit_bad, *problem);
    chain::sign_record(suite, r, *key);
    auto out = rpc_call(a.rpc, "submit_record", json::object{{"record", chain::record_to_json(suite, r)}});
    if (!out.result) fail(exit_bad, "refused: " + out.error_message + " (" + out.error_reason + ")");
    const std::string id = std::string(out.result->at("id").as_string());
    if (!a.wait) return id;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
    // get_record is for keys in force (docs/rpc.md): the one that signed the record asks.
    // A member's key its own rotate-key just retired is refused; get_receipt, public,
    // then says whether the record is committed.
    const ReadSigner signer{suite, *key, r.chain_id};
    while (std::chrono::steady_clock::now() < deadline) {
        auto got = rpc_call(a.rpc, "get_record", json::object{{"id", id}}, &signer);
        if (!got.result && rpc_call(a.rpc, "get_receipt", json::object{{"id", id}}).result) return id;
        if (got.result && got.result->at("status").as_string() == "committed") return id;
        if (got.result && got.result->at("status").as_string() == "expired")
            fail(exit_no, "record " + id + " expired before a block took it: " +
                              std::string(got.result->at("reason").as_string()));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    fail(exit_no, "record " + id + " was not committed within " + std::to_string(a.timeout_s) + " s");
}

std::optional<json::value> find_proposal(const std::string& rpc, const std::string& id) {
    auto list = rpc_result(rpc, "list_proposals");
    for (const auto& p : list.at("proposals").as_array())
        if (p.at("id").as_string() == id) return p;
    return std::nullopt;
}

std::string describe(const json::value& p) {
    std::string out = std::string(p.at("summary").as_string()) + ": " + std::string(p.at("state").as_string());
    out += ", approved by " + std::to_string(p.at("approvals").as_array().size()) + " validators holding " +
           std::to_string(u64(p.at("approved_power"))) + " of " + std::to_string(u64(p.at("total_power"))) + " power";
    if (!p.at("effective_height").is_null())
        out += ", in force from height " + std::to_string(u64(p.at("effective_height")));
    else
        out += " (needs more than 2/3; approvals count until height " + std::to_string(u64(p.at("expires_height"))) + ")";
    return out;
}

int report_proposal(const GovernanceArgs& a, const std::string& id, const std::string& verb, bool as_json) {
    std::optional<json::value> p = a.wait ? find_proposal(a.rpc, id) : std::nullopt;
    if (as_json) {
        json::object out{{"proposal", id}, {"status", a.wait ? "committed" : "pending"}};
        if (p) out["state"] = *p;
        print_json(out);
        return exit_ok;
    }
    std::cout << verb << " " << id << (a.wait ? " (committed)" : " (pending: not yet in a block)") << "\n";
    if (p) std::cout << "  " << describe(*p) << "\n";
    else
        std::cout << "  a change takes effect at the height after the block in which validators holding more than "
                     "2/3 of the power have approved it; see `jchain governance list`\n";
    return exit_ok;
}

}  // namespace

int cmd_governance_propose(GovernanceArgs a, bool as_json) {
    using chain::GovOp;
    chain::GovAction& act = a.action;
    const bool needs_key = act.op != GovOp::set_policy && act.op != GovOp::set_param && act.op != GovOp::add_witness &&
                           act.op != GovOp::remove_witness;
    if (act.op == GovOp::add_witness || act.op == GovOp::remove_witness) {
        auto w = chain::parse_witness_vkey(a.witness);
        if (!w) fail(exit_bad, "--witness: " + w.message());
        act.witness = std::move(*w);
    }
    const crypto::Suite suite = chain_suite(a);
    if (needs_key) act.key = parse_key_arg(suite, a.public_key, "--public-key");
    if (act.op == GovOp::rotate_key) act.new_key = parse_key_arg(suite, a.new_public_key, "--new-public-key");
    if (act.op == GovOp::set_policy) {
        auto kind = chain::parse_kind(a.kind);
        if (!kind) fail(exit_bad, "--kind '" + a.kind + "' is not a record kind");
        act.kind = *kind;
        std::string rest = a.roles;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            act.roles.insert(rest.substr(0, comma));
            rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        }
    }
    auto metadata = chain::governance_metadata(act, a.expires_after);
    // The rule reads the metadata; the content hash names it, so the record's id and a
    // printed proposal say the same.
    chain::Record carrier;
    carrier.metadata = metadata;
    if (auto parsed = chain::parse_governance(suite, carrier); !parsed) fail(exit_bad, parsed.message());
    json::object md;
    for (const auto& [k, v] : metadata) md[k] = v;
    const std::string id = submit(a, metadata, {}, suite.hash(as_bytes(json::serialize(md))));
    return report_proposal(a, id, "proposal", as_json);
}

int cmd_governance_approve(const GovernanceArgs& a, bool as_json) {
    const chain::Hash proposal = parse_hash_arg(a.proposal, "--proposal");
    const std::string id = submit(a, {{"action", "approve"}}, {proposal}, proposal);
    if (a.wait) {
        auto p = find_proposal(a.rpc, a.proposal);
        if (as_json) {
            print_json(json::object{{"approval", id}, {"proposal", a.proposal}, {"state", p ? *p : json::value(nullptr)}});
            return exit_ok;
        }
        std::cout << "approval " << id << " (committed)\n";
        if (p) std::cout << "  " << describe(*p) << "\n";
        return exit_ok;
    }
    if (as_json) print_json(json::object{{"approval", id}, {"proposal", a.proposal}, {"status", "pending"}});
    else std::cout << "approval " << id << " of proposal " << a.proposal << " (pending)\n";
    return exit_ok;
}

int cmd_governance_list(const GovernanceArgs& a, bool as_json) {
    json::object params;
    if (!a.state.empty()) params["state"] = a.state;
    auto list = rpc_result(a.rpc, "list_proposals", params);
    if (as_json) {
        print_json(list);
        return exit_ok;
    }
    const auto& proposals = list.at("proposals").as_array();
    if (proposals.empty()) std::cout << "no proposals\n";
    for (const auto& p : proposals) std::cout << p.at("id").as_string().c_str() << "\n  " << describe(p) << "\n";
    return exit_ok;
}

}  // namespace jchain::cli
