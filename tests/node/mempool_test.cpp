// Mempool: no store read under its lock, and still no record admitted twice.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "node/mempool.h"

using namespace jchain;
using namespace std::chrono_literals;

namespace {

node::PendingRecord pending(std::uint8_t n) {
    node::PendingRecord p;
    p.id[0] = n;
    p.record.nonce = n;
    return p;
}

}  // namespace

TEST_CASE("the mempool looks a record up in the store without holding its lock") {
    node::Mempool pool(10);
    std::atomic<bool> other_got_in{false};
    std::thread other;
    auto committed = [&](const chain::Hash&) {
        // Another thread uses the mempool while the store is read (a slow LevelDB read).
        other = std::thread([&] {
            (void)pool.size();
            other_got_in = true;
        });
        for (int i = 0; i < 400 && !other_got_in; ++i) std::this_thread::sleep_for(5ms);
        return false;
    };
    const bool in_time = [&] {
        auto r = pool.add(pending(1), committed);
        CHECK_FALSE(r);
        return other_got_in.load();
    }();
    other.join();
    CHECK(in_time);
    CHECK(pool.size() == 1);
}

TEST_CASE("a block committed between the store look-up and the insert does not leave its record pending") {
    node::Mempool pool(10);
    bool in_store = false;
    int lookups = 0;
    auto committed = [&](const chain::Hash& id) {
        if (lookups++ == 0) {
            // Not committed yet when looked up; the block lands, and leaves the mempool,
            // before the insert.
            in_store = true;
            pool.remove({id});
            return false;
        }
        return in_store;
    };
    auto r = pool.add(pending(2), committed);
    REQUIRE(r);
    CHECK(r->reason == chain::RejectReason::duplicate);
    CHECK(lookups == 2);
    CHECK(pool.size() == 0);

    // A look-up made by the caller counts when nothing left the mempool since.
    const std::uint64_t at = pool.removals();
    CHECK_FALSE(pool.add(pending(3), [](const chain::Hash&) { return true; }, at));  // not read again
    pool.remove({});
    auto again = pool.add(pending(4), [](const chain::Hash&) { return true; }, at);  // stale: read again
    REQUIRE(again);
    CHECK(again->reason == chain::RejectReason::duplicate);
}
