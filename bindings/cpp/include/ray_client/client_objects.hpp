// ray_client/client_objects.hpp: the object methods of ray_client::Client (declared in
// ray_client/client.hpp): put, get (also with a progress callback), get_many, wait, cancel, and get_async,
// get_many_async, wait_async with the callbacks that complete their futures.
// Apache-2.0.
//
// Ownership: put() returns a new ObjectRef; gets return new Values. An *_async call's
// promise belongs to the library until its callback runs, exactly once.
// Thread-safety: as for Client; the callbacks run on the library's I/O thread, never
// throw and only complete the promise (the waiting thread then sees the value or the
// Error as the future's exception).
#ifndef RAY_CLIENT_CLIENT_OBJECTS_HPP
#define RAY_CLIENT_CLIENT_OBJECTS_HPP

#include <ray_client/client.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <utility>
#include <vector>

namespace ray_client {

inline ObjectRef Client::put(const Value &v) const {
  ray_client_object_ref *r = nullptr;
  detail::check(ray_client_object_put(raw_, v.raw(), &r));
  return ObjectRef(r);
}

inline Value Client::get(const ObjectRef &r, Timeout timeout) const {
  ray_client_value *v = nullptr;
  detail::check(ray_client_object_get(raw_, r.raw(), detail::to_ms(timeout), &v));
  return Value(v);
}

namespace detail {

inline void on_progress(void *user, uint64_t done, uint64_t total) noexcept {
  try {
    auto *p = static_cast<const Progress *>(user);
    if (p && *p) (*p)(done, total);
  } catch (...) {
  }
}

}  // namespace detail

inline ObjectRef Client::put(const Value &v, const Progress &progress) const {
  ray_client_object_ref *r = nullptr;
  // The callback only runs until the C call returns, so `progress` outlives it.
  detail::check(ray_client_object_put_with_progress(raw_, v.raw(), &detail::on_progress,
                                                    const_cast<Progress *>(&progress), &r));
  return ObjectRef(r);
}

inline Value Client::get(const ObjectRef &r, Timeout timeout, const Progress &progress) const {
  ray_client_value *v = nullptr;
  detail::check(ray_client_object_get_with_progress(raw_, r.raw(), detail::to_ms(timeout), &detail::on_progress,
                                                    const_cast<Progress *>(&progress), &v));
  return Value(v);
}

inline std::vector<Value> Client::get_many(const std::vector<ObjectRef> &refs, Timeout timeout) const {
  auto raws = detail::raw_refs(refs);
  ray_client_value **vs = nullptr;
  detail::check(ray_client_object_get_many(raw_, raws.data(), raws.size(), detail::to_ms(timeout), &vs));
  return detail::take_values(vs, refs.size());
}

inline WaitResult Client::wait(const std::vector<ObjectRef> &refs, size_t num_returns,
                               Timeout timeout) const {
  auto raws = detail::raw_refs(refs);
  std::vector<uint8_t> ready(refs.size());
  size_t n = 0;
  detail::check(ray_client_object_wait(raw_, raws.data(), raws.size(), num_returns, detail::to_ms(timeout),
                                ready.data(), &n));
  WaitResult w;
  w.ready.assign(ready.begin(), ready.end());
  w.num_ready = n;
  return w;
}

inline void Client::cancel(const ObjectRef &r, bool force, bool recursive) const {
  detail::check(ray_client_object_cancel(raw_, r.raw(), force ? 1 : 0, recursive ? 1 : 0));
}

namespace detail {

// The callbacks run on the I/O thread and never throw.
template <class T>
inline void fail(std::promise<T> &p, ray_client_error *error, ray_client_status status) noexcept {
  try {
    if (error != nullptr) {
      p.set_exception(std::make_exception_ptr(Error::adopt(error)));
    } else {
      p.set_exception(std::make_exception_ptr(Error(status, "unknown", "async operation failed")));
    }
  } catch (...) {
    try {
      p.set_exception(std::current_exception());
    } catch (...) {
    }
  }
}
inline void on_get(void *user, ray_client_status status, ray_client_value *value, ray_client_error *error) noexcept {
  std::unique_ptr<std::promise<Value>> p(static_cast<std::promise<Value> *>(user));
  Value v(value);  // owns it, whatever happens
  if (status == RAY_CLIENT_OK && value != nullptr) {
    try {
      p->set_value(std::move(v));
    } catch (...) {
    }
    ray_client_error_free(error);
  } else {
    fail(*p, error, status);
  }
}
inline void on_get_many(void *user, ray_client_status status, ray_client_value **values, size_t n,
                        ray_client_error *error) noexcept {
  std::unique_ptr<std::promise<std::vector<Value>>> p(static_cast<std::promise<std::vector<Value>> *>(user));
  if (status == RAY_CLIENT_OK && values != nullptr) {
    try {
      p->set_value(take_values(values, n));
    } catch (...) {
      ray_client_value_array_free(values);
      try {
        p->set_exception(std::current_exception());
      } catch (...) {
      }
    }
    ray_client_error_free(error);
  } else {
    ray_client_value_array_free(values);
    fail(*p, error, status);
  }
}
inline void on_wait(void *user, ray_client_status status, const uint8_t *ready, size_t n, size_t num_ready,
                    ray_client_error *error) noexcept {
  std::unique_ptr<std::promise<WaitResult>> p(static_cast<std::promise<WaitResult> *>(user));
  if (status == RAY_CLIENT_OK && (ready != nullptr || n == 0)) {
    try {
      WaitResult w;
      w.ready.assign(ready, ready + n);
      w.num_ready = num_ready;
      p->set_value(std::move(w));
    } catch (...) {
      try {
        p->set_exception(std::current_exception());
      } catch (...) {
      }
    }
    ray_client_error_free(error);
  } else {
    fail(*p, error, status);
  }
}

}  // namespace detail

inline std::future<Value> Client::get_async(const ObjectRef &r, Timeout timeout) const {
  auto p = std::make_unique<std::promise<Value>>();
  auto fut = p->get_future();
  detail::check(ray_client_object_get_async(raw_, r.raw(), detail::to_ms(timeout), &detail::on_get, p.get()));
  p.release();  // the callback owns it now
  return fut;
}

inline std::future<std::vector<Value>> Client::get_many_async(const std::vector<ObjectRef> &refs,
                                                              Timeout timeout) const {
  auto raws = detail::raw_refs(refs);
  auto p = std::make_unique<std::promise<std::vector<Value>>>();
  auto fut = p->get_future();
  detail::check(ray_client_object_get_many_async(raw_, raws.data(), raws.size(), detail::to_ms(timeout),
                                          &detail::on_get_many, p.get()));
  p.release();
  return fut;
}

inline std::future<WaitResult> Client::wait_async(const std::vector<ObjectRef> &refs, size_t num_returns,
                                                  Timeout timeout) const {
  auto raws = detail::raw_refs(refs);
  auto p = std::make_unique<std::promise<WaitResult>>();
  auto fut = p->get_future();
  detail::check(ray_client_object_wait_async(raw_, raws.data(), raws.size(), num_returns,
                                      detail::to_ms(timeout), &detail::on_wait, p.get()));
  p.release();
  return fut;
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_OBJECTS_HPP
