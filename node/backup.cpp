#include "node/backup.h"

#include <istream>
#include <ostream>
#include <vector>

#include "base/bytes.h"
#include "chain/limits.h"
#include "crypto/hash.h"

namespace jchain::node {
namespace {

constexpr std::size_t trailer_checksum_bytes = 32;

std::string short_hex(const chain::Hash& h) { return to_hex(h).substr(0, 16); }

// ---- export --------------------------------------------------------------------------

class StoreBlockSource final : public CertifiedBlockSource {
public:
    explicit StoreBlockSource(const storage::BlockStore& store) : store_(store) {}
    Result<std::uint64_t> height() override { return store_.height(); }
    Result<consensus::CertifiedBlock> load(std::uint64_t height) override {
        auto block = store_.block(height);
        auto cert = store_.certificate(height);
        if (!block || !cert) return Status::error("the store has no block or certificate at height " + std::to_string(height));
        consensus::Value value;
        value.block = std::move(*block);
        value.records.reserve(value.block.record_ids.size());
        for (const auto& id : value.block.record_ids) {
            auto r = store_.record(id);
            if (!r) return Status::error("the store has no record " + to_hex(id) + " of block " + std::to_string(height));
            value.records.push_back(std::move(r->record));
        }
        return consensus::CertifiedBlock{std::make_shared<const consensus::Value>(std::move(value)), std::move(*cert)};
    }

private:
    const storage::BlockStore& store_;
};

// Writes to a stream, hashing and counting every byte.
class HashingWriter {
public:
    explicit HashingWriter(std::ostream& out) : out_(out) {}
    void write(ByteSpan b) {
        out_.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        sha_.update(b);
        bytes_ += b.size();
    }
    // Writes the SHA-256 of everything written so far, unhashed, and returns it.
    chain::Hash finish() {
        const chain::Hash digest = sha_.finish();
        out_.write(reinterpret_cast<const char*>(digest.data()), digest.size());
        bytes_ += digest.size();
        return digest;
    }
    std::uint64_t bytes() const { return bytes_; }
    bool good() const { return static_cast<bool>(out_); }

private:
    std::ostream& out_;
    crypto::Sha256 sha_;
    std::uint64_t bytes_ = 0;
};

Bytes header_bytes(const std::string& chain_id, const chain::Hash& genesis_hash, std::uint64_t first_height) {
    ByteWriter w;
    w.fixed(backup_magic);
    w.u32(backup_format_version);
    w.str(chain_id);
    w.fixed(genesis_hash);
    w.u64(first_height);
    return std::move(w).take();
}

// Why a block from the source cannot go into a backup; nullopt when it can.
std::optional<std::string> incomplete(const crypto::Suite& suite, const consensus::CertifiedBlock& b, std::uint64_t height) {
    const chain::Block& block = b.value->block;
    if (block.header.height != height) return "it is block " + std::to_string(block.header.height);
    if (b.certificate.height != height) return "its certificate is for height " + std::to_string(b.certificate.height);
    if (b.value->records.size() != block.record_ids.size())
        return "it lists " + std::to_string(block.record_ids.size()) + " records, the source gave " +
               std::to_string(b.value->records.size());
    for (std::size_t i = 0; i < block.record_ids.size(); ++i)
        if (chain::record_id(suite, b.value->records[i]) != block.record_ids[i])
            return "record " + std::to_string(i) + " does not hash to the listed id " + to_hex(block.record_ids[i]);
    return std::nullopt;
}

// ---- import --------------------------------------------------------------------------

// Reads exactly n bytes at a time from a stream, hashing them unless told not to.
class HashingReader {
public:
    explicit HashingReader(std::istream& in) : in_(in) {}
    // True when all n bytes were read; false at the end of the input (short read).
    bool read(std::uint8_t* into, std::size_t n, bool hash = true) {
        in_.read(reinterpret_cast<char*>(into), static_cast<std::streamsize>(n));
        const auto got = static_cast<std::size_t>(in_.gcount());
        bytes_ += got;
        if (hash) sha_.update(ByteSpan(into, got));
        return got == n;
    }
    std::optional<std::uint32_t> u32() {
        std::array<std::uint8_t, 4> b{};
        if (!read(b.data(), b.size())) return std::nullopt;
        return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
    }
    std::optional<std::uint64_t> u64() {
        std::array<std::uint8_t, 8> b{};
        if (!read(b.data(), b.size())) return std::nullopt;
        std::uint64_t v = 0;
        for (auto x : b) v = v << 8 | x;
        return v;
    }
    template <std::size_t N>
    bool fixed(std::array<std::uint8_t, N>& out, bool hash = true) { return read(out.data(), N, hash); }
    bool at_end() { return in_.peek() == std::char_traits<char>::eof(); }
    // The input failed for another reason than its end (an I/O error).
    bool broken() const { return in_.bad(); }
    chain::Hash digest() { return sha_.finish(); }
    std::uint64_t bytes() const { return bytes_; }

private:
    std::istream& in_;
    crypto::Sha256 sha_;
    std::uint64_t bytes_ = 0;
};

// The rule's RecordVerifier for one block whose signatures were verified earlier, in
// the window's batch. Any other question (which the rule never asks) goes to `fallback`.
class BatchResult final : public chain::RecordVerifier {
public:
    BatchResult(const std::vector<chain::Hash>& ids, const std::vector<bool>& ok, chain::RecordVerifier& fallback)
        : ids_(ids), ok_(ok), fallback_(fallback) {}
    std::vector<bool> verify(std::span<const chain::Record> records, std::span<const chain::Hash> ids) override {
        if (ids.size() == ids_.size() && std::equal(ids.begin(), ids.end(), ids_.begin())) return ok_;
        return fallback_.verify(records, ids);
    }

private:
    const std::vector<chain::Hash>& ids_;
    const std::vector<bool>& ok_;
    chain::RecordVerifier& fallback_;
};

struct WindowEntry {
    std::uint64_t height = 0;  // the frame's position in the file
    consensus::CertifiedBlock block;
    std::vector<chain::Hash> ids;  // record_id of each record carried
    std::vector<bool> signature_ok;
};

Result<chain::ChainTip> tip_of(const storage::BlockStore& store, const chain::Genesis& genesis) {
    const std::uint64_t h = store.height();
    if (h == 0) return chain::ChainTip::genesis(genesis);
    auto block = store.block(h);
    if (!block) return Status::error("the store has no block at its tip height " + std::to_string(h));
    auto ledger = chain::MerkleFrontier::load(genesis.suite, store, block->header.ledger_size);
    if (!ledger) return ledger.status();
    return chain::ChainTip{h, chain::block_hash(genesis.suite, block->header), block->header.time_ms, std::move(*ledger)};
}

std::string kept(const chain::ChainTip& tip) {
    return tip.height == 0 ? "the store holds no blocks"
                           : "the store keeps blocks 1.." + std::to_string(tip.height) + ", each valid";
}

}  // namespace

std::unique_ptr<CertifiedBlockSource> store_block_source(const storage::BlockStore& store) {
    return std::make_unique<StoreBlockSource>(store);
}

Result<ExportSummary> export_chain(CertifiedBlockSource& source, const chain::Genesis& genesis, std::ostream& out,
                                   const ExportOptions& options) {
    auto tip = source.height();
    if (!tip) return tip.status();
    ExportSummary s;
    s.chain_id = genesis.chain_id;
    s.genesis_hash = chain::genesis_hash(genesis);
    s.from_height = options.from_height;
    s.to_height = options.to_height == 0 ? *tip : options.to_height;
    if (s.to_height > *tip)
        return Status::error("--to " + std::to_string(s.to_height) + " is beyond the tip, height " + std::to_string(*tip));
    if (s.from_height < 1 || s.from_height > std::max<std::uint64_t>(s.to_height, 1))
        return Status::error("--from must be 1.." + std::to_string(std::max<std::uint64_t>(s.to_height, 1)));

    HashingWriter w(out);
    w.write(header_bytes(s.chain_id, s.genesis_hash, s.from_height));
    for (std::uint64_t h = s.from_height; h <= s.to_height; ++h) {
        auto block = source.load(h);
        if (!block) return Status::error("cannot read block " + std::to_string(h) + ": " + block.message());
        if (auto why = incomplete(genesis.suite, *block, h))
            return Status::error("cannot export block " + std::to_string(h) + ": " + *why);
        const Bytes frame = consensus::encode_certified(*block->value, block->certificate);
        if (frame.empty() || frame.size() > chain::limits::certified_block_bytes_max)
            return Status::error("block " + std::to_string(h) + " encodes to " + std::to_string(frame.size()) +
                                 " bytes, more than a frame may hold");
        ByteWriter len;
        len.u32(static_cast<std::uint32_t>(frame.size()));
        w.write(len.bytes());
        w.write(frame);
        if (!w.good()) return Status::error("writing the backup failed at block " + std::to_string(h));
        ++s.blocks;
        s.records += block->value->records.size();
        if (options.progress) options.progress(h, s.to_height);
    }
    ByteWriter end;
    end.u32(0);
    end.u64(s.blocks);
    w.write(end.bytes());
    s.checksum = w.finish();
    out.flush();
    if (!w.good()) return Status::error("writing the backup's trailer failed");
    s.bytes = w.bytes();
    return s;
}

std::string_view fault_name(ImportFault fault) {
    switch (fault) {
        case ImportFault::header: return "header";
        case ImportFault::not_prefix: return "not_prefix";
        case ImportFault::malformed: return "malformed";
        case ImportFault::truncated: return "truncated";
        case ImportFault::block: return "block";
        case ImportFault::certificate: return "certificate";
        case ImportFault::checksum: return "checksum";
    }
    return "unknown";
}

Result<ImportSummary> import_chain(storage::BlockStore& store, const chain::Genesis& genesis, std::istream& in,
                                   chain::RecordVerifier& verifier, const ImportOptions& options) {
    ImportSummary s;
    HashingReader r(in);
    const chain::Hash our_genesis = chain::genesis_hash(genesis);

    auto tip_or = tip_of(store, genesis);
    if (!tip_or) return tip_or.status();
    chain::ChainTip tip = std::move(*tip_or);
    chain::ChainState state = store.state_after(tip.height);
    auto finish = [&](std::optional<ImportProblem> problem) -> Result<ImportSummary> {
        s.problem = std::move(problem);
        s.height = tip.height;
        s.last_block_hash = tip.hash;
        s.ledger_size = tip.ledger.size();
        s.ledger_root = tip.ledger.root();
        return s;
    };
    auto io_error = [&] { return Status::error("reading the backup failed after " + std::to_string(r.bytes()) + " bytes"); };

    // ---- Header.
    std::array<std::uint8_t, 8> magic{};
    if (!r.fixed(magic) || magic != backup_magic) {
        if (r.broken()) return io_error();
        return finish(ImportProblem{ImportFault::header, std::nullopt,
                                    "not a JChain backup: the file does not start with JCHAINBK (docs/backup.md)"});
    }
    auto version = r.u32();
    if (!version || *version != backup_format_version)
        return finish(ImportProblem{ImportFault::header, std::nullopt,
                                    version ? "backup format version " + std::to_string(*version) +
                                                  " is not supported (this jchain reads version " +
                                                  std::to_string(backup_format_version) + ")"
                                            : "the file ends inside its header"});
    auto chain_id_len = r.u32();
    if (!chain_id_len || *chain_id_len == 0 || *chain_id_len > chain::chain_id_bytes_max)
        return finish(ImportProblem{ImportFault::header, std::nullopt, "the header's chain id length is not 1.." + std::to_string(chain::chain_id_bytes_max)});
    std::string chain_id(*chain_id_len, '\0');
    auto first = std::optional<std::uint64_t>{};
    if (!r.read(reinterpret_cast<std::uint8_t*>(chain_id.data()), chain_id.size()) || !r.fixed(s.genesis_hash) ||
        !(first = r.u64())) {
        if (r.broken()) return io_error();
        return finish(ImportProblem{ImportFault::header, std::nullopt, "the file ends inside its header"});
    }
    s.chain_id = chain_id;
    s.first_height = *first;
    if (chain_id != genesis.chain_id || s.genesis_hash != our_genesis)
        return finish(ImportProblem{
            ImportFault::header, std::nullopt,
            "the backup is of chain '" + chain_id + "' with genesis " + short_hex(s.genesis_hash) +
                ", this home's genesis is chain '" + genesis.chain_id + "', " + short_hex(our_genesis)});
    if (s.first_height < 1 || s.first_height > tip.height + 1)
        return finish(ImportProblem{ImportFault::not_prefix, std::nullopt,
                                    "the backup starts at block " + std::to_string(s.first_height) +
                                        " but the store ends at height " + std::to_string(tip.height) +
                                        ": import the blocks between first"});

    // ---- Frames, a window at a time: read (and hash) up to the window's bounds or the
    // first unreadable frame, verify the new blocks' signatures in one batch, then check
    // and commit in order. A frame that cannot be read is reported only after every
    // block before it was dealt with, so the store keeps each valid block.
    storage::StoreHistory history(store);
    std::uint64_t next = s.first_height;
    bool trailer = false;
    std::optional<ImportProblem> pending;
    std::vector<WindowEntry> window;
    while (!trailer && !pending) {
        window.clear();
        std::size_t window_records = 0, window_bytes = 0;
        while (!trailer && !pending && window.size() < std::max<std::size_t>(options.window_blocks_max, 1) &&
               (window.empty() ||
                (window_records < options.window_records_max && window_bytes < options.window_bytes_max))) {
            const auto len = r.u32();
            if (!len) {
                if (r.broken()) return io_error();
                pending = ImportProblem{ImportFault::truncated, next,
                                        "the file is truncated: it ends before block " + std::to_string(next) +
                                            " or the trailer"};
                break;
            }
            if (*len == 0) {
                trailer = true;
                break;
            }
            if (*len > chain::limits::certified_block_bytes_max) {
                pending = ImportProblem{ImportFault::malformed, next,
                                        "block " + std::to_string(next) + "'s frame claims " + std::to_string(*len) +
                                            " bytes, more than a certified block can be"};
                break;
            }
            Bytes frame(*len);
            if (!r.read(frame.data(), frame.size())) {
                if (r.broken()) return io_error();
                pending = ImportProblem{ImportFault::truncated, next,
                                        "the file is truncated: it ends inside block " + std::to_string(next)};
                break;
            }
            auto decoded = consensus::decode_certified(frame);
            if (!decoded) {
                pending = ImportProblem{ImportFault::malformed, next,
                                        "block " + std::to_string(next) + " does not decode as a certified block"};
                break;
            }
            WindowEntry e{next++, std::move(*decoded), {}, {}};
            window_records += e.block.value->records.size();
            window_bytes += frame.size();
            window.push_back(std::move(e));
        }

        // Every signature of the window's new blocks in one batch.
        std::vector<chain::Record> batch;
        std::vector<chain::Hash> batch_ids;
        for (auto& e : window) {
            if (e.height <= tip.height) continue;
            for (const auto& rec : e.block.value->records) {
                e.ids.push_back(chain::record_id(genesis.suite, rec));
                batch.push_back(rec);
                batch_ids.push_back(e.ids.back());
            }
        }
        const std::vector<bool> batch_ok = verifier.verify(batch, batch_ids);
        std::size_t at = 0;
        for (auto& e : window)
            if (e.height > tip.height) {
                e.signature_ok.assign(batch_ok.begin() + at, batch_ok.begin() + at + e.ids.size());
                at += e.ids.size();
            }
        batch.clear();

        for (auto& e : window) {
            const consensus::Value& v = *e.block.value;
            const chain::Hash hash = v.hash(genesis.suite);
            ++s.blocks_read;
            if (e.height <= tip.height) {  // the store holds this height: the same block, or the file is not for it
                auto held = store.block(e.height);
                if (!held) return Status::error("the store has no block at height " + std::to_string(e.height));
                if (chain::block_hash(genesis.suite, held->header) != hash)
                    return finish(ImportProblem{
                        ImportFault::not_prefix, e.height,
                        "the store's block " + std::to_string(e.height) + " (" + short_hex(chain::block_hash(genesis.suite, held->header)) +
                            ") differs from the backup's (" + short_hex(hash) +
                            "): the store is not a prefix of this chain; nothing was imported"});
                ++s.already_held;
                if (options.progress) options.progress(e.height, r.bytes());
                continue;
            }
            BatchResult verified(e.ids, e.signature_ok, verifier);
            chain::BlockCheck check = chain::check_block(state, tip, history, v.block, v.records, verified);
            if (!check.valid())
                return finish(ImportProblem{ImportFault::block, e.height,
                                            "block " + std::to_string(e.height) + " breaks rule " +
                                                check.faults.front().describe() + "; " + kept(tip)});
            if (auto why = chain::check_certificate(genesis.suite, genesis.chain_id, e.height, hash, e.block.certificate,
                                                    state.validators))
                return finish(ImportProblem{ImportFault::certificate, e.height,
                                            "block " + std::to_string(e.height) + " has a bad commit certificate: " +
                                                *why + "; " + kept(tip)});
            if (Status st = store.commit_block(v.block, e.block.certificate, v.records, check.built.nodes,
                                               check.next_state ? &*check.next_state : nullptr);
                !st)
                return Status::error("committing block " + std::to_string(e.height) + ": " + st.message());
            if (check.next_state) state = std::move(*check.next_state);
            tip = chain::ChainTip{e.height, hash, v.block.header.time_ms, std::move(check.built.frontier)};
            ++s.imported;
            s.records_imported += v.records.size();
            if (options.progress) options.progress(e.height, r.bytes());
        }
    }
    if (pending) {
        pending->message += "; " + kept(tip);
        return finish(std::move(pending));
    }

    // ---- Trailer: the block count, then the SHA-256 of every byte before it.
    auto count = r.u64();
    chain::Hash stated{};
    if (!count || !r.fixed(stated, /*hash=*/false)) {
        if (r.broken()) return io_error();
        return finish(ImportProblem{ImportFault::truncated, std::nullopt,
                                    "the file is truncated: it ends inside its trailer; " + kept(tip)});
    }
    const chain::Hash computed = r.digest();
    if (stated != computed)
        return finish(ImportProblem{
            ImportFault::checksum, std::nullopt,
            "the trailer's SHA-256 does not match the file (altered or damaged after export); " + kept(tip) +
                ": every block was checked by the rule and its certificate as it was read"});
    if (*count != s.blocks_read)
        return finish(ImportProblem{ImportFault::checksum, std::nullopt,
                                    "the trailer says " + std::to_string(*count) + " blocks, the file holds " +
                                        std::to_string(s.blocks_read) + "; " + kept(tip)});
    if (!r.at_end()) {
        if (r.broken()) return io_error();
        return finish(ImportProblem{ImportFault::malformed, std::nullopt,
                                    "bytes follow the trailer; " + kept(tip)});
    }
    return finish(std::nullopt);
}

}  // namespace jchain::node
