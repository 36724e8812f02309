// make_corpus OUT_DIR: writes the seed corpora of the fuzz targets (docs/fuzzing.md),
// OUT_DIR/<target>/seed-<name>, each a small valid input made by the real encoders from
// the fixed fuzz chain (fuzz_support.h) or taken from the frozen vectors in
// tests/data/vectors. Deterministic (RFC 6979 signatures, fixed keys and nonces), so the
// committed tests/fuzz/corpus/ is exactly `make_corpus tests/fuzz/corpus`, and a format
// change shows up as a diff there.
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "chain/checkpoint.h"
#include "chain/cereal_codec.h"
#include "chain/json_codec.h"
#include "chain/receipt.h"
#include "chain/state.h"
#include "consensus/codec.h"
#include "fuzz_support.h"
#include "node/backup.h"
#include "node/config.h"
#include "node/read_access.h"
#include "p2p/handshake.h"
#include "storage/consensus_wal.h"
#include "tests/support/suite.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace jchain;

namespace {

fs::path out_dir;
int written = 0;

void put(const std::string& target, const std::string& name, std::string_view bytes) {
    const fs::path dir = out_dir / target;
    fs::create_directories(dir);
    std::ofstream(dir / ("seed-" + name), std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
    ++written;
}
void put(const std::string& target, const std::string& name, ByteSpan bytes) {
    put(target, name, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}
void put(const std::string& target, const std::string& name, const json::value& v) {
    put(target, name, std::string_view(json::serialize(v)));
}
Bytes prefixed(std::uint8_t first, ByteSpan rest) {
    Bytes out{first};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

json::value vector_file(const std::string& name) {
    std::ifstream in(std::string(JCHAIN_TEST_DATA) + "/vectors/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}
std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
Bytes hex(const json::value& v) { return *from_hex(v.as_string()); }

struct Fixture {
    fuzz::FuzzChain chain{3};
    const chain::Genesis& genesis = chain.tc.genesis;

    consensus::Value value(std::uint64_t h) const {
        consensus::Value v;
        v.block = *chain.store.block(h);
        for (const auto& id : v.block.record_ids) v.records.push_back(chain.store.record(id)->record);
        return v;
    }
    consensus::SignedVote vote(chain::VoteType type, std::uint64_t h, std::uint32_t round, const chain::Hash& hash) const {
        consensus::SignedVote v;
        v.vote = {type, genesis.chain_id, h, round, hash};
        v.validator = chain.tc.validator.public_key;
        v.signature = default_suite.sign(chain.tc.validator, default_suite.hash(chain::vote_signed_bytes(v.vote)));
        return v;
    }
    consensus::Proposal proposal(std::uint64_t h, std::uint32_t round, bool with_pol) const {
        consensus::Proposal p;
        p.height = h;
        p.round = round;
        p.value = std::make_shared<const consensus::Value>(value(h));
        p.block_hash = p.value->hash(default_suite);
        if (with_pol) {
            p.pol_round = round - 1;
            p.pol_votes = {vote(chain::VoteType::prevote, h, round - 1, p.block_hash)};
        }
        p.proposer = chain.tc.validator.public_key;
        p.signature = default_suite.sign(chain.tc.validator,
                                         default_suite.hash(consensus::proposal_signed_bytes(genesis.chain_id, p)));
        return p;
    }
};

void rpc_seeds(const Fixture& f) {
    const std::string t = "fuzz_json_rpc";
    put(t, "echo", std::string_view(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[1,"two",{"three":3}]})"));
    put(t, "status-string-id", std::string_view(R"({"jsonrpc":"2.0","id":"a","method":"status"})"));
    put(t, "notification", std::string_view(R"({"jsonrpc":"2.0","method":"echo","params":{}})"));
    put(t, "unknown-method", std::string_view(R"({"jsonrpc":"2.0","id":null,"method":"nope"})"));
    put(t, "big-id", std::string_view(R"({"jsonrpc":"2.0","id":1e999999,"method":"echo"})"));
    json::array batch;
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "submit"}, {"params", chain::record_to_json(default_suite, f.value(1).records[0])}});
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "submit"}, {"params", json::array{1}}});
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "fail"}});
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "throw"}});
    batch.push_back({{"jsonrpc", "2.0"}, {"method", "submit"}, {"params", json::object{}}});
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "short"}});
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 6}, {"method", "short"}});
    batch.push_back(json::value(7));
    put(t, "batch", json::value(batch));
    put(t, "empty-batch", std::string_view("[]"));
    put(t, "duplicate-name", std::string_view(R"({"jsonrpc":"2.0","id":1,"method":"echo","method":"status"})"));
}

