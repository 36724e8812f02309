#include "node/consensus_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "base/bytes.h"
#include "chain/block_builder.h"
#include "consensus/codec.h"
#include "consensus/solo.h"
#include "node/node.h"
#include "storage/disk.h"

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
    frame_checkpoint = 6,    // u64 ledger size, then a checkpoint signature line (string)
};

// Fetched blocks are applied for at most this long per turn of the loop, so frames
// waiting behind them are taken in (and their peers heard from) in time.
constexpr auto sync_apply_budget = std::chrono::milliseconds(100);
// Events are handled for at most this long per turn, so that timers, fetched blocks and
// block production are never starved by a busy link.
constexpr auto events_budget = std::chrono::milliseconds(50);
// A peer heard to be behind is sent this node's height at most this often: it asks for
// the blocks it lacks (blocks are only ever sent when asked: docs/p2p.md).
constexpr auto nudge_every = std::chrono::milliseconds(300);
constexpr auto status_every = std::chrono::milliseconds(1000);
// A halted node checks this often whether its disk takes writes again, and wants room
// for this much (a block's worth of log and store writes) before it resumes.
constexpr auto resume_every = std::chrono::seconds(2);
constexpr std::size_t resume_free_bytes = 8u << 20;
// The clock offset is the median of this many recent proposals by other validators.
constexpr std::uint64_t expiry_every_ms = 1000;

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

std::string peer_name(const crypto::PublicKey& peer) { return to_hex(peer.bytes).substr(0, 12); }

}  // namespace

struct ConsensusDriver::Event {
    enum Kind { frame, admitted, connected, disconnected } kind = frame;
    crypto::PublicKey peer;
    std::uint8_t type = 0;
    Bytes payload;
    std::vector<chain::Hash> ids;
    p2p::FrameCredit credit;  // a frame's claim on its peer's inbound budget, until handled
};

ConsensusDriver::ConsensusDriver(Context context, chain::MerkleFrontier frontier)
    : ctx_(std::move(context)),
      verifier_(ctx_.genesis.suite),
      history_(ctx_.store),
      frontier_(frontier),
      sync_(BlockSync::Link{[this](const crypto::PublicKey& peer, std::uint8_t type, Bytes payload) {
                                return network_->send(peer, type, share(std::move(payload)));
                            },
                            frame_sync_request, frame_sync_block},
            ctx_.store),
      checkpoint_gossip_(ctx_.checkpoints, [this](Bytes frame) {
          if (network_) network_->broadcast(frame_checkpoint, share(std::move(frame)));
      }) {
    record_verifier_ = std::make_unique<PoolVerifier>(ctx_.pool, ctx_.genesis.suite);
    if (ctx_.validator) signer_ = std::make_unique<consensus::KeySigner>(ctx_.genesis.suite, ctx_.key);
    load_tip();
    make_core();
    status_.height = tip_height_;
}

// A core on the stored tip (a new engine for the validator set in force at the next
// height: it signs only when this node is a validator of that set).
void ConsensusDriver::make_core() {
    consensus::CoreConfig c;
    c.suite = ctx_.genesis.suite;
    c.chain_id = ctx_.genesis.chain_id;
    c.self = ctx_.key.public_key;
    c.signer = signer_.get();
    c.block_records_max = ctx_.config.block.block_records_max;
    c.verifier = &verifier_;
    core_ = std::make_unique<consensus::Core>(
        std::move(c), consensus::Tip{tip_height_, tip_hash_, tip_time_ms_, frontier_, state_}, host_);
    validators_in_force();
}

void ConsensusDriver::validators_in_force() {
    std::set<crypto::PublicKey> keys;
    for (const auto& v : core_->engine_config().validators.validators) keys.insert(v.key);
    std::lock_guard lock(mutex_);
    validator_keys_ = std::move(keys);
}

