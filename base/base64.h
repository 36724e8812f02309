// Standard base64 (RFC 4648 section 4, with padding): the encoding of signed notes and
// checkpoints (docs/checkpoints.md). Decoding is strict: padding is required, and any
// other character, a misplaced '=' or non-zero bits after the last byte are refused, so
// a byte string has exactly one text form.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/hex.h"

namespace jchain {

std::string to_base64(ByteSpan bytes);
std::optional<Bytes> from_base64(std::string_view text);

}  // namespace jchain
