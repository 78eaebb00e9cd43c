// ray_client/jobs.hpp: Ray Jobs through a Dashboard (Python's JobSubmissionClient): a
// job is a shell command (its entrypoint) the cluster runs once, as a driver of its own,
// in a runtime environment whose local working_dir / py_modules are zipped and uploaded
// as Python does. JobStatus, JobDetails, UploadProgress, JobSubmission, LogTail, and the
// job methods of Dashboard (declared in ray_client/dashboard.hpp). Apache-2.0.
//
//   JobSubmission job("python run.py");
//   job.runtime_env_json(R"({"working_dir": "/path/to/src"})")
//       .upload_progress([](const UploadProgress &p) { /* p.sent of p.total */ });
//   std::string id = d.submit_job(job);
//   for (const std::string &chunk : d.tail_job_logs(id)) std::cout << chunk;
//   JobDetails done = d.wait_job(id);   // done.status == JobStatus::Succeeded
//
// Ownership: JobDetails and UploadProgress are plain values. A JobSubmission owns one
// builder handle (and the upload callback) and frees it in its destructor; submit_job
// reads it, so one may serve many submissions. A LogTail owns one tail handle; dropping
// it stops following (not the job). Both are move-only; a moved-from one holds none and
// throws Error (null_argument) when used.
// Thread-safety: a JobSubmission is a locked builder: do not set while another thread
// submits it. A LogTail has one reader (its calls from several threads take turns, but
// its iterator is single-pass and not synchronised). An UploadProgress callback runs on
// the library's I/O thread: it must return quickly and call nothing of this library that
// blocks; exceptions it throws are dropped.
#ifndef RAY_CLIENT_JOBS_HPP
#define RAY_CLIENT_JOBS_HPP

#include <ray_client/dashboard.hpp>
#include <ray_client/detail.hpp>
#include <ray_client/json.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {

/// A job's state (Python's JobStatus); the values are the C ABI's RAY_CLIENT_JOB_*.
enum class JobStatus : int {
  Pending = RAY_CLIENT_JOB_PENDING,      ///< waiting to start (runtime env, resources)
  Running = RAY_CLIENT_JOB_RUNNING,      ///< the entrypoint runs
  Stopped = RAY_CLIENT_JOB_STOPPED,      ///< stopped by a stop request
  Succeeded = RAY_CLIENT_JOB_SUCCEEDED,  ///< the entrypoint exited with 0
  Failed = RAY_CLIENT_JOB_FAILED,        ///< another exit code, or it could not start
};

/// The name the dashboard uses, e.g. "SUCCEEDED".
inline const char *to_string(JobStatus s) noexcept {
  switch (s) {
    case JobStatus::Pending: return "PENDING";
    case JobStatus::Running: return "RUNNING";
    case JobStatus::Stopped: return "STOPPED";
    case JobStatus::Succeeded: return "SUCCEEDED";
    case JobStatus::Failed: return "FAILED";
  }
  return "UNKNOWN";
}

inline std::ostream &operator<<(std::ostream &os, JobStatus s) { return os << to_string(s); }

/// Whether the job is over (stopped, succeeded or failed).
inline bool is_terminal(JobStatus s) noexcept {
  return s == JobStatus::Stopped || s == JobStatus::Succeeded || s == JobStatus::Failed;
}

namespace detail {

inline JobStatus job_status_from_c(int s) {
  switch (s) {
    case RAY_CLIENT_JOB_PENDING:
    case RAY_CLIENT_JOB_RUNNING:
    case RAY_CLIENT_JOB_STOPPED:
    case RAY_CLIENT_JOB_SUCCEEDED:
    case RAY_CLIENT_JOB_FAILED: return static_cast<JobStatus>(s);
  }
  throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol", "an unknown job status " + std::to_string(s));
}

inline JobStatus job_status_from_name(const std::string &name) {
  for (JobStatus s : {JobStatus::Pending, JobStatus::Running, JobStatus::Stopped, JobStatus::Succeeded,
                      JobStatus::Failed})
    if (name == to_string(s)) return s;
  throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol", "a job with the unknown status \"" + name + "\"");
}

}  // namespace detail

