#include "node/cli.h"

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

#include "base/json.h"
#include "chain/audit.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "node/backup.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"

namespace json = boost::json;

namespace jchain::node {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_no = 1;
constexpr int exit_bad = 2;

// A failure that ends the command: the message goes to stderr as one line.
struct CliError {
    int code;
    std::string message;
};

[[noreturn]] void fail(int code, std::string message) { throw CliError{code, std::move(message)}; }

// A store another process holds open (storage says "is the node running?") gets the
// command's way around it; other errors stand as they are.
std::string busy_store_hint(const std::string& message, std::string_view what_to_do) {
    if (message.find("is the node running?") == std::string::npos) return message;
    return message + " " + std::string(what_to_do);
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) != 0; }

std::string default_rpc() {
    const char* env = std::getenv("JCHAIN_RPC");
    return env && *env ? env : "http://127.0.0.1:26657";
}

std::string rpc_endpoint(std::string url) {
    if (url.rfind("http://", 0) != 0) url = "http://" + url;
    auto slash = url.find('/', 7);
    if (slash == std::string::npos) return url + "/rpc";
    if (url.substr(slash) == "/") return url.substr(0, slash) + "/rpc";
    return url;
}

// One JSON-RPC call; an RPC error ends the command with exit 2 unless `allow` names its reason.
struct RpcOutcome {
    std::optional<json::value> result;
    std::string error_reason;
    std::string error_message;
};

RpcOutcome rpc_call(const std::string& url, const std::string& method, json::value params) {
    json::object request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
    auto reply = rpc::http_request("POST", rpc_endpoint(url), json::serialize(request));
    if (!reply) fail(exit_bad, "cannot reach node at " + url + ": " + reply.message());
    auto body = parse_json(reply->body);
    if (!body || !body->is_object())
        fail(exit_bad, "node answered HTTP " + std::to_string(reply->status) + " with no JSON-RPC body" +
                           (body ? std::string() : " (" + body.message() + ")"));
    const auto& o = body->as_object();
    if (auto* err = o.if_contains("error")) {
        RpcOutcome out;
        out.error_message = err->is_object() && err->as_object().if_contains("message")
                                ? std::string(err->at("message").as_string())
                                : "error";
        if (err->is_object())
            if (auto* data = err->as_object().if_contains("data"); data && data->is_object())
                if (auto* r = data->as_object().if_contains("reason"); r && r->is_string()) out.error_reason = r->as_string();
        return out;
    }
    if (auto* result = o.if_contains("result")) return {*result, "", ""};
    fail(exit_bad, "node answered without result or error");
}

json::value rpc_result(const std::string& url, const std::string& method, json::value params = json::object{}) {
    auto out = rpc_call(url, method, std::move(params));
    if (!out.result) fail(exit_bad, method + " refused: " + out.error_message + " (" + out.error_reason + ")");
    return *out.result;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(exit_bad, "cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json::value read_json_file(const std::string& path) {
    auto v = parse_json(read_file(path));
    if (!v) fail(exit_bad, path + " is not valid JSON: " + v.message());
    return *v;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) fail(exit_bad, "cannot write " + path);
}

chain::Hash content_hash_of(const std::string& file, const std::string& hex) {
    if (!file.empty()) {
        auto h = crypto::sha256_file(file);
        if (!h) fail(exit_bad, h.message());
        return *h;
    }
    auto h = from_hex_fixed<32>(hex);
    if (!h) fail(exit_bad, "--hash must be 64 hex characters (a SHA-256)");
    return *h;
}

chain::Hash parse_hash_arg(const std::string& text, const std::string& what) {
    auto h = from_hex_fixed<32>(text);
    if (!h) fail(exit_bad, what + " must be 64 hex characters");
    return *h;
}

std::vector<chain::Hash> parse_hash_list(const std::string& text, const std::string& what) {
    std::vector<chain::Hash> out;
    std::stringstream s(text);
    std::string item;
    while (std::getline(s, item, ','))
        if (!item.empty()) out.push_back(parse_hash_arg(item, what));
    return out;
}

