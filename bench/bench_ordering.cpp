// bench_ordering: the ordering engine alone, with N validators.
//
// Everything is real (P2P links, proposals, votes, synced consensus logs, commit
// certificates, LevelDB blocks) except the payload: records carrying a 32-byte hash and
// no signature are put straight into every validator's mempool, in the same order, so
// no record signature is ever checked and the figure is what consensus, networking and
// storage can order. Compare with libhotstuff's ~44,000 unsigned commands/s with 4
// replicas on this machine (docs/benchmarks.md).
//
//   bench_ordering [--validators N] [--records R] [--chunk K]
#include <algorithm>
#include <cstdio>
#include <spdlog/spdlog.h>
#include <thread>

#include "bench/bench_util.h"
#include "tests/support/suite.h"

using namespace jchain;
using namespace jchain::bench;

int main(int argc, char** argv) {
    const int validators = static_cast<int>(arg(argc, argv, "--validators", 4));
    const std::size_t records = arg(argc, argv, "--records", 100'000);
    const std::size_t chunk = arg(argc, argv, "--chunk", 400);
    spdlog::set_level(spdlog::level::warn);

    LocalNet net(validators, records + 1, crypto::Suite::secp256k1_sha256());
    const auto member = net.member();

    std::vector<node::PendingRecord> payload(records);
    const std::uint64_t now = node::now_ms();
    for (std::size_t i = 0; i < records; ++i) {
        chain::Record& r = payload[i].record;
        r.chain_id = net.options.chain_id;
        r.content_hash = crypto::sha256(as_bytes("payload " + std::to_string(i)));  // the 32-byte command
        r.submitter = member.public_key;
        r.client_time_ms = now;
        r.nonce = i;
        payload[i].id = chain::record_id(default_suite, r);
    }

    auto nodes = net.start();

    std::printf("ordering %zu unsigned 32-byte payloads with %d validators, fed in chunks of %zu ...\n", records,
                validators, chunk);
    std::vector<double> injected_at((records + chunk - 1) / chunk), committed_at(injected_at.size(), -1);
    const auto start = Clock::now();
    std::atomic<bool> done{false};
    std::thread watcher([&] {  // when validator 0 has committed each chunk
        std::size_t c = 0;
        while (!done && c < committed_at.size()) {
            const std::uint64_t size = nodes[0]->tip().ledger_size;
            while (c < committed_at.size() && size >= std::min(records, (c + 1) * chunk)) committed_at[c++] = seconds_since(start);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    const auto never = [](const chain::Hash&) { return false; };
    for (std::size_t c = 0; c < injected_at.size(); ++c) {
        injected_at[c] = seconds_since(start);
        for (auto& n : nodes)
            for (std::size_t i = c * chunk; i < std::min(records, (c + 1) * chunk); ++i)
                (void)n->mempool_for_benchmarks().add(payload[i], never);
    }
    auto min_ledger = [&] {
        std::uint64_t m = UINT64_MAX;
        for (const auto& n : nodes) m = std::min(m, n->tip().ledger_size);
        return m;
    };
    while (min_ledger() < records && seconds_since(start) < 600) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double total_s = seconds_since(start);
    done = true;
    watcher.join();
    const auto height = nodes[0]->tip().height;
    nodes.clear();  // stop before the homes go

    std::vector<double> latency_ms;
    for (std::size_t c = 0; c < injected_at.size(); ++c)
        if (committed_at[c] >= 0) latency_ms.push_back((committed_at[c] - injected_at[c]) * 1000);
    double mean = 0;
    for (double l : latency_ms) mean += l / static_cast<double>(latency_ms.size());
    std::sort(latency_ms.begin(), latency_ms.end());
    std::printf("\nvalidators             %d\n", validators);
    std::printf("payloads committed     %zu in %.2f s, %llu blocks (%.0f per block)\n", records, total_s,
                static_cast<unsigned long long>(height), static_cast<double>(records) / static_cast<double>(height));
    std::printf("committed payloads/s   %.0f (libhotstuff reference on this machine: ~44,000)\n",
                static_cast<double>(records) / total_s);
    std::printf("latency (validator 0)  mean %.0f ms, p50 %.0f ms, p99 %.0f ms\n", mean,
                latency_ms.empty() ? 0 : latency_ms[latency_ms.size() / 2],
                latency_ms.empty() ? 0 : latency_ms[latency_ms.size() * 99 / 100]);
    return 0;
}
