// Flooder: a peer holding a stolen node key that floods nodes with record gossip as fast
// as their links take it (bench/bench_flood, tests/p2p/adversary/adversary_peer). It links
// with p2p::PeerNetwork, so its handshake is the node's own; then it keeps each link's
// send queue full.
//
// Modes: bad_signature: well-formed, timely records by a real member of the chain whose
// signatures are random bytes (a frame no honest node sends: nodes ban it). stale: the
// same with a client time an hour old, which an honest but slow relay may send: no
// offence, refused before any signature check; only the per-peer byte budget holds it.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chain/genesis.h"
#include "consensus/codec.h"
#include "p2p/peer_network.h"

namespace jchain::bench {

class Flooder {
public:
    enum class Mode { bad_signature, stale };
    struct Report {
        std::uint64_t frames_queued = 0, bytes_queued = 0, links = 0, links_lost = 0, handshakes_refused = 0;
        std::size_t frame_bytes = 0;
    };

    Flooder(const chain::Genesis& genesis, crypto::KeyPair key, std::vector<std::string> peers, Mode mode,
            std::size_t records_per_frame = 1000)
        : genesis_(genesis), mode_(mode), per_frame_(records_per_frame) {
        for (const auto& [k, roles] : genesis.policy)
            for (const auto& m : genesis.members)
                if (!member_ && roles.contains(m.role)) member_ = &m, kind_ = k;
        std::set<crypto::PublicKey> allowed;
        for (const auto& v : genesis.validators.validators) allowed.insert(v.key);
        p2p::P2pConfig config;
        config.listen = "";  // dials only
        config.peers = std::move(peers);
        config.suite = genesis.suite;
        config.chain_id = genesis.chain_id;
        config.redial_ms_min = 100;
        config.redial_ms_max = 500;  // knocks often: every refusal is a handshake the node pays for
        config.queue_bytes_max = 16u << 20;
        net_ = std::make_unique<p2p::PeerNetwork>(
            config, key, allowed, [](const crypto::PublicKey&, std::uint8_t, Bytes, p2p::FrameCredit) {},
            [this](const crypto::PublicKey& peer, bool up) {
                std::lock_guard lock(mutex_);
                if (up) linked_.insert(peer), ++report_.links;
                else linked_.erase(peer), ++report_.links_lost;
            });
    }
    ~Flooder() { stop(); }

    Status start() {
        if (!member_) return Status::error("no member may write any kind");
        if (Status s = net_->start(); !s) return s;
        thread_ = std::thread([this] { run(); });
        return Status::ok();
    }
    Report stop() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
        if (net_) {
            report_.handshakes_refused = net_->unfinished_handshakes();
            net_->stop();
        }
        std::lock_guard lock(mutex_);
        return report_;
    }

private:
    static std::uint64_t wall_ms() {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    }
    std::shared_ptr<const Bytes> frame() {
        std::vector<chain::Record> records(per_frame_);
        const std::uint64_t now = wall_ms();
        for (auto& r : records) {
            r.chain_id = genesis_.chain_id;
            r.kind = kind_;
            for (auto& b : r.content_hash) b = static_cast<std::uint8_t>(rng_());
            r.submitter = member_->key;
            r.client_time_ms = mode_ == Mode::stale ? now - 3'600'000 : now;
            r.nonce = rng_();
            for (auto& b : r.signature.bytes) b = static_cast<std::uint8_t>(rng_());
        }
        return std::make_shared<const Bytes>(consensus::encode_records(records));
    }
    void run() {
        constexpr std::uint8_t frame_records = 2;  // docs/p2p.md
        auto payload = frame();
        auto made = std::chrono::steady_clock::now();
        while (!stopping_) {
            if (std::chrono::steady_clock::now() - made > std::chrono::seconds(2))
                payload = frame(), made = std::chrono::steady_clock::now();
            std::vector<crypto::PublicKey> targets;
            {
                std::lock_guard lock(mutex_);
                targets.assign(linked_.begin(), linked_.end());
                report_.frame_bytes = payload->size();
            }
            bool queued = false;
            for (const auto& peer : targets)
                if (net_->send(peer, frame_records, payload)) {
                    std::lock_guard lock(mutex_);
                    ++report_.frames_queued;
                    report_.bytes_queued += payload->size();
                    queued = true;
                }
            if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // all full, or no link
        }
    }

    const chain::Genesis& genesis_;
    const Mode mode_;
    const std::size_t per_frame_;
    const chain::Member* member_ = nullptr;
    chain::Kind kind_ = chain::Kind::evidence;
    std::mt19937_64 rng_{std::random_device{}()};
    std::unique_ptr<p2p::PeerNetwork> net_;
    std::mutex mutex_;
    std::set<crypto::PublicKey> linked_;
    Report report_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace jchain::bench
