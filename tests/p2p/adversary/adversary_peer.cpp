// adversary_peer: a peer holding a valid node key (stolen) that floods real nodes with
// frames no honest node sends, for tests/process/test_adversary_peers.py and
// bench/bench_flood. It links with p2p::PeerNetwork (the node's own transport, so the
// handshake is genuine) and then keeps each link's send queue full (bench/flooder.h).
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
#include "bench/flooder.h"
#include "chain/genesis.h"
#include "consensus/codec.h"
#include "p2p/peer_network.h"

using namespace jchain;
using namespace std::chrono_literals;

namespace {

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

    bench::Flooder flooder(*genesis, *key, peers,
                           mode == "stale" ? bench::Flooder::Mode::stale : bench::Flooder::Mode::bad_signature,
                           per_frame);
    if (Status s = flooder.start(); !s) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const auto r = flooder.stop();
    std::printf("{\"frames_queued\": %llu, \"bytes_queued\": %llu, \"links\": %llu, \"links_lost\": %llu, "
                "\"handshakes_refused\": %llu, \"records_per_frame\": %zu, \"frame_bytes\": %zu}\n",
                static_cast<unsigned long long>(r.frames_queued), static_cast<unsigned long long>(r.bytes_queued),
                static_cast<unsigned long long>(r.links), static_cast<unsigned long long>(r.links_lost),
                static_cast<unsigned long long>(r.handshakes_refused), per_frame, r.frame_bytes);
    return 0;
}
