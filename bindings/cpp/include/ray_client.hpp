// ray_client.hpp: a header-only C++17 RAII layer over the C ABI of libray_client
// (include/ray_client.h). Apache-2.0.
//
// Conventions:
// - Every failing C call throws ray_client::Error (a std::runtime_error) carrying the
//   status code, kind, message and, for failures on the cluster, the remote exception
//   type, the user's exception type, its message and the traceback (ray_client/error.hpp).
// - Owning classes free their handle in the destructor. Client, Actor, Options,
//   ConnectOptions and PlacementGroup are move-only (Client and Actor have clone());
//   Value and ObjectRef are copyable (copies are new handles via the C clone function).
//   A moved-from object holds no handle; using it throws Error (null_argument).
// - Async operations return std::future; the promise is completed from the library's
//   I/O thread (the callbacks never throw).
// - C++ values convert to Value implicitly (int, double, bool, std::string, bytes as
//   std::vector<uint8_t>, std::vector<T>, std::map<std::string, T>, nullptr, refs,
//   actors) and back with Value::as<T>().
#ifndef RAY_CLIENT_HPP
#define RAY_CLIENT_HPP

#include <ray_client.h>
#include <ray_client/error.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ray_client {

/// The library's version string ("MAJOR.MINOR.PATCH").
inline std::string version() { return ray_client_version(); }

/// Number of live handles of every type (for leak checks).
inline size_t live_handles() { return ray_client_live_handles(); }

namespace detail {

inline void check(int rc) {
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

struct OwnedBytes {
  uint8_t *p = nullptr;
  size_t n = 0;
  OwnedBytes() = default;
  OwnedBytes(const OwnedBytes &) = delete;
  OwnedBytes &operator=(const OwnedBytes &) = delete;
  ~OwnedBytes() { ray_client_bytes_free(p); }
};

inline const char *c_str_or_null(const std::optional<std::string> &s) {
  return s ? s->c_str() : nullptr;
}

inline int64_t to_ms(std::optional<std::chrono::milliseconds> t) {
  return t ? static_cast<int64_t>(t->count()) : -1;
}

/// Base of the owning wrappers: a handle and its free function.
template <class Raw, int (*Free)(Raw *)>
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

}  // namespace detail

/// A reference to an object in the cluster. Copyable (copies are new handles).
class ObjectRef : public detail::Handle<ray_client_object_ref, ray_client_object_ref_free> {
 public:
  using Handle::Handle;
  ObjectRef(const ObjectRef &o) : Handle(o.clone_raw()) {}
  ObjectRef &operator=(const ObjectRef &o) {
    if (this != &o) *this = ObjectRef(o.clone_raw());
    return *this;
  }
  ObjectRef(ObjectRef &&) noexcept = default;
  ObjectRef &operator=(ObjectRef &&) noexcept = default;

  /// A new handle to the same object.
  ObjectRef clone() const { return ObjectRef(*this); }

  /// The object id in hex.
  std::string hex() const {
    detail::OwnedString s;
    detail::check(ray_client_object_ref_hex(raw_, &s.p));
    return s.str();
  }

 private:
  ray_client_object_ref *clone_raw() const {
    if (raw_ == nullptr) return nullptr;
    ray_client_object_ref *out = nullptr;
    detail::check(ray_client_object_ref_clone(raw_, &out));
    return out;
  }
};

/// A handle to an actor. Move-only; clone() makes a new handle.
class Actor : public detail::Handle<ray_client_actor, ray_client_actor_free> {
 public:
  using Handle::Handle;

  Actor clone() const {
    ray_client_actor *out = nullptr;
    detail::check(ray_client_actor_clone(raw_, &out));
    return Actor(out);
  }

