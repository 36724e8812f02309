// dial_peer: a P2P client for process tests (tests/process/test_node_identity.py). It
// dials one node with a key from a key file, exactly as a node would (p2p::PeerNetwork,
// protocol v2 of docs/p2p.md), and reports whether the node let it link.
//
//   dial_peer --chain-id ID --address HOST:PORT --server-key HEX --key KEY_FILE
//             [--suite NAME [--sm2-user-id ID]] [--timeout-ms N] [--refusals N]
//
// Prints one JSON line {"linked": bool, "refused_handshakes": n, "ms": t} and exits 0
// when a link was authenticated, 1 when `--refusals` handshakes (default 3) closed before
// authentication (or the timeout passed) without one, 2 on a usage error.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <spdlog/spdlog.h>
#include <string>
#include <thread>

#include "base/hex.h"
#include "crypto/suite.h"
#include "p2p/peer_network.h"

using namespace jchain;

namespace {

int usage(const std::string& why) {
    std::cerr << "dial_peer: " << why
              << "\nusage: dial_peer --chain-id ID --address HOST:PORT --server-key HEX --key KEY_FILE "
                 "[--suite NAME [--sm2-user-id ID]] [--timeout-ms N] [--refusals N]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string chain_id, address, server_hex, key_file, suite_name = "secp256k1-sha256", user_id;
    long timeout_ms = 10000, refusals = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--chain-id") chain_id = value;
        else if (flag == "--address") address = value;
        else if (flag == "--server-key") server_hex = value;
        else if (flag == "--key") key_file = value;
        else if (flag == "--suite") suite_name = value;
        else if (flag == "--sm2-user-id") user_id = value;
        else if (flag == "--timeout-ms") timeout_ms = std::stol(value);
        else if (flag == "--refusals") refusals = std::stol(value);
        else return usage("unknown flag " + flag);
    }
    if (argc % 2 == 0 || chain_id.empty() || address.empty() || server_hex.empty() || key_file.empty())
        return usage("missing arguments");
    auto suite = crypto::Suite::from_name(suite_name, user_id.empty() ? std::nullopt : std::optional(user_id));
    if (!suite) return usage(suite.message());
    auto key = suite->read_key_file(key_file);
    if (!key) return usage(key.message());
    auto server_bytes = from_hex_fixed<33>(server_hex);
    auto server = server_bytes ? suite->parse_public_key(*server_bytes) : std::nullopt;
    if (!server) return usage("--server-key is not a public key of the suite");
    spdlog::set_level(spdlog::level::warn);

    p2p::P2pConfig config;
    config.listen = "";  // dial only
    config.peers = {address};
    config.suite = *suite;
    config.chain_id = chain_id;
    config.redial_ms_min = 50;
    config.redial_ms_max = 200;
    config.handshake_timeout_ms = 2000;
    std::atomic<bool> linked{false};
    p2p::PeerNetwork net(
        config, *key, {*server}, [](const crypto::PublicKey&, std::uint8_t, Bytes, p2p::FrameCredit) {},
        [&](const crypto::PublicKey&, bool up) {
            if (up) linked = true;
        });
    if (Status s = net.start(); !s) return usage(s.message());
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::milliseconds(timeout_ms);
    while (!linked && net.unfinished_handshakes() < static_cast<std::uint64_t>(refusals) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    const bool ok = linked.load();
    const auto refused = net.unfinished_handshakes();
    net.stop();
    std::printf("{\"linked\": %s, \"refused_handshakes\": %llu, \"ms\": %lld}\n", ok ? "true" : "false",
                static_cast<unsigned long long>(refused), static_cast<long long>(ms));
    return ok ? 0 : 1;
}
