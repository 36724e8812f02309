// Blocks, votes, commit certificates and validator sets (docs/encoding.md).
//
// A block is its header plus the ids of the records it commits, in ledger order: the
// records are leaves [ledger_size - record_ids.size(), ledger_size) of the ledger tree.
// The block's hash is the suite's hash of the header's canonical bytes. The header
// commits to every byte of the block's body: the record ids through the ledger root,
// and the ids with their signatures through body_hash, so a commit certificate vouches
// for the signatures too and no relay can swap one without the body failing its header. A block is final when
// validators holding more than 2/3 of the voting power precommit its hash; those
// precommit signatures are its CommitCertificate.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chain/record.h"

namespace jchain::chain {

struct BlockHeader {
    std::string chain_id;
    std::uint64_t height = 0;   // the first block is height 1
    std::uint64_t time_ms = 0;  // Unix ms, assigned by the proposer (docs/consensus.md)
    Hash prev_hash{};           // hash of block height-1; the genesis hash for height 1
    Hash genesis_hash{};        // the chain's genesis: binds every header (and so every vote) to it
    std::uint64_t record_count = 0;  // the block's records: ledger leaves [ledger_size - record_count, ledger_size)
    std::uint64_t ledger_size = 0;   // ledger tree size after this block
    Hash ledger_root{};              // ledger tree root after this block
    Hash body_hash{};                // body_hash() of the block's record ids and signatures
    Hash validator_set_hash{};       // the set whose certificate makes this block final
    Hash next_validator_set_hash{};  // the set that certifies the next block (a change shows here first)
    Hash state_hash{};               // members in force, policy and parameters this block's records obey
    PublicKey proposer;
};

Bytes header_bytes(const BlockHeader& header);
Hash block_hash(const crypto::Suite& suite, const BlockHeader& header);

struct Block {
    BlockHeader header;
    std::vector<Hash> record_ids;
};

// The block body's canonical bytes (docs/encoding.md, "Block body"): each record's id
// and signature, in block order. ids.size() must equal records.size(); the ids are
// taken as given (body_matches also checks that they are the records' ids).
Bytes body_bytes(std::span<const Hash> ids, std::span<const Record> records);
Hash body_hash(const crypto::Suite& suite, std::span<const Hash> ids, std::span<const Record> records);

// Whether `records` are exactly the body `block`'s header commits to: one per listed id,
// each hashing to its id, and the ids with the signatures hashing to header.body_hash.
// Cheap (hashing only, no signature is verified), so it runs before anything else looks
// at a body from a peer: a body that fails it was changed on the way, and says nothing
// against the block hash, which a genuine copy of the body may still match.
bool body_matches(const crypto::Suite& suite, const Block& block, std::span<const Record> records);

enum class VoteType : std::uint8_t { prevote = 1, precommit = 2 };

struct Vote {
    VoteType type = VoteType::precommit;
    std::string chain_id;
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    Hash block_hash{};  // all zero: a vote for no block (nil)
};

// The signed bytes of a vote; a validator signs SHA-256 of them.
Bytes vote_signed_bytes(const Vote& vote);

struct CommitSignature {
    PublicKey validator;
    Signature signature;  // over vote_signed_bytes of the precommit
};

struct CommitCertificate {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    Hash block_hash{};
    std::vector<CommitSignature> signatures;  // sorted by validator key, no repeats
};

// The precommit that every signature of `cert` signs.
Vote certificate_vote(const std::string& chain_id, const CommitCertificate& cert);

struct Validator {
    std::string name;
    PublicKey key;
    std::uint64_t power = 1;
};

struct ValidatorSet {
    std::vector<Validator> validators;  // sorted by key, keys unique

    std::uint64_t total_power() const;
    const Validator* find(const PublicKey& key) const;
    // More than 2/3 of the total power.
    bool is_quorum(std::uint64_t power) const { return power * 3 > total_power() * 2; }
};

Bytes validator_set_bytes(const ValidatorSet& set);
Hash validator_set_hash(const crypto::Suite& suite, const ValidatorSet& set);

// Checks that `cert` makes the block with `hash` final under `set`: same height and
// block hash, signers distinct members of the set, signatures valid, quorum reached.
// nullopt when it does, otherwise why not.
std::optional<std::string> check_certificate(const crypto::Suite& suite, const std::string& chain_id, std::uint64_t height, const Hash& hash,
                                             const CommitCertificate& cert, const ValidatorSet& set);
// The same rule, with each signature checked by `verify` (key, the suite's digest of the
// precommit, signature) instead of suite.verify: for a caller that has verified the
// same signatures before and remembers them (the consensus simulator).
using SignatureCheck = std::function<bool(const PublicKey&, const Hash&, const Signature&)>;
std::optional<std::string> check_certificate(const crypto::Suite& suite, const std::string& chain_id, std::uint64_t height,
                                             const Hash& hash, const CommitCertificate& cert, const ValidatorSet& set,
                                             const SignatureCheck& verify);

}  // namespace jchain::chain
