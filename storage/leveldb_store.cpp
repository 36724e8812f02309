// The LevelDB implementation of BlockStore. Key layout (docs/storage.md):
//   m:format, m:genesis, m:tip           metadata
//   b<height>  -> Block                   q<height> -> CommitCertificate
//   h<hash>    -> height                  r<id>     -> StoredRecord
//   c<content hash><leaf> -> id           k<case id>\0<leaf> -> id
//   x<target id><leaf> -> correction id   t<level><index> -> ledger tree node
//   s<height>  -> the chain state after that block, JSON with its long lists as chunk
//                 hashes (only blocks that changed it)
//   S<hash>    -> a chunk of such a list: a JSON array, stored under the SHA-256 of its text
//   p<size><signer> -> a checkpoint signature line (docs/checkpoints.md)
// Integers are big-endian so that keys sort in numeric order.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <shared_mutex>
#include <thread>

#include "base/bytes.h"
#include "base/hex.h"
#include "base/json.h"
#include "chain/cereal_codec.h"
#include "crypto/hash.h"
#include <boost/json.hpp>
#include "storage/block_store.h"

namespace jchain::storage {

namespace {

constexpr std::string_view format_version = "jchain-store/3";
// A /2 store differs only in holding each chain state whole; /3 reads those as they are,
// so a /2 store is marked /3 when opened (and older binaries then refuse it).
constexpr std::string_view format_version_whole_states = "jchain-store/2";
constexpr int damaged_store_exit_status = 74;  // EX_IOERR
// A read finding the store closed (a reopen() failed) tries to open it again this often,
// for at most this long, before it gives up with StoreUnavailable.
constexpr auto closed_retry = std::chrono::milliseconds(100);
constexpr auto closed_wait = std::chrono::seconds(5);

std::string key(char prefix, ByteSpan a = {}, ByteSpan b = {}) {
    std::string k(1, prefix);
    k.append(reinterpret_cast<const char*>(a.data()), a.size());
    k.append(reinterpret_cast<const char*>(b.data()), b.size());
    return k;
}

std::array<std::uint8_t, 8> be64(std::uint64_t v) {
    std::array<std::uint8_t, 8> out{};
    for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
    return out;
}

std::uint64_t read_be64(std::string_view s) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8 && i < s.size(); ++i) v = v << 8 | static_cast<std::uint8_t>(s[i]);
    return v;
}

// Chain states (docs/storage.md, "Chain states"). The lists that grow with the chain's
// history are stored in chunks of consecutive elements, each under the hash of its text,
// so a governance block writes its state's short fields, the chunk hashes, and only the
// chunks that changed. A chunk ends after an element whose text hashes to a first byte
// below 256 / chunk_elements_mean, or at chunk_elements_max elements: boundaries depend
// on the elements, not their positions, so inserting, removing or changing one element
// changes only its own chunk (and at most a neighbour it merges with or splits from).
constexpr std::array<std::string_view, 4> chunked_lists = {"members", "nodes", "proposals", "validator_changes"};
constexpr std::size_t chunk_elements_mean = 32;
constexpr std::size_t chunk_elements_max = 256;

std::string node_key(std::uint8_t level, std::uint64_t index) {
    std::uint8_t lv[1] = {level};
    return key('t', lv, be64(index));
}

std::string case_prefix(const std::string& case_id) {
    std::string k = key('k', as_bytes(case_id));
    k.push_back('\0');
    return k;
}

// A store that cannot be read, or that returns something other than what was written, is
// damaged: answering from it would serve wrong proofs under a correct block hash. The node
// stops and says so (docs/storage.md, "Damage").
[[noreturn]] void fatal_damage(const std::string& what, const std::string& problem) {
    std::fprintf(stderr,
                 "jchain: fatal: the store is damaged: %s: %s\n"
                 "jchain: restore the data directory from an export (jchain import) or remove it and let the "
                 "node sync from its peers; `jchain audit --home` finds the first damaged block\n",
                 what.c_str(), problem.c_str());
    std::fflush(stderr);
    std::_Exit(damaged_store_exit_status);  // damage is not a bug: no core dump
}

