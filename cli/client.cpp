#include "cli/client.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <random>
#include <spdlog/spdlog.h>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <openssl/rand.h>

#include "base/json.h"
#include "chain/audit.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "chain/record_privacy.h"
#include "crypto/keys.h"
#include "node/backup.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"
#include "cli/block_source.h"

#include "node/home.h"

namespace jchain::cli {

using namespace jchain::node;

// ---- case keys --------------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

void random_fill(std::uint8_t* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) fail(exit_bad, "the OS random source failed (RAND_bytes)");
}

void check_case_id(const std::string& case_id) {
    if (case_id.empty() || case_id.size() > chain::case_id_bytes_max || !chain::is_clean_utf8(case_id))
        fail(exit_bad, "--case must be 1.." + std::to_string(chain::case_id_bytes_max) +
                           " bytes of UTF-8 text without control characters");
}

// cases/ beside the member key file; the file of a case is named by the SHA-256 of its id
// (case ids hold slashes, brackets and CJK).
fs::path case_key_path(const std::string& key_file, const std::string& case_id) {
    const std::string name = to_hex(crypto::sha256(as_bytes(case_id))).substr(0, 32) + ".json";
    return fs::path(key_file).parent_path() / "cases" / name;
}

struct HeldCaseKey {
    std::string case_id;  // empty when the hand-over file names none
    chain::CaseKey key{};
};

// A hand-over file: {"case_id": ID, "case_key": HEX}, or a file of just the 64 hex digits.
HeldCaseKey read_case_key_file(const std::string& path) {
    auto text = crypto::read_secret_file(path);
    if (!text) fail(exit_bad, text.message());
    HeldCaseKey held;
    std::string hex = *text;
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    if (!hex.empty() && hex.front() == '{') {
        auto j = parse_json(*text);
        const json::value* id = j && j->is_object() ? j->as_object().if_contains("case_id") : nullptr;
        const json::value* key = j && j->is_object() ? j->as_object().if_contains("case_key") : nullptr;
        if (!key || !key->is_string() || (id && !id->is_string()))
            fail(exit_bad, path + ": a case key file holds {\"case_id\": ID, \"case_key\": 64 hex}");
        if (id) held.case_id = std::string(id->as_string());
        hex = std::string(key->as_string());
    }
    auto key = from_hex_fixed<chain::case_key_bytes>(hex);
    if (!key) fail(exit_bad, path + ": the case key must be 64 hex characters (32 bytes)");
    held.key = *key;
    return held;
}

std::string case_key_json(const std::string& case_id, const chain::CaseKey& key) {
    return chain::pretty_json(json::object{{"case_id", case_id}, {"case_key", to_hex(key)}});
}

void store_case_key(const fs::path& path, const std::string& case_id, const chain::CaseKey& key) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail(exit_bad, "cannot create " + path.parent_path().string() + ": " + ec.message());
    fs::permissions(path.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    if (auto st = crypto::write_secret_file(path.string(), case_key_json(case_id, key)); !st.ok())
        fail(exit_bad, st.message());
}

// The key of `case_id`: from --case-key FILE, else the member's store (created with a fresh
// random key on first use when `create`).
chain::CaseKey case_key_for(const std::string& key_file, const std::string& case_key_file, const std::string& case_id,
                            bool create) {
    if (!case_key_file.empty()) {
        HeldCaseKey held = read_case_key_file(case_key_file);
        if (!held.case_id.empty() && held.case_id != case_id)
            fail(exit_bad, case_key_file + " is the key of case " + held.case_id + ", not of " + case_id);
        return held.key;
    }
    if (key_file.empty()) fail(exit_bad, "give --key (its cases/ folder holds the case keys) or --case-key FILE");
    const fs::path path = case_key_path(key_file, case_id);
    if (fs::exists(path)) {
        HeldCaseKey held = read_case_key_file(path.string());
        if (held.case_id != case_id) fail(exit_bad, path.string() + " holds the key of another case (" + held.case_id + ")");
        return held.key;
    }
    if (!create)
        fail(exit_bad, "no case key for " + case_id + " in " + path.parent_path().string() +
                           " (the first submit --case makes one; a case handed over comes with `jchain case-key import`)");
    chain::CaseKey key{};
    random_fill(key.data(), key.size());
    store_case_key(path, case_id, key);
    if (stderr_is_terminal()) std::cerr << "new case key for " << case_id << " kept in " << path.string() << "\n";
    return key;
}

}  // namespace

