// The chain parameters by name, for genesis JSON, the genesis encoding and (later)
// governance's set-param. One row per field of ChainParams with its allowed range.
#pragma once

#include <string_view>
#include <vector>

#include "chain/params.h"

namespace jchain::chain {

struct ParamField {
    std::string_view name;
    std::uint64_t ChainParams::*field;
    std::uint64_t min, max;
};

// Every parameter, sorted by name.
const std::vector<ParamField>& param_fields();

}  // namespace jchain::chain