  /// The actor id in hex.
  std::string id_hex() const {
    detail::OwnedString s;
    detail::check(ray_client_actor_id_hex(raw_, &s.p));
    return s.str();
  }
};

/// A placement group handle (freeing it does not remove the group).
class PlacementGroup
    : public detail::Handle<ray_client_placement_group, ray_client_placement_group_free> {
 public:
  using Handle::Handle;

  /// The group's hex id.
  std::string id() const {
    const char *id = ray_client_placement_group_id(raw_);
    if (id == nullptr) throw Error::last(RAY_CLIENT_ERROR_INVALID_HANDLE);
    return id;
  }
};

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
class Value : public detail::Handle<ray_client_value, ray_client_value_free> {
 public:
  /// Takes ownership of a raw handle.
  explicit Value(ray_client_value *raw) noexcept : Handle(raw) {}
  /// None.
  Value() : Handle(make_none()) {}
  Value(std::nullptr_t) : Value() {}
  /// Any C++ value with a Convert specialisation (ints, floats, strings, containers...).
  template <class T, class D = std::decay_t<T>,
            class = std::enable_if_t<!std::is_same_v<D, Value> && !std::is_pointer_v<D> &&
                                     detail::convertible_to_value<D>::value>>
  Value(const T &x) : Value(Convert<D>::to_value(x)) {}
  Value(const char *s) : Value(str(s)) {}

  Value(const Value &o) : Handle(o.clone_raw()) {}
  Value &operator=(const Value &o) {
    if (this != &o) *this = Value(o.clone_raw());
    return *this;
  }
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
  static Value actor(const Actor &a) {
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
  Actor get_actor() const {
    ray_client_actor *a = nullptr;
    detail::check(ray_client_value_get_actor(raw_, &a));
    return Actor(a);
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
  ray_client_value *clone_raw() const {
    if (raw_ == nullptr) return nullptr;
    ray_client_value *out = nullptr;
    detail::check(ray_client_value_clone(raw_, &out));
    return out;
  }
};

// ---- conversions ----

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
struct Convert<Actor> {
  static Value to_value(const Actor &a) { return Value::actor(a); }
  static Actor from_value(const Value &v) { return v.get_actor(); }
};
template <class T>
struct Convert<NdArray<T>> {
  static Value to_value(const NdArray<T> &a) { return Value::ndarray(a.data, a.shape, a.fortran_order); }
  static NdArray<T> from_value(const Value &v) { return v.as_ndarray<T>(); }
};

/// Positional arguments of a call.
using Args = std::vector<Value>;
/// Keyword arguments of a call, in order.
using Kwargs = std::vector<std::pair<std::string, Value>>;

/// Options of a task, actor or actor method call (Python's `.options(...)`). Setters
/// chain: `Options().num_cpus(1).name("x")`. A value Ray refuses (max_retries < -1,
/// max_concurrency < 0, num_cpus < 0, ...) throws Error (invalid_argument, Ray's rule in
/// the message) from its setter.
class Options : public detail::Handle<ray_client_options, ray_client_options_free> {
 public:
  Options() {
    detail::check(ray_client_options_new(&raw_));
  }
  /// No options (NULL in the C calls).
  static Options none() { return Options(static_cast<ray_client_options *>(nullptr)); }
  explicit Options(ray_client_options *raw) noexcept : Handle(raw) {}
  Options(Options &&) noexcept = default;
  Options &operator=(Options &&) noexcept = default;

  Options &num_cpus(double n) { return set(ray_client_options_set_num_cpus(raw_, n)); }
  Options &num_gpus(double n) { return set(ray_client_options_set_num_gpus(raw_, n)); }
  Options &memory(uint64_t bytes) { return set(ray_client_options_set_memory(raw_, bytes)); }
  Options &resource(const std::string &name, double amount) {
    return set(ray_client_options_set_resource(raw_, name.c_str(), amount));
  }
  Options &max_retries(int64_t n) { return set(ray_client_options_set_max_retries(raw_, n)); }
  Options &retry_exceptions(bool r) { return set(ray_client_options_set_retry_exceptions(raw_, r ? 1 : 0)); }
  Options &num_returns(size_t n) { return set(ray_client_options_set_num_returns(raw_, n)); }
  Options &name(const std::string &n) { return set(ray_client_options_set_name(raw_, n.c_str())); }
  Options &namespace_(const std::string &ns) {
    return set(ray_client_options_set_namespace(raw_, ns.c_str()));
  }
  Options &detached() { return set(ray_client_options_set_detached(raw_)); }
  Options &max_restarts(int64_t n) { return set(ray_client_options_set_max_restarts(raw_, n)); }
  Options &max_task_retries(int64_t n) { return set(ray_client_options_set_max_task_retries(raw_, n)); }
  Options &max_concurrency(int64_t n) { return set(ray_client_options_set_max_concurrency(raw_, n)); }
  Options &get_if_exists(bool yes) { return set(ray_client_options_set_get_if_exists(raw_, yes ? 1 : 0)); }
  Options &runtime_env_json(const std::string &json) {
    return set(ray_client_options_set_runtime_env_json(raw_, json.c_str()));
  }
  Options &scheduling_spread() { return set(ray_client_options_set_scheduling_spread(raw_)); }
  Options &scheduling_default() { return set(ray_client_options_set_scheduling_default(raw_)); }
  Options &scheduling_node_affinity(const std::string &node_id, bool soft) {
    return set(ray_client_options_set_scheduling_node_affinity(raw_, node_id.c_str(), soft ? 1 : 0));
  }
  Options &scheduling_placement_group(const PlacementGroup &pg, int64_t bundle_index = -1,
                                      bool capture_child_tasks = false) {
    return set(ray_client_options_set_scheduling_placement_group(raw_, pg.raw(), bundle_index,
                                                                 capture_child_tasks ? 1 : 0));
  }
  /// Any other keyword as JSON text, e.g. `set_json("max_calls", "3")`.
  Options &set_json(const std::string &key, const std::string &json) {
    return set(ray_client_options_set_json(raw_, key.c_str(), json.c_str()));
  }
  Options &set_value(const std::string &key, const Value &v) {
    return set(ray_client_options_set_value(raw_, key.c_str(), v.raw()));
  }

 private:
  Options &set(int rc) {
    detail::check(rc);
    return *this;
  }
};

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
  ConnectOptions &set(int rc) {
    detail::check(rc);
    return *this;
  }
  std::shared_ptr<LogCallback> log_;
};

/// What the server said about itself.
struct ServerInfo {
  std::string ray_version, ray_commit, python_version;
  int32_t num_clients = 0;
};
/// The connection's id, address and namespace.
struct ClientInfo {
  std::string client_id, address;
  std::optional<std::string> namespace_;
};
/// The outcome of a wait: ready[i] tells whether refs[i] is ready.
struct WaitResult {
  std::vector<bool> ready;
  size_t num_ready = 0;
};

/// Placement strategies (RAY_CLIENT_PLACEMENT_*).
enum class PlacementStrategy : int {
  Pack = RAY_CLIENT_PLACEMENT_PACK,
  Spread = RAY_CLIENT_PLACEMENT_SPREAD,
  StrictPack = RAY_CLIENT_PLACEMENT_STRICT_PACK,
  StrictSpread = RAY_CLIENT_PLACEMENT_STRICT_SPREAD,
};

/// Timeouts: std::nullopt waits without limit.
using Timeout = std::optional<std::chrono::milliseconds>;

/// A connection to a Ray cluster. Move-only; clone() gives another handle to the same
/// connection; the connection closes with its last handle.
class Client : public detail::Handle<ray_client_client, ray_client_client_free> {
 public:
  explicit Client(ray_client_client *raw, std::shared_ptr<void> keep = nullptr) noexcept
      : Handle(raw), keep_(std::move(keep)) {}
  Client(Client &&) noexcept = default;
  Client &operator=(Client &&o) noexcept {
    // Free the handle before the log callback it may use.
    Handle::operator=(std::move(o));
    keep_ = std::move(o.keep_);
    return *this;
  }
  ~Client() { reset(); }

