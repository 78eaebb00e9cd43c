// ray_client/dashboard.hpp: ray_client::Dashboard, a cluster's dashboard (its HTTP APIs
// for Ray Jobs and the cluster's state), and DashboardOptions, how it is reached. The
// class below declares the whole API in one place; connecting is defined here, the rest,
// by concept, in
//   ray_client/jobs.hpp   submit_job, job_info, job_status, list_jobs, stop_job,
//                         delete_job, job_logs, wait_job, tail_job_logs (and
//                         JobSubmission, JobDetails, JobStatus, UploadProgress, LogTail)
//   ray_client/state.hpp  list_state, list_actors, list_tasks, list_nodes, list_objects,
//                         list_placement_groups, list_state_jobs, list_workers,
//                         summarize_tasks (and StateResource, ListOptions, the records)
// (both included at the end of this header). Apache-2.0.
//
//   Dashboard d = Dashboard::connect("http://127.0.0.1:8265");
//   std::string id = d.submit_job(JobSubmission("python run.py")
//                                     .runtime_env_json(R"({"working_dir": "./src"})"));
//   JobDetails done = d.wait_job(id);
//
// A Dashboard is independent of any Client: it speaks HTTP to the dashboard's port, not
// to the client port.
// Ownership: a Dashboard owns one handle and frees it in its destructor (jobs it
// submitted go on). Move-only; a moved-from Dashboard holds none and throws Error
// (null_argument) when used. A DashboardOptions owns one builder handle; connect() reads
// (copies) it, so it may be dropped or reused after.
// Thread-safety: the dashboard handle is thread-safe; any number of threads may make calls
// on one Dashboard at once. Every call blocks the calling thread on HTTP requests, so none
// may be made from a callback of this library (a LogCallback, an UploadProgress
// callback). DashboardOptions is a locked builder: do not set options while another thread
// connects with them. Do not assign or move either object while others use it.
#ifndef RAY_CLIENT_DASHBOARD_HPP
#define RAY_CLIENT_DASHBOARD_HPP

#include <ray_client/detail.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ray_client {

// Defined in ray_client/jobs.hpp and ray_client/state.hpp.
enum class JobStatus : int;
struct JobDetails;
class JobSubmission;
class LogTail;
enum class StateResource : int;
class ListOptions;
struct StateList;
struct ActorState;
struct TaskState;
struct NodeState;
struct ObjectState;
struct PlacementGroupState;
struct JobState;
struct WorkerState;

/// How a Dashboard is reached: its address, extra headers, job metadata, the cluster's
/// token, TLS and the request timeout. Setters chain.
class DashboardOptions
    : public detail::Handle<ray_client_dashboard_options, ray_client_dashboard_options_free> {
 public:
  /// Options for `address`: "http://host:8265", "https://host:8265", "host:8265", or a
  /// Ray Client address "ray://host:10001" (the cluster is asked where its dashboard
  /// is). Empty: RAY_API_SERVER_ADDRESS, then RAY_ADDRESS, then http://localhost:8265,
  /// read when connecting.
  explicit DashboardOptions(const std::string &address = "") {
    detail::check(ray_client_dashboard_options_new(address.c_str(), &raw_));
  }
  DashboardOptions(DashboardOptions &&) noexcept = default;
  DashboardOptions &operator=(DashboardOptions &&) noexcept = default;

  /// Adds a header sent with every request (an ingress's auth, a cookie).
  DashboardOptions &header(const std::string &name, const std::string &value) {
    return set(ray_client_dashboard_options_add_header(raw_, name.c_str(), value.c_str()));
  }
  /// Adds metadata to every job submitted through the dashboard (over a job's own keys,
  /// as Python merges them).
  DashboardOptions &metadata(const std::string &key, const std::string &value) {
    return set(ray_client_dashboard_options_add_metadata(raw_, key.c_str(), value.c_str()));
  }
  /// The cluster's token (nullopt: Ray's variables and files, as for Client::connect).
  DashboardOptions &auth_token(const std::optional<std::string> &token) {
    return set(ray_client_dashboard_options_set_auth_token(raw_, detail::c_str_or_null(token)));
  }
  /// PEM file of the CA of an https dashboard (nullopt: the system's roots); `insecure`
  /// accepts any certificate (Python's verify=False; for tests and tunnels only).
  DashboardOptions &tls(const std::optional<std::string> &ca_cert, bool insecure = false) {
    return set(ray_client_dashboard_options_set_tls(raw_, detail::c_str_or_null(ca_cert), insecure ? 1 : 0));
  }
  /// The longest one request may take (default 60 s); zero or negative throws
  /// invalid_argument here rather than at connect.
  DashboardOptions &timeout(std::chrono::milliseconds t) {
    if (t.count() <= 0)
      throw Error(RAY_CLIENT_ERROR_INVALID_ARGUMENT, "invalid_argument",
                  "the dashboard request timeout must be greater than zero (the default is 60 s)");
    return set(ray_client_dashboard_options_set_timeout_ms(raw_, static_cast<uint64_t>(t.count())));
  }

 private:
  DashboardOptions &set(ray_client_status rc) {
    detail::check(rc);
    return *this;
  }
};

