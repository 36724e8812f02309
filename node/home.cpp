#include "node/home.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "chain/genesis.h"
#include "chain/params_table.h"
#include "chain/json_codec.h"
#include "crypto/keys.h"
#include "node/node.h"

namespace jchain::node {

namespace {

Status write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Status::error("cannot write " + path);
    return Status::ok();
}

}  // namespace

// The witnesses of --witness VKEY (init, testnet); genesis_from_json checks the list.
static Status add_witnesses(chain::Genesis& g, const std::vector<std::string>& vkeys) {
    for (const auto& vkey : vkeys) {
        auto w = chain::parse_witness_vkey(vkey);
        if (!w) return Status::error("--witness: " + w.message());
        g.witnesses.push_back(std::move(*w));
    }
    return Status::ok();
}

Status apply_param(chain::ChainParams& params, const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos) return Status::error("--param wants NAME=VALUE, not '" + assignment + "'");
    const std::string name = assignment.substr(0, eq), text = assignment.substr(eq + 1);
    for (const auto& f : chain::param_fields()) {
        if (f.name != name) continue;
        std::uint64_t v = 0;
        if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
            return Status::error("--param " + name + " wants a non-negative integer");
        v = std::stoull(text);
        if (v < f.min || v > f.max)
            return Status::error("--param " + name + " must be " + std::to_string(f.min) + ".." + std::to_string(f.max));
        params.*(f.field) = v;
        return Status::ok();
    }
    std::string names;
    for (const auto& f : chain::param_fields()) names += (names.empty() ? "" : ", ") + std::string(f.name);
    return Status::error("--param: no chain parameter '" + name + "' (there are: " + names + ")");
}

bool home_exists(const std::string& home) { return std::filesystem::exists(HomePaths{home}.config_file()); }

Status init_home(const InitOptions& o) {
    HomePaths paths{o.home};
    if (home_exists(o.home)) return Status::error(paths.config_file() + " exists; refusing to overwrite a node home");
    if (!chain::is_known_role(o.member_role)) return Status::error("unknown role '" + o.member_role + "'");
    std::error_code ec;
    std::filesystem::create_directories(paths.config_dir(), ec);
    if (ec) return Status::error("cannot create " + paths.config_dir() + ": " + ec.message());
    std::filesystem::create_directories(paths.data_dir(), ec);
    if (ec) return Status::error("cannot create " + paths.data_dir() + ": " + ec.message());

    const crypto::KeyPair node_key = o.suite.generate_key();
    if (auto s = o.suite.write_key_file(paths.node_key_file(), node_key); !s) return s;

    if (auto problem = chain::check_params(o.params)) return Status::error(*problem);
    chain::Genesis g;
    g.chain_id = o.chain_id;
    g.genesis_time_ms = now_ms();
    g.params = o.params;
    g.suite = o.suite;
    // The node key votes; records are signed by a member key of their own, so a stolen
    // node key cannot sign court records (and a member key never sits in consensus).
    const crypto::KeyPair member_key = o.suite.generate_key();
    if (auto s = o.suite.write_key_file(paths.member_key_file(), member_key); !s) return s;
    g.validators.validators.push_back({o.moniker, node_key.public_key, 1});
    g.members.push_back({o.member_name, member_key.public_key, o.member_role, 0});
    if (o.demo_member) {
        const crypto::KeyPair demo = o.suite.generate_key();
        if (auto s = o.suite.write_key_file(paths.demo_member_key_file(), demo); !s) return s;
        g.members.push_back({"Demo People's Court", demo.public_key, "court", 0});
    }
    for (const auto& entry : o.observer_nodes) {
        const auto eq = entry.rfind('=');
        auto bytes = eq == std::string::npos ? std::nullopt : from_hex_fixed<33>(entry.substr(eq + 1));
        auto key = bytes ? o.suite.parse_public_key(*bytes) : std::nullopt;
        if (!key || eq == 0)
            return Status::error("--observer-node wants NAME=PUBLIC_KEY (66 hex digits, a " +
                                 std::string(o.suite.key_type()) + " key), not '" + entry + "'");
        g.nodes.push_back({entry.substr(0, eq), *key});
    }
    if (auto s = add_witnesses(g, o.witnesses); !s) return s;
    g.policy = chain::default_policy();
    // Round-trip through the parser so the file is exactly what nodes will read.
    auto parsed = chain::genesis_from_json(chain::genesis_to_json(g));
    if (!parsed) return parsed.status();
    if (auto s = write_text(paths.genesis_file(), chain::pretty_json(chain::genesis_to_json(*parsed))); !s)
        return s;

    NodeConfig config;
    config.moniker = o.moniker;
    config.rpc_listen = o.rpc_listen;
    config.p2p_listen = o.p2p_listen;
    return write_text(paths.config_file(), config_to_toml(config));
}

