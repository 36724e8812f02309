#include <doctest/doctest.h>

#include "base/bytes.h"
#include "chain/block_builder.h"
#include "consensus/codec.h"
#include "crypto/hash.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using namespace jchain::consensus;

namespace {

struct Sample {
    test::TestChain chain;
    Proposal proposal;
    SignedVote vote;

    Sample() {
        std::vector<chain::Record> records = {chain.record(1, chain.court), chain.record(2, chain.police)};
        records[0].metadata["court"] = std::string(64, 'a');
        records[1].refs.push_back(chain::record_id(default_suite, records[0]));
        chain::sign_record(default_suite, records[1], chain.police);
        std::vector<chain::Hash> ids;
        for (const auto& r : records) ids.push_back(chain::record_id(default_suite, r));
        auto built = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(chain.genesis), 1), 0,
                                        chain::Hash{}, 1234, chain::MerkleFrontier(chain.suite), ids, records, chain.validator.public_key);
        auto value = std::make_shared<const Value>(Value{built.block, records});
        vote = {{chain::VoteType::prevote, chain.genesis.chain_id, 1, 0, value->hash(default_suite)}, chain.validator.public_key, {}};
        vote.signature = default_suite.sign(chain.validator, default_suite.hash(chain::vote_signed_bytes(vote.vote)));
        proposal = {1, 2, 0, value->hash(default_suite), value, {vote}, chain.validator.public_key, {}};
        proposal.signature = default_suite.sign(chain.validator,
                                                default_suite.hash(proposal_signed_bytes(chain.genesis.chain_id, proposal)));
    }
};

}  // namespace

TEST_CASE("messages and log entries survive encoding unchanged") {
    Sample s;
    auto bytes = encode_message(s.proposal);
    auto back = decode_message(bytes);
    REQUIRE(back);
    const auto& p = std::get<Proposal>(*back);
    CHECK(p.value->hash(default_suite) == s.proposal.value->hash(default_suite));
    CHECK(p.pol_round == 0);
    REQUIRE(p.value->records.size() == 2);
    CHECK(chain::record_id(default_suite, p.value->records[1]) == chain::record_id(default_suite, s.proposal.value->records[1]));
    CHECK(chain::verify_record_signature(default_suite, p.value->records[1]));
    CHECK(encode_message(p) == bytes);

    auto vote = decode_message(encode_message(s.vote));
    REQUIRE(vote);
    CHECK(std::get<SignedVote>(*vote).signature == s.vote.signature);

    for (const WalEntry& e : {WalEntry{WalRound{5, 3}}, WalEntry{WalLock{1, 2, s.proposal.value, {s.vote}}},
                              WalEntry{s.proposal}, WalEntry{s.vote}}) {
        auto encoded = encode_wal_entry(e);
        auto decoded = decode_wal_entry(encoded);
        REQUIRE(decoded);
        CHECK(decoded->index() == e.index());
        CHECK(encode_wal_entry(*decoded) == encoded);
    }

    chain::CommitCertificate cert{1, 0, s.proposal.value->hash(default_suite), {{s.vote.validator, s.vote.signature}}};
    auto certified = decode_certified(encode_certified(*s.proposal.value, cert));
    REQUIRE(certified);
    CHECK(certified->certificate.block_hash == cert.block_hash);
    CHECK(certified->value->hash(default_suite) == s.proposal.value->hash(default_suite));
}

TEST_CASE("every truncation and trailing garbage is refused, and no byte flip crashes the decoder") {
    Sample s;
    const Bytes bytes = encode_message(s.proposal);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut)
        CHECK_FALSE(decode_message(ByteSpan(bytes).first(cut)));
    Bytes longer = bytes;
    longer.push_back(0);
    CHECK_FALSE(decode_message(longer));
    for (std::size_t i = 0; i < bytes.size(); i += 7) {
        Bytes flipped = bytes;
        flipped[i] ^= 0x80;
        auto m = decode_message(flipped);  // may decode (a flipped hash byte is still well formed)
        if (m) CHECK(encode_message(*m) == flipped);  // but then only as exactly these bytes
    }
}

TEST_CASE("counts larger than the limits or the input are refused before allocating") {
    ByteWriter w;
    w.u32(0xFFFFFFFF);  // "four billion records"
    CHECK_FALSE(decode_records(std::move(w).take()));
    Sample s;
    auto ok = encode_records(s.proposal.value->records);
    CHECK(decode_records(ok));
    CodecLimits one;
    one.records_per_block_max = 1;
    CHECK_FALSE(decode_records(ok, one));
}
