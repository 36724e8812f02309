#include <doctest/doctest.h>

#include "node/admission.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using chain::Kind;
using chain::RejectReason;

namespace {

constexpr std::uint64_t now = 1'700'000'000'000;

struct Fixture {
    test::TempDir dir;
    test::TestChain tc;
    std::unique_ptr<storage::BlockStore> store = storage::BlockStore::open(dir.str(), tc.genesis).value();
    node::Mempool mempool{100};
    node::VerifyPool pool{2};
    node::CurrentState state{chain::ChainState::from_genesis(tc.genesis)};
    node::Admission admission{state, *store, mempool, pool};

    std::optional<RejectReason> admit_one(chain::Record r) {
        std::vector<chain::Record> batch{std::move(r)};
        auto results = admission.admit(std::move(batch), now);
        if (auto* reject = std::get_if<chain::Reject>(&results[0])) return reject->reason;
        return std::nullopt;
    }

    // Commits the pending records as block height()+1.
    void commit_pending() {
        auto pending = mempool.peek(1000);
        std::vector<chain::Record> records;
        std::vector<chain::Hash> ids;
        for (auto& p : pending) records.push_back(p.record), ids.push_back(p.id);
        chain::MerkleFrontier frontier = *chain::MerkleFrontier::load(default_suite, *store, 0);
        auto c = tc.block(store->height(), {}, frontier, records);
        REQUIRE(store->commit_block(c.built.block, c.cert, records, c.built.nodes).is_ok());
        mempool.remove(ids);
    }
};

}  // namespace

TEST_CASE("a valid record is admitted once and its duplicate is refused") {
    Fixture f;
    auto r = f.tc.record(1, f.tc.court);
    CHECK_FALSE(f.admit_one(r));
    CHECK(f.mempool.size() == 1);
    CHECK(f.admit_one(r) == RejectReason::duplicate);
    f.commit_pending();
    CHECK(f.mempool.size() == 0);
    CHECK(f.admit_one(r) == RejectReason::duplicate);  // committed now
    CHECK(f.mempool.size() == 0);
}

