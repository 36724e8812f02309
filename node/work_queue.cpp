#include "node/work_queue.h"

namespace jchain::node {

WorkQueue::WorkQueue(std::size_t waiting_max) : waiting_max_(waiting_max), worker_([this] { run(); }) {}

WorkQueue::~WorkQueue() { stop(); }

bool WorkQueue::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= waiting_max_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void WorkQueue::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
}

void WorkQueue::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and nothing left to run
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();  // jobs catch what they expect; see rpc_service.cpp
    }
}

}  // namespace jchain::node
