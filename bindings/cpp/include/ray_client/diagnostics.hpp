// ray_client/diagnostics.hpp: the library's own diagnostics (a broken connection and its
// recovery, retries, version warnings, and on request each connect's steps), process-wide:
// set_diagnostic_handler and reset_diagnostics. Apache-2.0.
//
// Ownership: the library keeps every handler it was given for the rest of the process (a
// replaced handler may still be running on another thread as it is replaced; handlers are
// few, so none is freed). Thread-safety: both functions may be called from any thread. A
// handler runs on the thread where the event happens, often the library's I/O thread: it
// must return quickly and make no blocking calls; exceptions it throws are dropped.
#ifndef RAY_CLIENT_DIAGNOSTICS_HPP
#define RAY_CLIENT_DIAGNOSTICS_HPP

#include <ray_client/detail.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {

/// How much a diagnostic matters; a handler set to a level gets that level and the more
/// important ones (Off: none).
enum class DiagnosticLevel : int {
  Off = RAY_CLIENT_DIAGNOSTIC_OFF,
  Error = RAY_CLIENT_DIAGNOSTIC_ERROR,
  Warn = RAY_CLIENT_DIAGNOSTIC_WARN,
  Info = RAY_CLIENT_DIAGNOSTIC_INFO,
  Debug = RAY_CLIENT_DIAGNOSTIC_DEBUG,
  Trace = RAY_CLIENT_DIAGNOSTIC_TRACE,
};

/// One diagnostic: its level, its target ("ray_client::connection", "ray_client::connect",
/// "ray_client::version", "ray_client::runtime_env") and its message (never a token or a
/// header's value).
struct Diagnostic {
  DiagnosticLevel level;
  std::string target;
  std::string message;
};

using DiagnosticHandler = std::function<void(const Diagnostic &)>;

namespace detail {

inline void on_diagnostic(void *user, int level, const char *target, const char *message) noexcept {
  try {
    auto *h = static_cast<DiagnosticHandler *>(user);
    if (h && *h) (*h)(Diagnostic{static_cast<DiagnosticLevel>(level), target ? target : "", message ? message : ""});
  } catch (...) {
  }
}

/// Every handler given so far, kept (see the ownership note above).
inline DiagnosticHandler *keep_handler(DiagnosticHandler h) {
  static std::mutex mu;
  static std::vector<std::unique_ptr<DiagnosticHandler>> kept;
  std::lock_guard<std::mutex> g(mu);
  kept.push_back(std::make_unique<DiagnosticHandler>(std::move(h)));
  return kept.back().get();
}

}  // namespace detail

/// Hands the library's diagnostics at `max_level` and more important to `handler`, for the
/// whole process, from now on. The default is stderr at RAY_CLIENT_LOG (warnings).
inline void set_diagnostic_handler(DiagnosticHandler handler, DiagnosticLevel max_level = DiagnosticLevel::Warn) {
  DiagnosticHandler *kept = detail::keep_handler(std::move(handler));
  detail::check(ray_client_diagnostics_set(&detail::on_diagnostic, kept, static_cast<int>(max_level)));
}

/// Diagnostics back to this process's stderr, at `max_level` and more important.
inline void reset_diagnostics(DiagnosticLevel max_level = DiagnosticLevel::Warn) {
  detail::check(ray_client_diagnostics_set(nullptr, nullptr, static_cast<int>(max_level)));
}

}  // namespace ray_client

#endif  // RAY_CLIENT_DIAGNOSTICS_HPP
