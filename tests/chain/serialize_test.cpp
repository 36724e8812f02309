// The cereal forms of the data model (chain/serialize.h, chain/cereal_codec.h), which the
// store keeps: loading is bounded and checks enums, and the bytes are those the store has
// always written.
#include <doctest/doctest.h>

#include <cereal/archives/portable_binary.hpp>
#include <sstream>

#include "chain/cereal_codec.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

// The format before loading was bounded: cereal's own serialisation of the same fields.
template <class... Fields>
std::string plain_cereal(const Fields&... fields) {
    std::ostringstream out;
    {
        cereal::PortableBinaryOutputArchive ar(out);
        ar(fields...);
    }
    return std::move(out).str();
}

chain::Record sample_record(const test::TestChain& tc) {
    chain::Record r = tc.record(7, tc.court);
    r.metadata = {{"file_name", std::string(64, 'a')}, {"source", std::string(64, 'b')}};
    r.refs = {crypto::sha256(as_bytes(std::string_view("earlier")))};
    chain::sign_record(default_suite, r, tc.court);
    return r;
}

}  // namespace

TEST_CASE("stored records, blocks and certificates keep the bytes cereal has always written") {
    test::TestChain tc;
    const chain::Record r = sample_record(tc);
    CHECK(chain::to_cereal(r) == plain_cereal(r.chain_id, static_cast<std::uint8_t>(r.kind), r.content_hash,
                                              r.case_tag, r.metadata, r.refs, r.submitter.bytes, r.client_time_ms,
                                              r.nonce, r.signature.bytes));
    auto back = chain::from_cereal<chain::Record>(chain::to_cereal(r));
    REQUIRE(back);
    CHECK(chain::record_id(default_suite, *back) == chain::record_id(default_suite, r));
    CHECK(back->signature == r.signature);

    auto certified = tc.block(0, chain::genesis_hash(tc.genesis), {}, {r});
    const chain::Block& b = certified.built.block;
    const chain::BlockHeader& h = b.header;
    CHECK(chain::to_cereal(b) == plain_cereal(h.chain_id, h.height, h.time_ms, h.prev_hash, h.genesis_hash,
                                              h.record_count, h.ledger_size, h.ledger_root, h.body_hash, h.validator_set_hash,
                                              h.next_validator_set_hash, h.state_hash, h.proposer.bytes, b.record_ids));
    const chain::CommitCertificate& c = certified.cert;
    REQUIRE(c.signatures.size() == 1);
    CHECK(chain::to_cereal(c) == plain_cereal(c.height, c.round, c.block_hash, std::uint64_t{1},
                                              c.signatures[0].validator.bytes, c.signatures[0].signature.bytes));
    auto block_back = chain::from_cereal<chain::Block>(chain::to_cereal(b));
    REQUIRE(block_back);
    CHECK(chain::block_hash(default_suite, block_back->header) == chain::block_hash(default_suite, h));
    CHECK(block_back->record_ids == b.record_ids);
}

TEST_CASE("a stored length beyond its limit does not decode and allocates nothing for it") {
    test::TestChain tc;
    // fuzz_stored_values: a record whose chain id claims 2^62 bytes made cereal ask for
    // them before reading one.
    CHECK_FALSE(chain::from_cereal<chain::Record>(plain_cereal(std::uint64_t{1} << 62)));
    chain::Record r = sample_record(tc);
    r.case_tag = std::string(chain::limits::record_signed_bytes_ceiling + 1, 'x');
    CHECK_FALSE(chain::from_cereal<chain::Record>(chain::to_cereal(r)));
    r.case_tag = std::string(chain::limits::record_signed_bytes_ceiling, 'x');
    CHECK(chain::from_cereal<chain::Record>(chain::to_cereal(r)));

    chain::Block b;
    b.header.chain_id = tc.genesis.chain_id;
    b.record_ids.resize(chain::limits::block_records_ceiling);
    CHECK(chain::from_cereal<chain::Block>(chain::to_cereal(b)));
    b.record_ids.resize(chain::limits::block_records_ceiling + 1);
    CHECK_FALSE(chain::from_cereal<chain::Block>(chain::to_cereal(b)));

    chain::CommitCertificate c;
    c.signatures.resize(chain::limits::validators_ceiling + 1);
    CHECK_FALSE(chain::from_cereal<chain::CommitCertificate>(chain::to_cereal(c)));
    // A count with no bytes behind it fails at the end of the input, not in the allocator.
    CHECK_FALSE(chain::from_cereal<chain::CommitCertificate>(
        plain_cereal(std::uint64_t{1}, std::uint32_t{0}, chain::Hash{}, std::uint64_t{chain::limits::validators_ceiling})));
}

TEST_CASE("a stored record kind or vote type outside its enum does not decode") {
    test::TestChain tc;
    const chain::Record r = sample_record(tc);
    std::string bytes = chain::to_cereal(r);
    // The kind byte follows the endianness byte and the chain id (u64 length, bytes).
    const std::size_t kind_at = 1 + 8 + r.chain_id.size();
    REQUIRE(static_cast<std::uint8_t>(bytes[kind_at]) == static_cast<std::uint8_t>(r.kind));
    for (std::size_t k = 0; k < std::size(chain::all_kinds); ++k) {
        bytes[kind_at] = static_cast<char>(k);
        CHECK(chain::from_cereal<chain::Record>(bytes));
    }
    // fuzz_stored_values: kind 200 decoded, and record_id read kind_name's table past its end.
    for (int k : {9, 200, 255}) {
        bytes[kind_at] = static_cast<char>(k);
        CHECK_FALSE(chain::from_cereal<chain::Record>(bytes));
    }

    chain::Vote v{chain::VoteType::prevote, tc.genesis.chain_id, 3, 1, {}};
    std::string vote = chain::to_cereal(v);
    CHECK(vote == plain_cereal(std::uint8_t{1}, v.chain_id, v.height, v.round, v.block_hash));
    REQUIRE(chain::from_cereal<chain::Vote>(vote));
    vote[1] = 3;
    CHECK_FALSE(chain::from_cereal<chain::Vote>(vote));
}