/// What the dashboard knows of one job (Python's JobDetails). Text fields are empty where
/// the dashboard has nothing (job_id before the driver started, message, error_type).
struct JobDetails {
  /// "SUBMISSION" for a job submitted through the Jobs API, "DRIVER" otherwise.
  std::string type;
  std::string job_id;
  std::string submission_id;
  JobStatus status = JobStatus::Pending;
  std::string entrypoint;
  /// The status in more detail ("Job finished successfully.", or for a failure the exit
  /// code and the last lines of the log).
  std::string message;
  /// "JOB_ENTRYPOINT_COMMAND_ERROR" and the like, when it failed.
  std::string error_type;
  int64_t start_time = 0;  ///< Unix ms
  int64_t end_time = 0;    ///< Unix ms, once over (0 before)
  std::map<std::string, std::string> metadata;
  /// The runtime environment as the cluster holds it (URIs for uploaded packages), JSON
  /// text ("null" when there is none).
  std::string runtime_env_json;
  std::string driver_node_id;
  /// The entrypoint's exit code, once it exited.
  std::optional<int64_t> driver_exit_code;
  /// Everything the dashboard sent (JSON text), also fields newer than this binding.
  std::string raw;

  /// Reads one job of the dashboard's JSON (what ray_client_job_info gives); malformed
  /// text or an unknown status throws protocol.
  static JobDetails from_json(const std::string &text) { return from(detail::Json::parse(text)); }

 private:
  friend class Dashboard;
  static JobDetails from(const detail::Json &j) {
    if (!j.is_object()) throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol", "a job's details are not an object");
    JobDetails d;
    d.type = j.string_or("type");
    d.job_id = j.string_or("job_id");
    d.submission_id = j.string_or("submission_id");
    d.status = detail::job_status_from_name(j.string_or("status"));
    d.entrypoint = j.string_or("entrypoint");
    d.message = j.string_or("message");
    d.error_type = j.string_or("error_type");
    d.start_time = j.int_or("start_time");
    d.end_time = j.int_or("end_time");
    d.metadata = j.string_map("metadata");
    d.runtime_env_json = j.dump_member("runtime_env");
    d.driver_node_id = j.string_or("driver_node_id");
    d.driver_exit_code = j.opt_int("driver_exit_code");
    d.raw = j.dump();
    return d;
  }
};

/// How a package upload goes: its URI (gcs://_ray_pkg_<hash>.zip), the bytes sent so far
/// and the total. Told after each piece, the last time with sent == total.
struct UploadProgress {
  std::string uri;
  uint64_t sent = 0;
  uint64_t total = 0;
};

/// Receives UploadProgress on the library's I/O thread (see the top of this header).
using UploadProgressCallback = std::function<void(const UploadProgress &)>;

