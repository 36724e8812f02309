// Where audit and export read blocks from: a stopped node's store, or a node's RPC (not
// trusted: an answer that does not fit what was asked is an error, never an index).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/record.h"
#include "cli/common.h"
#include "storage/block_store.h"

namespace jchain::cli {

// A source of blocks for the auditor: the node's store, or a node's RPC.
struct BlockSource {
    std::function<std::uint64_t()> height;
    std::function<bool(std::uint64_t, chain::Block&, chain::CommitCertificate&, std::vector<chain::Record>&)> load;
};

BlockSource store_source(const storage::BlockStore& store);
// get_block and get_record, signed with `signer` when given (docs/rpc.md, "Who may read
// what"); a node that refuses them ends the command with its reason.
BlockSource rpc_source(const std::string& url, const crypto::Suite& suite, std::optional<ReadSigner> signer = std::nullopt);

}  // namespace jchain::cli
