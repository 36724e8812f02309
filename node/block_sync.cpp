#include "node/block_sync.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "base/bytes.h"

namespace jchain::node {

namespace {

// A range is asked again of another peer only when it is this old and its peer has sent
// no block for as long.
constexpr auto retry_after = std::chrono::milliseconds(2000);
// A block served to a peer is not sent to it again sooner than this.
constexpr auto resend_after = std::chrono::milliseconds(300);
constexpr auto progress_every = std::chrono::seconds(5);
// A peer whose block was bad is ignored this long (it is banned too, and may come back).
constexpr auto ignore_for = std::chrono::seconds(60);

std::uint64_t range_start(std::uint64_t height) { return ((height - 1) / BlockSync::range_blocks) * BlockSync::range_blocks + 1; }

}  // namespace

void BlockSync::peer_at(const crypto::PublicKey& peer, std::uint64_t height) { peer_heights_[peer] = height; }

void BlockSync::peer_at_least(const crypto::PublicKey& peer, std::uint64_t height) {
    auto& known = peer_heights_[peer];
    known = std::max(known, height);
}

void BlockSync::peer_gone(const crypto::PublicKey& peer) {  // its claimed height and unanswered ranges go with it
    peer_heights_.erase(peer);
    std::erase_if(asked_, [&](const auto& a) { return a.second.peer == peer; });
    std::erase_if(requested_, [&](const auto& r) { return r.first.first == peer; });
}

std::uint64_t BlockSync::reported_peer_height() const {
    std::uint64_t best = 0;
    for (const auto& [peer, h] : peer_heights_)
        if (!unresponsive_.count(peer) && !ignored(peer)) best = std::max(best, h);
    return best;
}

std::uint64_t BlockSync::best_peer_height() const {
    std::uint64_t best = 0;
    for (const auto& [peer, h] : peer_heights_) best = std::max(best, h);
    return best;
}

bool BlockSync::behind(std::uint64_t tip_height) const {
    for (const auto& [peer, h] : peer_heights_)
        if (h > tip_height + 1 && !unresponsive_.count(peer) && !ignored(peer)) return true;
    return false;
}

bool BlockSync::ignored(const crypto::PublicKey& peer) const {
    auto it = ignored_until_.find(peer);
    return it != ignored_until_.end() && Clock::now() < it->second;
}

void BlockSync::step(std::uint64_t tip_height, std::uint64_t ledger_size, const std::string& verify_mode) {
    const std::uint64_t target = best_peer_height();
    std::erase_if(asked_, [&](const auto& a) { return a.first + range_blocks <= tip_height + 1; });
    if (target <= tip_height) return;
    if (!progress_.active) {
        progress_ = {Clock::now(), tip_height, ledger_size, true};
        spdlog::info("sync: at height {}, peers are at {}; catching up (verify_records = {})", tip_height, target,
                     verify_mode);
    }
    const auto now = Clock::now();
    const std::uint64_t end = std::min(target, tip_height + window_blocks);
    for (std::uint64_t start = (tip_height / range_blocks) * range_blocks + 1; start <= end; start += range_blocks) {
        if (fetched_bytes_ > fetched_bytes_max) return;
        const std::uint64_t last = std::min(start + range_blocks - 1, end);
        // Only the heights above the tip and not yet fetched are wanted.
        std::uint64_t first = std::max(start, tip_height + 1);
        while (first <= last && fetched_.count(first)) ++first;
        if (first > last) continue;
        auto it = asked_.find(start);
        if (it != asked_.end()) {
            const auto heard = last_heard_.find(it->second.peer);
            if (now < it->second.when + retry_after ||
                (heard != last_heard_.end() && now < heard->second + retry_after))
                continue;
            unresponsive_.insert(it->second.peer);  // it did not answer in time
        }
        // Candidates: peers that have the range's first missing height, not ignored.
        std::vector<crypto::PublicKey> candidates;
        for (const auto& [peer, h] : peer_heights_) {
            if (h < first || ignored(peer)) continue;
            if (it != asked_.end() && peer == it->second.peer && peer_heights_.size() > 1) continue;  // try another
            candidates.push_back(peer);
        }
        if (candidates.empty()) continue;
        const crypto::PublicKey& peer = candidates[next_peer_++ % candidates.size()];
        ByteWriter w;
        w.u64(first);
        w.u32(static_cast<std::uint32_t>(last - first + 1));
        link_.send(peer, link_.request_type, std::move(w).take());
        asked_[start] = {peer, now};
        requested_[{peer, start}] = {first, last};
    }
}

BlockSync::Taken BlockSync::on_block(const crypto::PublicKey& peer, consensus::CertifiedBlock block, std::size_t bytes,
                                     std::uint64_t tip_height) {
    const std::uint64_t h = block.value->block.header.height;
    if (h <= tip_height || fetched_.count(h) || ignored(peer)) return Taken::stale;
    const auto asked = requested_.find({peer, range_start(h)});
    if (asked == requested_.end() || h < asked->second.first || h > asked->second.second) return Taken::unrequested;
    last_heard_[peer] = Clock::now();
    // Room within fetched_bytes_max: blocks above this one make way (they are further
    // from being applied, and are asked again); else this one is dropped and asked again.
    while (fetched_bytes_ + bytes > fetched_bytes_max && !fetched_.empty() && fetched_.rbegin()->first > h) {
        auto top = std::prev(fetched_.end());
        fetched_bytes_ -= top->second.bytes;
        asked_.erase(range_start(top->first));
        fetched_.erase(top);
    }
    if (fetched_bytes_ + bytes > fetched_bytes_max && !fetched_.empty()) {
        asked_.erase(range_start(h));
        return Taken::no_room;
    }
    fetched_bytes_ += bytes;
    fetched_.emplace(h, Fetched{std::move(block), peer, bytes});
    return Taken::held;
}

std::optional<BlockSync::Fetched> BlockSync::take_next(std::uint64_t tip_height) {
    for (auto it = fetched_.begin(); it != fetched_.end() && it->first <= tip_height + 1; it = fetched_.begin()) {
        Fetched f = std::move(it->second);
        fetched_bytes_ -= f.bytes;
        fetched_.erase(it);
        if (f.block.value->block.header.height == tip_height + 1) return f;  // else stale
    }
    return std::nullopt;
}

void BlockSync::committed(std::uint64_t tip_height) {
    std::erase_if(requested_, [&](const auto& r) { return r.second.second <= tip_height; });
    std::erase_if(fetched_, [&](const auto& f) {
        if (f.first > tip_height) return false;
        fetched_bytes_ -= f.second.bytes;
        return true;
    });
}

void BlockSync::reset() {
    asked_.clear();
    fetched_.clear();
    fetched_bytes_ = 0;
}

void BlockSync::invalid(const crypto::PublicKey& peer, std::uint64_t height) {
    asked_.erase(range_start(height));  // ask that range again, of another
    ignored_until_[peer] = Clock::now() + ignore_for;
    std::erase_if(fetched_, [&](const auto& f) {  // nothing else it sent is worth checking
        if (f.second.peer != peer) return false;
        fetched_bytes_ -= f.second.bytes;
        asked_.erase(range_start(f.first));
        return true;
    });
}

void BlockSync::log_progress(std::uint64_t tip_height, std::uint64_t ledger_size, bool force) {
    if (!progress_.active) return;
    const std::uint64_t target = best_peer_height();
    const auto now = Clock::now();
    const double secs = std::chrono::duration<double>(now - progress_.at).count();
    if (tip_height >= target) {
        spdlog::info("sync: caught up at height {} ({} records in the ledger)", tip_height, ledger_size);
        progress_.active = false;
        rate_ = 0;
        return;
    }
    if (!force && now - progress_.at < progress_every) return;
    const double records_per_s = secs > 0 ? static_cast<double>(ledger_size - progress_.records) / secs : 0;
    const double blocks_per_s = secs > 0 ? static_cast<double>(tip_height - progress_.height) / secs : 0;
    rate_ = records_per_s;
    const double eta = blocks_per_s > 0 ? static_cast<double>(target - tip_height) / blocks_per_s : -1;
    spdlog::info("sync: height {} of {}, {:.0f} records/s, {:.1f} blocks/s, ETA {}", tip_height, target,
                 records_per_s, blocks_per_s, eta < 0 ? std::string("unknown") : fmt::format("{:.0f} s", eta));
    progress_.at = now;
    progress_.height = tip_height;
    progress_.records = ledger_size;
}

bool BlockSync::send_block(const crypto::PublicKey& peer, std::uint64_t height) {
    auto& last = sent_[{peer, height}];
    if (Clock::now() < last + resend_after) return true;
    last = Clock::now();
    if (sent_.size() > 10'000) sent_.clear();
    auto block = store_.block(height);
    auto cert = store_.certificate(height);
    if (!block || !cert) return false;
    consensus::Value value{*block, {}};
    value.records.reserve(block->record_ids.size());
    for (const auto& id : block->record_ids) {
        auto r = store_.record(id);
        if (!r) return false;
        value.records.push_back(std::move(r->record));
    }
    // False when the peer has gone or its send queue is full: it will ask again.
    return link_.send(peer, link_.block_type, consensus::encode_certified(value, *cert));
}

void BlockSync::serve(const crypto::PublicKey& peer, std::uint64_t from, std::uint64_t count,
                      std::uint64_t tip_height) {
    count = std::min(count, range_blocks);
    for (std::uint64_t k = from; k <= tip_height && k < from + count; ++k)
        if (!send_block(peer, k)) return;  // gone or full: reading more records would be wasted
}

}  // namespace jchain::node
