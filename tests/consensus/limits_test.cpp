// The relations of chain/limits.h, shown on real bytes: a block of the largest valid size
// encodes within the frame and log limits and decodes back unchanged.
#include <doctest/doctest.h>

#include "chain/block_builder.h"
#include "chain/limits.h"
#include "chain/validity.h"
#include "consensus/codec.h"
#include "storage/consensus_wal.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using namespace jchain::consensus;
namespace limits = chain::limits;

namespace {

// The largest record the field limits allow (every field at its maximum): a governance
// record, whose metadata values are clear text up to the value limit (an ordinary
// record's are 64-character commitments, and its 64-character case tag is smaller).
chain::Record largest_record(const test::TestChain& tc, std::uint64_t n) {
    chain::Record r = tc.record(n, tc.court, chain::Kind::governance);
    for (std::size_t i = 0; i < chain::metadata_entries_max; ++i) {
        std::string key = "k" + std::to_string(100 + i);
        key.resize(chain::metadata_key_bytes_max, 'k');
        r.metadata[key] = std::string(chain::metadata_value_bytes_max, 'v');
    }
    for (std::size_t i = 0; i < chain::refs_max; ++i) r.refs.push_back(crypto::sha256(as_bytes(std::to_string(i))));
    r.signature.bytes.fill(0x5a);  // the codec does not verify; only the size matters here
    REQUIRE(chain::check_record_shape(r) == std::nullopt);
    return r;
}

// A block as full as the chain's byte ceiling allows, of records as large as they come.
ValuePtr largest_value(const test::TestChain& tc) {
    std::vector<chain::Record> records;
    std::vector<chain::Hash> ids;
    std::uint64_t bytes = 0;
    for (std::uint64_t n = 0;; ++n) {
        chain::Record r = largest_record(tc, n);
        const std::uint64_t wire = limits::length_prefix_bytes + chain::record_signed_bytes(r).size() + limits::signature_bytes;
        if (bytes + wire > limits::block_record_bytes_ceiling || records.size() == limits::block_records_ceiling) break;
        bytes += wire;
        ids.push_back(chain::record_id(default_suite, r));
        records.push_back(std::move(r));
    }
    auto built = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(tc.genesis), 1), 0,
                                    chain::Hash{}, 1, chain::MerkleFrontier(tc.suite), ids, records, tc.validator.public_key);
    return std::make_shared<const Value>(Value{built.block, std::move(records)});
}

std::vector<SignedVote> votes_of_every_validator(const test::TestChain& tc, const chain::Hash& h) {
    std::vector<SignedVote> votes(limits::validators_ceiling);
    for (auto& v : votes) v = {{chain::VoteType::prevote, tc.genesis.chain_id, 1, 0, h}, tc.validator.public_key, {}};
    return votes;
}

}  // namespace

TEST_CASE("a proposal of the largest valid block, with a proof of lock from every validator, fits a frame and the log") {
    test::TestChain tc;
    auto value = largest_value(tc);
    INFO("records in the largest block: " << value->records.size());
    CHECK(value->records.size() > 1000);
    Proposal p{1, 0, 0, value->hash(default_suite), value, votes_of_every_validator(tc, value->hash(default_suite)), tc.validator.public_key, {}};

    const Bytes message = encode_message(p);
    CHECK(message.size() <= limits::proposal_bytes_max);
    CHECK(message.size() + 1 <= limits::frame_bytes_max);  // + the frame's type byte
    auto decoded = decode_message(message);
    REQUIRE(decoded);
    CHECK(encode_message(*decoded) == message);

    const Bytes lock = encode_wal_entry(WalLock{1, 0, value, p.pol_votes});
    CHECK(lock.size() <= limits::wal_entry_bytes_max);
    test::TempDir dir;
    {
        auto wal = storage::ConsensusWal::open(dir / "wal").value();
        REQUIRE(wal->append(encode_wal_entry(p)).is_ok());
        REQUIRE(wal->append(lock).is_ok());
    }
    auto wal = storage::ConsensusWal::open(dir / "wal").value();
    REQUIRE(wal->entries().size() == 2);
    CHECK(wal->entries()[1] == lock);
}

TEST_CASE("a certified block of the largest valid size, signed by every validator, fits one sync frame") {
    test::TestChain tc;
    auto value = largest_value(tc);
    chain::CommitCertificate cert{1, 0, value->hash(default_suite), {}};
    cert.signatures.resize(limits::validators_ceiling, chain::CommitSignature{tc.validator.public_key, {}});
    const Bytes bytes = encode_certified(*value, cert);
    CHECK(bytes.size() <= limits::certified_block_bytes_max);
    CHECK(bytes.size() + 1 <= limits::frame_bytes_max);
    auto back = decode_certified(bytes);
    REQUIRE(back);
    CHECK(back->value->hash(default_suite) == value->hash(default_suite));
    CHECK(back->value->records.size() == value->records.size());
}

TEST_CASE("a block of the most records allowed decodes, and one more is refused") {
    test::TestChain tc;
    std::vector<chain::Record> records(limits::block_records_ceiling, tc.record(1, tc.court));
    std::vector<chain::Hash> ids(records.size(), chain::record_id(default_suite, records[0]));
    auto built = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(tc.genesis), 1), 0,
                                    chain::Hash{}, 1, chain::MerkleFrontier(tc.suite), ids, records, tc.validator.public_key);
    Value v{built.block, records};
    chain::CommitCertificate cert{1, 0, v.hash(default_suite), {}};
    const Bytes bytes = encode_certified(v, cert);
    CHECK(bytes.size() + 1 <= limits::frame_bytes_max);
    CHECK(decode_certified(bytes));
    v.records.push_back(records[0]);
    v.block.record_ids.push_back(ids[0]);
    CHECK_FALSE(decode_certified(encode_certified(v, cert)));
}

TEST_CASE("the default chain parameters are within the ceilings") {
    CHECK(chain::check_params(chain::ChainParams{}) == std::nullopt);
    chain::ChainParams p;
    p.block_records_max = limits::block_records_ceiling + 1;
    CHECK(chain::check_params(p));
    p = {};
    p.block_bytes_max = limits::block_record_bytes_ceiling + 1;
    CHECK(chain::check_params(p));
    p = {};
    p.record_bytes_max = limits::record_signed_bytes_ceiling + 1;
    CHECK(chain::check_params(p));
}