void chain_json_seeds(const Fixture& f) {
    const std::string t = "fuzz_chain_json";
    for (const char* name : {"record_evidence.json", "record_correction.json"}) {
        json::value v = vector_file(name);
        json::object record = v.at("record").as_object();
        record["signature"] = v.at("signature").at("der");
        put(t, std::string("vector-") + name, json::value(record));
    }
    put(t, "vector-header.json", vector_file("header.json").at("header"));
    put(t, "vector-validator_set.json", json::value{{"validators", vector_file("validator_set.json").at("validator_set")}});
    const consensus::Value v = f.value(3);
    put(t, "record-with-refs", chain::record_to_json(default_suite, v.records.back()));
    put(t, "header", chain::header_to_json(v.block.header));
    put(t, "certificate", chain::certificate_to_json(default_suite, f.genesis.chain_id, *f.chain.store.certificate(3)));
    put(t, "validator_set", chain::validator_set_to_json(default_suite, f.genesis.validators));
    const chain::ChainState state = chain::ChainState::from_genesis(f.genesis);
    put(t, "state-view", chain::state_view_to_json(state, 1));
    put(t, "state", chain::state_to_json(state));
    chain::GovAction add;
    add.op = chain::GovOp::add_validator;
    add.name = "Validator Court 4";
    add.key = f.genesis.validators.validators.front().key;
    add.power = 2;
    add.p2p = "10.0.0.4:26656";
    json::object md;
    for (const auto& [k, val] : chain::governance_metadata(add, 500)) md[k] = val;
    put(t, "governance-add-validator", json::value(md));
}

void chain_decode_seeds(const Fixture& f) {
    const std::string t = "fuzz_chain_decode";
    for (const char* name : {"record_evidence.json", "record_correction.json"}) {
        json::value v = vector_file(name);
        Bytes in = prefixed(0, hex(v.at("signature").at("compact")));
        const Bytes signed_bytes = hex(v.at("signed_bytes"));
        in.insert(in.end(), signed_bytes.begin(), signed_bytes.end());
        put(t, std::string("vector-") + name, in);
    }
    put(t, "vector-header", prefixed(1, hex(vector_file("header.json").at("header_bytes"))));
    put(t, "vector-vote", prefixed(2, hex(vector_file("vote.json").at("votes").at(0).at("signed_bytes"))));
    const chain::Record r = f.value(3).records.back();
    Bytes in = prefixed(0, r.signature.bytes);
    const Bytes signed_bytes = chain::record_signed_bytes(r);
    in.insert(in.end(), signed_bytes.begin(), signed_bytes.end());
    put(t, "record-with-refs", in);
}

void consensus_seeds(const Fixture& f) {
    const chain::Hash h2 = f.value(2).hash(default_suite);
    const auto prevote = f.vote(chain::VoteType::prevote, 2, 0, h2);
    const auto nil = f.vote(chain::VoteType::precommit, 2, 1, chain::Hash{});
    put("fuzz_consensus_message", "proposal", consensus::encode_message(f.proposal(2, 0, false)));
    put("fuzz_consensus_message", "proposal-with-pol", consensus::encode_message(f.proposal(3, 1, true)));
    put("fuzz_consensus_message", "prevote", consensus::encode_message(prevote));
    put("fuzz_consensus_message", "nil-precommit", consensus::encode_message(nil));

    const auto value = std::make_shared<const consensus::Value>(f.value(2));
    const std::vector<consensus::WalEntry> entries = {
        consensus::WalRound{2, 0}, f.proposal(2, 0, false), prevote,
        consensus::WalLock{2, 1, value, {f.vote(chain::VoteType::prevote, 2, 1, h2)}}, nil};
    const char* names[] = {"round", "proposal", "prevote", "lock", "nil-precommit"};
    for (std::size_t i = 0; i < entries.size(); ++i)
        put("fuzz_wal_entry", names[i], consensus::encode_wal_entry(entries[i]));

    for (std::uint64_t h = 1; h <= 3; ++h)
        put("fuzz_certified", "block-" + std::to_string(h),
            consensus::encode_certified(f.value(h), *f.chain.store.certificate(h)));
    put("fuzz_records", "block-3", consensus::encode_records(f.value(3).records));
    put("fuzz_records", "one", consensus::encode_records({f.value(1).records[0]}));
    put("fuzz_records", "none", consensus::encode_records({}));

    // Consensus logs as the node writes them: a height's entries, and one with a torn tail.
    const fs::path wal_path = fs::temp_directory_path() / ("jchain-make-corpus-" + std::to_string(::getpid()));
    {
        auto wal = storage::ConsensusWal::open(wal_path.string());
        (void)(*wal)->restart(consensus::encode_wal_entry(entries[0]));
        for (std::size_t i = 1; i < entries.size(); ++i) (void)(*wal)->append(consensus::encode_wal_entry(entries[i]));
    }
    const std::string log = read_text(wal_path.string());
    fs::remove(wal_path);
    fs::remove(wal_path.string() + ".new");
    put("fuzz_consensus_wal", "height-2", std::string_view(log));
    put("fuzz_consensus_wal", "torn-tail", std::string_view(log).substr(0, log.size() - 5));
    put("fuzz_consensus_wal", "zero-tail", log + std::string(40, '\0'));
}

