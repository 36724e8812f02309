// Shared by the benchmarks: the machine's reference rate, arguments, and a local
// network of in-process validators on free loopback ports.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "node/home.h"
#include "node/node.h"
#include "tests/support/suite.h"

namespace jchain::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One core's verifications/s under `suite`, measured for two seconds the way the node
// verifies records: a key parsed once (crypto::PreparedKey), many signatures. Each suite
// is measured against its own rate: libsecp256k1 for secp256k1-sha256, the suite's SM2
// verifier (crypto/sm2_verify.h) for sm2-sm3.
inline double verifications_per_second(const crypto::Suite& suite) {
    const auto key = suite.generate_key();
    const auto prepared = crypto::PreparedKey::from(suite, key.public_key).value();
    std::vector<std::pair<crypto::Hash, crypto::Signature>> sigs;
    for (int i = 0; i < 2000; ++i) {
        auto digest = suite.hash(as_bytes(std::to_string(i)));
        sigs.emplace_back(digest, suite.sign(key, digest));
    }
    const auto start = Clock::now();
    std::size_t done = 0;
    while (seconds_since(start) < 2.0)
        for (const auto& [d, s] : sigs) done += prepared.verify(d, s) ? 1 : 0;
    return static_cast<double>(done) / seconds_since(start);
}

// `--name value` from the command line, or `fallback`.
inline std::uint64_t arg(int argc, char** argv, const std::string& name, std::uint64_t fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return std::stoull(argv[i + 1]);
    return fallback;
}

// `--suite secp256k1-sha256|sm2-sm3` (default secp256k1-sha256).
inline crypto::Suite suite_arg(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--suite") {
            auto suite = crypto::Suite::from_name(argv[i + 1]);
            if (!suite) std::fprintf(stderr, "--suite: %s\n", suite.message().c_str()), std::exit(2);
            return *suite;
        }
    return crypto::Suite::secp256k1_sha256();
}

inline std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

// `jchain testnet` homes in a temporary directory, rewired to free P2P ports and any RPC
// port, with room for `mempool_records` pending records. Removed by the destructor.
struct LocalNet {
    std::filesystem::path dir;
    node::TestnetOptions options;
    std::vector<node::TestnetNode> homes;

    LocalNet(int validators, std::size_t mempool_records, const crypto::Suite& suite,
             const chain::ChainParams& params = {}) {
        dir = std::filesystem::temp_directory_path() / ("jchain-bench-" + std::to_string(std::random_device{}()));
        options.out = dir.string();
        options.chain_id = "jchain-bench";
        options.validators = validators;
        options.suite = suite;
        options.params = params;
        auto made = node::init_testnet(options);
        if (!made) {
            std::fprintf(stderr, "testnet: %s\n", made.message().c_str());
            std::exit(2);
        }
        homes = std::move(*made);
        std::vector<std::string> p2p;
        for (int i = 0; i < validators; ++i) p2p.push_back("127.0.0.1:" + std::to_string(free_port()));
        for (int i = 0; i < validators; ++i) {
            node::HomePaths paths{homes[i].home};
            auto config = node::load_config(paths.config_file()).value();
            config.rpc_listen = "127.0.0.1:0";
            config.p2p_listen = p2p[i];
            config.p2p_peers.clear();
            for (int j = 0; j < validators; ++j)
                if (j != i) config.p2p_peers.push_back(p2p[j]);
            config.mempool_records_max = mempool_records;
            std::ofstream(paths.config_file()) << node::config_to_toml(config);
        }
    }
    ~LocalNet() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    crypto::KeyPair member() const { return options.suite.read_key_file(options.out + "/demo_member_key.json").value(); }

    // Opens and starts every node, then gives the peers a second to connect.
    // `count`: only the first `count` homes (0: all).
    std::vector<std::unique_ptr<node::Node>> start(std::size_t count = 0) const {
        std::vector<std::unique_ptr<node::Node>> nodes;
        for (const auto& h : homes) {
            if (count > 0 && nodes.size() == count) break;
            auto n = node::Node::open(h.home);
            if (!n) std::fprintf(stderr, "open %s: %s\n", h.home.c_str(), n.message().c_str()), std::exit(2);
            if (auto s = (*n)->start(); !s) std::fprintf(stderr, "start: %s\n", s.message().c_str()), std::exit(2);
            nodes.push_back(std::move(*n));
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        return nodes;
    }
};

}  // namespace jchain::bench
