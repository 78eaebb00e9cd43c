// ray_client/value.hpp: ray_client::Value, an immutable value in Python's object model
// (None, bool, int, float, str, bytes, containers, refs, actors, numpy arrays, symbolic
// objects), with Kind, DType and NdArray. Conversions to and from C++ types are
// ray_client/convert.hpp; values over the caller's memory without a copy are
// ray_client/borrowed.hpp (both included here). Apache-2.0.
//
// Ownership: a Value owns one handle and frees it in its destructor. Copies share the
// immutable value (the C clone function); a moved-from Value holds none and throws
// Error (null_argument) when used.
// Thread-safety: values are immutable, so one Value may be read from many threads; a
// Value object must not be assigned or moved while others use it.
#ifndef RAY_CLIENT_VALUE_HPP
#define RAY_CLIENT_VALUE_HPP

#include <ray_client/actor.hpp>
#include <ray_client/detail.hpp>
#include <ray_client/object_ref.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ray_client {

/// Kinds of values (RAY_CLIENT_VALUE_*).
enum class Kind : int {
  None = RAY_CLIENT_VALUE_NONE,
  Bool = RAY_CLIENT_VALUE_BOOL,
  Int = RAY_CLIENT_VALUE_INT,
  BigInt = RAY_CLIENT_VALUE_BIGINT,
  Float = RAY_CLIENT_VALUE_FLOAT,
  Str = RAY_CLIENT_VALUE_STR,
  Bytes = RAY_CLIENT_VALUE_BYTES,
  ByteArray = RAY_CLIENT_VALUE_BYTEARRAY,
  List = RAY_CLIENT_VALUE_LIST,
  Tuple = RAY_CLIENT_VALUE_TUPLE,
  Dict = RAY_CLIENT_VALUE_DICT,
  Set = RAY_CLIENT_VALUE_SET,
  FrozenSet = RAY_CLIENT_VALUE_FROZENSET,
  ObjectRef = RAY_CLIENT_VALUE_OBJECT_REF,
  Actor = RAY_CLIENT_VALUE_ACTOR,
  NdArray = RAY_CLIENT_VALUE_NDARRAY,
  Global = RAY_CLIENT_VALUE_GLOBAL,
  Object = RAY_CLIENT_VALUE_OBJECT,
};

/// numpy dtypes (RAY_CLIENT_DTYPE_*).
enum class DType : int {
  Bool = RAY_CLIENT_DTYPE_BOOL,
  Int8 = RAY_CLIENT_DTYPE_INT8,
  Int16 = RAY_CLIENT_DTYPE_INT16,
  Int32 = RAY_CLIENT_DTYPE_INT32,
  Int64 = RAY_CLIENT_DTYPE_INT64,
  UInt8 = RAY_CLIENT_DTYPE_UINT8,
  UInt16 = RAY_CLIENT_DTYPE_UINT16,
  UInt32 = RAY_CLIENT_DTYPE_UINT32,
  UInt64 = RAY_CLIENT_DTYPE_UINT64,
  Float32 = RAY_CLIENT_DTYPE_FLOAT32,
  Float64 = RAY_CLIENT_DTYPE_FLOAT64,
};

/// The numpy dtype of a C++ element type.
template <class T>
struct DTypeOf;
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::UInt16; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::UInt32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::UInt64; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };

/// A typed copy of a numpy array's contents.
template <class T>
struct NdArray {
  std::vector<size_t> shape;
  std::vector<T> data;
  bool fortran_order = false;
};

/// Converts between C++ type T and Value: `static Value to_value(const T&)` and
/// `static T from_value(const Value&)`. Specialise it for your own types.
template <class T, class Enable = void>
struct Convert;

namespace detail {
template <class T, class = void>
struct convertible_to_value : std::false_type {};
template <class T>
struct convertible_to_value<T, std::void_t<decltype(Convert<T>::to_value(std::declval<const T &>()))>>
    : std::true_type {};
}  // namespace detail

/// An immutable value (Python's object model). Copyable (copies share the value).
class Value : public detail::CopyableHandle<ray_client_value, ray_client_value_free, ray_client_value_clone> {
 public:
  /// Takes ownership of a raw handle.
  explicit Value(ray_client_value *raw) noexcept : CopyableHandle(raw) {}
  /// None.
  Value() : CopyableHandle(make_none()) {}
  Value(std::nullptr_t) : Value() {}
  /// Any C++ value with a Convert specialisation (ints, floats, strings, containers...).
  template <class T, class D = std::decay_t<T>,
            class = std::enable_if_t<!std::is_same_v<D, Value> && !std::is_pointer_v<D> &&
                                     detail::convertible_to_value<D>::value>>
  Value(const T &x) : Value(Convert<D>::to_value(x)) {}
  Value(const char *s) : Value(str(s)) {}

  Value(const Value &) = default;
  Value &operator=(const Value &) = default;
  Value(Value &&) noexcept = default;
  Value &operator=(Value &&) noexcept = default;

