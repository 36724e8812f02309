// Who may read what over RPC (docs/rpc.md, "Who may read what"). Methods that list
// records (get_block with its record ids, get_record) answer only
// requests signed by a key in force at the tip: a member of any role (auditor included),
// a validator, or an observer node; node.toml rpc.public_methods opens them to anyone.
// Everything else (status, verify_hash with a content hash, get_receipt with a record
// id, checkpoints, submit_record, the page) stays public.
//
// A signed request carries one HTTP header:
//   Authorization: JChain-Sig key=<66 hex>,time=<ms since epoch>,sig=<DER hex>
// where sig is the chain suite's signature of H(read_signed_bytes(...)), H the suite's
// hash, over the exact request body. Pure functions: the caller passes the state and the
// time; nothing here reads a clock or a store. Thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "chain/state.h"
#include "crypto/suite.h"

namespace jchain::node {

// The JSON-RPC error code of every refusal here; data.reason says which one.
inline constexpr int unauthorized_code = -32091;
inline constexpr std::string_view read_tag = "jchain/read/v1";
inline constexpr std::string_view auth_scheme = "JChain-Sig";
// An Authorization value longer than this is refused before it is parsed.
inline constexpr std::size_t auth_header_bytes_max = 512;

// The methods that need a signed request unless node.toml rpc.public_methods names them.
const std::vector<std::string>& keyed_methods();
bool is_keyed_method(std::string_view method);

// Whether a call needs a signed request: a keyed method not opened in node.toml.
// get_block with {"header_only": true} (the header and certificate, no record ids) is
// public: it names no record.
bool call_needs_key(std::string_view method, const boost::json::value& params,
                    const std::vector<std::string>& public_methods);

// The bytes whose suite hash a reader signs (docs/rpc.md): str(tag) str(chain_id)
// key(33) u64(time_ms) body_hash(32), str = u32 big-endian length then the bytes.
Bytes read_signed_bytes(std::string_view chain_id, const crypto::PublicKey& key, std::uint64_t time_ms,
                        const crypto::Hash& body_hash);
// The digest signed: H(read_signed_bytes(chain_id, key, time_ms, H(body))).
crypto::Hash read_digest(const crypto::Suite& suite, std::string_view chain_id, const crypto::PublicKey& key,
                 std::uint64_t time_ms, std::string_view body);
// The Authorization header value for `body`, signed with `key` at `time_ms`.
std::string read_authorization(const crypto::Suite& suite, const crypto::KeyPair& key, std::string_view chain_id,
                               std::uint64_t time_ms, std::string_view body);

// Who signed an admitted request.
struct Reader {
    crypto::PublicKey key;
    std::string name;
    std::string role;  // the member's role, or "validator" or "node"
};

// Why a request is refused: data.reason (auth_required, bad_auth_header, stale_time,
// unknown_key, suspended, bad_signature) and one sentence.
struct ReadDenial {
    std::string reason;
    std::string message;
};

// Checks a request's Authorization value (empty: none sent) against `state`, the chain
// state at the tip, for the next height `height`, at the node's time `now_ms`.
// Cheapest first: the header's form, the time within params.client_time_window_ms of
// now, the key in force, then the body's hash and the signature.
std::variant<Reader, ReadDenial> check_read_request(const chain::ChainState& state, std::uint64_t height,
                                                    std::string_view authorization, std::string_view body,
                                                    std::uint64_t now_ms);

}  // namespace jchain::node
