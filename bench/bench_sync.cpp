// bench_sync: how fast a node with an empty store catches up on a long chain (block
// sync), for each sync.verify_records mode, and how fast `jchain audit` replays it.
//
// Builds a chain of R signed records in blocks of B (bench/chain_builder.h) straight
// into the store of P validator homes, then, once per mode ("none", "recent", "all"),
// starts those validators in this process (fresh, so that no mode inherits a server
// still busy with the last one's requests) and an observer with an empty store that
// dials them, and times the observer from start until its store height is the tip. The
// block times end now and are spaced so that the last ~10 % of blocks are within the
// observer's sync.recent_ms (24 h): "recent" verifies those and trusts the rest to their
// certificates. Beside each figure, the machine's limit measured in the same run: two
// cores' raw secp256k1 verifications/s (bench_util.h; for "all" and for the audit), and
// the store's synced commit rate for blocks of B records (BlockStore::commit_block on
// the same blocks into a scratch store, one WriteBatch per block: exactly the write
// work of "none"), from a serial per-stage replay of what the sync path does with each
// block. Memory: peak RSS per phase, total and anonymous (heap) apart, since LevelDB
// maps its table files and pages it reads count as RSS too. Then `jchain audit --home`
// of the chain (the real binary, servers stopped). docs/benchmarks.md has the figures.
//
//   bench_sync [--records 1000000] [--block 4000] [--peers 1] [--recent-percent 10]
//              [--modes none,recent,all] [--replay 1] [--audit 1] [--verbose 0]
#include <malloc.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>

#include "bench/bench_util.h"
#include "bench/chain_builder.h"
#include "consensus/codec.h"
#include "node/verify_pool.h"
#include "tests/support/suite.h"

extern char** environ;

using namespace jchain;
using namespace jchain::bench;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bench_sync: %s\n", what.c_str());
    std::exit(2);
}

// `--name value` from the command line, or `fallback`.
std::string text_arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

double mib(std::uint64_t kb) { return static_cast<double>(kb) / 1024.0; }

struct Rss {
    std::uint64_t total_kb = 0, anon_kb = 0;  // VmRSS; RssAnon (the heap, not mapped files)
};

// VmRSS and RssAnon of /proc/<pid>/status; nullopt once the process is gone.
std::optional<Rss> read_rss(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/status");
    if (!in) return std::nullopt;
    Rss r;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) r.total_kb = std::stoull(line.substr(6));
        if (line.rfind("RssAnon:", 0) == 0) r.anon_kb = std::stoull(line.substr(8));
    }
    return r;
}

