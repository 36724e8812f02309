// relay_peer: a peer holding a valid node key (stolen) that relays every proposal it hears
// to every node it reaches, with the body changed: one record's signature altered, or a
// record added to an empty block. The header and the proposer's signature are left as
// they are, so before header v3 (which commits to the body) a node that took this copy
// first held it against the block hash and prevoted nil. For
// tests/process/test_tampering_relay.py.
//
//   relay_peer --key NODE_KEY.json --genesis GENESIS.json --peer HOST:PORT [--peer ...] [--seconds S]
//
// Prints one JSON line: proposals heard, tampered copies queued, links made and lost,
// handshakes refused (the nodes ban it after its first tampered copy).
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chain/genesis.h"
#include "consensus/codec.h"
#include "p2p/peer_network.h"

using namespace jchain;

namespace {

constexpr std::uint8_t frame_consensus = 1;  // docs/p2p.md

int usage() {
    std::fprintf(stderr,
                 "usage: relay_peer --key NODE_KEY.json --genesis GENESIS.json --peer HOST:PORT [--peer ...] "
                 "[--seconds S]\n");
    return 2;
}

// The proposal with its body changed and nothing else.
consensus::Message tamper(const consensus::Proposal& p) {
    consensus::Proposal q = p;
    consensus::Value v = *p.value;
    if (v.records.empty()) v.records.emplace_back();
    else v.records.front().signature.bytes[20] ^= 0x01;
    q.value = std::make_shared<const consensus::Value>(std::move(v));
    return q;
}

}  // namespace

int main(int argc, char** argv) {
    std::string key_path, genesis_path;
    std::vector<std::string> peers;
    double seconds = 20;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        const std::string v = argv[++i];
        if (a == "--key") key_path = v;
        else if (a == "--genesis") genesis_path = v;
        else if (a == "--peer") peers.push_back(v);
        else if (a == "--seconds") seconds = std::stod(v);
        else return usage();
    }
    if (key_path.empty() || genesis_path.empty() || peers.empty()) return usage();
    spdlog::set_level(spdlog::level::warn);
    auto genesis = chain::read_genesis_file(genesis_path);
    if (!genesis) return std::fprintf(stderr, "%s\n", genesis.message().c_str()), 1;
    auto key = genesis->suite.read_key_file(key_path);
    if (!key) return std::fprintf(stderr, "%s\n", key.message().c_str()), 1;

    std::set<crypto::PublicKey> allowed;
    for (const auto& v : genesis->validators.validators) allowed.insert(v.key);
    p2p::P2pConfig config;
    config.listen = "";  // dials only
    config.peers = peers;
    config.suite = genesis->suite;
    config.chain_id = genesis->chain_id;
    config.redial_ms_min = 100;
    config.redial_ms_max = 500;

    std::mutex mutex;
    std::set<crypto::PublicKey> linked;
    std::atomic<std::uint64_t> heard{0}, sent{0}, links{0}, lost{0};
    std::unique_ptr<p2p::PeerNetwork> net;
    std::set<chain::Hash> relayed;  // once per proposal: one change is enough
    net = std::make_unique<p2p::PeerNetwork>(
        config, *key, allowed,
        [&](const crypto::PublicKey&, std::uint8_t type, Bytes payload, p2p::FrameCredit) {
            if (type != frame_consensus) return;
            auto m = consensus::decode_message(payload);
            const auto* p = m ? std::get_if<consensus::Proposal>(&*m) : nullptr;
            if (!p || !p->value) return;
            ++heard;
            std::vector<crypto::PublicKey> targets;
            {
                std::lock_guard lock(mutex);
                if (!relayed.insert(p->block_hash).second) return;
                targets.assign(linked.begin(), linked.end());
            }
            auto bytes = std::make_shared<const Bytes>(consensus::encode_message(tamper(*p)));
            for (const auto& t : targets)
                if (net->send(t, frame_consensus, bytes)) ++sent;
        },
        [&](const crypto::PublicKey& peer, bool up) {
            std::lock_guard lock(mutex);
            if (up) linked.insert(peer), ++links;
            else linked.erase(peer), ++lost;
        });
    if (Status s = net->start(); !s) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const std::uint64_t refused = net->unfinished_handshakes();
    net->stop();
    std::printf("{\"proposals_heard\": %llu, \"tampered_sent\": %llu, \"links\": %llu, \"links_lost\": %llu, "
                "\"handshakes_refused\": %llu}\n",
                static_cast<unsigned long long>(heard.load()), static_cast<unsigned long long>(sent.load()),
                static_cast<unsigned long long>(links.load()), static_cast<unsigned long long>(lost.load()),
                static_cast<unsigned long long>(refused));
    return 0;
}
