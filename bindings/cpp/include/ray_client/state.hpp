// ray_client/state.hpp: the cluster's state as Python's ray.util.state lists it, through
// a Dashboard (the methods declared in ray_client/dashboard.hpp): StateResource,
// StateFilter, ListOptions, StateList (one page of records as JSON text), the typed
// records ActorState, TaskState, NodeState, ObjectState, PlacementGroupState, JobState,
// WorkerState, and summarize_tasks. Apache-2.0.
//
//   auto alive = d.list_workers(ListOptions().filter("is_alive", "=", "true"));
//   auto nodes = d.list_nodes();                       // Python's defaults: 100, no filter
//   StateList page = d.list_state("placement_groups", ListOptions().limit(5));
//
// A page holds at most `limit` records (default 100) of those matching every filter, so
// filter rather than search a page: on a long-running cluster dead workers, finished
// tasks and old jobs fill the first 100.
// Each typed record has the fields Python's *State class declares for every record; a
// field the dashboard left out (as it does for some without `detail`) or sent as null is
// empty / 0 / false, and `raw` keeps the record's JSON text with everything it sent.
//
// Ownership and thread-safety: everything here is a plain copyable value; the calls are
// Dashboard's (thread-safe, blocking).
#ifndef RAY_CLIENT_STATE_HPP
#define RAY_CLIENT_STATE_HPP

#include <ray_client/dashboard.hpp>
#include <ray_client/detail.hpp>
#include <ray_client/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {

/// What can be listed (Python's StateResource).
enum class StateResource : int { Actors, Tasks, Nodes, Objects, PlacementGroups, Jobs, Workers };

/// The endpoint's name, e.g. "placement_groups".
inline const char *to_string(StateResource r) noexcept {
  switch (r) {
    case StateResource::Actors: return "actors";
    case StateResource::Tasks: return "tasks";
    case StateResource::Nodes: return "nodes";
    case StateResource::Objects: return "objects";
    case StateResource::PlacementGroups: return "placement_groups";
    case StateResource::Jobs: return "jobs";
    case StateResource::Workers: return "workers";
  }
  return "";
}

/// One filter of a list: key, predicate ("=" or "!=", another one throws
/// invalid_argument when listing) and value, as Python's ("state", "=", "ALIVE").
struct StateFilter {
  std::string key, predicate, value;
};

/// How to list (Python's ListApiOptions). Setters chain:
/// `ListOptions().limit(10).detail(true).filter("state", "=", "ALIVE")`; the getters of
/// the same names read the values back.
class ListOptions {
 public:
  /// The most records to return (0: Python's default, 100).
  ListOptions &limit(uint32_t n) {
    limit_ = n;
    return *this;
  }
  /// The fields Python shows only in detail.
  ListOptions &detail(bool d) {
    detail_ = d;
    return *this;
  }
  /// Keeps the records where `key` `predicate` ("=" or "!=") `value`; every filter must
  /// match.
  ListOptions &filter(std::string key, std::string predicate, std::string value) {
    filters_.push_back(StateFilter{std::move(key), std::move(predicate), std::move(value)});
    return *this;
  }
  /// How long the dashboard may take to collect the records (default 30 s; zero or
  /// negative throws invalid_argument when listing).
  ListOptions &timeout(std::chrono::milliseconds t) {
    timeout_ = t;
    return *this;
  }

  uint32_t limit() const noexcept { return limit_; }
  bool detail() const noexcept { return detail_; }
  const std::vector<StateFilter> &filters() const noexcept { return filters_; }
  const std::optional<std::chrono::milliseconds> &timeout() const noexcept { return timeout_; }

 private:
  uint32_t limit_ = 0;
  bool detail_ = false;
  std::vector<StateFilter> filters_;
  std::optional<std::chrono::milliseconds> timeout_;
};

/// One page of records, as the dashboard sent them.
struct StateList {
  /// Each record's JSON text (an object).
  std::vector<std::string> records;
  /// How many records matched before the limit cut the page.
  uint64_t total = 0;
  /// Set when some sources did not answer (the page may be incomplete).
  std::string partial_failure_warning;
  std::vector<std::string> warnings;
};

/// Resources by name ({"CPU": 1.0}).
using Resources = std::map<std::string, double>;

/// An actor (Python's ActorState).
struct ActorState {
  std::string actor_id, class_name;
  /// DEPENDENCIES_UNREADY, PENDING_CREATION, ALIVE, RESTARTING or DEAD.
  std::string state;
  std::string job_id, name, node_id;
  int64_t pid = 0;
  std::string ray_namespace;
  bool is_detached = false;
  std::string placement_group_id, repr_name;
  Resources required_resources;
  int64_t num_restarts = 0;
  std::string raw;  ///< the record's JSON text
};

/// A task attempt (Python's TaskState).
struct TaskState {
  std::string task_id;
  int64_t attempt_number = 0;
  std::string name;
  /// PENDING_ARGS_AVAIL, ..., RUNNING, FINISHED, FAILED.
  std::string state;
  std::string job_id, actor_id;
  /// NORMAL_TASK, ACTOR_CREATION_TASK, ACTOR_TASK or DRIVER_TASK.
  std::string type;
  std::string func_or_class_name, parent_task_id, node_id, worker_id, error_type, error_message;
  std::string raw;  ///< the record's JSON text
};