int cmd_case_key_show(const std::string& key_file, const std::string& case_id, const std::string& out) {
    check_case_id(case_id);
    const chain::CaseKey key = case_key_for(key_file, "", case_id, /*create=*/false);
    if (out.empty()) {
        std::cout << case_key_json(case_id, key);
    } else {
        if (auto st = crypto::write_secret_file(out, case_key_json(case_id, key)); !st.ok()) fail(exit_bad, st.message());
        std::cout << "case key of " << case_id << " written to " << out << " (mode 0600): hand it over out of band\n";
    }
    return exit_ok;
}

int cmd_case_key_import(const std::string& key_file, const std::string& in) {
    HeldCaseKey held = read_case_key_file(in);
    if (held.case_id.empty()) fail(exit_bad, in + " names no case_id (a hand-over file from `jchain case-key show`)");
    check_case_id(held.case_id);
    const fs::path path = case_key_path(key_file, held.case_id);
    if (fs::exists(path)) {
        HeldCaseKey have = read_case_key_file(path.string());
        if (have.case_id != held.case_id || have.key != held.key)
            fail(exit_bad, "a different key of case " + held.case_id + " is already kept in " + path.string());
        std::cout << "case key of " << held.case_id << " already kept in " << path.string() << "\n";
        return exit_ok;
    }
    store_case_key(path, held.case_id, held.key);
    std::cout << "case key of " << held.case_id << " kept in " << path.string() << "\n";
    return exit_ok;
}

int cmd_case_history(const std::string& key_file, const std::string& case_key_file, const std::string& case_id,
                     const std::string& tag_hex, const std::string& rpc, bool as_json) {
    std::string tag = tag_hex;
    if (tag.empty()) {
        check_case_id(case_id);
        auto status = rpc_result(rpc, "status");
        const crypto::Suite suite = suite_of_status(status);
        tag = chain::case_tag(suite, case_key_for(key_file, case_key_file, case_id, /*create=*/false),
                              std::string(status.at("chain_id").as_string()), case_id);
    }
    auto result = rpc_result(rpc, "case_history", json::object{{"case_tag", tag}});
    if (as_json) {
        if (!case_id.empty()) result.as_object()["case_id"] = case_id;
        print_json(result);
        return exit_ok;
    }
    std::cout << "case " << (case_id.empty() ? "tag " + tag : case_id) << ": " << result.at("records").as_array().size()
              << " record(s)\n";
    for (const auto& r : result.at("records").as_array()) {
        std::cout << "  " << r.at("id").as_string().c_str() << "  " << r.at("kind").as_string().c_str() << "  height "
                  << u64(r.at("height")) << "  " << format_time(u64(r.at("time")));
        if (!r.at("submitter_name").as_string().empty()) std::cout << "  by " << r.at("submitter_name").as_string().c_str();
        if (r.at("revoked").as_bool()) std::cout << "  REVOKED";
        std::cout << "\n";
    }
    return exit_ok;
}

// ---- client commands --------------------------------------------------------------

