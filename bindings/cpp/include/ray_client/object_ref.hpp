// ray_client/object_ref.hpp: ray_client::ObjectRef, a reference to an object in the
// cluster (what put() and calls return, and what get() and wait() take). Apache-2.0.
//
// Ownership: an ObjectRef owns one handle of the ref and releases it in its destructor;
// the cluster frees the object when no handle (nor a value or task holding it) refers to
// it. Copies are new handles to the same object (the C clone function); a moved-from
// ObjectRef holds none and throws Error (null_argument) when used.
// Thread-safety: the handle is thread-safe; one ObjectRef object may be read from many
// threads, but not assigned or moved while others use it.
#ifndef RAY_CLIENT_OBJECT_REF_HPP
#define RAY_CLIENT_OBJECT_REF_HPP

#include <ray_client/detail.hpp>

#include <string>
#include <vector>

namespace ray_client {

/// A reference to an object in the cluster. Copyable (copies are new handles).
class ObjectRef : public detail::CopyableHandle<ray_client_object_ref, ray_client_object_ref_free,
                                                ray_client_object_ref_clone> {
 public:
  using CopyableHandle::CopyableHandle;

  /// A new handle to the same object.
  ObjectRef clone() const { return ObjectRef(*this); }

  /// The hex id of the task that made the object (Python's ObjectRef.task_id()).
  std::string task_id() const {
    detail::OwnedString s;
    detail::check(ray_client_object_ref_task_id(raw_, &s.p));
    return s.str();
  }
  /// The object id in hex.
  std::string hex() const {
    detail::OwnedString s;
    detail::check(ray_client_object_ref_hex(raw_, &s.p));
    return s.str();
  }
};

namespace detail {

/// The raw handles of `refs`, for the C calls that take an array of refs.
inline std::vector<const ray_client_object_ref *> raw_refs(const std::vector<ObjectRef> &refs) {
  std::vector<const ray_client_object_ref *> raws;
  raws.reserve(refs.size());
  for (const auto &r : refs) raws.push_back(r.raw());
  return raws;
}

}  // namespace detail
}  // namespace ray_client

#endif  // RAY_CLIENT_OBJECT_REF_HPP