Result<std::vector<TestnetNode>> init_testnet(const TestnetOptions& o) {
    if (o.validators < 1 || o.validators > 100 || o.observers < 0 || o.observers > 100)
        return Status::error("--validators must be 1..100 and --observers 0..100");
    const int n = o.validators + o.observers;
    if (o.base_port == 0 || o.base_port + 2 * n > 65535) return Status::error("--base-port leaves no room for the nodes");
    std::vector<TestnetNode> nodes;
    std::vector<crypto::KeyPair> keys, member_keys;
    if (auto problem = chain::check_params(o.params)) return Status::error(*problem);
    chain::Genesis g;
    g.chain_id = o.chain_id;
    g.genesis_time_ms = now_ms();
    g.params = o.params;
    g.suite = o.suite;
    for (int i = 0; i < n; ++i) {
        const bool validator = i < o.validators;
        const std::string home = o.out + "/node" + std::to_string(i);
        if (home_exists(home)) return Status::error(HomePaths{home}.config_file() + " exists; refusing to overwrite");
        nodes.push_back({home, validator ? "validator" : "observer",
                         "http://127.0.0.1:" + std::to_string(o.base_port + 2 * i + 1) + "/rpc",
                         "127.0.0.1:" + std::to_string(o.base_port + 2 * i)});
        keys.push_back(o.suite.generate_key());
        if (validator) {
            // A validator node votes with its node key; its court signs with a member key.
            const std::string name = "Validator Court " + std::to_string(i);
            member_keys.push_back(o.suite.generate_key());
            g.validators.validators.push_back({name, keys.back().public_key, 1});
            g.members.push_back({name, member_keys.back().public_key, "court", 0});
        } else {
            // An observer is a node, not a member: genesis lists its node key under
            // "nodes", so peers accept its links, and it can sign no record.
            member_keys.push_back({});
            g.nodes.push_back({"Observer " + std::to_string(i), keys.back().public_key});
        }
    }
    const crypto::KeyPair demo = o.suite.generate_key();
    g.members.push_back({"Demo People's Court", demo.public_key, "court", 0});
    if (auto s = add_witnesses(g, o.witnesses); !s) return s;
    g.policy = chain::default_policy();
    auto parsed = chain::genesis_from_json(chain::genesis_to_json(g));  // sorts, checks
    if (!parsed) return parsed.status();
    const std::string genesis_text = chain::pretty_json(chain::genesis_to_json(*parsed));

    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec) return Status::error("cannot create " + o.out + ": " + ec.message());
    if (auto s = o.suite.write_key_file(o.out + "/demo_member_key.json", demo); !s) return s;
    for (int i = 0; i < n; ++i) {
        HomePaths paths{nodes[i].home};
        for (const auto& dir : {paths.config_dir(), paths.data_dir()}) {
            std::filesystem::create_directories(dir, ec);
            if (ec) return Status::error("cannot create " + dir + ": " + ec.message());
        }
        if (auto s = o.suite.write_key_file(paths.node_key_file(), keys[i]); !s) return s;
        if (i < o.validators)
            if (auto s = o.suite.write_key_file(paths.member_key_file(), member_keys[i]); !s) return s;
        if (auto s = write_text(paths.genesis_file(), genesis_text); !s) return s;
        NodeConfig config;
        config.moniker = "node" + std::to_string(i);
        config.role = nodes[i].role;
        config.rpc_listen = "127.0.0.1:" + std::to_string(o.base_port + 2 * i + 1);
        config.p2p_listen = nodes[i].p2p_listen;
        for (int j = 0; j < n; ++j)
            if (j != i) config.p2p_peers.push_back(nodes[j].p2p_listen);
        if (auto s = write_text(paths.config_file(), config_to_toml(config)); !s) return s;
    }
    return nodes;
}

}  // namespace jchain::node
