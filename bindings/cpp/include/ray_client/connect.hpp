// ray_client/connect.hpp: ray_client::ConnectOptions, everything Client::connect and
// Client::init can be told (address, namespace, runtime env, timeouts, reconnection,
// keepalive, TLS, token authentication, where task output goes, the job's logging), and
// LogCallback.
// Apache-2.0.
//
// Ownership: a ConnectOptions owns one builder handle and frees it in its destructor; a
// log callback set on it is shared with (kept alive by) every client connected with it.
// Move-only; a moved-from ConnectOptions holds none and Client::connect throws Error
// (null_argument) for it rather than connecting with defaults.
// Thread-safety: the builder is locked, so setters may run on any thread, but not while
// a connect uses the same options. A LogCallback runs on the library's I/O thread.
#ifndef RAY_CLIENT_CONNECT_HPP
#define RAY_CLIENT_CONNECT_HPP

#include <ray_client/detail.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace ray_client {

/// Receives task and actor output (level: RAY_CLIENT_LOG_STDOUT, _STDERR or a Python
/// logging level). Runs on the library's I/O thread; exceptions it throws are dropped.
using LogCallback = std::function<void(int level, const std::string &msg)>;

/// Everything Client::connect can be told. Setters chain.
class ConnectOptions
    : public detail::Handle<ray_client_connect_options, ray_client_connect_options_free> {
 public:
  /// Options for `address` (empty: RAY_ADDRESS at connect time).
  explicit ConnectOptions(const std::string &address = "") {
    detail::check(ray_client_connect_options_new(address.c_str(), &raw_));
  }
  ConnectOptions(ConnectOptions &&) noexcept = default;
  ConnectOptions &operator=(ConnectOptions &&) noexcept = default;

  ConnectOptions &namespace_(const std::optional<std::string> &ns) {
    return set(ray_client_connect_options_set_namespace(raw_, detail::c_str_or_null(ns)));
  }
  ConnectOptions &runtime_env_json(const std::optional<std::string> &json) {
    return set(ray_client_connect_options_set_runtime_env_json(raw_, detail::c_str_or_null(json)));
  }
  /// How long connecting keeps trying (default 30 s); zero or negative throws INVALID_ARGUMENT.
  ConnectOptions &connect_timeout(std::chrono::milliseconds t) {
    auto ms = static_cast<uint64_t>(std::max<int64_t>(0, t.count()));  // negative: 0, refused
    return set(ray_client_connect_options_set_connect_timeout_ms(raw_, ms));
  }
  ConnectOptions &reconnect_grace_period(std::chrono::seconds s) {
    return set(ray_client_connect_options_set_reconnect_grace_period_s(raw_, static_cast<uint64_t>(s.count())));
  }
  /// HTTP/2 keepalive ping interval (default 30 s) and how long a ping may go unanswered
  /// before the connection counts as broken (default 20 s). Both must be positive
  /// (a zero or negative duration throws INVALID_ARGUMENT, as the C function reports).
  ConnectOptions &keepalive(std::chrono::milliseconds interval, std::chrono::milliseconds timeout) {
    // Negative counts go to C as 0 (refused there), not as huge unsigned numbers.
    auto ms = [](std::chrono::milliseconds d) { return static_cast<uint64_t>(std::max<int64_t>(0, d.count())); };
    return set(ray_client_connect_options_set_keepalive_ms(raw_, ms(interval), ms(timeout)));
  }
  ConnectOptions &ignore_version_mismatch(bool ignore) {
    return set(ray_client_connect_options_set_ignore_version_mismatch(raw_, ignore ? 1 : 0));
  }
  /// TLS on (true) or off (false) whatever RAY_USE_TLS says; nullopt: from the environment.
  ConnectOptions &tls(std::optional<bool> enabled) {
    return set(ray_client_connect_options_set_tls(raw_, enabled ? (*enabled ? 1 : 0) : -1));
  }
  /// PEM file of the CA that signed the server's certificate (default RAY_TLS_CA_CERT).
  ConnectOptions &tls_ca_cert(const std::optional<std::string> &path) {
    return set(ray_client_connect_options_set_tls_ca_cert(raw_, detail::c_str_or_null(path)));
  }
  /// This client's certificate and key, PEM files (default RAY_TLS_SERVER_CERT / _KEY).
  ConnectOptions &tls_client_cert(const std::string &cert_path, const std::string &key_path) {
    return set(ray_client_connect_options_set_tls_client_cert(raw_, cert_path.c_str(), key_path.c_str()));
  }
  /// The name the server's certificate must carry, if not the address's host.
  ConnectOptions &tls_server_name(const std::optional<std::string> &name) {
    return set(ray_client_connect_options_set_tls_server_name(raw_, detail::c_str_or_null(name)));
  }
  /// Token for a cluster with RAY_AUTH_MODE=token (default RAY_AUTH_TOKEN,
  /// RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token). A missing or wrong token makes connect
  /// throw an Error with code RAY_CLIENT_ERROR_AUTHENTICATION_FAILED, kind
  /// "authentication_failed".
  ConnectOptions &auth_token(const std::optional<std::string> &token) {
    return set(ray_client_connect_options_set_auth_token(raw_, detail::c_str_or_null(token)));
  }
  /// Adds one entry to the job's metadata (Python's JobConfig(metadata=...)), shown with
  /// the job by the dashboard (Dashboard::list_jobs).
  ConnectOptions &job_metadata(const std::string &key, const std::string &value) {
    return set(ray_client_connect_options_add_job_metadata(raw_, key.c_str(), value.c_str()));
  }
  /// Actors this client creates outlive it unless created otherwise (Python's
  /// JobConfig(default_actor_lifetime="detached")).
  ConnectOptions &detached_actors(bool detached = true) {
    return set(ray_client_connect_options_set_detached_actors(raw_, detached ? 1 : 0));
  }
  /// The logging configuration of the job's tasks and actors: Python's dict form of
  /// ray.init(logging_config=...) as JSON, {"encoding": "TEXT"|"JSON", "log_level":
  /// "INFO", "additional_log_standard_attrs": ["name", ...]}, checked here (a bad one
  /// throws INVALID_ARGUMENT). nullopt clears it. Ray 2.30 and later.
  ConnectOptions &logging_config_json(const std::optional<std::string> &json) {
    return set(ray_client_connect_options_set_logging_config_json(raw_, detail::c_str_or_null(json)));
  }
  /// The level of the ray logger of this client's server (ray.init(logging_level=...)
  /// there): a level name in any case or its number; nullopt: Ray's default (INFO).
  ConnectOptions &logging_level(const std::optional<std::string> &level) {
    return set(ray_client_connect_options_set_logging_level(raw_, detail::c_str_or_null(level)));
  }
  /// Whether the cluster sends the job's task and actor output here at all
  /// (ray.init(log_to_driver=...), default true); logs(RAY_CLIENT_LOGS_OFF) instead
  /// drops it on arrival.
  ConnectOptions &log_to_driver(bool on) {
    return set(ray_client_connect_options_set_log_to_driver(raw_, on ? 1 : 0));
  }
  /// Adds a header (gRPC metadata, Python's _metadata) sent with every call: what an
  /// ingress or an authentication proxy in front of the client port needs. Checked at
  /// connect (names: letters, digits, -_., not the protocol's own, grpc-* or -bin;
  /// values: printable ASCII). An "authorization" header stands in for the token.
  ConnectOptions &header(const std::string &name, const std::string &value) {
    return set(ray_client_connect_options_add_header(raw_, name.c_str(), value.c_str()));
  }
  /// RAY_CLIENT_LOGS_STDERR or RAY_CLIENT_LOGS_OFF.
  ConnectOptions &logs(int mode) {
    log_.reset();
    return set(ray_client_connect_options_set_logs(raw_, mode));
  }
  /// Hands task output to `cb` (kept alive by every client connected with these options).
  ConnectOptions &log_callback(LogCallback cb) {
    auto holder = std::make_shared<LogCallback>(std::move(cb));
    detail::check(ray_client_connect_options_set_log_callback(raw_, &ConnectOptions::on_log, holder.get()));
    log_ = std::move(holder);
    return *this;
  }

  const std::shared_ptr<LogCallback> &log_holder() const noexcept { return log_; }

 private:
  static void on_log(void *user, int level, const char *msg) noexcept {
    try {
      auto *cb = static_cast<LogCallback *>(user);
      if (cb && *cb) (*cb)(level, msg ? msg : "");
    } catch (...) {
    }
  }
  ConnectOptions &set(ray_client_status rc) {
    detail::check(rc);
    return *this;
  }
  std::shared_ptr<LogCallback> log_;
};

namespace detail {

/// The handle of `options` for a connect: a moved-from ConnectOptions must not silently
/// mean "defaults".
inline const ray_client_connect_options *connect_raw(const ConnectOptions &options) {
  return unmoved_raw(options, "connect options");
}

}  // namespace detail
}  // namespace ray_client

#endif  // RAY_CLIENT_CONNECT_HPP