void p2p_seeds() {
    using namespace p2p;
    // The initiator of the test vector in docs/p2p.md (static 1, ephemeral 3) talking to
    // the responder the target plays (static 2, ephemeral 4).
    const std::string chain_id = "jchain-test";
    const auto i_key = test::key_from_scalar(1), i_eph = test::key_from_scalar(3);
    const auto r_key = test::key_from_scalar(2), r_eph = test::key_from_scalar(4);
    const Bytes i_hello = hello_payload(chain_id, i_key.public_key, i_eph.public_key);
    const Bytes r_hello = hello_payload(chain_id, r_key.public_key, r_eph.public_key);
    const auto th = transcript_hash(default_suite, chain_id, i_hello, r_hello);
    const auto keys = session_keys(*crypto::ecdh(i_eph.private_key, r_eph.public_key), th);
    const auto sig = default_suite.sign(i_key, auth_digest(default_suite, th, role_initiator));

    Bytes stream, frame;
    put_hello_frame(i_hello, frame);
    stream.insert(stream.end(), frame.begin(), frame.end());
    put("fuzz_p2p_handshake", "hello", stream);
    (void)put_sealed_frame(keys->initiator_to_responder, 0, frame_auth, sig.bytes, frame);
    stream.insert(stream.end(), frame.begin(), frame.end());
    put("fuzz_p2p_handshake", "hello-auth", stream);
    (void)put_sealed_frame(keys->initiator_to_responder, 1, 7, as_bytes(std::string_view("hello")), frame);
    stream.insert(stream.end(), frame.begin(), frame.end());
    (void)put_sealed_frame(keys->initiator_to_responder, 2, frame_ping, {}, frame);
    stream.insert(stream.end(), frame.begin(), frame.end());
    (void)put_sealed_frame(keys->initiator_to_responder, 3, 1, Bytes(100, 0xAB), frame);
    stream.insert(stream.end(), frame.begin(), frame.end());
    put("fuzz_p2p_handshake", "hello-auth-frames", stream);

    auto frame_input = [](std::uint64_t counter, std::uint8_t type, std::uint16_t flip, ByteSpan payload) {
        ByteWriter w;
        w.u64(counter);
        w.u8(type);
        w.u16(flip);
        w.raw(payload);
        return std::move(w).take();
    };
    put("fuzz_p2p_frame", "hello-payload", frame_input(1, 7, 3, as_bytes(std::string_view("hello"))));
    put("fuzz_p2p_frame", "auth", frame_input(0, frame_auth, 200, sig.bytes));
    put("fuzz_p2p_frame", "ping", frame_input(41, frame_ping, 0, {}));
}

void genesis_and_config_seeds(const Fixture& f) {
    put("fuzz_genesis", "vector", vector_file("genesis.json").at("genesis"));
    put("fuzz_genesis", "fuzz-chain", chain::genesis_to_json(f.genesis));
    put("fuzz_genesis", "config-example", std::string_view(read_text(std::string(JCHAIN_SOURCE_DIR) + "/config/genesis.json")));

    put("fuzz_node_config", "defaults", std::string_view(node::config_to_toml(node::NodeConfig{})));
    node::NodeConfig c;
    c.moniker = "a \"quoted\" name\\";
    c.role = "observer";
    c.p2p_peers = {"127.0.0.1:26656", "[::1]:26700", "node.example:1"};
    c.sync_verify_records = "recent";
    put("fuzz_node_config", "observer", std::string_view(node::config_to_toml(c)));
    put("fuzz_node_config", "config-example", std::string_view(read_text(std::string(JCHAIN_SOURCE_DIR) + "/config/node.toml")));
    put("fuzz_node_config", "moved-setting", std::string_view("[admission]\nclient_time_window_ms = 600000\n"));
}

void receipt_seeds(const Fixture& f) {
    const auto& store = f.chain.store;
    for (std::uint64_t leaf : {0ull, 4ull, 9ull}) {
        std::uint64_t h = 1;
        while (store.block(h)->header.ledger_size <= leaf) ++h;
        const chain::Block b = *store.block(h);
        const chain::Hash id = b.record_ids[leaf - (b.header.ledger_size - b.record_ids.size())];
        auto path = chain::inclusion_proof(default_suite, store, leaf, b.header.ledger_size);
        const chain::ChainState state = chain::ChainState::from_genesis(f.genesis);
        put("fuzz_receipt", "leaf-" + std::to_string(leaf),
            chain::make_receipt({default_suite, store.record(id)->record, leaf, *path, b.header, *store.certificate(h),
                                 f.genesis.validators, chain::StateView{state.members_at(h), state.policy, state.params},
                                 {}}));
    }
}

