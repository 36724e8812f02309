#include "node/config.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "base/address.h"
#include "chain/checkpoint.h"
#include "chain/limits.h"
#include "chain/params_table.h"
#include "node/read_access.h"
#include "report/certificate.h"

namespace jchain::node {

namespace {

// Reads table.key into `out` when present; refuses a value of the wrong type.
template <class T>
Status read(const toml::table& table, std::string_view key, T& out, const std::string& where) {
    const toml::node* n = table.get(key);
    if (!n) return Status::ok();
    if constexpr (std::is_same_v<T, std::string>) {
        auto v = n->value<std::string>();
        if (!v) return Status::error(where + key.data() + " must be a string");
        out = *v;
    } else {
        // value_exact: a TOML integer only. value<int64_t>() would also take a float,
        // converting it without a range check (undefined for 2e28; fuzz_node_config).
        auto v = n->value_exact<std::int64_t>();
        if (!v || *v < 0) return Status::error(where + std::string(key) + " must be a non-negative integer");
        out = static_cast<T>(*v);
    }
    return Status::ok();
}

// A TOML string literal of `text`, escaped by toml++ (quotes, backslashes, control
// characters), so any moniker or address reads back as written.
std::string quoted(const std::string& text) {
    std::ostringstream o;
    o << toml::value<std::string>(text);
    return o.str();
}

Status only_keys(const toml::table& table, std::set<std::string_view> allowed, const std::string& where) {
    for (const auto& [key, _] : table) {
        if (allowed.count(key.str())) continue;
        for (const auto& f : chain::param_fields())
            if (f.name == key.str())
                return Status::error(where + std::string(key.str()) + " is a chain parameter: it decides block validity, "
                                     "so it lives in genesis.json params." + std::string(f.name) + ", not in node.toml");
        return Status::error("unknown setting " + where + std::string(key.str()));
    }
    return Status::ok();
}

}  // namespace

Result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& address) {
    auto hp = parse_host_port(address);
    if (!hp) return Status::error("address '" + address + "' is not host:port (IPv6 as [host]:port, port 0..65535)");
    return std::pair{hp->host, hp->port};
}

namespace {

Status parse_error_status(const std::string& path, const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ": " << e.description();
    return Status::error(msg.str());
}

// The settings of a parsed node.toml; `path` names it in errors.
Result<NodeConfig> config_from_table(const toml::table& root, const std::string& path);

}  // namespace

Result<NodeConfig> load_config(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return parse_error_status(path, e);
    }
    return config_from_table(root, path);
}

Result<NodeConfig> parse_config(std::string_view text, const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return parse_error_status(source, e);
    }
    return config_from_table(root, source);
}

