// A simulated cluster for the consensus engine: N validators in one thread, each a real
// consensus::Engine with a simulated ledger, write-ahead log (storage.h) and clock,
// joined by a seeded network that loses, delays, duplicates and reorders messages,
// partitions, holds back block sync, and crashes validators (also at and in the middle
// of every persistence point), and a log whose writes may fail. Up to f validators may
// be Byzantine. With Scenario::governance the validator set changes by governance
// records while all that goes on, and spare nodes outside genesis follow the chain
// until they are voted in. Safety invariants (checker.h) are checked as the state they
// govern changes; liveness when the run ends.
//
// Everything follows from the Scenario and its seed: a failing seed replays exactly.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "chain/merkle.h"
#include "checker.h"
#include "consensus/engine.h"

namespace jchain::sim {

// splitmix64: small, fast, and the same on every platform (std distributions are not).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

private:
    std::uint64_t state_;
};

// Byzantine behaviours, combined as bits.
enum Byzantine : unsigned {
    equivocate_proposal = 1,  // two proposals per round, to different halves
    double_vote = 2,          // a second vote for another block to half the peers
    unknown_block_votes = 4,  // extra votes for blocks nobody proposed
    bad_signatures = 8,       // some messages with corrupted signatures
    invalid_blocks = 16,      // proposes blocks with a wrong ledger root
    amnesia = 32,             // prevotes and precommits every proposal it sees, and
                              // proposes a fresh block every round (no proof of lock)
    split = 64,               // with amnesia: sends its engine's votes nowhere, and hides its
                              // prevote for each round's proposal from one validator, so
                              // validators see different polkas
    coalition = 128,          // the Byzantine validators with this bit act as one team: when
                              // a member proposes, they play united, split (a block per half
                              // of the honest validators, each half shown matching votes) or
                              // a lock attack (docs/consensus.md, "The simulator"); they vote
                              // for every other proposal they see (as amnesia), send their
                              // engines' votes nowhere and serve no blocks to block sync
    bad_time = 256,           // stamps some of its new blocks up to 10 s off its clock
    all_behaviours = 511,
};

// What Scenario::random may choose from.
struct ScenarioOptions {
    // Always f Byzantine validators acting as a coalition with amnesia and split votes,
    // and block sync held back; heavy loss, crashes at persists, partitions and muting
    // each at full strength or off (swarm testing), so that some seeds are chaos and
    // others leave room for the coalition's lock attack, which forks a broken lock rule.
    bool hostile = false;
    int validators = 0;  // 0: 4, 7 or 10 at random
    // Validator-set changes by governance (Scenario::governance): 4 or 7 validators unless
    // `validators` says otherwise, with one or two spare nodes.
    bool governance = false;
    // Byzantine relays (Scenario::relay_*) in front of every link: they change proposals'
    // bodies, replay old messages and flood nodes, with validators honest or not.
    bool relays = false;
};

