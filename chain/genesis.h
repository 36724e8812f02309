// Genesis: the chain's founding document (HOME/config/genesis.json, docs/genesis.md).
//
// It names the chain, its validators, its observer nodes, its members with their roles,
// which roles may write which record kind, and the chain parameters (chain/params.h). Its
// hash (the suite's hash of genesis_bytes) is the prev_hash of block 1, so every block
// commits to it.
//
// Node keys and member keys are disjoint: a node key (a validator's or an observer's)
// opens P2P links and never signs records; a member key signs records and never opens a
// link (docs/p2p.md "Who may connect").
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "chain/block.h"
#include "chain/params.h"
#include "chain/witness.h"

namespace jchain::chain {

// Roles of the contract: court, procuratorate, police, notary, auditor.
bool is_known_role(std::string_view role);

struct Member {
    std::string name;
    PublicKey key;
    std::string role;
    std::uint64_t since_height = 0;  // 0: from genesis
};

// A node that follows the chain without voting: its key may open P2P links, it signs
// no records and is no member.
struct ObserverNode {
    std::string name;
    PublicKey key;
};

struct Genesis {
    std::string chain_id;
    std::uint64_t genesis_time_ms = 0;
    ValidatorSet validators;
    std::vector<ObserverNode> nodes;                   // observers; sorted by key, keys unique
    std::vector<Member> members;                       // sorted by key, keys unique
    // Outside witnesses whose cosignatures anchor receipts (docs/checkpoints.md): sorted
    // by key, keys and names unique; params.witness_quorum of them make a checkpoint
    // witnessed. Empty: receipts rest on the validators' signatures only.
    std::vector<Witness> witnesses;
    std::map<Kind, std::set<std::string>> policy;      // kind -> roles that may write it
    ChainParams params;                                // limits that decide block validity
    crypto::Suite suite;                               // every hash and signature (crypto/suite.h)

    const Member* find_member(const PublicKey& key) const;
    const ObserverNode* find_node(const PublicKey& key) const;  // an observer, not a validator
};

// The contract's default kind/role policy. Governance is written by validators, not
// by a role, so it maps to no role here.
std::map<Kind, std::set<std::string>> default_policy();

Bytes genesis_bytes(const Genesis& genesis);

// The parts of genesis_bytes the chain state's bytes share (docs/encoding.md): members
// (key, name, role, since_height each), observer nodes (key, name each), the policy in
// kind order, the parameters by name.
template <class Members>
void write_members(ByteWriter& w, const Members& members) {
    w.u32(static_cast<std::uint32_t>(members.size()));
    for (const auto& m : members) {
        w.fixed(m.key.bytes);
        w.str(m.name);
        w.str(m.role);
        w.u64(m.since_height);
    }
}
template <class Nodes>
void write_nodes(ByteWriter& w, const Nodes& nodes) {
    w.u32(static_cast<std::uint32_t>(nodes.size()));
    for (const auto& n : nodes) {
        w.fixed(n.key.bytes);
        w.str(n.name);
    }
}
// Witnesses: count, then each one's 32-byte Ed25519 key and name.
template <class Witnesses>
void write_witnesses(ByteWriter& w, const Witnesses& witnesses) {
    w.u32(static_cast<std::uint32_t>(witnesses.size()));
    for (const auto& x : witnesses) {
        w.fixed(x.key.bytes);
        w.str(x.name);
    }
}
void write_policy_and_params(ByteWriter& w, const std::map<Kind, std::set<std::string>>& policy,
                             const ChainParams& params);
Hash genesis_hash(const Genesis& genesis);
// Sorts `witnesses` by key; nullopt when keys and names are unique, there are at most
// limits::witnesses_ceiling and `quorum` is at most their number (1 when there are none).
std::optional<std::string> check_witnesses(std::vector<Witness>& witnesses, std::uint64_t quorum);

// JSON form (docs/genesis.md). Parsing checks every field (a field of the wrong type or
// an unknown parameter is an error, never a silent default), checks the parameters
// (check_params), sorts members, nodes and validators, and refuses a key listed twice or
// used both as a node key and a member key; an error names the offending field.
boost::json::value genesis_to_json(const Genesis& genesis);
// The JSON of the policy (kind -> [roles]) and of the parameters, as genesis writes them.
boost::json::value policy_to_json(const std::map<Kind, std::set<std::string>>& policy);
boost::json::value params_to_json(const ChainParams& params);
Result<Genesis> genesis_from_json(const boost::json::value& json);
Result<Genesis> read_genesis_file(const std::string& path);

}  // namespace jchain::chain
