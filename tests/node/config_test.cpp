#include <doctest/doctest.h>

#include <fstream>

#include "chain/checkpoint.h"
#include "node/config.h"
#include "tests/support/test_chain.h"

using namespace jchain;

namespace {

Result<node::NodeConfig> load(const std::string& toml) {
    static test::TempDir dir;
    const std::string path = dir / "node.toml";
    std::ofstream(path) << toml;
    return node::load_config(path);
}

}  // namespace

TEST_CASE("a node.toml setting that moved to genesis is refused with where it went") {
    auto moved = load("[admission]\nclient_time_window_ms = 600000\n");
    REQUIRE_FALSE(moved);
    CHECK(moved.message().find("genesis.json params.client_time_window_ms") != std::string::npos);

    // Any chain parameter, in any table, is pointed to genesis.
    for (const char* toml : {"[consensus]\ntimeout_propose_ms = 3000\n", "[mempool]\nrecord_bytes_max = 100\n",
                             "block_time_drift_ms = 10\n"}) {
        auto r = load(toml);
        REQUIRE_FALSE(r);
        CHECK_MESSAGE(r.message().find("chain parameter") != std::string::npos, r.message());
        CHECK(r.message().find("genesis.json params.") != std::string::npos);
    }
    auto typo = load("[consensus]\nblock_record_max = 10\n");
    REQUIRE_FALSE(typo);
    CHECK(typo.message().find("unknown setting consensus.block_record_max") != std::string::npos);
}