// Exactly the nodes in force at the next height may hold links: the validators that
// certify it and the observer nodes (docs/p2p.md "Who may connect"). Member keys never
// may. A key removed, or rotated out, by the block just committed loses its live link
// here and is refused on redial; after a restart the stored state gives the same set.
// Validators added by governance are dialled at the address their proposal gave.
void ConsensusDriver::allow_peers() {
    const std::uint64_t next = tip_height_ + 1;
    std::set<crypto::PublicKey> allowed = state_->node_keys_at(next);
    if (!network_) return;
    if (!allowed.contains(ctx_.key.public_key))
        spdlog::warn("this node's key {} is not a node in force at height {}: peers refuse its links (list it in "
                     "genesis \"nodes\", or have the validators approve `governance propose add-node`)",
                     to_hex(ctx_.key.public_key.bytes), next);
    network_->set_allowed(std::move(allowed));
    for (const auto& [key, address] : state_->validator_p2p)
        if (key != ctx_.key.public_key) network_->add_peer(address);
}

// The tip as the store has it.
void ConsensusDriver::load_tip() {
    tip_height_ = ctx_.store.height();
    tip_hash_ = chain::genesis_hash(ctx_.genesis);
    tip_time_ms_ = ctx_.genesis.genesis_time_ms;
    if (auto b = ctx_.store.block(tip_height_)) {
        tip_hash_ = chain::block_hash(ctx_.genesis.suite, b->header);
        tip_time_ms_ = b->header.time_ms;
    }
    state_ = std::make_shared<const chain::ChainState>(ctx_.store.state_after(tip_height_));
    ctx_.state.set(state_);
}

// Opens the consensus log (cutting a torn tail) and decodes what it holds.
Result<std::vector<consensus::WalEntry>> ConsensusDriver::open_wal() {
    // Decoded as read, so the log's bytes are never all in memory at once.
    std::vector<consensus::WalEntry> entries;
    auto wal = storage::ConsensusWal::open(wal_path_, [&](ByteSpan bytes) {
        auto e = consensus::decode_wal_entry(bytes);
        if (!e) return Status::error("consensus log " + wal_path_ + " holds an entry that does not decode");
        entries.push_back(std::move(*e));
        return Status::ok();
    });
    if (!wal) return wal.status();
    wal_ = std::move(*wal);
    if (wal_->truncated_bytes() > 0)
        spdlog::warn("consensus log {}: cut {} bytes of torn tail (a crash or failed write mid-entry)", wal_path_,
                     wal_->truncated_bytes());
    // A lock or re-proposal may name its block by hash, after an entry of the same height
    // that held it; one that names a block nothing before holds is damage.
    if (auto why = consensus::log_damage(ctx_.genesis.suite, entries))
        return Status::error("consensus log " + wal_path_ + " " + *why);
    return entries;
}

ConsensusDriver::~ConsensusDriver() { stop(); }

Status ConsensusDriver::start(const std::string& wal_path) {
    wal_path_ = wal_path;
    auto entries = open_wal();
    if (!entries) return entries.status();

    p2p::P2pConfig net_config;
    net_config.listen = ctx_.config.p2p_listen;
    net_config.peers = ctx_.config.p2p_peers;
    net_config.suite = ctx_.genesis.suite;
    net_config.chain_id = ctx_.genesis.chain_id;
    intake_ = std::make_unique<GossipIntake>(
        ctx_.admission,
        GossipIntake::Hooks{[this](std::vector<chain::Hash> ids) { records_admitted(std::move(ids)); },
                            [this](const crypto::PublicKey& peer, PeerOffence o, const std::string& why) {
                                punish(peer, o, why);
                            },
                            [] { return now_ms(); }});
    network_ = std::make_unique<p2p::PeerNetwork>(
        net_config, ctx_.key, std::set<crypto::PublicKey>{},
        [this](const crypto::PublicKey& peer, std::uint8_t type, Bytes payload, p2p::FrameCredit credit) {
            on_network_frame(peer, type, std::move(payload), std::move(credit));
        },
        [this](const crypto::PublicKey& peer, bool connected) {
            connected_peers_ += connected ? 1 : -1;
            post(Event{connected ? Event::connected : Event::disconnected, peer, 0, {}, {}, {}});
        });
    if (Status s = network_->start(); !s) return s;
    last_commit_ms_ = now_ms();  // the first heartbeat block (if any) is an interval away
    allow_peers();

    auto steps = core_->start(*entries);
    thread_ = std::thread([this, steps = std::move(steps)]() mutable {
        try {
            carry_out(std::move(steps));
        } catch (const std::exception& e) {  // as in loop(): halt, and resume from disk
            halt(std::string("unexpected error on the consensus thread: ") + e.what(), Resume::when_writable);
        }
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
    if (network_) network_->stop();  // no frame arrives after this
    if (intake_) intake_->stop();
}

void ConsensusDriver::post(Event e) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(e));
    }
    wake_.notify_one();
}