/// A job to submit (the arguments of Python's submit_job). Setters chain; a value the
/// C ABI would misread (a negative resource) throws invalid_argument from its setter.
/// An empty entrypoint is refused when submitted (invalid_argument).
class JobSubmission
    : public detail::Handle<ray_client_job_submission, ray_client_job_submission_free> {
 public:
  /// A job running `entrypoint`, a shell command.
  explicit JobSubmission(const std::string &entrypoint) {
    detail::check(ray_client_job_submission_new(entrypoint.c_str(), &raw_));
  }
  JobSubmission(JobSubmission &&) noexcept = default;
  JobSubmission &operator=(JobSubmission &&) noexcept = default;  // the handle goes first
  // The handle first: it refers to the callback, which must outlive it.
  ~JobSubmission() { reset(); }

  /// The job's id (nullopt: the dashboard makes one, raysubmit_...).
  JobSubmission &submission_id(const std::optional<std::string> &id) {
    return set(ray_client_job_submission_set_submission_id(raw_, detail::c_str_or_null(id)));
  }
  /// The runtime environment as JSON text (an object; nullopt: none). A local working_dir
  /// or py_modules path is zipped and uploaded when the job is submitted, under the name
  /// Python gives it, and not again while the cluster has it.
  JobSubmission &runtime_env_json(const std::optional<std::string> &json) {
    return set(ray_client_job_submission_set_runtime_env_json(raw_, detail::c_str_or_null(json)));
  }
  JobSubmission &metadata(const std::string &key, const std::string &value) {
    return set(ray_client_job_submission_add_metadata(raw_, key.c_str(), value.c_str()));
  }
  /// CPUs reserved for the entrypoint itself (nullopt: none).
  JobSubmission &entrypoint_num_cpus(std::optional<double> n) {
    cpus_ = checked(n, "entrypoint_num_cpus");
    return resources();
  }
  /// GPUs reserved for the entrypoint itself (nullopt: none).
  JobSubmission &entrypoint_num_gpus(std::optional<double> n) {
    gpus_ = checked(n, "entrypoint_num_gpus");
    return resources();
  }
  /// Memory in bytes reserved for the entrypoint itself (0: none).
  JobSubmission &entrypoint_memory(uint64_t bytes) {
    memory_ = bytes;
    return resources();
  }
  /// Reserves `amount` of the custom resource `name` for the entrypoint.
  JobSubmission &entrypoint_resource(const std::string &name, double amount) {
    checked(amount, "entrypoint_resources[\"" + name + "\"]");
    return set(ray_client_job_submission_add_entrypoint_resource(raw_, name.c_str(), amount));
  }
  /// Tells `cb` how package uploads go (kept alive by this submission); an empty
  /// function stops telling.
  JobSubmission &upload_progress(UploadProgressCallback cb) {
    if (!cb) {
      detail::check(ray_client_job_submission_set_upload_progress(raw_, nullptr, nullptr));
      progress_.reset();
      return *this;
    }
    auto holder = std::make_shared<UploadProgressCallback>(std::move(cb));
    detail::check(ray_client_job_submission_set_upload_progress(raw_, &JobSubmission::on_progress, holder.get()));
    progress_ = std::move(holder);  // after the handle points at the new one
    return *this;
  }

 private:
  static void on_progress(void *user, const char *uri, uint64_t sent, uint64_t total) noexcept {
    try {
      auto *cb = static_cast<UploadProgressCallback *>(user);
      if (cb && *cb) (*cb)(UploadProgress{uri ? uri : "", sent, total});
    } catch (...) {
    }
  }
  // The C ABI reads a negative number as "unset": refuse it here instead.
  static std::optional<double> checked(std::optional<double> n, const std::string &what) {
    if (n && !(*n >= 0 && std::isfinite(*n)))
      throw Error(RAY_CLIENT_ERROR_INVALID_ARGUMENT, "invalid_argument", what + " must be a number >= 0");
    return n;
  }
  JobSubmission &resources() {
    return set(ray_client_job_submission_set_entrypoint_resources(raw_, cpus_ ? *cpus_ : -1, gpus_ ? *gpus_ : -1,
                                                                 memory_));
  }
  JobSubmission &set(ray_client_status rc) {
    detail::check(rc);
    return *this;
  }
  std::optional<double> cpus_, gpus_;
  uint64_t memory_ = 0;
  std::shared_ptr<UploadProgressCallback> progress_;
};

/// A job's log being followed, from its start until the job ends: an input range of
/// chunks of text (usually whole lines; a line may be split between chunks), so
///   for (const std::string &chunk : d.tail_job_logs(id)) ...
/// reads it all, blocking for each chunk, and ends when the job does. A failure (the
/// dashboard went away for longer than its request timeout) throws from the loop.
/// Single-pass: begin() continues where reading stopped. Dropping the LogTail (or
/// breaking out of the loop over a temporary) stops following; the job goes on.
class LogTail : public detail::Handle<ray_client_log_tail, ray_client_log_tail_free> {
 public:
  explicit LogTail(ray_client_log_tail *raw) noexcept : Handle(raw) {}
  LogTail(LogTail &&) noexcept = default;
  LogTail &operator=(LogTail &&) noexcept = default;