[[noreturn]] void fatal_read(const std::string& what, const leveldb::Status& s) {
    fatal_damage("reading " + what, s.ToString());
}

// Every read checks LevelDB's block checksums: a flipped bit on disk is an error, never a
// value.
leveldb::ReadOptions checked_reads() {
    leveldb::ReadOptions options;
    options.verify_checksums = true;
    return options;
}

// The ids of committed records, as a Bloom filter (docs/storage.md, "Committed-id filter"):
// a "no" is certain, a "maybe" is asked of LevelDB. Most duplicate checks (admission's,
// and the block rule's for every record of a block) are for records not committed, so
// they end here instead of in a LevelDB look-up. Fixed size, so memory stays flat in the
// chain's length: 2^26 bits (8 MiB, allocated lazily), 4 bits per id, taken from the id
// itself (a SHA-256 or SM3 digest, so uniform): about 1 in 100,000 false "maybe" at 1
// million records, 1 in 25 at 10 million. A submitter who grinds ids to collide only
// sends its own checks to LevelDB. Thread-safe: bits are set with atomic ORs.
class IdFilter {
public:
    IdFilter() : words_(static_cast<std::uint64_t*>(std::calloc(words, sizeof(std::uint64_t)))) {
        if (!words_) throw std::bad_alloc();
    }
    void add(const Hash& id) {
        for (int i = 0; i < probes; ++i) {
            const std::uint32_t bit = slice(id, i);
            std::atomic_ref<std::uint64_t>(words_.get()[bit / 64]).fetch_or(std::uint64_t{1} << (bit % 64),
                                                                            std::memory_order_release);
        }
    }
    bool may_contain(const Hash& id) const {
        for (int i = 0; i < probes; ++i) {
            const std::uint32_t bit = slice(id, i);
            if (!(std::atomic_ref<std::uint64_t>(words_.get()[bit / 64]).load(std::memory_order_acquire) >> (bit % 64) & 1))
                return false;
        }
        return true;
    }

private:
    static constexpr int bits_log2 = 26;
    static constexpr std::size_t words = (std::size_t{1} << bits_log2) / 64;
    static constexpr int probes = 4;
    static std::uint32_t slice(const Hash& id, int i) {
        std::uint32_t v = 0;
        for (int j = 0; j < 4; ++j) v = v << 8 | id[4 * i + j];
        return v & ((std::uint32_t{1} << bits_log2) - 1);
    }
    struct Free {
        void operator()(std::uint64_t* p) const { std::free(p); }
    };
    std::unique_ptr<std::uint64_t, Free> words_;  // calloc: pages are mapped when first set
};

// The options every open uses; the filter and cache outlive the DB objects using them.
struct OpenOptions {
    std::unique_ptr<const leveldb::FilterPolicy> filter{leveldb::NewBloomFilterPolicy(10)};
    std::unique_ptr<leveldb::Cache> cache{leveldb::NewLRUCache(64 << 20)};

    leveldb::Options options() const {
        leveldb::Options o;
        o.create_if_missing = true;
        o.paranoid_checks = true;
        o.filter_policy = filter.get();
        o.block_cache = cache.get();
        // Keys and values are mostly hashes and signatures, which do not compress: snappy
        // would only cost CPU that admission needs for signature checks.
        o.compression = leveldb::kNoCompression;
        o.write_buffer_size = 16 << 20;
        return o;
    }
};

Result<std::unique_ptr<leveldb::DB>> open_db(const std::string& dir, const OpenOptions& how) {
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(how.options(), dir, &raw);
    if (!s.ok()) {
        // LevelDB holds a lock file while a process has the store open.
        const bool locked = s.IsIOError() && s.ToString().find("/LOCK") != std::string::npos;
        return Status::error("cannot open store " + dir + ": " + s.ToString() +
                             (locked ? ": another process has it open (is the node running?)" : ""));
    }
    return std::unique_ptr<leveldb::DB>(raw);
}

class LevelDbStore final : public BlockStore {
public:
    LevelDbStore(std::string dir, std::unique_ptr<OpenOptions> how, std::unique_ptr<leveldb::DB> db,
                 chain::Genesis genesis)
        : dir_(std::move(dir)), how_(std::move(how)), db_(std::move(db)), genesis_(std::move(genesis)) {}

