// BlockSync: how a node catches up with its peers and helps them catch up (the catch-up
// half of the consensus driver; docs/consensus.md, "Block sync").
//
// Fetching: it keeps the heights peers claim, asks them for aligned ranges of
// range_blocks heights above the tip (several ranges in flight across peers, up to
// window_blocks ahead), asks a range again of another peer when it is old and its peer
// silent, and holds what arrives until the driver applies it. It takes only blocks it
// asked of that peer (on_block says `unrequested` for the rest: the driver bans), and
// never holds more than fetched_bytes_max (plus the one block being taken): a block
// that would pass it evicts higher ones, or is dropped and asked again later.
// It judges no block: the driver checks the certificate first, then the block-validity
// rule, and bans a peer whose block fails (invalid() forgets the range, to ask another).
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
    // gone or its queue full).
    struct Link {
        std::function<bool(const crypto::PublicKey&, std::uint8_t type, Bytes payload)> send;
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
    enum class Taken { held, stale, unrequested, no_room };
    // stale: at or below the tip, already held, or from an ignored peer (dropped; an
    // honest race). unrequested: no range asked of this peer holds it (no honest node
    // sends it). no_room: dropped to keep fetched_bytes_max; asked again later.
    Taken on_block(const crypto::PublicKey& peer, consensus::CertifiedBlock block, std::size_t bytes,
                   std::uint64_t tip_height);
    // The driver found `peer`'s block at `height` bad (and banned it), or good.
    void invalid(const crypto::PublicKey& peer, std::uint64_t height);
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
    // What status reports: the best height of peers that answer and are not ignored, so
    // that a peer claiming heights it never serves inflates nothing (and nothing sticks
    // once it is gone).
    std::uint64_t reported_peer_height() const;
    std::size_t fetched_bytes() const { return fetched_bytes_; }
    double records_per_s() const { return rate_; }
    // A progress line every few seconds while catching up, and one when done.
    void log_progress(std::uint64_t tip_height, std::uint64_t ledger_size, bool force);

    // Serving: a block a peer asked for (`height`), or a range it asked for.
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
    // Every range asked of a peer and not yet below the tip: (peer, range start) -> last
    // height asked. A late answer of a range since asked of another is still requested.
    std::map<std::pair<crypto::PublicKey, std::uint64_t>, std::pair<std::uint64_t, std::uint64_t>> requested_;
    std::map<std::uint64_t, Fetched> fetched_;  // height -> block, above the tip
    std::size_t fetched_bytes_ = 0;
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
