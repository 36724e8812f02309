// consensus_sim: runs the consensus engine through seeded faulty clusters (cluster.h).
//
//   consensus_sim --seeds 1000              the CI run: seeds 1..1000
//   consensus_sim --seeds 100000 --first 7  a soak run
//   consensus_sim --seed 4242 --verbose     replay one seed, printing every commit
//   consensus_sim --seeds 300 --hostile    f amnesiac Byzantine validators, lossy network
//   consensus_sim --seeds 300 --hostile --break-lock --expect-violation
//                                           the self-test: with the lock rule broken on
//                                           purpose, some seed must fail
// Exit status: 0 when every seed passed (or, with --expect-violation, when one failed).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "cluster.h"

int main(int argc, char** argv) {
    std::uint64_t seeds = 100, first = 1;
    bool verbose = false, break_lock = false, break_quorum = false, expect_violation = false, hostile = false;
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
        else if (a == "--verbose") verbose = true;
        else if (a == "--break-lock") break_lock = true;
        else if (a == "--hostile") hostile = true;
        else if (a == "--break-quorum") break_quorum = true;
        else if (a == "--expect-violation") expect_violation = true;
        else {
            std::printf("usage: consensus_sim [--seeds N] [--first S | --seed S] [--verbose] [--hostile] "
                        "[--break-lock | --break-quorum [--expect-violation]]\n");
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t passed = 0, failed = 0, forks = 0, events = 0, crashes = 0, equivocations = 0, relocks = 0;
    for (std::uint64_t seed = first; seed < first + seeds; ++seed) {
        auto scenario = jchain::sim::Scenario::random(seed, hostile);
        scenario.verbose = verbose;
        scenario.unsafe_forget_lock = break_lock;
        scenario.unsafe_simple_majority = break_quorum;
        if (verbose) std::printf("%s\n", scenario.describe().c_str());
        const auto outcome = jchain::sim::run(scenario);
        events += outcome.events;
        crashes += outcome.crashes;
        equivocations += outcome.equivocations_seen;
        relocks += outcome.relocks;
        if (outcome.ok) {
            ++passed;
            if (verbose) std::printf("ok: honest heights %llu..%llu\n", (unsigned long long)outcome.min_height,
                                     (unsigned long long)outcome.max_height);
        } else {
            ++failed;
            std::printf("FAILED %s\n  %s\n  replay: consensus_sim --seed %llu --verbose%s%s\n",
                        scenario.describe().c_str(), outcome.failure.c_str(), (unsigned long long)seed,
                        hostile ? " --hostile" : "",
                        break_lock ? " --break-lock" : break_quorum ? " --break-quorum" : "");
            if (outcome.safety_violated) ++forks;
            if (expect_violation && outcome.safety_violated) break;
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("%llu events, %llu crashes, %llu equivocations seen, %llu relocks, %.1f s\n",
                (unsigned long long)events, (unsigned long long)crashes, (unsigned long long)equivocations,
                (unsigned long long)relocks, secs);
    std::printf("%llu passed, %llu failed\n", (unsigned long long)passed, (unsigned long long)failed);
    if (expect_violation) {
        std::printf(forks ? "the simulator caught the broken rule\n" : "the simulator MISSED the broken rule\n");
        return forks ? 0 : 1;
    }
    return failed ? 1 : 0;
}
