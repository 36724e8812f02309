// consensus::decode_certified (consensus/codec.h): a block with its records and commit
// certificate, as block sync receives it (frame type 5) and backup files hold it.
// Checks: a decoded block re-encodes to exactly the input; the JSON forms RPC would show
// of it (header, certificate, records) can be made; the certificate check and the block
// hash run on whatever decoded.
#include "chain/json_codec.h"
#include "consensus/codec.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteSpan in = fuzz::span_of(data, size);
    auto b = consensus::decode_certified(in);
    if (!b) return 0;
    FUZZ_CHECK(b->value != nullptr);
    const Bytes out = consensus::encode_certified(*b->value, b->certificate);
    FUZZ_CHECK(out.size() == in.size() && std::equal(out.begin(), out.end(), in.begin()));
    const auto& header = b->value->block.header;
    (void)chain::header_to_json(header);
    (void)chain::certificate_to_json(default_suite, header.chain_id, b->certificate);
    for (const auto& r : b->value->records) (void)chain::record_to_json(default_suite, r);
    static const fuzz::FuzzChain fixture;
    (void)chain::check_certificate(default_suite, fixture.tc.genesis.chain_id, header.height, b->value->hash(default_suite), b->certificate,
                                   fixture.tc.genesis.validators);
    return 0;
}
