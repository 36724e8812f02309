// Backup files: a chain's certified blocks with their records in one file (`jchain
// export`), and a store rebuilt from one (`jchain import`) with every block checked by
// the block-validity rule (chain::check_block) and its commit certificate before it is
// committed. The format, byte for byte, and the exit codes: docs/backup.md.
//
// Both directions stream: export holds one block at a time, import a bounded window of
// blocks (ImportOptions), so memory does not grow with the chain. A file found bad part
// way through leaves the store holding every valid block before the bad one; each of
// those was checked on its own, so they are valid whatever follows.
//
// Not thread-safe: one export or import at a time per store (its commits must be
// serialised anyway). Environment failures (a stream or the store) are Status errors;
// a file that is not what it claims is an ImportProblem, a value saying why.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "chain/validity.h"
#include "consensus/codec.h"
#include "storage/block_store.h"

namespace jchain::node {

// The file's first bytes and format version (docs/backup.md).
inline constexpr std::array<std::uint8_t, 8> backup_magic = {'J', 'C', 'H', 'A', 'I', 'N', 'B', 'K'};
inline constexpr std::uint32_t backup_format_version = 1;

// Where export reads certified blocks: a store (store_block_source), or the caller's own
// source, e.g. a running node's RPC.
class CertifiedBlockSource {
public:
    virtual ~CertifiedBlockSource() = default;
    // Height of the last block the source holds; 0 before the first.
    virtual Result<std::uint64_t> height() = 0;
    // Block `height`, its commit certificate and its records in the block's order.
    virtual Result<consensus::CertifiedBlock> load(std::uint64_t height) = 0;
};

// Reads a store; the store must outlive the source.
std::unique_ptr<CertifiedBlockSource> store_block_source(const storage::BlockStore& store);

struct ExportOptions {
    std::uint64_t from_height = 1;
    std::uint64_t to_height = 0;  // 0: the source's tip when the export starts
    // Called after each block is written (height, last height of the export).
    std::function<void(std::uint64_t, std::uint64_t)> progress;
};

struct ExportSummary {
    std::string chain_id;
    chain::Hash genesis_hash{};
    std::uint64_t from_height = 1;
    std::uint64_t to_height = 0;
    std::uint64_t blocks = 0;
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;       // the whole file
    chain::Hash checksum{};        // the trailer's SHA-256
};

// Writes blocks from_height..to_height of `source` to `out` as a backup of the chain of
// `genesis`. Checks only that each block comes with its certificate and exactly the
// records it lists (`jchain audit` and import check the rest). An error (the source or
// the stream failed, or the range is beyond the source's tip) leaves `out` without a
// trailer, which import refuses.
Result<ExportSummary> export_chain(CertifiedBlockSource& source, const chain::Genesis& genesis, std::ostream& out,
                                   const ExportOptions& options = {});

// Why an import stopped before the end of its file.
enum class ImportFault : std::uint8_t {
    header,       // not a backup file, an unsupported version, or another chain's or genesis's
    not_prefix,   // the store holds another block at a height the file covers, or the file starts past its tip + 1
    malformed,    // a frame that does not decode, or bytes after the trailer
    truncated,    // the file ends before its trailer does
    block,        // a block breaks the block-validity rule
    certificate,  // a block's certificate does not make it final under the genesis validators
    checksum,     // the trailer's block count or SHA-256 does not match the file
};
std::string_view fault_name(ImportFault fault);

struct ImportProblem {
    ImportFault fault;
    std::optional<std::uint64_t> height;  // the block at fault, when there is one
    std::string message;                  // one line, e.g. "block 17 breaks rule signature: ..."
};

struct ImportSummary {
    std::string chain_id;              // from the file's header (empty when the header is unreadable)
    chain::Hash genesis_hash{};
    std::uint64_t first_height = 0;    // the file's first block
    std::uint64_t blocks_read = 0;     // blocks read from the file and checked or matched
    std::uint64_t already_held = 0;    // of those, blocks the store held already (same hash)
    std::uint64_t imported = 0;        // blocks checked and committed
    std::uint64_t records_imported = 0;
    // The store after the import.
    std::uint64_t height = 0;
    chain::Hash last_block_hash{};     // the genesis hash at height 0
    std::uint64_t ledger_size = 0;
    chain::Hash ledger_root{};
    std::optional<ImportProblem> problem;  // nullopt: every block imported and the trailer matches
};

// Bounds of the read-ahead window: record signatures of a window are verified in one
// batch (on every core with a PoolVerifier) before its blocks are checked in order.
inline constexpr std::size_t import_window_blocks_max = 1'024;
inline constexpr std::size_t import_window_records_max = 8'192;
inline constexpr std::size_t import_window_bytes_max = 32u << 20;

struct ImportOptions {
    std::size_t window_blocks_max = import_window_blocks_max;
    std::size_t window_records_max = import_window_records_max;
    std::size_t window_bytes_max = import_window_bytes_max;  // a window holds at least one block
    // Called after each block is committed or matched (height, file bytes read so far).
    std::function<void(std::uint64_t, std::uint64_t)> progress;
};

// Reads a backup of the chain of `genesis` from `in` into `store` (opened for that
// genesis). The store must be empty or hold a prefix of the file's chain; blocks it holds
// are matched by hash, and each later block is checked with chain::check_block (record
// signatures through `verifier`, every one of them) and chain::check_certificate against
// the genesis validators, then committed. Stops at the first problem with every valid
// block before it committed. The trailer is checked last, after the blocks before it
// were committed. An error is an environment failure (reading `in`, the store).
Result<ImportSummary> import_chain(storage::BlockStore& store, const chain::Genesis& genesis, std::istream& in,
                                   chain::RecordVerifier& verifier, const ImportOptions& options = {});

}  // namespace jchain::node
