#include "node/consensus_driver.h"

#include <spdlog/spdlog.h>

#include <set>

#include "base/bytes.h"
#include "chain/block_builder.h"
#include "consensus/codec.h"
#include "consensus/solo.h"
#include "node/node.h"

namespace jchain::node {
namespace {

using Clock = std::chrono::steady_clock;

// Frame types on the peer network (docs/p2p.md).
enum : std::uint8_t {
    frame_consensus = 1,     // a proposal or vote (consensus/codec.h)
    frame_records = 2,       // admitted records (gossip)
    frame_status = 3,        // u64: the sender's committed height
    frame_sync_request = 4,  // u64: the height the sender lacks
    frame_sync_block = 5,    // a certified block (consensus/codec.h)
};

constexpr std::uint64_t drift_ms_max = 2000;  // a new block's time vs. this node's clock
constexpr std::size_t sync_blocks_per_request = 16;
constexpr auto sync_resend = std::chrono::milliseconds(300);
constexpr auto status_every = std::chrono::milliseconds(1000);

Bytes u64_bytes(std::uint64_t v) {
    ByteWriter w;
    w.u64(v);
    return std::move(w).take();
}

std::optional<std::uint64_t> read_u64(const Bytes& b) {
    ByteReader r(b);
    auto v = r.u64();
    if (!v || r.remaining() != 0) return std::nullopt;
    return v;
}

std::shared_ptr<const Bytes> share(Bytes b) { return std::make_shared<const Bytes>(std::move(b)); }

}  // namespace

struct ConsensusDriver::Event {
    enum Kind { frame, admitted, connected } kind = frame;
    crypto::PublicKey peer;
    std::uint8_t type = 0;
    Bytes payload;
    std::vector<chain::Hash> ids;
};

ConsensusDriver::ConsensusDriver(Context context, chain::MerkleFrontier frontier)
    : ctx_(std::move(context)), frontier_(frontier) {
    engine_config_.chain_id = ctx_.genesis.chain_id;
    engine_config_.validators = ctx_.genesis.validators;
    if (ctx_.validator) signer_ = std::make_unique<consensus::KeySigner>(ctx_.key);
    engine_ = std::make_unique<consensus::Engine>(engine_config_, signer_.get());
    tip_height_ = ctx_.store.height();
    tip_hash_ = chain::genesis_hash(ctx_.genesis);
    tip_time_ms_ = ctx_.genesis.genesis_time_ms;
    if (auto b = ctx_.store.block(tip_height_)) {
        tip_hash_ = chain::block_hash(b->header);
        tip_time_ms_ = b->header.time_ms;
    }
    status_.height = tip_height_;
}

ConsensusDriver::~ConsensusDriver() { stop(); }

Status ConsensusDriver::start(const std::string& wal_path) {
    auto wal = storage::ConsensusWal::open(wal_path);
    if (!wal) return wal.status();
    wal_ = std::move(*wal);
    if (wal_->truncated_bytes() > 0)
        spdlog::warn("consensus log {}: cut {} bytes of torn tail (a crash mid-write)", wal_path,
                     wal_->truncated_bytes());
    std::vector<consensus::WalEntry> entries;
    for (const Bytes& b : wal_->entries()) {
        auto e = consensus::decode_wal_entry(b);
        if (!e) return Status::error("consensus log " + wal_path + " holds an entry that does not decode");
        wal_height_ = std::max(wal_height_, consensus::wal_entry_height(*e));
        entries.push_back(std::move(*e));
    }

    std::set<crypto::PublicKey> allowed;
    for (const auto& v : ctx_.genesis.validators.validators) allowed.insert(v.key);
    for (const auto& m : ctx_.genesis.members) allowed.insert(m.key);
    P2pConfig p2p;
    p2p.listen = ctx_.config.p2p_listen;
    p2p.peers = ctx_.config.p2p_peers;
    p2p.chain_id = ctx_.genesis.chain_id;
    network_ = std::make_unique<PeerNetwork>(
        p2p, ctx_.key, allowed,
        [this](const crypto::PublicKey& peer, std::uint8_t type, Bytes payload) {
            post(Event{Event::frame, peer, type, std::move(payload), {}});
        },
        [this](const crypto::PublicKey& peer, bool connected) {
            connected_peers_ += connected ? 1 : -1;
            if (connected) post(Event{Event::connected, peer, 0, {}, {}});
        });
    if (Status s = network_->start(); !s) return s;

    auto actions = engine_->start(tip_height_ + 1, entries);
    thread_ = std::thread([this, actions = std::move(actions)]() mutable {
        run(std::move(actions));
        loop();
    });
    return Status::ok();
}

void ConsensusDriver::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (network_) network_->stop();
}

