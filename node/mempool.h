// Mempool: admitted records waiting for a block, in arrival order, unique by id,
// bounded by records_max. Thread-safe (one mutex).
//
// The duplicate check and the insert happen under the mempool's lock together with a
// look-up in the store (the `committed` callback), and committed records are removed
// only after their block is durable, so a record can never be admitted twice.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "chain/record.h"
#include "chain/reject.h"

namespace jchain::node {

struct HashHasher {
    std::size_t operator()(const chain::Hash& h) const {
        std::size_t v;
        std::memcpy(&v, h.data(), sizeof v);
        return v;
    }
};

struct PendingRecord {
    chain::Hash id;
    chain::Record record;
    std::uint64_t arrived_ms = 0;
};

class Mempool {
public:
    explicit Mempool(std::size_t records_max) : records_max_(records_max) {}

    // Inserts unless the id is pending or committed (duplicate) or the pool is full.
    std::optional<chain::Reject> add(PendingRecord record, const std::function<bool(const chain::Hash&)>& committed);

    // Up to n oldest records, left in the pool until remove().
    std::vector<PendingRecord> peek(std::size_t n) const;
    void remove(const std::vector<chain::Hash>& ids);

    std::optional<chain::Record> find(const chain::Hash& id) const;
    bool contains(const chain::Hash& id) const;
    std::size_t size() const;
    // Arrival time of the oldest record; nullopt when empty.
    std::optional<std::uint64_t> oldest_ms() const;

private:
    const std::size_t records_max_;
    mutable std::mutex mutex_;
    std::uint64_t next_seq_ = 0;
    std::map<std::uint64_t, PendingRecord> by_seq_;
    std::unordered_map<chain::Hash, std::uint64_t, HashHasher> seq_of_;
};

}  // namespace jchain::node
