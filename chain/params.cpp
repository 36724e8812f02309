#include "chain/params.h"

#include "chain/params_table.h"

namespace jchain::chain {

const std::vector<ParamField>& param_fields() {
    // Sorted by name: this order is the genesis encoding's (docs/encoding.md).
    static const std::vector<ParamField> fields = {
        {"block_bytes_max", &ChainParams::block_bytes_max, 1024,
         limits::block_record_bytes_ceiling},
        {"block_records_max", &ChainParams::block_records_max, 1, limits::block_records_ceiling},
        {"block_time_drift_ms", &ChainParams::block_time_drift_ms, 10, 24ull * 3600 * 1000},
        {"client_time_window_ms", &ChainParams::client_time_window_ms, 1000, 30ull * 24 * 3600 * 1000},
        {"record_bytes_max", &ChainParams::record_bytes_max, 256, limits::record_signed_bytes_ceiling},
        {"timeout_precommit_delta_ms", &ChainParams::timeout_precommit_delta_ms, 0, 600'000},
        {"timeout_precommit_ms", &ChainParams::timeout_precommit_ms, 1, 600'000},
        {"timeout_prevote_delta_ms", &ChainParams::timeout_prevote_delta_ms, 0, 600'000},
        {"timeout_prevote_ms", &ChainParams::timeout_prevote_ms, 1, 600'000},
        {"timeout_propose_delta_ms", &ChainParams::timeout_propose_delta_ms, 0, 600'000},
        {"timeout_propose_ms", &ChainParams::timeout_propose_ms, 1, 600'000},
        {"witness_quorum", &ChainParams::witness_quorum, 1, limits::witnesses_ceiling},
    };
    return fields;
}

std::optional<std::string> check_params(const ChainParams& p) {
    for (const auto& f : param_fields()) {
        const std::uint64_t v = p.*(f.field);
        if (v < f.min || v > f.max)
            return "params." + std::string(f.name) + " is " + std::to_string(v) + "; it must be " +
                   std::to_string(f.min) + ".." + std::to_string(f.max);
    }
    // A record of the largest allowed size must fit a block, or it could never commit.
    const std::uint64_t largest_record_wire =
        limits::length_prefix_bytes + p.record_bytes_max + limits::signature_bytes;
    if (p.block_bytes_max < largest_record_wire)
        return "params.block_bytes_max is " + std::to_string(p.block_bytes_max) +
               "; it must be at least one record of params.record_bytes_max on the wire (" +
               std::to_string(largest_record_wire) + " bytes)";
    return std::nullopt;
}

}  // namespace jchain::chain