// Samples a process's RSS every 20 ms on a thread of its own and keeps the peaks since
// the last reset(). Cheap: one small /proc read per sample.
class MemoryWatch {
public:
    explicit MemoryWatch(std::string pid = "self") : pid_(std::move(pid)), thread_([this] { run(); }) {}
    ~MemoryWatch() {
        stop_ = true;
        thread_.join();
    }
    // Starts a phase: returns freed heap to the kernel first, so a phase does not show
    // the last one's garbage.
    void reset() {
        malloc_trim(0);
        const Rss now = read_rss(pid_).value_or(Rss{});
        total_ = now.total_kb;
        anon_ = now.anon_kb;
        start_ = now;
    }
    Rss start() const { return start_; }
    Rss peak() {
        sample();
        return {total_.load(), anon_.load()};
    }

private:
    void sample() {
        if (auto r = read_rss(pid_)) {
            total_ = std::max(total_.load(), r->total_kb);
            anon_ = std::max(anon_.load(), r->anon_kb);
        }
    }
    void run() {
        while (!stop_) {
            sample();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::string pid_;
    std::atomic<std::uint64_t> total_{0}, anon_{0};
    Rss start_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string rss_text(const Rss& r) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.0f MiB (heap %.0f MiB)", mib(r.total_kb), mib(r.anon_kb));
    return buf;
}

// A serial replay, on this thread, of what block sync does with every block: the
// server reads it and encodes it; the observer decodes it, checks it against the rule
// (no signatures), checks its certificate, rebuilds it to commit, and commits it into a
// scratch store. Signature verification on both cores is timed on every tenth block.
struct Stages {
    double read = 0, encode = 0, decode = 0, check = 0, certificate = 0, rebuild = 0, commit = 0;
    double check_no_store = 0;  // the same check with a history that never reads the store
    double verify = 0;
    std::uint64_t records = 0, verified = 0, bytes = 0;
};

Stages replay(const SyncHomes& homes, const std::string& scratch_dir) {
    auto src = storage::BlockStore::open(node::HomePaths{homes.server_home(0)}.data_dir(), homes.genesis());
    if (!src) die(src.message());
    auto dst = storage::BlockStore::open(scratch_dir, homes.genesis());
    if (!dst) die(dst.message());
    const chain::Genesis& g = homes.genesis();
    const chain::ChainState state = chain::ChainState::from_genesis(g);  // generated chains have no governance
    node::VerifyPool pool(0);
    node::PoolVerifier verifier(pool, default_suite);
    chain::TrustingVerifier trusting;
    const storage::StoreHistory history(**dst);
    struct NoHistory final : chain::History {
        std::optional<chain::PublicKey> submitter_of(const chain::Hash&) const override { return std::nullopt; }
    } no_history;
    chain::ChainTip tip = chain::ChainTip::genesis(g);
    Stages s;
    auto timed = [](double& acc, auto&& f) {
        const auto t0 = Clock::now();
        f();
        acc += seconds_since(t0);
    };
    for (std::uint64_t h = 1; h <= (*src)->height(); ++h) {
        consensus::Value v;
        chain::CommitCertificate cert;
        timed(s.read, [&] {
            v.block = *(*src)->block(h);
            cert = *(*src)->certificate(h);
            v.records.reserve(v.block.record_ids.size());
            for (const auto& id : v.block.record_ids) v.records.push_back((*src)->record(id)->record);
        });
        Bytes wire;
        timed(s.encode, [&] { wire = consensus::encode_certified(v, cert); });
        s.bytes += wire.size();
        std::optional<consensus::CertifiedBlock> got;
        timed(s.decode, [&] { got = consensus::decode_certified(wire); });
        if (!got) die("a block does not decode");
        const consensus::Value& value = *got->value;
        chain::BlockCheck checked;
        timed(s.check, [&] { checked = chain::check_block(state, tip, history, value.block, value.records, trusting); });
        if (!checked.valid()) die("block " + std::to_string(h) + " breaks " + checked.faults.front().describe());
        timed(s.check_no_store, [&] { chain::check_block(state, tip, no_history, value.block, value.records, trusting); });
        timed(s.certificate, [&] {
            if (chain::check_certificate(default_suite, g.chain_id, h, value.hash(default_suite), got->certificate, g.validators))
                die("a certificate does not verify");
        });
        if (h % 10 == 1) {
            std::vector<chain::Hash> ids(value.records.size());
            for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = chain::record_id(default_suite, value.records[i]);
            std::vector<bool> ok;
            timed(s.verify, [&] { ok = verifier.verify(value.records, ids); });
            s.verified += value.records.size();
            if (std::count(ok.begin(), ok.end(), false) > 0) die("a signature does not verify");
        }
        chain::BuiltBlock built;
        timed(s.rebuild, [&] {
            built = chain::build_block(chain::header_basis(state, tip.height + 1), tip.height, tip.hash,
                                       value.block.header.time_ms, tip.ledger, value.block.record_ids,
                                       value.records, value.block.header.proposer);
        });
        timed(s.commit, [&] {
            if (Status st = (*dst)->commit_block(built.block, got->certificate, value.records, built.nodes); !st)
                die(st.message());
        });
        tip = {h, value.hash(default_suite), value.block.header.time_ms, built.frontier};
        s.records += value.records.size();
    }
    return s;
}

struct ModeRun {
    std::string mode;
    double seconds = 0;
    std::uint64_t verified_blocks = 0;  // blocks whose records the observer verified
    Rss start, peak;
};

struct Audit {
    double seconds = 0;
    std::uint64_t records = 0;
    Rss peak;
};

// `jchain audit --home HOME --json`, the binary built beside this one; its memory
// sampled from /proc while it runs.
Audit run_audit(const std::string& home, const std::filesystem::path& scratch) {
    const auto exe = std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "node" / "jchain";
    const std::string out_file = (scratch / "audit.json").string(), err_file = (scratch / "audit.err").string();
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&files, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::string a0 = exe.string(), a1 = "audit", a2 = "--home", a3 = home, a4 = "--json";
    char* args[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), nullptr};
    Audit audit;
    const auto t0 = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, exe.c_str(), &files, nullptr, args, environ) != 0) die("cannot run " + exe.string());
    posix_spawn_file_actions_destroy(&files);
    {
        MemoryWatch watch(std::to_string(pid));
        int status = 0;
        waitpid(pid, &status, 0);
        audit.seconds = seconds_since(t0);
        audit.peak = watch.peak();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("jchain audit failed; see " + err_file);
    }
    std::stringstream out;
    out << std::ifstream(out_file).rdbuf();
    boost::json::error_code ec;
    const auto report = boost::json::parse(out.str(), ec);
    if (ec || !report.is_object() || !report.at("ok").as_bool()) die("the audit did not pass: " + out.str());
    audit.records = report.at("records").to_number<std::uint64_t>();
    return audit;
}

