// chain::genesis_from_json (chain/genesis.h) on parsed JSON text: the genesis file an
// operator is handed. Checks: a genesis that decodes re-encodes to JSON that decodes to
// the same genesis (same genesis_bytes, so the same hash: the prev_hash of block 1) and
// the same JSON; its parameters pass check_params; members, observer nodes and validators
// are sorted by key without repeats, and no node key is a member key.
#include <boost/json.hpp>

#include "base/json.h"
#include "chain/genesis.h"
#include "fuzz_support.h"

namespace json = boost::json;
using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Outside JSON is parsed as the node parses it: strictly (base/json.h).
    const auto parsed = parse_json(fuzz::string_of(data, size));
    if (!parsed) return 0;
    const json::value& value = *parsed;
    auto g = chain::genesis_from_json(value);
    if (!g) return 0;
    FUZZ_CHECK(!chain::check_params(g->params));
    for (std::size_t i = 1; i < g->members.size(); ++i) FUZZ_CHECK(g->members[i - 1].key < g->members[i].key);
    const auto& vs = g->validators.validators;
    for (std::size_t i = 1; i < vs.size(); ++i) FUZZ_CHECK(vs[i - 1].key < vs[i].key);
    for (const auto& m : g->members) FUZZ_CHECK(g->find_member(m.key) != nullptr);
    // Observer nodes: sorted, and never a member's or a validator's key.
    for (std::size_t i = 1; i < g->nodes.size(); ++i) FUZZ_CHECK(g->nodes[i - 1].key < g->nodes[i].key);
    for (const auto& n : g->nodes)
        FUZZ_CHECK(g->find_node(n.key) != nullptr && !g->find_member(n.key) && !g->validators.find(n.key));
    for (const auto& m : g->members) FUZZ_CHECK(!g->find_node(m.key) && !g->validators.find(m.key));
    (void)g->validators.total_power();

    const json::value once = chain::genesis_to_json(*g);
    auto again = chain::genesis_from_json(once);
    FUZZ_CHECK(again);
    FUZZ_CHECK(chain::genesis_bytes(*again) == chain::genesis_bytes(*g));
    FUZZ_CHECK(chain::genesis_to_json(*again) == once);
    return 0;
}
