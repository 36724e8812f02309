// bench_testnet: committed records/s and time to finality with several validators.
//
// Starts a local network of N validators in this process (each a real node: LevelDB
// home, consensus log, P2P and RPC on loopback), pre-signs records, and has concurrent
// HTTP clients submit them to all validators in JSON-RPC batches. Phase 1 submits as
// fast as the network admits; phase 2 submits at half the rate phase 1 reached. In both,
// a probe submits one record every 50 ms to validator 0 and times it until validator 0
// has committed it. The ceiling is two cores' secp256k1 verifications/s divided by N
// (every validator verifies every record once). docs/benchmarks.md has the figures.
//
//   bench_testnet [--validators N] [--records R] [--clients C] [--batch B] [--suite secp256k1-sha256|sm2-sm3]
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <spdlog/spdlog.h>
#include <thread>

#include "bench/bench_util.h"
#include "bench/rpc_client.h"
#include "chain/json_codec.h"
#include "chain/record_privacy.h"

namespace json = boost::json;
using namespace jchain;
using namespace jchain::bench;

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    const int validators = static_cast<int>(arg(argc, argv, "--validators", 4));
    const std::size_t records = arg(argc, argv, "--records", 20'000);
    const std::size_t clients = arg(argc, argv, "--clients", 4);
    const std::size_t batch = arg(argc, argv, "--batch", 100);
    const crypto::Suite suite = suite_arg(argc, argv);
    spdlog::set_level(spdlog::level::warn);

    std::printf("suite %s: measuring one core's %s verifications/s ...\n", std::string(suite.name()).c_str(),
                std::string(suite.signature_name()).c_str());
    const double verify_rate = verifications_per_second(suite);
    std::printf("  %.0f verifications/s on one core\n", verify_rate);

    LocalNet net(validators, records + 1000, suite);
    const auto& tn = net.options;
    auto member = net.member();

    std::printf("signing %zu records ...\n", records + 2000);
    std::vector<chain::Record> signed_records(records + 2000);  // the tail: probes and phase 2
    {
        const std::uint64_t now = node::now_ms();
        std::vector<std::thread> signers;
        for (unsigned t = 0; t < 2; ++t)
            signers.emplace_back([&, t] {
                for (std::size_t i = t; i < signed_records.size(); i += 2) {
                    chain::Record& r = signed_records[i];
                    r.chain_id = tn.chain_id;
                    r.content_hash = suite.hash(as_bytes("bench " + std::to_string(i)));
                    r.case_tag = chain::case_tag(suite, chain::CaseKey{}, r.chain_id, "(2026)bench-" + std::to_string(i % 100));
                    r.client_time_ms = now;
                    r.nonce = i;
                    chain::sign_record(suite, r, member);
                }
            });
        for (auto& t : signers) t.join();
    }

    auto nodes = net.start();

    std::size_t next_probe = records;  // probes and phase-2 records come from the tail
    auto probe_latencies = [&](std::atomic<bool>& stop, std::vector<double>& out) {
        Client c(nodes[0]->rpc_port());
        while (!stop) {
            const std::size_t i = next_probe++;
            if (i >= signed_records.size()) break;
            const auto id = chain::record_id(suite, signed_records[i]);
            const auto t0 = Clock::now();
            c.post(batch_body(suite, signed_records, i, i + 1));
            while (!nodes[0]->store().has_record(id) && seconds_since(t0) < 30)
                std::this_thread::sleep_for(std::chrono::microseconds(500));
            out.push_back(seconds_since(t0) * 1000);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    };

    // Phase 1: as fast as the validators admit.
    std::printf("phase 1: %zu records, %zu clients over %d validators, %zu per batch ...\n", records, clients,
                validators, batch);
    std::vector<std::string> bodies;
    for (std::size_t i = 0; i < records; i += batch) bodies.push_back(batch_body(suite, signed_records, i, std::min(records, i + batch)));
    std::atomic<bool> stop_probe{false};
    std::vector<double> lat1;
    const auto start = Clock::now();
    std::thread probe([&] { probe_latencies(stop_probe, lat1); });
    std::vector<std::uint16_t> ports;
    for (const auto& n : nodes) ports.push_back(n->rpc_port());
    const std::size_t refused = post_all(bodies, clients, ports);
    auto min_ledger = [&] {
        std::uint64_t m = UINT64_MAX;
        for (const auto& n : nodes) m = std::min(m, n->tip().ledger_size);
        return m;
    };
    while (min_ledger() < records - refused && seconds_since(start) < 600)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const double total_s = seconds_since(start);
    stop_probe = true;
    probe.join();
    const double rate = static_cast<double>(records - refused) / total_s;

    // Phase 2: half that rate, for about 5 s, with the probe running.
    std::printf("phase 2: %.0f records/s for 5 s ...\n", rate / 2);
    std::vector<double> lat2;
    stop_probe = false;
    std::thread probe2([&] { probe_latencies(stop_probe, lat2); });
    {
        Client client(nodes[1 % nodes.size()]->rpc_port());
        const auto t0 = Clock::now();
        std::size_t sent = 0;
        const std::size_t budget = static_cast<std::size_t>(rate / 2 * 5);
        std::vector<chain::Record> extra(budget);
        const std::uint64_t now = node::now_ms();
        for (std::size_t i = 0; i < budget; ++i) {
            extra[i].chain_id = tn.chain_id;
            extra[i].content_hash = suite.hash(as_bytes("phase2 " + std::to_string(i)));
            extra[i].client_time_ms = now;
            extra[i].nonce = i;
            chain::sign_record(suite, extra[i], member);
        }
        while (sent < budget) {
            const double due = seconds_since(t0) * rate / 2;
            if (static_cast<double>(sent) < due) {
                const std::size_t n = std::min<std::size_t>(batch / 4 + 1, budget - sent);
                client.post(batch_body(suite, extra, sent, sent + n));
                sent += n;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        }
    }
    stop_probe = true;
    probe2.join();

    std::uint64_t height = nodes[0]->tip().height;
    nodes.clear();  // stops and closes the stores before their files go

    const double ceiling = 2 * verify_rate / validators;
    std::printf("\nvalidators             %d\n", validators);
    std::printf("records committed      %zu in %.2f s (%zu refused), %llu blocks in all\n", records - refused,
                total_s, refused, static_cast<unsigned long long>(height));
    std::printf("committed records/s    %.0f\n", rate);
    std::printf("ceiling                %.0f (2 cores x %.0f verifications/s / %d validators)\n", ceiling,
                verify_rate, validators);
    std::printf("ratio                  %.2f of ceiling (target 0.60)\n", rate / ceiling);
    std::printf("finality, full load    p50 %.0f ms, p99 %.0f ms (%zu probes)\n", percentile(lat1, 0.5),
                percentile(lat1, 0.99), lat1.size());
    std::printf("finality, half load    p50 %.0f ms, p99 %.0f ms (%zu probes; target p50 <= 250 ms)\n",
                percentile(lat2, 0.5), percentile(lat2, 0.99), lat2.size());
    return refused == 0 ? 0 : 1;
}
