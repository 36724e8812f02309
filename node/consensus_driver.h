// ConsensusDriver: runs the consensus engine (consensus/engine.h) for a node. It owns the
// engine, the consensus log and the peer network, and one thread that feeds the engine
// its events (peer messages, timers, records waiting) and carries out its actions:
// persisting to the log before anything leaves, broadcasting, building and checking
// blocks against the ledger and the clock, and committing to the block store.
//
// It also moves records and blocks between nodes: admitted records are gossiped to
// peers (each node verifies a record once, at admission), and a node that is behind
// asks peers for certified blocks and commits them after checking the certificate and
// the block (block sync). An observer runs the same driver without a signing key.
//
// What peers send is bounded per peer (docs/p2p.md): each frame holds its bytes against
// the peer's inbound budget until it is handled (p2p::FrameCredit), so a peer that sends
// faster than this node handles is simply not read. Validators' consensus messages are
// handled before everything else; relayed records are admitted on their own thread
// (GossipIntake), never this one. A peer that sends a frame no honest node sends is
// punished: cut off and banned with a growing back-off (punish()).
//
// Thread-safety: public methods may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "consensus/codec.h"
#include "consensus/core.h"
#include "node/admission.h"
#include "node/block_sync.h"
#include "node/checkpoint_gossip.h"
#include "node/checkpoints.h"
#include "node/clock_skew.h"
#include "node/config.h"
#include "node/gossip_intake.h"
#include "node/peer_offence.h"
#include "p2p/peer_network.h"
#include "storage/block_store.h"
#include "storage/consensus_wal.h"

namespace jchain::node {

struct TipInfo;
struct NodeMetrics;

struct SyncStatus {
    std::uint64_t height = 0;            // last committed
    std::uint64_t best_peer_height = 0;  // highest height a peer reported
    std::uint32_t round = 0;             // consensus round at height + 1
    bool catching_up = false;            // more than one block behind a peer: fetching, not voting
    double records_per_s = 0;            // while catching up
    std::string halted;                  // why consensus stopped; empty while it runs
    // Other validators' proposal times minus this node's clock on arrival, the median of
    // the last few (network delay makes it slightly negative); unknown before any.
    std::optional<std::int64_t> clock_offset_ms;
};

class ConsensusDriver {
public:
    struct Context {
        const NodeConfig& config;
        const chain::Genesis& genesis;
        crypto::KeyPair key;
        bool validator = false;  // false: observer, never signs
        storage::BlockStore& store;
        Mempool& mempool;
        Admission& admission;
        CurrentState& state;  // published here when a block changes it
        VerifyPool& pool;
        NodeMetrics& metrics;
        Checkpoints& checkpoints;  // signs and collects checkpoint lines (node/checkpoints.h)
        std::function<void(const TipInfo&)> on_commit;  // called on the driver thread
    };

    ConsensusDriver(Context context, chain::MerkleFrontier frontier);
    ~ConsensusDriver();

    // Opens the consensus log at `wal_path`, starts the peer network and the thread.
    Status start(const std::string& wal_path);
    void stop();  // idempotent

    // Records just admitted through RPC: gossip them and wake block production.
    void records_admitted(std::vector<chain::Hash> ids);

    std::vector<p2p::PeerInfo> peers() const;
    SyncStatus sync_status() const;
    std::uint16_t p2p_port() const;