int cmd_submit(const SubmitArgs& a, bool as_json) {
    // The node names the chain and its suite, which decides the key type and the hash.
    auto status = rpc_result(a.rpc, "status", json::object{});
    const crypto::Suite suite = suite_of_status(status);
    auto key = suite.read_key_file(a.key_file);
    if (!key) fail(exit_bad, key.message());
    auto kind = chain::parse_kind(a.kind);
    if (!kind) fail(exit_bad, "--kind '" + a.kind + "' is not one of evidence, service, notice, judgment, order, "
                              "operation, handover, correction, governance");
    chain::Record r;
    r.kind = *kind;
    r.content_hash = content_hash_of(suite, a.file, a.hash);
    r.chain_id = std::string(status.at("chain_id").as_string());
    // Privacy by construction (docs/privacy.md): the node gets the case's tag and a salted
    // commitment of each value; the clear ones stay here, for the receipt's disclosure.
    chain::Disclosure disclosure;
    if (!a.case_id.empty()) {
        check_case_id(a.case_id);
        const chain::CaseKey key = case_key_for(a.key_file, a.case_key_file, a.case_id, /*create=*/true);
        r.case_tag = chain::case_tag(suite, key, r.chain_id, a.case_id);
        disclosure.case_id = a.case_id;
        disclosure.case_key = key;
    } else if (!a.case_key_file.empty()) {
        fail(exit_bad, "--case-key needs --case");
    }
    for (const auto& kv : a.meta) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) fail(exit_bad, "--meta takes KEY=VALUE, got '" + kv + "'");
        const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (value.size() > chain::metadata_value_bytes_max || !chain::is_clean_utf8(value))
            fail(exit_bad, "--meta value of '" + key + "' must be UTF-8 text of at most " +
                               std::to_string(chain::metadata_value_bytes_max) + " bytes without control characters");
        std::string on_chain = value;
        if (!chain::metadata_stays_clear(r.kind, key)) {
            Bytes salt(chain::salt_bytes_min);
            random_fill(salt.data(), salt.size());
            on_chain = chain::metadata_commitment(suite, key, value, salt);
            disclosure.metadata[key] = chain::DisclosedValue{value, std::move(salt)};
        }
        if (!r.metadata.emplace(key, on_chain).second) fail(exit_bad, "--meta key '" + key + "' given twice");
    }
    for (const auto& ref : a.refs) r.refs.push_back(parse_hash_arg(ref, "--ref"));
    r.client_time_ms = now_ms();
    std::random_device rd;
    r.nonce = (static_cast<std::uint64_t>(rd()) << 32 | rd()) & ((1ull << 53) - 1);  // exact in JSON numbers everywhere
    if (auto problem = chain::check_record_shape(r)) fail(exit_bad, *problem);
    chain::sign_record(suite, r, *key);

    auto out = rpc_call(a.rpc, "submit_record", json::object{{"record", chain::record_to_json(suite, r)}});
    if (!out.result) fail(exit_bad, "refused: " + out.error_message + " (" + out.error_reason + ")");
    const std::string id = std::string(out.result->at("id").as_string());
    if (!a.wait) {
        if (as_json) print_json(*out.result);
        else std::cout << "submitted " << id << " (pending)\n";
        return exit_ok;
    }
    if (stderr_is_terminal()) std::cerr << "waiting for finality of " << id << " ..." << std::flush;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
    std::optional<json::value> receipt;
    while (std::chrono::steady_clock::now() < deadline) {
        auto got = rpc_call(a.rpc, "get_receipt", json::object{{"id", id}});
        if (got.result) { receipt = got.result; break; }
        if (got.error_reason != "not_found") fail(exit_bad, "get_receipt: " + got.error_message);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (stderr_is_terminal()) std::cerr << "\n";
    if (!receipt) fail(exit_no, "record " + id + " was not committed within " + std::to_string(a.timeout_s) + " s");
    // Check the receipt against the node's genesis before handing it to the user. A fresh
    // receipt cannot be witnessed yet: its basis is checked by `jchain verify` later.
    auto genesis = chain::genesis_from_json(rpc_result(a.rpc, "get_genesis"));
    if (!genesis) fail(exit_bad, "node's genesis: " + genesis.message());
    auto verdict = chain::verify_receipt(*receipt, *genesis, std::nullopt, {}, /*accept_validators_only=*/true);
    if (!verdict.ok) fail(exit_no, "the node returned a receipt that does not verify");
    if (!a.receipt_out.empty()) {
        // The holder's copy: the node's receipt and the clear values behind it.
        receipt->as_object()["disclosure"] = chain::disclosure_to_json(disclosure);
        auto disclosed = chain::verify_receipt(*receipt, *genesis, std::nullopt, {}, /*accept_validators_only=*/true);
        if (!disclosed.ok || !disclosed.disclosed) fail(exit_no, "the receipt with its disclosure does not verify");
        write_file(a.receipt_out, chain::pretty_json(*receipt));
    } else if (!disclosure.metadata.empty()) {
        std::cerr << "jchain: note: the metadata went on chain as commitments; without --receipt-out their clear values "
                     "and salts are not kept\n";
    }
    const auto& header = receipt->at("block").at("header");
    if (as_json) {
        print_json(json::object{{"id", id}, {"status", "committed"}, {"height", header.at("height")},
                                {"time", header.at("time_ms")}, {"receipt", a.receipt_out}});
    } else {
        std::cout << "committed " << id << " at height " << u64(header.at("height")) << ", "
                  << format_time(u64(header.at("time_ms"))) << "\n";
        if (!a.receipt_out.empty()) std::cout << "receipt saved to " << a.receipt_out << "\n";
    }
    return exit_ok;
}

