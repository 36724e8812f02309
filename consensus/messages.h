// What validators say to each other: proposals and signed votes (docs/consensus.md),
// and the bytes each signs. Plain structs; the network and WAL codecs are in codec.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "chain/block.h"

namespace jchain::consensus {

using chain::Hash;
using crypto::PublicKey;
using crypto::Signature;

// "No round": a proposal's pol_round when it carries no proof of lock.
inline constexpr std::int64_t no_round = -1;

// A block as the engine orders it: the header and record ids that are hashed and
// certified, and the records themselves, carried so that every validator can check
// the block without fetching them. The engine never looks inside records.
struct Value {
    chain::Block block;
    std::vector<chain::Record> records;

    Hash hash(const crypto::Suite& suite) const { return chain::block_hash(suite, block.header); }
};
using ValuePtr = std::shared_ptr<const Value>;

struct SignedVote {
    chain::Vote vote;
    PublicKey validator;
    Signature signature;  // over chain::vote_signed_bytes(vote)
};

// The round's proposer offers `value` for (height, round). pol_round >= 0 says that
// more than 2/3 prevoted this value in that earlier round (it is re-proposed), and
// pol_votes are those prevotes: a validator that missed some of them (lost, or a
// Byzantine validator showed it another vote) can still check the proof of lock.
struct Proposal {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    std::int64_t pol_round = no_round;
    Hash block_hash{};  // == value->hash()
    ValuePtr value;
    std::vector<SignedVote> pol_votes;  // each signed by its validator; not covered by `signature`
    PublicKey proposer;
    Signature signature;  // over proposal_signed_bytes
};

using Message = std::variant<Proposal, SignedVote>;

// "jchain/proposal/v1" || chain_id || height || round || pol_round + 1 (u32, 0 = none)
// || block hash. The value itself is bound by the block hash (header) and the header's
// ledger root (record ids).
Bytes proposal_signed_bytes(const std::string& chain_id, const Proposal& p);

// The height a message is about, for routing by the node.
std::uint64_t message_height(const Message& m);
std::uint32_t message_round(const Message& m);
const PublicKey& message_sender(const Message& m);

// Signing and verifying, as the engine sees them. The node implements them with the
// chain's suite; the simulator with the same, plus Byzantine signers.
class Signer {
public:
    virtual ~Signer() = default;
    virtual const PublicKey& public_key() const = 0;
    virtual Signature sign(const Hash& digest) = 0;
};

class Verifier {
public:
    virtual ~Verifier() = default;
    virtual bool verify(const PublicKey& key, const Hash& digest, const Signature& sig) const = 0;
};

// The plain implementations, with the chain's suite.
class KeySigner final : public Signer {
public:
    KeySigner(crypto::Suite suite, crypto::KeyPair key) : suite_(std::move(suite)), key_(key) {}
    const PublicKey& public_key() const override { return key_.public_key; }
    Signature sign(const Hash& digest) override { return suite_.sign(key_, digest); }

private:
    crypto::Suite suite_;
    crypto::KeyPair key_;
};

class KeyVerifier final : public Verifier {
public:
    explicit KeyVerifier(crypto::Suite suite) : suite_(std::move(suite)) {}
    bool verify(const PublicKey& key, const Hash& digest, const Signature& sig) const override {
        return suite_.verify(key, digest, sig);
    }

private:
    crypto::Suite suite_;
};

}  // namespace jchain::consensus
