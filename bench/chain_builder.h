// A chain generator for the block-sync benchmark and tests: writes N signed records,
// in certified blocks, straight into a node home's store, much faster than a running
// network could commit them, and sets up node homes (servers holding that chain,
// observers with empty stores) on loopback.
//
// build_chain is the generator: records are signed ahead of the store on several
// threads (a block each), blocks are made with chain::build_block and certified by
// every validator key with chain::sign_precommit, and committed with
// BlockStore::commit_block, as a node would. It reads no clock: block times come from
// the ChainSpec. Memory stays flat in the chain length (a few blocks of records at once).
//
// SyncHomes wraps `jchain testnet` homes (node::init_testnet) for these runs. Not
// thread-safe; bench/bench_sync.cpp and tests/node/sync_test.cpp use it from one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "chain/block_builder.h"
#include "chain/genesis.h"
#include "chain/record_privacy.h"
#include "chain/json_codec.h"
#include "chain/validity.h"
#include "node/home.h"
#include "node/node.h"
#include "storage/block_store.h"
#include "tests/support/suite.h"

namespace jchain::bench {

struct ChainSpec {
    std::uint64_t records = 100'000;
    std::uint64_t block_records = 4'000;  // the last block holds the rest
    // Block k (1-based) has time first_block_time_ms + (k - 1) * block_interval_ms; it
    // must be after genesis_time_ms. Each record's client_time_ms is its block's time
    // less client_lead_ms, within params.client_time_window_ms.
    std::uint64_t first_block_time_ms = 0;
    std::uint64_t block_interval_ms = 1'000;
    std::uint64_t client_lead_ms = 500;
    // The record (0-based, over the whole chain) whose signature gets one byte flipped
    // after signing, before its block is built and certified: a block that breaks the
    // signature rule under a valid commit certificate.
    std::optional<std::uint64_t> forged_record;
    // The record whose signature gets one byte flipped after its block was built and
    // certified, in what the store keeps: a body that no longer matches its header, as
    // a peer that changed it on the way would serve it.
    std::optional<std::uint64_t> tampered_record;
    // Check every block with chain::check_block (every signature verified, on the
    // calling thread) before committing it; faults go to ChainStats::faults. Slow.
    bool check_blocks = false;
    unsigned signing_threads = 2;
};

struct ChainStats {
    std::uint64_t height = 0, records = 0;
    chain::Hash tip_hash{}, ledger_root{};
    std::uint64_t first_block_time_ms = 0, last_block_time_ms = 0;
    double seconds = 0;         // wall clock, signing and committing overlapped
    double commit_seconds = 0;  // on the committing thread: build, certify, (check), commit
    std::vector<std::string> faults;  // "height H: <fault>" from check_blocks
    double records_per_s() const { return seconds > 0 ? static_cast<double>(records) / seconds : 0; }
};

// Time of block `height` (1-based) under `spec`.
inline std::uint64_t block_time_of(const ChainSpec& spec, std::uint64_t height) {
    return spec.first_block_time_ms + (height - 1) * spec.block_interval_ms;
}

// Writes the chain of `spec` into `store`, which must be empty, for `genesis`. Records
// are evidence signed by `member`; every key in `validators` signs each block's
// certificate (they must hold more than 2/3 of the power).
inline Result<ChainStats> build_chain(storage::BlockStore& store, const chain::Genesis& genesis,
                                      const std::vector<crypto::KeyPair>& validators, const crypto::KeyPair& member,
                                      const ChainSpec& spec) {
    using Clock = std::chrono::steady_clock;
    const chain::ChainParams& params = genesis.params;
    if (store.height() != 0) return Status::error("build_chain: the store is not empty");
    if (spec.records < 1) return Status::error("build_chain: a chain needs at least one record");
    if (spec.block_records < 1 || spec.block_records > params.block_records_max)
        return Status::error("build_chain: block_records must be 1.." + std::to_string(params.block_records_max));
    if (spec.first_block_time_ms <= genesis.genesis_time_ms)
        return Status::error("build_chain: the first block time must be after the genesis time");
    if (spec.block_interval_ms < 1) return Status::error("build_chain: block_interval_ms must be at least 1");
    if (spec.client_lead_ms > params.client_time_window_ms || spec.client_lead_ms > spec.first_block_time_ms)
        return Status::error("build_chain: client_lead_ms is outside params.client_time_window_ms");
    std::uint64_t power = 0;
    std::vector<crypto::KeyPair> signers = validators;
    std::sort(signers.begin(), signers.end(),
              [](const crypto::KeyPair& a, const crypto::KeyPair& b) { return a.public_key < b.public_key; });
    for (const auto& k : signers) {
        const chain::Validator* v = genesis.validators.find(k.public_key);
        if (!v) return Status::error("build_chain: a certifying key is not a genesis validator");
        power += v->power;
    }
    if (!genesis.validators.is_quorum(power)) return Status::error("build_chain: the keys hold no quorum");

    const std::uint64_t blocks = (spec.records + spec.block_records - 1) / spec.block_records;
    const unsigned threads = std::max(1u, spec.signing_threads);
    const std::uint64_t ahead_max = threads + 1;  // blocks signed ahead of the store: bounds memory

    struct Signed {
        std::vector<chain::Record> records;
        std::vector<chain::Hash> ids;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::uint64_t, Signed> ready;  // block index (0-based) -> its records
    std::uint64_t committed = 0;            // blocks committed
    bool stopping = false;

    auto sign_block = [&](std::uint64_t k) {
        const std::uint64_t first = k * spec.block_records;
        const std::uint64_t n = std::min(spec.block_records, spec.records - first);
        const std::uint64_t client_time = block_time_of(spec, k + 1) - spec.client_lead_ms;
        Signed s;
        s.records.resize(n);
        s.ids.resize(n);
        for (std::uint64_t j = 0; j < n; ++j) {
            const std::uint64_t i = first + j;
            chain::Record& r = s.records[j];
            r.chain_id = genesis.chain_id;
            r.kind = chain::Kind::evidence;
            r.content_hash = crypto::sha256(as_bytes("sync bench record " + std::to_string(i)));
            r.case_tag = chain::case_tag(default_suite, chain::CaseKey{}, r.chain_id, "(2026)sync-" + std::to_string(i % 1000));
            r.client_time_ms = client_time;
            r.nonce = i;
            r.submitter = member.public_key;
            s.ids[j] = chain::record_id(default_suite, r);  // what chain::sign_record signs, computed once
            r.signature = default_suite.sign(member, s.ids[j]);
            if (spec.forged_record == i) r.signature.bytes[7] ^= 0x01;
        }
        return s;
    };
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    struct Stop {  // on every way out: the signers stop and are joined
        std::function<void()> run;
        ~Stop() { run(); }
    } stop{[&] {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        changed.notify_all();
        for (auto& t : pool)
            if (t.joinable()) t.join();
    }};
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (std::uint64_t k = t; k < blocks; k += threads) {
                {
                    std::unique_lock lock(mutex);
                    changed.wait(lock, [&] { return stopping || k < committed + ahead_max; });
                    if (stopping) return;
                }
                Signed s = sign_block(k);
                {
                    std::lock_guard lock(mutex);
                    ready.emplace(k, std::move(s));
                }
                changed.notify_all();
            }
        });