    // `peer` sent a frame no honest node sends: close its link, ban it (the ban doubles
    // with each incident of that key, p2p::PeerNetwork::ban), drop what it has queued,
    // count it in /metrics and log it, once per incident: frames of an incident that
    // arrive while its ban lasts are dropped unread. Any thread, after start().
    void punish(const crypto::PublicKey& peer, PeerOffence offence, const std::string& why);

private:
    struct Event;
    void loop();
    void turn(std::chrono::steady_clock::time_point& next_status);
    std::optional<Event> next_event();
    // I/O thread: routes a frame to the gossip intake or a queue (consensus first).
    void on_network_frame(const crypto::PublicKey& peer, std::uint8_t type, Bytes payload, p2p::FrameCredit credit);
    bool punished(const crypto::PublicKey& peer) const;
    void handle(Event& e);
    void carry_out(consensus::Steps steps);
    bool store(const consensus::StoreBlock& step);
    void on_frame(const crypto::PublicKey& peer, std::uint8_t type, const Bytes& payload);
    void sync_step();
    void apply_fetched();
    void log_progress(bool force);
    void expire_pending(std::uint64_t now);
    void gossip(const std::vector<chain::Hash>& ids);
    void post(Event e);
    // Stops taking part in consensus. A resumable halt (a failed write) is retried every
    // few seconds by try_resume(); any other is for the operator.
    enum class Resume { when_writable, never };
    void halt(const std::string& why, Resume resume);
    void try_resume();
    Result<std::vector<consensus::WalEntry>> open_wal();
    void load_tip();
    void note_clock_offset(const chain::BlockHeader& proposal, std::uint64_t now);  // ClockSkew, then status
    // A consensus core (consensus/core.h) on the stored tip.
    void make_core();
    void validators_in_force();  // the core's engine's validators, for routing
    void allow_peers();

    // What the core reads from this node: the mempool, the store, the clock.
    class CoreHost final : public consensus::Host {
    public:
        explicit CoreHost(ConsensusDriver& driver) : d_(driver) {}
        std::vector<consensus::Candidate> pending(std::size_t max) override;
        const chain::History& history() override { return d_.history_; }
        chain::RecordVerifier& proposal_verifier() override;
        std::uint64_t now_ms() override;
        void proposal_checked(const chain::BlockHeader& header, const chain::BlockCheck& check,
                              std::uint64_t now) override;

    private:
        ConsensusDriver& d_;
    };

    Context ctx_;
    consensus::KeyVerifier verifier_;
    storage::StoreHistory history_;
    CoreHost host_{*this};
    std::unique_ptr<PoolVerifier> record_verifier_;
    std::unique_ptr<consensus::KeySigner> signer_;
    // The consensus decisions (engine, ledger, log order): rebuilt from the store and
    // the log at start and on resume.
    std::unique_ptr<consensus::Core> core_;
    std::unique_ptr<storage::ConsensusWal> wal_;
    std::unique_ptr<p2p::PeerNetwork> network_;
    std::unique_ptr<GossipIntake> intake_;  // relayed records, admitted off this thread
    std::atomic<int> connected_peers_{0};
    mutable std::mutex punish_mutex_;
    std::map<crypto::PublicKey, std::chrono::steady_clock::time_point> punished_until_;  // ban in force

    // Driver-thread state: the stored tip.
    chain::MerkleFrontier frontier_;
    std::shared_ptr<const chain::ChainState> state_;  // in force at tip_height_ + 1
    std::uint64_t tip_height_ = 0, tip_time_ms_ = 0;
    chain::Hash tip_hash_{};
    std::uint64_t last_commit_ms_ = 0;
    bool records_signalled_ = false;
    bool halted_ = false;
    Resume resume_ = Resume::never;
    std::chrono::steady_clock::time_point next_resume_try_{};
    std::string wal_path_;
    ClockSkew skew_;
    std::multimap<std::chrono::steady_clock::time_point, consensus::Timeout> timers_;
    std::uint64_t last_expiry_ms_ = 0;

    BlockSync sync_;  // catching up, and helping peers catch up
    CheckpointGossip checkpoint_gossip_;  // lines to and from peers (docs/checkpoints.md)
    // When each peer heard to be behind was last sent this node's height (a nudge to ask).
    std::map<crypto::PublicKey, std::chrono::steady_clock::time_point> nudged_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    // Waiting events. Each frame holds its peer's FrameCredit, so the bytes queued here
    // are bounded per peer by p2p inbound_bytes_max. Validators' consensus messages go to
    // urgent_events_ and are handled first.
    std::deque<Event> urgent_events_;
    std::deque<Event> events_;
    std::set<crypto::PublicKey> validator_keys_;  // of the engine's set, for routing
    bool stopping_ = false;
    SyncStatus status_;
    std::thread thread_;
};

}  // namespace jchain::node