void ConsensusDriver::post(Event e) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(e));
    }
    wake_.notify_one();
}

void ConsensusDriver::records_admitted(std::vector<chain::Hash> ids) {
    post(Event{Event::admitted, {}, 0, {}, std::move(ids)});
}

std::vector<PeerInfo> ConsensusDriver::peers() const { return network_ ? network_->peers() : std::vector<PeerInfo>{}; }
std::uint16_t ConsensusDriver::p2p_port() const { return network_ ? network_->port() : 0; }

SyncStatus ConsensusDriver::sync_status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void ConsensusDriver::halt(const std::string& why) {
    spdlog::critical("consensus halted: {}", why);
    halted_ = true;
}

void ConsensusDriver::loop() {
    auto next_status = Clock::now();
    for (;;) {
        std::deque<Event> batch;
        {
            std::unique_lock lock(mutex_);
            auto deadline = Clock::now() + std::chrono::milliseconds(10);
            if (!timers_.empty()) deadline = std::min(deadline, timers_.begin()->first);
            wake_.wait_until(lock, deadline, [&] { return stopping_ || !events_.empty(); });
            if (stopping_) return;
            batch.swap(events_);
        }
        if (halted_) continue;
        for (Event& e : batch) handle(e);
        while (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
            const consensus::Timeout t = timers_.begin()->second;
            timers_.erase(timers_.begin());
            run(engine_->on_timeout(t));
        }
        // Records waiting: start the height when the block policy says a block is due.
        const std::uint64_t now = now_ms();
        if (!records_signalled_ && ctx_.mempool.size() > 0 &&
            consensus::records_to_cut(ctx_.config.block, now, last_commit_ms_, ctx_.mempool.size(),
                                      ctx_.mempool.oldest_ms().value_or(now)) > 0) {
            records_signalled_ = true;
            run(engine_->on_records_available());
        }
        if (Clock::now() >= next_status) {
            next_status = Clock::now() + status_every;
            network_->broadcast(frame_status, share(u64_bytes(tip_height_)));
            for (const auto& [peer, h] : peer_heights_)
                if (h > tip_height_) request_block(peer, tip_height_ + 1);
        }
        std::lock_guard lock(mutex_);
        status_.height = tip_height_;
        status_.round = engine_->round();
        for (const auto& [peer, h] : peer_heights_) status_.best_peer_height = std::max(status_.best_peer_height, h);
        status_.catching_up = status_.best_peer_height > tip_height_ + 1;
    }
}

void ConsensusDriver::handle(Event& e) {
    switch (e.kind) {
        case Event::admitted: gossip(e.ids); return;
        case Event::connected:
            network_->send(e.peer, frame_status, share(u64_bytes(tip_height_)));
            return;
        case Event::frame: on_frame(e.peer, e.type, e.payload); return;
    }
}