// A JSON integer as u64 (Boost.JSON parses small non-negative numbers as int64).
std::uint64_t u64(const json::value& v) {
    if (v.is_uint64()) return v.as_uint64();
    if (v.is_int64() && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
    fail(exit_bad, "node sent a malformed number");
}

void print_json(const json::value& v) { std::cout << chain::pretty_json(v); }

std::string format_time(std::uint64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03uZ", buf, static_cast<unsigned>(ms % 1000));
    return out;
}

// ---- node commands ----------------------------------------------------------------

int wait_for_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

int run_node(const std::string& home) {
    // Signals are taken by sigwait in this thread only; block them before any thread starts.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto node = Node::open(home);
    if (!node) fail(exit_bad, node.message());
    spdlog::set_level(spdlog::level::from_str((*node)->config().log_level));
    if (auto s = (*node)->start(); !s) fail(exit_bad, s.message());
    int sig = wait_for_signal();
    spdlog::info("signal {}: stopping", sig);
    (*node)->stop();
    return exit_ok;
}

std::string default_devnet_home() {
    const char* h = std::getenv("HOME");
    return std::string(h && *h ? h : ".") + "/.jchain/devnet";
}

// ---- client commands --------------------------------------------------------------

struct SubmitArgs {
    std::string key_file, kind, file, hash, case_id, rpc = default_rpc(), receipt_out;
    std::vector<std::string> meta, refs;
    bool wait = false;
    int timeout_s = 60;
};

int cmd_submit(const SubmitArgs& a, bool as_json) {
    auto key = crypto::read_key_file(a.key_file);
    if (!key) fail(exit_bad, key.message());
    auto kind = chain::parse_kind(a.kind);
    if (!kind) fail(exit_bad, "--kind '" + a.kind + "' is not one of evidence, service, notice, judgment, order, "
                              "operation, handover, correction, governance");
    chain::Record r;
    r.kind = *kind;
    r.content_hash = content_hash_of(a.file, a.hash);
    r.case_id = a.case_id;
    for (const auto& kv : a.meta) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) fail(exit_bad, "--meta takes KEY=VALUE, got '" + kv + "'");
        if (!r.metadata.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second)
            fail(exit_bad, "--meta key '" + kv.substr(0, eq) + "' given twice");
    }
    for (const auto& ref : a.refs) r.refs.push_back(parse_hash_arg(ref, "--ref"));
    auto status = rpc_result(a.rpc, "status", json::object{});
    r.chain_id = std::string(status.at("chain_id").as_string());
    r.client_time_ms = now_ms();
    std::random_device rd;
    r.nonce = (static_cast<std::uint64_t>(rd()) << 32 | rd()) & ((1ull << 53) - 1);  // exact in JSON numbers everywhere
    if (auto problem = chain::check_record_shape(r)) fail(exit_bad, *problem);
    chain::sign_record(r, *key);

    auto out = rpc_call(a.rpc, "submit_record", json::object{{"record", chain::record_to_json(r)}});
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
    // Check the receipt against the node's genesis before handing it to the user.
    auto genesis = chain::genesis_from_json(rpc_result(a.rpc, "get_genesis"));
    if (!genesis) fail(exit_bad, "node's genesis: " + genesis.message());
    auto verdict = chain::verify_receipt(*receipt, *genesis, std::nullopt);
    if (!verdict.ok) fail(exit_no, "the node returned a receipt that does not verify");
    if (!a.receipt_out.empty()) write_file(a.receipt_out, chain::pretty_json(*receipt));
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
    const chain::Hash content = content_hash_of(file, hash);
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
        if (!r.at("case_id").as_string().empty()) std::cout << "  case " << r.at("case_id").as_string().c_str();
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
                       bool as_json) {
    auto receipt = read_json_file(receipt_file);
    auto genesis = chain::read_genesis_file(genesis_file);
    if (!genesis) fail(exit_bad, genesis.message());
    std::optional<chain::Hash> file_hash;
    if (!file.empty()) file_hash = content_hash_of(file, "");
    auto verdict = chain::verify_receipt(receipt, *genesis, file_hash);
    if (as_json) {
        json::array checks;
        for (const auto& c : verdict.checks) checks.push_back({{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}});
        print_json(json::object{{"valid", verdict.ok}, {"checks", std::move(checks)}});
    } else {
        for (const auto& c : verdict.checks)
            std::cout << (c.ok ? "  ok    " : "  FAIL  ") << c.name << ": " << c.detail << "\n";
        if (verdict.ok && verdict.header)
            std::cout << "verdict: VALID - record committed at height " << verdict.header->height << ", "
                      << format_time(verdict.header->time_ms) << "\n";
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

// ---- audit ------------------------------------------------------------------------

struct AuditArgs {
    std::string home, rpc, genesis_file, report_file;
    std::uint64_t from = 1, to = 0;  // to == 0: the tip
};

// A source of blocks for the auditor: the node's store, or a node's RPC.
struct BlockSource {
    std::function<std::uint64_t()> height;
    std::function<bool(std::uint64_t, chain::Block&, chain::CommitCertificate&, std::vector<chain::Record>&)> load;
};

BlockSource store_source(const storage::BlockStore& store) {
    return {[&] { return store.height(); },
            [&](std::uint64_t h, chain::Block& b, chain::CommitCertificate& c, std::vector<chain::Record>& rs) {
                auto block = store.block(h);
                auto cert = store.certificate(h);
                if (!block || !cert) return false;
                b = *block;
                c = *cert;
                rs.clear();
                for (const auto& id : b.record_ids)
                    if (auto r = store.record(id)) rs.push_back(r->record);
                return true;
            }};
}

BlockSource rpc_source(const std::string& url) {
    return {[url] { return u64(rpc_result(url, "status").at("height")); },
            [url](std::uint64_t h, chain::Block& b, chain::CommitCertificate& c, std::vector<chain::Record>& rs) {
                auto got = rpc_result(url, "get_block", json::object{{"height", h}});
                auto header = chain::header_from_json(got.at("header"));
                auto cert = chain::certificate_from_json(got.at("commit"));
                if (!header || !cert) return false;
                b.header = *header;
                c = *cert;
                b.record_ids.clear();
                rs.clear();
                for (const auto& id : got.at("record_ids").as_array()) {
                    auto parsed = chain::hash_from_json(&id, "record_ids[]");
                    if (!parsed) return false;
                    b.record_ids.push_back(*parsed);
                }
                // Records in batches of up to 500 get_record calls.
                for (std::size_t i = 0; i < b.record_ids.size(); i += 500) {
                    json::array batch;
                    for (std::size_t j = i; j < std::min(b.record_ids.size(), i + 500); ++j)
                        batch.push_back({{"jsonrpc", "2.0"}, {"id", j}, {"method", "get_record"},
                                         {"params", {{"id", to_hex(b.record_ids[j])}}}});
                    auto reply = rpc::http_request("POST", rpc_endpoint(url), json::serialize(batch), 60'000);
                    if (!reply) fail(exit_bad, "cannot reach node at " + url + ": " + reply.message());
                    auto parsed = parse_json(reply->body);
                    if (!parsed || !parsed->is_array()) return false;
                    const json::value& answers = *parsed;
                    std::vector<std::optional<chain::Record>> ordered(batch.size());
                    // The node is not trusted: an answer's id must name a request of
                    // this batch, and a record only counts under the id it hashes to
                    // (the auditor then checks it against the block's list).
                    for (const auto& a : answers.as_array()) {
                        const auto* o = a.if_object();
                        const auto* id = o ? o->if_contains("id") : nullptr;
                        const auto* result = o ? o->if_contains("result") : nullptr;
                        if (!id || !result || !result->is_object()) continue;
                        const auto k_id = id->if_int64();  // JSON parses small numbers as int64
                        if (!k_id || *k_id < 0) continue;
                        const auto k = static_cast<std::uint64_t>(*k_id);
                        if (k < i || k - i >= ordered.size()) continue;
                        const auto* record = result->as_object().if_contains("record");
                        if (!record) continue;
                        auto r = chain::record_from_json(*record);
                        if (r && chain::record_id(*r) == b.record_ids[k]) ordered[k - i] = *r;
                    }
                    for (auto& r : ordered)
                        if (r) rs.push_back(std::move(*r));
                }
                return true;
            }};
}

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
        source = rpc_source(a.rpc);
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
    PoolVerifier verifier(*genesis, pool);
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

// ---- export / import (docs/backup.md) ----------------------------------------------

struct ExportArgs {
    std::string home, rpc, out;
    std::uint64_t from = 1, to = 0;  // to == 0: the tip
};

// Audit's RPC source for export: an unreachable node or a malformed answer is an error.
class RpcCertifiedSource final : public CertifiedBlockSource {
public:
    explicit RpcCertifiedSource(BlockSource source) : source_(std::move(source)) {}
    Result<std::uint64_t> height() override {
        try {
            return source_.height();
        } catch (const CliError& e) {
            return Status::error(e.message);
        } catch (const std::exception& e) {
            return Status::error(std::string("malformed status answer: ") + e.what());
        }
    }
    Result<consensus::CertifiedBlock> load(std::uint64_t height) override {
        consensus::Value value;
        chain::CommitCertificate cert;
        try {
            if (!source_.load(height, value.block, cert, value.records))
                return Status::error("the node's answer for block " + std::to_string(height) + " is malformed");
        } catch (const CliError& e) {
            return Status::error(e.message);
        } catch (const std::exception& e) {
            return Status::error("the node's answer for block " + std::to_string(height) + " is malformed: " + e.what());
        }
        return consensus::CertifiedBlock{std::make_shared<const consensus::Value>(std::move(value)), std::move(cert)};
    }

private:
    BlockSource source_;
};

int cmd_export(const ExportArgs& a, bool as_json) {
    std::optional<chain::Genesis> genesis;
    std::unique_ptr<storage::BlockStore> store;
    std::unique_ptr<CertifiedBlockSource> source;
    if (!a.home.empty()) {
        auto g = chain::read_genesis_file(HomePaths{a.home}.genesis_file());
        if (!g) fail(exit_bad, g.message());
        genesis = *g;
        auto opened = storage::BlockStore::open(HomePaths{a.home}.data_dir(), *genesis);
        if (!opened) fail(exit_bad, busy_store_hint(opened.message(), "stop it, or export with --rpc URL"));
        store = std::move(*opened);
        source = store_block_source(*store);
    } else {
        auto g = chain::genesis_from_json(rpc_result(a.rpc, "get_genesis"));
        if (!g) fail(exit_bad, "node's genesis: " + g.message());
        genesis = *g;
        source = std::make_unique<RpcCertifiedSource>(rpc_source(a.rpc));
    }
    // Written beside the target and renamed when complete: an earlier backup of the same
    // name survives a failed export.
    const std::string partial = a.out + ".partial";
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) fail(exit_bad, "cannot write " + partial);
    ExportOptions options{a.from, a.to, {}};
    bool shown = false;
    if (stderr_is_terminal())
        options.progress = [&](std::uint64_t h, std::uint64_t to) {
            if (h % 100 != 0 && h != to) return;
            std::cerr << "\rexported block " << h << "/" << to << std::flush;
            shown = true;
        };
    auto s = export_chain(*source, *genesis, out, options);
    out.close();
    if (shown) std::cerr << "\n";
    std::error_code ec;
    if (!s || !out) {
        std::filesystem::remove(partial, ec);
        fail(exit_bad, s ? "cannot write " + partial : s.message());
    }
    std::filesystem::rename(partial, a.out, ec);
    if (ec) fail(exit_bad, "cannot rename " + partial + " to " + a.out + ": " + ec.message());
    if (as_json) {
        print_json(json::object{{"out", a.out}, {"chain_id", s->chain_id}, {"genesis_hash", to_hex(s->genesis_hash)},
                                {"from", s->from_height}, {"to", s->to_height}, {"blocks", s->blocks},
                                {"records", s->records}, {"bytes", s->bytes}, {"sha256", to_hex(s->checksum)}});
    } else {
        std::cout << "exported blocks " << s->from_height << ".." << s->to_height << " (" << s->blocks << " blocks, "
                  << s->records << " records, " << s->bytes << " bytes) of chain " << s->chain_id << " to " << a.out
                  << "\nsha256 " << to_hex(s->checksum) << "\n";
    }
    return exit_ok;
}

int cmd_import(const std::string& home, const std::string& in_file, bool as_json) {
    HomePaths paths{home};
    auto genesis = chain::read_genesis_file(paths.genesis_file());
    if (!genesis)
        fail(exit_bad, genesis.message() + " (import needs a home with the chain's config/genesis.json: jchain init, then copy it in)");
    std::ifstream in(in_file, std::ios::binary);
    if (!in) fail(exit_bad, "cannot read " + in_file);
    auto store = storage::BlockStore::open(paths.data_dir(), *genesis);
    if (!store) fail(exit_bad, busy_store_hint(store.message(), "stop it first"));
    VerifyPool pool(0);  // every core verifies signatures
    PoolVerifier verifier(*genesis, pool);
    ImportOptions options;
    bool shown = false;
    std::error_code ec;
    const std::uintmax_t file_bytes = std::filesystem::file_size(in_file, ec);
    if (stderr_is_terminal())
        options.progress = [&](std::uint64_t h, std::uint64_t bytes) {
            if (h % 100 != 0) return;
            std::cerr << "\rimported block " << h;
            if (!ec && file_bytes > 0) std::cerr << " (" << bytes * 100 / file_bytes << "% of the file)";
            std::cerr << std::flush;
            shown = true;
        };
    auto s = import_chain(**store, *genesis, in, verifier, options);
    if (shown) std::cerr << "\n";
    if (!s) fail(exit_bad, s.message());
    // The file is for another chain or does not fit this store: 2. It is for this chain
    // but does not verify (a block, a certificate, the checksum, a damaged frame): 1.
    const auto& p = s->problem;
    const int code = !p ? exit_ok
                        : p->fault == ImportFault::header || p->fault == ImportFault::not_prefix ? exit_bad : exit_no;
    if (as_json) {
        json::value problem = nullptr;
        if (p)
            problem = json::object{{"fault", fault_name(p->fault)},
                                   {"height", p->height ? json::value(*p->height) : json::value(nullptr)},
                                   {"message", p->message}};
        print_json(json::object{{"file", in_file},
                                {"chain_id", s->chain_id},
                                {"genesis_hash", to_hex(s->genesis_hash)},
                                {"first_height", s->first_height},
                                {"blocks_read", s->blocks_read},
                                {"already_held", s->already_held},
                                {"imported", s->imported},
                                {"records_imported", s->records_imported},
                                {"height", s->height},
                                {"last_block_hash", to_hex(s->last_block_hash)},
                                {"ledger_size", s->ledger_size},
                                {"ledger_root", to_hex(s->ledger_root)},
                                {"ok", !p},
                                {"problem", problem}});
    } else {
        std::cout << "imported " << s->imported << " blocks (" << s->records_imported << " records) from " << in_file
                  << "; " << s->already_held << " already held\n"
                  << "store height " << s->height << ", last block " << to_hex(s->last_block_hash) << "\n"
                  << "ledger " << s->ledger_size << " records, root " << to_hex(s->ledger_root) << "\n"
                  << (p ? "verdict: IMPORT STOPPED\n" : "verdict: IMPORTED, trailer checksum matches\n");
    }
    if (p) std::cerr << "jchain: " << p->message << "\n";
    return code;
}

int report(bool ok, bool as_json, const std::string& what) {
    if (as_json) print_json(json::object{{"valid", ok}});
    else std::cout << what << (ok ? ": VALID\n" : ": INVALID\n");
    if (!ok) std::cerr << "jchain: " << what << " does not verify\n";
    return ok ? exit_ok : exit_no;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"jchain: a permissioned blockchain node that notarizes judicial evidence by hash.\n"
                 "Quick start: `jchain devnet` in one terminal, then\n"
                 "  jchain submit --key ~/.jchain/devnet/config/demo_member_key.json --kind evidence --file F --wait "
                 "--receipt-out r.json\n"
                 "  jchain verify --file F"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "jchain 0.1.0");
    bool as_json = false;
    app.add_flag("--json", as_json, "print machine-readable JSON (before or after the command)");
    app.fallthrough();  // subcommands accept --json too: `jchain status --json`

    std::function<int()> action;

    // keygen
    auto* keygen = app.add_subcommand("keygen", "new secp256k1 key pair in a file readable only by its owner");
    std::string keygen_out;
    keygen->add_option("--out", keygen_out, "key file to create (never overwritten)")->required();
    keygen->callback([&] {
        action = [&] {
            const auto key = crypto::generate_key();
            if (auto s = crypto::write_key_file(keygen_out, key); !s) fail(exit_bad, s.message());
            if (as_json) print_json(json::object{{"public_key", to_hex(key.public_key.bytes)}, {"file", keygen_out}});
            else std::cout << to_hex(key.public_key.bytes) << "\n";
            return exit_ok;
        };
    });

    // init
    auto* init = app.add_subcommand("init", "create a node home: config, node key, genesis, data folder");
    InitOptions init_opts;
    init->add_option("--home", init_opts.home, "node home directory")->required();
    init->add_option("--chain-id", init_opts.chain_id, "chain id")->capture_default_str();
    init->add_option("--moniker", init_opts.moniker, "node name")->capture_default_str();
    init->add_option("--rpc-listen", init_opts.rpc_listen, "RPC listen address")->capture_default_str();
    init->add_option("--p2p-listen", init_opts.p2p_listen, "P2P listen address")->capture_default_str();
    init->add_option("--member-name", init_opts.member_name, "the node's member name in genesis")->capture_default_str();
    init->add_option("--member-role", init_opts.member_role, "the node's member role in genesis")->capture_default_str();
    std::vector<std::string> init_params;
    init->add_option("--param", init_params, "a genesis chain parameter NAME=VALUE (repeatable; docs/genesis.md)");
    init->callback([&] {
        action = [&] {
            for (const auto& p : init_params)
                if (auto s = apply_param(init_opts.params, p); !s) fail(exit_bad, s.message());
            if (auto s = init_home(init_opts); !s) fail(exit_bad, s.message());
            if (as_json) print_json(json::object{{"home", init_opts.home}});
            else std::cout << "initialised " << init_opts.home << "; start it with: jchain start --home " << init_opts.home << "\n";
            return exit_ok;
        };
    });

    // devnet
    auto* devnet = app.add_subcommand("devnet", "zero-setup local one-validator chain, started at once (resumes if it exists)");
    std::string devnet_home = default_devnet_home();
    std::string devnet_rpc = "127.0.0.1:26657";
    devnet->add_option("--home", devnet_home, "devnet home")->capture_default_str();
    devnet->add_option("--rpc-listen", devnet_rpc, "RPC listen address for a new devnet")->capture_default_str();
    devnet->callback([&] {
        action = [&] {
            if (!home_exists(devnet_home)) {
                InitOptions o;
                o.home = devnet_home;
                o.chain_id = "jchain-devnet";
                o.moniker = "devnet-validator";
                o.member_name = "Devnet Validator Court";
                o.rpc_listen = devnet_rpc;
                o.p2p_listen = "127.0.0.1:0";  // one validator, no peers: any free port
                o.demo_member = true;
                if (auto s = init_home(o); !s) fail(exit_bad, s.message());
            }
            HomePaths paths{devnet_home};
            auto config = load_config(paths.config_file());
            std::cerr << "devnet home: " << devnet_home << "\n"
                      << "RPC:         http://" << (config ? config->rpc_listen : devnet_rpc) << "/rpc  (web page at /)\n"
                      << "notarize a file:\n  jchain submit --key " << paths.demo_member_key_file()
                      << " --kind evidence --file FILE --wait --receipt-out receipt.json\n"
                      << "verify it:\n  jchain verify --file FILE\n  jchain verify --receipt receipt.json --genesis "
                      << paths.genesis_file() << " --file FILE\n";
            return run_node(devnet_home);
        };
    });

    // testnet
    auto* testnet = app.add_subcommand("testnet", "write homes for a local multi-validator network on loopback");
    TestnetOptions tn;
    testnet->add_option("--validators", tn.validators, "number of validators")->capture_default_str();
    testnet->add_option("--observers", tn.observers, "number of observers")->capture_default_str();
    testnet->add_option("--out", tn.out, "directory for the homes node0, node1, ...")->required();
    testnet->add_option("--base-port", tn.base_port, "node i listens on P2P base+2i and RPC base+2i+1")
        ->capture_default_str();
    testnet->add_option("--chain-id", tn.chain_id, "chain id")->capture_default_str();
    std::vector<std::string> testnet_params;
    testnet->add_option("--param", testnet_params, "a genesis chain parameter NAME=VALUE (repeatable; docs/genesis.md)");
    testnet->callback([&] {
        action = [&] {
            for (const auto& p : testnet_params)
                if (auto s = apply_param(tn.params, p); !s) fail(exit_bad, s.message());
            auto nodes = init_testnet(tn);
            if (!nodes) fail(exit_bad, nodes.message());
            const std::string demo = tn.out + "/demo_member_key.json";
            if (as_json) {
                json::array list;
                for (const auto& n : *nodes)
                    list.push_back(json::object{{"home", n.home}, {"role", n.role}, {"rpc", n.rpc_url},
                                                {"p2p", n.p2p_listen}});
                print_json(json::object{{"nodes", list}, {"demo_member_key", demo}, {"chain_id", tn.chain_id}});
            } else {
                for (const auto& n : *nodes)
                    std::cout << n.role << "  " << n.home << "  RPC " << n.rpc_url << "\n";
                std::cout << "start each with: jchain start --home HOME\n"
                          << "notarize with:   jchain submit --key " << demo << " --rpc " << nodes->front().rpc_url
                          << " --kind evidence --file FILE --wait\n";
            }
            return exit_ok;
        };
    });

    // start
    auto* start = app.add_subcommand("start", "run a node (validator or observer, as its config says)");
    std::string start_home;
    start->add_option("--home", start_home, "node home")->required();
    start->callback([&] { action = [&] { return run_node(start_home); }; });

    // status
    auto* status = app.add_subcommand("status", "height, last block, validators, peers, mempool, sync state");
    std::string status_rpc = default_rpc();
    status->add_option("--rpc", status_rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    status->callback([&] { action = [&] { return cmd_status(status_rpc, as_json); }; });

    // submit
    auto* submit = app.add_subcommand("submit", "hash locally, sign and submit a record");
    SubmitArgs sa;
    submit->add_option("--key", sa.key_file, "member key file")->required();
    submit->add_option("--kind", sa.kind, "record kind: evidence, service, notice, judgment, order, operation, handover, correction")->required();
    auto* sf = submit->add_option("--file", sa.file, "file to notarize (hashed locally; never sent)");
    auto* sh = submit->add_option("--hash", sa.hash, "SHA-256 of the content, hex");
    sf->excludes(sh);
    submit->add_option("--case", sa.case_id, "case id");
    submit->add_option("--meta", sa.meta, "metadata KEY=VALUE (no personal data)");
    submit->add_option("--ref", sa.refs, "id of an earlier record this one refers to");
    submit->add_option("--rpc", sa.rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    submit->add_flag("--wait", sa.wait, "wait until final and fetch the receipt");
    submit->add_option("--timeout", sa.timeout_s, "seconds to wait with --wait")->capture_default_str();
    submit->add_option("--receipt-out", sa.receipt_out, "with --wait: save the receipt here");
    submit->callback([&] {
        action = [&] {
            if (sa.file.empty() == sa.hash.empty()) fail(exit_bad, "give exactly one of --file or --hash");
            if (!sa.receipt_out.empty() && !sa.wait) fail(exit_bad, "--receipt-out needs --wait");
            return cmd_submit(sa, as_json);
        };
    });

    // verify
    auto* verify = app.add_subcommand("verify", "is this content notarized? online (--file/--hash) or offline (--receipt)");
    std::string v_file, v_hash, v_receipt, v_genesis, v_rpc = default_rpc();
    verify->add_option("--file", v_file, "file whose content to check");
    verify->add_option("--hash", v_hash, "SHA-256 of the content, hex");
    verify->add_option("--receipt", v_receipt, "offline: receipt file to check");
    verify->add_option("--genesis", v_genesis, "offline: the chain's genesis.json");
    verify->add_option("--rpc", v_rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    verify->callback([&] {
        action = [&] {
            if (!v_receipt.empty()) {
                if (v_genesis.empty()) fail(exit_bad, "--receipt needs --genesis");
                if (!v_hash.empty()) fail(exit_bad, "with --receipt, give --file (or nothing), not --hash");
                return cmd_verify_receipt(v_receipt, v_genesis, v_file, as_json);
            }
            if (v_file.empty() == v_hash.empty()) fail(exit_bad, "give --file or --hash (or --receipt with --genesis)");
            return cmd_verify_online(v_file, v_hash, v_rpc, as_json);
        };
    });

    // audit
    auto* audit = app.add_subcommand("audit", "replay the chain from genesis and check every hash, signature, certificate, permission");
    AuditArgs aa;
    auto* ah = audit->add_option("--home", aa.home, "node home (the node must be stopped)");
    auto* ar = audit->add_option("--rpc", aa.rpc, "node RPC URL");
    ah->excludes(ar);
    audit->add_option("--genesis", aa.genesis_file, "genesis file to audit against (default: the home's, or the node's)");
    audit->add_option("--from", aa.from, "first height to check fully (earlier blocks are replayed, not re-verified)");
    audit->add_option("--to", aa.to, "last height (default: the tip)");
    audit->add_option("--report", aa.report_file, "write the JSON report here");
    audit->callback([&] {
        action = [&] {
            if (aa.home.empty() == aa.rpc.empty()) fail(exit_bad, "give exactly one of --home or --rpc");
            return cmd_audit(aa, as_json);
        };
    });

    // export / import
    auto* exp = app.add_subcommand("export", "stream a node's blocks, certificates and records to a backup file (docs/backup.md)");
    ExportArgs ea;
    auto* eh = exp->add_option("--home", ea.home, "node home (the node must be stopped)");
    auto* er = exp->add_option("--rpc", ea.rpc, "a running node's RPC URL");
    eh->excludes(er);
    exp->add_option("--out", ea.out, "backup file to write (replaced only when the export completes)")->required();
    exp->add_option("--from", ea.from, "first height")->capture_default_str();
    exp->add_option("--to", ea.to, "last height (default: the tip)");
    exp->callback([&] {
        action = [&] {
            if (ea.home.empty() == ea.rpc.empty()) fail(exit_bad, "give exactly one of --home or --rpc");
            return cmd_export(ea, as_json);
        };
    });
    auto* imp = app.add_subcommand("import", "rebuild a stopped node's store from a backup file, checking every block");
    std::string imp_home, imp_in;
    imp->add_option("--home", imp_home, "node home with the chain's config/genesis.json (the node must be stopped)")
        ->required();
    imp->add_option("--in", imp_in, "backup file written by jchain export")->required();
    imp->callback([&] { action = [&] { return cmd_import(imp_home, imp_in, as_json); }; });

    // proof
    auto* proof = app.add_subcommand("proof", "check RFC 6962 Merkle proofs and roots");
    proof->require_subcommand(1);
    auto* inclusion = proof->add_subcommand("inclusion", "check an inclusion proof");
    std::string pi_leaf, pi_root, pi_path;
    std::uint64_t pi_index = 0, pi_size = 0;
    inclusion->add_option("--leaf-hash", pi_leaf, "leaf hash (SHA-256(0x00 || leaf input))")->required();
    inclusion->add_option("--index", pi_index, "leaf index")->required();
    inclusion->add_option("--size", pi_size, "tree size")->required();
    inclusion->add_option("--root", pi_root, "tree root")->required();
    inclusion->add_option("--path", pi_path, "comma-separated hashes, leaf to root")->default_str("");
    inclusion->callback([&] {
        action = [&] {
            bool ok = chain::verify_inclusion(parse_hash_arg(pi_leaf, "--leaf-hash"), pi_index, pi_size,
                                              parse_hash_list(pi_path, "--path"), parse_hash_arg(pi_root, "--root"));
            return report(ok, as_json, "inclusion proof");
        };
    });
    auto* consistency = proof->add_subcommand("consistency", "check a consistency proof");
    std::string pc_root1, pc_root2, pc_path;
    std::uint64_t pc_size1 = 0, pc_size2 = 0;
    consistency->add_option("--size1", pc_size1, "older tree size")->required();
    consistency->add_option("--root1", pc_root1, "older root")->required();
    consistency->add_option("--size2", pc_size2, "newer tree size")->required();
    consistency->add_option("--root2", pc_root2, "newer root")->required();
    consistency->add_option("--path", pc_path, "comma-separated hashes")->default_str("");
    consistency->callback([&] {
        action = [&] {
            bool ok = chain::verify_consistency(pc_size1, pc_size2, parse_hash_arg(pc_root1, "--root1"),
                                                parse_hash_arg(pc_root2, "--root2"), parse_hash_list(pc_path, "--path"));
            return report(ok, as_json, "consistency proof");
        };
    });
    auto* root = proof->add_subcommand("root", "RFC 6962 root of leaves (leaf input bytes, hex, comma-separated)");
    std::string pr_leaves;
    root->add_option("--leaf-data", pr_leaves, "leaf inputs, hex, comma-separated")->required();
    root->callback([&] {
        action = [&] {
            std::vector<Bytes> leaves;
            std::stringstream s(pr_leaves);
            std::string item;
            while (std::getline(s, item, ',')) {
                auto b = from_hex(item);
                if (!b) fail(exit_bad, "--leaf-data item '" + item + "' is not hex");
                leaves.push_back(*b);
            }
            const std::string r = to_hex(chain::merkle_root_of_leaves(leaves));
            if (as_json) print_json(json::object{{"root", r}, {"size", leaves.size()}});
            else std::cout << r << "\n";
            return exit_ok;
        };
    });

    try {
        app.parse(argc, argv);
        return action ? action() : exit_bad;
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return exit_ok;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return exit_ok;
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "jchain: " << e.what() << " (see --help)\n";
        return exit_bad;
    } catch (const CliError& e) {
        std::cerr << "jchain: " << e.message << "\n";
        return e.code;
    } catch (const std::exception& e) {
        std::cerr << "jchain: " << e.what() << "\n";
        return exit_bad;
    }
}

}  // namespace jchain::node
