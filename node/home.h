// Creating node homes: `jchain init` and `jchain devnet` (README.md, "Two commands"; the files: docs/config.md, docs/genesis.md).
#pragma once

#include <string>

#include "crypto/suite.h"

#include <map>
#include <vector>

#include "base/result.h"
#include "chain/params.h"
#include "node/config.h"

namespace jchain::node {

struct InitOptions {
    std::string home;
    crypto::Suite suite;  // the chain's crypto suite (docs/encoding.md "Suites")
    std::string chain_id = "jchain-local";
    std::string moniker = "node0";
    std::string member_name = "Local Court";  // the node key's member entry in genesis
    std::string member_role = "court";
    std::string rpc_listen = "127.0.0.1:26657";
    std::string p2p_listen = "127.0.0.1:26656";
    bool demo_member = false;  // also write config/demo_member_key.json, a court member
    // Observer nodes genesis lists ("NAME=PUBLIC_KEY_HEX" each): nodes that follow the
    // chain without voting; their keys may open links (docs/genesis.md "nodes").
    std::vector<std::string> observer_nodes;
    // Witnesses genesis declares, as C2SP verifier keys (docs/checkpoints.md).
    std::vector<std::string> witnesses;
    chain::ChainParams params;  // genesis chain parameters
};

// Sets `params` from "NAME=VALUE" (--param on init, devnet and testnet); an error names
// the parameter and its allowed range.
Status apply_param(chain::ChainParams& params, const std::string& assignment);

// Writes HOME/config/{node.toml,genesis.json,node_key.json} (and the demo member key),
// with a genesis naming this node the only validator. Refuses a home that has a config.
Status init_home(const InitOptions& options);

bool home_exists(const std::string& home);

struct TestnetOptions {
    std::string out;  // DIR: homes DIR/node0 ... and DIR/demo_member_key.json
    crypto::Suite suite;
    std::string chain_id = "jchain-testnet";
    int validators = 4;
    int observers = 0;
    std::uint16_t base_port = 26600;  // node i: P2P base + 2i, RPC base + 2i + 1
    chain::ChainParams params;        // genesis chain parameters
    std::vector<std::string> witnesses;  // C2SP verifier keys genesis declares
};

struct TestnetNode {
    std::string home;
    std::string role;
    std::string rpc_url;
    std::string p2p_listen;
};

// Writes a local network on loopback: one genesis naming the validators (each with a
// court member key of its own), the observers' node keys under "nodes", and a demo court
// member key; every node lists every other as a peer. Refuses an existing DIR/node0.
Result<std::vector<TestnetNode>> init_testnet(const TestnetOptions& options);

}  // namespace jchain::node