/// A node (Python's NodeState).
struct NodeState {
  std::string node_id, node_ip;
  bool is_head_node = false;
  /// ALIVE or DEAD.
  std::string state;
  std::string state_message, node_name;
  Resources resources_total;
  int64_t start_time_ms = 0, end_time_ms = 0;
  std::string raw;  ///< the record's JSON text
};

/// An object in the object store (Python's ObjectState).
struct ObjectState {
  std::string object_id;
  int64_t object_size = 0;
  std::string task_status, reference_type, call_site, type;
  int64_t pid = 0;
  std::string ip;
  std::string raw;  ///< the record's JSON text
};

/// A placement group (Python's PlacementGroupState).
struct PlacementGroupState {
  std::string placement_group_id, name, creator_job_id;
  /// PENDING, PREPARED, CREATED, REMOVED or RESCHEDULING.
  std::string state;
  bool is_detached = false;
  std::string raw;  ///< the record's JSON text
};

/// A job as the State API lists it (Python's JobState: every job, drivers too).
struct JobState {
  std::string job_id, submission_id, status, entrypoint, type, message, error_type;
  int64_t start_time = 0, end_time = 0;
  std::string raw;  ///< the record's JSON text
};

/// A worker process (Python's WorkerState).
struct WorkerState {
  std::string worker_id;
  bool is_alive = false;
  std::string worker_type, exit_type, node_id, ip;
  int64_t pid = 0;
  std::string exit_detail;
  std::string raw;  ///< the record's JSON text
};

namespace detail {

// One record of each kind from its JSON (lenient: see the top of this header).
inline void read_record(const Json &j, ActorState &r) {
  r.actor_id = j.string_or("actor_id");
  r.class_name = j.string_or("class_name");
  r.state = j.string_or("state");
  r.job_id = j.string_or("job_id");
  r.name = j.string_or("name");
  r.node_id = j.string_or("node_id");
  r.pid = j.int_or("pid");
  r.ray_namespace = j.string_or("ray_namespace");
  r.is_detached = j.bool_or("is_detached");
  r.placement_group_id = j.string_or("placement_group_id");
  r.repr_name = j.string_or("repr_name");
  r.required_resources = j.number_map("required_resources");
  r.num_restarts = j.int_or("num_restarts");
}

inline void read_record(const Json &j, TaskState &r) {
  r.task_id = j.string_or("task_id");
  r.attempt_number = j.int_or("attempt_number");
  r.name = j.string_or("name");
  r.state = j.string_or("state");
  r.job_id = j.string_or("job_id");
  r.actor_id = j.string_or("actor_id");
  r.type = j.string_or("type");
  r.func_or_class_name = j.string_or("func_or_class_name");
  r.parent_task_id = j.string_or("parent_task_id");
  r.node_id = j.string_or("node_id");
  r.worker_id = j.string_or("worker_id");
  r.error_type = j.string_or("error_type");
  r.error_message = j.string_or("error_message");
}

inline void read_record(const Json &j, NodeState &r) {
  r.node_id = j.string_or("node_id");
  r.node_ip = j.string_or("node_ip");
  r.is_head_node = j.bool_or("is_head_node");
  r.state = j.string_or("state");
  r.state_message = j.string_or("state_message");
  r.node_name = j.string_or("node_name");
  r.resources_total = j.number_map("resources_total");
  r.start_time_ms = j.int_or("start_time_ms");
  r.end_time_ms = j.int_or("end_time_ms");
}

inline void read_record(const Json &j, ObjectState &r) {
  r.object_id = j.string_or("object_id");
  r.object_size = j.int_or("object_size");
  r.task_status = j.string_or("task_status");
  r.reference_type = j.string_or("reference_type");
  r.call_site = j.string_or("call_site");
  r.type = j.string_or("type");
  r.pid = j.int_or("pid");
  r.ip = j.string_or("ip");
}

inline void read_record(const Json &j, PlacementGroupState &r) {
  r.placement_group_id = j.string_or("placement_group_id");
  r.name = j.string_or("name");
  r.creator_job_id = j.string_or("creator_job_id");
  r.state = j.string_or("state");
  r.is_detached = j.bool_or("is_detached");
}

inline void read_record(const Json &j, JobState &r) {
  r.job_id = j.string_or("job_id");
  r.submission_id = j.string_or("submission_id");
  r.status = j.string_or("status");
  r.entrypoint = j.string_or("entrypoint");
  r.type = j.string_or("type");
  r.message = j.string_or("message");
  r.error_type = j.string_or("error_type");
  r.start_time = j.int_or("start_time");
  r.end_time = j.int_or("end_time");
}

inline void read_record(const Json &j, WorkerState &r) {
  r.worker_id = j.string_or("worker_id");
  r.is_alive = j.bool_or("is_alive");
  r.worker_type = j.string_or("worker_type");
  r.exit_type = j.string_or("exit_type");
  r.node_id = j.string_or("node_id");
  r.ip = j.string_or("ip");
  r.pid = j.int_or("pid");
  r.exit_detail = j.string_or("exit_detail");
}

/// The records array of a ray_client_state_list reply.
inline const Json &state_records(const Json &reply) {
  const Json *records = reply.find("records");
  if (records == nullptr || !records->is_array())
    throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol", "a state list without records");
  return *records;
}

/// Every record of a ray_client_state_list reply, typed.
template <class T>
std::vector<T> typed_records(const std::string &reply_text) {
  Json reply = Json::parse(reply_text);
  const Json &records = state_records(reply);
  std::vector<T> out;
  out.reserve(records.size());
  for (const Json &j : records.items()) {
    T r;
    if (j.is_object()) read_record(j, r);
    r.raw = j.dump();
    out.push_back(std::move(r));
  }
  return out;
}

/// A timeout for the C state calls, which read 0 as "the default": nullopt gives 0, a
/// zero or negative one throws rather than silently meaning the default.
inline uint64_t state_timeout_ms(const std::optional<std::chrono::milliseconds> &t, const char *what) {
  if (!t) return 0;
  if (t->count() <= 0)
    throw Error(RAY_CLIENT_ERROR_INVALID_ARGUMENT, "invalid_argument",
                std::string(what) + " timeout must be greater than zero");
  return static_cast<uint64_t>(t->count());
}

}  // namespace detail

