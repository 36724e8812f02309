// chain::verify_receipt (chain/receipt.h) on arbitrary JSON text, against the genesis of
// the fixed fuzz chain (fuzz_support.h), with and without a file hash. Seeds are real
// receipts of that chain (make_corpus), and the same under an sm2-sm3 genesis. Checks: it never throws; a verdict is ok exactly
// when every check passed; an ok verdict has its record and header, the record's content
// hash is the file hash asked about, and the header is of this chain.
#include <boost/json.hpp>

#include "base/json.h"
#include "chain/receipt.h"
#include "fuzz_support.h"

namespace json = boost::json;
using namespace jchain;

namespace {

void check(const chain::ReceiptVerdict& v, const chain::Genesis& genesis, const std::optional<chain::Hash>& file) {
    const bool all = !v.checks.empty() &&
                     std::all_of(v.checks.begin(), v.checks.end(), [](const chain::ReceiptCheck& c) { return c.ok; });
    FUZZ_CHECK(v.ok == all);
    if (!v.ok) return;
    FUZZ_CHECK(v.record && v.header);
    FUZZ_CHECK(v.header->chain_id == genesis.chain_id);
    FUZZ_CHECK(v.record->chain_id == genesis.chain_id);
    if (file) FUZZ_CHECK(v.record->content_hash == *file);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fuzz::FuzzChain fixture;
    // Outside JSON is parsed as the node parses it: strictly (base/json.h).
    const auto parsed = parse_json(fuzz::string_of(data, size));
    if (!parsed) return 0;
    const json::value& receipt = *parsed;
    chain::ReceiptVerdict verdict;
    try {
        verdict = chain::verify_receipt(receipt, fixture.tc.genesis, std::nullopt);
    } catch (...) {
        FUZZ_CHECK(!"verify_receipt threw");
    }
    check(verdict, fixture.tc.genesis, std::nullopt);
    if (verdict.record) {
        const chain::Hash file = verdict.record->content_hash;
        try {
            verdict = chain::verify_receipt(receipt, fixture.tc.genesis, file);
        } catch (...) {
            FUZZ_CHECK(!"verify_receipt threw");
        }
        check(verdict, fixture.tc.genesis, file);
    }
    // The same text against an sm2-sm3 genesis: the SM2 key, DER and signature parsers and
    // the SM3 paths see every input too (a seed whose "suite" a mutation turns to
    // sm2-sm3 gets past the suite check).
    static const chain::Genesis sm2_genesis = [] {
        chain::Genesis g = fixture.tc.genesis;
        g.suite = crypto::Suite::sm2_sm3();
        return g;
    }();
    try {
        verdict = chain::verify_receipt(receipt, sm2_genesis, std::nullopt);
    } catch (...) {
        FUZZ_CHECK(!"verify_receipt threw under sm2-sm3");
    }
    check(verdict, sm2_genesis, std::nullopt);
    return 0;
}