    ChainStats stats;
    chain::MerkleFrontier frontier{default_suite};
    chain::Hash prev_hash = chain::genesis_hash(genesis);
    const chain::ChainState state = chain::ChainState::from_genesis(genesis);  // no governance in generated chains
    const storage::StoreHistory history(store);
    chain::SerialVerifier verifier(default_suite);
    for (std::uint64_t k = 0; k < blocks; ++k) {
        Signed s;
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return ready.count(k) > 0; });
            s = std::move(ready.at(k));
            ready.erase(k);
        }
        const auto t0 = Clock::now();
        const std::uint64_t time = block_time_of(spec, k + 1);
        auto built = chain::build_block(chain::header_basis(state, k + 1), k, prev_hash, time, frontier, s.ids,
                                        s.records, signers.front().public_key);
        const chain::Hash hash = chain::block_hash(default_suite, built.block.header);
        chain::CommitCertificate cert{k + 1, 0, hash, {}};
        for (const auto& v : signers) cert.signatures.push_back(chain::sign_precommit(default_suite, genesis.chain_id, k + 1, 0, hash, v));
        if (spec.check_blocks) {
            const chain::ChainTip parent{k, prev_hash, k == 0 ? genesis.genesis_time_ms : time - spec.block_interval_ms,
                                         frontier};
            const auto checked = chain::check_block(state, parent, history, built.block, s.records, verifier);
            for (const auto& f : checked.faults) stats.faults.push_back("height " + std::to_string(k + 1) + ": " + f.describe());
        }
        if (const std::uint64_t first = k * spec.block_records;
            spec.tampered_record && *spec.tampered_record >= first && *spec.tampered_record < first + s.records.size())
            s.records[*spec.tampered_record - first].signature.bytes[7] ^= 0x01;
        if (Status st = store.commit_block(built.block, cert, s.records, built.nodes); !st)
            return Status::error("build_chain: block " + std::to_string(k + 1) + ": " + st.message());
        frontier = built.frontier;
        prev_hash = hash;
        stats.commit_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        {
            std::lock_guard lock(mutex);
            committed = k + 1;
        }
        changed.notify_all();
    }
    stop.run();
    stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    stats.height = blocks;
    stats.records = spec.records;
    stats.tip_hash = prev_hash;
    stats.ledger_root = frontier.root();
    stats.first_block_time_ms = spec.first_block_time_ms;
    stats.last_block_time_ms = block_time_of(spec, blocks);
    return stats;
}