  /// The next chunk, blocking until there is one; nullopt once the log ended.
  std::optional<std::string> next() {
    if (ended_) return std::nullopt;
    detail::OwnedString chunk;
    detail::check(ray_client_log_tail_next(raw_, &chunk.p));
    if (chunk.p == nullptr) {
      ended_ = true;
      return std::nullopt;
    }
    return chunk.str();
  }
  /// Whether next() gave nullopt: the log ended with the job.
  bool ended() const noexcept { return ended_; }

  /// An input iterator over the chunks; equal to end() once the log ended. It refers to
  /// its LogTail, which must outlive it and not move meanwhile.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string *;
    using reference = const std::string &;

    iterator() = default;  // end()
    reference operator*() const { return chunk_; }
    pointer operator->() const { return &chunk_; }
    iterator &operator++() {
      advance();
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      advance();
      return before;
    }
    friend bool operator==(const iterator &a, const iterator &b) { return a.tail_ == b.tail_; }
    friend bool operator!=(const iterator &a, const iterator &b) { return !(a == b); }

   private:
    friend class LogTail;
    explicit iterator(LogTail *tail) : tail_(tail) { advance(); }
    void advance() {
      if (tail_ == nullptr) return;
      std::optional<std::string> c = tail_->next();
      if (c) {
        chunk_ = std::move(*c);
      } else {
        tail_ = nullptr;
        chunk_.clear();
      }
    }
    LogTail *tail_ = nullptr;
    std::string chunk_;
  };

  /// Reads the next chunk (blocking) and points at it.
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  bool ended_ = false;
};

// ---- Dashboard's job methods (declared in ray_client/dashboard.hpp) ----

inline std::string Dashboard::submit_job(const JobSubmission &job) const {
  return detail::string_call([&](char **o) { return ray_client_job_submit(raw_, job.raw(), o); });
}

inline JobDetails Dashboard::job_info(const std::string &id) const {
  return JobDetails::from_json(
      detail::string_call([&](char **o) { return ray_client_job_info(raw_, id.c_str(), o); }));
}

inline JobStatus Dashboard::job_status(const std::string &id) const {
  int s = -1;
  detail::check(ray_client_job_status(raw_, id.c_str(), &s));
  return detail::job_status_from_c(s);
}

inline std::vector<JobDetails> Dashboard::list_jobs() const {
  detail::Json list =
      detail::Json::parse(detail::string_call([&](char **o) { return ray_client_job_list(raw_, o); }));
  if (!list.is_array()) throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol", "the job list is not a list");
  std::vector<JobDetails> jobs;
  jobs.reserve(list.size());
  for (const detail::Json &j : list.items()) jobs.push_back(JobDetails::from(j));
  return jobs;
}

inline bool Dashboard::stop_job(const std::string &id) const {
  int stopped = 0;
  detail::check(ray_client_job_stop(raw_, id.c_str(), &stopped));
  return stopped != 0;
}

inline bool Dashboard::delete_job(const std::string &id) const {
  int deleted = 0;
  detail::check(ray_client_job_delete(raw_, id.c_str(), &deleted));
  return deleted != 0;
}

inline std::string Dashboard::job_logs(const std::string &id) const {
  return detail::string_call([&](char **o) { return ray_client_job_logs(raw_, id.c_str(), o); });
}

inline JobDetails Dashboard::wait_job(const std::string &id, std::optional<std::chrono::milliseconds> timeout) const {
  // A negative timeout would read as "no limit" in C: a wait already past its limit.
  if (timeout && timeout->count() < 0) timeout = std::chrono::milliseconds(0);
  return JobDetails::from_json(detail::string_call(
      [&](char **o) { return ray_client_job_wait(raw_, id.c_str(), detail::to_ms(timeout), o); }));
}

inline LogTail Dashboard::tail_job_logs(const std::string &id) const {
  ray_client_log_tail *t = nullptr;
  detail::check(ray_client_job_tail_logs(raw_, id.c_str(), &t));
  return LogTail(t);
}

}  // namespace ray_client

#endif  // RAY_CLIENT_JOBS_HPP