  // ---- constructors by kind ----
  static Value none() { return Value(); }
  static Value boolean(bool b) { return make([&](auto out) { return ray_client_value_bool(b, out); }); }
  static Value integer(int64_t i) { return make([&](auto out) { return ray_client_value_int(i, out); }); }
  /// An int of any size from its decimal text.
  static Value bigint(const std::string &decimal) {
    return make([&](auto out) { return ray_client_value_bigint(decimal.c_str(), out); });
  }
  static Value floating(double f) { return make([&](auto out) { return ray_client_value_float(f, out); }); }
  static Value str(std::string_view s) {
    return make([&](auto out) { return ray_client_value_str_n(s.data(), s.size(), out); });
  }
  static Value bytes(const void *data, size_t len) {
    return make([&](auto out) {
      return ray_client_value_bytes(static_cast<const uint8_t *>(data), len, out);
    });
  }
  static Value bytes(const std::vector<uint8_t> &b) { return bytes(b.data(), b.size()); }
  // ---- without a copy (ray_client/borrowed.hpp): a put or call sends slices of the buffer.
  /// Bytes over `len` bytes at `data`, read in place. `release` runs exactly once, when the
  /// library no longer reads them (this Value, its copies and values holding it are gone,
  /// and any put or call of it has sent its data); maybe on the library's I/O thread, so
  /// it must not block nor call this library. Keep the bytes alive and unchanged until
  /// then. If this throws, `release` is never called and the buffer stays yours.
  static Value bytes_view(const void *data, size_t len, std::function<void()> release);
  /// Takes the vector over (no copy); it is freed when the library is done with it.
  static Value bytes(std::vector<uint8_t> &&b);
  /// Shares the vector (no copy); the library holds a reference while it reads it.
  static Value bytes(std::shared_ptr<const std::vector<uint8_t>> b);
  /// A numpy array over `nbytes` at `data`, read in place; `release` as for bytes_view().
  static Value ndarray_view(DType dtype, const std::vector<size_t> &shape, const void *data,
                            size_t nbytes, std::function<void()> release, bool fortran_order = false);
  /// A numpy array that takes `data` over (no copy).
  template <class T>
  static Value ndarray(std::vector<T> &&data, const std::vector<size_t> &shape, bool fortran_order = false);
  static Value bytearray(const std::vector<uint8_t> &b) {
    return make([&](auto out) { return ray_client_value_bytearray(b.data(), b.size(), out); });
  }
  static Value list(const std::vector<Value> &items) { return seq(ray_client_value_list, items); }
  static Value tuple(const std::vector<Value> &items) { return seq(ray_client_value_tuple, items); }
  static Value set(const std::vector<Value> &items) { return seq(ray_client_value_set, items); }
  static Value frozenset(const std::vector<Value> &items) {
    return seq(ray_client_value_frozenset, items);
  }
  /// A dict of pairs, in order (any key type).
  static Value dict(const std::vector<std::pair<Value, Value>> &pairs) {
    std::vector<const ray_client_value *> ks, vs;
    for (const auto &p : pairs) {
      ks.push_back(p.first.raw());
      vs.push_back(p.second.raw());
    }
    return make([&](auto out) { return ray_client_value_dict(ks.data(), vs.data(), ks.size(), out); });
  }
  static Value object_ref(const ObjectRef &r) {
    return make([&](auto out) { return ray_client_value_object_ref(r.raw(), out); });
  }
  static Value actor(const ActorHandle &a) {
    return make([&](auto out) { return ray_client_value_actor(a.raw(), out); });
  }
  /// A numpy array of element type T (dtype from DTypeOf<T>) and `shape`.
  template <class T>
  static Value ndarray(const std::vector<T> &data, const std::vector<size_t> &shape,
                       bool fortran_order = false) {
    return ndarray(DTypeOf<T>::value, shape, data.data(), data.size() * sizeof(T), fortran_order);
  }
  static Value ndarray(DType dtype, const std::vector<size_t> &shape, const void *data,
                       size_t nbytes, bool fortran_order = false) {
    return make([&](auto out) {
      return ray_client_value_ndarray(static_cast<int>(dtype), shape.data(), shape.size(), data,
                                      nbytes, fortran_order ? 1 : 0, out);
    });
  }
  /// Parses JSON text (`{"$bytes": base64}`, `{"$tuple": [...]}`, ...).
  static Value from_json(const std::string &json) {
    return make([&](auto out) { return ray_client_value_from_json(json.c_str(), out); });
  }
  /// Decodes a pickle symbolically.
  static Value from_pickle(const std::vector<uint8_t> &pickle) {
    return make([&](auto out) { return ray_client_value_from_pickle(pickle.data(), pickle.size(), out); });
  }

