#include "node/read_access.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "base/hex.h"

namespace jchain::node {

namespace json = boost::json;

const std::vector<std::string>& keyed_methods() {
    // case_history is not among them: it takes a case's tag, an HMAC under the case key
    // (docs/privacy.md), so whoever can name a case holds its key and may read its history;
    // a stranger cannot guess one, so it enumerates nothing.
    static const std::vector<std::string> methods{"get_block", "get_record"};
    return methods;
}

bool is_keyed_method(std::string_view method) {
    const auto& m = keyed_methods();
    return std::find(m.begin(), m.end(), method) != m.end();
}

bool call_needs_key(std::string_view method, const json::value& params, const std::vector<std::string>& public_methods) {
    if (!is_keyed_method(method)) return false;
    if (std::find(public_methods.begin(), public_methods.end(), method) != public_methods.end()) return false;
    if (method == "get_block" && params.is_object()) {
        const json::value* h = params.as_object().if_contains("header_only");
        if (h && h->is_bool() && h->as_bool()) return false;
    }
    return true;
}

Bytes read_signed_bytes(std::string_view chain_id, const crypto::PublicKey& key, std::uint64_t time_ms,
                        const crypto::Hash& body_hash) {
    ByteWriter w;
    w.str(read_tag);
    w.str(chain_id);
    w.fixed(key.bytes);
    w.u64(time_ms);
    w.fixed(body_hash);
    return std::move(w).take();
}

crypto::Hash read_digest(const crypto::Suite& suite, std::string_view chain_id, const crypto::PublicKey& key,
                         std::uint64_t time_ms, std::string_view body) {
    return suite.hash(read_signed_bytes(chain_id, key, time_ms, suite.hash(as_bytes(body))));
}

std::string read_authorization(const crypto::Suite& suite, const crypto::KeyPair& key, std::string_view chain_id,
                               std::uint64_t time_ms, std::string_view body) {
    const crypto::Signature sig = suite.sign(key, read_digest(suite, chain_id, key.public_key, time_ms, body));
    return std::string(auth_scheme) + " key=" + to_hex(key.public_key.bytes) + ",time=" + std::to_string(time_ms) +
           ",sig=" + to_hex(suite.signature_to_der(sig));
}

namespace {

struct ParsedAuth {
    std::string key_hex, time_text, sig_hex;
};

bool is_lower_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "JChain-Sig key=..,time=..,sig=..": the three fields once each, in any order, with
// optional spaces after the commas; nothing else.
std::variant<ParsedAuth, std::string> parse_auth(std::string_view v) {
    if (v.size() > auth_header_bytes_max) return std::string("the Authorization header is longer than ") +
                                                 std::to_string(auth_header_bytes_max) + " bytes";
    if (!v.starts_with(auth_scheme) || v.size() == auth_scheme.size() || v[auth_scheme.size()] != ' ')
        return std::string("the Authorization header must be \"JChain-Sig key=HEX,time=MS,sig=HEX\"");
    v.remove_prefix(auth_scheme.size() + 1);
    ParsedAuth out;
    bool seen[3] = {false, false, false};
    while (!v.empty()) {
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        const auto comma = v.find(',');
        const std::string_view item = v.substr(0, comma);
        v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) return "Authorization: '" + std::string(item) + "' is not name=value";
        const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
        const int slot = name == "key" ? 0 : name == "time" ? 1 : name == "sig" ? 2 : -1;
        if (slot < 0) return "Authorization: unknown field '" + std::string(name) + "' (key, time and sig only)";
        if (seen[slot]) return "Authorization: '" + std::string(name) + "' given twice";
        seen[slot] = true;
        (slot == 0 ? out.key_hex : slot == 1 ? out.time_text : out.sig_hex) = std::string(value);
        if (comma == std::string_view::npos) break;
    }
    if (!seen[0] || !seen[1] || !seen[2]) return std::string("Authorization: key, time and sig are all required");
    return out;
}

ReadDenial denial(std::string reason, std::string message) { return {std::move(reason), std::move(message)}; }

}  // namespace

std::variant<Reader, ReadDenial> check_read_request(const chain::ChainState& state, std::uint64_t height,
                                                    std::string_view authorization, std::string_view body,
                                                    std::uint64_t now_ms) {
    if (authorization.empty())
        return denial("auth_required",
                      "this node serves this method to members and auditors only: sign the request with the key of a "
                      "member (any role), validator or node in force (`--key`; header Authorization: JChain-Sig, "
                      "docs/rpc.md)");
    auto parsed = parse_auth(authorization);
    if (const auto* why = std::get_if<std::string>(&parsed)) return denial("bad_auth_header", *why);
    const ParsedAuth& a = std::get<ParsedAuth>(parsed);

    std::uint64_t time_ms = 0;
    const auto [end, ec] = std::from_chars(a.time_text.data(), a.time_text.data() + a.time_text.size(), time_ms);
    if (a.time_text.empty() || ec != std::errc{} || end != a.time_text.data() + a.time_text.size())
        return denial("bad_auth_header", "Authorization: time must be milliseconds since the epoch, in decimal");
    const std::uint64_t window = state.params.client_time_window_ms;
    const std::uint64_t skew = time_ms > now_ms ? time_ms - now_ms : now_ms - time_ms;
    if (skew > window)
        return denial("stale_time", "the request was signed at " + std::to_string(time_ms) + " ms, " + std::to_string(skew) +
                                        " ms from this node's clock; the chain allows " + std::to_string(window) +
                                        " ms (params.client_time_window_ms): sign it again now");

    auto key_bytes = is_lower_hex(a.key_hex) ? from_hex_fixed<33>(a.key_hex) : std::nullopt;
    auto key = key_bytes ? state.suite.parse_public_key(*key_bytes) : std::nullopt;
    if (!key)
        return denial("bad_auth_header", "Authorization: key must be a compressed " + std::string(state.suite.key_type()) +
                                             " public key, 66 lower-case hex digits");
    Reader reader{*key, {}, {}};
    if (const chain::MemberTerm* m = state.member_at(*key, height)) {
        reader.name = m->name;
        reader.role = m->role;
    } else if (const chain::Validator* v = state.validators.find(*key)) {
        reader.name = v->name;
        reader.role = "validator";
    } else if (const chain::NodeTerm* n = state.node_at(*key, height)) {
        reader.name = n->name;
        reader.role = "node";
    } else {
        for (const auto& m : state.members)
            if (m.key == *key && m.until_height != 0 && m.until_height <= height)
                return denial("suspended", "the key of member " + m.name + " is no longer in force (suspended, or rotated "
                                           "out, from height " + std::to_string(m.until_height) + ")");
        return denial("unknown_key", "key " + a.key_hex + " is not a member, validator or node of this chain in force at "
                                     "height " + std::to_string(height));
    }

    const auto der = is_lower_hex(a.sig_hex) ? from_hex(a.sig_hex) : std::nullopt;
    const auto sig = der ? state.suite.signature_from_der(*der) : std::nullopt;
    if (!sig) return denial("bad_signature", "Authorization: sig is not a strict DER signature in lower-case hex");
    if (!state.suite.verify(*key, read_digest(state.suite, state.chain_id, *key, time_ms, body), *sig))
        return denial("bad_signature", "the signature does not verify for this key, chain, time and request body");
    return reader;
}

}  // namespace jchain::node
