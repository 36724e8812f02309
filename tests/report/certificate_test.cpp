// The deposit certificate (report/certificate.h, docs/certificate.md): only a receipt
// that verifies can be certified, and it renders as a one-page A4 PDF with its CJK text
// embedded so that it can be extracted. The page's text and QR code are read back with
// poppler and zbar in tests/process/test_certificate.py.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "chain/json_codec.h"
#include "chain/receipt.h"
#include "report/certificate.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
namespace json = boost::json;

namespace {

const std::string tmpl = "https://court.example/jchain/#record={record_id}";

// At exit, the caches fontconfig, cairo and pango keep for the life of the process are
// let go, so that LeakSanitizer (scripts/sanitize.sh) reports only what a render leaked.
struct ReleaseFontCaches {
    ~ReleaseFontCaches() {
        pango_cairo_font_map_set_default(nullptr);
        FcFini();
    }
} release_font_caches;

// A one-block chain whose only record is `target`, certified by `signers` (all of the
// genesis validators unless fewer are given): the receipt as get_receipt builds it.
struct OneBlock {
    test::TestChain tc;
    std::vector<crypto::KeyPair> validators = {tc.validator};
    chain::Record target;

    explicit OneBlock(std::size_t validator_count = 1, const std::string& name_prefix = "v") {
        tc.genesis.validators.validators.clear();
        for (std::size_t i = 1; i < validator_count; ++i) validators.push_back(test::key_from_scalar(std::uint8_t(10 + i)));
        for (std::size_t i = 0; i < validators.size(); ++i)
            tc.genesis.validators.validators.push_back({name_prefix + std::to_string(i), validators[i].public_key, i % 3 + 1});
        std::sort(tc.genesis.validators.validators.begin(), tc.genesis.validators.validators.end(),
                  [](const chain::Validator& a, const chain::Validator& b) { return a.key < b.key; });
        target.chain_id = tc.genesis.chain_id;
        target.kind = chain::Kind::evidence;
        target.content_hash = crypto::sha256(as_bytes(std::string("contract scan, page 1\n")));
        target.case_tag = chain::case_tag(tc.suite, chain::CaseKey{}, tc.genesis.chain_id, "(2026)京0105民初123号");
        target.metadata = {{"source", chain::metadata_commitment(tc.suite, "source", "upload", Bytes(16, 1))}};
        target.client_time_ms = 1'700'000'000'500;
        target.nonce = 77;
        chain::sign_record(default_suite, target, tc.court);
    }

    json::value receipt() const {
        const chain::Hash id = chain::record_id(default_suite, target);
        auto built = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(tc.genesis), 1), 0,
                                        chain::genesis_hash(tc.genesis), tc.genesis.genesis_time_ms + 1000, {}, {id},
                                        std::span(&target, 1), tc.validator.public_key);
        const chain::Hash hash = chain::block_hash(default_suite, built.block.header);
        chain::CommitCertificate cert{1, 0, hash, {}};
        for (const auto& v : validators) cert.signatures.push_back(chain::sign_precommit(default_suite, tc.genesis.chain_id, 1, 0, hash, v));
        std::sort(cert.signatures.begin(), cert.signatures.end(),
                  [](const chain::CommitSignature& a, const chain::CommitSignature& b) { return a.validator < b.validator; });
        const chain::ChainState state = chain::ChainState::from_genesis(tc.genesis);
        return chain::make_receipt({tc.suite, target, 0, {}, built.block.header, cert, tc.genesis.validators,
                                    chain::StateView{state.members_at(1), state.policy, state.params}, {}});
    }
};

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

// Page objects of a cairo PDF: "/Type /Page" not followed by "s" (that is the page tree).
std::size_t pages(const std::string& pdf) { return count(pdf, "/Type /Page\n") + count(pdf, "/Type /Page ") + count(pdf, "/Type /Page/"); }

}  // namespace