int cmd_verify_online(const std::string& file, const std::string& hash, const std::string& rpc, bool as_json) {
    const chain::Hash content = content_hash_of(suite_of_status(rpc_result(rpc, "status")), file, hash);
    auto result = rpc_result(rpc, "verify_hash", json::object{{"content_hash", to_hex(content)}});
    bool valid = false;
    for (const auto& r : result.at("records").as_array()) valid = valid || !r.at("revoked").as_bool();
    if (as_json) {
        result.as_object()["verdict"] = valid ? "notarized" : "not_notarized";
        print_json(result);
        return valid ? exit_ok : exit_no;
    }
    std::cout << "content hash " << to_hex(content) << "\n";
    for (const auto& r : result.at("records").as_array()) {
        std::cout << "  record " << r.at("id").as_string().c_str() << "  " << r.at("kind").as_string().c_str()
                  << "  height " << u64(r.at("height")) << "  " << format_time(u64(r.at("time")));
        if (!r.at("case_tag").as_string().empty())
            std::cout << "  case tag " << std::string(r.at("case_tag").as_string()).substr(0, 16) << "…";
        if (!r.at("submitter_name").as_string().empty()) std::cout << "  by " << r.at("submitter_name").as_string().c_str();
        if (r.at("revoked").as_bool()) std::cout << "  REVOKED";
        std::cout << "\n";
    }
    std::cout << (valid ? "verdict: NOTARIZED\n" : result.at("records").as_array().empty()
                                                        ? "verdict: NOT NOTARIZED (no record of this content)\n"
                                                        : "verdict: NOT NOTARIZED (every record of it is revoked)\n");
    return valid ? exit_ok : exit_no;
}

