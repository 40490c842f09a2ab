#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace flytebox {

// The one error type inside Flytebox. Edges convert it: gRPC status codes in the API,
// HTTP statuses in the REST gateway, exit codes in the CLI. Codes follow gRPC's meaning so
// that the API edge is a table lookup; there is deliberately no "unknown".
enum class Code {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kAborted,
  kDeadlineExceeded,
  kUnavailable,
  kUnimplemented,
  kInternal,
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) { return {Code::kPermissionDenied, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {Code::kResourceExhausted, std::move(msg)};
  }
  static Status Aborted(std::string msg) { return {Code::kAborted, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) { return {Code::kDeadlineExceeded, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {Code::kUnimplemented, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NOT_FOUND: no task named x" — for logs and CLI output.
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; the code is kept.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace flytebox

#define FB_CONCAT_INNER_(a, b) a##b
#define FB_CONCAT_(a, b) FB_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (a Status) is not ok.
#define FB_RETURN_IF_ERROR(expr) FB_RETURN_IF_ERROR_IMPL_(FB_CONCAT_(fb_status_, __LINE__), expr)
#define FB_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                      \
    ::flytebox::Status tmp = (expr);        \
    if (!tmp.ok()) return tmp;              \
  } while (false)
