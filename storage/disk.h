// Whether a directory takes writes again after a failure such as a full disk.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"

namespace jchain::storage {

// Writes `bytes` to a scratch file in `dir`, syncs and removes it. Ok when the disk
// has room for that much and the sync succeeds.
Status check_writable(const std::string& dir, std::size_t bytes);

}  // namespace jchain::storage