// `jchain testnet` homes in a temporary directory for sync runs: `servers` validators
// (node0..) that will hold the chain, and `observers` (after them) with empty stores.
// The genesis time is rewritten to `genesis_time_ms` so that a chain can lie in the past.
// Every node listens on port 0 (no port races); an observer dials the servers' actual
// ports. The directory is removed by the destructor.
class SyncHomes {
public:
    static Result<std::unique_ptr<SyncHomes>> create(int servers, int observers, std::uint64_t genesis_time_ms,
                                                     const chain::ChainParams& params = {}) {
        auto h = std::unique_ptr<SyncHomes>(new SyncHomes());
        std::random_device rd;
        h->dir_ = std::filesystem::temp_directory_path() /
                  ("jchain-sync-" + std::to_string(rd()) + std::to_string(rd()));
        h->servers_ = servers;
        node::TestnetOptions o;
        o.out = h->dir_.string();
        o.chain_id = "jchain-sync";
        o.validators = servers;
        o.observers = observers;
        o.params = params;
        auto made = node::init_testnet(o);
        if (!made) return made.status();
        h->homes_ = std::move(*made);
        auto g = chain::read_genesis_file(node::HomePaths{h->homes_[0].home}.genesis_file());
        if (!g) return g.status();
        g->genesis_time_ms = genesis_time_ms;
        h->genesis_ = *g;
        const std::string text = chain::pretty_json(chain::genesis_to_json(h->genesis_));
        for (const auto& home : h->homes_) {
            std::ofstream(node::HomePaths{home.home}.genesis_file(), std::ios::trunc) << text;
            auto c = node::load_config(node::HomePaths{home.home}.config_file());
            if (!c) return c.status();
            c->rpc_listen = "127.0.0.1:0";
            c->p2p_listen = "127.0.0.1:0";
            c->p2p_peers.clear();  // servers dial no one; observers get the servers' ports when they start
            c->log_level = "warn";
            std::ofstream(node::HomePaths{home.home}.config_file(), std::ios::trunc) << node::config_to_toml(*c);
        }
        for (int i = 0; i < servers; ++i) {
            auto k = default_suite.read_key_file(node::HomePaths{h->homes_[i].home}.node_key_file());
            if (!k) return k.status();
            h->validator_keys_.push_back(*k);
        }
        auto m = default_suite.read_key_file(o.out + "/demo_member_key.json");
        if (!m) return m.status();
        h->member_ = *m;
        return h;
    }
    ~SyncHomes() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    SyncHomes(const SyncHomes&) = delete;
    SyncHomes& operator=(const SyncHomes&) = delete;

