// WorkQueue: one worker thread and a bounded queue, for request work too slow for an
// RPC I/O thread (rendering a certificate PDF, docs/certificate.md). Jobs run one at a
// time, in order. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace jchain::node {

class WorkQueue {
public:
    // At most `waiting_max` jobs wait while one runs.
    explicit WorkQueue(std::size_t waiting_max);
    ~WorkQueue();  // stop()
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Queues `job`; false (the job is dropped, not run) when waiting_max jobs already
    // wait or after stop().
    [[nodiscard]] bool post(std::function<void()> job);
    // Runs the jobs already queued, then joins the worker. Idempotent.
    void stop();

private:
    void run();
    const std::size_t waiting_max_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread worker_;  // last: started once the fields above exist
};

}  // namespace jchain::node
