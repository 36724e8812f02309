// Node: one running JChain node: its store, mempool, admission, block production and
// RPC server, wired together. Only node/ reads the clock (Node::now_ms).
//
// Blocks are ordered by the BFT engine (node/consensus_driver.h), with any number of
// validators; a validator's node key must be in the genesis validator set, an
// observer's among the genesis members. Thread-safety: public methods may be called
// from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "chain/genesis.h"
#include "node/admission.h"
#include "node/checkpoints.h"
#include "node/consensus_driver.h"
#include "node/peer_offence.h"
#include "node/config.h"
#include "node/work_queue.h"
#include "rpc/http_server.h"
#include "storage/block_store.h"

namespace jchain::node {

std::uint64_t now_ms();

// What status and the web page show of the chain's tip.
struct TipInfo {
    std::uint64_t height = 0;
    chain::Hash block_hash{};
    std::uint64_t time_ms = 0;
    std::uint64_t ledger_size = 0;
    chain::Hash ledger_root{};
};

struct NodeMetrics {
    std::atomic<std::uint64_t> records_admitted{0};
    std::atomic<std::uint64_t> records_rejected{0};
    std::atomic<std::uint64_t> records_committed{0};
    std::atomic<std::uint64_t> blocks_committed{0};
    std::atomic<std::uint64_t> rpc_requests{0};
    std::atomic<std::uint64_t> reads_refused{0};  // calls refused for want of a signature in force
    PeerOffenceCounters peer_offences;  // bans by reason (node/peer_offence.h)
};

// A home's files as `jchain start` reads them, before anything is opened: node.toml,
// genesis.json and the node key, checked by the same code, so `jchain config check` and a
// refused start say the same words. Opens no store (a running node holds its lock).
struct CheckedHome {
    NodeConfig config;
    chain::Genesis genesis;
    crypto::KeyPair key;
    // Not errors, but worth an operator's look: what the genesis alone says of this key
    // (governance may have changed it since; the store knows).
    std::vector<std::string> notes;
};
Result<CheckedHome> check_home(const std::string& home);

class Node {
public:
    // Loads HOME/config (node.toml, genesis.json, node_key.json) and opens HOME/data.
    static Result<std::unique_ptr<Node>> open(const std::string& home);
    ~Node();

    // Starts consensus, the peer network and the RPC server.
    Status start();
    // Stops them; pending (uncommitted) records are dropped. Idempotent.
    void stop();

    const chain::Genesis& genesis() const { return genesis_; }
    const NodeConfig& config() const { return config_; }
    const storage::BlockStore& store() const { return *store_; }
    // The chain state in force at the next height (validators, members, policy, params).
    std::shared_ptr<const chain::ChainState> state() const { return state_.get(); }
    const Mempool& mempool() const { return mempool_; }
    // For bench/bench_ordering only: insert payloads that skip admission, to measure
    // ordering without record signatures. Never used by the node itself.
    Mempool& mempool_for_benchmarks() { return mempool_; }
    Admission& admission() { return *admission_; }
    Checkpoints& checkpoints() { return *checkpoints_; }
    const Checkpoints& checkpoints() const { return *checkpoints_; }
    NodeMetrics& metrics() { return metrics_; }
    TipInfo tip() const;
    std::uint16_t rpc_port() const { return server_ ? server_->port() : 0; }
    // The page a certificate's QR code opens (node.toml web.verify_url, or this node's).
    std::string verify_url_template() const;
    // Where certificates are rendered, one at a time, off the RPC I/O threads.
    WorkQueue& certificate_queue() { return certificate_queue_; }
    std::uint16_t p2p_port() const { return driver_ ? driver_->p2p_port() : 0; }
    std::vector<p2p::PeerInfo> peers() const { return driver_ ? driver_->peers() : std::vector<p2p::PeerInfo>{}; }
    SyncStatus sync_status() const { return driver_ ? driver_->sync_status() : SyncStatus{}; }
    // Records just admitted: gossip them to peers; a block may be due.
    void records_arrived(std::vector<chain::Hash> ids);

private:
    Node(NodeConfig config, chain::Genesis genesis, crypto::KeyPair key, std::unique_ptr<storage::BlockStore> store,
         chain::MerkleFrontier frontier);

    const NodeConfig config_;
    std::string home_;
    const chain::Genesis genesis_;
    const crypto::KeyPair key_;
    std::unique_ptr<storage::BlockStore> store_;
    CurrentState state_;  // in force at the tip's next height
    Mempool mempool_;
    VerifyPool verify_pool_;
    std::unique_ptr<Admission> admission_;
    std::unique_ptr<Checkpoints> checkpoints_;
    NodeMetrics metrics_;

    chain::MerkleFrontier frontier_;  // at open; the driver keeps it from then on
    mutable std::mutex tip_mutex_;
    TipInfo tip_;

    std::unique_ptr<ConsensusDriver> driver_;
    // Before server_: the server's stop() waits for answers owed by jobs of this queue.
    WorkQueue certificate_queue_;
    std::atomic<std::uint16_t> rpc_port_{0};  // the bound port, once the server listens
    std::unique_ptr<rpc::HttpServer> server_;
};

}  // namespace jchain::node
