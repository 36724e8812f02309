#include "chain/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "base/base64.h"
#include "base/bytes.h"
#include "chain/record.h"

namespace jchain::chain {
namespace {

constexpr std::string_view em_dash = "\xE2\x80\x94";  // U+2014
constexpr std::uint8_t type_ed25519_cosignature = 0x04;
constexpr std::uint8_t type_extension = 0xff;

bool is_origin_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// A key name: non-empty, no Unicode space and no '+'. JChain's own names are ASCII; a
// witness name may be any UTF-8 without spaces.
bool is_key_name(std::string_view s) {
    if (s.empty() || !is_clean_utf8(s)) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ' ' || c == '+') return false;
        // The non-ASCII spaces: U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
        // U+202F, U+205F, U+3000.
        const std::string_view rest = s.substr(i);
        for (std::string_view sp : {"\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\xA8", "\xE2\x80\xA9",
                                    "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"})
            if (rest.starts_with(sp)) return false;
        if (rest.size() >= 3 && rest.starts_with("\xE2\x80") && static_cast<unsigned char>(rest[2]) <= 0x8A)
            return false;
    }
    return true;
}

std::uint32_t key_id_of(std::string_view name, ByteSpan type_and_key) {
    ByteWriter w;
    w.raw(as_bytes(name));
    w.u8('\n');
    w.raw(type_and_key);
    const Hash h = crypto::sha256(w.bytes());
    return std::uint32_t{h[0]} << 24 | std::uint32_t{h[1]} << 16 | std::uint32_t{h[2]} << 8 | h[3];
}

