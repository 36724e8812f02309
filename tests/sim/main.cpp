// consensus_sim: runs the consensus engine through seeded faulty clusters (cluster.h).
//
//   consensus_sim --seeds 1000              the CI run: seeds 1..1000
//   consensus_sim --seeds 100000 --first 7  a soak run
//   consensus_sim --seeds 20 --validators 31
//                                           every scenario with 31 validators (f = 10)
//   consensus_sim --seed 4242 --verbose     replay one seed, printing every commit
//   consensus_sim --seeds 300 --hostile    f Byzantine validators in coalition, lossy network
//   consensus_sim --seeds 100 --hostile --break-lock --expect-violation
//                                           a self-test: with the lock rule broken on
//                                           purpose, some seed must violate safety
//   consensus_sim --seeds 50 --hostile --break-quorum --expect-fork
//                                           a self-test: with a quorum of more than 1/2 (7
//                                           validators unless --validators says otherwise;
//                                           with 4, 1/2 and 2/3 are both 3), some seed must fork
//   consensus_sim --seeds 300 --governance  validator-set changes by governance: spare nodes
//                                           voted in, validators voted out, powers changed
//   consensus_sim --seeds 20 --governance --stale-validators --expect-violation
//                                           a self-test: with nodes that keep counting the old
//                                           validator set after a change, some seed must
//                                           violate safety
//   consensus_sim --seeds 300 --relays    Byzantine relays change proposals' bodies, replay
//                                           and flood, on top of every other fault
//   consensus_sim --seeds 5 --break-body-check --expect-stall
//                                           the self-test: nodes that hold a relay's changed
//                                           body against the block hash must stall
// Exit status: 0 when every seed passed (or, with --expect-*, when one failed that way).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "cluster.h"

