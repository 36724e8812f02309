// consensus::decode_message (consensus/codec.h): proposals and votes as peers send them
// (frame type 1). Checks: a decoded message re-encodes to exactly the input (the codec
// is canonical: headers, records and votes are their signed bytes, counts and lengths
// exact), and what the node then does with one without checking signatures first
// (height, round, sender, the proposal's signed bytes, the value's hash) is safe.
#include "consensus/codec.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteSpan in = fuzz::span_of(data, size);
    auto m = consensus::decode_message(in);
    if (!m) return 0;
    const Bytes out = consensus::encode_message(*m);
    FUZZ_CHECK(out.size() == in.size() && std::equal(out.begin(), out.end(), in.begin()));
    (void)consensus::message_height(*m);
    (void)consensus::message_round(*m);
    (void)consensus::message_sender(*m);
    if (const auto* p = std::get_if<consensus::Proposal>(&*m)) {
        FUZZ_CHECK(p->value != nullptr);
        (void)consensus::proposal_signed_bytes(p->value->block.header.chain_id, *p);
        (void)p->value->hash(default_suite);
        FUZZ_CHECK(p->pol_round >= consensus::no_round);
    }
    return 0;
}