void ConsensusDriver::on_frame(const crypto::PublicKey& peer, std::uint8_t type, const Bytes& payload) {
    switch (type) {
        case frame_consensus: {
            auto m = consensus::decode_message(payload);
            if (!m) return spdlog::debug("peer {}: undecodable consensus message", to_hex(peer.bytes).substr(0, 12));
            if (auto fault = consensus::check_message(engine_config_, verifier_, *m))
                return spdlog::debug("peer {}: {}", to_hex(peer.bytes).substr(0, 12), consensus::fault_name(*fault));
            const std::uint64_t h = consensus::message_height(*m);
            if (h <= tip_height_) return send_block(peer, h);  // the peer is behind: help it
            if (h > engine_->height()) return request_block(peer, engine_->height());
            return run(engine_->on_message(*m));
        }
        case frame_records: {
            auto records = consensus::decode_records(payload);
            if (!records) return;
            const std::size_t before = ctx_.mempool.size();
            auto results = ctx_.admission.admit(std::move(*records), now_ms());
            std::vector<chain::Hash> fresh;
            for (const auto& r : results)
                if (const auto* id = std::get_if<chain::Hash>(&r)) fresh.push_back(*id);
            if (!fresh.empty() && ctx_.mempool.size() > before) gossip(fresh);  // onward, once per node
            return;
        }
        case frame_status: {
            auto h = read_u64(payload);
            if (!h) return;
            peer_heights_[peer] = *h;
            if (*h > tip_height_) request_block(peer, tip_height_ + 1);
            return;
        }
        case frame_sync_request: {
            auto h = read_u64(payload);
            if (!h) return;
            for (std::uint64_t k = *h; k <= tip_height_ && k < *h + sync_blocks_per_request; ++k) send_block(peer, k);
            return;
        }
        case frame_sync_block: {
            auto block = consensus::decode_certified(payload);
            if (!block || block->value->block.header.height != engine_->height()) return;
            if (!check_value(*block->value, /*need_timely=*/false).valid) {
                spdlog::warn("peer {}: sent an invalid block at height {}", to_hex(peer.bytes).substr(0, 12),
                             block->value->block.header.height);
                return;
            }
            run(engine_->on_certified(block->value, block->certificate));
            if (auto it = peer_heights_.find(peer); it != peer_heights_.end() && it->second > tip_height_)
                request_block(peer, tip_height_ + 1);
            return;
        }
        default: return;
    }
}