struct Scenario {
    std::uint64_t seed = 1;
    int validators = 4;
    int byzantine = 0;                    // at most f
    std::vector<unsigned> behaviours;     // per Byzantine validator (the first `byzantine`)
    double loss = 0;                      // during the fault phase
    double duplicate = 0;
    double delay_spike = 0;               // chance of a delay of up to 2 s (reordering)
    double crash_at_persist = 0;          // chance to crash right after each persist
    int crashes = 0;                      // crash events in the fault phase
    int partitions = 0;
    // Times one validator is cut off from every other for 1.5 to 3 client-time windows:
    // when it heals it must catch up on blocks whose records are out of the window of
    // its own clock, which only a clock-free validity rule allows.
    int isolations = 0;
    // The sync scheduler: windows of 1 to 6 s in which every block-sync message (request
    // or block) is held back until the window ends, so validators that missed a commit
    // go on voting at that height instead of being handed the block.
    int sync_holds = 0;
    // Chance that the first honest validator to lock in a round is muted right then:
    // the network withholds everything it sends (votes, proposals, sync) for 2 to 6 s.
    // It may commit while the others, without its precommit, move to the next round.
    double mute_on_lock = 0;
    // Storage faults, per consensus-log write in the fault phase: the write fails (the
    // node halts, as node/ does, and an operator restarts it 0.5 to 3 s later), or the
    // node crashes in the middle of it (a torn final entry, cut at restart).
    double wal_write_failure = 0;
    double crash_mid_persist = 0;
    std::uint64_t fault_phase_ms = 15'000;  // faults happen in [0, fault_phase_ms)
    std::uint64_t liveness_ms = 40'000;     // then this long with every fault healed
    std::uint64_t clock_skew_ms_max = 100;
    // Governance (docs/governance.md): `spares` more honest nodes, not in genesis, follow
    // the chain (they sign nothing until they are validators); honest validators propose
    // and approve, with their node keys, validator-set changes one after another (add a
    // node, remove a validator, honest or Byzantine, change a power), through the
    // mempools like any record. Each node keeps its own chain state, and after a block
    // that changes the set it starts a new engine for the next height under the new set,
    // as node/consensus_driver does.
    bool governance = false;
    int spares = 0;
    // Byzantine relays: peers that hold no validator key, so they can sign nothing, but
    // sit on links and change, replay and flood what they pass on (docs/p2p.md, "What a
    // peer can and cannot do to you"). Drawn from a random stream of their own, so a seed
    // without relays runs exactly as before they existed.
    // Chance that a proposal delivered to a node is preceded by a copy whose body a relay
    // changed (one record signature, a record's bytes, the id list, a record added or
    // dropped); its header and the proposer's signature are untouched.
    double relay_tamper = 0;
    // Chance that a delivered message is delivered again 0.5 to 5 s later.
    double relay_replay = 0;
    // Bursts in the fault phase of 200 messages at one node: replays of messages already
    // sent, tampered proposals, and copies with a bad signature.
    int relay_floods = 0;
    // The simulator's self-test: honest validators let a changed body through to the
    // engine, which then holds it for the block hash and finds it invalid. A relay in
    // front of every proposal must then stall the chain, and the simulator must say so.
    bool unsafe_skip_body_check = false;
    bool unsafe_forget_lock = false;        // the simulator's self-tests: honest validators
    bool unsafe_simple_majority = false;    // run with one safety rule broken
    // Honest nodes keep the engine they started with when the validator set changes (as
    // a driver without the validators_changed_ branch would): they count the old set
    // until they restart.
    bool unsafe_stale_validators = false;
    // Record safety violations other than a fork and run on until a fork (or the end):
    // the broken-quorum self-test must show a fork, not only a weak certificate.
    bool run_until_fork = false;
    bool verbose = false;

    static Scenario random(std::uint64_t seed, const ScenarioOptions& options = {});
    std::string describe() const;
};

struct Outcome {
    bool ok = true;
    std::string failure;  // first violation (with run_until_fork: the fork, if any)
    Violation violation = Violation::none;
    bool safety_violated = false;  // any violation but liveness
    std::vector<Finding> recorded;  // with run_until_fork: the violations before the fork
    std::uint64_t min_height = 0, max_height = 0;  // honest validators' committed heights at the end
    std::uint64_t events = 0, crashes = 0, equivocations_seen = 0;
    std::uint64_t halts = 0, torn_cut = 0, mutes = 0, sync_held = 0;
    // Relayed copies: bodies changed, messages replayed, flood messages sent.
    std::uint64_t tampered = 0, replayed = 0, flooded = 0;
    // Honest prevotes for another block after precommitting one at the same height:
    // legal only with a newer proof of lock, so with --break-lock they show the bug at work.
    std::uint64_t relocks = 0;
    // Governance: records injected (proposals, approvals), proposals the rule refused
    // when they were made (unsafe or impossible changes), proposals that were never
    // committed (those, and ones whose time window passed), proposals approved,
    // validator-set changes in force at the end (on the most advanced honest node), and
    // engines replaced because the set changed.
    std::uint64_t governance_records = 0, proposals_refused = 0, proposals_dropped = 0, proposals_approved = 0,
                  validator_changes = 0, engine_swaps = 0;
};

Outcome run(const Scenario& scenario);

}  // namespace jchain::sim
