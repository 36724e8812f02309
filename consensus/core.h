// Core: every decision a node makes about consensus, as a pure state machine (events in,
// steps out), so that node::ConsensusDriver and the simulator (tests/sim) run the same
// code. It owns the engine (engine.h) and the ledger it builds on (ledger.h), and decides:
//   - what a peer's consensus message is: the sender's fault, for a height this node has
//     passed or not reached, or one for the engine;
//   - what the engine's actions become: proposals built and checked against the ledger
//     (BuildValue, VerifyValue are answered here), log writes (the entry of a new height
//     is written lazily, with the next entry or message), commits laid onto the ledger,
//     and a new engine when a commit changes the validator set;
//   - whether a certified block from block sync may be applied: its body, its
//     certificate, the block-validity rule, in that order (cheapest first).
//
// What it leaves to its owner is I/O and time: it reads pending records, the committed
// history, a record verifier and the clock through Host, and returns Steps, which the
// owner carries out in order. A step may fail (a log or store write): the owner then
// stops carrying out steps and throws the core away; a new one, built from what is
// durable (store and log), goes on as a restarted process would. So the core assumes
// every step it returned succeeds, and never has to be told otherwise.
//
// Not thread-safe: one driver thread (or one simulated node) owns a core.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "consensus/codec.h"
#include "consensus/engine.h"
#include "consensus/ledger.h"

namespace jchain::consensus {

// Steps for the owner, in the order they must happen.
struct WriteLog {  // durable (synced) before any later step
    WalEntry entry;
    bool new_log = false;  // the first entry of a new height: it replaces the log
};
struct StoreBlock {  // durable before any later step; the ledger has moved onto it
    Extension extension;
    chain::CommitCertificate certificate;
};
struct EngineReplaced {};  // the validator set changed: timers set before are void
struct Halt {              // the ledger cannot go on: for the operator
    std::string why;
};
using Step = std::variant<WriteLog, Broadcast, ScheduleTimeout, StoreBlock, EngineReplaced, Halt>;
using Steps = std::vector<Step>;

// What the core reads from its node.
class Host {
public:
    virtual ~Host() = default;
    // Records waiting for a block, oldest first, at most `max`.
    virtual std::vector<Candidate> pending(std::size_t max) = 0;
    // The committed records' submitters.
    virtual const chain::History& history() = 0;
    // Checks the records of a proposal; records this node verified at admission need not
    // be verified again.
    virtual chain::RecordVerifier& proposal_verifier() = 0;
    virtual std::uint64_t now_ms() = 0;
    // A proposal was checked (telemetry: the driver logs a refusal and estimates its
    // clock's offset from the proposers' times).
    virtual void proposal_checked(const chain::BlockHeader&, const chain::BlockCheck&, std::uint64_t /*now_ms*/) {}
};

struct CoreConfig {
    crypto::Suite suite;
    std::string chain_id;
    crypto::PublicKey self;     // this node's key: it proposes the blocks it builds
    Signer* signer = nullptr;   // signs when the node is a validator in force; null: an observer
    std::size_t block_records_max = SIZE_MAX;  // this node's own cap on a block it builds
    const Verifier* verifier = nullptr;        // peers' signatures (messages, certificates)
    // FOR THE SIMULATOR ONLY: the engine's self-test switches (EngineConfig), and what a
    // node does when a commit changes the validator set (an honest node starts a new
    // engine; a Byzantine one, or the stale-validators self-test, keeps the old one).
    bool unsafe_forget_lock = false;
    bool unsafe_simple_majority = false;
    bool unsafe_skip_body_check = false;
    enum class OnSetChange { new_engine, keep_engine, keep_engine_if_removed };
    OnSetChange on_set_change = OnSetChange::new_engine;
};

// The consensus log's entries of one height are damaged when a lock or re-proposal names
// its block by hash and no earlier entry of its height holds that block. nullopt: sound.
std::optional<std::string> log_damage(const crypto::Suite& suite, const std::vector<WalEntry>& entries);

// Whether a message refused with `fault` convicts the peer that handed it over: each
// message leaves its signer only, over authenticated links, so a bad signature, another
// chain's id, a value not the proposal's block, or a body not the one its signed header
// commits to was made (or changed) by that peer. The other faults (not a validator, not
// the proposer, a proof of lock short of a quorum) depend on the height's validator set,
// which may differ across a change, and are dropped without blame.
bool peer_at_fault(Fault fault);

class Core {
public:
    Core(CoreConfig config, Tip tip, Host& host);

    // Starts at the tip's next height, replaying that height's log entries.
    Steps start(const std::vector<WalEntry>& log);

    // A consensus message from a peer.
    enum class Route {
        refused,  // check_message refused it (`fault`)
        behind,   // for a height this node has committed: the sender is behind
        ahead,    // for a height past the engine's: the sender has committed height - 1
        taken,    // given to the engine
    };
    struct Delivered {
        Route route = Route::taken;
        std::optional<Fault> fault;
        std::uint64_t height = 0;
        Steps steps;
    };
    Delivered on_message(const Message& m);
    Steps on_timeout(const Timeout& t);
    Steps on_records_available();  // the block policy says a block is due

    // A certified block from block sync.
    enum class Synced {
        committed,        // laid onto the ledger
        not_next,         // not for the next height (the owner asks in order)
        bad_body,         // its records are not the body its header commits to
        bad_certificate,  // its certificate does not make the block final under the set in force
        bad_block,        // certified, yet it breaks the block-validity rule (`why`)
        refused,          // the engine did not take it
    };
    struct SyncResult {
        Synced verdict = Synced::committed;
        std::string why;
        Steps steps;
    };
    // Checks, cheapest first: the body against its header (hashing), the certificate
    // (a few signatures), then the rule with `verifier` (the node's sync.verify_records
    // choice: it may trust record signatures the certificate vouches for).
    SyncResult on_certified(const CertifiedBlock& block, chain::RecordVerifier& verifier);

    // This node's next block now (a Byzantine simulated validator proposes these too).
    Value build_value();

    const Engine& engine() const { return *engine_; }
    const EngineConfig& engine_config() const { return engine_config_; }
    const Ledger& ledger() const { return ledger_; }
    bool halted() const { return halted_; }

private:
    void make_engine();
    Validity check_value(const Value& value);
    Steps run(Actions first);

    CoreConfig config_;
    Host& host_;
    Ledger ledger_;
    EngineConfig engine_config_;
    std::unique_ptr<Engine> engine_;
    // The highest height the log holds entries of; a new height's first entry replaces it.
    std::uint64_t log_height_ = 0;
    std::optional<WalEntry> deferred_round_;  // a new height's round entry, not yet written
    bool halted_ = false;
};

}  // namespace jchain::consensus
