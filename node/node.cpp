#include "node/node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "node/rpc_service.h"

namespace jchain::node {

namespace {
// Certificate requests waiting while one renders (~10 ms each); more get HTTP 503.
constexpr std::size_t certificates_waiting_max = 4;
}  // namespace

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Result<CheckedHome> check_home(const std::string& home) {
    HomePaths paths{home};
    std::error_code ec;
    if (!std::filesystem::exists(paths.config_file(), ec))
        return Status::error("no node home at " + home + " (no " + paths.config_file() +
                             "): create one with `jchain init --home " + home + "` or `jchain devnet`");
    auto config = load_config(paths.config_file());
    if (!config) return config.status();
    auto genesis = chain::read_genesis_file(paths.genesis_file());
    if (!genesis) return genesis.status();
    auto key = genesis->suite.read_key_file(paths.node_key_file());
    if (!key) return key.status();
    CheckedHome out{std::move(*config), std::move(*genesis), *key, {}};
    const chain::ChainState at_genesis = chain::ChainState::from_genesis(out.genesis);
    const std::string pub = to_hex(out.key.public_key.bytes);
    if (!at_genesis.node_keys_at(1).contains(out.key.public_key))
        out.notes.push_back("the node key " + pub + " is neither a validator nor an observer node in genesis: peers "
                            "refuse it unless governance added it since (add-validator, add-node)");
    else if (out.config.role == "validator" && !at_genesis.validators.find(out.key.public_key))
        out.notes.push_back("role is validator but the node key " + pub + " is an observer node in genesis: it "
                            "votes only from the height governance makes it a validator");
    return out;
}

Result<std::unique_ptr<Node>> Node::open(const std::string& home) {
    HomePaths paths{home};
    auto checked = check_home(home);
    if (!checked) return checked.status();
    NodeConfig config = std::move(checked->config);
    chain::Genesis genesis = std::move(checked->genesis);
    const crypto::KeyPair key = checked->key;
    auto store = storage::BlockStore::open(paths.data_dir(), genesis);
    if (!store) return store.status();
    // Peers accept the nodes in force: validators and observer nodes (genesis "nodes", or
    // added by governance: a node synced from genesis learns of its own addition as it
    // catches up). A member key is never a node key.
    const chain::ChainState state = (*store)->state_after((*store)->height());
    if (!state.node_keys_at((*store)->height() + 1).contains(key.public_key))
        spdlog::warn("the node key {} is neither a validator nor an observer node at height {}: peers refuse it "
                     "until a governance proposal adds it (add-node or add-validator), or list it in genesis "
                     "\"nodes\", or use the key genesis names",
                     to_hex(key.public_key.bytes), (*store)->height() + 1);
    else if (config.role == "validator" && !state.validators.find(key.public_key))
        spdlog::warn("role is validator but the node key {} is not a validator at height {}: the node follows the "
                     "chain and votes from the height a governance proposal adds it",
                     to_hex(key.public_key.bytes), (*store)->height() + 1);
    std::uint64_t ledger_size = 0;
    if (auto b = (*store)->block((*store)->height())) ledger_size = b->header.ledger_size;
    auto frontier = chain::MerkleFrontier::load(genesis.suite, **store, ledger_size);
    if (!frontier) return frontier.status();
    auto node = std::unique_ptr<Node>(
        new Node(std::move(config), std::move(genesis), key, std::move(*store), std::move(*frontier)));
    node->home_ = home;
    return node;
}

Node::Node(NodeConfig config, chain::Genesis genesis, crypto::KeyPair key, std::unique_ptr<storage::BlockStore> store,
           chain::MerkleFrontier frontier)
    : config_(std::move(config)),
      genesis_(std::move(genesis)),
      key_(key),
      store_(std::move(store)),
      state_(store_->state_after(store_->height())),
      mempool_(config_.mempool_records_max),
      verify_pool_(config_.verify_threads),
      frontier_(frontier),
      certificate_queue_(certificates_waiting_max) {
    admission_ = std::make_unique<Admission>(state_, *store_, mempool_, verify_pool_);
    std::vector<chain::Witness> witnesses;
    for (const auto& vkey : config_.checkpoint_witnesses) witnesses.push_back(*chain::parse_witness_vkey(vkey));  // checked by load_config
    checkpoints_ = std::make_unique<Checkpoints>(*store_, genesis_, std::move(witnesses),
                                                 config_.role == "validator" ? std::optional(key_) : std::nullopt);
    tip_.ledger_size = frontier_.size();
    tip_.ledger_root = frontier_.root();
    if (auto b = store_->block(store_->height())) {
        tip_.height = b->header.height;
        tip_.block_hash = chain::block_hash(genesis_.suite, b->header);
        tip_.time_ms = b->header.time_ms;
    }
}

Node::~Node() { stop(); }

std::string Node::verify_url_template() const {
    const std::uint16_t bound = rpc_port_.load();
    auto listen = split_host_port(config_.rpc_listen);
    return node::verify_url_template(config_, bound ? bound : listen ? listen->second : 0);
}

TipInfo Node::tip() const {
    std::lock_guard lock(tip_mutex_);
    return tip_;
}

Status Node::start() {
    auto listen = split_host_port(config_.rpc_listen);
    if (!listen) return listen.status();
    driver_ = std::make_unique<ConsensusDriver>(
        ConsensusDriver::Context{config_, genesis_, key_, config_.role == "validator", *store_, mempool_, *admission_,
                                 state_, verify_pool_, metrics_, *checkpoints_,
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
    auto server = rpc::HttpServer::start_async(options, make_http_handler(*this));
    if (!server) return server.status();
    server_ = std::move(*server);
    rpc_port_ = server_->port();
    spdlog::info("node '{}' ({}) serving chain '{}' at height {}; RPC on http://{}:{}/rpc, P2P on port {}",
                 config_.moniker, config_.role, genesis_.chain_id, tip().height, listen->first, server_->port(),
                 driver_->p2p_port());
    return Status::ok();
}

void Node::stop() {
    if (server_) server_->stop();  // waits for certificates being rendered for it
    certificate_queue_.stop();
    if (driver_) driver_->stop();
}

void Node::records_arrived(std::vector<chain::Hash> ids) {
    if (driver_) driver_->records_admitted(std::move(ids));
}

}  // namespace jchain::node
