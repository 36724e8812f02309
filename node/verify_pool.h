// VerifyPool: checks record signatures on every core. verify() splits a batch across
// the workers and the calling thread and returns when all are done. Thread-safe:
// several callers may verify at once; their work interleaves on the same workers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "chain/record.h"

namespace jchain::node {

class VerifyPool {
public:
    // threads == 0: one per hardware thread.
    explicit VerifyPool(std::size_t threads);
    ~VerifyPool();
    VerifyPool(const VerifyPool&) = delete;
    VerifyPool& operator=(const VerifyPool&) = delete;

    struct Job {
        const crypto::PreparedKey* key;
        const crypto::Hash* digest;
        const crypto::Signature* signature;
    };
    // ok[i] is true when jobs[i] is a valid low-S signature. Small batches run on the
    // calling thread alone: waking a worker costs more than one verification.
    std::vector<bool> verify(const std::vector<Job>& jobs);

    std::size_t threads() const { return workers_.size(); }

private:
    void run();
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace jchain::node
