// A simulated cluster for the consensus engine: N validators in one thread, each a real
// consensus::Engine with a simulated ledger, write-ahead log and clock, joined by a
// seeded network that loses, delays, duplicates and reorders messages, partitions, and
// crashes validators (also at every persistence point). Up to f validators may be
// Byzantine. Safety is checked at every commit; liveness when the run ends.
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
    all_behaviours = 127,
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
    std::uint64_t fault_phase_ms = 15'000;  // faults happen in [0, fault_phase_ms)
    std::uint64_t liveness_ms = 40'000;     // then this long with every fault healed
    std::uint64_t clock_skew_ms_max = 100;
    bool unsafe_forget_lock = false;        // the simulator's self-tests: honest validators
    bool unsafe_simple_majority = false;    // run with one safety rule broken
    bool verbose = false;

    // A random scenario. `hostile`: always f Byzantine validators with amnesia and
    // split votes, a lossy network and frequent crashes, the conditions under which a
    // broken lock rule forks the chain.
    static Scenario random(std::uint64_t seed, bool hostile = false);
    std::string describe() const;
};

struct Outcome {
    bool ok = true;
    std::string failure;  // first violation
    bool safety_violated = false;  // a fork or a bad commit, not only a liveness failure
    std::uint64_t min_height = 0, max_height = 0;  // honest validators' committed heights at the end
    std::uint64_t events = 0, crashes = 0, equivocations_seen = 0;
    // Honest prevotes for another block after precommitting one at the same height:
    // legal only with a newer proof of lock, so with --break-lock they show the bug at work.
    std::uint64_t relocks = 0;
};

Outcome run(const Scenario& scenario);

}  // namespace jchain::sim
