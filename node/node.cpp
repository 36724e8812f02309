#include "node/node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "node/rpc_service.h"

namespace jchain::node {

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Result<std::unique_ptr<Node>> Node::open(const std::string& home) {
    HomePaths paths{home};
    std::error_code ec;
    if (!std::filesystem::exists(paths.config_file(), ec))
        return Status::error("no node home at " + home + " (no " + paths.config_file() +
                             "): create one with `jchain init --home " + home + "` or `jchain devnet`");
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
    } else if (config->role == "observer") {
        if (!genesis->find_member(key->public_key) && !genesis->validators.find(key->public_key))
            return Status::error("role is observer but the node key " + to_hex(key->public_key.bytes) +
                                 " is not a member in genesis: peers would refuse it");
    } else {
        return Status::error("role must be \"validator\" or \"observer\", not \"" + config->role + "\"");
    }
    auto store = storage::BlockStore::open(paths.data_dir(), *genesis);
    if (!store) return store.status();
    std::uint64_t ledger_size = 0;
    if (auto b = (*store)->block((*store)->height())) ledger_size = b->header.ledger_size;
    auto frontier = chain::MerkleFrontier::load(**store, ledger_size);
    if (!frontier) return frontier.status();
    auto node = std::unique_ptr<Node>(
        new Node(std::move(*config), std::move(*genesis), *key, std::move(*store), std::move(*frontier)));
    node->home_ = home;
    return node;
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
    admission_ = std::make_unique<Admission>(genesis_, *store_, mempool_, verify_pool_);
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
    driver_ = std::make_unique<ConsensusDriver>(
        ConsensusDriver::Context{config_, genesis_, key_, config_.role == "validator", *store_, mempool_, *admission_,
                                 verify_pool_, metrics_,
                                 [this](const TipInfo& t) {
                                     std::lock_guard lock(tip_mutex_);
                                     metrics_.blocks_committed++;
                                     metrics_.records_committed += t.ledger_size - tip_.ledger_size;
                                     tip_ = t;
                                 }},
        frontier_);
    if (Status s = driver_->start(HomePaths{home_}.data_dir() + "/consensus.wal"); !s) return s;
    rpc::HttpServerOptions options;
    options.address = listen->first;
    options.port = listen->second;
    options.threads = config_.rpc_threads;
    options.body_bytes_max = config_.rpc_request_bytes_max;
    options.connections_max = config_.rpc_connections_max;
    auto server = rpc::HttpServer::start(options, make_http_handler(*this));
    if (!server) return server.status();
    server_ = std::move(*server);
    spdlog::info("node '{}' ({}) serving chain '{}' at height {}; RPC on http://{}:{}/rpc, P2P on port {}",
                 config_.moniker, config_.role, genesis_.chain_id, tip().height, listen->first, server_->port(),
                 driver_->p2p_port());
    return Status::ok();
}

void Node::stop() {
    if (server_) server_->stop();
    if (driver_) driver_->stop();
}

void Node::records_arrived(std::vector<chain::Hash> ids) {
    if (driver_) driver_->records_admitted(std::move(ids));
}

}  // namespace jchain::node
