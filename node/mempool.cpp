#include "node/mempool.h"

namespace jchain::node {

std::optional<chain::Reject> Mempool::add(PendingRecord record, const std::function<bool(const chain::Hash&)>& committed,
                                          std::optional<std::uint64_t> checked_at) {
    auto refusal = [&]() -> std::optional<chain::Reject> {  // under the lock
        if (seq_of_.count(record.id)) return chain::Reject{chain::RejectReason::duplicate, "record is already pending"};
        if (by_seq_.size() >= records_max_)
            return chain::Reject{chain::RejectReason::mempool_full,
                                 "mempool holds " + std::to_string(records_max_) + " records; retry shortly"};
        return std::nullopt;
    };
    for (;;) {
        std::uint64_t seen = 0;
        {
            std::lock_guard lock(mutex_);
            if (auto r = refusal()) return r;
            if (checked_at && *checked_at == removals_) {
                const std::uint64_t seq = next_seq_++;
                seq_of_.emplace(record.id, seq);
                by_seq_.emplace(seq, std::move(record));
                return std::nullopt;
            }
            seen = removals_;
        }
        if (committed(record.id)) return chain::Reject{chain::RejectReason::duplicate, "record is already committed"};
        checked_at = seen;  // and try to insert again
    }
}

std::uint64_t Mempool::removals() const {
    std::lock_guard lock(mutex_);
    return removals_;
}

bool Mempool::full() const {
    std::lock_guard lock(mutex_);
    return by_seq_.size() >= records_max_;
}

std::vector<PendingRecord> Mempool::peek(std::size_t n) const {
    std::lock_guard lock(mutex_);
    std::vector<PendingRecord> out;
    out.reserve(std::min(n, by_seq_.size()));
    for (auto it = by_seq_.begin(); it != by_seq_.end() && out.size() < n; ++it) out.push_back(it->second);
    return out;
}

void Mempool::remove(const std::vector<chain::Hash>& ids) {
    std::lock_guard lock(mutex_);
    ++removals_;
    for (const auto& id : ids) {
        auto it = seq_of_.find(id);
        if (it == seq_of_.end()) continue;
        by_seq_.erase(it->second);
        seq_of_.erase(it);
    }
}

std::optional<chain::Record> Mempool::find(const chain::Hash& id) const {
    std::lock_guard lock(mutex_);
    auto it = seq_of_.find(id);
    if (it == seq_of_.end()) return std::nullopt;
    return by_seq_.at(it->second).record;
}

bool Mempool::contains(const chain::Hash& id) const {
    std::lock_guard lock(mutex_);
    return seq_of_.count(id) > 0;
}

bool Mempool::holds(const chain::Hash& id, const chain::Signature& signature) const {
    std::lock_guard lock(mutex_);
    auto it = seq_of_.find(id);
    return it != seq_of_.end() && by_seq_.at(it->second).record.signature.bytes == signature.bytes;
}

std::size_t Mempool::size() const {
    std::lock_guard lock(mutex_);
    return by_seq_.size();
}

std::optional<std::uint64_t> Mempool::oldest_ms() const {
    std::lock_guard lock(mutex_);
    if (by_seq_.empty()) return std::nullopt;
    return by_seq_.begin()->second.arrived_ms;
}

std::size_t Mempool::expire(const std::function<bool(const chain::Record&)>& keep, const std::string& why) {
    std::lock_guard lock(mutex_);
    std::size_t removed = 0;
    for (auto it = by_seq_.begin(); it != by_seq_.end();) {
        if (keep(it->second.record)) {
            ++it;
            continue;
        }
        const chain::Hash id = it->second.id;
        if (expired_.emplace(id, Expired{std::move(it->second.record), why}).second) expired_order_.push_back(id);
        seq_of_.erase(id);
        it = by_seq_.erase(it);
        ++removed;
    }
    while (expired_order_.size() > expired_max) {
        expired_.erase(expired_order_.front());
        expired_order_.pop_front();
    }
    return removed;
}

std::optional<Mempool::Expired> Mempool::expired(const chain::Hash& id) const {
    std::lock_guard lock(mutex_);
    auto it = expired_.find(id);
    if (it == expired_.end()) return std::nullopt;
    return it->second;
}

}  // namespace jchain::node