    const chain::Genesis& genesis() const { return genesis_; }
    const crypto::KeyPair& member() const { return member_; }  // a court member (the demo key)
    const std::filesystem::path& dir() const { return dir_; }
    const std::string& server_home(int i) const { return homes_.at(i).home; }
    const std::string& observer_home(int i) const { return homes_.at(servers_ + i).home; }

    // Builds the chain into server 0's store, then copies it to the other servers.
    Result<ChainStats> build(const ChainSpec& spec) {
        Result<ChainStats> stats = Status::error("not built");
        {
            auto store = storage::BlockStore::open(node::HomePaths{server_home(0)}.data_dir(), genesis_);
            if (!store) return store.status();
            stats = build_chain(**store, genesis_, validator_keys_, member_, spec);
        }
        if (!stats) return stats;
        for (int i = 1; i < servers_; ++i) {
            std::error_code ec;
            const std::string to = node::HomePaths{server_home(i)}.data_dir();
            std::filesystem::remove_all(to, ec);
            std::filesystem::copy(node::HomePaths{server_home(0)}.data_dir(), to, std::filesystem::copy_options::recursive,
                                  ec);
            if (ec) return Status::error("copy the chain to " + to + ": " + ec.message());
        }
        return stats;
    }

    Result<std::unique_ptr<node::Node>> start_server(int i) const { return start(server_home(i)); }

    // Writes the observer's sync settings and peers (the servers' P2P ports), then
    // opens and starts it.
    Result<std::unique_ptr<node::Node>> start_observer(int i, const std::string& verify_records,
                                                       std::uint64_t recent_ms,
                                                       const std::vector<std::uint16_t>& server_ports) const {
        node::HomePaths paths{observer_home(i)};
        auto c = node::load_config(paths.config_file());
        if (!c) return c.status();
        c->sync_verify_records = verify_records;
        c->sync_recent_ms = recent_ms;
        c->p2p_peers.clear();
        for (auto port : server_ports) c->p2p_peers.push_back("127.0.0.1:" + std::to_string(port));
        std::ofstream(paths.config_file(), std::ios::trunc) << node::config_to_toml(*c);
        return start(observer_home(i));
    }

    // Removes an observer's data directory (stop its node first).
    void wipe_observer(int i) const {
        std::error_code ec;
        std::filesystem::remove_all(node::HomePaths{observer_home(i)}.data_dir(), ec);
    }

private:
    SyncHomes() = default;
    static Result<std::unique_ptr<node::Node>> start(const std::string& home) {
        auto n = node::Node::open(home);
        if (!n) return n.status();
        if (Status s = (*n)->start(); !s) return s;
        return std::move(*n);
    }

    std::filesystem::path dir_;
    int servers_ = 0;
    std::vector<node::TestnetNode> homes_;
    chain::Genesis genesis_;
    std::vector<crypto::KeyPair> validator_keys_;
    crypto::KeyPair member_;
};

// Polls until `node` has committed `height`, or `limit` passes; `on_poll` runs at each
// poll (e.g. to sample memory). True when it got there.
template <class OnPoll>
bool wait_for_height(const node::Node& node, std::uint64_t height, std::chrono::milliseconds limit, OnPoll on_poll) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (node.store().height() < height) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        on_poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}
inline bool wait_for_height(const node::Node& node, std::uint64_t height, std::chrono::milliseconds limit) {
    return wait_for_height(node, height, limit, [] {});
}

}  // namespace jchain::bench
