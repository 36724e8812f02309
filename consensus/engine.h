// The BFT consensus engine: Tendermint (Buchman, Kwon, Milosevic, "The latest gossip on
// BFT consensus", 2018) as a pure state machine. docs/consensus.md explains the
// protocol, what is signed, and why it is safe.
//
// The engine takes events (a checked message, a timeout that fired, records waiting, a
// value built or verified, a certified block from sync) and returns actions (persist,
// broadcast, set a timer, build or verify a value, commit). It has no clock, no I/O,
// no threads and no randomness: the same events give the same actions, which is what
// lets tests/sim drive the very engine the node runs.
//
// The driver must carry out the actions of one call in order, and a Persist must be
// durable (synced) before any later action runs: that is what stops a validator
// restarted at any instant from signing two conflicting messages. After a crash the
// driver starts a new engine with the WAL entries of the height after its last
// committed block.
//
// Not thread-safe: one driver thread owns an engine.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "consensus/pacemaker.h"
#include "consensus/vote_set.h"

namespace jchain::consensus {

// What the engine persists before it acts on it (the driver's write-ahead log).
struct WalRound {  // entered `round` of `height`
    std::uint64_t height = 0;
    std::uint32_t round = 0;
};
struct WalLock {  // locked on (round, value), which pol_votes prevoted
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    ValuePtr value;  // null: logged before at this height, by an entry with value_hash
    std::vector<SignedVote> pol_votes;
    Hash value_hash{};  // the value's block hash when value is null
};
// Own signed proposals and votes are logged as they are, except that a value is written
// once per height: a later lock on it, or a re-proposal of it, is logged with a null
// value and names it by hash (Proposal::block_hash, WalLock::value_hash), so a height
// that takes many rounds does not write the same block again each round.
using WalEntry = std::variant<WalRound, WalLock, Proposal, SignedVote>;
std::uint64_t wal_entry_height(const WalEntry& e);

// Actions.
struct Broadcast {
    Message message;
};
struct ScheduleTimeout {
    Timeout timeout;
    std::uint64_t delay_ms = 0;
};
struct Persist {
    WalEntry entry;
};
// This validator proposes in (height, round): build the next block from pending
// records (the proposer's clock gives its time) and answer with on_value_built.
struct BuildValue {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
};
// Check a proposed value against the ledger and clock; answer with on_value_verified.
struct VerifyValue {
    ValuePtr value;
};
// The block at the engine's height is final: store it with its certificate.
struct Commit {
    ValuePtr value;
    chain::CommitCertificate certificate;
};
using Action = std::variant<Broadcast, ScheduleTimeout, Persist, BuildValue, VerifyValue, Commit>;
using Actions = std::vector<Action>;

// The application's verdict on a value. `valid`: it extends the committed chain
// correctly (height, previous hash, ledger size and root over its record ids, records
// admissible, time after the previous block). `timely`: its time is within the allowed
// drift of this validator's clock; a proposal without proof of lock gets a prevote only
// when timely, so a committed block's time is vouched for by honest clocks.
struct Validity {
    bool valid = false;
    bool timely = false;
};

struct EngineConfig {
    crypto::Suite suite;  // the chain's: block hashes and vote digests
    std::string chain_id;
    chain::ValidatorSet validators;
    TimeoutConfig timeouts;
    // Votes are kept for rounds up to the current one plus this; later ones only move
    // the f+1 round-skip counter. Bounds what a peer can make the engine hold.
    std::uint32_t rounds_ahead_max = 4;
    // Votes and proposals are kept for rounds down to the current one minus this; older
    // rounds are forgotten, with the blocks only they held, and their messages ignored
    // (they only move the round-skip counter). With rounds_ahead_max this bounds what a
    // height holds however many rounds it takes (docs/consensus.md, "Memory").
    std::uint32_t rounds_behind_max = 4;
    // FOR THE SIMULATOR'S SELF-TEST ONLY: forget the lock (locked and valid value) at
    // every new round, breaking
    // safety on purpose so tests can see the simulator notice.
    bool unsafe_forget_lock = false;
    // FOR THE SIMULATOR'S SELF-TEST ONLY: a quorum of more than 1/2 instead of 2/3.
    bool unsafe_simple_majority = false;
    // FOR THE SIMULATOR'S SELF-TEST ONLY: check_message lets a proposal through whose
    // body does not match its header, so the engine holds a relay's changed copy.
    bool unsafe_skip_body_check = false;
};

// Why a peer's message was refused before reaching the engine (the node may
// disconnect the peer on these).
enum class Fault {
    wrong_chain,
    not_validator,
    wrong_proposer,
    bad_signature,
    bad_value,  // the value does not hash to the proposal's block hash, or bad fields
    bad_proof_of_lock,  // pol_votes are not more than 2/3 valid prevotes for the value
    // The records are not the body the (correctly signed) header commits to: changed by
    // the peer that relayed them. Says nothing against the block hash or its proposer.
    bad_body,
};
std::string_view fault_name(Fault f);

// Stateless checks of a message from the network: chain id, membership, proposer
// rotation, signature, value hash, and that a proposal's records are the body its header
// commits to (chain::body_matches). Messages must pass this before on_message.
std::optional<Fault> check_message(const EngineConfig& config, const Verifier& verifier, const Message& m);

class Engine {
public:
    // `signer` is null for an observer, which follows but never signs.
    Engine(EngineConfig config, Signer* signer);

