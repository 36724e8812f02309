#include "cli/operator.h"

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
#include "cli/block_source.h"

#include "node/verify_pool.h"

namespace jchain::cli {

using namespace jchain::node;

namespace {

int wait_for_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

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

}  // namespace

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

int cmd_config_check(const std::string& home, bool as_json) {
    auto checked = node::check_home(home);
    if (!checked) {
        if (as_json) print_json(json::object{{"ok", false}, {"home", home}, {"error", checked.message()}});
        else std::cout << "FAIL  " << checked.message() << "\nconfig REFUSED: jchain start would stop with this error\n";
        return exit_bad;
    }
    const node::NodeConfig& c = checked->config;
    const chain::Genesis& g = checked->genesis;
    const node::HomePaths paths{home};
    const std::string pub = to_hex(checked->key.public_key.bytes);
    const std::string standing = g.validators.find(checked->key.public_key) ? "a genesis validator"
                                 : std::any_of(g.nodes.begin(), g.nodes.end(),
                                               [&](const chain::ObserverNode& n) { return n.key == checked->key.public_key; })
                                     ? "a genesis observer node"
                                     : "not in genesis";
    if (as_json) {
        json::array notes;
        for (const auto& n : checked->notes) notes.push_back(json::string(n));
        print_json(json::object{{"ok", true},
                                {"home", home},
                                {"role", c.role},
                                {"rpc_listen", c.rpc_listen},
                                {"p2p_listen", c.p2p_listen},
                                {"peers", c.p2p_peers.size()},
                                {"chain_id", g.chain_id},
                                {"suite", std::string(g.suite.name())},
                                {"genesis_hash", to_hex(chain::genesis_hash(g))},
                                {"node_key", pub},
                                {"notes", std::move(notes)}});
        return exit_ok;
    }
    std::cout << "ok    " << paths.config_file() << ": role " << c.role << ", RPC " << c.rpc_listen << ", P2P "
              << c.p2p_listen << ", " << c.p2p_peers.size() << " peer(s)\n"
              << "ok    " << paths.genesis_file() << ": chain " << g.chain_id << ", suite " << g.suite.name() << ", "
              << g.validators.validators.size() << " validator(s), " << g.members.size() << " member(s), "
              << g.witnesses.size() << " witness(es); genesis hash " << to_hex(chain::genesis_hash(g)) << "\n"
              << "ok    " << paths.node_key_file() << ": " << pub << ", " << standing << "\n";
    for (const auto& n : checked->notes) std::cout << "note  " << n << "\n";
    std::cout << "config OK: jchain start would accept this home\n";
    return exit_ok;
}

std::string default_devnet_home() {
    const char* h = std::getenv("HOME");
    return std::string(h && *h ? h : ".") + "/.jchain/devnet";
}

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
        source = std::make_unique<RpcCertifiedSource>(rpc_source(a.rpc, genesis->suite, read_signer(a.rpc, a.key_file)));
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
    PoolVerifier verifier(pool, genesis->suite);
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

}  // namespace jchain::cli
