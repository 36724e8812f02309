#include <doctest/doctest.h>

#include "chain/record.h"
#include "tests/support/test_chain.h"

using namespace jchain;

TEST_CASE("case ids and metadata values must be clean UTF-8: no bad sequences, overlongs, surrogates or controls") {
    test::TestChain tc;
    auto with_case = [&](std::string text) {
        chain::Record r = tc.record(1, tc.court);
        r.case_id = std::move(text);
        return chain::check_record_shape(r);
    };
    auto with_value = [&](std::string text) {
        chain::Record r = tc.record(1, tc.court);
        r.metadata["note"] = std::move(text);
        return chain::check_record_shape(r);
    };
    for (const std::string good : {"(2026)京0105民初123号", "plain", "é", "€", "𝄞 clef", ""}) {
        CAPTURE(good);
        CHECK(with_case(good) == std::nullopt);
        CHECK(with_value(good) == std::nullopt);
    }
    const std::string bad[] = {
        "\xc3",              // a lead byte with nothing after it
        "a\xe2\x82",         // a three-byte sequence cut short at the end
        "\x80",              // a continuation byte alone
        "\xc0\xaf",          // overlong '/'
        "\xe0\x80\xaf",      // overlong again
        "\xed\xa0\x80",      // a UTF-16 surrogate
        "\xf4\x90\x80\x80",  // beyond U+10FFFF
        "\xff",              // never valid
        "line\nbreak",       // a control character
        std::string("nul\0", 4),
        "del\x7f",
    };
    for (const auto& b : bad) {
        CAPTURE(to_hex(as_bytes(b)));
        CHECK(with_case(b).has_value());
        CHECK(with_value(b).has_value());
    }
}