  /// Connects to `address` (empty: RAY_ADDRESS) with default options.
  static Client connect(const std::string &address) {
    ray_client_client *c = nullptr;
    detail::check(ray_client_connect_address(address.c_str(), &c));
    return Client(c);
  }
  static Client connect(const ConnectOptions &options) {
    ray_client_client *c = nullptr;
    detail::check(ray_client_connect(options.raw() ? options.raw() : invalid_options(), &c));
    return Client(c, options.log_holder());
  }
  /// Connects the process's default client (ray.init) and returns a handle to it.
  static Client init(const ConnectOptions &options) {
    ray_client_client *c = nullptr;
    detail::check(ray_client_init(options.raw() ? options.raw() : invalid_options(), &c));
    // The default connection outlives every handle (until shutdown): so does its callback.
    if (options.log_holder()) new std::shared_ptr<LogCallback>(options.log_holder());
    return Client(c, options.log_holder());
  }
  static Client default_client() {
    ray_client_client *c = nullptr;
    detail::check(ray_client_default_client(&c));
    return Client(c);
  }
  static bool is_initialized() { return ray_client_is_initialized() != 0; }
  static void shutdown() { detail::check(ray_client_shutdown()); }

  Client clone() const {
    ray_client_client *c = nullptr;
    detail::check(ray_client_client_clone(raw_, &c));
    return Client(c, keep_);
  }
  void disconnect() const { detail::check(ray_client_disconnect(raw_)); }
  bool is_connected() const {
    int c = 0;
    detail::check(ray_client_is_connected(raw_, &c));
    return c != 0;
  }
  /// Whether the connection is up, being re-established after a drop (calls wait for it,
  /// up to the reconnect grace period), or lost for good.
  enum class ConnectionState { Connected = RAY_CLIENT_STATE_CONNECTED, Reconnecting = RAY_CLIENT_STATE_RECONNECTING, Lost = RAY_CLIENT_STATE_LOST };
  ConnectionState connection_state() const {
    int s = 0;
    detail::check(ray_client_connection_state(raw_, &s));
    return static_cast<ConnectionState>(s);
  }
  void ping() const { detail::check(ray_client_ping(raw_)); }
  bool server_is_initialized() const {
    int i = 0;
    detail::check(ray_client_server_is_initialized(raw_, &i));
    return i != 0;
  }
  ServerInfo server_info() const {
    const char *v = nullptr, *commit = nullptr, *py = nullptr;
    ServerInfo info;
    detail::check(ray_client_server_info(raw_, &v, &commit, &py, &info.num_clients));
    info.ray_version = v ? v : "";
    info.ray_commit = commit ? commit : "";
    info.python_version = py ? py : "";
    return info;
  }
  ClientInfo client_info() const {
    const char *id = nullptr, *addr = nullptr, *ns = nullptr;
    detail::check(ray_client_client_info(raw_, &id, &addr, &ns));
    ClientInfo info;
    info.client_id = id ? id : "";
    info.address = addr ? addr : "";
    if (ns) info.namespace_ = std::string(ns);
    return info;
  }