void ConsensusDriver::on_network_frame(const crypto::PublicKey& peer, std::uint8_t type, Bytes payload,
                                       p2p::FrameCredit credit) {
    if (punished(peer)) {  // sent before its link was cut: unread
        ctx_.metrics.peer_offences.frames_dropped_from_banned++;
        return;
    }
    if (type == frame_records) return intake_->post(peer, std::move(payload), std::move(credit));
    {
        std::lock_guard lock(mutex_);
        const bool urgent = type == frame_consensus && validator_keys_.contains(peer);
        (urgent ? urgent_events_ : events_)
            .push_back(Event{Event::frame, peer, type, std::move(payload), {}, std::move(credit)});
    }
    wake_.notify_one();
}

bool ConsensusDriver::punished(const crypto::PublicKey& peer) const {
    std::lock_guard lock(punish_mutex_);
    auto it = punished_until_.find(peer);
    return it != punished_until_.end() && Clock::now() < it->second;
}

void ConsensusDriver::punish(const crypto::PublicKey& peer, PeerOffence offence, const std::string& why) {
    {
        std::lock_guard lock(punish_mutex_);
        auto& until = punished_until_[peer];
        if (Clock::now() < until) return;  // this incident is being dealt with already
        until = Clock::now() + std::chrono::hours(1);  // until the ban's length is known
    }
    const auto ban = network_->ban(peer, std::string(offence_name(offence)) + ": " + why);  // logs it
    {
        std::lock_guard lock(punish_mutex_);
        punished_until_[peer] = Clock::now() + ban;
    }
    ctx_.metrics.peer_offences.bans[static_cast<std::size_t>(offence)]++;
    if (intake_) ctx_.metrics.peer_offences.frames_dropped_from_banned += intake_->drop(peer);
}

void ConsensusDriver::records_admitted(std::vector<chain::Hash> ids) {
    post(Event{Event::admitted, {}, 0, {}, std::move(ids), {}});
}

std::vector<p2p::PeerInfo> ConsensusDriver::peers() const { return network_ ? network_->peers() : std::vector<p2p::PeerInfo>{}; }
std::uint16_t ConsensusDriver::p2p_port() const { return network_ ? network_->port() : 0; }

SyncStatus ConsensusDriver::sync_status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void ConsensusDriver::halt(const std::string& why, Resume resume) {
    spdlog::critical("consensus halted: {}{}", why,
                     resume == Resume::when_writable ? " (resumes by itself once writes succeed again)" : "");
    halted_ = true;
    resume_ = resume;
    next_resume_try_ = Clock::now() + resume_every;
    std::lock_guard lock(mutex_);
    status_.halted = why;
}

// After a failed write: once the data directory takes writes again, reopen the store and
// the consensus log and restart the engine from them, exactly as a restart of the
// process would (which is the recovery the crash tests check).
void ConsensusDriver::try_resume() {
    next_resume_try_ = Clock::now() + resume_every;
    const std::string dir = std::filesystem::path(wal_path_).parent_path().string();
    if (Status s = storage::check_writable(dir, resume_free_bytes); !s) return;
    if (Status s = ctx_.store.reopen(); !s) return spdlog::error("consensus still halted: {}", s.message());
    auto entries = open_wal();
    if (!entries) return spdlog::error("consensus still halted: {}", entries.message());
    const std::uint64_t before = tip_height_;
    load_tip();
    auto b = ctx_.store.block(tip_height_);
    auto frontier = chain::MerkleFrontier::load(ctx_.genesis.suite, ctx_.store, b ? b->header.ledger_size : 0);
    if (!frontier) return halt("after reopening the store: " + frontier.message(), Resume::never);
    frontier_ = *frontier;
    for (std::uint64_t h = before + 1; h <= tip_height_; ++h)  // a failed commit that landed after all
        if (auto landed = ctx_.store.block(h)) ctx_.mempool.remove(landed->record_ids);
    if (tip_height_ != before)
        ctx_.on_commit(TipInfo{tip_height_, tip_hash_, tip_time_ms_, frontier_.size(), frontier_.root()});
    timers_.clear();
    sync_.reset();
    records_signalled_ = false;
    make_core();
    halted_ = false;
    {
        std::lock_guard lock(mutex_);
        spdlog::warn("consensus resumed at height {} (was halted: {})", tip_height_, status_.halted);
        status_.halted.clear();
    }
    carry_out(core_->start(*entries));
}

