// The JSON forms of the data model (chain/json_codec.h), as RPC clients send records and
// receipts carry headers, certificates and validator sets: record_from_json,
// header_from_json, certificate_from_json and validator_set_from_json, each on the same
// parsed input. Checks, for each that decodes: its re-encoding decodes again and
// re-encodes to the same JSON (one value, one form); a record or header from JSON gives
// canonical bytes (docs/encoding.md) that chain::parse_record / parse_header read back
// to the same bytes, so JSON admission never lets in what the wire would refuse. Also the
// chain state (a receipt's state view, the store's whole state) and governance metadata:
// each that decodes re-encodes to the same form.
#include <boost/json.hpp>

#include "base/json.h"
#include "chain/decode.h"
#include "chain/json_codec.h"
#include "chain/state.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

namespace json = boost::json;
using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Outside JSON is parsed as the node parses it: strictly (base/json.h).
    const auto parsed = parse_json(fuzz::string_of(data, size));
    if (!parsed) return 0;
    const json::value& value = *parsed;

    if (auto r = chain::record_from_json(default_suite, value)) {
        const json::value once = chain::record_to_json(default_suite, *r);
        auto again = chain::record_from_json(default_suite, once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::record_to_json(default_suite, *again) == once);
        const Bytes bytes = chain::record_signed_bytes(*r);
        auto parsed = chain::parse_record(bytes, r->signature);
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(chain::record_signed_bytes(*parsed) == bytes);
        FUZZ_CHECK(chain::record_id(default_suite, *parsed) == chain::record_id(default_suite, *r));
        (void)chain::verify_record_signature(default_suite, *r);
    }
    if (auto h = chain::header_from_json(default_suite, value)) {
        const json::value once = chain::header_to_json(*h);
        auto again = chain::header_from_json(default_suite, once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::header_to_json(*again) == once);
        const Bytes bytes = chain::header_bytes(*h);
        auto parsed = chain::parse_header(bytes);
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(chain::header_bytes(*parsed) == bytes);
    }
    if (auto c = chain::certificate_from_json(default_suite, value)) {
        const json::value once = chain::certificate_to_json(default_suite, "fuzz-chain", *c);
        auto again = chain::certificate_from_json(default_suite, once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::certificate_to_json(default_suite, "fuzz-chain", *again) == once);
        chain::ValidatorSet set;
        for (const auto& s : c->signatures) set.validators.push_back({"v", s.validator, 1});
        std::sort(set.validators.begin(), set.validators.end(),
                  [](const chain::Validator& a, const chain::Validator& b) { return a.key < b.key; });
        (void)chain::check_certificate(default_suite, "fuzz-chain", c->height, c->block_hash, *c, set);
    }
    if (auto s = chain::validator_set_from_json(default_suite, value)) {
        const json::value once = chain::validator_set_to_json(default_suite, *s);
        auto again = chain::validator_set_from_json(default_suite, once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::validator_set_to_json(default_suite, *again) == once);
        (void)s->total_power();
        (void)s->is_quorum(s->total_power());
    }
    // A receipt's state (members, policy, params) and the state a store keeps.
    if (auto v = chain::state_view_from_json(default_suite, value)) {
        const json::value once = chain::state_view_to_json(*v);
        auto again = chain::state_view_from_json(default_suite, once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::state_view_bytes(*again) == chain::state_view_bytes(*v));
    }
    if (auto st = chain::state_from_json(value)) {
        const std::string once = json::serialize(chain::state_to_json(*st));
        auto again = chain::state_from_json(json::parse(once));
        FUZZ_CHECK(again);
        FUZZ_CHECK(json::serialize(chain::state_to_json(*again)) == once);
        (void)chain::state_hash(*st, st->height + 1);
    }
    // Governance metadata, as a record carries it: a proposal re-encodes to metadata that
    // parses to the same action.
    if (value.is_object()) {
        chain::Record carrier;
        bool strings = true;
        for (const auto& [k, v] : value.as_object()) {
            if (!v.is_string()) { strings = false; break; }
            carrier.metadata[std::string(k)] = std::string(v.as_string());
        }
        if (strings)
            if (auto g = chain::parse_governance(default_suite, carrier); g && !g->approve) {
                chain::Record again;
                again.metadata = chain::governance_metadata(g->action, g->expires_after);
                auto back = chain::parse_governance(default_suite, again);
                FUZZ_CHECK(back);
                FUZZ_CHECK(chain::governance_metadata(back->action, back->expires_after) == again.metadata);
            }
    }
    return 0;
}
