#include <doctest/doctest.h>

#include "chain/audit.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

struct Chain {
    std::vector<chain::Block> blocks;
    std::vector<chain::CommitCertificate> certs;
    std::vector<std::vector<chain::Record>> records;
};

// Builds blocks of the given records, certified by the test validator.
Chain make_chain(const test::TestChain& tc, const std::vector<std::vector<chain::Record>>& per_block) {
    Chain c;
    chain::MerkleFrontier frontier{default_suite};
    chain::Hash prev{};
    for (const auto& records : per_block) {
        auto b = tc.block(c.blocks.size(), prev, frontier, records);
        frontier = b.built.frontier;
        prev = chain::block_hash(default_suite, b.built.block.header);
        c.blocks.push_back(b.built.block);
        c.certs.push_back(b.cert);
        c.records.push_back(records);
    }
    return c;
}

std::vector<chain::AuditProblem> audit(const test::TestChain& tc, const Chain& c) {
    chain::ChainAuditor auditor(tc.genesis);
    std::vector<chain::AuditProblem> all;
    for (std::size_t i = 0; i < c.blocks.size(); ++i) {
        auto p = auditor.check_block(c.blocks[i], c.certs[i], c.records[i]);
        all.insert(all.end(), p.begin(), p.end());
    }
    return all;
}

bool mentions(const std::vector<chain::AuditProblem>& problems, const std::string& text) {
    for (const auto& p : problems)
        if (p.problem.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("an honest chain audits clean and the auditor rebuilds its ledger root") {
    test::TestChain tc;
    auto c = make_chain(tc, {{tc.record(1, tc.court), tc.record(2, tc.police)}, {tc.record(3, tc.court)}});
    chain::ChainAuditor auditor(tc.genesis);
    for (std::size_t i = 0; i < c.blocks.size(); ++i) CHECK(auditor.check_block(c.blocks[i], c.certs[i], c.records[i]).empty());
    CHECK(auditor.records_checked() == 3);
    CHECK(auditor.ledger().root() == c.blocks.back().header.ledger_root);
}

TEST_CASE("the auditor names each kind of tampering") {
    test::TestChain tc;
    auto c = make_chain(tc, {{tc.record(1, tc.court), tc.record(2, tc.police)}, {tc.record(3, tc.court)}});
    SUBCASE("a record altered in storage") {
        c.records[0][1].case_tag = std::string(64, '0');
        CHECK(mentions(audit(tc, c), "record_id: record does not hash to the listed id"));
    }
    SUBCASE("a forged signature") {
        c.records[1][0].signature.bytes[40] ^= 1;
        CHECK(mentions(audit(tc, c), "signature: signature does not verify"));
    }
    SUBCASE("a missing record") {
        c.records[1].clear();
        CHECK(mentions(audit(tc, c), "record_count: block lists 1 records, 0 came with it"));
    }
    SUBCASE("a broken link between blocks") {
        c.blocks[1].header.prev_hash[0] ^= 1;
        auto problems = audit(tc, c);
        CHECK(mentions(problems, "prev_hash: prev_hash does not link"));
        CHECK(mentions(problems, "commit certificate"));  // the certificate signed the original header
    }
    SUBCASE("a certificate by a non-validator") {
        const chain::Hash h = chain::block_hash(default_suite, c.blocks[0].header);
        c.certs[0].signatures = {chain::sign_precommit(default_suite, tc.genesis.chain_id, 1, 0, h, tc.court)};
        CHECK(mentions(audit(tc, c), "is not a validator"));
    }
}

TEST_CASE("the auditor checks policy, references and duplicates as admission does") {
    test::TestChain tc;
    auto judgment_by_police = tc.record(1, tc.police, chain::Kind::judgment);
    auto dangling = tc.record(2, tc.court, chain::Kind::handover);
    dangling.refs = {crypto::sha256(as_bytes("nowhere"))};
    chain::sign_record(default_suite, dangling, tc.court);
    auto first = tc.record(3, tc.court);
    auto c = make_chain(tc, {{judgment_by_police, dangling, first}, {first}});
    auto problems = audit(tc, c);
    CHECK(mentions(problems, "permission: role 'police' may not write 'judgment'"));
    CHECK(mentions(problems, "reference: ref "));
    CHECK(mentions(problems, "duplicate: record "));
}
