// consensus::decode_wal_entry (consensus/codec.h): the payload of one consensus-log
// frame, read back at restart. Checks: a decoded entry re-encodes to exactly the input.
#include "consensus/codec.h"
#include "fuzz_support.h"

using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteSpan in = fuzz::span_of(data, size);
    auto e = consensus::decode_wal_entry(in);
    if (!e) return 0;
    const Bytes out = consensus::encode_wal_entry(*e);
    FUZZ_CHECK(out.size() == in.size() && std::equal(out.begin(), out.end(), in.begin()));
    if (const auto* lock = std::get_if<consensus::WalLock>(&*e)) FUZZ_CHECK(lock->value != nullptr);
    if (const auto* p = std::get_if<consensus::Proposal>(&*e)) FUZZ_CHECK(p->value != nullptr);
    return 0;
}
