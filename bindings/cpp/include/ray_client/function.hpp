// ray_client/function.hpp: ray_client::RemoteFunction, a Python function on the cluster
// (by module and qualified name, or defined by Python source) with the options its calls
// use; and detail::Definition, what it shares with ActorClass (ray_client/actor_class.hpp).
// Calling one is Client::call / call_n (ray_client/client_tasks.hpp). Apache-2.0.
//
//   RemoteFunction square("rc_test_tasks", "square");
//   RemoteFunction cube = RemoteFunction::from_source("def cube(x):\n    return x ** 3\n", "cube");
//   RemoteFunction pair = RemoteFunction("rc_test_tasks", "pair").with_options(Options().num_returns(2));
//   ObjectRef r = c.call(square, {12});
//   std::vector<ObjectRef> rs = c.call_n(pair, 2, {12});
//
// Nothing is sent when one is made: a missing module or name shows on the first call.
// Ownership: a RemoteFunction owns one handle and frees it in its destructor; made once,
// it may be called any number of times, from any client. Move-only (with_options() makes
// a new one); a moved-from RemoteFunction holds none and a call given it throws Error
// (null_argument).
// Thread-safety: immutable, so any number of threads may call one RemoteFunction at once;
// do not assign or move the object while others use it.
#ifndef RAY_CLIENT_FUNCTION_HPP
#define RAY_CLIENT_FUNCTION_HPP

#include <ray_client/detail.hpp>
#include <ray_client/options.hpp>

#include <string>

namespace ray_client {
namespace detail {

/// Python code on the cluster that calls run: by module and qualified name, from source,
/// and with options attached. RemoteFunction and ActorClass are this over their own C
/// functions (Self is the derived class, which with_options() and from_source() return).
template <class Self, class Raw, ray_client_status (*Free)(Raw *),
          ray_client_status (*New)(const char *, const char *, Raw **),
          ray_client_status (*FromSource)(const char *, const char *, Raw **),
          ray_client_status (*WithOptions)(const Raw *, const ray_client_options *, Raw **)>
class Definition : public Handle<Raw, Free> {
 public:
  /// `qualname` (dotted for nested names) of `module`, importable on the cluster.
  Definition(const std::string &module, const std::string &qualname) {
    check(New(module.c_str(), qualname.c_str(), &this->raw_));
  }
  explicit Definition(Raw *raw) noexcept : Handle<Raw, Free>(raw) {}

  /// `name` defined by Python `source` (with the imports it needs inside); the cluster
  /// receives it by value.
  static Self from_source(const std::string &source, const std::string &name) {
    Raw *out = nullptr;
    check(FromSource(source.c_str(), name.c_str(), &out));
    return Self(out);
  }

  /// The same code with `options` attached (Python's `.options(...)`), in place of any
  /// attached before; options given to a call are set over them, key by key. The
  /// options are copied: changing `options` later changes nothing here.
  Self with_options(const Options &options) const {
    Raw *out = nullptr;
    check(WithOptions(this->raw_, options.raw(), &out));
    return Self(out);
  }
};

}  // namespace detail

/// A Python function on the cluster, with the options its calls use. Move-only.
class RemoteFunction
    : public detail::Definition<RemoteFunction, ray_client_function, ray_client_function_free,
                                ray_client_function_new, ray_client_function_from_source,
                                ray_client_function_with_options> {
 public:
  using Definition::Definition;
};

}  // namespace ray_client

#endif  // RAY_CLIENT_FUNCTION_HPP