void ConsensusDriver::loop() {
    auto next_status = Clock::now();
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            auto deadline = Clock::now() + std::chrono::milliseconds(10);
            if (sync_.has_next(tip_height_)) deadline = Clock::now();  // more to apply
            if (!timers_.empty()) deadline = std::min(deadline, timers_.begin()->first);
            wake_.wait_until(lock, deadline,
                             [&] { return stopping_ || !urgent_events_.empty() || !events_.empty(); });
            if (stopping_) return;
        }
        // The barrier: whatever escapes a turn (a bug, memory) halts consensus as a failed
        // write does, and it resumes as a restart would, from the store and the log.
        try {
            turn(next_status);
        } catch (const std::exception& e) {
            halt(std::string("unexpected error on the consensus thread: ") + e.what(), Resume::when_writable);
        } catch (...) {
            halt("unexpected error on the consensus thread", Resume::when_writable);
        }
    }
}

std::optional<ConsensusDriver::Event> ConsensusDriver::next_event() {
    for (;;) {
        std::optional<Event> e;
        {
            std::lock_guard lock(mutex_);
            auto& queue = !urgent_events_.empty() ? urgent_events_ : events_;
            if (queue.empty()) return std::nullopt;
            e.emplace(std::move(queue.front()));
            queue.pop_front();
        }
        if (e->kind == Event::frame && punished(e->peer)) {
            ctx_.metrics.peer_offences.frames_dropped_from_banned++;
            continue;
        }
        return e;
    }
}

void ConsensusDriver::turn(Clock::time_point& next_status) {
    const auto started = Clock::now();
    while (Clock::now() < started + events_budget) {
        auto e = next_event();
        if (!e) break;
        // While halted, frames are dropped (their credits released) but links coming and
        // going are still followed, so that sync knows its peers when consensus resumes.
        if (halted_ && e->kind == Event::frame) continue;
        handle(*e);
    }
    if (halted_) {
        if (resume_ == Resume::when_writable && Clock::now() >= next_resume_try_) try_resume();
        return;
    }
    apply_fetched();
    while (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
        const consensus::Timeout t = timers_.begin()->second;
        timers_.erase(timers_.begin());
        carry_out(core_->on_timeout(t));
    }
    const std::uint64_t now = now_ms();
    if (now >= last_expiry_ms_ + expiry_every_ms) expire_pending(now);
    sync_step();
    // Records waiting: start the height when the block policy says a block is due, or
    // when a heartbeat (empty) block is due (consensus.empty_block_interval_ms). A node
    // catching up does not: it would only vote on a height long decided.
    const bool behind = sync_.behind(tip_height_);
    const bool records_due = ctx_.mempool.size() > 0 &&
                             consensus::records_to_cut(ctx_.config.block, now, last_commit_ms_, ctx_.mempool.size(),
                                                       ctx_.mempool.oldest_ms().value_or(now)) > 0;
    if (!behind && !records_signalled_ &&
        (records_due || consensus::empty_block_due(ctx_.config.block, now, last_commit_ms_))) {
        records_signalled_ = true;
        carry_out(core_->on_records_available());
    }
    if (Clock::now() >= next_status) {
        next_status = Clock::now() + status_every;
        network_->broadcast(frame_status, share(u64_bytes(tip_height_)));
        log_progress(false);
        if (nudged_.size() > 1024) nudged_.clear();
    }
    std::lock_guard lock(mutex_);
    status_.height = tip_height_;
    status_.round = core_->engine().round();
    status_.best_peer_height = sync_.reported_peer_height();
    status_.catching_up = behind;
    status_.records_per_s = behind ? sync_.records_per_s() : 0;
}

