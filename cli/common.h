// What the `jchain` commands share: exit codes, failing a command with a message, JSON-RPC
// calls to a node, files, hashes given on the command line, printing.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/record.h"

namespace jchain::cli {

namespace json = boost::json;

// Exit codes: 0 success, 1 a check said no, 2 bad usage or input, or the work could not
// be done (node unreachable, I/O error).
constexpr int exit_ok = 0;
constexpr int exit_no = 1;
constexpr int exit_bad = 2;

// A failure that ends the command: the message goes to stderr as one line.
struct CliError {
    int code;
    std::string message;
};

[[noreturn]] void fail(int code, std::string message);

// A store another process holds open (storage says "is the node running?") gets the
// command's way around it; other errors stand as they are.
std::string busy_store_hint(const std::string& message, std::string_view what_to_do);
bool stderr_is_terminal();

// The node to talk to: --rpc, else $JCHAIN_RPC, else the devnet's address.
std::string default_rpc();
// A node's URL as given (host:port, http://host:port, .../rpc) as its JSON-RPC endpoint.
std::string rpc_endpoint(std::string url);

// One JSON-RPC call. An unreachable node or a reply that is not JSON-RPC ends the command.
struct RpcOutcome {
    std::optional<json::value> result;
    std::string error_reason;
    std::string error_message;
};
RpcOutcome rpc_call(const std::string& url, const std::string& method, json::value params);
// The result of a call; an RPC error ends the command with exit 2.
json::value rpc_result(const std::string& url, const std::string& method, json::value params = json::object{});

std::string read_file(const std::string& path);
json::value read_json_file(const std::string& path);  // strict (base/json.h)
void write_file(const std::string& path, const std::string& text);

// SHA-256 of `file`, or the hash given in hex (exactly one of them).
// The content hash: the chain suite's hash of the file (SHA-256 or SM3), or --hash.
chain::Hash content_hash_of(const crypto::Suite& suite, const std::string& file, const std::string& hex);
// --suite NAME (secp256k1-sha256 or sm2-sm3; "secp256k1" and "sm2" name them too) and
// --sm2-user-id ID (sm2-sm3 only; empty: the default 1234567812345678). Fails on others.
crypto::Suite suite_arg(const std::string& name, const std::string& sm2_user_id);
// The chain's suite, from a node's `status` (a node older than suites names none).
crypto::Suite suite_of_status(const json::value& status);
chain::Hash parse_hash_arg(const std::string& text, const std::string& what);
std::vector<chain::Hash> parse_hash_list(const std::string& text, const std::string& what);
// A JSON integer as u64 (Boost.JSON parses small non-negative numbers as int64).
std::uint64_t u64(const json::value& v);

void print_json(const json::value& v);
std::string format_time(std::uint64_t ms);
// VALID / INVALID for a check, exit 0 or 1.
int report(bool ok, bool as_json, const std::string& what);

}  // namespace jchain::cli
