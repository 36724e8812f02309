#include <doctest/doctest.h>

#include "chain/record.h"
#include "chain/record_privacy.h"
#include "tests/support/test_chain.h"

using namespace jchain;

TEST_CASE("clear text (case ids on the client, governance values on chain) must be clean UTF-8: no bad sequences, overlongs, surrogates or controls") {
    test::TestChain tc;
    auto with_value = [&](std::string text) {
        chain::Record r = tc.record(1, tc.court, chain::Kind::governance);
        r.case_tag.clear();
        r.metadata["note"] = std::move(text);
        return chain::check_record_shape(r);
    };
    for (const std::string good : {"(2026)京0105民初123号", "plain", "é", "€", "𝄞 clef", ""}) {
        CAPTURE(good);
        CHECK(chain::is_clean_utf8(good));
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
        CHECK_FALSE(chain::is_clean_utf8(b));
        CHECK(with_value(b).has_value());
    }
}

TEST_CASE("the privacy rule: an ordinary record carries a case tag and commitments, never clear text") {
    test::TestChain tc;
    const std::string commitment = chain::metadata_commitment(tc.suite, "file_name", "合同.pdf", Bytes(16, 7));
    const std::string tag = chain::case_tag(tc.suite, chain::CaseKey{}, tc.genesis.chain_id, "(2026)京0105民初123号");
    auto shape = [&](chain::Kind kind, std::string case_tag, std::map<std::string, std::string> md) {
        chain::Record r = tc.record(1, tc.court, kind);
        r.case_tag = std::move(case_tag);
        r.metadata = std::move(md);
        if (kind == chain::Kind::correction || kind == chain::Kind::handover) r.refs = {chain::Hash{}};
        return chain::check_record_shape(r);
    };
    CHECK(shape(chain::Kind::evidence, tag, {{"file_name", commitment}}) == std::nullopt);
    CHECK(shape(chain::Kind::evidence, "", {}) == std::nullopt);
    CHECK(shape(chain::Kind::handover, tag, {{"to", commitment}}) == std::nullopt);
    CHECK(shape(chain::Kind::correction, tag, {{"action", "revoke"}, {"reason", commitment}}) == std::nullopt);
    // A case id in clear, a tag in upper case or of the wrong length: refused.
    CHECK(shape(chain::Kind::evidence, "(2026)沪0107未检1号", {}).has_value());
    CHECK(shape(chain::Kind::evidence, std::string(64, 'A'), {}).has_value());
    CHECK(shape(chain::Kind::evidence, tag.substr(1), {}).has_value());
    // Free text in clear on an ordinary record is refused, whatever the kind.
    for (chain::Kind kind : {chain::Kind::evidence, chain::Kind::service, chain::Kind::notice, chain::Kind::judgment,
                             chain::Kind::order, chain::Kind::operation, chain::Kind::handover, chain::Kind::correction}) {
        CAPTURE(chain::kind_name(kind));
        auto problem = shape(kind, tag, {{"victim", "张某"}});
        REQUIRE(problem.has_value());
        CHECK(problem->find("commitment") != std::string::npos);
        CHECK(shape(kind, tag, {{"age", "14"}}).has_value());
        CHECK(shape(kind, tag, {{"note", std::string(64, 'G')}}).has_value());
    }
    // A correction's reason is no exception; its action is, and only amend or revoke.
    CHECK(shape(chain::Kind::correction, tag, {{"action", "revoke"}, {"reason", "wrong file"}}).has_value());
    CHECK(shape(chain::Kind::correction, tag, {{"action", commitment}}).has_value());
    // Governance records keep their values in clear (the state rule reads them) and belong to no case.
    CHECK(shape(chain::Kind::governance, "", {{"action", "approve"}}) == std::nullopt);
    CHECK(shape(chain::Kind::governance, tag, {{"action", "approve"}}).has_value());
}