int cmd_verify_receipt(const std::string& receipt_file, const std::string& genesis_file, const std::string& file,
                       bool as_json, const std::vector<std::string>& witness_vkeys, bool accept_validators_only) {
    auto receipt = read_json_file(receipt_file);
    auto genesis = chain::read_genesis_file(genesis_file);
    if (!genesis) fail(exit_bad, genesis.message());
    std::optional<chain::Hash> file_hash;
    if (!file.empty()) file_hash = content_hash_of(genesis->suite, file, "");
    std::vector<chain::Witness> witnesses;
    for (const auto& vkey : witness_vkeys) {
        auto w = chain::parse_witness_vkey(vkey);
        if (!w) fail(exit_bad, "--witness: " + w.message());
        witnesses.push_back(*w);
    }
    auto verdict = chain::verify_receipt(receipt, *genesis, file_hash, witnesses, accept_validators_only);
    if (as_json) {
        json::array checks;
        for (const auto& c : verdict.checks) checks.push_back({{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}});
        print_json(json::object{{"valid", verdict.ok},
                                {"trust_basis", verdict.basis == chain::TrustBasis::witnessed ? "witnessed" : "validators_only"},
                                {"trust_basis_text", verdict.basis_text},
                                {"checks", std::move(checks)},
                                {"disclosed", verdict.disclosed ? chain::disclosure_to_json(*verdict.disclosed)
                                                                : json::value(nullptr)}});
    } else {
        for (const auto& c : verdict.checks)
            std::cout << (c.ok ? "  ok    " : "  FAIL  ") << c.name << ": " << c.detail << "\n";
        if (verdict.ok && verdict.disclosed) {
            std::cout << "disclosed (checked against the record's tag and commitments):\n"
                      << "  case id  " << (verdict.disclosed->case_id ? *verdict.disclosed->case_id : "(not disclosed)") << "\n";
            for (const auto& entry : verdict.disclosed->metadata)
                std::cout << "  " << entry.first << " = " << entry.second.value << "\n";
        } else if (verdict.ok) {
            std::cout << "no disclosure: the case id and metadata values are blinded on chain\n";
        }
        if (verdict.ok && verdict.header)
            std::cout << "verdict: VALID - record committed at height " << verdict.header->height << ", "
                      << format_time(verdict.header->time_ms) << "; " << verdict.basis_text << "\n";
        else
            std::cout << "verdict: INVALID\n";
    }
    if (!verdict.ok) std::cerr << "jchain: receipt does not verify\n";
    return verdict.ok ? exit_ok : exit_no;
}

int cmd_status(const std::string& rpc, bool as_json) {
    auto s = rpc_result(rpc, "status");
    if (as_json) {
        print_json(s);
        return exit_ok;
    }
    std::cout << "chain       " << s.at("chain_id").as_string().c_str() << "\n"
              << "node        " << s.at("moniker").as_string().c_str() << " (" << s.at("role").as_string().c_str() << ")\n"
              << "height      " << u64(s.at("height")) << "\n"
              << "last block  " << s.at("last_block_hash").as_string().c_str() << "  "
              << format_time(u64(s.at("last_block_time"))) << "\n"
              << "ledger      " << u64(s.at("ledger_size")) << " records, root "
              << s.at("ledger_root").as_string().c_str() << "\n"
              << "validators  " << s.at("validators").as_array().size() << "\n"
              << "peers       " << s.at("peers").as_array().size() << "\n"
              << "mempool     " << u64(s.at("mempool_size")) << "\n"
              << "syncing     " << (s.at("syncing").as_bool() ? "yes" : "no") << "\n";
    return exit_ok;
}

namespace {

// ---- audit ------------------------------------------------------------------------

}  // namespace

