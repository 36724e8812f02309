// What the `jchain` commands share: exit codes, failing a command with a message, JSON-RPC
// calls to a node, files, hashes given on the command line, printing.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/record.h"
#include "rpc/http_client.h"

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

// Signs requests for the methods a node serves to members and auditors only (get_block,
// get_record, case_history; docs/rpc.md, "Who may read what") with the key of a member,
// auditor, validator or observer node in force.
struct ReadSigner {
    crypto::Suite suite;
    crypto::KeyPair key;
    std::string chain_id;
    // The Authorization header for `body`, signed now.
    rpc::HttpHeaders headers(const std::string& body) const;
};
// The key file: `key_file`, else $JCHAIN_READ_KEY; nullopt when neither names one (then
// requests go unsigned: a node may serve these methods to anyone). The chain's suite and
// id come from the node's `status`; a key of another suite ends the command.
std::optional<ReadSigner> read_signer(const std::string& rpc, const std::string& key_file);

// One JSON-RPC call, signed when `signer` is given. An unreachable node or a reply that
// is not JSON-RPC ends the command.
struct RpcOutcome {
    std::optional<json::value> result;
    std::string error_reason;
    std::string error_message;
    int error_code = 0;
};
RpcOutcome rpc_call(const std::string& url, const std::string& method, json::value params,
                    const ReadSigner* signer = nullptr);
// The result of a call; an RPC error ends the command with exit 2.
json::value rpc_result(const std::string& url, const std::string& method, json::value params = json::object{},
                       const ReadSigner* signer = nullptr);
// The command's message for a refusal (adds how to sign when the node wants a key).
std::string refusal_text(const std::string& method, const RpcOutcome& out, bool signed_request);

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
