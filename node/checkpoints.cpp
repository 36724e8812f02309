#include "node/checkpoints.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace jchain::node {
namespace {

// The store key of a line: key name and key id (names hold no space).
std::string signer_of(const chain::NoteSignature& s) {
    char id[9];
    std::snprintf(id, sizeof id, "%08x", s.key_id);
    return s.name + " " + id;
}

// How many stored sizes latest() looks back through for one with a quorum.
constexpr std::size_t latest_lookback = 64;

}  // namespace

Checkpoints::Checkpoints(storage::BlockStore& store, const chain::Genesis& genesis,
                         std::vector<chain::Witness> witnesses, std::optional<crypto::KeyPair> key)
        : store_(store), suite_(genesis.suite), origin_(chain::checkpoint_origin(genesis)), witnesses_(std::move(witnesses)), key_(key) {}

std::optional<std::uint64_t> Checkpoints::height_at_size(std::uint64_t size) const {
    if (size == 0) return std::nullopt;
    // Ledger sizes never fall from one block to the next: the first block at or past
    // `size` is the one that reached it, if any block ended exactly there.
    std::uint64_t lo = 1, hi = store_.height();
    if (hi == 0) return std::nullopt;
    // Most lookups are of the newest checkpoint: the tip's, if it added records.
    if (auto tip = store_.block(hi); tip && tip->header.ledger_size == size && tip->header.record_count > 0) return hi;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        auto b = store_.block(mid);
        if (b && b->header.ledger_size >= size) hi = mid;
        else lo = mid + 1;
    }
    auto b = store_.block(lo);
    if (!b || b->header.ledger_size != size || b->header.record_count == 0) return std::nullopt;
    return lo;
}

chain::ValidatorSet Checkpoints::validators_at(std::uint64_t height) const {
    return store_.state_after(height - 1).validators;
}

std::vector<chain::Witness> Checkpoints::witnesses_at(std::uint64_t height) const {
    std::vector<chain::Witness> out = store_.state_after(height - 1).witnesses_at(height);
    for (const auto& w : witnesses_)
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    return out;
}

std::optional<std::string> Checkpoints::sign_committed(const chain::BlockHeader& header,
                                                       const chain::ValidatorSet& certified_by) {
    if (header.record_count == 0 || !key_ || !certified_by.find(key_->public_key)) return std::nullopt;
    const std::string body = chain::checkpoint_body({origin_, header.ledger_size, header.ledger_root});
    const chain::NoteSignature sig = chain::sign_checkpoint(suite_, *key_, origin_, body);
    const std::string line = chain::signature_line(sig);
    (void)store_.add_checkpoint_signature(header.ledger_size, signer_of(sig), line);  // a failed write: gossip still carries it
    std::lock_guard lock(mutex_);
    own_latest_ = {header.ledger_size, line};
    return line;
}

std::optional<std::pair<std::uint64_t, std::string>> Checkpoints::own_latest() const {
    std::lock_guard lock(mutex_);
    return own_latest_;
}

Checkpoints::Outcome Checkpoints::add_validator_line(std::uint64_t size, std::string_view line) {
    auto tip = store_.block(store_.height());
    if (!tip || size > tip->header.ledger_size) return Outcome::later;
    auto height = height_at_size(size);
    if (!height) return Outcome::invalid;
    auto b = store_.block(*height);
    if (!b) return Outcome::invalid;
    const std::string body = chain::checkpoint_body({origin_, size, b->header.ledger_root});
    auto note = chain::parse_note(body + "\n" + std::string(line));
    if (!note || note->signatures.size() != 1) return Outcome::invalid;
    auto verdict = chain::verify_checkpoint(suite_, chain::format_note(*note), origin_, validators_at(*height), {});
    if (!verdict.error.empty() || !verdict.invalid.empty() || verdict.validators.size() != 1) return Outcome::invalid;
    auto stored = store_.add_checkpoint_signature(size, signer_of(note->signatures[0]), chain::signature_line(note->signatures[0]));
    return stored && *stored ? Outcome::stored : Outcome::known;
}

Checkpoints::CosignResult Checkpoints::add_cosignatures(std::string_view text) {
    CosignResult r;
    auto note = chain::parse_note(text);
    if (!note) {
        r.error = note.message();
        return r;
    }
    auto c = chain::parse_checkpoint_body(note->body);
    if (!c) {
        r.error = c.message();
        return r;
    }
    if (c->origin != origin_) {
        r.error = "checkpoint of another log: origin '" + c->origin + "', this chain's is '" + origin_ + "'";
        return r;
    }
    auto height = height_at_size(c->size);
    auto b = height ? store_.block(*height) : std::nullopt;
    if (!b) {
        r.error = "no block of this chain ended at ledger size " + std::to_string(c->size);
        return r;
    }
    if (b->header.ledger_root != c->root) {
        r.error = "the root is not this chain's at ledger size " + std::to_string(c->size) + " (a split view?)";
        return r;
    }
    for (const auto& s : note->signatures) {
        if (s.name == origin_) continue;  // the validators' own lines, echoed back
        chain::Note one{note->body, {s}};
        auto v = chain::verify_checkpoint(suite_, chain::format_note(one), origin_, {}, witnesses_at(*height));
        if (!v.invalid.empty()) r.refused.push_back(s.name);
        else if (v.witnesses.empty()) r.ignored.push_back(s.name);
        else {
            auto stored = store_.add_checkpoint_signature(c->size, signer_of(s), chain::signature_line(s));
            if (!stored) r.error = stored.message();
            else (*stored ? r.accepted : r.known).push_back(s.name);
        }
    }
    return r;
}

std::optional<Checkpoints::Signed> Checkpoints::build(std::uint64_t size, std::uint64_t height) const {
    auto b = store_.block(height);
    if (!b) return std::nullopt;
    Signed s;
    s.checkpoint = {origin_, size, b->header.ledger_root};
    s.height = height;
    s.note = chain::checkpoint_body(s.checkpoint) + "\n";
    for (const auto& line : store_.checkpoint_signatures(size)) s.note += line;
    s.verdict = chain::verify_checkpoint(suite_, s.note, origin_, validators_at(height), witnesses_at(height));
    return s;
}

std::optional<Checkpoints::Signed> Checkpoints::at(std::uint64_t size) const {
    auto height = height_at_size(size);
    if (!height) return std::nullopt;
    return build(size, *height);
}

std::optional<Checkpoints::Signed> Checkpoints::latest() const {
    for (std::uint64_t size : store_.checkpoint_sizes(std::numeric_limits<std::uint64_t>::max(), latest_lookback)) {
        auto s = at(size);
        if (s && s->verdict.ok()) return s;
    }
    return std::nullopt;
}

}  // namespace jchain::node
