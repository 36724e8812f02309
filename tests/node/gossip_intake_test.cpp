// GossipIntake: relayed records admitted off the consensus thread, each peer at most at
// its byte rate and in turn, and a bad signature reported once with the peer's queue dropped.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "consensus/codec.h"
#include "node/gossip_intake.h"
#include "tests/support/suite.h"
#include "tests/support/test_chain.h"

using namespace jchain;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t now = 1'700'000'000'000;

struct Fixture {
    test::TempDir dir;
    test::TestChain tc;
    std::unique_ptr<storage::BlockStore> store = storage::BlockStore::open(dir.str(), tc.genesis).value();
    node::Mempool mempool{100'000};
    node::VerifyPool pool{2};
    node::CurrentState state{chain::ChainState::from_genesis(tc.genesis)};
    node::Admission admission{state, *store, mempool, pool};

    std::mutex mutex;
    std::vector<chain::Hash> admitted;
    std::vector<std::pair<crypto::PublicKey, node::PeerOffence>> offences;

    node::GossipIntake::Hooks hooks() {
        return {[this](std::vector<chain::Hash> ids) {
                    std::lock_guard lock(mutex);
                    admitted.insert(admitted.end(), ids.begin(), ids.end());
                },
                [this](const crypto::PublicKey& peer, node::PeerOffence o, const std::string&) {
                    std::lock_guard lock(mutex);
                    offences.emplace_back(peer, o);
                },
                [] { return now; }};
    }
    // `n` records from `first` on, as one gossip frame.
    Bytes frame(std::uint64_t first, std::size_t n) {
        std::vector<chain::Record> records;
        for (std::size_t i = 0; i < n; ++i) records.push_back(tc.record(first + i, tc.court));
        return consensus::encode_records(records);
    }
    bool has(const chain::Hash& id) {
        std::lock_guard lock(mutex);
        return std::find(admitted.begin(), admitted.end(), id) != admitted.end();
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return admitted.size();
    }
};

template <class F>
bool eventually(F condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

}  // namespace

TEST_CASE("a flooding peer's record frames are taken at its byte rate, and another peer's are not stuck behind them") {
    Fixture f;
    const crypto::PublicKey flooder = default_suite.generate_key().public_key;
    const crypto::PublicKey honest = default_suite.generate_key().public_key;
    // 10 frames of 100 records (~21 KB each) from the flooder, at 20 KB/s: ~10 s of work.
    std::vector<Bytes> frames;
    for (int k = 0; k < 10; ++k) frames.push_back(f.frame(1000 + 100 * k, 100));
    node::GossipIntake intake(f.admission, f.hooks(), /*bytes_per_s=*/20'000);
    std::atomic<int> released{0};
    for (auto& b : frames)  // each frame's credit is released once it is done
        intake.post(flooder, std::move(b), p2p::FrameCredit(nullptr, [&](const void*) { ++released; }));
    const auto started = std::chrono::steady_clock::now();
    intake.post(honest, f.frame(1, 1), nullptr);
    const chain::Hash honest_id = chain::record_id(default_suite, f.tc.record(1, f.tc.court));

    REQUIRE(eventually([&] { return f.has(honest_id); }, 5s));
    CHECK(std::chrono::steady_clock::now() - started < 3s);
    // The flooder got its second's burst and not much more.
    std::this_thread::sleep_for(1s);
    CHECK(f.count() < 1 + 500);
    CHECK(released < 6);
    CHECK(intake.queued_frames() > 4);
    CHECK(f.offences.empty());
    // Dropped (its peer was banned): every credit comes back.
    CHECK(intake.drop(flooder) >= 4);
    CHECK(intake.queued_frames() == 0);
    CHECK(eventually([&] { return released == 10; }, 5s));
}

TEST_CASE("a relayed record with a bad signature is reported once per frame, and drop() forgets the peer's queue") {
    Fixture f;
    const crypto::PublicKey liar = default_suite.generate_key().public_key;
    std::vector<chain::Record> records;
    for (int i = 0; i < 5; ++i) records.push_back(f.tc.record(50 + i, f.tc.court));
    records[3].signature.bytes[7] ^= 1;
    // A duplicate is no offence: an honest relay may send one.
    node::GossipIntake intake(f.admission, f.hooks());
    intake.post(liar, consensus::encode_records({records[0]}), nullptr);
    intake.post(liar, consensus::encode_records({records[0]}), nullptr);  // a duplicate
    REQUIRE(eventually([&] { return f.count() == 1; }, 5s));
    intake.post(liar, consensus::encode_records(records), nullptr);
    REQUIRE(eventually([&] { std::lock_guard lock(f.mutex); return f.offences.size() == 1; }, 5s));
    CHECK(f.offences[0].first == liar);
    CHECK(f.offences[0].second == node::PeerOffence::bad_record_signature);
    CHECK(f.count() == 4);  // the good ones are admitted all the same
    intake.post(liar, Bytes{1, 2, 3}, nullptr);  // does not decode
    REQUIRE(eventually([&] { std::lock_guard lock(f.mutex); return f.offences.size() == 2; }, 5s));
    CHECK(f.offences[1].second == node::PeerOffence::undecodable);
}