namespace {

Result<NodeConfig> config_from_table(const toml::table& root, const std::string& path) {
    NodeConfig c;
    Status s = only_keys(root, {"moniker", "role", "log_level", "rpc", "p2p", "consensus", "mempool", "admission", "sync",
                                "checkpoints", "web"}, "");
    if (s) s = read(root, "moniker", c.moniker, "");
    if (s) s = read(root, "role", c.role, "");
    if (s) s = read(root, "log_level", c.log_level, "");
    if (s && c.role != "validator" && c.role != "observer") s = Status::error("role must be 'validator' or 'observer'");
    if (auto* rpc = root["rpc"].as_table(); s && rpc) {
        s = only_keys(*rpc, {"listen", "threads", "request_bytes_max", "connections_max", "public_methods"}, "rpc.");
        if (s) s = read(*rpc, "listen", c.rpc_listen, "rpc.");
        if (s) s = read(*rpc, "threads", c.rpc_threads, "rpc.");
        if (s) s = read(*rpc, "request_bytes_max", c.rpc_request_bytes_max, "rpc.");
        if (s) s = read(*rpc, "connections_max", c.rpc_connections_max, "rpc.");
        if (s && rpc->contains("public_methods") && !(*rpc)["public_methods"].as_array())
            s = Status::error("rpc.public_methods must be an array of method names");
        if (auto* pm = (*rpc)["public_methods"].as_array(); s && pm)
            for (const auto& m : *pm) {
                auto v = m.value<std::string>();
                std::string keyed;
                for (const auto& k : keyed_methods()) keyed += (keyed.empty() ? "" : ", ") + k;
                if (!v || !is_keyed_method(*v)) {
                    s = Status::error("rpc.public_methods: " + (v ? "'" + *v + "'" : std::string("an entry")) +
                                      " is not a method that needs a signed request (those are " + keyed +
                                      "; every other method is public already)");
                    break;
                }
                if (std::find(c.rpc_public_methods.begin(), c.rpc_public_methods.end(), *v) == c.rpc_public_methods.end())
                    c.rpc_public_methods.push_back(*v);
            }
    }
    if (auto* p2p = root["p2p"].as_table(); s && p2p) {
        s = only_keys(*p2p, {"listen", "peers"}, "p2p.");
        if (s) s = read(*p2p, "listen", c.p2p_listen, "p2p.");
        if (auto* peers = (*p2p)["peers"].as_array(); s && peers)
            for (const auto& peer : *peers) {
                auto v = peer.value<std::string>();
                if (!v) { s = Status::error("p2p.peers must be strings \"host:port\""); break; }
                c.p2p_peers.push_back(*v);
            }
    }
    if (auto* cons = root["consensus"].as_table(); s && cons) {
        s = only_keys(*cons, {"block_records_max", "block_interval_ms", "empty_block_interval_ms"}, "consensus.");
        if (s) s = read(*cons, "block_records_max", c.block.block_records_max, "consensus.");
        if (s) s = read(*cons, "block_interval_ms", c.block.block_interval_ms, "consensus.");
        if (s) s = read(*cons, "empty_block_interval_ms", c.block.empty_block_interval_ms, "consensus.");
        if (s && (c.block.block_records_max == 0 || c.block.block_records_max > chain::limits::block_records_ceiling))
            s = Status::error("consensus.block_records_max must be 1.." +
                              std::to_string(chain::limits::block_records_ceiling) +
                              " (a proposer's own cap; the chain's limit is genesis params.block_records_max)");
    }
    if (auto* mp = root["mempool"].as_table(); s && mp) {
        s = only_keys(*mp, {"records_max"}, "mempool.");
        if (s) s = read(*mp, "records_max", c.mempool_records_max, "mempool.");
    }
    if (auto* adm = root["admission"].as_table(); s && adm) {
        if (adm->contains("client_time_window_ms"))
            s = Status::error("admission.client_time_window_ms has moved to genesis.json params.client_time_window_ms: "
                              "it decides whether a block is valid, so every node must use the same value; "
                              "delete it from node.toml");
        if (s) s = only_keys(*adm, {"verify_threads"}, "admission.");
        if (s) s = read(*adm, "verify_threads", c.verify_threads, "admission.");
    }
    if (auto* sync = root["sync"].as_table(); s && sync) {
        s = only_keys(*sync, {"verify_records", "recent_ms"}, "sync.");
        if (s) s = read(*sync, "verify_records", c.sync_verify_records, "sync.");
        if (s) s = read(*sync, "recent_ms", c.sync_recent_ms, "sync.");
        if (s && c.sync_verify_records != "all" && c.sync_verify_records != "recent" && c.sync_verify_records != "none")
            s = Status::error("sync.verify_records must be \"all\", \"recent\" or \"none\"");
    }
    if (auto* cp = root["checkpoints"].as_table(); s && cp) {
        s = only_keys(*cp, {"witnesses"}, "checkpoints.");
        if (s && cp->contains("witnesses") && !(*cp)["witnesses"].as_array())
            s = Status::error("checkpoints.witnesses must be an array of strings (C2SP verifier keys)");
        if (auto* ws = (*cp)["witnesses"].as_array(); s && ws)
            for (const auto& w : *ws) {
                auto v = w.value<std::string>();
                if (!v) { s = Status::error("checkpoints.witnesses must be strings (C2SP verifier keys)"); break; }
                if (auto parsed = chain::parse_witness_vkey(*v); !parsed) {
                    s = Status::error("checkpoints.witnesses: " + parsed.message());
                    break;
                }
                c.checkpoint_witnesses.push_back(*v);
            }
    }
    if (auto* web = root["web"].as_table(); s && web) {
        s = only_keys(*web, {"verify_url"}, "web.");
        if (s) s = read(*web, "verify_url", c.web_verify_url, "web.");
        if (s && web->contains("verify_url"))
            if (Status t = report::check_verify_url_template(c.web_verify_url); !t)
                s = Status::error("web.verify_url: " + t.message());
    }
    if (s) {
        if (auto a = split_host_port(c.rpc_listen); !a) s = Status::error("rpc.listen: " + a.message());
    }
    if (s) {
        if (auto a = split_host_port(c.p2p_listen); !a) s = Status::error("p2p.listen: " + a.message());
    }
    for (std::size_t i = 0; s && i < c.p2p_peers.size(); ++i)
        if (auto a = split_host_port(c.p2p_peers[i]); !a || a->second == 0)
            s = Status::error("p2p.peers[" + std::to_string(i) + "]: " +
                              (a ? "port 0 cannot be dialled ('" + c.p2p_peers[i] + "')" : a.message()));
    if (!s) return Status::error(path + ": " + s.message());
    return c;
}

}  // namespace