  // ---- objects ----
  ObjectRef put(const Value &v) const {
    ray_client_object_ref *r = nullptr;
    detail::check(ray_client_put(raw_, v.raw(), &r));
    return ObjectRef(r);
  }
  Value get(const ObjectRef &r, Timeout timeout = std::nullopt) const {
    ray_client_value *v = nullptr;
    detail::check(ray_client_get(raw_, r.raw(), detail::to_ms(timeout), &v));
    return Value(v);
  }
  /// get(r).as<T>()
  template <class T>
  T get_as(const ObjectRef &r, Timeout timeout = std::nullopt) const {
    return get(r, timeout).as<T>();
  }
  std::vector<Value> get_many(const std::vector<ObjectRef> &refs, Timeout timeout = std::nullopt) const {
    auto raws = raw_refs(refs);
    ray_client_value **vs = nullptr;
    detail::check(ray_client_get_many(raw_, raws.data(), raws.size(), detail::to_ms(timeout), &vs));
    return take_values(vs, refs.size());
  }
  WaitResult wait(const std::vector<ObjectRef> &refs, size_t num_returns,
                  Timeout timeout = std::nullopt) const {
    auto raws = raw_refs(refs);
    std::vector<uint8_t> ready(refs.size());
    size_t n = 0;
    detail::check(ray_client_wait(raw_, raws.data(), raws.size(), num_returns, detail::to_ms(timeout),
                                  ready.data(), &n));
    WaitResult w;
    w.ready.assign(ready.begin(), ready.end());
    w.num_ready = n;
    return w;
  }
  void cancel(const ObjectRef &r, bool force = false, bool recursive = true) const {
    detail::check(ray_client_cancel(raw_, r.raw(), force ? 1 : 0, recursive ? 1 : 0));
  }

