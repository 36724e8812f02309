#include "base/json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <set>
#include <string>
#include <vector>

namespace jchain {

namespace {

namespace json = boost::json;

// A basic_parser handler that keeps only the member names of each open object, to find a
// name used twice. The value itself is built by json::parse afterwards.
struct DuplicateFinder {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    std::vector<std::set<std::string>> objects;  // names seen in each open object
    std::string key;                              // the name being read
    std::string duplicate;                        // the first name seen twice

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t, json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        objects.emplace_back();
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) {
        objects.pop_back();
        return true;
    }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        key.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
        key.append(s.data(), s.size());
        if (!objects.back().insert(key).second) {
            duplicate = key;
            ec = json::error::syntax;  // stops the parser; the caller names the duplicate
            return false;
        }
        key.clear();
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
    bool on_double(double, json::string_view, json::error_code&) { return true; }
    bool on_bool(bool, json::error_code&) { return true; }
    bool on_null(json::error_code&) { return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

Result<json::value> parse_json(std::string_view text) {
    json::error_code ec;
    json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec) return Status::error(ec.message());
    json::basic_parser<DuplicateFinder> finder{json::parse_options{}};
    finder.write_some(false, text.data(), text.size(), ec);
    if (!finder.handler().duplicate.empty())
        return Status::error("the member name \"" + finder.handler().duplicate + "\" appears twice in one object");
    if (ec) return Status::error(ec.message());
    return value;
}

}  // namespace jchain