int main(int argc, char** argv) {
    std::uint64_t seeds = 100, first = 1;
    int validators = 0;
    bool verbose = false, break_lock = false, break_quorum = false, expect_violation = false, expect_fork = false;
    bool break_body_check = false, expect_stall = false;
    bool stale_validators = false;
    jchain::sim::ScenarioOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::uint64_t {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a number\n", a.c_str());
                std::exit(2);
            }
            return std::stoull(argv[++i]);
        };
        if (a == "--seeds") seeds = next();
        else if (a == "--first") first = next();
        else if (a == "--seed") first = next(), seeds = 1;
        else if (a == "--validators") validators = static_cast<int>(next());
        else if (a == "--verbose") verbose = true;
        else if (a == "--break-lock") break_lock = true;
        else if (a == "--hostile") options.hostile = true;
        else if (a == "--break-quorum") break_quorum = true;
        else if (a == "--governance") options.governance = true;
        else if (a == "--stale-validators") stale_validators = options.governance = true;
        else if (a == "--expect-violation") expect_violation = true;
        else if (a == "--expect-fork") expect_fork = true;
        else if (a == "--relays") options.relays = true;
        else if (a == "--break-body-check") break_body_check = options.relays = true;
        else if (a == "--expect-stall") expect_stall = true;
        else {
            std::printf("usage: consensus_sim [--seeds N] [--first S | --seed S] [--validators N] [--verbose] "
                        "[--hostile] [--governance] [--relays] "
                        "[--break-lock | --break-quorum | --stale-validators | --break-body-check] "
                        "[--expect-violation | --expect-fork | --expect-stall]\n");
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    if (validators != 0 && (validators < 1 || validators > 100)) {
        std::fprintf(stderr, "--validators must be 1 to 100\n");
        return 2;
    }
    if (break_quorum && validators == 0) validators = 7;
    options.validators = validators;
    std::string replay_flags;
    if (options.hostile) replay_flags += " --hostile";
    if (options.governance && !stale_validators) replay_flags += " --governance";
    if (validators) replay_flags += " --validators " + std::to_string(validators);
    if (break_lock) replay_flags += " --break-lock";
    if (break_quorum) replay_flags += " --break-quorum";
    if (stale_validators) replay_flags += " --stale-validators";
    if (expect_fork) replay_flags += " --expect-fork";
    if (options.relays && !break_body_check) replay_flags += " --relays";
    if (break_body_check) replay_flags += " --break-body-check";

    const auto started = std::chrono::steady_clock::now();
    std::uint64_t passed = 0, failed = 0, violations = 0, forks = 0, stalls = 0;
    jchain::sim::Outcome total;
    for (std::uint64_t seed = first; seed < first + seeds; ++seed) {
        auto scenario = jchain::sim::Scenario::random(seed, options);
        scenario.verbose = verbose;
        scenario.unsafe_forget_lock = break_lock;
        scenario.unsafe_simple_majority = break_quorum;
        if (break_body_check) {  // a relay in front of every proposal
            scenario.unsafe_skip_body_check = true;
            scenario.relay_tamper = 1.0;
        }
        scenario.unsafe_stale_validators = stale_validators;
        scenario.run_until_fork = expect_fork;
        if (verbose) std::printf("%s\n", scenario.describe().c_str());
        const auto outcome = jchain::sim::run(scenario);
        total.events += outcome.events;
        total.crashes += outcome.crashes;
        total.halts += outcome.halts;
        total.torn_cut += outcome.torn_cut;
        total.mutes += outcome.mutes;
        total.sync_held += outcome.sync_held;
        total.equivocations_seen += outcome.equivocations_seen;
        total.relocks += outcome.relocks;
        total.governance_records += outcome.governance_records;
        total.proposals_approved += outcome.proposals_approved;
        total.proposals_dropped += outcome.proposals_dropped;
        total.proposals_refused += outcome.proposals_refused;
        total.validator_changes += outcome.validator_changes;
        total.engine_swaps += outcome.engine_swaps;
        total.tampered += outcome.tampered;
        total.replayed += outcome.replayed;
        total.flooded += outcome.flooded;
        if (outcome.ok) {
            ++passed;
            if (verbose) std::printf("ok: honest heights %llu..%llu\n", (unsigned long long)outcome.min_height,
                                     (unsigned long long)outcome.max_height);
            continue;
        }
        ++failed;
        std::printf("FAILED %s\n  %s: %s\n", scenario.describe().c_str(),
                    std::string(jchain::sim::violation_name(outcome.violation)).c_str(), outcome.failure.c_str());
        if (outcome.violation == jchain::sim::Violation::fork)
            for (std::size_t i = 0; i < outcome.recorded.size() && i < 3; ++i)
                std::printf("  before it: %s: %s\n",
                            std::string(jchain::sim::violation_name(outcome.recorded[i].kind)).c_str(),
                            outcome.recorded[i].what.c_str());
        std::printf("  replay: consensus_sim --seed %llu --verbose%s\n", (unsigned long long)seed, replay_flags.c_str());
        if (outcome.safety_violated) ++violations;
        if (outcome.violation == jchain::sim::Violation::fork) ++forks;
        if (outcome.violation == jchain::sim::Violation::liveness) ++stalls;
        if ((expect_violation && outcome.safety_violated) || (expect_fork && forks) || (expect_stall && stalls)) break;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("%llu events, %llu crashes, %llu halts (failed log writes), %llu torn log entries cut, %llu mutes, "
                "%llu sync messages held, %llu equivocations seen, %llu relocks, %.1f s\n",
                (unsigned long long)total.events, (unsigned long long)total.crashes, (unsigned long long)total.halts,
                (unsigned long long)total.torn_cut, (unsigned long long)total.mutes,
                (unsigned long long)total.sync_held, (unsigned long long)total.equivocations_seen,
                (unsigned long long)total.relocks, secs);
    if (options.relays)
        std::printf("relays: %llu proposals with a changed body, %llu messages replayed, %llu flood messages\n",
                    (unsigned long long)total.tampered, (unsigned long long)total.replayed,
                    (unsigned long long)total.flooded);
    if (options.governance)
        std::printf("governance: %llu records, %llu proposals approved, %llu never on chain (%llu refused by the "
                    "rule), %llu validator-set changes in force at the end, %llu engines replaced\n",
                    (unsigned long long)total.governance_records, (unsigned long long)total.proposals_approved,
                    (unsigned long long)total.proposals_dropped, (unsigned long long)total.proposals_refused,
                    (unsigned long long)total.validator_changes, (unsigned long long)total.engine_swaps);
    std::printf("%llu passed, %llu failed\n", (unsigned long long)passed, (unsigned long long)failed);
    if (expect_violation || expect_fork || expect_stall) {
        const bool caught = expect_fork ? forks > 0 : expect_stall ? stalls > 0 : violations > 0;
        std::printf(caught ? "the simulator caught the broken rule\n" : "the simulator MISSED the broken rule\n");
        return caught ? 0 : 1;
    }
    return failed ? 1 : 0;
}