  // ---- async ----
  std::future<Value> get_async(const ObjectRef &r, Timeout timeout = std::nullopt) const {
    auto p = std::make_unique<std::promise<Value>>();
    auto fut = p->get_future();
    detail::check(ray_client_get_async(raw_, r.raw(), detail::to_ms(timeout), &Client::on_get, p.get()));
    p.release();  // the callback owns it now
    return fut;
  }
  std::future<std::vector<Value>> get_many_async(const std::vector<ObjectRef> &refs,
                                                 Timeout timeout = std::nullopt) const {
    auto raws = raw_refs(refs);
    auto p = std::make_unique<std::promise<std::vector<Value>>>();
    auto fut = p->get_future();
    detail::check(ray_client_get_many_async(raw_, raws.data(), raws.size(), detail::to_ms(timeout),
                                            &Client::on_get_many, p.get()));
    p.release();
    return fut;
  }
  std::future<WaitResult> wait_async(const std::vector<ObjectRef> &refs, size_t num_returns,
                                     Timeout timeout = std::nullopt) const {
    auto raws = raw_refs(refs);
    auto p = std::make_unique<std::promise<WaitResult>>();
    auto fut = p->get_future();
    detail::check(ray_client_wait_async(raw_, raws.data(), raws.size(), num_returns,
                                        detail::to_ms(timeout), &Client::on_wait, p.get()));
    p.release();
    return fut;
  }

  // ---- tasks ----
  /// `module.qualname(*args, **kwargs)` on the cluster.
  ObjectRef call(const std::string &module, const std::string &qualname, const Args &args = {},
                 const Kwargs &kwargs = {}, const Options &options = Options::none()) const {
    CallArgs a(args, kwargs);
    ray_client_object_ref *r = nullptr;
    detail::check(ray_client_call(raw_, module.c_str(), qualname.c_str(), a.args(), a.nargs(), a.names(),
                                  a.values(), a.nkw(), options.raw(), &r));
    return ObjectRef(r);
  }
  std::vector<ObjectRef> call_n(const std::string &module, const std::string &qualname,
                                const Args &args, const Kwargs &kwargs, const Options &options) const {
    CallArgs a(args, kwargs);
    ray_client_object_ref **rs = nullptr;
    size_t n = 0;
    detail::check(ray_client_call_n(raw_, module.c_str(), qualname.c_str(), a.args(), a.nargs(),
                                    a.names(), a.values(), a.nkw(), options.raw(), &rs, &n));
    return take_refs(rs, n);
  }
  /// The function `name` defined by Python `source`, called on the cluster.
  ObjectRef call_source(const std::string &source, const std::string &name, const Args &args = {},
                        const Kwargs &kwargs = {}, const Options &options = Options::none()) const {
    CallArgs a(args, kwargs);
    ray_client_object_ref *r = nullptr;
    detail::check(ray_client_call_source(raw_, source.c_str(), name.c_str(), a.args(), a.nargs(),
                                         a.names(), a.values(), a.nkw(), options.raw(), &r));
    return ObjectRef(r);
  }
  std::vector<ObjectRef> call_source_n(const std::string &source, const std::string &name,
                                       const Args &args, const Kwargs &kwargs,
                                       const Options &options) const {
    CallArgs a(args, kwargs);
    ray_client_object_ref **rs = nullptr;
    size_t n = 0;
    detail::check(ray_client_call_source_n(raw_, source.c_str(), name.c_str(), a.args(), a.nargs(),
                                           a.names(), a.values(), a.nkw(), options.raw(), &rs, &n));
    return take_refs(rs, n);
  }