/// A cluster's dashboard. Move-only. Each call is one or a few HTTP requests and blocks
/// until they are answered (or the request timeout passes).
class Dashboard : public detail::Handle<ray_client_dashboard, ray_client_dashboard_free> {
 public:
  explicit Dashboard(ray_client_dashboard *raw) noexcept : Handle(raw) {}
  Dashboard(Dashboard &&) noexcept = default;
  Dashboard &operator=(Dashboard &&) noexcept = default;

  // ---- connecting ----
  /// Connects to the dashboard at `address` (see DashboardOptions) with default options.
  /// It asks the dashboard for its Ray version, so an address where no dashboard answers
  /// throws here (connection_failed, naming the address).
  static Dashboard connect(const std::string &address = "") { return connect(DashboardOptions(address)); }
  static Dashboard connect(const DashboardOptions &options) {
    ray_client_dashboard *d = nullptr;
    // NULL options would mean "the defaults": a moved-from one must not.
    detail::check(ray_client_dashboard_connect(detail::unmoved_raw(options, "dashboard options"), &d));
    return Dashboard(d);
  }
  /// The dashboard's base URL, e.g. "http://10.0.0.1:8265".
  std::string url() const { return borrowed(ray_client_dashboard_url); }
  /// The Ray release the cluster runs, as its dashboard said.
  std::string ray_version() const { return borrowed(ray_client_dashboard_ray_version); }

  // ---- jobs (ray_client/jobs.hpp) ----
  /// Submits `job`: uploads its local working_dir / py_modules when the cluster lacks
  /// them, then starts it. Returns the submission id.
  std::string submit_job(const JobSubmission &job) const;
  /// What the dashboard knows of the job with this submission id or job id; an unknown
  /// one throws not_found (RAY_CLIENT_ERROR_NOT_FOUND).
  JobDetails job_info(const std::string &id) const;
  JobStatus job_status(const std::string &id) const;
  /// Every job the cluster ran or runs, submitted or not.
  std::vector<JobDetails> list_jobs() const;
  /// Asks the job to stop; true when it was running, false when it had ended.
  bool stop_job(const std::string &id) const;
  /// Deletes an ended job's record; true when it was deleted. A running job throws
  /// server_error.
  bool delete_job(const std::string &id) const;
  /// The job's whole log so far.
  std::string job_logs(const std::string &id) const;
  /// Waits until the job is over and returns its details; `timeout` (nullopt: no limit)
  /// bounds the wait (timeout error when it passes; the job goes on).
  JobDetails wait_job(const std::string &id,
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt) const;
  /// Follows the job's log from its start until the job ends (see LogTail).
  LogTail tail_job_logs(const std::string &id) const;

  // ---- the cluster's state (ray_client/state.hpp) ----
  // `options` defaults to ListOptions() (Python's defaults: 100 records, no filters);
  // the default arguments are given where the functions are defined, in state.hpp.
  /// One page of `resource`'s records as the dashboard sent them (Python's
  /// ray.util.state.list_*), by name: "actors", "tasks", "nodes", "objects",
  /// "placement_groups", "jobs", "workers"; another name throws invalid_argument.
  StateList list_state(const std::string &resource, const ListOptions &options) const;
  StateList list_state(StateResource resource, const ListOptions &options) const;
  std::vector<ActorState> list_actors(const ListOptions &options) const;
  std::vector<TaskState> list_tasks(const ListOptions &options) const;
  std::vector<NodeState> list_nodes(const ListOptions &options) const;
  std::vector<ObjectState> list_objects(const ListOptions &options) const;
  std::vector<PlacementGroupState> list_placement_groups(const ListOptions &options) const;
  /// Jobs as the State API lists them (list_jobs() is the Jobs API's list).
  std::vector<JobState> list_state_jobs(const ListOptions &options) const;
  std::vector<WorkerState> list_workers(const ListOptions &options) const;
  /// The summary of tasks by function name (Python's summarize_tasks) as JSON text: an
  /// object from node id ("cluster" for all) to the dashboard's summary. `timeout`
  /// (nullopt: 30 s) bounds the wait.
  std::string summarize_tasks(std::optional<std::chrono::milliseconds> timeout = std::nullopt) const;

 private:
  std::string borrowed(ray_client_status (*get)(const ray_client_dashboard *, const char **)) const {
    const char *s = nullptr;
    detail::check(get(raw_, &s));
    return s ? s : "";
  }
  // The whole reply of ray_client_state_list as JSON text (ray_client/state.hpp).
  std::string list_state_text(const char *resource, const ListOptions &options) const;
};

}  // namespace ray_client

#include <ray_client/jobs.hpp>
#include <ray_client/state.hpp>

#endif  // RAY_CLIENT_DASHBOARD_HPP
