#include "cli/common.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <random>
#include <spdlog/spdlog.h>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "base/json.h"
#include "chain/audit.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "node/backup.h"
#include "node/home.h"
#include "node/node.h"
#include "node/read_access.h"
#include "rpc/http_client.h"

#include "base/json.h"

namespace jchain::cli {

[[noreturn]] void fail(int code, std::string message) { throw CliError{code, std::move(message)}; }

// A store another process holds open (storage says "is the node running?") gets the
// command's way around it; other errors stand as they are.
std::string busy_store_hint(const std::string& message, std::string_view what_to_do) {
    if (message.find("is the node running?") == std::string::npos) return message;
    return message + "; " + std::string(what_to_do);
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) != 0; }

std::string default_rpc() {
    const char* env = std::getenv("JCHAIN_RPC");
    return env && *env ? env : "http://127.0.0.1:26657";
}

std::string rpc_endpoint(std::string url) {
    if (url.rfind("http://", 0) != 0) url = "http://" + url;
    auto slash = url.find('/', 7);
    if (slash == std::string::npos) return url + "/rpc";
    if (url.substr(slash) == "/") return url.substr(0, slash) + "/rpc";
    return url;
}

rpc::HttpHeaders ReadSigner::headers(const std::string& body) const {
    return {{"Authorization", node::read_authorization(suite, key, chain_id, node::now_ms(), body)}};
}

std::optional<ReadSigner> read_signer(const std::string& rpc, const std::string& key_file) {
    std::string path = key_file;
    if (path.empty())
        if (const char* env = std::getenv("JCHAIN_READ_KEY"); env && *env) path = env;
    if (path.empty()) return std::nullopt;
    const json::value status = rpc_result(rpc, "status");
    const crypto::Suite suite = suite_of_status(status);
    auto key = suite.read_key_file(path);
    if (!key) fail(exit_bad, "--key: " + key.message());
    const json::value* chain_id = status.is_object() ? status.as_object().if_contains("chain_id") : nullptr;
    if (!chain_id || !chain_id->is_string()) fail(exit_bad, "the node's status names no chain_id");
    return ReadSigner{suite, *key, std::string(chain_id->as_string())};
}

std::string refusal_text(const std::string& method, const RpcOutcome& out, bool signed_request) {
    // The node's message names the method already when it refuses for want of a key.
    const std::string prefix = method + ": ";
    const std::string message = out.error_message.starts_with(prefix) ? out.error_message.substr(prefix.size()) : out.error_message;
    std::string text = method + " refused: " + message + " (" + out.error_reason + ")";
    if (out.error_code == node::unauthorized_code && !signed_request)
        text += "; give --key FILE (a member, auditor, validator or node key in force) or set JCHAIN_READ_KEY";
    return text;
}