void ConsensusDriver::send_block(const crypto::PublicKey& peer, std::uint64_t height) {
    auto& last = sync_sent_[{peer, height}];
    if (Clock::now() < last + sync_resend) return;
    last = Clock::now();
    auto block = ctx_.store.block(height);
    auto cert = ctx_.store.certificate(height);
    if (!block || !cert) return;
    consensus::Value value{*block, {}};
    for (const auto& id : block->record_ids) {
        auto r = ctx_.store.record(id);
        if (!r) return;
        value.records.push_back(std::move(r->record));
    }
    network_->send(peer, frame_sync_block, share(consensus::encode_certified(value, *cert)));
    if (sync_sent_.size() > 10'000) sync_sent_.clear();
}

void ConsensusDriver::request_block(const crypto::PublicKey& peer, std::uint64_t height) {
    auto& last = sync_sent_[{peer, height + (1ull << 63)}];  // requests apart from sends
    if (Clock::now() < last + sync_resend) return;
    last = Clock::now();
    network_->send(peer, frame_sync_request, share(u64_bytes(height)));
}

void ConsensusDriver::gossip(const std::vector<chain::Hash>& ids) {
    if (connected_peers_ <= 0) return;  // a lone validator; peers that come later get records in proposals
    std::vector<chain::Record> records;
    for (const auto& id : ids)
        if (auto r = ctx_.mempool.find(id)) records.push_back(std::move(*r));
    constexpr std::size_t batch = 1000;
    for (std::size_t i = 0; i < records.size(); i += batch) {
        std::vector<chain::Record> part(records.begin() + i, records.begin() + std::min(records.size(), i + batch));
        network_->broadcast(frame_records, share(consensus::encode_records(part)));
    }
}

consensus::Value ConsensusDriver::build_value() {
    auto pending = ctx_.mempool.peek(ctx_.config.block.block_records_max);
    consensus::Value v;
    std::vector<chain::Hash> ids;
    for (auto& p : pending) {  // never committed: commits leave the mempool on this thread
        ids.push_back(p.id);
        v.records.push_back(std::move(p.record));
    }
    auto built = chain::build_block(ctx_.genesis.chain_id, tip_height_, tip_hash_,
                                    consensus::block_time_ms(now_ms(), tip_time_ms_), frontier_, ids,
                                    chain::validator_set_hash(ctx_.genesis.validators), ctx_.key.public_key);
    v.block = std::move(built.block);
    return v;
}

consensus::Validity ConsensusDriver::check_value(const consensus::Value& v, bool need_timely) {
    const chain::BlockHeader& h = v.block.header;
    consensus::Validity out;
    if (h.chain_id != ctx_.genesis.chain_id || h.height != tip_height_ + 1 || h.prev_hash != tip_hash_ ||
        h.validator_set_hash != chain::validator_set_hash(ctx_.genesis.validators) ||
        !ctx_.genesis.validators.find(h.proposer) || h.time_ms <= tip_time_ms_ ||
        v.records.size() != v.block.record_ids.size() || v.records.size() > ctx_.config.block.block_records_max)
        return out;
    std::set<chain::Hash> seen;
    std::vector<chain::Record> unknown;
    for (std::size_t i = 0; i < v.records.size(); ++i) {
        const chain::Hash& id = v.block.record_ids[i];
        if (chain::record_id(v.records[i]) != id || !seen.insert(id).second) return out;
        // A pending record is not committed (commits leave the mempool on this thread);
        // any other goes through admission, which checks the store.
        if (!ctx_.mempool.contains(id)) unknown.push_back(v.records[i]);
    }
    if (!unknown.empty()) {  // not seen before: the same admission checks as a submit
        auto ids = v.block.record_ids;
        ctx_.admission.admit(std::move(unknown), now_ms());
        for (const auto& id : ids)
            if (!ctx_.mempool.contains(id)) return out;
    }
    auto rebuilt = chain::build_block(ctx_.genesis.chain_id, tip_height_, tip_hash_, h.time_ms, frontier_,
                                      v.block.record_ids, h.validator_set_hash, h.proposer);
    if (chain::block_hash(rebuilt.block.header) != v.hash()) return out;
    out.valid = true;
    const std::uint64_t now = now_ms();
    out.timely = !need_timely || (h.time_ms + drift_ms_max >= now && h.time_ms <= now + drift_ms_max);
    return out;
}

bool ConsensusDriver::commit(const consensus::ValuePtr& value, const chain::CommitCertificate& cert) {
    const chain::Block& b = value->block;
    auto built = chain::build_block(ctx_.genesis.chain_id, tip_height_, tip_hash_, b.header.time_ms, frontier_,
                                    b.record_ids, b.header.validator_set_hash, b.header.proposer);
    if (chain::block_hash(built.block.header) != value->hash()) {
        halt("certified block " + std::to_string(b.header.height) + " does not extend this node's ledger");
        return false;
    }
    if (Status s = ctx_.store.commit_block(built.block, cert, value->records, built.nodes); !s) {
        halt("cannot store block " + std::to_string(b.header.height) + ": " + s.message());
        return false;
    }
    frontier_ = built.frontier;
    tip_height_ = b.header.height;
    tip_hash_ = value->hash();
    tip_time_ms_ = b.header.time_ms;
    last_commit_ms_ = now_ms();
    records_signalled_ = false;
    ctx_.mempool.remove(b.record_ids);
    ctx_.on_commit(TipInfo{tip_height_, tip_hash_, tip_time_ms_, frontier_.size(), frontier_.root()});
    spdlog::debug("committed block {} round {} with {} records", tip_height_, cert.round, value->records.size());
    return true;
}

void ConsensusDriver::run(consensus::Actions first) {
    std::deque<consensus::Action> todo(std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
    auto more = [&](consensus::Actions a) {
        for (auto& x : a) todo.push_back(std::move(x));
    };
    while (!todo.empty() && !halted_) {
        consensus::Action a = std::move(todo.front());
        todo.pop_front();
        if (auto* p = std::get_if<consensus::Persist>(&a)) {
            const Bytes bytes = consensus::encode_wal_entry(p->entry);
            const std::uint64_t h = consensus::wal_entry_height(p->entry);
            Status s = h > wal_height_ ? wal_->restart(bytes) : wal_->append(bytes);
            if (!s) return halt("cannot write the consensus log: " + s.message());
            wal_height_ = std::max(wal_height_, h);
        } else if (auto* b = std::get_if<consensus::Broadcast>(&a)) {
            network_->broadcast(frame_consensus, share(consensus::encode_message(b->message)));
        } else if (auto* t = std::get_if<consensus::ScheduleTimeout>(&a)) {
            timers_.emplace(Clock::now() + std::chrono::milliseconds(t->delay_ms), t->timeout);
        } else if (auto* bv = std::get_if<consensus::BuildValue>(&a)) {
            more(engine_->on_value_built(bv->height, bv->round, build_value()));
        } else if (auto* vv = std::get_if<consensus::VerifyValue>(&a)) {
            if (vv->value->block.header.height == tip_height_ + 1)
                more(engine_->on_value_verified(vv->value->hash(), check_value(*vv->value, true)));
        } else if (auto* c = std::get_if<consensus::Commit>(&a)) {
            if (!commit(c->value, c->certificate)) return;
        }
    }
}

}  // namespace jchain::node
