// NodeConfig: HOME/config/node.toml (docs/config.md; example in config/node.toml).
// Every field has a default; unknown keys are refused so a typo is not silently ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "consensus/solo.h"

namespace jchain::node {

struct NodeConfig {
    std::string moniker = "node";
    std::string role = "validator";  // or "observer"
    std::string log_level = "info";  // trace, debug, info, warn, error

    std::string rpc_listen = "127.0.0.1:26657";
    std::size_t rpc_threads = 2;
    std::size_t rpc_request_bytes_max = 1 << 20;
    std::size_t rpc_connections_max = 1024;
    // Methods that list records or cases (node/read_access.h: get_block, get_record,
    // case_history) this node serves to anyone, unsigned. Default none: members,
    // auditors, validators and nodes sign their requests (docs/rpc.md).
    std::vector<std::string> rpc_public_methods;

    std::string p2p_listen = "127.0.0.1:26656";
    std::vector<std::string> p2p_peers;

    consensus::BlockPolicy block;

    std::size_t mempool_records_max = 200'000;
    std::size_t verify_threads = 0;  // 0: one per core

    // Block sync: which record signatures a node catching up verifies itself. Every
    // synced block's commit certificate is always checked, and so is every other rule
    // of chain/validity.h. "all": every record signature (trusts nothing but genesis);
    // "recent": only records of blocks whose time is within sync_recent_ms of this
    // node's clock (older history is taken on the certificates of more than 2/3 of the
    // validators); "none": no record signature (the fastest; `jchain audit` can check
    // them later). A local trust choice: it never changes which blocks are valid.
    std::string sync_verify_records = "all";
    std::uint64_t sync_recent_ms = 24ull * 3600 * 1000;

    // Outside witnesses whose cosignatures on checkpoints this node keeps and serves, as
    // C2SP verifier keys "name+keyid+base64key" (docs/checkpoints.md). Others are ignored.
    std::vector<std::string> checkpoint_witnesses;

    // The page a certificate's QR code opens (docs/certificate.md): an http(s) URL with
    // {record_id}. Empty: this node's own page, verify_url_template() below.
    std::string web_verify_url;
};

// web_verify_url, or when unset http://HOST:PORT/#record={record_id} with rpc_listen's
// host and the port the RPC server is bound to (rpc_listen's may be 0).
std::string verify_url_template(const NodeConfig& config, std::uint16_t rpc_port);

Result<NodeConfig> load_config(const std::string& path);
// The same from node.toml text; `source` names it in errors, as the path does above.
Result<NodeConfig> parse_config(std::string_view text, const std::string& source = "node.toml");
// The TOML text of a config, with comments, as `jchain init` writes it.
std::string config_to_toml(const NodeConfig& config);

// "host:port" -> parts; an error names the bad address.
Result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& address);

// Paths inside a node home.
struct HomePaths {
    std::string home;
    std::string config_dir() const { return home + "/config"; }
    std::string config_file() const { return config_dir() + "/node.toml"; }
    std::string genesis_file() const { return config_dir() + "/genesis.json"; }
    std::string node_key_file() const { return config_dir() + "/node_key.json"; }
    // The organisation's member key, made by init/testnet beside the node key so a local
    // chain works at once; a court keeps it off the node (docs/governance.md, "Keys").
    std::string member_key_file() const { return config_dir() + "/member_key.json"; }
    std::string demo_member_key_file() const { return config_dir() + "/demo_member_key.json"; }
    std::string data_dir() const { return home + "/data"; }
};

}  // namespace jchain::node