std::string verify_url_template(const NodeConfig& config, std::uint16_t rpc_port) {
    if (!config.web_verify_url.empty()) return config.web_verify_url;
    auto hp = split_host_port(config.rpc_listen);  // checked when the config was read
    std::string host = hp ? hp->first : "127.0.0.1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
    return "http://" + host + ":" + std::to_string(rpc_port) + "/#record=" +
           std::string(report::record_id_placeholder);
}

std::string config_to_toml(const NodeConfig& c) {
    std::ostringstream o;
    std::string peers;
    for (const auto& p : c.p2p_peers) peers += (peers.empty() ? "" : ", ") + quoted(p);
    std::string public_methods;
    for (const auto& m : c.rpc_public_methods) public_methods += (public_methods.empty() ? "" : ", ") + quoted(m);
    std::string witnesses;
    for (const auto& w : c.checkpoint_witnesses) witnesses += (witnesses.empty() ? "" : ", ") + quoted(w);
    o << "# JChain node configuration (docs/config.md).\n"
      << "moniker = " << quoted(c.moniker) << "\n"
      << "# validator: votes on blocks (its node key must be in genesis); observer: follows and serves queries\n"
      << "role = " << quoted(c.role) << "\n"
      << "# trace, debug, info, warn, error\n"
      << "log_level = " << quoted(c.log_level) << "\n\n"
      << "[rpc]\n"
      << "listen = " << quoted(c.rpc_listen) << "\n"
      << "threads = " << c.rpc_threads << "\n"
      << "request_bytes_max = " << c.rpc_request_bytes_max << "\n"
      << "connections_max = " << c.rpc_connections_max << "\n"
      << "# methods that list records (get_block, get_record) served to\n"
      << "# anyone; empty: only to requests signed by a member, auditor, validator or node in\n"
      << "# force (docs/rpc.md, \"Who may read what\")\n"
      << "public_methods = [" << public_methods << "]\n\n"
      << "[p2p]\n"
      << "listen = " << quoted(c.p2p_listen) << "\n"
      << "peers = [" << peers << "]\n\n"
      << "[consensus]\n"
      << "# a block goes out when it is full or when its oldest record has waited block_interval_ms\n"
      << "block_records_max = " << c.block.block_records_max << "\n"
      << "block_interval_ms = " << c.block.block_interval_ms << "\n"
      << "# 0: no empty blocks\n"
      << "empty_block_interval_ms = " << c.block.empty_block_interval_ms << "\n\n"
      << "[mempool]\n"
      << "records_max = " << c.mempool_records_max << "\n\n"
      << "[admission]\n"
      << "# signature verification threads; 0: one per core. (The client-time window is a\n"
      << "# chain parameter: genesis.json params.client_time_window_ms.)\n"
      << "verify_threads = " << c.verify_threads << "\n\n"
      << "[sync]\n"
      << "# record signatures a node catching up verifies: \"all\" (trusts only genesis),\n"
      << "# \"recent\" (blocks newer than recent_ms; older ones on their commit certificates),\n"
      << "# \"none\" (certificates only). Certificates and every other rule are always checked.\n"
      << "verify_records = " << quoted(c.sync_verify_records) << "\n"
      << "recent_ms = " << c.sync_recent_ms << "\n\n"
      << "[checkpoints]\n"
      << "# witnesses whose cosignatures this node keeps, as C2SP verifier keys\n"
      << "# \"name+keyid+base64key\" (`jchain witness keygen` prints one; docs/checkpoints.md)\n"
      << "witnesses = [" << witnesses << "]\n\n"
      << "[web]\n"
      << "# the page a deposit certificate's QR code opens, an http(s) URL with {record_id};\n"
      << "# unset: this node's own page, http://RPC-LISTEN/#record={record_id}\n"
      << (c.web_verify_url.empty() ? "# verify_url = \"https://court.example/jchain/#record={record_id}\"\n"
                                   : "verify_url = " + quoted(c.web_verify_url) + "\n");
    return o.str();
}

}  // namespace jchain::node