  // ---- actors ----
  Actor create_actor(const std::string &module, const std::string &qualname, const Args &args = {},
                     const Kwargs &kwargs = {}, const Options &options = Options::none()) const {
    CallArgs a(args, kwargs);
    ray_client_actor *out = nullptr;
    detail::check(ray_client_actor_create(raw_, module.c_str(), qualname.c_str(), a.args(), a.nargs(),
                                          a.names(), a.values(), a.nkw(), options.raw(), &out));
    return Actor(out);
  }
  /// An actor of the class `name` defined by Python `source`.
  Actor create_actor_from_source(const std::string &source, const std::string &name,
                                 const Args &args = {}, const Kwargs &kwargs = {},
                                 const Options &options = Options::none()) const {
    CallArgs a(args, kwargs);
    ray_client_actor *out = nullptr;
    detail::check(ray_client_actor_create_source(raw_, source.c_str(), name.c_str(), a.args(),
                                                 a.nargs(), a.names(), a.values(), a.nkw(),
                                                 options.raw(), &out));
    return Actor(out);
  }
  /// `actor.method(*args, **kwargs)`.
  ObjectRef call_method(const Actor &actor, const std::string &method, const Args &args = {},
                        const Kwargs &kwargs = {}, const Options &options = Options::none()) const {
    CallArgs a(args, kwargs);
    ray_client_object_ref *r = nullptr;
    detail::check(ray_client_actor_call(raw_, actor.raw(), method.c_str(), a.args(), a.nargs(),
                                        a.names(), a.values(), a.nkw(), options.raw(), &r));
    return ObjectRef(r);
  }
  std::vector<ObjectRef> call_method_n(const Actor &actor, const std::string &method,
                                       const Args &args, const Kwargs &kwargs,
                                       const Options &options) const {
    CallArgs a(args, kwargs);
    ray_client_object_ref **rs = nullptr;
    size_t n = 0;
    detail::check(ray_client_actor_call_n(raw_, actor.raw(), method.c_str(), a.args(), a.nargs(),
                                          a.names(), a.values(), a.nkw(), options.raw(), &rs, &n));
    return take_refs(rs, n);
  }
  /// The named actor `name` in `ns` (nullopt: this client's namespace).
  Actor get_actor(const std::string &name, const std::optional<std::string> &ns = std::nullopt) const {
    ray_client_actor *out = nullptr;
    detail::check(ray_client_get_actor(raw_, name.c_str(), detail::c_str_or_null(ns), &out));
    return Actor(out);
  }
  void kill_actor(const Actor &actor, bool no_restart = true) const {
    detail::check(ray_client_kill_actor(raw_, actor.raw(), no_restart ? 1 : 0));
  }
  /// JSON array of {"name", "namespace"}.
  std::string list_named_actors(bool all_namespaces = false) const {
    return string_call([&](char **out) { return ray_client_list_named_actors(raw_, all_namespaces ? 1 : 0, out); });
  }

  // ---- KV store ----
  std::optional<std::string> kv_get(std::string_view key,
                                    const std::optional<std::string> &ns = std::nullopt) const {
    detail::OwnedBytes b;
    int found = 0;
    detail::check(ray_client_kv_get(raw_, bytes_of(key), key.size(), detail::c_str_or_null(ns), &b.p,
                                    &b.n, &found));
    if (!found) return std::nullopt;
    return std::string(reinterpret_cast<const char *>(b.p), b.n);
  }
  /// Returns whether the key existed before.
  bool kv_put(std::string_view key, std::string_view value, bool overwrite = true,
              const std::optional<std::string> &ns = std::nullopt) const {
    int existed = 0;
    detail::check(ray_client_kv_put(raw_, bytes_of(key), key.size(), bytes_of(value), value.size(),
                                    overwrite ? 1 : 0, detail::c_str_or_null(ns), &existed));
    return existed != 0;
  }
  /// Returns how many keys were deleted.
  size_t kv_del(std::string_view key, bool by_prefix = false,
                const std::optional<std::string> &ns = std::nullopt) const {
    size_t n = 0;
    detail::check(ray_client_kv_del(raw_, bytes_of(key), key.size(), by_prefix ? 1 : 0,
                                    detail::c_str_or_null(ns), &n));
    return n;
  }
  bool kv_exists(std::string_view key, const std::optional<std::string> &ns = std::nullopt) const {
    int e = 0;
    detail::check(ray_client_kv_exists(raw_, bytes_of(key), key.size(), detail::c_str_or_null(ns), &e));
    return e != 0;
  }
  std::vector<std::string> kv_list(std::string_view prefix,
                                   const std::optional<std::string> &ns = std::nullopt) const {
    ray_client_value *v = nullptr;
    detail::check(ray_client_kv_list(raw_, bytes_of(prefix), prefix.size(), detail::c_str_or_null(ns), &v));
    Value list(v);
    std::vector<std::string> out;
    for (size_t i = 0, n = list.size(); i < n; i++) {
      auto b = list[i].get_bytes();
      out.emplace_back(b.begin(), b.end());
    }
    return out;
  }

  // ---- cluster info (JSON text) ----
  std::string cluster_resources() const {
    return string_call([&](char **o) { return ray_client_cluster_resources(raw_, o); });
  }
  std::string available_resources() const {
    return string_call([&](char **o) { return ray_client_available_resources(raw_, o); });
  }
  std::string nodes() const { return string_call([&](char **o) { return ray_client_nodes(raw_, o); }); }
  std::string runtime_context() const {
    return string_call([&](char **o) { return ray_client_runtime_context(raw_, o); });
  }
  std::string dashboard_url() const {
    return string_call([&](char **o) { return ray_client_dashboard_url(raw_, o); });
  }

