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

#include <map>

#include "chain/genesis.h"
#include "chain/validity.h"

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
    // ok[i] is true when jobs[i] is a valid signature (a null key never is). Small batches run on the
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

// The block-validity rule's RecordVerifier on a VerifyPool: every core verifies. Keys
// of the genesis members are parsed once. `skip(record, id)` (optional) names records already
// verified, e.g. at admission; they count as valid without a second check.
class PoolVerifier final : public chain::RecordVerifier {
public:
    PoolVerifier(VerifyPool& pool, crypto::Suite suite) : pool_(pool), suite_(std::move(suite)) {}
    void set_skip(std::function<bool(const chain::Record&, const chain::Hash&)> skip) { skip_ = std::move(skip); }
    std::vector<bool> verify(std::span<const chain::Record> records, std::span<const chain::Hash> ids) override;

private:
    VerifyPool& pool_;
    crypto::Suite suite_;
    std::map<crypto::PublicKey, crypto::PreparedKey> keys_;  // parsed once per submitter
    std::function<bool(const chain::Record&, const chain::Hash&)> skip_;
};

}  // namespace jchain::node
