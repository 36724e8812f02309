#include "base/json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace jchain {

namespace {

namespace json = boost::json;

// Finds a member name used twice in one object, as the parser reads the names. The names
// of the open objects sit in one arena (each object's after its parent's), so an object
// of a few members costs no allocation once the arena has grown: its names are compared
// one by one. An object past `scan_max` members gets a hash set, so a body of many
// thousands of names costs linear time, not quadratic.
class DuplicateNames {
public:
    void begin_object() { objects_.push_back({names_.size(), arena_.size(), nullptr}); }
    void end_object() {
        names_.resize(objects_.back().first_name);
        arena_.resize(objects_.back().arena_begin);
        objects_.pop_back();
    }
    void key_part(std::string_view s) { key_.append(s); }
    // False when the complete name `s` (after any parts) was already used in the open object.
    bool key(std::string_view s) {
        std::string_view name = s;
        if (!key_.empty()) {
            key_.append(s);
            name = key_;
        }
        Object& o = objects_.back();
        const std::size_t count = names_.size() - o.first_name;
        bool seen = false;
        if (o.set) {
            seen = !o.set->insert(std::string(name)).second;
        } else {
            for (std::size_t i = o.first_name; i < names_.size() && !seen; ++i) seen = view(names_[i]) == name;
            if (!seen && count + 1 > scan_max) {
                o.set = std::make_unique<std::unordered_set<std::string>>();
                for (std::size_t i = o.first_name; i < names_.size(); ++i) o.set->emplace(view(names_[i]));
                o.set->emplace(name);
            }
        }
        if (seen) {
            duplicate_ = std::string(name);
        } else if (!o.set) {
            names_.push_back({arena_.size(), name.size()});
            arena_.append(name);
        }
        key_.clear();
        return !seen;
    }
    const std::string& duplicate() const { return duplicate_; }

private:
    static constexpr std::size_t scan_max = 16;
    struct Name {
        std::size_t offset, size;
    };
    struct Object {
        std::size_t first_name;   // its names are names_[first_name..]
        std::size_t arena_begin;  // and their text arena_[arena_begin..]
        std::unique_ptr<std::unordered_set<std::string>> set;  // past scan_max names
    };
    std::string_view view(const Name& n) const { return std::string_view(arena_).substr(n.offset, n.size); }

    std::vector<Object> objects_;
    std::vector<Name> names_;
    std::string arena_;
    std::string key_;  // a name arriving in parts
    std::string duplicate_;
};

// A basic_parser handler that builds the value (as Boost.JSON's own parser does, on a
// value_stack) and refuses a repeated member name as it reads it: one pass over the text.
struct StrictBuilder {
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    json::value_stack st;
    DuplicateNames names;

    StrictBuilder(json::storage_ptr sp, unsigned char* buffer, std::size_t size) : st(std::move(sp), buffer, size) {}

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t n, json::error_code&) {
        st.push_array(n);
        return true;
    }
    bool on_object_begin(json::error_code&) {
        names.begin_object();
        return true;
    }
    bool on_object_end(std::size_t n, json::error_code&) {
        names.end_object();
        st.push_object(n);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        st.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        st.push_string(s);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        names.key_part(std::string_view(s.data(), s.size()));
        st.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
        if (!names.key(std::string_view(s.data(), s.size()))) {
            ec = json::error::syntax;  // stops the parser; parse_json names the duplicate
            return false;
        }
        st.push_key(s);
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        st.push_uint64(u);
        return true;
    }
    bool on_double(double d, json::string_view, json::error_code&) {
        st.push_double(d);
        return true;
    }
    bool on_bool(bool b, json::error_code&) {
        st.push_bool(b);
        return true;
    }
    bool on_null(json::error_code&) {
        st.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

Result<json::value> parse_json(std::string_view text) {
    unsigned char temp[BOOST_JSON_STACK_BUFFER_SIZE];
    json::basic_parser<StrictBuilder> parser{json::parse_options{}, json::storage_ptr(), temp, sizeof temp};
    parser.handler().st.reset(json::storage_ptr());
    json::error_code ec;
    const std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
    if (!parser.handler().names.duplicate().empty())
        return Status::error("the member name \"" + parser.handler().names.duplicate() + "\" appears twice in one object");
    if (!ec && n < text.size()) ec = json::error::extra_data;
    if (ec) return Status::error(ec.message());
    return parser.handler().st.release();
}

}  // namespace jchain
