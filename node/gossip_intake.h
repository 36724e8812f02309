// GossipIntake: records relayed by peers, admitted off the consensus thread.
//
// One worker takes peers' record frames in turn, one frame per peer per turn, so a peer
// that floods waits behind itself, never in front of the others or of consensus. Each
// peer's frames are taken at most at bytes_per_s (a token bucket with a second's burst):
// the work any one peer can put on this node is bounded whatever it sends. What a peer
// has queued here is bounded by its inbound budget: each frame keeps its
// p2p::FrameCredit until it is done, and the peer's link is not read while it is over
// budget (p2p/peer_network.h). Signatures are checked by admission on the VerifyPool.
//
// A relayed record whose signature does not verify is a frame no honest node sends
// (every node verifies before it relays): `offence` is called once for the frame and
// the peer's queued frames are dropped. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "node/admission.h"
#include "node/peer_offence.h"
#include "p2p/peer_network.h"

namespace jchain::node {

class GossipIntake {
public:
    struct Hooks {
        std::function<void(std::vector<chain::Hash>)> admitted;  // fresh ids, to relay onward
        std::function<void(const crypto::PublicKey&, PeerOffence, const std::string& why)> offence;
        std::function<std::uint64_t()> now_ms;
    };
    // Far above what an honest peer relays (every record the chain takes, ~211 bytes
    // each: 16 MiB/s is ~80,000 records/s, more than two cores verify).
    static constexpr std::size_t default_bytes_per_s = 16u << 20;
    GossipIntake(Admission& admission, Hooks hooks, std::size_t bytes_per_s = default_bytes_per_s);
    ~GossipIntake();  // stop()
    GossipIntake(const GossipIntake&) = delete;
    GossipIntake& operator=(const GossipIntake&) = delete;

    // A record frame from `peer`; `credit` is released once it has been admitted.
    void post(const crypto::PublicKey& peer, Bytes payload, p2p::FrameCredit credit);
    // Forgets `peer`'s queued frames (it was banned); returns how many.
    std::size_t drop(const crypto::PublicKey& peer);
    std::size_t queued_frames() const;
    // Finishes the frame in hand and joins the worker; queued frames are dropped. Idempotent.
    void stop();

private:
    struct Item {
        Bytes payload;
        p2p::FrameCredit credit;
    };
    void run();
    void admit(const crypto::PublicKey& peer, Item item);

    using Clock = std::chrono::steady_clock;
    struct Bucket {
        double tokens = 0;  // bytes this peer may still have taken now; may go below zero
        Clock::time_point refilled{};
    };

    Admission& admission_;
    const Hooks hooks_;
    const double bytes_per_s_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::map<crypto::PublicKey, std::deque<Item>> queued_;  // no empty deques
    std::map<crypto::PublicKey, Bucket> buckets_;           // of peers with frames queued
    crypto::PublicKey last_served_{};                       // round-robin cursor
    bool stopping_ = false;
    std::thread worker_;  // last: started once the fields above exist
};

}  // namespace jchain::node
