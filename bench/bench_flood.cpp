// bench_flood: committed records/s of four validators with and without a flooding peer,
// in the same run.
//
// Five validators in genesis, four running in this process (each a real node: LevelDB
// home, consensus log, P2P and RPC on loopback); the fifth's node key is stolen by a
// flooder (bench/flooder.h) in this process too, which dials validators 0 and 1 and
// keeps its links full of record gossip. Three phases, each submitting R fresh signed
// records through C concurrent HTTP clients to all four validators and timing them until
// every validator has committed them:
//   none           no flooder;
//   bad-signature  records with random signatures (the flooder is banned at its first frame);
//   stale          records an hour old, no offence, stopped only by the per-peer budgets
//                  (aimed at validators 2 and 3, which have not banned the key).
// `none` runs again last. Prints records/s per phase, the ratio to the mean of the two
// `none` runs, and the process's peak RSS (all four
// nodes and the flooder). docs/benchmarks.md has the figures.
//
//   bench_flood [--records R] [--clients C] [--batch B]
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <spdlog/spdlog.h>
#include <thread>

#include "bench/bench_util.h"
#include "bench/rpc_client.h"
#include "bench/flooder.h"
#include "chain/json_codec.h"

namespace json = boost::json;
using namespace jchain;
using namespace jchain::bench;

namespace {

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t records = arg(argc, argv, "--records", 30'000);
    const std::size_t clients = arg(argc, argv, "--clients", 4);
    const std::size_t batch = arg(argc, argv, "--batch", 100);
    const crypto::Suite suite = crypto::Suite::secp256k1_sha256();
    constexpr std::size_t phases_count = 4;
    spdlog::set_level(spdlog::level::err);

    chain::ChainParams params;
    params.timeout_propose_ms = 300;  // the absent fifth validator's turns pass quickly
    LocalNet net(5, phases_count * records + 1000, suite, params);
    const auto member = net.member();
    const chain::Genesis genesis = chain::read_genesis_file(node::HomePaths{net.homes[0].home}.genesis_file()).value();
    const crypto::KeyPair stolen = suite.read_key_file(node::HomePaths{net.homes[4].home}.node_key_file()).value();
    std::vector<std::string> p2p;
    for (int i = 0; i < 4; ++i) p2p.push_back(node::load_config(node::HomePaths{net.homes[i].home}.config_file()).value().p2p_listen);

    std::printf("signing %zu records ...\n", phases_count * records);
    std::vector<chain::Record> signed_records(phases_count * records);
    {
        const std::uint64_t now = node::now_ms();
        std::vector<std::thread> signers;
        for (unsigned t = 0; t < 2; ++t)
            signers.emplace_back([&, t] {
                for (std::size_t i = t; i < signed_records.size(); i += 2) {
                    chain::Record& r = signed_records[i];
                    r.chain_id = net.options.chain_id;
                    r.content_hash = suite.hash(as_bytes("flood bench " + std::to_string(i)));
                    r.client_time_ms = now;
                    r.nonce = i;
                    chain::sign_record(suite, r, member);
                }
            });
        for (auto& t : signers) t.join();
    }
    auto nodes = net.start(4);

    struct Phase {
        const char* name;
        std::optional<Flooder::Mode> mode;
        std::vector<std::string> targets;
        double rate = 0, seconds = 0;
        Flooder::Report report;
    };
    // `none` first and last: the machine's drift over the run shows as their difference.
    std::vector<Phase> phases{{"none", std::nullopt, {}},
                              {"bad-signature", Flooder::Mode::bad_signature, {p2p[0], p2p[1]}},
                              {"stale", Flooder::Mode::stale, {p2p[2], p2p[3]}},
                              {"none", std::nullopt, {}}};
    std::uint64_t expected = 0;
    for (std::size_t p = 0; p < phases.size(); ++p) {
        Phase& phase = phases[p];
        std::unique_ptr<Flooder> flooder;
        if (phase.mode) {
            flooder = std::make_unique<Flooder>(genesis, stolen, phase.targets, *phase.mode);
            if (Status s = flooder->start(); !s) return std::fprintf(stderr, "flooder: %s\n", s.message().c_str()), 2;
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        std::printf("phase %s: %zu records, %zu clients over 4 validators ...\n", phase.name, records, clients);
        std::vector<std::string> bodies;
        for (std::size_t i = p * records; i < (p + 1) * records; i += batch)
            bodies.push_back(batch_body(suite, signed_records, i, std::min((p + 1) * records, i + batch)));
        const auto start = Clock::now();
        std::vector<std::uint16_t> ports;
        for (const auto& n : nodes) ports.push_back(n->rpc_port());
        const std::size_t refused = post_all(bodies, clients, ports);
        expected += records - refused;
        auto min_ledger = [&] {
            std::uint64_t m = UINT64_MAX;
            for (const auto& n : nodes) m = std::min(m, n->tip().ledger_size);
            return m;
        };
        while (min_ledger() < expected && seconds_since(start) < 600)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        phase.seconds = seconds_since(start);
        phase.rate = static_cast<double>(records - refused) / phase.seconds;
        if (flooder) phase.report = flooder->stop();
        if (refused > 0) std::printf("  %zu refused\n", refused);
    }
    std::uint64_t bans = 0;
    for (const auto& n : nodes)
        bans += n->metrics().peer_offences.bans[static_cast<std::size_t>(node::PeerOffence::bad_record_signature)];
    nodes.clear();

    std::printf("\n| flood | committed records/s | vs mean of none | flooder frames queued (MiB) | handshakes refused |\n");
    std::printf("|---|---|---|---|---|\n");
    const double base = (phases.front().rate + phases.back().rate) / 2;
    for (const auto& p : phases)
        std::printf("| %s | %.0f | %.2f | %llu (%.0f) | %llu |\n", p.name, p.rate, p.rate / base,
                    static_cast<unsigned long long>(p.report.frames_queued),
                    static_cast<double>(p.report.bytes_queued) / (1 << 20),
                    static_cast<unsigned long long>(p.report.handshakes_refused));
    std::printf("\nbans for bad record signatures  %llu\n", static_cast<unsigned long long>(bans));
    std::printf("peak RSS of the process         %.0f MiB (four nodes and the flooder)\n", peak_rss_mib());
    return 0;
}
