// chain::parse_record, parse_header and parse_vote (chain/decode.h): canonical signed
// bytes (docs/encoding.md) back into values. The first input byte picks the decoder,
// the rest is its input (for a record, a 64-byte compact signature follows the byte).
// Checks: a parse succeeds only for bytes that re-encode exactly (one value, one
// encoding); a parsed value's JSON form decodes back to the same bytes wherever the
// JSON decoder accepts it.
#include "chain/decode.h"
#include "chain/json_codec.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

bool same(const Bytes& a, ByteSpan b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t which = data[0] % 3;
    ByteSpan in = fuzz::span_of(data + 1, size - 1);
    if (which == 0) {
        chain::Signature sig;
        if (in.size() < sig.bytes.size()) return 0;
        std::copy_n(in.begin(), sig.bytes.size(), sig.bytes.begin());
        in = in.subspan(sig.bytes.size());
        auto r = chain::parse_record(in, sig);
        if (!r) return 0;
        FUZZ_CHECK(same(chain::record_signed_bytes(*r), in));
        FUZZ_CHECK(r->signature == sig);
        (void)chain::verify_record_signature(default_suite, *r);
        // The JSON decoder is stricter (record shape, a valid submitter key and a
        // low-S signature); where it accepts the JSON form, the bytes are the same.
        if (auto back = chain::record_from_json(default_suite, chain::record_to_json(default_suite, *r)))
            FUZZ_CHECK(same(chain::record_signed_bytes(*back), in));
    } else if (which == 1) {
        auto h = chain::parse_header(in);
        if (!h) return 0;
        FUZZ_CHECK(same(chain::header_bytes(*h), in));
        (void)chain::block_hash(default_suite, *h);
        if (auto back = chain::header_from_json(default_suite, chain::header_to_json(*h)))
            FUZZ_CHECK(same(chain::header_bytes(*back), in));
    } else {
        auto v = chain::parse_vote(in);
        if (!v) return 0;
        FUZZ_CHECK(same(chain::vote_signed_bytes(*v), in));
    }
    return 0;
}
