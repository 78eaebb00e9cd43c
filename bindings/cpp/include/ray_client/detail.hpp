// ray_client/detail.hpp: the helpers every other header of the C++ binding builds on;
// nothing here is meant for direct use. Apache-2.0.
//
// - detail::check turns a C status into a thrown ray_client::Error.
// - OwnedString / OwnedBytes free what the library hands over when they go out of scope.
// - detail::Handle<Raw, Free> is the base of every owning wrapper (ObjectRef, ActorHandle,
//   PlacementGroup, Value, Options, Args, RemoteFunction, ActorClass, ConnectOptions,
//   Client); CopyableHandle adds copies through the C clone function (ObjectRef, Value).
//
// Ownership: a Handle owns one C handle and frees it in its destructor. It is move-only; a
// moved-from Handle holds none (nullptr), and the C library reports a null handle as
// RAY_CLIENT_ERROR_NULL_ARGUMENT, so using a moved-from wrapper throws Error.
// Thread-safety: a Handle object itself is not synchronised (do not move or assign one
// while another thread uses it); the C handles it holds are thread-safe as
// include/ray_client.h states for each type.
#ifndef RAY_CLIENT_DETAIL_HPP
#define RAY_CLIENT_DETAIL_HPP

#include <ray_client.h>
#include <ray_client/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {
namespace detail {

inline void check(ray_client_status rc) {
  if (rc != RAY_CLIENT_OK) throw Error::last(rc);
}

/// A library-allocated string, freed with ray_client_string_free.
struct OwnedString {
  char *p = nullptr;
  OwnedString() = default;
  OwnedString(const OwnedString &) = delete;
  OwnedString &operator=(const OwnedString &) = delete;
  ~OwnedString() { ray_client_string_free(p); }
  std::string str() const { return p ? std::string(p) : std::string(); }
};

/// A library-allocated byte buffer, freed with ray_client_bytes_free.
struct OwnedBytes {
  uint8_t *p = nullptr;
  size_t n = 0;
  OwnedBytes() = default;
  OwnedBytes(const OwnedBytes &) = delete;
  OwnedBytes &operator=(const OwnedBytes &) = delete;
  ~OwnedBytes() { ray_client_bytes_free(p); }
};

/// Runs `f(char **out)`, a C call that hands over a string, and returns the string.
template <class F>
std::string string_call(F &&f) {
  OwnedString s;
  check(f(&s.p));
  return s.str();
}

inline const char *c_str_or_null(const std::optional<std::string> &s) {
  return s ? s->c_str() : nullptr;
}

inline int64_t to_ms(std::optional<std::chrono::milliseconds> t) {
  return t ? static_cast<int64_t>(t->count()) : -1;
}

/// The handle of wrapper `w` for a C call to which NULL means something else than a
/// moved-from wrapper (no arguments, default options): a moved-from one throws
/// null_argument, "`what` were moved from".
template <class W>
auto unmoved_raw(const W &w, const char *what) -> decltype(w.raw()) {
  if (w.raw() == nullptr)
    throw Error(RAY_CLIENT_ERROR_NULL_ARGUMENT, "null_argument", std::string(what) + " were moved from");
  return w.raw();
}

/// Moves every handle out of a library array of `n` into wrappers of type W and frees
/// the array with `free_array`.
template <class W, class Raw>
std::vector<W> take_all(Raw **items, size_t n, ray_client_status (*free_array)(Raw **)) {
  std::vector<W> out;
  out.reserve(n);
  for (size_t i = 0; i < n; i++) {
    out.emplace_back(items[i]);
    items[i] = nullptr;
  }
  free_array(items);
  return out;
}

/// Base of the owning wrappers: a handle and its free function.
template <class Raw, ray_client_status (*Free)(Raw *)>
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(Raw *raw) noexcept : raw_(raw) {}
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  Handle(Handle &&o) noexcept : raw_(std::exchange(o.raw_, nullptr)) {}
  Handle &operator=(Handle &&o) noexcept {
    if (this != &o) {
      reset();
      raw_ = std::exchange(o.raw_, nullptr);
    }
    return *this;
  }
  ~Handle() { reset(); }

  Raw *raw() const noexcept { return raw_; }
  Raw *release() noexcept { return std::exchange(raw_, nullptr); }
  explicit operator bool() const noexcept { return raw_ != nullptr; }

 protected:
  void reset() noexcept {
    if (raw_ != nullptr) Free(raw_);
    raw_ = nullptr;
  }
  Raw *raw_ = nullptr;
};

/// A Handle whose copies are new handles from the C clone function (ObjectRef, Value).
/// Copying a moved-from one gives another empty one.
template <class Raw, ray_client_status (*Free)(Raw *), ray_client_status (*Clone)(const Raw *, Raw **)>
class CopyableHandle : public Handle<Raw, Free> {
 public:
  using Handle<Raw, Free>::Handle;
  CopyableHandle(const CopyableHandle &o) : Handle<Raw, Free>(o.clone_raw()) {}
  CopyableHandle &operator=(const CopyableHandle &o) {
    if (this != &o) *this = CopyableHandle(o.clone_raw());
    return *this;
  }
  CopyableHandle(CopyableHandle &&) noexcept = default;
  CopyableHandle &operator=(CopyableHandle &&) noexcept = default;

 private:
  Raw *clone_raw() const {
    if (this->raw_ == nullptr) return nullptr;
    Raw *out = nullptr;
    check(Clone(this->raw_, &out));
    return out;
  }
};

}  // namespace detail
}  // namespace ray_client

#endif  // RAY_CLIENT_DETAIL_HPP
