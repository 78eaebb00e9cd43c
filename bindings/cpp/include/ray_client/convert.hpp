// ray_client/convert.hpp: ray_client::Convert<T>, how C++ values become Values (the
// implicit Value(const T&) constructor) and come back (Value::as<T>()): integers,
// floating point, bool, strings, std::vector<uint8_t> as bytes, std::vector<T> as a list,
// std::map<std::string, T> as a dict, std::optional<T> as None or T, nullptr, ObjectRef,
// ActorHandle, NdArray<T>. Specialise Convert for your own types: `static Value
// to_value(const T&)` and `static T from_value(const Value&)`. Apache-2.0.
//
// Ownership and thread-safety: as for Value (ray_client/value.hpp); the conversions keep
// no state.
#ifndef RAY_CLIENT_CONVERT_HPP
#define RAY_CLIENT_CONVERT_HPP

#include <ray_client/value.hpp>

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace ray_client {

template <>
struct Convert<Value> {
  static Value to_value(const Value &v) { return v; }
  static Value from_value(const Value &v) { return v; }
};
template <>
struct Convert<std::nullptr_t> {
  static Value to_value(std::nullptr_t) { return Value::none(); }
};
template <>
struct Convert<bool> {
  static Value to_value(bool b) { return Value::boolean(b); }
  static bool from_value(const Value &v) { return v.get_bool(); }
};
template <class T>
struct Convert<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static Value to_value(T i) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      if (i > static_cast<T>(INT64_MAX)) return Value::bigint(std::to_string(i));
    }
    return Value::integer(static_cast<int64_t>(i));
  }
  static T from_value(const Value &v) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      if (v.kind() == Kind::BigInt) {  // above INT64_MAX, e.g. numpy's uint64 maximum
        std::string s = v.get_bigint();
        T u = 0;
        auto r = std::from_chars(s.data(), s.data() + s.size(), u);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size())
          throw Error(RAY_CLIENT_ERROR_INVALID_ARGUMENT, "invalid_argument", s + " does not fit in 64 bits");
        return u;
      }
    }
    return static_cast<T>(v.get_int());
  }
};
template <class T>
struct Convert<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static Value to_value(T f) { return Value::floating(static_cast<double>(f)); }
  static T from_value(const Value &v) { return static_cast<T>(v.get_float()); }
};
template <>
struct Convert<std::string> {
  static Value to_value(const std::string &s) { return Value::str(s); }
  static std::string from_value(const Value &v) { return v.get_str(); }
};
template <>
struct Convert<std::string_view> {
  static Value to_value(std::string_view s) { return Value::str(s); }
};
/// bytes
template <>
struct Convert<std::vector<uint8_t>> {
  static Value to_value(const std::vector<uint8_t> &b) { return Value::bytes(b); }
  static std::vector<uint8_t> from_value(const Value &v) { return v.get_bytes(); }
};
/// list (reads list, tuple, set or frozenset)
template <class T>
struct Convert<std::vector<T>, std::enable_if_t<!std::is_same_v<T, uint8_t>>> {
  static Value to_value(const std::vector<T> &xs) {
    std::vector<Value> items;
    items.reserve(xs.size());
    for (const auto &x : xs) items.push_back(Convert<T>::to_value(x));
    return Value::list(items);
  }
  static std::vector<T> from_value(const Value &v) {
    size_t n = v.size();
    std::vector<T> out;
    out.reserve(n);
    for (size_t i = 0; i < n; i++) out.push_back(Convert<T>::from_value(v[i]));
    return out;
  }
};
/// dict with str keys
template <class T>
struct Convert<std::map<std::string, T>> {
  static Value to_value(const std::map<std::string, T> &m) {
    std::vector<std::pair<Value, Value>> pairs;
    for (const auto &kv : m) pairs.emplace_back(Value::str(kv.first), Convert<T>::to_value(kv.second));
    return Value::dict(pairs);
  }
  static std::map<std::string, T> from_value(const Value &v) {
    size_t n = v.size();
    std::map<std::string, T> out;
    for (size_t i = 0; i < n; i++) {
      auto kv = v.dict_item(i);
      out.emplace(kv.first.get_str(), Convert<T>::from_value(kv.second));
    }
    return out;
  }
};
/// None or T
template <class T>
struct Convert<std::optional<T>> {
  static Value to_value(const std::optional<T> &x) {
    return x ? Convert<T>::to_value(*x) : Value::none();
  }
  static std::optional<T> from_value(const Value &v) {
    if (v.is_none()) return std::nullopt;
    return Convert<T>::from_value(v);
  }
};
template <>
struct Convert<ObjectRef> {
  static Value to_value(const ObjectRef &r) { return Value::object_ref(r); }
  static ObjectRef from_value(const Value &v) { return v.get_object_ref(); }
};
template <>
struct Convert<ActorHandle> {
  static Value to_value(const ActorHandle &a) { return Value::actor(a); }
  static ActorHandle from_value(const Value &v) { return v.get_actor(); }
};
template <class T>
struct Convert<NdArray<T>> {
  static Value to_value(const NdArray<T> &a) { return Value::ndarray(a.data, a.shape, a.fortran_order); }
  static NdArray<T> from_value(const Value &v) { return v.as_ndarray<T>(); }
};

}  // namespace ray_client

#endif  // RAY_CLIENT_CONVERT_HPP
