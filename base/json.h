// Parsing JSON from outside (RPC requests and answers, genesis, key files, receipts).
//
// Boost.JSON keeps the last of two members with the same name, so {"kind":"a","kind":"b"}
// would mean different things to different readers of one document. Outside JSON is
// therefore parsed strictly: a duplicate name anywhere is an error naming it.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "base/result.h"

namespace jchain {

// The value of `text`, or an error: not JSON (Boost's message and offset), or an object
// with a repeated member name.
Result<boost::json::value> parse_json(std::string_view text);

}  // namespace jchain
