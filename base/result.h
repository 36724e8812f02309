// Status and Result<T>: how environment failures (disk, socket, file) travel as values.
//
// Bad input from a client or peer is not an environment failure: it is reported with a
// reason word (chain/reject.h). A broken invariant is a bug and is asserted.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace jchain {

class [[nodiscard]] Status {
public:
    static Status ok() { return Status{}; }
    static Status error(std::string message) { return Status{std::move(message)}; }

    bool is_ok() const { return !message_.has_value(); }
    explicit operator bool() const { return is_ok(); }
    // The reason for the failure; only valid when !is_ok().
    const std::string& message() const { assert(message_); return *message_; }

private:
    Status() = default;
    explicit Status(std::string m) : message_(std::move(m)) {}
    std::optional<std::string> message_;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
    Result(Status error) : error_(std::move(error)) { assert(!error_.is_ok()); }  // NOLINT

    bool is_ok() const { return value_.has_value(); }
    explicit operator bool() const { return is_ok(); }
    const T& value() const& { assert(value_); return *value_; }
    T& value() & { assert(value_); return *value_; }
    T&& value() && { assert(value_); return std::move(*value_); }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }
    Status status() const { return value_ ? Status::ok() : error_; }
    const std::string& message() const { return error_.message(); }

private:
    std::optional<T> value_;
    Status error_ = Status::ok();
};

}  // namespace jchain
