// adversary_peer: a peer holding a valid node key (stolen) that floods real nodes with
// frames no honest node sends, for tests/process/test_adversary_peers.py and
// bench/bench_flood. It links with p2p::PeerNetwork (the node's own transport, so the
// handshake is genuine) and then keeps each link's send queue full.
//
//   adversary_peer --key NODE_KEY.json --genesis GENESIS.json --peer HOST:PORT [--peer ...]
//                  [--seconds S] [--mode bad-signature|stale] [--records-per-frame N]
//
// bad-signature: gossip frames of records by a real member of the chain, well formed and
// timely, whose signatures are random bytes (each costs a node a verification). stale:
// the same records with a client time an hour old, refused before any signature check
// and no offence (an honest relay may send them late): only the byte budget stops them.
// Prints one JSON line: frames and bytes queued, links made, links lost, handshakes
// refused.
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "chain/genesis.h"
#include "consensus/codec.h"
#include "p2p/peer_network.h"

using namespace jchain;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t frame_records = 2;  // docs/p2p.md

std::uint64_t wall_ms() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

int usage() {
    std::fprintf(stderr,
                 "usage: adversary_peer --key NODE_KEY.json --genesis GENESIS.json --peer HOST:PORT [--peer ...]\n"
                 "                      [--seconds S] [--mode bad-signature|stale] [--records-per-frame N]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string key_path, genesis_path, mode = "bad-signature";
    std::vector<std::string> peers;
    double seconds = 30;
    std::size_t per_frame = 1000;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        const std::string v = argv[++i];
        if (a == "--key") key_path = v;
        else if (a == "--genesis") genesis_path = v;
        else if (a == "--peer") peers.push_back(v);
        else if (a == "--seconds") seconds = std::stod(v);
        else if (a == "--mode") mode = v;
        else if (a == "--records-per-frame") per_frame = std::stoul(v);
        else return usage();
    }
    if (key_path.empty() || genesis_path.empty() || peers.empty() || (mode != "bad-signature" && mode != "stale"))
        return usage();
    spdlog::set_level(spdlog::level::warn);

    auto genesis = chain::read_genesis_file(genesis_path);
    if (!genesis) return std::fprintf(stderr, "%s\n", genesis.message().c_str()), 1;
    auto key = genesis->suite.read_key_file(key_path);
    if (!key) return std::fprintf(stderr, "%s\n", key.message().c_str()), 1;

    // A member and a kind its role may write: records that pass every check but the signature.
    const chain::Member* member = nullptr;
    chain::Kind kind = chain::Kind::evidence;
    for (const auto& [k, roles] : genesis->policy)
        for (const auto& m : genesis->members)
            if (!member && roles.contains(m.role)) member = &m, kind = k;
    if (!member) return std::fprintf(stderr, "no member may write any kind\n"), 1;

    std::set<crypto::PublicKey> allowed;
    for (const auto& v : genesis->validators.validators) allowed.insert(v.key);
    for (const auto& m : genesis->members) allowed.insert(m.key);

    std::mutex mutex;
    std::set<crypto::PublicKey> linked;
    std::uint64_t links = 0, lost = 0;
    p2p::P2pConfig config;
    config.listen = "";  // dial only
    config.peers = peers;
    config.suite = genesis->suite;
    config.chain_id = genesis->chain_id;
    config.redial_ms_min = 100;
    config.redial_ms_max = 500;  // knocks again often: every refusal is a handshake the node pays for
    config.queue_bytes_max = 16u << 20;
    p2p::PeerNetwork net(config, *key, allowed, [](const crypto::PublicKey&, std::uint8_t, Bytes, p2p::FrameCredit) {},
                         [&](const crypto::PublicKey& peer, bool up) {
                             std::lock_guard lock(mutex);
                             if (up) linked.insert(peer), ++links;
                             else linked.erase(peer), ++lost;
                         });
    if (Status s = net.start(); !s) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;

    std::mt19937_64 rng(std::random_device{}());
    auto frame = [&] {
        std::vector<chain::Record> records(per_frame);
        const std::uint64_t now = wall_ms();
        for (auto& r : records) {
            r.chain_id = genesis->chain_id;
            r.kind = kind;
            for (auto& b : r.content_hash) b = static_cast<std::uint8_t>(rng());
            r.submitter = member->key;
            r.client_time_ms = mode == "stale" ? now - 3'600'000 : now;
            r.nonce = rng();
            for (auto& b : r.signature.bytes) b = static_cast<std::uint8_t>(rng());
        }
        return std::make_shared<const Bytes>(consensus::encode_records(records));
    };

    std::uint64_t frames = 0, bytes = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    auto payload = frame();
    auto made = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end) {
        if (std::chrono::steady_clock::now() - made > 2s) payload = frame(), made = std::chrono::steady_clock::now();
        std::vector<crypto::PublicKey> targets;
        {
            std::lock_guard lock(mutex);
            targets.assign(linked.begin(), linked.end());
        }
        bool queued = false;
        for (const auto& peer : targets)
            if (net.send(peer, frame_records, payload)) ++frames, bytes += payload->size(), queued = true;
        if (!queued) std::this_thread::sleep_for(2ms);  // every queue full, or no link
    }
    const std::uint64_t refused = net.unfinished_handshakes();
    net.stop();
    std::lock_guard lock(mutex);
    std::printf("{\"frames_queued\": %llu, \"bytes_queued\": %llu, \"links\": %llu, \"links_lost\": %llu, "
                "\"handshakes_refused\": %llu, \"records_per_frame\": %zu, \"frame_bytes\": %zu}\n",
                static_cast<unsigned long long>(frames), static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(links), static_cast<unsigned long long>(lost),
                static_cast<unsigned long long>(refused), per_frame, payload->size());
    return 0;
}
