// Mempool: admitted records waiting for a block, in arrival order, unique by id,
// bounded by records_max. Thread-safe (one mutex).
//
// A record can never be admitted twice: committed records are removed only after their
// block is durable, and add() looks the id up in the store (the `committed` callback)
// *outside* the lock, then inserts only if no remove() happened since it began looking
// (else it looks again): a block committed meanwhile is either seen in the store or
// removes the record after it was inserted. No store read ever runs under the lock.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
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
    // `checked_at`: the caller already found the id not committed, having read
    // removals() just before looking; the store is read again only if remove() ran since.
    std::optional<chain::Reject> add(PendingRecord record, const std::function<bool(const chain::Hash&)>& committed,
                                     std::optional<std::uint64_t> checked_at = std::nullopt);
    // How many times remove() has run: read it before looking a record up in the store.
    std::uint64_t removals() const;
    // The pool holds records_max records: admission refuses before verifying anything.
    bool full() const;

    // Up to n oldest records, left in the pool until remove().
    std::vector<PendingRecord> peek(std::size_t n) const;
    void remove(const std::vector<chain::Hash>& ids);

    std::optional<chain::Record> find(const chain::Hash& id) const;
    bool contains(const chain::Hash& id) const;
    // True when the pool holds record `id` with exactly this signature: admission has
    // verified it, so a proposal carrying it need not verify it again.
    bool holds(const chain::Hash& id, const chain::Signature& signature) const;
    std::size_t size() const;
    // Arrival time of the oldest record; nullopt when empty.
    std::optional<std::uint64_t> oldest_ms() const;

    // Removes every record `keep` says no to and remembers why (the last expired_max of
    // them), so get_record can tell a client whose record will never commit. Returns
    // how many left.
    std::size_t expire(const std::function<bool(const chain::Record&)>& keep, const std::string& why);
    struct Expired {
        chain::Record record;
        std::string reason;
    };
    std::optional<Expired> expired(const chain::Hash& id) const;
    static constexpr std::size_t expired_max = 10'000;

private:
    const std::size_t records_max_;
    mutable std::mutex mutex_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t removals_ = 0;
    std::map<std::uint64_t, PendingRecord> by_seq_;
    std::unordered_map<chain::Hash, std::uint64_t, HashHasher> seq_of_;
    std::unordered_map<chain::Hash, Expired, HashHasher> expired_;
    std::deque<chain::Hash> expired_order_;  // oldest first, for the bound
};

}  // namespace jchain::node