// ---- Dashboard's state methods (declared in ray_client/dashboard.hpp) ----
// The default arguments are given here, where the types are complete.

inline std::string Dashboard::list_state_text(const char *resource, const ListOptions &options) const {
  uint64_t timeout = detail::state_timeout_ms(options.timeout(), "a state list's");
  std::vector<const char *> filters;
  filters.reserve(3 * options.filters().size());
  for (const StateFilter &f : options.filters()) {
    filters.push_back(f.key.c_str());
    filters.push_back(f.predicate.c_str());
    filters.push_back(f.value.c_str());
  }
  return detail::string_call([&](char **o) {
    return ray_client_state_list(raw_, resource, filters.empty() ? nullptr : filters.data(),
                                 options.filters().size(), options.limit(), options.detail() ? 1 : 0,
                                 timeout, o);
  });
}

inline StateList Dashboard::list_state(const std::string &resource, const ListOptions &options = ListOptions()) const {
  detail::Json reply = detail::Json::parse(list_state_text(resource.c_str(), options));
  StateList list;
  const detail::Json &records = detail::state_records(reply);
  list.records.reserve(records.size());
  for (const detail::Json &r : records.items()) list.records.push_back(r.dump());
  list.total = static_cast<uint64_t>(reply.int_or("total", static_cast<int64_t>(records.size())));
  list.partial_failure_warning = reply.string_or("partial_failure_warning");
  if (const detail::Json *w = reply.find("warnings"); w && w->is_array())
    for (const detail::Json &s : w->items())
      if (s.is_string()) list.warnings.push_back(s.as_string());
  return list;
}

inline StateList Dashboard::list_state(StateResource resource, const ListOptions &options = ListOptions()) const {
  return list_state(std::string(to_string(resource)), options);
}

inline std::vector<ActorState> Dashboard::list_actors(const ListOptions &options = ListOptions()) const {
  return detail::typed_records<ActorState>(list_state_text("actors", options));
}

inline std::vector<TaskState> Dashboard::list_tasks(const ListOptions &options = ListOptions()) const {
  return detail::typed_records<TaskState>(list_state_text("tasks", options));
}

inline std::vector<NodeState> Dashboard::list_nodes(const ListOptions &options = ListOptions()) const {
  return detail::typed_records<NodeState>(list_state_text("nodes", options));
}

inline std::vector<ObjectState> Dashboard::list_objects(const ListOptions &options = ListOptions()) const {
  return detail::typed_records<ObjectState>(list_state_text("objects", options));
}

inline std::vector<PlacementGroupState> Dashboard::list_placement_groups(
    const ListOptions &options = ListOptions()) const {
  return detail::typed_records<PlacementGroupState>(list_state_text("placement_groups", options));
}

inline std::vector<JobState> Dashboard::list_state_jobs(const ListOptions &options = ListOptions()) const {
  return detail::typed_records<JobState>(list_state_text("jobs", options));
}

inline std::vector<WorkerState> Dashboard::list_workers(const ListOptions &options = ListOptions()) const {
  return detail::typed_records<WorkerState>(list_state_text("workers", options));
}

inline std::string Dashboard::summarize_tasks(std::optional<std::chrono::milliseconds> timeout) const {
  uint64_t ms = detail::state_timeout_ms(timeout, "a summary's");
  return detail::string_call([&](char **o) { return ray_client_state_summarize_tasks(raw_, ms, o); });
}

}  // namespace ray_client

#endif  // RAY_CLIENT_STATE_HPP