TEST_CASE("a receipt that verifies renders as a one-page PDF with its CJK font embedded and mapped to Unicode") {
    OneBlock chain;
    auto v = report::VerifiedReceipt::verify(chain.receipt(), chain.tc.genesis, std::nullopt);
    REQUIRE_MESSAGE(v, (v ? "" : v.message()));
    CHECK(v->record_id() == chain::record_id(default_suite, chain.target));
    CHECK(v->submitter_name() == "Court");
    CHECK(v->submitter_role() == "court");
    CHECK(v->signed_power() == v->total_power());
    CHECK(v->header().height == 1);
    CHECK(v->genesis_hash() == chain::genesis_hash(chain.tc.genesis));
    CHECK_FALSE(v->file_checked());

    auto pdf = report::render_certificate_pdf(*v, {tmpl, 1'764'551'045'123});
    REQUIRE_MESSAGE(pdf, (pdf ? "" : pdf.message()));
    if (const char* dump = std::getenv("JCHAIN_CERTIFICATE_DUMP")) {
        std::FILE* f = std::fopen(dump, "wb");
        std::fwrite(pdf->data(), 1, pdf->size(), f);
        std::fclose(f);
    }
    if (std::getenv("JCHAIN_CERTIFICATE_BENCH")) {
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) (void)report::render_certificate_pdf(*v, {tmpl, 1'764'551'045'123});
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
        MESSAGE("render: " << us / 20 << " us each");
    }
    CHECK(pdf->starts_with("%PDF-"));
    CHECK(pdf->find("%%EOF") != std::string::npos);
    CHECK(pages(*pdf) == 1);
    CHECK(pdf->find("/MediaBox [ 0 0 595.") != std::string::npos);  // A4
    CHECK(pdf->find("WenQuanYiMicroHei") != std::string::npos);       // the CJK face, embedded
    CHECK(pdf->find("/ToUnicode") != std::string::npos);              // so text can be extracted
    CHECK(pdf->find("20251201010405") != std::string::npos);        // the generation time given, not the clock's
}

TEST_CASE("a receipt that does not verify cannot be certified, and the refusal names the failing check") {
    OneBlock chain;
    json::value receipt = chain.receipt();
    json::value tampered = receipt;
    auto& ch = tampered.as_object()["record"].as_object()["content_hash"];
    std::string h(ch.as_string());
    h[0] = h[0] == '0' ? '1' : '0';
    ch = h;
    auto v = report::VerifiedReceipt::verify(tampered, chain.tc.genesis, std::nullopt);
    REQUIRE_FALSE(v);
    CHECK(v.message().starts_with("record "));

    auto other = chain.tc.genesis;
    other.chain_id = "another-chain";
    auto w = report::VerifiedReceipt::verify(receipt, other, std::nullopt);
    REQUIRE_FALSE(w);
    CHECK(w.message().starts_with("chain id: "));

    // With a file: its hash must be the content hash.
    auto f = report::VerifiedReceipt::verify(receipt, chain.tc.genesis, crypto::sha256(as_bytes(std::string("other"))));
    REQUIRE_FALSE(f);
    CHECK(f.message().starts_with("file content: "));
    auto g = report::VerifiedReceipt::verify(receipt, chain.tc.genesis,
                                             crypto::sha256(as_bytes(std::string("contract scan, page 1\n"))));
    REQUIRE(g);
    CHECK(g->file_checked());
}

