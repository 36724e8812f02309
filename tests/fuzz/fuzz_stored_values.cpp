// What storage/leveldb_store.cpp reads back from LevelDB values: blocks ('b' keys),
// commit certificates ('q') and stored records ('r': the record with its height and
// leaf), all through chain::from_cereal (chain/cereal_codec.h, chain/serialize.h). The
// store's record wrapper (`Stored`) is file-local; `StoredRecord` below serialises the
// same three fields in the same order, so it reads the same bytes. The other values
// (tip height, hash index, tree nodes: fixed-size, checked inline) have no decoder.
// The first input byte picks the type. Checks: from_cereal never throws; a decoded
// value is usable as the store's callers use it (ids, hashes, JSON forms), and its
// re-encoding decodes to a value that encodes the same.
#include "chain/cereal_codec.h"
#include "chain/json_codec.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

struct StoredRecord {
    chain::Record record;
    std::uint64_t height = 0;
    std::uint64_t leaf_index = 0;
    template <class Archive>
    void serialize(Archive& ar) { ar(record, height, leaf_index); }
};

template <class T>
std::optional<T> decode(std::string_view bytes) {
    try {
        return chain::from_cereal<T>(bytes);
    } catch (...) {
        FUZZ_CHECK(!"from_cereal threw");
    }
    return std::nullopt;
}

template <class T>
void round_trip(const T& value) {
    const std::string once = chain::to_cereal(value);
    auto again = decode<T>(once);
    FUZZ_CHECK(again);
    FUZZ_CHECK(chain::to_cereal(*again) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0:
            if (auto b = decode<chain::Block>(bytes)) {
                (void)chain::block_hash(default_suite, b->header);
                (void)chain::header_to_json(b->header);
                round_trip(*b);
            }
            break;
        case 1:
            if (auto c = decode<chain::CommitCertificate>(bytes)) {
                (void)chain::certificate_to_json(default_suite, "jchain-test", *c);
                round_trip(*c);
            }
            break;
        default:
            if (auto s = decode<StoredRecord>(bytes)) {
                (void)chain::record_id(default_suite, s->record);
                (void)chain::record_to_json(default_suite, s->record);
                (void)chain::check_record_shape(s->record);
                round_trip(*s);
            }
            break;
    }
    return 0;
}