int cmd_audit(const AuditArgs& a, bool as_json) {
    std::optional<chain::Genesis> genesis;
    std::string genesis_file = a.genesis_file;
    if (genesis_file.empty() && !a.home.empty()) genesis_file = HomePaths{a.home}.genesis_file();
    if (!genesis_file.empty()) {
        auto g = chain::read_genesis_file(genesis_file);
        if (!g) fail(exit_bad, g.message());
        genesis = *g;
    } else {
        std::cerr << "jchain: note: no --genesis given; auditing against the node's own genesis\n";
        auto g = chain::genesis_from_json(rpc_result(a.rpc, "get_genesis"));
        if (!g) fail(exit_bad, "node's genesis: " + g.message());
        genesis = *g;
    }
    std::unique_ptr<storage::BlockStore> store;
    BlockSource source;
    if (!a.home.empty()) {
        auto opened = storage::BlockStore::open(HomePaths{a.home}.data_dir(), *genesis);
        if (!opened) fail(exit_bad, busy_store_hint(opened.message(), "stop it, or audit with --rpc URL"));
        store = std::move(*opened);
        source = store_source(*store);
    } else {
        source = rpc_source(a.rpc, genesis->suite, read_signer(a.rpc, a.key_file));
    }
    const std::uint64_t tip = source.height();
    const std::uint64_t to = a.to == 0 ? tip : std::min(a.to, tip);
    if (a.from < 1 || a.from > std::max<std::uint64_t>(to, 1)) fail(exit_bad, "--from must be 1.." + std::to_string(to));

    // Records committed before the block being audited: from the store when auditing a
    // home (memory stays flat however long the chain), else remembered in memory.
    std::optional<storage::StoreHistory> history;
    if (store) history.emplace(*store, 1);
    chain::ChainAuditor auditor(*genesis, history ? &*history : nullptr);
    VerifyPool pool(0);  // every core verifies signatures
    PoolVerifier verifier(pool, genesis->suite);
    chain::TrustingVerifier before_from;
    std::vector<chain::AuditProblem> problems;
    const bool tty = stderr_is_terminal();
    const auto audit_started = std::chrono::steady_clock::now();
    chain::Block block;
    chain::CommitCertificate cert;
    std::vector<chain::Record> records;
    for (std::uint64_t h = 1; h <= to; ++h) {
        if (!source.load(h, block, cert, records)) {
            problems.push_back({h, "", "block or certificate is missing or unreadable"});
            break;
        }
        if (history) history->set_below_height(h);
        auto found = h >= a.from ? auditor.check_block(block, cert, records, verifier, /*check_certificate=*/true)
                                 : auditor.check_block(block, cert, records, before_from, /*check_certificate=*/false);
        problems.insert(problems.end(), found.begin(), found.end());
        if (tty && (h % 100 == 0 || h == to)) {
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - audit_started).count();
            const double rate = secs > 0 ? static_cast<double>(auditor.records_checked()) / secs : 0;
            std::cerr << "\raudited block " << h << "/" << to << ", " << auditor.records_checked() << " records, "
                      << static_cast<std::uint64_t>(rate) << " records/s" << std::flush;
        }
    }
    if (tty) std::cerr << "\n";
    const bool ok = problems.empty();
    json::array list;
    for (const auto& p : problems) list.push_back({{"height", p.height}, {"record_id", p.record_id}, {"problem", p.problem}});
    json::object report{{"chain_id", genesis->chain_id},
                        {"suite", genesis->suite.name()},
                        {"genesis_hash", to_hex(chain::genesis_hash(*genesis))},
                        {"from", a.from},
                        {"to", to},
                        {"blocks", auditor.height()},
                        {"records", auditor.records_checked()},
                        {"ledger_size", auditor.ledger().size()},
                        {"ledger_root", to_hex(auditor.ledger().root())},
                        {"ok", ok},
                        {"problems", std::move(list)}};
    if (!a.report_file.empty()) write_file(a.report_file, chain::pretty_json(report));
    if (as_json) {
        print_json(report);
    } else {
        for (const auto& p : problems)
            std::cout << "  block " << p.height << (p.record_id.empty() ? "" : " record " + p.record_id) << ": "
                      << p.problem << "\n";
        std::cout << "audited " << auditor.height() << " blocks and " << auditor.records_checked()
                  << " records from genesis; ledger root " << to_hex(auditor.ledger().root()) << "\n"
                  << (ok ? "verdict: CHAIN INTACT\n" : "verdict: PROBLEMS FOUND\n");
    }
    if (!ok) std::cerr << "jchain: audit found " << problems.size() << " problem(s)\n";
    return ok ? exit_ok : exit_no;
}

}  // namespace jchain::cli