RpcOutcome rpc_call(const std::string& url, const std::string& method, json::value params, const ReadSigner* signer) {
    json::object request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
    const std::string text = json::serialize(request);
    auto reply = rpc::http_request("POST", rpc_endpoint(url), text, 10'000, signer ? signer->headers(text) : rpc::HttpHeaders{});
    if (!reply) fail(exit_bad, "cannot reach node at " + url + ": " + reply.message());
    auto body = parse_json(reply->body);
    if (!body || !body->is_object())
        fail(exit_bad, "node answered HTTP " + std::to_string(reply->status) + " with no JSON-RPC body" +
                           (body ? std::string() : " (" + body.message() + ")"));
    const auto& o = body->as_object();
    if (auto* err = o.if_contains("error")) {
        RpcOutcome out;
        out.error_message = err->is_object() && err->as_object().if_contains("message")
                                ? std::string(err->at("message").as_string())
                                : "error";
        if (err->is_object())
            if (auto* code = err->as_object().if_contains("code"); code && code->is_int64())
                out.error_code = static_cast<int>(code->as_int64());
        if (err->is_object())
            if (auto* data = err->as_object().if_contains("data"); data && data->is_object())
                if (auto* r = data->as_object().if_contains("reason"); r && r->is_string()) out.error_reason = r->as_string();
        return out;
    }
    if (auto* result = o.if_contains("result")) return {*result, "", "", 0};
    fail(exit_bad, "node answered without result or error");
}

json::value rpc_result(const std::string& url, const std::string& method, json::value params, const ReadSigner* signer) {
    auto out = rpc_call(url, method, std::move(params), signer);
    if (!out.result) fail(exit_bad, refusal_text(method, out, signer != nullptr));
    return *out.result;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(exit_bad, "cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json::value read_json_file(const std::string& path) {
    // Receipts, genesis files, keys and reports are far smaller; a larger file is refused
    // before it is read, not parsed into memory for minutes.
    constexpr std::uintmax_t json_file_bytes_max = 64u << 20;
    std::error_code ec;
    const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
    if (!ec && bytes > json_file_bytes_max)
        fail(exit_bad, path + " is " + std::to_string(bytes) + " bytes; a JSON file jchain reads is at most " +
                           std::to_string(json_file_bytes_max >> 20) + " MiB");
    auto v = parse_json(read_file(path));
    if (!v) fail(exit_bad, path + " is not valid JSON: " + v.message());
    return *v;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) fail(exit_bad, "cannot write " + path);
}

chain::Hash content_hash_of(const crypto::Suite& suite, const std::string& file, const std::string& hex) {
    if (!file.empty()) {
        auto h = suite.hash_file(file);
        if (!h) fail(exit_bad, h.message());
        return *h;
    }
    auto h = from_hex_fixed<32>(hex);
    if (!h) fail(exit_bad, "--hash must be 64 hex characters (the file's " + std::string(suite.hash_name()) + ")");
    return *h;
}

crypto::Suite suite_arg(const std::string& name, const std::string& sm2_user_id) {
    const std::string full = name == "sm2" ? "sm2-sm3" : name == "secp256k1" ? "secp256k1-sha256" : name;
    auto suite = crypto::Suite::from_name(full, sm2_user_id.empty() ? std::nullopt : std::optional(sm2_user_id));
    if (!suite) fail(exit_bad, "--suite: " + suite.message());
    return *suite;
}

crypto::Suite suite_of_status(const json::value& status) {
    const json::object* o = status.if_object();
    const json::value* name = o ? o->if_contains("suite") : nullptr;
    const json::value* id = o ? o->if_contains("sm2_user_id") : nullptr;
    if (!name) return crypto::Suite::secp256k1_sha256();
    auto suite = name->is_string() && (!id || id->is_string())
                     ? crypto::Suite::from_name(name->as_string(), id ? std::optional<std::string>(id->as_string()) : std::nullopt)
                     : Result<crypto::Suite>(Status::error("suite is not a string"));
    if (!suite) fail(exit_bad, "the node names a crypto suite this jchain does not know: " + suite.message());
    return *suite;
}

chain::Hash parse_hash_arg(const std::string& text, const std::string& what) {
    auto h = from_hex_fixed<32>(text);
    if (!h) fail(exit_bad, what + " must be 64 hex characters");
    return *h;
}

std::vector<chain::Hash> parse_hash_list(const std::string& text, const std::string& what) {
    std::vector<chain::Hash> out;
    std::stringstream s(text);
    std::string item;
    while (std::getline(s, item, ','))
        if (!item.empty()) out.push_back(parse_hash_arg(item, what));
    return out;
}

// A JSON integer as u64 (Boost.JSON parses small non-negative numbers as int64).
std::uint64_t u64(const json::value& v) {
    if (v.is_uint64()) return v.as_uint64();
    if (v.is_int64() && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
    fail(exit_bad, "node sent a malformed number");
}

void print_json(const json::value& v) { std::cout << chain::pretty_json(v); }

std::string format_time(std::uint64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03uZ", buf, static_cast<unsigned>(ms % 1000));
    return out;
}

int report(bool ok, bool as_json, const std::string& what) {
    if (as_json) print_json(json::object{{"valid", ok}});
    else std::cout << what << (ok ? ": VALID\n" : ": INVALID\n");
    if (!ok) std::cerr << "jchain: " << what << " does not verify\n";
    return ok ? exit_ok : exit_no;
}

}  // namespace jchain::cli
