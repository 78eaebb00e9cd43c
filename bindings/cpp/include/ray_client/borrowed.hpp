// ray_client/borrowed.hpp: values over the caller's memory, put and passed to calls
// without a copy (the Value::bytes_view / ndarray_view family declared in
// ray_client/value.hpp, which includes this header). Apache-2.0.
//
// The library reads such a buffer in place until it calls the release function, exactly
// once: after the Value, its copies and every value holding it are gone and any put or
// call reading it has sent its data. That may happen on the library's I/O thread, so a
// release function must be quick, must not block and must not call this library; if it
// throws, the exception is dropped. A constructor that throws never calls `release`.
#ifndef RAY_CLIENT_BORROWED_HPP
#define RAY_CLIENT_BORROWED_HPP

#include <ray_client/value.hpp>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace ray_client {

namespace detail {

/// The C release callback: runs and frees the std::function it was given.
inline void run_release(void *user) noexcept {
  std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()> *>(user));
  try {
    if (fn && *fn) (*fn)();
  } catch (...) {
  }
}

/// Calls `make(release_fn, user, out)` with `release` boxed for the library; the box is
/// the library's once the call succeeded, and is freed here (without running) otherwise.
template <class Make>
ray_client_value *borrow(std::function<void()> release, Make &&make) {
  std::unique_ptr<std::function<void()>> box;
  if (release) box = std::make_unique<std::function<void()>>(std::move(release));
  ray_client_value *out = nullptr;
  check(make(box ? &run_release : nullptr, static_cast<void *>(box.get()), &out));
  box.release();  // the library calls run_release with it, once
  return out;
}

}  // namespace detail

inline Value Value::bytes_view(const void *data, size_t len, std::function<void()> release) {
  return Value(detail::borrow(std::move(release), [&](ray_client_release_fn fn, void *user, ray_client_value **out) {
    return ray_client_value_bytes_borrowed(static_cast<const uint8_t *>(data), len, fn, user, out);
  }));
}

inline Value Value::bytes(std::shared_ptr<const std::vector<uint8_t>> b) {
  if (!b) throw Error(RAY_CLIENT_ERROR_NULL_ARGUMENT, "null_argument", "no buffer to share");
  const uint8_t *data = b->data();
  size_t len = b->size();
  // The release function holds the reference; dropping it (when the library is done, or
  // when construction fails) may free the vector.
  return bytes_view(data, len, [keep = std::move(b)]() mutable { keep.reset(); });
}

inline Value Value::bytes(std::vector<uint8_t> &&b) {
  return bytes(std::shared_ptr<const std::vector<uint8_t>>(std::make_shared<std::vector<uint8_t>>(std::move(b))));
}

inline Value Value::ndarray_view(DType dtype, const std::vector<size_t> &shape, const void *data,
                                 size_t nbytes, std::function<void()> release, bool fortran_order) {
  return Value(detail::borrow(std::move(release), [&](ray_client_release_fn fn, void *user, ray_client_value **out) {
    return ray_client_value_ndarray_borrowed(static_cast<int>(dtype), shape.data(), shape.size(), data, nbytes,
                                             fortran_order ? 1 : 0, fn, user, out);
  }));
}

template <class T>
inline Value Value::ndarray(std::vector<T> &&data, const std::vector<size_t> &shape, bool fortran_order) {
  auto keep = std::make_shared<std::vector<T>>(std::move(data));
  const void *p = keep->data();
  size_t nbytes = keep->size() * sizeof(T);
  return ndarray_view(DTypeOf<T>::value, shape, p, nbytes, [keep = std::move(keep)]() mutable { keep.reset(); },
                      fortran_order);
}

}  // namespace ray_client

#endif  // RAY_CLIENT_BORROWED_HPP
