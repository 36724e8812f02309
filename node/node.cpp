#include "node/node.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "chain/block_builder.h"
#include "consensus/solo.h"
#include "node/rpc_service.h"

namespace jchain::node {

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Result<std::unique_ptr<Node>> Node::open(const std::string& home) {
    HomePaths paths{home};
    auto config = load_config(paths.config_file());
    if (!config) return config.status();
    auto genesis = chain::read_genesis_file(paths.genesis_file());
    if (!genesis) return genesis.status();
    auto key = crypto::read_key_file(paths.node_key_file());
    if (!key) return key.status();
    if (config->role == "validator") {
        if (!genesis->validators.find(key->public_key))
            return Status::error("role is validator but the node key " + to_hex(key->public_key.bytes) +
                                 " is not a validator in genesis (set role = \"observer\" or fix genesis)");
        if (genesis->validators.validators.size() != 1)
            return Status::error("genesis lists " + std::to_string(genesis->validators.validators.size()) +
                                 " validators; this build commits blocks with exactly one validator");
    } else {
        return Status::error("role 'observer' needs block sync, which this build does not have yet");
    }
    auto store = storage::BlockStore::open(paths.data_dir(), *genesis);
    if (!store) return store.status();
    std::uint64_t ledger_size = 0;
    if (auto b = (*store)->block((*store)->height())) ledger_size = b->header.ledger_size;
    auto frontier = chain::MerkleFrontier::load(**store, ledger_size);
    if (!frontier) return frontier.status();
    return std::unique_ptr<Node>(
        new Node(std::move(*config), std::move(*genesis), *key, std::move(*store), std::move(*frontier)));
}

Node::Node(NodeConfig config, chain::Genesis genesis, crypto::KeyPair key, std::unique_ptr<storage::BlockStore> store,
           chain::MerkleFrontier frontier)
    : config_(std::move(config)),
      genesis_(std::move(genesis)),
      key_(key),
      validator_set_hash_(chain::validator_set_hash(genesis_.validators)),
      store_(std::move(store)),
      mempool_(config_.mempool_records_max),
      verify_pool_(config_.verify_threads),
      frontier_(frontier) {
    admission_ = std::make_unique<Admission>(genesis_, *store_, mempool_, verify_pool_,
                                             AdmissionLimits{config_.client_time_window_ms});
    tip_.ledger_size = frontier_.size();
    tip_.ledger_root = frontier_.root();
    if (auto b = store_->block(store_->height())) {
        tip_.height = b->header.height;
        tip_.block_hash = chain::block_hash(b->header);
        tip_.time_ms = b->header.time_ms;
    }
}

Node::~Node() { stop(); }

TipInfo Node::tip() const {
    std::lock_guard lock(tip_mutex_);
    return tip_;
}

Status Node::start() {
    auto listen = split_host_port(config_.rpc_listen);
    if (!listen) return listen.status();
    rpc::HttpServerOptions options;
    options.address = listen->first;
    options.port = listen->second;
    options.threads = config_.rpc_threads;
    options.body_bytes_max = config_.rpc_request_bytes_max;
    options.connections_max = config_.rpc_connections_max;
    auto server = rpc::HttpServer::start(options, make_http_handler(*this));
    if (!server) return server.status();
    server_ = std::move(*server);
    producer_ = std::thread([this] { produce_loop(); });
    spdlog::info("node '{}' serving chain '{}' at height {}; RPC on http://{}:{}/rpc", config_.moniker,
                 genesis_.chain_id, tip().height, listen->first, server_->port());
    return Status::ok();
}

void Node::stop() {
    {
        std::lock_guard lock(wake_mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (server_) server_->stop();
    if (producer_.joinable()) producer_.join();
}

void Node::records_arrived() {
    if (mempool_.size() >= config_.block.block_records_max) wake_.notify_one();
}

void Node::produce_loop() {
    const auto tick = std::chrono::milliseconds(std::clamp<std::uint64_t>(config_.block.block_interval_ms / 4, 1, 50));
    std::uint64_t last_block_ms = now_ms();
    for (;;) {
        {
            std::unique_lock lock(wake_mutex_);
            wake_.wait_for(lock, tick, [&] { return stopping_ || mempool_.size() >= config_.block.block_records_max; });
            if (stopping_) return;
        }
        const std::uint64_t now = now_ms();
        const std::size_t take = consensus::records_to_cut(config_.block, now, last_block_ms, mempool_.size(),
                                                           mempool_.oldest_ms().value_or(now));
        if (take == 0 && !consensus::empty_block_due(config_.block, now, last_block_ms)) continue;
        if (auto s = commit_block(mempool_.peek(take), now); !s) {
            // A synced write failed: nothing more can be committed safely.
            spdlog::critical("cannot commit block: {}; stopping block production", s.message());
            return;
        }
        last_block_ms = now;
    }
}

Status Node::commit_block(std::vector<PendingRecord> pending, std::uint64_t now) {
    const TipInfo prev = tip();
    std::vector<chain::Hash> ids;
    std::vector<chain::Record> records;
    ids.reserve(pending.size());
    records.reserve(pending.size());
    for (auto& p : pending) {
        ids.push_back(p.id);
        records.push_back(std::move(p.record));
    }
    auto built = chain::build_block(genesis_.chain_id, prev.height,
                                    prev.height == 0 ? chain::genesis_hash(genesis_) : prev.block_hash,
                                    consensus::block_time_ms(now, prev.time_ms), frontier_, ids, validator_set_hash_,
                                    key_.public_key);
    const chain::Block& block = built.block;
    const chain::MerkleFrontier& frontier = built.frontier;
    const chain::Hash hash = chain::block_hash(block.header);
    const chain::CommitCertificate cert{block.header.height, 0, hash,
                                        {chain::sign_precommit(genesis_.chain_id, block.header.height, 0, hash, key_)}};

    if (auto s = store_->commit_block(block, cert, records, built.nodes); !s) return s;
    frontier_ = frontier;
    {
        std::lock_guard lock(tip_mutex_);
        tip_ = TipInfo{block.header.height, hash, block.header.time_ms, frontier.size(), frontier.root()};
    }
    mempool_.remove(block.record_ids);
    metrics_.blocks_committed++;
    metrics_.records_committed += records.size();
    spdlog::debug("committed block {} with {} records, ledger size {}", block.header.height, records.size(),
                  frontier.size());
    return Status::ok();
}

}  // namespace jchain::node
