#include "node/verify_pool.h"

#include <atomic>
#include <latch>
#include <memory>

namespace jchain::node {

VerifyPool::VerifyPool(std::size_t threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

VerifyPool::~VerifyPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void VerifyPool::run() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();
    }
}

std::vector<bool> VerifyPool::verify(const std::vector<Job>& jobs) {
    const std::size_t n = jobs.size();
    std::vector<char> ok(n, 0);
    // Work is handed out in small chunks through a shared cursor, so the caller and
    // every worker stay busy until the batch is done.
    constexpr std::size_t chunk = 16;
    auto cursor = std::make_shared<std::atomic<std::size_t>>(0);
    auto work = [&jobs, &ok, cursor, n] {
        for (;;) {
            std::size_t begin = cursor->fetch_add(chunk);
            if (begin >= n) return;
            for (std::size_t i = begin; i < std::min(n, begin + chunk); ++i)
                ok[i] = jobs[i].key && jobs[i].key->verify(*jobs[i].digest, *jobs[i].signature) ? 1 : 0;
        }
    };
    const std::size_t helpers = n <= chunk ? 0 : std::min(workers_.size(), (n + chunk - 1) / chunk);
    std::latch done(static_cast<std::ptrdiff_t>(helpers));
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < helpers; ++i)
            tasks_.emplace_back([&work, &done] {
                work();
                done.count_down();
            });
    }
    if (helpers > 0) wake_.notify_all();
    work();
    done.wait();
    return std::vector<bool>(ok.begin(), ok.end());
}

std::vector<bool> PoolVerifier::verify(std::span<const chain::Record> records, std::span<const chain::Hash> ids) {
    std::vector<bool> ok(records.size(), false);
    std::vector<VerifyPool::Job> jobs;
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (skip_ && skip_(records[i], ids[i])) {
            ok[i] = true;
            continue;
        }
        auto key = keys_.find(records[i].submitter);
        if (key == keys_.end()) {
            auto prepared = crypto::PreparedKey::from(suite_, records[i].submitter);
            if (!prepared) continue;  // not a curve point: the signature cannot verify
            key = keys_.emplace(records[i].submitter, *prepared).first;
        }
        jobs.push_back({&key->second, &ids[i], &records[i].signature});
        positions.push_back(i);
    }
    const std::vector<bool> verified = pool_.verify(jobs);
    for (std::size_t k = 0; k < positions.size(); ++k) ok[positions[k]] = verified[k];
    return ok;
}

}  // namespace jchain::node
