// The Authorization header of a signed read (node/read_access.h; docs/rpc.md, "Who may
// read what"), from any HTTP client: check_read_request on (header, body), the input
// split at its first newline, against the fixed chain's state (a court member, scalar 2)
// at a fixed time. Checks: a refusal has one of the six reason words and a message; an
// admitted request names a key in force, and the same header with the body changed by
// one byte, or checked at a time past the window, is refused.
#include <set>

#include "fuzz_support.h"
#include "node/read_access.h"

using namespace jchain;

namespace {

// The time the seeds were signed at (make_corpus: read_auth_seeds).
constexpr std::uint64_t fuzz_now_ms = 1'700'000'100'000;

const chain::ChainState& state() {
    static const chain::ChainState s = chain::ChainState::from_genesis(test::TestChain().genesis);
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::set<std::string> reasons{"auth_required", "bad_auth_header", "stale_time",
                                               "unknown_key",   "suspended",       "bad_signature"};
    const std::string input = fuzz::string_of(data, size);
    const auto newline = input.find('\n');
    const std::string header = input.substr(0, newline);
    const std::string body = newline == std::string::npos ? std::string() : input.substr(newline + 1);
    const auto verdict = node::check_read_request(state(), 2, header, body, fuzz_now_ms);
    if (const auto* denied = std::get_if<node::ReadDenial>(&verdict)) {
        FUZZ_CHECK(reasons.count(denied->reason) == 1);
        FUZZ_CHECK(!denied->message.empty());
        return 0;
    }
    const node::Reader& reader = std::get<node::Reader>(verdict);
    FUZZ_CHECK(state().member_at(reader.key, 2) || state().validators.find(reader.key));
    std::string changed = body;
    if (changed.empty()) changed = "x";
    else changed.back() = static_cast<char>(changed.back() ^ 1);
    FUZZ_CHECK(std::holds_alternative<node::ReadDenial>(node::check_read_request(state(), 2, header, changed, fuzz_now_ms)));
    const std::uint64_t later = fuzz_now_ms + 2 * state().params.client_time_window_ms + 1;
    FUZZ_CHECK(std::holds_alternative<node::ReadDenial>(node::check_read_request(state(), 2, header, body, later)));
    return 0;
}