  // ---- placement groups ----
  /// `bundles_json`: e.g. `[{"CPU": 1}, {"CPU": 1}]`.
  PlacementGroup create_placement_group(const std::string &bundles_json,
                                        PlacementStrategy strategy = PlacementStrategy::Pack,
                                        const std::optional<std::string> &name = std::nullopt) const {
    ray_client_placement_group *pg = nullptr;
    detail::check(ray_client_placement_group_create(raw_, bundles_json.c_str(), static_cast<int>(strategy),
                                                    detail::c_str_or_null(name), &pg));
    return PlacementGroup(pg);
  }
  /// Whether the group was placed within `timeout`.
  bool wait_placement_group(const PlacementGroup &pg, std::chrono::milliseconds timeout) const {
    int ready = 0;
    detail::check(ray_client_placement_group_wait(raw_, pg.raw(), static_cast<uint64_t>(timeout.count()), &ready));
    return ready != 0;
  }
  void remove_placement_group(const PlacementGroup &pg) const {
    detail::check(ray_client_placement_group_remove(raw_, pg.raw()));
  }
  std::string placement_group_table(const PlacementGroup &pg) const {
    return string_call([&](char **o) { return ray_client_placement_group_table(raw_, pg.raw(), o); });
  }

 private:
  static ray_client_connect_options *invalid_options() {
    // A moved-from ConnectOptions must not silently mean "defaults".
    throw Error(RAY_CLIENT_ERROR_NULL_ARGUMENT, "null_argument", "connect options were moved from");
  }
  static const uint8_t *bytes_of(std::string_view s) {
    return reinterpret_cast<const uint8_t *>(s.data());
  }
  template <class F>
  static std::string string_call(F &&f) {
    detail::OwnedString s;
    detail::check(f(&s.p));
    return s.str();
  }
  static std::vector<const ray_client_object_ref *> raw_refs(const std::vector<ObjectRef> &refs) {
    std::vector<const ray_client_object_ref *> raws;
    raws.reserve(refs.size());
    for (const auto &r : refs) raws.push_back(r.raw());
    return raws;
  }
  /// Moves every handle out of a library array into Values and frees the array.
  static std::vector<Value> take_values(ray_client_value **vs, size_t n) {
    std::vector<Value> out;
    out.reserve(n);
    for (size_t i = 0; i < n; i++) {
      out.emplace_back(vs[i]);
      vs[i] = nullptr;
    }
    ray_client_value_array_free(vs);
    return out;
  }
  static std::vector<ObjectRef> take_refs(ray_client_object_ref **rs, size_t n) {
    std::vector<ObjectRef> out;
    out.reserve(n);
    for (size_t i = 0; i < n; i++) {
      out.emplace_back(rs[i]);
      rs[i] = nullptr;
    }
    ray_client_object_ref_array_free(rs);
    return out;
  }

  /// Flattened call arguments.
  struct CallArgs {
    std::vector<const ray_client_value *> a, kv;
    std::vector<const char *> kn;
    CallArgs(const Args &args, const Kwargs &kwargs) {
      for (const auto &v : args) a.push_back(v.raw());
      for (const auto &p : kwargs) {
        kn.push_back(p.first.c_str());
        kv.push_back(p.second.raw());
      }
    }
    const ray_client_value *const *args() const { return a.data(); }
    size_t nargs() const { return a.size(); }
    const char *const *names() const { return kn.data(); }
    const ray_client_value *const *values() const { return kv.data(); }
    size_t nkw() const { return kn.size(); }
  };

  // The callbacks run on the I/O thread and never throw.
  template <class T>
  static void fail(std::promise<T> &p, ray_client_error *error, int status) noexcept {
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
  static void on_get(void *user, int status, ray_client_value *value, ray_client_error *error) noexcept {
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
  static void on_get_many(void *user, int status, ray_client_value **values, size_t n,
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
  static void on_wait(void *user, int status, const uint8_t *ready, size_t n, size_t num_ready,
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

  std::shared_ptr<void> keep_;  // the log callback, alive as long as the connection may use it
};

}  // namespace ray_client

#include <ray_client/borrowed.hpp>

#endif  // RAY_CLIENT_HPP