void ConsensusDriver::handle(Event& e) {
    switch (e.kind) {
        case Event::admitted: gossip(e.ids); return;
        case Event::disconnected:
            sync_.peer_gone(e.peer);
            nudged_.erase(e.peer);
            return;
        case Event::connected:
            network_->send(e.peer, frame_status, share(u64_bytes(tip_height_)));
            if (auto own = checkpoint_gossip_.own_frame()) network_->send(e.peer, frame_checkpoint, share(std::move(*own)));
            return;
        case Event::frame: on_frame(e.peer, e.type, e.payload); return;
    }
}

void ConsensusDriver::on_frame(const crypto::PublicKey& peer, std::uint8_t type, const Bytes& payload) {
    switch (type) {
        case frame_consensus: {
            auto m = consensus::decode_message(payload);
            if (!m) return punish(peer, PeerOffence::undecodable, "a consensus message that does not decode");
            const std::uint64_t h = consensus::message_height(*m);
            if (h == 0) return punish(peer, PeerOffence::impossible_height, "a consensus message for height 0");
            auto d = core_->on_message(*m);
            switch (d.route) {
                case consensus::Core::Route::refused:
                    // The proposer signed the header; a body that is not the one it commits
                    // to was changed by this peer: its copy is dropped, the block hash is
                    // not condemned, and the genuine copy still counts.
                    if (*d.fault == consensus::Fault::bad_body)
                        return punish(peer, PeerOffence::bad_body,
                                      "a proposal for height " + std::to_string(h) +
                                          " whose records are not the body its header commits to");
                    if (consensus::peer_at_fault(*d.fault))
                        return punish(peer, PeerOffence::bad_message,
                                      "a consensus message with " + std::string(consensus::fault_name(*d.fault)));
                    return spdlog::debug("peer {}: {}", peer_name(peer), consensus::fault_name(*d.fault));
                case consensus::Core::Route::behind: {  // tell it our height, and it asks
                    auto& last = nudged_[peer];
                    if (Clock::now() >= last + nudge_every) {
                        last = Clock::now();
                        network_->send(peer, frame_status, share(u64_bytes(tip_height_)));
                    }
                    return;
                }
                case consensus::Core::Route::ahead:  // it has committed h - 1: fetch what this node lacks
                    sync_.peer_at_least(peer, h - 1);
                    return sync_step();
                case consensus::Core::Route::taken: return carry_out(std::move(d.steps));
            }
            return;
        }
        case frame_status: {
            auto h = read_u64(payload);
            if (!h) return punish(peer, PeerOffence::undecodable, "a status frame that does not decode");
            sync_.peer_at(peer, *h);
            return sync_step();
        }
        case frame_sync_request: {  // u64 first height, then (optional) u32 count
            ByteReader r(payload);
            auto from = r.u64();
            std::optional<std::uint32_t> count =
                r.remaining() == 0 ? std::optional<std::uint32_t>(BlockSync::range_blocks) : r.u32();
            if (!from || !count || r.remaining() != 0)
                return punish(peer, PeerOffence::undecodable, "a sync request that does not decode");
            if (*from == 0) return punish(peer, PeerOffence::impossible_height, "a sync request for height 0");
            return sync_.serve(peer, *from, *count, tip_height_);
        }
        case frame_sync_block: {
            auto block = consensus::decode_certified(payload);
            if (!block) return punish(peer, PeerOffence::undecodable, "a sync block that does not decode");
            const std::uint64_t h = block->value->block.header.height;
            if (sync_.on_block(peer, std::move(*block), payload.size(), tip_height_) == BlockSync::Taken::unrequested)
                return punish(peer, PeerOffence::unrequested_block,
                              "sent block " + std::to_string(h) + ", which this node did not ask it for");
            return;
        }
        case frame_checkpoint: {
            auto line = CheckpointGossip::decode(payload);
            if (!line) return punish(peer, PeerOffence::undecodable, "a checkpoint frame that does not decode");
            return checkpoint_gossip_.take(peer, line->first, std::move(line->second));
        }
        default: return;
    }
}

void ConsensusDriver::sync_step() { sync_.step(tip_height_, frontier_.size(), ctx_.config.sync_verify_records); }

void ConsensusDriver::log_progress(bool force) { sync_.log_progress(tip_height_, frontier_.size(), force); }

