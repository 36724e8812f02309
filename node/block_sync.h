// BlockSync: how a node catches up with its peers and helps them catch up (the catch-up
// half of the consensus driver; docs/consensus.md, "Block sync").
//
// Fetching: it keeps the heights peers claim, asks them for aligned ranges of
// range_blocks heights above the tip (several ranges in flight across peers, up to
// window_blocks ahead and fetched_bytes_max held), asks a range again of another peer
// when it is old and its peer silent, and holds what arrives until the driver applies
// it. It judges nothing: the driver checks each block with the block-validity rule and
// the engine, and reports a bad one with invalid(), which strikes the peer and, after
// strikes_max, ignores and disconnects it for a while.
//
// Serving: blocks, their certificates and records from the store, at most range_blocks
// for one request.
//
// Driver thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "consensus/codec.h"
#include "crypto/keys.h"
#include "storage/block_store.h"

namespace jchain::node {

class BlockSync {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::uint64_t range_blocks = 16;
    static constexpr std::uint64_t window_blocks = 64;
    static constexpr std::size_t fetched_bytes_max = 128u << 20;

    // How it reaches peers: a frame of the given type to one peer (false when the peer is
    // gone or its queue full), and cutting a peer off for a while.
    struct Link {
        std::function<bool(const crypto::PublicKey&, std::uint8_t type, Bytes payload)> send;
        std::function<void(const crypto::PublicKey&, std::chrono::milliseconds, const std::string& why)> disconnect;
        std::uint8_t request_type = 0;  // frame types (docs/p2p.md)
        std::uint8_t block_type = 0;
    };
    // A block fetched above the tip, and who sent it.
    struct Fetched {
        consensus::CertifiedBlock block;
        crypto::PublicKey peer;
        std::size_t bytes = 0;
    };

    BlockSync(Link link, const storage::BlockStore& store) : link_(std::move(link)), store_(store) {}

    // What peers say and do.
    void peer_at(const crypto::PublicKey& peer, std::uint64_t height);        // its status
    void peer_at_least(const crypto::PublicKey& peer, std::uint64_t height);  // seen in its messages
    void peer_gone(const crypto::PublicKey& peer);
    void on_block(const crypto::PublicKey& peer, consensus::CertifiedBlock block, std::size_t bytes,
                  std::uint64_t tip_height);
    // The driver found `peer`'s block at `height` bad (`why`), or good.
    void invalid(const crypto::PublicKey& peer, std::uint64_t height, const std::string& why);
    void valid(const crypto::PublicKey& peer) { unresponsive_.erase(peer); }

    // Asks peers for the next missing ranges above `tip_height`.
    void step(std::uint64_t tip_height, std::uint64_t ledger_size, const std::string& verify_mode);
    // The fetched block at tip_height + 1, removed from what is held; stale ones are dropped.
    std::optional<Fetched> take_next(std::uint64_t tip_height);
    bool has_next(std::uint64_t tip_height) const { return fetched_.count(tip_height + 1) > 0; }
    // Drops what is held at or below a new tip.
    void committed(std::uint64_t tip_height);
    // Forgets every request and fetched block (after the driver restarts from disk).
    void reset();

    // More than one block behind a peer that answers and is not ignored: the node should
    // fetch, not vote. A peer claiming heights it never serves does not count.
    bool behind(std::uint64_t tip_height) const;
    std::uint64_t best_peer_height() const;
    double records_per_s() const { return rate_; }
    // A progress line every few seconds while catching up, and one when done.
    void log_progress(std::uint64_t tip_height, std::uint64_t ledger_size, bool force);

    // Serving: a block to a peer that is behind (`height` as it asked), or a range.
    bool send_block(const crypto::PublicKey& peer, std::uint64_t height);
    void serve(const crypto::PublicKey& peer, std::uint64_t from, std::uint64_t count, std::uint64_t tip_height);

private:
    bool ignored(const crypto::PublicKey& peer) const;

    struct Asked {
        crypto::PublicKey peer;
        Clock::time_point when;
    };
    Link link_;
    const storage::BlockStore& store_;
    std::map<crypto::PublicKey, std::uint64_t> peer_heights_;
    std::map<std::uint64_t, Asked> asked_;      // first height of a range -> who, when
    std::map<std::uint64_t, Fetched> fetched_;  // height -> block, above the tip
    std::size_t fetched_bytes_ = 0;
    std::map<crypto::PublicKey, unsigned> strikes_;
    std::map<crypto::PublicKey, Clock::time_point> ignored_until_;
    std::set<crypto::PublicKey> unresponsive_;  // left a range unanswered; cleared by a valid block
    std::map<crypto::PublicKey, Clock::time_point> last_heard_;  // its last sync block
    std::map<std::pair<crypto::PublicKey, std::uint64_t>, Clock::time_point> sent_;  // served, for resends
    std::size_t next_peer_ = 0;  // round-robin over peers for requests
    struct Progress {
        Clock::time_point at;
        std::uint64_t height = 0, records = 0;
        bool active = false;
    } progress_;
    double rate_ = 0;  // records/s over the last progress interval
};

}  // namespace jchain::node
