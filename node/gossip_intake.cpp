#include "node/gossip_intake.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "consensus/codec.h"

namespace jchain::node {

GossipIntake::GossipIntake(Admission& admission, Hooks hooks, std::size_t bytes_per_s)
    : admission_(admission),
      hooks_(std::move(hooks)),
      bytes_per_s_(static_cast<double>(bytes_per_s)),
      worker_([this] { run(); }) {}

GossipIntake::~GossipIntake() { stop(); }

void GossipIntake::post(const crypto::PublicKey& peer, Bytes payload, p2p::FrameCredit credit) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        queued_[peer].push_back(Item{std::move(payload), std::move(credit)});
        if (auto [b, fresh] = buckets_.try_emplace(peer); fresh) b->second = {bytes_per_s_, Clock::now()};
    }
    wake_.notify_one();
}

std::size_t GossipIntake::drop(const crypto::PublicKey& peer) {
    std::deque<Item> gone;  // credits released outside the lock
    {
        std::lock_guard lock(mutex_);
        auto it = queued_.find(peer);
        if (it == queued_.end()) return 0;
        gone = std::move(it->second);
        queued_.erase(it);
        buckets_.erase(peer);
    }
    return gone.size();
}

std::size_t GossipIntake::queued_frames() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [peer, items] : queued_) n += items.size();
    return n;
}

void GossipIntake::stop() {
    std::map<crypto::PublicKey, std::deque<Item>> gone;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        gone.swap(queued_);
        buckets_.clear();
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void GossipIntake::run() {
    for (;;) {
        crypto::PublicKey peer;
        Item item;
        {
            std::unique_lock lock(mutex_);
            std::map<crypto::PublicKey, std::deque<Item>>::iterator it;
            for (;;) {
                wake_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
                if (stopping_) return;
                // The next peer after the last one served, wrapping round, that is within
                // its rate; if none is, wait until the first of them is.
                const auto now = Clock::now();
                double deficit_min = 0;
                bool found = false;
                it = queued_.upper_bound(last_served_);
                for (std::size_t n = 0; n < queued_.size() && !found; ++n) {
                    if (it == queued_.end()) it = queued_.begin();
                    Bucket& b = buckets_[it->first];
                    b.tokens = std::min(bytes_per_s_,
                                        b.tokens + bytes_per_s_ * std::chrono::duration<double>(now - b.refilled).count());
                    b.refilled = now;
                    found = b.tokens > 0;
                    if (!found) deficit_min = n == 0 ? -b.tokens : std::min(deficit_min, -b.tokens), ++it;
                }
                if (found) break;
                wake_.wait_for(lock, std::chrono::duration<double>(deficit_min / bytes_per_s_) +
                                         std::chrono::milliseconds(1));
            }
            peer = it->first;
            item = std::move(it->second.front());
            it->second.pop_front();
            buckets_[peer].tokens -= static_cast<double>(item.payload.size());
            if (it->second.empty()) queued_.erase(it);  // its bucket stays: a flood stays slowed
            last_served_ = peer;
        }
        try {
            admit(peer, std::move(item));
        } catch (const std::exception& e) {  // e.g. bad_alloc: lose the frame, not the node
            spdlog::error("gossip from {}: {}", to_hex(peer.bytes).substr(0, 12), e.what());
        }
    }
}

void GossipIntake::admit(const crypto::PublicKey& peer, Item item) {
    auto records = consensus::decode_records(item.payload);
    if (!records) return hooks_.offence(peer, PeerOffence::undecodable, "a record frame that does not decode");
    Bytes().swap(item.payload);
    const std::size_t n = records->size();
    const auto results = admission_.admit(std::move(*records), hooks_.now_ms());
    std::vector<chain::Hash> fresh;
    std::size_t bad = 0;
    const chain::Reject* first_bad = nullptr;
    for (const auto& r : results) {
        if (const auto* id = std::get_if<chain::Hash>(&r)) {
            fresh.push_back(*id);
        } else if (const auto& reject = std::get<chain::Reject>(r); reject.reason == chain::RejectReason::bad_signature) {
            // Only this refusal is deterministic: policy, time and duplicates may differ
            // between an honest relay and this node.
            if (!first_bad) first_bad = &reject;
            ++bad;
        }
    }
    if (!fresh.empty()) hooks_.admitted(std::move(fresh));
    if (bad > 0)
        hooks_.offence(peer, PeerOffence::bad_record_signature,
                       "relayed " + std::to_string(bad) + " of " + std::to_string(n) +
                           " records whose signature does not verify (" + first_bad->message + ")");
}

}  // namespace jchain::node