// Commits fetched blocks that extend the tip, in order. Each must pass the block-
// validity rule (with this node's sync.verify_records choice of signature checks) and
// carry a commit certificate of more than 2/3 of the validators.
void ConsensusDriver::apply_fetched() {
    chain::TrustingVerifier trusting;
    record_verifier_->set_skip([this](const chain::Record& r, const chain::Hash& id) {
        return ctx_.mempool.holds(id, r.signature);
    });
    const auto started = Clock::now();
    while (!halted_ && Clock::now() < started + sync_apply_budget) {
        auto f = sync_.take_next(tip_height_);
        if (!f) return;
        const consensus::Value& v = *f->block.value;
        const std::string& mode = ctx_.config.sync_verify_records;
        const bool verify = mode == "all" ||
                            (mode == "recent" && v.block.header.time_ms + ctx_.config.sync_recent_ms >= now_ms());
        const std::uint64_t h = tip_height_ + 1;
        auto result = core_->on_certified(f->block, verify ? static_cast<chain::RecordVerifier&>(*record_verifier_)
                                                           : static_cast<chain::RecordVerifier&>(trusting));
        using Synced = consensus::Core::Synced;
        const std::string block = "sent block " + std::to_string(h);
        switch (result.verdict) {
            case Synced::committed:
                carry_out(std::move(result.steps));
                if (tip_height_ != h) return;  // halted, or the engine is elsewhere
                sync_.valid(f->peer);
                continue;
            case Synced::not_next: return;
            case Synced::bad_body:
                sync_.invalid(f->peer, h);
                return punish(f->peer, PeerOffence::bad_body, block + " whose records are not the body its header commits to");
            case Synced::bad_certificate:
                sync_.invalid(f->peer, h);
                return punish(f->peer, PeerOffence::bad_certificate, block + " with a bad commit certificate: " + result.why);
            case Synced::bad_block:
                sync_.invalid(f->peer, h);
                return punish(f->peer, PeerOffence::bad_block, "sent certified block " + std::to_string(h) +
                                                                   " that breaks rule " + result.why);
            case Synced::refused:
                carry_out(std::move(result.steps));
                spdlog::warn("peer {}: the engine refused certified block {}", peer_name(f->peer), h);
                return sync_.invalid(f->peer, h);
        }
    }
}

// Records whose client time has left the window of any block this node could still
// take as timely leave the mempool; get_record says why.
void ConsensusDriver::expire_pending(std::uint64_t now) {
    last_expiry_ms_ = now;
    const chain::ChainParams& p = state_->params;
    const std::size_t gone = ctx_.mempool.expire(
        [&](const chain::Record& r) { return r.client_time_ms + p.client_time_window_ms + p.block_time_drift_ms >= now; },
        "expired before a block took it: its client_time_ms is more than params.client_time_window_ms (" +
            std::to_string(p.client_time_window_ms) + " ms) before the chain's time; sign it again with a fresh time");
    if (gone > 0) spdlog::info("mempool: {} records expired (client time out of the chain's window)", gone);
}

void ConsensusDriver::gossip(const std::vector<chain::Hash>& ids) {
    if (connected_peers_ <= 0) return;  // a lone validator; peers that come later get records in proposals
    std::vector<chain::Record> records;
    for (const auto& id : ids)
        if (auto r = ctx_.mempool.find(id)) records.push_back(std::move(*r));
    constexpr std::size_t batch = chain::limits::gossip_records_per_frame;
    for (std::size_t i = 0; i < records.size(); i += batch) {
        std::vector<chain::Record> part(records.begin() + i, records.begin() + std::min(records.size(), i + batch));
        network_->broadcast(frame_records, share(consensus::encode_records(part)));
    }
}

std::vector<consensus::Candidate> ConsensusDriver::CoreHost::pending(std::size_t max) {
    std::vector<consensus::Candidate> out;
    for (auto& p : d_.ctx_.mempool.peek(max)) out.push_back({p.id, std::move(p.record)});
    return out;
}

// Records already verified at admission are not verified again.
chain::RecordVerifier& ConsensusDriver::CoreHost::proposal_verifier() {
    d_.record_verifier_->set_skip(
        [this](const chain::Record& r, const chain::Hash& id) { return d_.ctx_.mempool.holds(id, r.signature); });
    return *d_.record_verifier_;
}

std::uint64_t ConsensusDriver::CoreHost::now_ms() { return node::now_ms(); }

