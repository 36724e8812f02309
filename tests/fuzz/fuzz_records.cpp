// consensus::decode_records (consensus/codec.h): a batch of gossiped records (frame
// type 2). Checks: a decoded batch re-encodes to exactly the input; every record has
// the shape of a record (a peer's record is checked by admission like a client's, so
// check_record_shape and the id must run on anything the codec lets through).
#include "chain/json_codec.h"
#include "consensus/codec.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteSpan in = fuzz::span_of(data, size);
    auto records = consensus::decode_records(in);
    if (!records) return 0;
    const Bytes out = consensus::encode_records(*records);
    FUZZ_CHECK(out.size() == in.size() && std::equal(out.begin(), out.end(), in.begin()));
    for (const auto& r : *records) {
        (void)chain::check_record_shape(r);
        (void)chain::record_id(default_suite, r);
        (void)chain::record_to_json(default_suite, r);
    }
    return 0;
}
