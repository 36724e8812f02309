// Parsing the canonical bytes of docs/encoding.md back into records, headers and votes,
// for what nodes send each other and keep in their consensus log. Pure and bounded:
// every length is checked against the model's limits before anything is allocated, and
// a parse succeeds only when re-encoding gives back exactly the input, so one value has
// one encoding and ids never depend on who encoded it.
#pragma once

#include <optional>

#include "chain/block.h"

namespace jchain::chain {

std::optional<Record> parse_record(ByteSpan signed_bytes, const Signature& signature);
std::optional<BlockHeader> parse_header(ByteSpan header_bytes);
std::optional<Vote> parse_vote(ByteSpan vote_signed_bytes);

}  // namespace jchain::chain
