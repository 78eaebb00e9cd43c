// ray_client/error.hpp: ray_client::Error, the exception every failing call of the C++
// binding throws (included by every other header). Apache-2.0.
//
// Ownership and thread-safety: an Error is a plain copyable value holding copies of the
// library's error details; nothing in it refers back to the library.
#ifndef RAY_CLIENT_ERROR_HPP
#define RAY_CLIENT_ERROR_HPP

#include <ray_client.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace ray_client {

/// A failure reported by libray_client.
///
/// - `code()`: the status, a `ray_client_status` (`RAY_CLIENT_ERROR_*`, never
///   `RAY_CLIENT_OK`); `kind()` its stable name: `"task_error"`
///   (the remote code raised), `"task_cancelled"` (`Client::cancel` stopped the task:
///   `RAY_CLIENT_ERROR_TASK_CANCELLED`, not a task error), `"actor_died"`, `"timeout"`,
///   `"invalid_argument"` (also option values Ray refuses, at the setter), ...
/// - `what()` / `message()`: the library's message, as Python prints the exception
///   (`get: KeyError: 'x'`), said once.
/// - For failures on the cluster: `remote_type()` (the exception type the server sent,
///   `ray.exceptions.RayTaskError(KeyError)`), `cause_type()` (the user's exception type,
///   `KeyError`), `remote_message()` (the exception's own text, Python's `str(e)`: `'x'`)
///   and `traceback()`.
class Error : public std::runtime_error {
 public:
  Error(ray_client_status code, std::string kind, const std::string &message,
        std::optional<std::string> remote_type = std::nullopt,
        std::optional<std::string> cause_type = std::nullopt,
        std::optional<std::string> traceback = std::nullopt,
        std::optional<std::string> remote_message = std::nullopt)
      : std::runtime_error(message),
        code_(code),
        kind_(std::move(kind)),
        remote_type_(std::move(remote_type)),
        cause_type_(std::move(cause_type)),
        traceback_(std::move(traceback)),
        remote_message_(std::move(remote_message)) {}

  /// Builds an Error from a C error handle (does not free it).
  static Error from_handle(const ray_client_error *e) {
    auto opt = [](const char *s) -> std::optional<std::string> {
      if (s == nullptr) return std::nullopt;
      return std::string(s);
    };
    const char *kind = ray_client_error_kind(e);
    const char *msg = ray_client_error_message(e);
    return Error(ray_client_error_code(e), kind ? kind : "unknown", msg ? msg : "",
                 opt(ray_client_error_remote_type(e)), opt(ray_client_error_cause_type(e)),
                 opt(ray_client_error_traceback(e)), opt(ray_client_error_remote_message(e)));
  }

  /// Takes ownership of a C error handle, frees it and returns the Error.
  static Error adopt(ray_client_error *e) {
    if (e == nullptr) return Error(RAY_CLIENT_ERROR_INTERNAL, "internal", "missing error");
    struct Free {
      ray_client_error *e;
      ~Free() { ray_client_error_free(e); }
    } guard{e};
    return from_handle(e);
  }

  /// The last failure on this thread (`code` is used when the library has none).
  static Error last(ray_client_status code) {
    ray_client_error *e = nullptr;
    if (ray_client_last_error(&e) == RAY_CLIENT_OK && e != nullptr) return adopt(e);
    return Error(code, "unknown", ray_client_last_error_message());
  }

  ray_client_status code() const noexcept { return code_; }
  const std::string &kind() const noexcept { return kind_; }
  std::string message() const { return what(); }
  const std::optional<std::string> &remote_type() const noexcept { return remote_type_; }
  const std::optional<std::string> &cause_type() const noexcept { return cause_type_; }
  const std::optional<std::string> &traceback() const noexcept { return traceback_; }
  /// The remote exception's own text (Python's `str(e)`; `'x'` for `KeyError('x')`), for
  /// failures on the cluster; nullopt otherwise.
  const std::optional<std::string> &remote_message() const noexcept { return remote_message_; }

 private:
  ray_client_status code_;
  std::string kind_;
  std::optional<std::string> remote_type_, cause_type_, traceback_, remote_message_;
};

}  // namespace ray_client

#endif  // RAY_CLIENT_ERROR_HPP