Bytes validator_type_and_key(const crypto::Suite& suite, const PublicKey& key) {
    ByteWriter w;
    w.u8(type_extension);
    w.raw(as_bytes(validator_signature_type_of(suite)));
    w.fixed(key.bytes);
    return std::move(w).take();
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
    if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;  // no leading zeroes
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::string checkpoint_origin(const Genesis& genesis) {
    const bool plain = std::all_of(genesis.chain_id.begin(), genesis.chain_id.end(), is_origin_char);
    return "jchain.log/" + (plain ? genesis.chain_id : std::string("chain")) + "/" + to_hex(genesis_hash(genesis));
}

std::string checkpoint_body(const Checkpoint& c) {
    return c.origin + "\n" + std::to_string(c.size) + "\n" + to_base64(c.root) + "\n";
}

Result<Checkpoint> parse_checkpoint_body(std::string_view body) {
    std::vector<std::string_view> lines;
    while (!body.empty()) {
        const auto nl = body.find('\n');
        if (nl == std::string_view::npos) return Status::error("checkpoint: the text must end with a newline");
        lines.push_back(body.substr(0, nl));
        body.remove_prefix(nl + 1);
    }
    if (lines.size() < 3) return Status::error("checkpoint: expected origin, size and root lines");
    if (lines.size() > 3) return Status::error("checkpoint: extension lines are not used by JChain");
    Checkpoint c;
    c.origin = std::string(lines[0]);
    if (c.origin.empty()) return Status::error("checkpoint: empty origin");
    auto size = parse_decimal(lines[1]);
    if (!size) return Status::error("checkpoint: the size line is not a decimal number without leading zeroes");
    c.size = *size;
    auto root = from_base64(lines[2]);
    if (!root || root->size() != 32) return Status::error("checkpoint: the root line is not base64 of 32 bytes");
    std::copy(root->begin(), root->end(), c.root.begin());
    return c;
}

Result<Note> parse_note(std::string_view text) {
    if (text.size() > checkpoint_note_bytes_max)
        return Status::error("note: larger than " + std::to_string(checkpoint_note_bytes_max) + " bytes");
    if (text.empty() || text.back() != '\n') return Status::error("note: must end with a newline");
    // Split into lines (without their newlines); each must be clean UTF-8.
    std::vector<std::string_view> lines;
    for (std::string_view rest = text; !rest.empty();) {
        const auto nl = rest.find('\n');
        lines.push_back(rest.substr(0, nl));
        rest.remove_prefix(nl + 1);
    }
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (!is_clean_utf8(lines[i]))
            return Status::error("note: line " + std::to_string(i + 1) + " is not UTF-8 text without control characters");
    // The text ends at the last blank line.
    std::size_t blank = lines.size();
    for (std::size_t i = lines.size(); i-- > 0;)
        if (lines[i].empty()) {
            blank = i;
            break;
        }
    if (blank == lines.size() || blank == 0) return Status::error("note: no blank line between the text and its signatures");
    if (blank + 1 == lines.size()) return Status::error("note: no signature line");
    if (lines.size() - blank - 1 > checkpoint_signatures_max)
        return Status::error("note: more than " + std::to_string(checkpoint_signatures_max) + " signatures");
    Note note;
    std::size_t body_bytes = 0;
    for (std::size_t i = 0; i < blank; ++i) body_bytes += lines[i].size() + 1;
    note.body = std::string(text.substr(0, body_bytes));
    for (std::size_t i = blank + 1; i < lines.size(); ++i) {
        const std::string where = "note: signature line " + std::to_string(i + 1);
        std::string_view line = lines[i];
        if (!line.starts_with(em_dash) || line.size() < em_dash.size() + 1 || line[em_dash.size()] != ' ')
            return Status::error(where + " does not start with an em dash and a space");
        line.remove_prefix(em_dash.size() + 1);
        const auto sp = line.find(' ');
        if (sp == std::string_view::npos) return Status::error(where + " has no signature after the key name");
        NoteSignature s;
        s.name = std::string(line.substr(0, sp));
        if (!is_key_name(s.name)) return Status::error(where + ": the key name is empty or holds a space or '+'");
        auto raw = from_base64(line.substr(sp + 1));
        if (!raw || raw->size() < 5) return Status::error(where + ": the signature is not base64 of a key id and a signature");
        s.key_id = std::uint32_t{(*raw)[0]} << 24 | std::uint32_t{(*raw)[1]} << 16 | std::uint32_t{(*raw)[2]} << 8 | (*raw)[3];
        s.signature.assign(raw->begin() + 4, raw->end());
        note.signatures.push_back(std::move(s));
    }
    return note;
}

std::string signature_line(const NoteSignature& s) {
    ByteWriter w;
    w.u32(s.key_id);
    w.raw(s.signature);
    return std::string(em_dash) + " " + s.name + " " + to_base64(w.bytes()) + "\n";
}

std::string format_note(const Note& note) {
    std::string out = note.body + "\n";
    for (const auto& s : note.signatures) out += signature_line(s);
    return out;
}

std::string_view validator_signature_type_of(const crypto::Suite& suite) {
    return suite.is_sm2() ? validator_signature_type_sm2 : validator_signature_type;
}

std::uint32_t validator_key_id(const crypto::Suite& suite, std::string_view origin, const PublicKey& key) {
    return key_id_of(origin, validator_type_and_key(suite, key));
}

NoteSignature sign_checkpoint(const crypto::Suite& suite, const crypto::KeyPair& key, std::string_view origin,
                              std::string_view body) {
    const crypto::Signature sig = suite.sign(key, suite.hash(as_bytes(body)));
    return {std::string(origin), validator_key_id(suite, origin, key.public_key), suite.signature_to_der(sig)};
}

std::uint32_t Witness::key_id() const {
    ByteWriter w;
    w.u8(type_ed25519_cosignature);
    w.fixed(key.bytes);
    return key_id_of(name, w.bytes());
}

std::string Witness::vkey() const {
    ByteWriter w;
    w.u8(type_ed25519_cosignature);
    w.fixed(key.bytes);
    ByteWriter id;
    id.u32(key_id());
    return name + "+" + to_hex(id.bytes()) + "+" + to_base64(w.bytes());
}

Result<Witness> parse_witness_vkey(std::string_view vkey) {
    const auto p1 = vkey.find('+');
    const auto p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
    // The name and the hex key id hold no '+'; the base64 key after them may.
    if (p2 == std::string_view::npos)
        return Status::error("witness key: expected name+keyid+base64key (a C2SP verifier key)");
    Witness w;
    w.name = std::string(vkey.substr(0, p1));
    if (!is_key_name(w.name)) return Status::error("witness key: the name is empty or holds a space");
    auto id = from_hex_fixed<4>(vkey.substr(p1 + 1, p2 - p1 - 1));
    auto key = from_base64(vkey.substr(p2 + 1));
    if (!id) return Status::error("witness key: the key id is not 8 hex digits");
    if (!key || key->size() != 33 || (*key)[0] != type_ed25519_cosignature)
        return Status::error("witness key: the key is not base64 of 0x04 and a 32-byte Ed25519 key (cosignature/v1)");
    std::copy(key->begin() + 1, key->end(), w.key.bytes.begin());
    const std::uint32_t stated = std::uint32_t{(*id)[0]} << 24 | std::uint32_t{(*id)[1]} << 16 | std::uint32_t{(*id)[2]} << 8 | (*id)[3];
    if (stated != w.key_id()) return Status::error("witness key: the key id does not match the name and key");
    return w;
}

Bytes cosignature_message(std::string_view body, std::uint64_t timestamp) {
    const std::string head = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
    Bytes out(head.begin(), head.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

NoteSignature cosign_checkpoint(const Witness& witness, const crypto::Ed25519PrivateKey& key, std::string_view body,
                                std::uint64_t timestamp) {
    const auto sig = crypto::ed25519_sign(key, cosignature_message(body, timestamp));
    ByteWriter w;
    w.u64(timestamp);
    w.fixed(sig);
    return {witness.name, witness.key_id(), std::move(w).take()};
}

std::string CheckpointVerdict::summary() const {
    if (!error.empty()) return error;
    std::string s = "size " + std::to_string(checkpoint.size) + ", signed by " + std::to_string(validators.size()) +
                    " validator(s) holding " + std::to_string(power) + " of " + std::to_string(total_power) +
                    " power" + (quorum() ? "" : " (not more than 2/3)");
    if (!witnesses.empty()) s += ", cosigned by " + std::to_string(witnesses.size()) + " witness(es)";
    if (!ignored.empty()) s += ", " + std::to_string(ignored.size()) + " signature(s) by unknown keys ignored";
    if (!invalid.empty()) s += ", BAD signature by " + invalid.front();
    return s;
}

CheckpointVerdict verify_checkpoint(const crypto::Suite& suite, std::string_view text, std::string_view origin, const ValidatorSet& validators,
                                    const std::vector<Witness>& witnesses) {
    CheckpointVerdict v;
    v.total_power = validators.total_power();
    auto note = parse_note(text);
    if (!note) {
        v.error = note.message();
        return v;
    }
    auto c = parse_checkpoint_body(note->body);
    if (!c) {
        v.error = c.message();
        return v;
    }
    v.checkpoint = *c;
    if (c->origin != origin) {
        v.error = "checkpoint: origin '" + c->origin + "' is not this chain's ('" + std::string(origin) + "')";
        return v;
    }
    const Hash digest = suite.hash(as_bytes(note->body));
    std::set<PublicKey> counted;
    std::set<std::string> cosigned;
    for (const auto& s : note->signatures) {
        const Validator* signer = nullptr;
        if (s.name == origin)
            for (const auto& val : validators.validators)
                if (validator_key_id(suite, origin, val.key) == s.key_id) signer = &val;
        if (signer) {
            auto sig = suite.signature_from_der(s.signature);
            if (!sig || !suite.verify(signer->key, digest, *sig)) {
                v.invalid.push_back("validator " + signer->name);
            } else if (counted.insert(signer->key).second) {
                v.power += signer->power;
                v.validators.push_back(signer->name);
            }
            continue;
        }
        const Witness* witness = nullptr;
        for (const auto& w : witnesses)
            if (w.name == s.name && w.key_id() == s.key_id) witness = &w;
        if (!witness) {
            v.ignored.push_back(s.name);
            continue;
        }
        crypto::Ed25519Signature sig{};
        ByteReader r(s.signature);
        auto t = r.u64();
        bool good = t && r.remaining() == sig.size();
        if (good) {
            std::copy(s.signature.begin() + 8, s.signature.end(), sig.begin());
            good = crypto::ed25519_verify(witness->key, cosignature_message(note->body, *t), sig);
        }
        if (!good) v.invalid.push_back("witness " + witness->name);
        else if (cosigned.insert(witness->name).second) v.witnesses.push_back({witness->name, *t});
    }
    return v;
}

namespace {

// Keys of `history` out of the set in force at `height`, with the height they left.
std::vector<RetiredSignature> retired_at(const std::vector<ValidatorTenure>& history, std::uint64_t height) {
    const ValidatorTenure* in_force = nullptr;
    for (const auto& t : history)
        if (t.from_height <= height) in_force = &t;
    std::vector<RetiredSignature> out;
    if (!in_force) return out;
    for (std::size_t i = 0; i < history.size() && history[i].from_height <= height; ++i)
        for (const auto& v : history[i].set.validators) {
            if (in_force->set.find(v.key)) continue;
            // It left at the first later set without it.
            std::uint64_t left = 0;
            for (std::size_t j = i + 1; j < history.size() && !left; ++j)
                if (!history[j].set.find(v.key)) left = history[j].from_height;
            auto same = [&](const RetiredSignature& r) { return r.key == v.key; };
            if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) it->left_height = std::max(it->left_height, left);
            else out.push_back({v.name, v.key, left});
        }
    return out;
}

}  // namespace

std::vector<RetiredSignature> retired_note_signers(const crypto::Suite& suite, std::string_view text, std::string_view origin,
                                                   const std::vector<ValidatorTenure>& history, std::uint64_t height) {
    std::vector<RetiredSignature> out;
    auto note = parse_note(text);
    if (!note) return out;
    const Hash digest = suite.hash(as_bytes(note->body));
    for (const auto& r : retired_at(history, height))
        for (const auto& s : note->signatures) {
            if (s.name != origin || s.key_id != validator_key_id(suite, origin, r.key)) continue;
            auto sig = suite.signature_from_der(s.signature);
            if (sig && suite.verify(r.key, digest, *sig)) {
                out.push_back(r);
                break;
            }
        }
    return out;
}

std::vector<RetiredSignature> retired_certificate_signers(const crypto::Suite& suite, const std::string& chain_id,
                                                          const CommitCertificate& cert,
                                                          const std::vector<ValidatorTenure>& history, std::uint64_t height) {
    std::vector<RetiredSignature> out;
    const Hash digest = suite.hash(vote_signed_bytes(certificate_vote(chain_id, cert)));
    for (const auto& r : retired_at(history, height))
        for (const auto& s : cert.signatures)
            if (s.validator == r.key && suite.verify(r.key, digest, s.signature)) {
                out.push_back(r);
                break;
            }
    return out;
}

}  // namespace jchain::chain
