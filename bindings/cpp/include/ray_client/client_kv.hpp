// ray_client/client_kv.hpp: the internal KV store methods of ray_client::Client
// (declared in ray_client/client.hpp): kv_get, kv_put, kv_del, kv_exists, kv_list, each
// in the client's namespace or the one given. Keys and values are bytes, passed as
// std::string_view / std::string. Apache-2.0.
//
// Ownership: values come back as copies (std::string). Thread-safety: as for Client.
#ifndef RAY_CLIENT_CLIENT_KV_HPP
#define RAY_CLIENT_CLIENT_KV_HPP

#include <ray_client/client.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ray_client {

namespace detail {

inline const uint8_t *bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t *>(s.data()); }

}  // namespace detail

inline std::optional<std::string> Client::kv_get(std::string_view key, const std::optional<std::string> &ns) const {
  detail::OwnedBytes b;
  int found = 0;
  detail::check(ray_client_kv_get(raw_, detail::bytes_of(key), key.size(), detail::c_str_or_null(ns), &b.p, &b.n,
                                  &found));
  if (!found) return std::nullopt;
  return std::string(reinterpret_cast<const char *>(b.p), b.n);
}

inline bool Client::kv_put(std::string_view key, std::string_view value, bool overwrite,
                           const std::optional<std::string> &ns) const {
  int existed = 0;
  detail::check(ray_client_kv_put(raw_, detail::bytes_of(key), key.size(), detail::bytes_of(value), value.size(),
                                  overwrite ? 1 : 0, detail::c_str_or_null(ns), &existed));
  return existed != 0;
}

inline size_t Client::kv_del(std::string_view key, bool by_prefix, const std::optional<std::string> &ns) const {
  size_t n = 0;
  detail::check(ray_client_kv_del(raw_, detail::bytes_of(key), key.size(), by_prefix ? 1 : 0,
                                  detail::c_str_or_null(ns), &n));
  return n;
}

inline bool Client::kv_exists(std::string_view key, const std::optional<std::string> &ns) const {
  int e = 0;
  detail::check(ray_client_kv_exists(raw_, detail::bytes_of(key), key.size(), detail::c_str_or_null(ns), &e));
  return e != 0;
}

inline std::vector<std::string> Client::kv_list(std::string_view prefix, const std::optional<std::string> &ns) const {
  ray_client_value *v = nullptr;
  detail::check(ray_client_kv_list(raw_, detail::bytes_of(prefix), prefix.size(), detail::c_str_or_null(ns), &v));
  Value list(v);
  std::vector<std::string> out;
  for (size_t i = 0, n = list.size(); i < n; i++) {
    auto b = list[i].get_bytes();
    out.emplace_back(b.begin(), b.end());
  }
  return out;
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_KV_HPP
