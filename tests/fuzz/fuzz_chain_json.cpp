// The JSON forms of the data model (chain/json_codec.h), as RPC clients send records and
// receipts carry headers, certificates and validator sets: record_from_json,
// header_from_json, certificate_from_json and validator_set_from_json, each on the same
// parsed input. Checks, for each that decodes: its re-encoding decodes again and
// re-encodes to the same JSON (one value, one form); a record or header from JSON gives
// canonical bytes (docs/encoding.md) that chain::parse_record / parse_header read back
// to the same bytes, so JSON admission never lets in what the wire would refuse.
#include <boost/json.hpp>

#include "base/json.h"
#include "chain/decode.h"
#include "chain/json_codec.h"
#include "fuzz_support.h"

namespace json = boost::json;
using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Outside JSON is parsed as the node parses it: strictly (base/json.h).
    const auto parsed = parse_json(fuzz::string_of(data, size));
    if (!parsed) return 0;
    const json::value& value = *parsed;

    if (auto r = chain::record_from_json(value)) {
        const json::value once = chain::record_to_json(*r);
        auto again = chain::record_from_json(once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::record_to_json(*again) == once);
        const Bytes bytes = chain::record_signed_bytes(*r);
        auto parsed = chain::parse_record(bytes, r->signature);
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(chain::record_signed_bytes(*parsed) == bytes);
        FUZZ_CHECK(chain::record_id(*parsed) == chain::record_id(*r));
        (void)chain::verify_record_signature(*r);
    }
    if (auto h = chain::header_from_json(value)) {
        const json::value once = chain::header_to_json(*h);
        auto again = chain::header_from_json(once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::header_to_json(*again) == once);
        const Bytes bytes = chain::header_bytes(*h);
        auto parsed = chain::parse_header(bytes);
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(chain::header_bytes(*parsed) == bytes);
    }
    if (auto c = chain::certificate_from_json(value)) {
        const json::value once = chain::certificate_to_json("fuzz-chain", *c);
        auto again = chain::certificate_from_json(once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::certificate_to_json("fuzz-chain", *again) == once);
        chain::ValidatorSet set;
        for (const auto& s : c->signatures) set.validators.push_back({"v", s.validator, 1});
        std::sort(set.validators.begin(), set.validators.end(),
                  [](const chain::Validator& a, const chain::Validator& b) { return a.key < b.key; });
        (void)chain::check_certificate("fuzz-chain", c->height, c->block_hash, *c, set);
    }
    if (auto s = chain::validator_set_from_json(value)) {
        const json::value once = chain::validator_set_to_json(*s);
        auto again = chain::validator_set_from_json(once);
        FUZZ_CHECK(again);
        FUZZ_CHECK(chain::validator_set_to_json(*again) == once);
        (void)s->total_power();
        (void)s->is_quorum(s->total_power());
    }
    return 0;
}