void ConsensusDriver::CoreHost::proposal_checked(const chain::BlockHeader& header, const chain::BlockCheck& check,
                                                 std::uint64_t now) {
    if (check.valid()) return d_.note_clock_offset(header, now);
    spdlog::warn("proposal for height {} by {} breaks rule {}", header.height, peer_name(header.proposer),
                 check.faults.front().describe());
}

void ConsensusDriver::note_clock_offset(const chain::BlockHeader& proposal, std::uint64_t now) {
    if (proposal.proposer == ctx_.key.public_key) return;
    if (auto offset = skew_.observe(proposal.proposer, proposal.time_ms, now, state_->validators.validators.size(),
                                    state_->params.block_time_drift_ms)) {
        std::lock_guard lock(mutex_);
        status_.clock_offset_ms = *offset;
    }
}

// A block the core laid onto its ledger: store it (synced), then move this node's tip.
bool ConsensusDriver::store(const consensus::StoreBlock& s) {
    const consensus::Extension& e = s.extension;
    const chain::Block& b = e.built.block;
    const std::uint64_t height = b.header.height;
    if (Status st = ctx_.store.commit_block(b, s.certificate, e.value->records, e.built.nodes, e.next_state.get()); !st) {
        halt("cannot store block " + std::to_string(height) + ": " + st.message(), Resume::when_writable);
        return false;
    }
    // The set that certified it. A node catching up does not sign the history it fetches:
    // the validators signed it when it was new, and a line per old block would only load
    // every peer with checks of checkpoints nobody asks for.
    checkpoint_gossip_.committed(b.header, state_->validators, !sync_.behind(height));
    frontier_ = e.built.frontier;
    tip_height_ = height;
    tip_hash_ = e.value->hash(ctx_.genesis.suite);
    tip_time_ms_ = b.header.time_ms;
    last_commit_ms_ = now_ms();
    records_signalled_ = false;
    ctx_.mempool.remove(b.record_ids);
    if (e.next_state) {
        for (const auto& [id, p] : e.next_state->proposals)
            if (p.effective_height == tip_height_ + 1)  // approved by this block
                spdlog::info("governance: {} (proposal {}), in force from height {}", p.action.describe(),
                             to_hex(id).substr(0, 16), p.effective_height);
        state_ = e.next_state;
        ctx_.state.set(state_);
        allow_peers();
    }
    sync_.committed(tip_height_);
    ctx_.on_commit(TipInfo{tip_height_, tip_hash_, tip_time_ms_, frontier_.size(), frontier_.root()});
    spdlog::debug("committed block {} round {} with {} records", tip_height_, s.certificate.round,
                  e.value->records.size());
    log_progress(false);
    return true;
}

// Carries out the core's steps in order; a failed write halts, and nothing after it runs.
void ConsensusDriver::carry_out(consensus::Steps steps) {
    for (consensus::Step& step : steps) {
        if (halted_) return;
        if (auto* w = std::get_if<consensus::WriteLog>(&step)) {
            const Bytes bytes = consensus::encode_wal_entry(w->entry);
            if (Status s = w->new_log ? wal_->restart(bytes) : wal_->append(bytes); !s)
                return halt("cannot write the consensus log: " + s.message(), Resume::when_writable);
        } else if (auto* b = std::get_if<consensus::Broadcast>(&step)) {
            network_->broadcast(frame_consensus, share(consensus::encode_message(b->message)));
        } else if (auto* t = std::get_if<consensus::ScheduleTimeout>(&step)) {
            timers_.emplace(Clock::now() + std::chrono::milliseconds(t->delay_ms), t->timeout);
        } else if (auto* sb = std::get_if<consensus::StoreBlock>(&step)) {
            if (!store(*sb)) return;
        } else if (std::holds_alternative<consensus::EngineReplaced>(step)) {
            timers_.clear();  // the old engine's
            validators_in_force();
            spdlog::info("validator set changed at height {}: {} validators, this node {}", tip_height_ + 1,
                         state_->validators.validators.size(),
                         state_->validators.find(ctx_.key.public_key) ? "votes" : "does not vote");
        } else if (auto* h = std::get_if<consensus::Halt>(&step)) {
            return halt(h->why, Resume::never);
        }
    }
}

}  // namespace jchain::node