TEST_CASE("every refused record gets its reason and leaves the mempool unchanged") {
    Fixture f;
    auto check = [&](chain::Record r, RejectReason expected) {
        const std::size_t before = f.mempool.size();
        CHECK(f.admit_one(std::move(r)) == expected);
        CHECK(f.mempool.size() == before);
    };
    SUBCASE("bad signature") {
        auto r = f.tc.record(1, f.tc.court);
        r.content_hash[0] ^= 1;
        check(r, RejectReason::bad_signature);
    }
    SUBCASE("signature by another key than the submitter") {
        auto r = f.tc.record(1, f.tc.court);
        r.submitter = f.tc.police.public_key;
        check(r, RejectReason::bad_signature);
    }
    SUBCASE("unknown member") { check(f.tc.record(1, f.tc.outsider), RejectReason::unknown_member); }
    SUBCASE("the validator is not a member") { check(f.tc.record(1, f.tc.validator), RejectReason::unknown_member); }
    SUBCASE("police may not write judgments") {
        check(f.tc.record(1, f.tc.police, Kind::judgment), RejectReason::not_permitted);
    }
    SUBCASE("wrong chain") {
        auto r = f.tc.record(1, f.tc.court);
        r.chain_id = "other-chain";
        chain::sign_record(default_suite, r, f.tc.court);
        check(r, RejectReason::wrong_chain);
    }
    SUBCASE("client time too old and too new") {
        check(f.tc.record(1, f.tc.court, Kind::evidence, now - 60'001), RejectReason::stale_timestamp);
        check(f.tc.record(2, f.tc.court, Kind::evidence, now + 60'001), RejectReason::stale_timestamp);
        // Near the top of u64, a sum with the window would wrap: still "ahead", never "behind".
        auto far = f.tc.record(3, f.tc.court, Kind::evidence, UINT64_MAX - 1000);
        auto results = f.admission.admit({far}, now);
        REQUIRE(std::holds_alternative<chain::Reject>(results[0]));
        CHECK(std::get<chain::Reject>(results[0]).reason == RejectReason::stale_timestamp);
        CHECK(std::get<chain::Reject>(results[0]).message.find("ahead") != std::string::npos);
    }
    SUBCASE("a record at every field limit stays within the signed-bytes limit") {
        // Governance values are clear text up to the value limit; an ordinary record's are
        // commitments and it carries a case tag.
        for (Kind kind : {Kind::governance, Kind::evidence}) {
            auto r = f.tc.record(1, f.tc.court, kind);
            for (std::size_t i = 0; i < chain::metadata_entries_max; ++i)
                r.metadata["key-" + std::to_string(i) + std::string(26, 'k')] =
                    std::string(kind == Kind::governance ? chain::metadata_value_bytes_max : chain::case_tag_chars, 'a');
            if (kind != Kind::governance) r.case_tag = std::string(chain::case_tag_chars, 'c');
            for (std::size_t i = 0; i < chain::refs_max; ++i) r.refs.push_back(crypto::sha256(as_bytes(std::to_string(i))));
            CHECK_FALSE(chain::check_record_shape(r));
            CHECK(chain::record_signed_bytes(r).size() <= chain::record_signed_bytes_max);
        }
    }
    SUBCASE("unknown reference") {
        auto r = f.tc.record(1, f.tc.court, Kind::handover);
        r.refs.push_back(crypto::sha256(as_bytes("nothing")));
        chain::sign_record(default_suite, r, f.tc.court);
        check(r, RejectReason::unknown_reference);
    }
    SUBCASE("malformed shape") {
        auto r = f.tc.record(1, f.tc.court);
        r.metadata["Bad Key"] = "v";
        chain::sign_record(default_suite, r, f.tc.court);
        check(r, RejectReason::invalid_record);
    }
    SUBCASE("governance by a member that is not a validator") {
        check(f.tc.record(1, f.tc.court, Kind::governance), RejectReason::not_permitted);
    }
}

TEST_CASE("a correction may come from the original submitter or a court, not another member") {
    Fixture f;
    auto original = f.tc.record(1, f.tc.police, Kind::operation);
    REQUIRE_FALSE(f.admit_one(original));
    f.commit_pending();
    auto correction_by = [&](const crypto::KeyPair& key, std::uint64_t n) {
        auto r = f.tc.record(n, key, Kind::correction);
        r.refs = {chain::record_id(default_suite, original)};
        r.metadata["action"] = "revoke";
        chain::sign_record(default_suite, r, key);
        return r;
    };
    CHECK_FALSE(f.admit_one(correction_by(f.tc.police, 2)));  // its own submitter
    CHECK_FALSE(f.admit_one(correction_by(f.tc.court, 3)));   // a court

    // The police may not correct what a court wrote: not its record, not a court.
    auto court_record = f.tc.record(4, f.tc.court, Kind::evidence);
    REQUIRE_FALSE(f.admit_one(court_record));
    f.commit_pending();
    auto by_police = f.tc.record(5, f.tc.police, Kind::correction);
    by_police.refs = {chain::record_id(default_suite, court_record)};
    by_police.metadata["action"] = "revoke";
    chain::sign_record(default_suite, by_police, f.tc.police);
    CHECK(f.admit_one(by_police) == RejectReason::not_permitted);
}

TEST_CASE("a full mempool refuses with mempool_full and keeps what it has") {
    Fixture f;
    node::Mempool small(2);
    node::Admission admission(f.state, *f.store, small, f.pool);
    std::vector<chain::Record> batch;
    for (int i = 0; i < 3; ++i) batch.push_back(f.tc.record(i, f.tc.court));
    auto results = admission.admit(batch, now);
    CHECK(std::holds_alternative<chain::Hash>(results[0]));
    CHECK(std::holds_alternative<chain::Hash>(results[1]));
    REQUIRE(std::holds_alternative<chain::Reject>(results[2]));
    CHECK(std::get<chain::Reject>(results[2]).reason == RejectReason::mempool_full);
    CHECK(small.size() == 2);
}

TEST_CASE("a batch verifies every signature once, in parallel, and keeps input order") {
    Fixture f;
    node::Mempool big(10'000);
    node::Admission admission(f.state, *f.store, big, f.pool);
    std::vector<chain::Record> batch;
    for (int i = 0; i < 500; ++i) batch.push_back(f.tc.record(i, i % 2 ? f.tc.court : f.tc.police));
    batch[123].nonce += 1;  // breaks its signature
    batch[124] = batch[125];  // a duplicate inside one batch
    auto results = admission.admit(batch, now);
    for (int i = 0; i < 500; ++i) {
        if (i == 123 || i == 125) continue;
        REQUIRE(std::holds_alternative<chain::Hash>(results[i]));
        CHECK(std::get<chain::Hash>(results[i]) == chain::record_id(default_suite, batch[i]));
    }
    CHECK(std::get<chain::Reject>(results[123]).reason == RejectReason::bad_signature);
    CHECK(std::get<chain::Reject>(results[125]).reason == RejectReason::duplicate);
    CHECK(big.size() == 498);
}

TEST_CASE("the cheap refusals come before the signature: a committed duplicate or a full mempool is said so, unverified") {
    Fixture f;
    auto r = f.tc.record(1, f.tc.court);
    CHECK_FALSE(f.admit_one(r));
    f.commit_pending();
    // The same record with its signature broken: refused as committed, before any
    // verification (which would have said bad_signature).
    auto broken = r;
    broken.signature.bytes[5] ^= 1;
    CHECK(f.admit_one(broken) == RejectReason::duplicate);

    node::Mempool one(1);
    node::Admission admission(f.state, *f.store, one, f.pool);
    REQUIRE(std::holds_alternative<chain::Hash>(admission.admit({f.tc.record(2, f.tc.court)}, now)[0]));
    auto late = f.tc.record(3, f.tc.court);
    late.signature.bytes[5] ^= 1;
    auto results = admission.admit({late}, now);
    REQUIRE(std::holds_alternative<chain::Reject>(results[0]));
    CHECK(std::get<chain::Reject>(results[0]).reason == RejectReason::mempool_full);
}