  // ---- inspection ----
  Kind kind() const {
    int k = 0;
    detail::check(ray_client_value_kind(raw_, &k));
    return static_cast<Kind>(k);
  }
  bool is_none() const { return kind() == Kind::None; }
  std::string to_json() const {
    detail::OwnedString s;
    detail::check(ray_client_value_to_json(raw_, &s.p));
    return s.str();
  }
  std::vector<uint8_t> to_pickle() const {
    detail::OwnedBytes b;
    detail::check(ray_client_value_to_pickle(raw_, &b.p, &b.n));
    return std::vector<uint8_t>(b.p, b.p + b.n);
  }
  bool get_bool() const {
    int b = 0;
    detail::check(ray_client_value_get_bool(raw_, &b));
    return b != 0;
  }
  int64_t get_int() const {
    int64_t i = 0;
    detail::check(ray_client_value_get_int(raw_, &i));
    return i;
  }
  /// Decimal text of any int (plain or big).
  std::string get_bigint() const {
    detail::OwnedString s;
    detail::check(ray_client_value_get_bigint(raw_, &s.p));
    return s.str();
  }
  double get_float() const {
    double f = 0;
    detail::check(ray_client_value_get_float(raw_, &f));
    return f;
  }
  std::string get_str() const {
    const char *d = nullptr;
    size_t n = 0;
    detail::check(ray_client_value_get_str(raw_, &d, &n));
    return std::string(d, n);
  }
  std::vector<uint8_t> get_bytes() const {
    const uint8_t *d = nullptr;
    size_t n = 0;
    detail::check(ray_client_value_get_bytes(raw_, &d, &n));
    return std::vector<uint8_t>(d, d + n);
  }
  /// Number of items of a list, tuple, set, frozenset or dict.
  size_t size() const {
    size_t n = 0;
    detail::check(ray_client_value_len(raw_, &n));
    return n;
  }
  /// Item `i` of a list, tuple, set or frozenset.
  Value operator[](size_t i) const {
    return make([&](auto out) { return ray_client_value_item(raw_, i, out); });
  }
  /// Pair `i` of a dict.
  std::pair<Value, Value> dict_item(size_t i) const {
    ray_client_value *k = nullptr, *v = nullptr;
    detail::check(ray_client_value_dict_item(raw_, i, &k, &v));
    return {Value(k), Value(v)};
  }
  /// Looks up the str key `key` in a dict.
  std::optional<Value> get(const std::string &key) const {
    ray_client_value *v = nullptr;
    detail::check(ray_client_value_dict_get(raw_, key.c_str(), &v));
    if (v == nullptr) return std::nullopt;
    return Value(v);
  }
  ObjectRef get_object_ref() const {
    ray_client_object_ref *r = nullptr;
    detail::check(ray_client_value_get_object_ref(raw_, &r));
    return ObjectRef(r);
  }
  ActorHandle get_actor() const {
    ray_client_actor *a = nullptr;
    detail::check(ray_client_value_get_actor(raw_, &a));
    return ActorHandle(a);
  }
  DType ndarray_dtype() const {
    int dt = 0;
    detail::check(ray_client_value_ndarray_info(raw_, &dt, nullptr, nullptr, nullptr, nullptr, nullptr));
    return static_cast<DType>(dt);
  }
  /// A typed copy of a numpy array; throws Error (invalid_argument) on a dtype mismatch.
  template <class T>
  NdArray<T> as_ndarray() const {
    int dt = 0, fortran = 0;
    size_t ndim = 0, nbytes = 0;
    const size_t *shape = nullptr;
    const void *data = nullptr;
    detail::check(ray_client_value_ndarray_info(raw_, &dt, &ndim, &shape, &data, &nbytes, &fortran));
    if (dt != static_cast<int>(DTypeOf<T>::value))
      throw Error(RAY_CLIENT_ERROR_INVALID_ARGUMENT, "invalid_argument",
                  "ndarray dtype does not match the requested element type");
    NdArray<T> a;
    a.shape.assign(shape, shape + ndim);
    a.data.resize(nbytes / sizeof(T));
    if (nbytes) std::memcpy(a.data.data(), data, a.data.size() * sizeof(T));
    a.fortran_order = fortran != 0;
    return a;
  }

  /// Converts to a C++ type with a Convert specialisation.
  template <class T>
  T as() const {
    return Convert<T>::from_value(*this);
  }

  friend bool operator==(const Value &a, const Value &b) {
    int eq = 0;
    detail::check(ray_client_value_equal(a.raw(), b.raw(), &eq));
    return eq != 0;
  }
  friend bool operator!=(const Value &a, const Value &b) { return !(a == b); }

 private:
  template <class F>
  static Value make(F &&f) {
    ray_client_value *out = nullptr;
    detail::check(f(&out));
    return Value(out);
  }
  static ray_client_value *make_none() {
    ray_client_value *out = nullptr;
    detail::check(ray_client_value_none(&out));
    return out;
  }
  template <class F>
  static Value seq(F f, const std::vector<Value> &items) {
    std::vector<const ray_client_value *> raws;
    raws.reserve(items.size());
    for (const auto &v : items) raws.push_back(v.raw());
    return make([&](auto out) { return f(raws.data(), raws.size(), out); });
  }
};

namespace detail {

/// Takes over a library array of `n` values (get_many).
inline std::vector<Value> take_values(ray_client_value **vs, size_t n) {
  return take_all<Value>(vs, n, ray_client_value_array_free);
}

}  // namespace detail
}  // namespace ray_client

#include <ray_client/borrowed.hpp>
#include <ray_client/convert.hpp>

#endif  // RAY_CLIENT_VALUE_HPP