    // Starts at `height` (the last committed height + 1), restoring what this validator
    // persisted at that height; entries of other heights are ignored.
    Actions start(std::uint64_t height, std::span<const WalEntry> wal);

    Actions on_message(const Message& m);  // precondition: check_message passed
    Actions on_timeout(const Timeout& t);
    // Records are waiting (or an empty block is due): the first round of a height
    // starts only then, or when another validator's message for the height arrives.
    Actions on_records_available();
    Actions on_value_built(std::uint64_t height, std::uint32_t round, Value value);
    Actions on_value_verified(const Hash& block_hash, Validity validity);
    // Block sync: a block at the engine's height with a certificate, from a peer. The
    // driver has verified the value; the engine checks the certificate and commits.
    Actions on_certified(ValuePtr value, const chain::CommitCertificate& cert);

    std::uint64_t height() const { return height_; }
    std::uint32_t round() const { return round_; }
    enum class Step : std::uint8_t { propose, prevote, precommit };
    Step step() const { return step_; }
    std::int64_t locked_round() const { return locked_round_; }
    // Conflicting votes or proposals seen at this height (Byzantine evidence).
    std::size_t equivocations() const { return equivocations_; }
    // What the engine holds for its height (tests check the bound in docs/consensus.md).
    struct Retained {
        std::size_t rounds = 0;  // rounds with votes or a proposal
        std::size_t values = 0;  // distinct blocks
        std::size_t own_votes = 0;
        std::size_t own_proposals = 0;
        std::size_t logged_values = 0;
    };
    Retained retained() const {
        return {rounds_.size(), values_.size(), own_votes_.size(), own_proposals_.size(), logged_values_.size()};
    }

private:
    struct RoundState {
        RoundState(const chain::ValidatorSet& set, bool simple_majority)
            : prevotes(set, simple_majority), precommits(set, simple_majority) {}
        std::optional<Proposal> proposal;
        VoteSet prevotes;
        VoteSet precommits;
        bool prevote_timeout_set = false;
        bool precommit_timeout_set = false;
        bool polka_seen = false;  // the "first time" of the lock rule has happened
    };
    enum class Check : std::uint8_t { pending, valid, invalid };
    struct ValueState {
        ValuePtr value;
        Check check = Check::pending;
        bool timely = false;
    };

    RoundState& round_state(std::uint32_t round);
    std::uint32_t lowest_round() const;
    void forget_old_rounds();
    void reset_height(std::uint64_t height);
    void enter_round(std::uint32_t round, Actions& out);
    void begin_round(Actions& out);
    void activate(Actions& out);
    void apply_rules(Actions& out);
    bool try_prevote_on_proposal(Actions& out);
    bool try_commit(Actions& out);
    void add_value(ValuePtr value, Actions& out);
    const ValueState* value_state(const Hash& h) const;
    void propose(ValuePtr value, std::int64_t pol_round, Actions& out);
    void cast(chain::VoteType type, const Hash& block_hash, Actions& out);
    void count_vote(const SignedVote& v);
    void lock(std::uint32_t round, ValuePtr value, Actions& out);
    void commit(ValuePtr value, chain::CommitCertificate cert, Actions& out);
    void rebroadcast(Actions& out);
    bool is_proposer() const;

    const EngineConfig config_;
    Signer* const signer_;

    std::uint64_t height_ = 0;
    std::uint32_t round_ = 0;
    Step step_ = Step::propose;
    bool active_ = false;  // the height's first round has begun
    bool proposing_ = false;  // BuildValue sent for round_, answer pending
    std::int64_t locked_round_ = no_round;
    ValuePtr locked_value_;
    std::int64_t valid_round_ = no_round;
    ValuePtr valid_value_;
    std::vector<SignedVote> valid_pol_votes_;  // the polka behind valid_value_ (restored from a lock)
    // Rounds lowest_round() .. round_ + rounds_ahead_max only (forget_old_rounds).
    std::map<std::uint32_t, RoundState> rounds_;
    // The locked and valid values, and those proposed, or precommitted by more than 1/3,
    // in the rounds held: nothing else can still be prevoted, locked or committed here.
    std::map<Hash, ValueState> values_;
    std::map<PublicKey, std::uint32_t> highest_round_;
    // Own votes and proposals of the rounds held: the engine never signs below round_ again.
    std::map<std::pair<std::uint32_t, chain::VoteType>, SignedVote> own_votes_;
    std::map<std::uint32_t, Proposal> own_proposals_;
    // Values this validator wrote to the log at this height, among those still held:
    // later entries name them by hash (a forgotten one is written whole again if needed).
    std::map<Hash, ValuePtr> logged_values_;
    ValuePtr logged_value(const Hash& h) const {
        auto it = logged_values_.find(h);
        return it == logged_values_.end() ? nullptr : it->second;
    }
    std::size_t equivocations_ = 0;
};

}  // namespace jchain::consensus
