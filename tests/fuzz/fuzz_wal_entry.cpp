// consensus::decode_wal_entry (consensus/codec.h): the payload of one consensus-log
// frame, read back at restart. Checks: a decoded entry re-encodes to exactly the input,
// and holds a block exactly when its kind says so.
#include "consensus/codec.h"
#include "fuzz_support.h"

using namespace jchain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteSpan in = fuzz::span_of(data, size);
    auto e = consensus::decode_wal_entry(in);
    if (!e) return 0;
    const Bytes out = consensus::encode_wal_entry(*e);
    FUZZ_CHECK(out.size() == in.size() && std::equal(out.begin(), out.end(), in.begin()));
    // A lock or own proposal holds its block, except the entry kinds that name a block
    // logged earlier at the height by hash (tags 5 and 6).
    if (const auto* lock = std::get_if<consensus::WalLock>(&*e)) FUZZ_CHECK((lock->value != nullptr) == (in[0] == 4));
    if (const auto* p = std::get_if<consensus::Proposal>(&*e)) FUZZ_CHECK((p->value != nullptr) == (in[0] == 1));
    return 0;
}