std::vector<std::unique_ptr<node::Node>> start_servers(const SyncHomes& homes, int n) {
    std::vector<std::unique_ptr<node::Node>> servers;
    for (int i = 0; i < n; ++i) {
        auto s = homes.start_server(i);
        if (!s) die(s.message());
        servers.push_back(std::move(*s));
    }
    return servers;
}

// Waits for the observer to reach `height`, printing what both ends see whenever it
// makes no progress for 20 s.
void wait_for_tip(const node::Node& observer, const std::vector<std::unique_ptr<node::Node>>& servers,
                  std::uint64_t height) {
    std::uint64_t last_height = 0;
    auto last_change = Clock::now();
    const bool got = wait_for_height(observer, height, std::chrono::minutes(30), [&] {
        const std::uint64_t h = observer.store().height();
        if (h != last_height) last_height = h, last_change = Clock::now();
        if (seconds_since(last_change) < 20) return;
        last_change = Clock::now();
        const node::SyncStatus ss = observer.sync_status();
        std::printf("  no progress for 20 s: observer at %llu, best peer %llu, catching up %d\n",
                    static_cast<unsigned long long>(ss.height), static_cast<unsigned long long>(ss.best_peer_height),
                    ss.catching_up ? 1 : 0);
        auto show = [](const char* who, const node::Node& n) {
            for (const auto& p : n.peers())
                std::printf("    %s link %s: sent %llu, received %llu, dropped %llu frames; %zu bytes queued\n", who,
                            p.address.c_str(), static_cast<unsigned long long>(p.frames_sent),
                            static_cast<unsigned long long>(p.frames_received),
                            static_cast<unsigned long long>(p.frames_dropped), p.queued_bytes);
        };
        show("observer", observer);
        for (const auto& s : servers) show("server", *s);
    });
    if (!got) die("the observer did not reach the tip in 30 minutes");
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t records = arg(argc, argv, "--records", 1'000'000);
    const std::uint64_t block = arg(argc, argv, "--block", 4'000);
    const int peers = static_cast<int>(arg(argc, argv, "--peers", 1));
    const std::uint64_t recent_percent = arg(argc, argv, "--recent-percent", 10);
    const std::string mode_list = text_arg(argc, argv, "--modes", "none,recent,all");
    if (records < 1 || block < 1 || peers < 1 || recent_percent > 100) die("bad arguments");
    spdlog::set_level(arg(argc, argv, "--verbose", 0) ? spdlog::level::info : spdlog::level::warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    MemoryWatch memory;

    std::printf("measuring one core's secp256k1 verifications/s ...\n");
    const double verify_rate = verifications_per_second(default_suite);
    const double two_cores = 2 * verify_rate;
    std::printf("  %.0f verifications/s on one core; 2 cores: %.0f\n", verify_rate, two_cores);

    // Block times: the last block now, spaced so that recent_percent of the blocks are
    // within the observer's sync.recent_ms of its clock when it starts (minutes later;
    // the spacing is far longer, so the count holds; it is printed per run).
    const std::uint64_t blocks = (records + block - 1) / block;
    const std::uint64_t recent_ms = 24ull * 3600 * 1000;
    const std::uint64_t recent_blocks = std::max<std::uint64_t>(1, blocks * recent_percent / 100);
    ChainSpec spec;
    spec.records = records;
    spec.block_records = block;
    spec.block_interval_ms = recent_ms / recent_blocks;
    spec.first_block_time_ms = node::now_ms() - (blocks - 1) * spec.block_interval_ms;
    auto made = SyncHomes::create(peers, 3, spec.first_block_time_ms - spec.block_interval_ms);
    if (!made) die(made.message());
    SyncHomes& homes = **made;

    std::printf("building %llu records in %llu blocks of %llu into %d server home(s) ...\n",
                static_cast<unsigned long long>(records), static_cast<unsigned long long>(blocks),
                static_cast<unsigned long long>(block), peers);
    memory.reset();
    auto built = homes.build(spec);
    if (!built) die(built.message());
    const Rss build_peak = memory.peak();
    std::printf("  %.1f s: %.0f records/s (signing on 2 threads; %.1f s on the committing thread); peak RSS %s\n",
                built->seconds, built->records_per_s(), built->commit_seconds, rss_text(build_peak).c_str());

    Stages st;
    if (arg(argc, argv, "--replay", 1)) {
        std::printf("serial replay of the sync path, block by block, into a scratch store ...\n");
        memory.reset();
        const std::string scratch = (homes.dir() / "scratch").string();
        st = replay(homes, scratch);
        std::error_code ec;
        std::filesystem::remove_all(scratch, ec);
        const double n = static_cast<double>(st.records);
        auto per = [&](double secs) { return secs > 0 ? n / secs : 0.0; };
        std::printf("  records/s of each stage alone: server: read %.0f, encode %.0f | observer: decode %.0f, "
                    "check without signatures %.0f (%.0f without its store reads), certificate %.0f, rebuild %.0f, "
                    "commit %.0f\n",
                    per(st.read), per(st.encode), per(st.decode), per(st.check), per(st.check_no_store),
                    per(st.certificate), per(st.rebuild), per(st.commit));
        std::printf("  one thread, all stages in a row: server %.0f records/s, observer for \"none\" %.0f records/s\n",
                    per(st.read + st.encode),
                    per(st.decode + st.check + st.certificate + st.rebuild + st.commit));
        std::printf("  the node's VerifyPool: %.0f verifications/s; %.1f MB of blocks on the wire; peak RSS %s\n",
                    st.verify > 0 ? static_cast<double>(st.verified) / st.verify : 0.0,
                    static_cast<double>(st.bytes) / 1e6, rss_text(memory.peak()).c_str());
    }
    const double commit_rate = st.commit > 0 ? static_cast<double>(st.records) / st.commit : 0;

    std::vector<ModeRun> runs;
    int observer_index = 0;
    for (const char* m : {"none", "recent", "all"}) {
        if (mode_list.find(m) == std::string::npos) continue;
        ModeRun run{m};
        memory.reset();
        run.start = memory.start();
        auto servers = start_servers(homes, peers);
        std::vector<std::uint16_t> ports;
        for (const auto& s : servers) ports.push_back(s->p2p_port());
        const node::TipInfo tip = servers[0]->tip();
        if (tip.height != built->height || tip.block_hash != built->tip_hash) die("a server does not hold the chain");
        const std::uint64_t at = node::now_ms();
        for (std::uint64_t h = 1; h <= blocks; ++h)
            if (run.mode == "all" || (run.mode == "recent" && block_time_of(spec, h) + recent_ms >= at))
                ++run.verified_blocks;
        std::printf("sync, verify_records = \"%s\" (%llu of %llu blocks verified), pid %d ...\n", run.mode.c_str(),
                    static_cast<unsigned long long>(run.verified_blocks), static_cast<unsigned long long>(blocks),
                    static_cast<int>(getpid()));
        const auto t0 = Clock::now();
        auto observer = homes.start_observer(observer_index, run.mode, recent_ms, ports);
        if (!observer) die(observer.message());
        wait_for_tip(**observer, servers, tip.height);
        run.seconds = seconds_since(t0);
        run.peak = memory.peak();
        for (int i = 0; i < 1000 && (*observer)->tip().height < tip.height; ++i)  // the tip follows the store
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const node::TipInfo got = (*observer)->tip();
        if (got.block_hash != tip.block_hash || got.ledger_root != tip.ledger_root) die("the observer's tip differs");
        // Frames on the observer's links: blocks and status from the servers, requests and
        // status to them. Many more received than blocks: blocks sent more than once.
        std::uint64_t received = 0, sent = 0, dropped = 0;
        for (const auto& p : (*observer)->peers()) received += p.frames_received, sent += p.frames_sent;
        for (const auto& s : servers)
            for (const auto& p : s->peers()) dropped += p.frames_dropped;
        std::printf("  %.2f s: %.0f records/s; peak RSS %s, %s before the observer started\n", run.seconds,
                    static_cast<double>(records) / run.seconds, rss_text(run.peak).c_str(),
                    rss_text(run.start).c_str());
        std::printf("  observer's links: %llu frames received for %llu blocks, %llu sent; servers dropped %llu\n",
                    static_cast<unsigned long long>(received), static_cast<unsigned long long>(blocks),
                    static_cast<unsigned long long>(sent), static_cast<unsigned long long>(dropped));
        observer->reset();  // stops it and closes its store
        servers.clear();
        homes.wipe_observer(observer_index++);
        runs.push_back(run);
    }

    Audit audit;
    if (arg(argc, argv, "--audit", 1)) {
        std::printf("jchain audit --home <server> --json ...\n");
        audit = run_audit(homes.server_home(0), homes.dir());
        if (audit.records != records) die("the audit checked " + std::to_string(audit.records) + " records");
        std::printf("  %.2f s: %.0f records/s, CHAIN INTACT; peak RSS %s\n", audit.seconds,
                    static_cast<double>(audit.records) / audit.seconds, rss_text(audit.peak).c_str());
    }

    std::printf("\nchain        %llu records, %llu blocks of %llu, %d serving validator(s)\n",
                static_cast<unsigned long long>(records), static_cast<unsigned long long>(blocks),
                static_cast<unsigned long long>(block), peers);
    std::printf("generation   %.0f records/s; peak RSS %s\n", built->records_per_s(), rss_text(build_peak).c_str());
    std::printf("limits       2 cores x %.0f = %.0f verifications/s", verify_rate, two_cores);
    if (commit_rate > 0) std::printf("; store commit %.0f records/s (blocks of %llu, synced)", commit_rate,
                                     static_cast<unsigned long long>(block));
    std::printf("\n");
    for (const auto& r : runs) {
        const double rate = static_cast<double>(records) / r.seconds;
        std::printf("sync %-7s %.0f records/s", r.mode.c_str(), rate);
        if (r.mode == "all") std::printf(" = %.2f of 2-core verification (target 0.70)", rate / two_cores);
        if (r.mode == "none" && commit_rate > 0) std::printf(" = %.2f of store commit", rate / commit_rate);
        if (r.mode == "none") std::printf(" (target >= 100,000/s)");
        if (r.mode == "recent")
            std::printf(" (%llu/%llu blocks verified)", static_cast<unsigned long long>(r.verified_blocks),
                        static_cast<unsigned long long>(blocks));
        std::printf("; peak RSS %s\n", rss_text(r.peak).c_str());
    }
    if (audit.seconds > 0) {
        const double rate = static_cast<double>(audit.records) / audit.seconds;
        std::printf("audit        %.0f records/s = %.2f of 2-core verification (target 0.80); peak RSS %s\n", rate,
                    rate / two_cores, rss_text(audit.peak).c_str());
    }
    return 0;
}
