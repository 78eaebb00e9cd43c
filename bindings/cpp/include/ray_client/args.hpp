// ray_client/args.hpp: ray_client::Args, the arguments of one call (positional values,
// then keyword arguments), and Kwargs, keyword arguments as name/value pairs.
// Apache-2.0.
//
//   c.call(square, {12});                                // square(12)
//   c.call(add, Args{1, 2}.push_kw("c", 10));            // add(1, 2, c=10)
//   c.call(add, Args({1, 2}, {{"c", 10}}));              // the same, from a Kwargs list
//   c.call(set_of, items);                               // set_of(*items), a vector<Value>
//
// Ownership: an Args owns one argument-list handle and frees it in its destructor. Values
// are copied in as they are pushed (the caller keeps its Values) and read when the list is
// passed to a call, so one Args may serve many calls; clear() empties it for reuse.
// Move-only; a moved-from Args holds none and a call given it throws Error
// (null_argument) rather than calling with no arguments.
// Thread-safety: the list is locked, so pushing from several threads is safe but racy
// (the order is open); do not push while another thread passes the list to a call, and
// do not assign or move an Args object while others use it.
#ifndef RAY_CLIENT_ARGS_HPP
#define RAY_CLIENT_ARGS_HPP

#include <ray_client/detail.hpp>
#include <ray_client/value.hpp>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {

/// Keyword arguments of a call, in order.
using Kwargs = std::vector<std::pair<std::string, Value>>;

/// The arguments of a call: `Args{1, "two"}`, then `.push_kw("name", value)` for each
/// keyword. A keyword given twice throws Error (invalid_argument), as Python refuses
/// `f(x=1, x=2)`.
class Args : public detail::Handle<ray_client_args, ray_client_args_free> {
 public:
  /// No arguments.
  Args() { detail::check(ray_client_args_new(&raw_)); }
  /// Positional arguments: `Args{1, "two", 3.0}` (each converted to a Value).
  Args(std::initializer_list<Value> positional) : Args() {
    for (const auto &v : positional) push(v);
  }
  /// Positional arguments from a vector (implicit: a std::vector<Value> is f(*values)),
  /// then keyword arguments.
  Args(const std::vector<Value> &positional, const Kwargs &kwargs = {}) : Args() {
    for (const auto &v : positional) push(v);
    for (const auto &kv : kwargs) push_kw(kv.first, kv.second);
  }
  explicit Args(ray_client_args *raw) noexcept : Handle(raw) {}
  Args(Args &&) noexcept = default;
  Args &operator=(Args &&) noexcept = default;

  // Each adder comes twice: on a named Args it returns the Args to chain on; on a
  // temporary (`Args{1}.push_kw("k", 2)`) it returns the Args itself, so
  // `Args a = Args{1}.push_kw("k", 2);` neither dangles nor needs a copy.

  /// Appends a positional argument.
  Args &push(const Value &v) & {
    detail::check(ray_client_args_push(raw_, v.raw()));
    return *this;
  }
  Args push(const Value &v) && { return std::move(push(v)); }
  /// Adds the keyword argument `name=v`.
  Args &push_kw(const std::string &name, const Value &v) & {
    detail::check(ray_client_args_push_kw(raw_, name.c_str(), v.raw()));
    return *this;
  }
  Args push_kw(const std::string &name, const Value &v) && { return std::move(push_kw(name, v)); }
  /// Empties the list, to reuse it for another call.
  Args &clear() {
    detail::check(ray_client_args_clear(raw_));
    return *this;
  }
};

namespace detail {

/// The handle of `args` for a call: NULL would mean "no arguments" to the C calls, so a
/// moved-from Args must not pass for an empty one.
inline const ray_client_args *args_raw(const Args &args) { return unmoved_raw(args, "args"); }

}  // namespace detail
}  // namespace ray_client

#endif  // RAY_CLIENT_ARGS_HPP