    ~LevelDbStore() override {
        stop_filling_.store(true);
        if (filler_.joinable()) filler_.join();
    }

    // Fills the committed-id filter from the stored records on a thread of its own, so
    // opening a long chain does not wait for it; until it is done, every look-up asks
    // LevelDB. Blocks committed meanwhile add their ids themselves (commit_block).
    void start_filling() {
        filler_ = std::thread([this] {
            try {
                fill_filter();
            } catch (const StoreUnavailable&) {
                // Closed after a failed write and not open again: the filter stays unused.
            }
        });
    }

    void wait_for_indexes() const override {
        while (!filler_done_.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    // LevelDB refuses every write after a failed sync until it is opened again.
    Status reopen() override {
        std::unique_lock lock(db_mutex_);
        // The files are closed before they can be opened again (LevelDB's lock), so a
        // failed open leaves the store closed: readers then wait for it (read_lock()),
        // writes fail. Callers reopen only once writes work again (storage/disk.h).
        open_.store(false);
        db_.reset();
        return open_locked();
    }

    Status init() {
        auto format = get("m:format");
        const Hash ghash = chain::genesis_hash(genesis_);
        if (!format) {
            leveldb::WriteBatch batch;
            batch.Put("m:format", std::string(format_version));
            batch.Put("m:genesis", std::string(ghash.begin(), ghash.end()));
            batch.Put("m:tip", std::string(8, '\0'));
            return write(batch);
        }
        if (*format == format_version_whole_states) {
            leveldb::WriteBatch batch;
            batch.Put("m:format", std::string(format_version));
            if (Status s = write(batch); !s) return s;
            format = std::string(format_version);
        }
        if (*format != format_version)
            return Status::error("store format is '" + *format + "', this jchain reads '" + std::string(format_version) + "'");
        auto stored = get("m:genesis");
        if (!stored || *stored != std::string(ghash.begin(), ghash.end()))
            return Status::error("the data directory belongs to another genesis (stored genesis hash " +
                                 (stored ? to_hex(as_bytes(*stored)) : std::string("missing")) + ", config " +
                                 to_hex(ghash) + ")");
        auto tip = get("m:tip");
        if (!tip || tip->size() != 8) return Status::error("store metadata m:tip is missing or malformed");
        height_ = read_be64(*tip);
        return check_tip();
    }

    // The tip block, its certificate, its hash index and the ledger tree agree.
    Status check_tip() const {
        const std::uint64_t h = height_.load();
        if (h == 0) return Status::ok();
        const std::string at = "block " + std::to_string(h);
        auto b = block(h);
        if (!b) return Status::error(at + " (the tip) is missing or unreadable");
        if (b->header.height != h) return Status::error(at + " holds a header of height " + std::to_string(b->header.height));
        auto cert = certificate(h);
        if (!cert) return Status::error("the commit certificate of " + at + " is missing or unreadable");
        const Hash hash = chain::block_hash(genesis_.suite, b->header);
        if (auto problem = chain::check_certificate(genesis_.suite, genesis_.chain_id, h, hash, *cert, state_after(h - 1).validators))
            return Status::error("the commit certificate of " + at + " is invalid: " + *problem);
        if (height_of(hash) != h) return Status::error("the hash index does not point at " + at);
        auto frontier = chain::MerkleFrontier::load(genesis_.suite, *this, b->header.ledger_size);
        if (!frontier) return Status::error(frontier.message());
        if (frontier->root() != b->header.ledger_root)
            return Status::error("the ledger tree root at size " + std::to_string(b->header.ledger_size) +
                                 " does not match the root in " + at);
        for (const auto& id : b->record_ids)
            if (!has_record(id)) return Status::error("record " + to_hex(id) + " of " + at + " is missing");
        return Status::ok();
    }

    std::uint64_t height() const override { return height_.load(); }

    // Each read checks that the value is what a commit wrote under that key: it decodes, and
    // what it names (height, id, hash) is the key it was read from.
    std::optional<chain::Block> block(std::uint64_t height) const override {
        const std::string k = key('b', be64(height));
        auto v = get(k);
        if (!v) return std::nullopt;
        auto b = chain::from_cereal<chain::Block>(*v);
        if (!b) fatal_damage("block " + std::to_string(height), "the stored value does not decode");
        if (b->header.height != height)
            fatal_damage("block " + std::to_string(height),
                         "the stored header says height " + std::to_string(b->header.height));
        return b;
    }
    std::optional<std::uint64_t> height_of(const Hash& hash) const override {
        auto v = get(key('h', hash));
        if (!v) return std::nullopt;
        if (v->size() != 8) fatal_damage("the height of block " + to_hex(hash), "the stored value is not 8 bytes");
        return read_be64(*v);
    }
    std::optional<chain::CommitCertificate> certificate(std::uint64_t height) const override {
        auto v = get(key('q', be64(height)));
        if (!v) return std::nullopt;
        auto c = chain::from_cereal<chain::CommitCertificate>(*v);
        if (!c) fatal_damage("the certificate of block " + std::to_string(height), "the stored value does not decode");
        if (c->height != height)
            fatal_damage("the certificate of block " + std::to_string(height),
                         "it certifies height " + std::to_string(c->height));
        return c;
    }
    std::optional<StoredRecord> record(const Hash& id) const override {
        if (certainly_absent(id)) return std::nullopt;
        auto v = get(key('r', id));
        if (!v) return std::nullopt;
        auto r = chain::from_cereal<Stored>(*v);
        const std::string what = "record " + to_hex(id);
        if (!r) fatal_damage(what, "the stored value does not decode");
        if (chain::record_id(genesis_.suite, r->record) != id) fatal_damage(what, "the stored record hashes to another id");
        // +1: a reader may see a block's records just before the tip moves to it.
        if (r->height == 0 || r->height > height_.load() + 1)
            fatal_damage(what, "stored at height " + std::to_string(r->height) + ", beyond the chain");
        return StoredRecord{std::move(r->record), r->height, r->leaf_index};
    }
    bool has_record(const Hash& id) const override { return !certainly_absent(id) && get(key('r', id)).has_value(); }

    std::vector<Hash> records_with_content(const Hash& content_hash, std::size_t limit) const override {
        return scan_ids(key('c', content_hash), limit);
    }
    std::vector<Hash> records_of_case(const std::string& case_id, std::size_t limit) const override {
        return scan_ids(case_prefix(case_id), limit);
    }
    std::vector<Hash> corrections_of(const Hash& id) const override { return scan_ids(key('x', id), 1000); }

    std::optional<Hash> node(std::uint8_t level, std::uint64_t index) const override {
        auto v = get(node_key(level, index));
        if (!v) return std::nullopt;
        if (v->size() != 32)
            fatal_damage("ledger tree node " + std::to_string(level) + "/" + std::to_string(index),
                         "the stored value is not 32 bytes");
        Hash h;
        std::copy(v->begin(), v->end(), h.begin());
        return h;
    }

    chain::ChainState state_after(std::uint64_t height) const override {
        std::string stored_key, stored;
        {
            auto lock = read_lock();
            std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
            it->Seek(key('s', be64(height + 1)));
            // The last key below s<height + 1>: the latest state at or before `height`, if it is one.
            if (it->Valid()) it->Prev();
            else it->SeekToLast();
            if (!it->status().ok()) fatal_read("the chain state", it->status());
            if (!it->Valid() || !it->key().starts_with("s")) return chain::ChainState::from_genesis(genesis_);
            stored_key = it->key().ToString();
            stored = it->value().ToString();
        }
        const std::string what = "the chain state after block " + std::to_string(read_be64(stored_key.substr(1)));
        auto json = parse_json(stored);
        if (!json || !json->is_object()) fatal_damage(what, "the stored value is not a JSON object");
        join_chunks(json->as_object(), what);
        auto state = chain::state_from_json(*json);
        if (!state) fatal_damage(what, state.message());
        if (stored_key.size() != 9 || state->height != read_be64(stored_key.substr(1)))
            fatal_damage(what, "the stored state names height " + std::to_string(state->height));
        return std::move(*state);
    }

    // Puts the state after block `height` into `batch`: its lists in chunks, of which only
    // those not stored yet are written.
    void put_state(leveldb::WriteBatch& batch, std::uint64_t height, const chain::ChainState& state) const {
        boost::json::value json = chain::state_to_json(state);
        boost::json::object& o = json.as_object();
        std::set<Hash> put;
        for (std::string_view list : chunked_lists) {
            boost::json::value* v = o.if_contains(list);
            if (!v || !v->is_array()) continue;
            boost::json::array hashes, chunk;
            auto flush = [&] {
                const std::string text = boost::json::serialize(chunk);
                const Hash h = crypto::sha256(as_bytes(text));
                if (put.insert(h).second && !get(key('S', h))) batch.Put(key('S', h), text);
                hashes.push_back(boost::json::string(to_hex(h)));
                chunk.clear();
            };
            for (boost::json::value& e : v->as_array()) {
                const bool ends = crypto::sha256(as_bytes(boost::json::serialize(e)))[0] < 256 / chunk_elements_mean;
                chunk.push_back(std::move(e));
                if (ends || chunk.size() == chunk_elements_max) flush();
            }
            if (!chunk.empty()) flush();
            *v = boost::json::object{{"chunks", std::move(hashes)}};
        }
        batch.Put(key('s', be64(height)), boost::json::serialize(json));
    }

    // Replaces each list stored as {"chunks": [hash, ...]} with its elements. A state
    // stored whole (format /2) has its lists as arrays and is left as it is.
    void join_chunks(boost::json::object& o, const std::string& what) const {
        for (std::string_view list : chunked_lists) {
            boost::json::value* v = o.if_contains(list);
            if (!v || !v->is_object()) continue;
            const boost::json::value* hashes = v->as_object().if_contains("chunks");
            if (!hashes || !hashes->is_array()) fatal_damage(what, std::string(list) + " is neither a list nor chunks");
            boost::json::array joined;
            for (const boost::json::value& hv : hashes->as_array()) {
                auto h = hv.is_string() ? from_hex(std::string_view(hv.as_string())) : std::nullopt;
                if (!h || h->size() != 32) fatal_damage(what, std::string(list) + " names a chunk by a malformed hash");
                const std::string chunk_what = what + ", " + std::string(list) + " chunk " + to_hex(*h).substr(0, 16);
                auto text = get(key('S', *h));
                if (!text) fatal_damage(chunk_what, "the chunk is missing");
                const Hash got = crypto::sha256(as_bytes(*text));
                if (!std::equal(got.begin(), got.end(), h->begin())) fatal_damage(chunk_what, "the chunk does not hash to its key");
                auto chunk = parse_json(*text);
                if (!chunk || !chunk->is_array()) fatal_damage(chunk_what, "the chunk is not a JSON array");
                for (boost::json::value& e : chunk->as_array()) joined.push_back(std::move(e));
            }
            *v = std::move(joined);
        }
    }

    Status commit_block(const chain::Block& block, const chain::CommitCertificate& certificate,
                        const std::vector<chain::Record>& records,
                        const std::vector<chain::MerkleNode>& nodes,
                        const chain::ChainState* next_state) override {
        const std::uint64_t h = block.header.height;
        assert(h == height_.load() + 1);
        assert(records.size() == block.record_ids.size());
        leveldb::WriteBatch batch;
        const Hash hash = chain::block_hash(genesis_.suite, block.header);
        batch.Put(key('b', be64(h)), chain::to_cereal(block));
        batch.Put(key('q', be64(h)), chain::to_cereal(certificate));
        auto hb = be64(h);
        batch.Put(key('h', hash), std::string(hb.begin(), hb.end()));
        // Before the write: a reader never hears "not committed" from the filter for a
        // record already written. A failed write leaves a harmless false "maybe".
        for (const Hash& id : block.record_ids) filter_.add(id);
        std::uint64_t leaf = block.header.ledger_size - records.size();
        for (std::size_t i = 0; i < records.size(); ++i, ++leaf) {
            const auto& r = records[i];
            const Hash& id = block.record_ids[i];
            const std::string id_value(id.begin(), id.end());
            batch.Put(key('r', id), chain::to_cereal(Stored{r, h, leaf}));
            batch.Put(key('c', r.content_hash, be64(leaf)), id_value);
            if (!r.case_tag.empty()) batch.Put(case_prefix(r.case_tag) + key_suffix(be64(leaf)), id_value);
            if (r.kind == chain::Kind::correction && !r.refs.empty())
                batch.Put(key('x', r.refs[0], be64(leaf)), id_value);
        }
        for (const auto& n : nodes) batch.Put(node_key(n.level, n.index), std::string(n.hash.begin(), n.hash.end()));
        if (next_state) put_state(batch, h, *next_state);
        batch.Put("m:tip", std::string(hb.begin(), hb.end()));
        if (auto s = write(batch); !s) return s;
        height_.store(h);
        return Status::ok();
    }

    std::vector<std::string> checkpoint_signatures(std::uint64_t size) const override {
        std::vector<std::string> out;
        const std::string prefix = key('p', be64(size));
        auto lock = read_lock();
        std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) out.push_back(it->value().ToString());
        if (!it->status().ok()) fatal_read("checkpoint signatures at size " + std::to_string(size), it->status());
        return out;
    }

    Result<bool> add_checkpoint_signature(std::uint64_t size, const std::string& signer,
                                          const std::string& line) override {
        const std::string k = key('p', be64(size), as_bytes(signer));
        if (get(k)) return false;
        leveldb::WriteBatch batch;
        batch.Put(k, line);
        if (Status s = write(batch, false); !s) return s;
        return true;
    }

    std::vector<std::uint64_t> checkpoint_sizes(std::uint64_t below, std::size_t limit) const override {
        std::vector<std::uint64_t> out;
        auto lock = read_lock();
        std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
        it->Seek(key('p', be64(below)));
        if (it->Valid()) it->Prev();
        else it->SeekToLast();
        while (it->Valid() && out.size() < limit && it->key().starts_with("p") && it->key().size() >= 9) {
            const std::uint64_t size = read_be64(it->key().ToString().substr(1, 8));
            out.push_back(size);
            it->Seek(key('p', be64(size)));  // the first line of this size; the one before is a smaller size
            it->Prev();
        }
        if (!it->status().ok()) fatal_read("checkpoint sizes", it->status());
        return out;
    }

private:
    // StoredRecord with cereal support.
    struct Stored {
        chain::Record record;
        std::uint64_t height = 0;
        std::uint64_t leaf_index = 0;
        template <class Archive>
        void serialize(Archive& ar) { ar(record, height, leaf_index); }
    };

    // Opens the closed store; the caller holds db_mutex_ exclusively.
    Status open_locked() const {
        auto db = open_db(dir_, *how_);
        if (!db) return db.status();
        db_ = std::move(*db);
        open_.store(true);
        std::string tip;
        leveldb::Status s = db_->Get(checked_reads(), "m:tip", &tip);
        if (!s.ok() || tip.size() != 8) return Status::error("store metadata m:tip unreadable after reopen");
        height_.store(read_be64(tip));
        return Status::ok();
    }

    // A shared lock on the open store. A closed store (a reopen() that failed: the disk
    // filled again, say) is not a damaged one: the reader opens it itself, retrying for
    // a while, and past that throws StoreUnavailable, which the caller may retry.
    std::shared_lock<std::shared_mutex> read_lock() const {
        std::shared_lock lock(db_mutex_);
        if (db_) return lock;
        lock.unlock();
        const auto deadline = std::chrono::steady_clock::now() + closed_wait;
        std::string why = "it could not be opened again";
        for (;;) {
            {
                std::unique_lock exclusive(db_mutex_);
                if (!db_)
                    if (Status s = open_locked(); !s) why = s.message();
            }
            lock.lock();
            if (db_) return lock;
            lock.unlock();
            if (std::chrono::steady_clock::now() >= deadline)
                throw StoreUnavailable("the store is closed after a failed write and cannot be opened yet (" + why +
                                       "); retry later");
            std::this_thread::sleep_for(closed_retry);
        }
    }

    // A closed store answers nothing from memory either: its reads wait for it to open
    // (read_lock()), as every other read does.
    bool certainly_absent(const Hash& id) const {
        return filter_ready_.load(std::memory_order_acquire) && open_.load(std::memory_order_relaxed) &&
               !filter_.may_contain(id);
    }

    // Adds every stored record id to the filter, in chunks, each under a shared lock (so a
    // reopen() waits at most one chunk), resuming after the last key seen.
    void fill_filter() {
        constexpr std::size_t chunk = 1 << 16;
        std::string next = key('r');
        bool done = false;
        while (!done && !stop_filling_.load()) {
            auto lock = read_lock();
            std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
            std::size_t n = 0;
            for (it->Seek(next); it->Valid() && n < chunk; it->Next(), ++n) {
                const leveldb::Slice k = it->key();
                if (k.size() != 33 || k[0] != 'r') break;
                Hash id;
                std::copy(k.data() + 1, k.data() + 33, id.begin());
                filter_.add(id);
            }
            if (!it->status().ok()) fatal_read("the record index (filling the committed-id filter)", it->status());
            if (it->Valid() && n == chunk) {
                next = it->key().ToString();
            } else {
                done = true;
            }
        }
        if (done) filter_ready_.store(true, std::memory_order_release);
        filler_done_.store(true);
    }

    static std::string key_suffix(ByteSpan b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

    std::optional<std::string> get(const std::string& k) const {
        auto lock = read_lock();
        std::string value;
        leveldb::Status s = db_->Get(checked_reads(), k, &value);
        if (s.IsNotFound()) return std::nullopt;
        if (!s.ok()) fatal_read("key " + to_hex(as_bytes(k)), s);
        return value;
    }

    std::vector<Hash> scan_ids(const std::string& prefix, std::size_t limit) const {
        std::vector<Hash> out;
        auto lock = read_lock();
        std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
        for (it->Seek(prefix); it->Valid() && out.size() < limit && it->key().starts_with(prefix); it->Next()) {
            if (it->value().size() != 32)
                fatal_damage("index entry " + to_hex(as_bytes(it->key().ToString())), "the stored value is not 32 bytes");
            Hash h;
            std::copy(it->value().data(), it->value().data() + 32, h.begin());
            out.push_back(h);
        }
        if (!it->status().ok()) fatal_read("index " + to_hex(as_bytes(prefix)), it->status());
        return out;
    }

    Status write(leveldb::WriteBatch& batch, bool sync = true) {
        leveldb::WriteOptions options;
        options.sync = sync;
        std::shared_lock lock(db_mutex_);
        if (!db_) return Status::error("store write failed: the store could not be reopened after a failed write");
        leveldb::Status s = db_->Write(options, &batch);
        if (!s.ok()) return Status::error("store write failed: " + s.ToString());
        return Status::ok();
    }

    const std::string dir_;
    const std::unique_ptr<OpenOptions> how_;
    // Shared by reads and writes; exclusive while reopen() swaps the DB. Declared after
    // how_: the DB is closed before its filter and cache.
    mutable std::shared_mutex db_mutex_;
    mutable std::unique_ptr<leveldb::DB> db_;  // null only after a failed open: see read_lock()
    chain::Genesis genesis_;
    mutable std::atomic<std::uint64_t> height_{0};
    IdFilter filter_;
    std::atomic<bool> filter_ready_{false};  // every committed id is in filter_
    mutable std::atomic<bool> open_{true};   // false from a reopen() until db_ is open again
    std::atomic<bool> filler_done_{false};
    std::atomic<bool> stop_filling_{false};
    std::thread filler_;  // joined by the destructor
};

}  // namespace

Result<std::unique_ptr<BlockStore>> BlockStore::open(const std::string& dir, const chain::Genesis& genesis) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::error("cannot create data directory " + dir + ": " + ec.message());
    auto how = std::make_unique<OpenOptions>();
    auto db = open_db(dir, *how);
    if (!db) return db.status();
    auto store = std::make_unique<LevelDbStore>(dir, std::move(how), std::move(*db), genesis);
    if (auto st = store->init(); !st) return Status::error("store " + dir + ": " + st.message());
    store->start_filling();
    return std::unique_ptr<BlockStore>(std::move(store));
}

}  // namespace jchain::storage