TEST_CASE("the largest certificate still fits one page: many validators, long names, the longest case id") {
    OneBlock chain(40, std::string(60, 'N') + " 人民法院验证节点 ");
    // The longest member name a receipt may carry (256 bytes).
    for (auto& m : chain.tc.genesis.members)
        if (m.key == chain.tc.court.public_key) m.name = "北京市第一中级人民法院 " + std::string(256 - 34, 'x');
    std::string case_id;
    while (case_id.size() + 3 <= chain::case_id_bytes_max) case_id += "案";
    chain.target.case_tag = chain::case_tag(chain.tc.suite, chain::CaseKey{}, chain.tc.genesis.chain_id, case_id);
    chain::Disclosure disclosure{case_id, chain::CaseKey{}, {}};
    chain.target.metadata.clear();
    for (std::size_t i = 0; i < chain::metadata_entries_max; ++i) {
        const std::string key = "k" + std::to_string(100 + i) + std::string(chain::metadata_key_bytes_max - 4, 'k');
        const std::string value(chain::metadata_value_bytes_max / 3, 'x');
        chain.target.metadata[key] = chain::metadata_commitment(chain.tc.suite, key, value, Bytes(16, 1));
        disclosure.metadata[key] = {value, Bytes(16, 1)};
    }
    chain::sign_record(default_suite, chain.target, chain.tc.court);
    json::value receipt = chain.receipt();
    receipt.as_object()["disclosure"] = chain::disclosure_to_json(disclosure);
    auto v = report::VerifiedReceipt::verify(receipt, chain.tc.genesis, std::nullopt);
    REQUIRE_MESSAGE(v, (v ? "" : v.message()));
    CHECK(v->signers().size() == 40);
    const std::string long_template = "https://court.example/" + std::string(400, 'p') + "/#record={record_id}";
    REQUIRE(long_template.size() <= report::verify_url_bytes_max);
    auto pdf = report::render_certificate_pdf(*v, {long_template, 1'764'551'045'123});
    REQUIRE_MESSAGE(pdf, (pdf ? "" : pdf.message()));
    if (const char* dump = std::getenv("JCHAIN_CERTIFICATE_DUMP")) {  // to look at it
        std::FILE* f = std::fopen((std::string(dump) + ".large.pdf").c_str(), "wb");
        std::fwrite(pdf->data(), 1, pdf->size(), f);
        std::fclose(f);
    }
    CHECK(pages(*pdf) == 1);
}

TEST_CASE("a verify-URL template is an http(s) URL with {record_id}, which becomes the record id") {
    CHECK(report::check_verify_url_template(tmpl));
    CHECK(report::check_verify_url_template("http://127.0.0.1:26657/#record={record_id}"));
    CHECK_FALSE(report::check_verify_url_template("https://court.example/jchain/"));
    CHECK_FALSE(report::check_verify_url_template("ftp://court.example/{record_id}"));
    CHECK_FALSE(report::check_verify_url_template("javascript:alert({record_id})"));
    CHECK_FALSE(report::check_verify_url_template("https://court.example/a b/{record_id}"));
    CHECK_FALSE(report::check_verify_url_template("https://court.example/" + std::string(600, 'x') + "{record_id}"));
    chain::Hash id{};
    id[0] = 0xab;
    id[31] = 0x01;
    CHECK(report::verify_url(tmpl, id) == "https://court.example/jchain/#record=ab" + std::string(60, '0') + "01");

    OneBlock chain;
    auto v = report::VerifiedReceipt::verify(chain.receipt(), chain.tc.genesis, std::nullopt);
    REQUIRE(v);
    auto pdf = report::render_certificate_pdf(*v, {"https://court.example/jchain/", 0});
    REQUIRE_FALSE(pdf);
    CHECK(pdf.message() == "verify URL template must contain {record_id}");
}

TEST_CASE("block times are printed in UTC and in Beijing time, UTC+8, written as such") {
    // 2025-12-01T01:04:05.123Z
    CHECK(report::format_utc(1'764'551'045'123) == "2025-12-01 01:04:05.123 UTC");
    CHECK(report::format_beijing(1'764'551'045'123) == "2025-12-01 09:04:05.123 北京时间 (UTC+8)");
    // Across midnight: 20:00 UTC is 04:00 the next day in Beijing.
    CHECK(report::format_beijing(1'764'619'200'000) == "2025-12-02 04:00:00.000 北京时间 (UTC+8)");
}