struct StoredRecord {  // as storage/leveldb_store.cpp's Stored
    chain::Record record;
    std::uint64_t height = 0;
    std::uint64_t leaf_index = 0;
    template <class Archive>
    void serialize(Archive& ar) { ar(record, height, leaf_index); }
};

void stored_seeds(const Fixture& f) {
    const std::string t = "fuzz_stored_values";
    auto with = [](std::uint8_t which, const std::string& s) { return prefixed(which, as_bytes(s)); };
    put(t, "block", with(0, chain::to_cereal(*f.chain.store.block(3))));
    put(t, "certificate", with(1, chain::to_cereal(*f.chain.store.certificate(3))));
    const chain::Record r = f.value(3).records.back();
    put(t, "record", with(2, chain::to_cereal(StoredRecord{r, 3, 9})));
}

void backup_seeds(const Fixture& f) {
    const std::string t = "fuzz_backup_import";
    auto exported = [&](std::uint64_t from, std::uint64_t to) {
        std::ostringstream out;
        auto source = node::store_block_source(f.chain.store);
        node::ExportOptions options;
        options.from_height = from;
        options.to_height = to;
        (void)node::export_chain(*source, f.genesis, out, options);
        return std::move(out).str();
    };
    // The target pre-loads blocks 1..(size mod 3) into its store; these files differ in
    // that, so the seeds reach importing, matching and refusing.
    put(t, "blocks-1-3", std::string_view(exported(1, 3)));
    put(t, "blocks-2-3", std::string_view(exported(2, 3)));
    put(t, "block-1", std::string_view(exported(1, 1)));
}

// Signed checkpoints by fuzz_checkpoint's validator (scalar 1) and witness (seed 7...).
void checkpoint_seeds() {
    const std::string t = "fuzz_checkpoint";
    const std::string origin = "jchain.log/fuzz/00";
    const chain::Witness witness{"witness.example/w", crypto::ed25519_from_seed({{7}}).public_key};
    const std::string body = chain::checkpoint_body({origin, 5, crypto::sha256(as_bytes(std::string_view("root")))});
    chain::Note note{body, {chain::sign_checkpoint(default_suite, test::key_from_scalar(1), origin, body)}};
    put(t, "validator", std::string_view(chain::format_note(note)));
    note.signatures.push_back(chain::cosign_checkpoint(witness, {{7}}, body, 1'700'000'000));
    put(t, "witnessed", std::string_view(chain::format_note(note)));
    put(t, "vkey", std::string_view(witness.vkey()));
    put(t, "body", std::string_view(body));
}

}  // namespace

// fuzz_read_auth: signed reads of the fixed chain at the target's time, and refusals.
void read_auth_seeds(const Fixture& f) {
    const std::string t = "fuzz_read_auth";
    constexpr std::uint64_t now = 1'700'000'100'000;  // fuzz_read_auth.cpp fuzz_now_ms
    const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"get_block","params":{"height":1}})";
    const std::string batch = R"([{"jsonrpc":"2.0","id":1,"method":"get_record","params":{"id":"00"}},)"
                              R"({"jsonrpc":"2.0","id":2,"method":"case_history","params":{"case_id":"c"}}])";
    const auto sign = [&f, now](const crypto::KeyPair& key, const std::string& b, std::uint64_t at) {
        return node::read_authorization(default_suite, key, f.genesis.chain_id, at == 0 ? now : at, b);
    };
    put(t, "court", std::string_view(sign(f.chain.tc.court, body, 0) + "\n" + body));
    put(t, "validator-batch", std::string_view(sign(f.chain.tc.validator, batch, 0) + "\n" + batch));
    put(t, "outsider", std::string_view(sign(f.chain.tc.outsider, body, 0) + "\n" + body));
    put(t, "stale", std::string_view(sign(f.chain.tc.court, body, now - 3'600'000) + "\n" + body));
    put(t, "none", std::string_view("\n" + body));
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_corpus OUT_DIR   (writes OUT_DIR/<target>/seed-*)\n";
        return 2;
    }
    out_dir = argv[1];
    const Fixture f;
    rpc_seeds(f);
    chain_json_seeds(f);
    chain_decode_seeds(f);
    consensus_seeds(f);
    p2p_seeds();
    genesis_and_config_seeds(f);
    read_auth_seeds(f);
    receipt_seeds(f);
    stored_seeds(f);
    backup_seeds(f);
    checkpoint_seeds();
    std::cout << "make_corpus: wrote " << written << " seeds under " << out_dir.string() << "\n";
    return 0;
}