TEST_CASE("sync.verify_records takes all, recent or none, and nothing else") {
    auto defaults = load("");
    REQUIRE(defaults);
    CHECK(defaults->sync_verify_records == "all");
    for (const char* mode : {"all", "recent", "none"}) {
        auto r = load(std::string("[sync]\nverify_records = \"") + mode + "\"\nrecent_ms = 1000\n");
        REQUIRE(r);
        CHECK(r->sync_verify_records == mode);
        CHECK(r->sync_recent_ms == 1000);
    }
    auto bad = load("[sync]\nverify_records = \"some\"\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.message().find("sync.verify_records") != std::string::npos);
}

TEST_CASE("a proposer's own block cap may not exceed the codec's ceiling") {
    CHECK(load("[consensus]\nblock_records_max = 10000\n"));
    auto over = load("[consensus]\nblock_records_max = 10001\n");
    REQUIRE_FALSE(over);
    CHECK(over.message().find("consensus.block_records_max") != std::string::npos);
}

TEST_CASE("the node.toml jchain init writes loads back to the same settings") {
    node::NodeConfig c;
    c.sync_verify_records = "recent";
    auto back = load(node::config_to_toml(c));
    REQUIRE_MESSAGE(back.is_ok(), (back ? std::string() : back.message()));
    CHECK(back->sync_verify_records == "recent");
    CHECK(back->block.block_records_max == c.block.block_records_max);
}

TEST_CASE("strings with quotes, backslashes, newlines and Chinese survive the node.toml jchain init writes") {
    node::NodeConfig c;
    c.moniker = "北京互联网法院 \"node\" \\ line\nbreak\ttab";
    c.p2p_peers = {"127.0.0.1:1", "[::1]:2"};
    auto back = load(node::config_to_toml(c));
    REQUIRE_MESSAGE(back.is_ok(), (back ? std::string() : back.message()));
    CHECK(back->moniker == c.moniker);
    CHECK(back->p2p_peers == c.p2p_peers);
}

TEST_CASE("parse_config reads node.toml text as load_config reads the file, errors named by the source") {
    const std::string text = "moniker = \"n1\"\n[p2p]\npeers = [\"127.0.0.1:26656\"]\n";
    auto parsed = node::parse_config(text, "node.toml");
    auto loaded = load(text);
    REQUIRE(parsed);
    REQUIRE(loaded);
    CHECK(node::config_to_toml(*parsed) == node::config_to_toml(*loaded));
    auto bad = node::parse_config("role = \"king\"\n", "/home/x/node.toml");
    REQUIRE_FALSE(bad);
    CHECK(bad.message().find("/home/x/node.toml: role must be") == 0);
    auto broken = node::parse_config("[rpc\n", "/home/x/node.toml");
    REQUIRE_FALSE(broken);
    CHECK(broken.message().find("/home/x/node.toml:1: ") == 0);
}

TEST_CASE("an integer setting written as a float is refused, however large") {
    // fuzz_node_config: records_max = 20666666666666666666666666600.0 went through
    // toml++'s float-to-int64 conversion, undefined for a value that large.
    for (const char* value : {"20666666666666666666666666600.0", "3.0", "1e3", "inf", "nan"}) {
        auto r = load(std::string("[mempool]\nrecords_max = ") + value + "\n");
        REQUIRE_FALSE_MESSAGE(r, value);
        CHECK(r.message().find("mempool.records_max must be a non-negative integer") != std::string::npos);
    }
    auto ok = load("[mempool]\nrecords_max = 3\n");
    REQUIRE(ok);
    CHECK(ok->mempool_records_max == 3);
}

TEST_CASE("checkpoints.witnesses takes C2SP verifier keys, checked at load, and writes back") {
    const chain::Witness w{"witness.example/court-b", crypto::ed25519_from_seed({{3}}).public_key};
    auto ok = load("[checkpoints]\nwitnesses = [\"" + w.vkey() + "\"]\n");
    REQUIRE_MESSAGE(ok, ok.message());
    CHECK(ok->checkpoint_witnesses == std::vector<std::string>{w.vkey()});
    auto again = node::parse_config(node::config_to_toml(*ok));
    REQUIRE(again);
    CHECK(again->checkpoint_witnesses == ok->checkpoint_witnesses);

    std::string wrong_id = w.vkey();
    wrong_id[wrong_id.find('+') + 1] = wrong_id[wrong_id.find('+') + 1] == 'a' ? 'b' : 'a';
    for (auto [toml, expect] : std::vector<std::pair<std::string, std::string>>{
             {"[checkpoints]\nwitnesses = \"" + w.vkey() + "\"\n", "must be an array"},
             {"[checkpoints]\nwitnesses = [1]\n", "must be strings"},
             {"[checkpoints]\nwitnesses = [\"court-b\"]\n", "name+keyid+base64key"},
             {"[checkpoints]\nwitnesses = [\"" + wrong_id + "\"]\n", "key id"},
             {"[checkpoints]\nwitness = []\n", "unknown setting checkpoints.witness"}}) {
        auto bad = load(toml);
        REQUIRE_FALSE(bad);
        CHECK_MESSAGE(bad.message().find(expect) != std::string::npos, bad.message());
    }
}

TEST_CASE("web.verify_url must be an http(s) URL with {record_id}; unset, it is the node's own page") {
    auto set = load("[web]\nverify_url = \"https://court.example/jchain/#record={record_id}\"\n");
    REQUIRE_MESSAGE(set.is_ok(), (set ? std::string() : set.message()));
    CHECK(node::verify_url_template(*set, 1) == "https://court.example/jchain/#record={record_id}");
    auto back = load(node::config_to_toml(*set));
    REQUIRE(back);
    CHECK(back->web_verify_url == set->web_verify_url);

    for (const char* bad : {"https://court.example/jchain/", "ftp://court.example/{record_id}", "{record_id}", ""}) {
        auto refused = load(std::string("[web]\nverify_url = \"") + bad + "\"\n");
        REQUIRE_FALSE(refused);
        CHECK(refused.message().find("web.verify_url: ") != std::string::npos);
    }
    CHECK(load("[web]\nverify_url = \"https://court.example/jchain/{record_id}\"\nfrobnicate = 1\n").message().find(
              "unknown setting web.frobnicate") != std::string::npos);

    node::NodeConfig c;
    c.rpc_listen = "0.0.0.0:26657";
    CHECK(node::verify_url_template(c, 26657) == "http://0.0.0.0:26657/#record={record_id}");
    c.rpc_listen = "[::1]:0";
    CHECK(node::verify_url_template(c, 40001) == "http://[::1]:40001/#record={record_id}");
    auto defaults = load(node::config_to_toml(node::NodeConfig{}));
    REQUIRE(defaults);
    CHECK(defaults->web_verify_url.empty());
}

TEST_CASE("rpc.public_methods: narrow by default, opens only the methods that list records, round-trips") {
    node::NodeConfig c;
    CHECK(c.rpc_public_methods.empty());
    auto narrow = load(node::config_to_toml(c));
    REQUIRE(narrow);
    CHECK(narrow->rpc_public_methods.empty());
    c.rpc_public_methods = {"get_record", "get_block"};
    auto back = load(node::config_to_toml(c));
    REQUIRE_MESSAGE(back.is_ok(), (back ? std::string() : back.message()));
    CHECK(back->rpc_public_methods == c.rpc_public_methods);
    CHECK_FALSE(node::parse_config("[rpc]\npublic_methods = [\"case_history\"]\n"));  // public already, by tag
    auto always = node::parse_config("[rpc]\npublic_methods = [\"status\"]\n");
    REQUIRE_FALSE(always);
    CHECK(always.message().find("rpc.public_methods: 'status' is not a method that needs a signed request") != std::string::npos);
    CHECK_FALSE(node::parse_config("[rpc]\npublic_methods = \"get_block\"\n"));
    CHECK_FALSE(node::parse_config("[rpc]\npublic_methods = [1]\n"));
}
