// GoogleTest suite of the C++ binding's dashboard (bindings/cpp/include/ray_client/
// dashboard.hpp, jobs.hpp, state.hpp, json.hpp): Ray Jobs and the cluster's state against
// the real dashboard at $RAY_TEST_DASHBOARD_URL (tests/harness/ray-cluster writes it to
// the cluster's env file), the state tests also with a client at $RAY_TEST_ADDRESS.
// Without RAY_TEST_DASHBOARD_URL the cluster tests are skipped (the JSON reader, misuse
// and unreachable-address tests still run). No test limits how long the cluster takes:
// a job that never ends shows as this suite running on.
#include <ray_client.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support.hpp"

extern char **environ;  // the process's environment (POSIX; not every libc declares it)

using namespace ray_client;
using namespace std::chrono_literals;
using rc_test::address;
using rc_test::expect_error;
using ray_client::detail::Json;

namespace {

// The test cluster's dashboard; null or empty: the dashboard tests are skipped.
const char *dashboard_url() { return std::getenv("RAY_TEST_DASHBOARD_URL"); }

// A name no other run (or test) of this suite uses, so jobs and packages are new.
std::string unique(const std::string &what) {
  auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  return "rc-cpp-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(ns);
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// A fresh directory with one file, removed with the object.
struct TempDir {
  std::filesystem::path path;
  TempDir(const std::string &file, const std::string &text) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rc-cpp-job-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path = tmpl;
    std::ofstream(path / file) << text;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A TCP port nothing listens on (bound to learn a free one, then closed).
int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr *>(&a), &len) != 0)
    throw std::runtime_error("free_port");
  close(s);
  return ntohs(a.sin_port);
}

// The ids of the nodes tests/harness/ray-cluster added to the test cluster.
std::vector<std::string> added_nodes() {
  std::vector<std::string> ids;
  const std::string prefix = "RAY_TEST_NODE_";
  for (char **e = environ; *e != nullptr; e++) {
    std::string var = *e;
    size_t eq = var.find('=');
    if (var.rfind(prefix, 0) == 0 && eq != std::string::npos) ids.push_back(var.substr(eq + 1));
  }
  return ids;
}

// The lines of `text` (without their newlines).
std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Every handle the suite made has been freed by its owner when it ends.
class LeakCheck : public ::testing::Environment {
 public:
  void TearDown() override { EXPECT_EQ(live_handles(), 0u); }
};
[[maybe_unused]] auto *leak_check = ::testing::AddGlobalTestEnvironment(new LeakCheck);

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (dashboard_url() == nullptr || *dashboard_url() == '\0') {
      // Like every cluster test here: skipped without a test cluster at all, but a cluster
      // without its dashboard is a broken setup, not a reason to test less.
      if (address() == nullptr || *address() == '\0') GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
      FAIL() << "RAY_TEST_ADDRESS is set but RAY_TEST_DASHBOARD_URL is not (the harness writes both)";
    }
    d_ = Dashboard::connect(dashboard_url());
  }
  const Dashboard &d() const { return d_; }
  Dashboard d_{nullptr};
};

// ---- the JSON reader (no cluster) ----

TEST(DashboardJson, ReadsEveryKind) {
  Json j = Json::parse(
      " {\"s\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20ac \\ud83d\\ude00 \\ud800x\", "
      "\"n\": [0, -0, 12, -7, 1.5e3, 2.25, 12345678901234567890, -1E-2], "
      "\"b\": [true, false, null], \"o\": {\"k\": {}, \"a\": []}, \"dup\": 1, \"dup\": 2, "
      "\"u\": \"\xc3\xa9\xe2\x82\xac\"}\n");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.find("s")->as_string(), "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbdx");
  EXPECT_EQ(j.find("u")->as_string(), "\xc3\xa9\xe2\x82\xac");  // raw UTF-8 passes through
  const auto &n = j.find("n")->items();
  ASSERT_EQ(n.size(), 8u);
  EXPECT_EQ(n[0].as_int(), 0);
  EXPECT_EQ(n[2].as_int(), 12);
  EXPECT_EQ(n[3].as_int(), -7);
  EXPECT_EQ(n[4].as_int(), 1500);
  EXPECT_DOUBLE_EQ(n[5].as_double(), 2.25);
  EXPECT_EQ(n[5].as_int(), 2);
  EXPECT_EQ(n[6].as_int(), INT64_MAX);  // saturates, as Rust's `as`
  EXPECT_EQ(n[6].number_text(), "12345678901234567890");
  EXPECT_DOUBLE_EQ(n[7].as_double(), -0.01);
  const auto &b = j.find("b")->items();
  EXPECT_TRUE(b[0].as_bool());
  EXPECT_FALSE(b[1].as_bool());
  EXPECT_TRUE(b[2].is_null());
  EXPECT_TRUE(j.find("o")->find("k")->is_object());
  EXPECT_EQ(j.find("o")->find("a")->size(), 0u);
  EXPECT_EQ(j.find("dup")->as_int(), 2);  // the last of a duplicated key
  EXPECT_EQ(j.find("missing"), nullptr);
  EXPECT_EQ(j.find("n")->find("x"), nullptr);  // not an object
  // Lenient field readers: absent or of another type gives the default.
  EXPECT_EQ(j.string_or("dup", "d"), "d");
  EXPECT_EQ(j.int_or("s", 9), 9);
  EXPECT_EQ(j.opt_int("missing"), std::nullopt);
  // dump() writes what parse() reads back to the same value.
  std::string once = j.dump();
  EXPECT_EQ(Json::parse(once).dump(), once);
  EXPECT_EQ(Json::parse("\"\\u0001\\u001f\"").dump(), "\"\\u0001\\u001f\"");
  expect_error([&] { j.find("s")->as_int(); }, RAY_CLIENT_ERROR_PROTOCOL);
  expect_error([&] { j.as_string(); }, RAY_CLIENT_ERROR_PROTOCOL);
}

TEST(DashboardJson, RefusesMalformedText) {
  const std::vector<std::string> bad = {
      "", " ", "{", "[1,]", "[1 2]", "{\"a\":}", "{\"a\" 1}", "{a: 1}", "{\"a\": 1,}", "01", "1.", "-", ".5",
      "1e", "+1", "\"\\x\"", "\"\\u12g4\"", "\"\\u12\"", std::string("\"a\nb\""), "\"open", "tru", "nul",
      "1 2", "[] x", "'s'", "NaN"};
  for (const std::string &text : bad) {
    Error e = expect_error([&] { Json::parse(text); }, RAY_CLIENT_ERROR_PROTOCOL);
    EXPECT_EQ(e.kind(), "protocol") << text;
  }
  // Deep nesting is refused, not allowed to exhaust the stack.
  std::string deep(Json::kMaxDepth + 1, '[');
  deep += std::string(Json::kMaxDepth + 1, ']');
  expect_error([&] { Json::parse(deep); }, RAY_CLIENT_ERROR_PROTOCOL);
  std::string ok(Json::kMaxDepth, '[');
  ok += std::string(Json::kMaxDepth, ']');
  EXPECT_TRUE(Json::parse(ok).is_array());
}

TEST(DashboardJson, JobDetailsFromJson) {
  JobDetails d = JobDetails::from_json(
      "{\"type\": \"SUBMISSION\", \"job_id\": null, \"submission_id\": \"s1\", \"status\": \"FAILED\", "
      "\"entrypoint\": \"false\", \"message\": \"m\", \"error_type\": null, \"start_time\": 1700000000000, "
      "\"end_time\": 1700000000500, \"metadata\": {\"a\": \"x\", \"n\": 3}, \"runtime_env\": {\"env_vars\": {}}, "
      "\"driver_exit_code\": 1, \"newer\": [1]}");
  EXPECT_EQ(d.type, "SUBMISSION");
  EXPECT_EQ(d.job_id, "");
  EXPECT_EQ(d.submission_id, "s1");
  EXPECT_EQ(d.status, JobStatus::Failed);
  EXPECT_EQ(d.start_time, 1700000000000);
  EXPECT_EQ(d.end_time, 1700000000500);
  EXPECT_EQ(d.metadata, (std::map<std::string, std::string>{{"a", "x"}, {"n", "3"}}));
  EXPECT_EQ(d.runtime_env_json, "{\"env_vars\":{}}");
  EXPECT_EQ(d.driver_exit_code, std::optional<int64_t>(1));
  EXPECT_TRUE(contains(d.raw, "\"newer\":[1]"));
  EXPECT_EQ(JobDetails::from_json("{\"status\": \"RUNNING\"}").driver_exit_code, std::nullopt);
  expect_error([] { JobDetails::from_json("{\"status\": \"EXPLODED\"}"); }, RAY_CLIENT_ERROR_PROTOCOL);
  expect_error([] { JobDetails::from_json("[]"); }, RAY_CLIENT_ERROR_PROTOCOL);
  EXPECT_STREQ(to_string(JobStatus::Succeeded), "SUCCEEDED");
  EXPECT_TRUE(is_terminal(JobStatus::Stopped));
  EXPECT_FALSE(is_terminal(JobStatus::Running));
  EXPECT_STREQ(to_string(StateResource::PlacementGroups), "placement_groups");
}

// ---- misuse and unreachable dashboards (no cluster) ----

TEST(DashboardMisuse, RefusedWhereMade) {
  expect_error([] { DashboardOptions().timeout(0ms); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([] { DashboardOptions().timeout(-5ms); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  DashboardOptions o("http://127.0.0.1:1");
  DashboardOptions taken = std::move(o);
  expect_error([&] { Dashboard::connect(o); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  Dashboard none(nullptr);
  expect_error([&] { none.job_logs("x"); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  expect_error([&] { none.url(); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  JobSubmission job("true");
  expect_error([&] { job.entrypoint_num_cpus(-1); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { job.entrypoint_num_gpus(std::nan("")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { job.entrypoint_resource("x", -2); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { job.runtime_env_json(std::string("[1]")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { job.runtime_env_json(std::string("{not json")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  job.entrypoint_num_cpus(0.5).entrypoint_num_gpus(std::nullopt).entrypoint_memory(0).submission_id(std::nullopt);
  JobSubmission moved = std::move(job);
  expect_error([&] { job.metadata("k", "v"); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  LogTail no_tail(nullptr);
  expect_error([&] { no_tail.next(); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

TEST(DashboardErrors, UnreachableDashboardNamesTheAddress) {
  std::string where = "127.0.0.1:" + std::to_string(free_port());
  Error e = expect_error([&] { Dashboard::connect("http://" + where); }, RAY_CLIENT_ERROR_CONNECTION_FAILED);
  EXPECT_EQ(e.kind(), "connection_failed");
  EXPECT_TRUE(contains(e.message(), where)) << e.message();
  // The same through options (a short request timeout changes nothing about refusal).
  e = expect_error([&] { Dashboard::connect(DashboardOptions(where).timeout(5s)); },
                   RAY_CLIENT_ERROR_CONNECTION_FAILED);
  EXPECT_TRUE(contains(e.message(), where)) << e.message();
}

TEST(DashboardErrors, InvalidAddress) {
  for (const char *bad : {"ftp://127.0.0.1:8265", "http://127.0.0.1:notaport", "http://[::1"}) {
    Error e = expect_error([&] { Dashboard::connect(bad); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(e.kind(), "invalid_argument") << bad;
  }
  expect_error([] { Dashboard::connect(DashboardOptions("http://127.0.0.1:1").header("bad header", "v")); },
               RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

// ---- against the real dashboard ----

TEST_F(DashboardTest, ConnectsAndSaysWhatItIs) {
  EXPECT_EQ(d().url(), dashboard_url());
  EXPECT_EQ(d().ray_version().rfind("2.", 0), 0u) << d().ray_version();
  Dashboard with_options =
      Dashboard::connect(DashboardOptions(dashboard_url()).header("X-Rc-Test", "1").metadata("suite", "cpp").timeout(60s));
  EXPECT_EQ(with_options.url(), d().url());
  // A Ray Client address: the cluster is asked where its dashboard is.
  if (address() != nullptr && *address() != '\0') {
    Dashboard by_cluster = Dashboard::connect(address());
    EXPECT_EQ(by_cluster.ray_version(), d().ray_version());
  }
}

// The dashboard over https (tests/run-cpp serves it through tests/harness/tls-forward,
// as an ingress serves Ray's plain-HTTP dashboard): its CA or no check opens it, the
// system roots refuse its certificate.
TEST_F(DashboardTest, HttpsWithItsCaOrNoCheck) {
  const char *https = std::getenv("RC_TEST_HTTPS_DASHBOARD_URL");
  const char *certs = std::getenv("RC_TEST_TLS_DIR");
  ASSERT_TRUE(https && *https && certs && *certs)
      << "RC_TEST_HTTPS_DASHBOARD_URL and RC_TEST_TLS_DIR are not set (tests/run-cpp sets them)";
  Dashboard with_ca = Dashboard::connect(DashboardOptions(https).tls(std::string(certs) + "/ca.crt"));
  EXPECT_EQ(with_ca.url(), https);
  with_ca.list_jobs();
  Dashboard unchecked = Dashboard::connect(DashboardOptions(https).tls(std::nullopt, true));
  unchecked.list_jobs();
  Error e = expect_error([&] { Dashboard::connect(https); }, RAY_CLIENT_ERROR_CONNECTION_FAILED);
  EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
}

// The token cluster's dashboard (tests/harness/secure-clusters, which tests/run-cpp and
// tests/run-all start): the token opens it, a wrong one is refused without showing it.
TEST_F(DashboardTest, TokenClusterOpensWithItsToken) {
  const char *url = std::getenv("RC_TEST_AUTH_DASHBOARD_URL");
  const char *token = std::getenv("RC_TEST_AUTH_TOKEN");
  ASSERT_TRUE(url && *url && token && *token)
      << "RC_TEST_AUTH_DASHBOARD_URL and RC_TEST_AUTH_TOKEN are not set (tests/run-cpp sets them)";
  Dashboard ok = Dashboard::connect(DashboardOptions(url).auth_token(std::string(token)));
  ok.list_jobs();
  Error e = expect_error([&] { Dashboard::connect(DashboardOptions(url).auth_token("wrong-" + std::string(token))); },
                         RAY_CLIENT_ERROR_AUTHENTICATION_FAILED);
  EXPECT_EQ(std::string(e.what()).find(token), std::string::npos);
}

TEST_F(DashboardTest, SubmitFromWorkingDirWaitLogsInfoList) {
  std::string id = unique("hello");
  std::string marker = "hello from C++ " + id;
  TempDir dir("hello.py", "print('" + marker + "')\n");
  std::mutex mu;
  std::vector<UploadProgress> progress;
  JobSubmission job("python hello.py");
  job.submission_id(id)
      .runtime_env_json("{\"working_dir\": \"" + dir.path.string() + "\"}")
      .metadata("owner", "cpp-test")
      .upload_progress([&](const UploadProgress &p) {
        std::lock_guard<std::mutex> g(mu);
        progress.push_back(p);
      });
  EXPECT_EQ(d().submit_job(job), id);
  {
    // The unique file makes a new package, so it was uploaded, and the callback told.
    std::lock_guard<std::mutex> g(mu);
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back().uri.rfind("gcs://_ray_pkg_", 0), 0u) << progress.back().uri;
    EXPECT_GT(progress.back().total, 0u);
    EXPECT_EQ(progress.back().sent, progress.back().total);
    for (size_t i = 1; i < progress.size(); i++) EXPECT_LE(progress[i - 1].sent, progress[i].sent);
  }
  JobDetails info = d().wait_job(id);
  EXPECT_EQ(info.status, JobStatus::Succeeded) << info.message;
  EXPECT_EQ(info.driver_exit_code, std::optional<int64_t>(0));
  EXPECT_EQ(info.type, "SUBMISSION");
  EXPECT_EQ(info.submission_id, id);
  EXPECT_EQ(info.entrypoint, "python hello.py");
  EXPECT_TRUE(info.job_id.empty()) << info.job_id;  // the script started no Ray driver
  EXPECT_FALSE(info.message.empty());
  EXPECT_EQ(info.metadata.at("owner"), "cpp-test");
  EXPECT_GT(info.start_time, 0);
  EXPECT_GE(info.end_time, info.start_time);
  EXPECT_TRUE(contains(info.runtime_env_json, progress.back().uri)) << info.runtime_env_json;
  EXPECT_TRUE(contains(info.raw, "\"entrypoint\":\"python hello.py\"")) << info.raw;
  EXPECT_EQ(d().job_status(id), JobStatus::Succeeded);
  EXPECT_TRUE(contains(d().job_logs(id), marker));
  std::vector<JobDetails> jobs = d().list_jobs();
  auto ours = std::find_if(jobs.begin(), jobs.end(), [&](const JobDetails &j) { return j.submission_id == id; });
  ASSERT_NE(ours, jobs.end());
  EXPECT_EQ(ours->status, JobStatus::Succeeded);
  // The State API lists it too.
  auto state = d().list_state_jobs(ListOptions().filter("submission_id", "=", id));
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].status, "SUCCEEDED");
  EXPECT_EQ(state[0].entrypoint, "python hello.py");
  // Submitting the same directory again uploads nothing: the cluster has the package.
  {
    std::lock_guard<std::mutex> g(mu);
    progress.clear();
  }
  std::string again = d().submit_job(job.submission_id(std::nullopt));
  EXPECT_EQ(again.rfind("raysubmit_", 0), 0u) << again;
  {
    std::lock_guard<std::mutex> g(mu);
    EXPECT_TRUE(progress.empty());
  }
  EXPECT_EQ(d().wait_job(again).status, JobStatus::Succeeded);
  EXPECT_TRUE(d().delete_job(again));
  EXPECT_TRUE(d().delete_job(id));
}

TEST_F(DashboardTest, FailingJobIsFailedWithItsMessage) {
  std::string id = d().submit_job(JobSubmission("python -c \"import sys; print('about to fail'); sys.exit(1)\""));
  {
    // Breaking out of a tail stops following, not the job.
    LogTail tail = d().tail_job_logs(id);
    for (const std::string &chunk : tail) {
      (void)chunk;
      break;
    }
  }
  JobDetails info = d().wait_job(id);
  EXPECT_EQ(info.status, JobStatus::Failed);
  EXPECT_EQ(info.driver_exit_code, std::optional<int64_t>(1));
  EXPECT_TRUE(contains(info.message, "exit code 1")) << info.message;
  EXPECT_TRUE(contains(info.message, "about to fail")) << info.message;  // the last lines of the log
  EXPECT_FALSE(info.error_type.empty());
  EXPECT_TRUE(contains(d().job_logs(id), "about to fail"));
  EXPECT_FALSE(d().stop_job(id));  // it had ended
  EXPECT_TRUE(d().delete_job(id));
}

TEST_F(DashboardTest, LongJobStoppedDeletedThenNotFound) {
  std::string id = unique("long");
  JobSubmission job("python -c 'import time; time.sleep(600)'");
  d().submit_job(job.submission_id(id));
  // A wait shorter than the job: a timeout error, and the job goes on.
  Error e = expect_error([&] { d().wait_job(id, 500ms); }, RAY_CLIENT_ERROR_TIMEOUT);
  EXPECT_EQ(e.kind(), "timeout");
  EXPECT_FALSE(is_terminal(d().job_status(id)));
  // A job that has not ended cannot be deleted.
  expect_error([&] { d().delete_job(id); }, RAY_CLIENT_ERROR_SERVER_ERROR);
  EXPECT_TRUE(d().stop_job(id));
  JobDetails info = d().wait_job(id);
  EXPECT_EQ(info.status, JobStatus::Stopped);
  EXPECT_EQ(d().job_status(id), JobStatus::Stopped);
  EXPECT_TRUE(d().delete_job(id));
  e = expect_error([&] { d().job_info(id); }, RAY_CLIENT_ERROR_NOT_FOUND);
  EXPECT_EQ(e.kind(), "not_found");
  EXPECT_TRUE(contains(e.message(), id)) << e.message();
  expect_error([&] { d().job_status(id); }, RAY_CLIENT_ERROR_NOT_FOUND);
  expect_error([&] { d().job_logs(id); }, RAY_CLIENT_ERROR_NOT_FOUND);
  expect_error([&] { d().tail_job_logs(id); }, RAY_CLIENT_ERROR_NOT_FOUND);
  expect_error([&] { d().stop_job(id); }, RAY_CLIENT_ERROR_NOT_FOUND);
  expect_error([&] { d().delete_job(id); }, RAY_CLIENT_ERROR_NOT_FOUND);
  expect_error([&] { d().job_info("raysubmit_nosuchjob"); }, RAY_CLIENT_ERROR_NOT_FOUND);
  expect_error([&] { d().job_info("no/such job"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

TEST_F(DashboardTest, TailYieldsEveryLineInOrderUntilTheJobEnds) {
  const int n = 40;
  std::string marker = unique("tail");
  std::string id = d().submit_job(JobSubmission(
      "python -c \"import time; [(print('" + marker + "', i, flush=True), time.sleep(0.05)) for i in range(" +
      std::to_string(n) + ")]\""));
  LogTail tail = d().tail_job_logs(id);
  std::string text;
  size_t chunks = 0;
  for (const std::string &chunk : tail) {
    text += chunk;
    chunks++;
  }
  EXPECT_TRUE(tail.ended());
  EXPECT_EQ(tail.next(), std::nullopt);  // stays ended
  EXPECT_GT(chunks, 0u);
  std::vector<std::string> ours;
  for (const std::string &l : lines_of(text))
    if (l.rfind(marker, 0) == 0) ours.push_back(l);  // not the line echoing the entrypoint
  std::vector<std::string> expected;
  for (int i = 0; i < n; i++) expected.push_back(marker + " " + std::to_string(i));
  EXPECT_EQ(ours, expected) << text;
  // The log ended because the job did.
  EXPECT_EQ(d().wait_job(id).status, JobStatus::Succeeded);
  // Following an ended job gives its whole log, then ends.
  std::string again;
  LogTail after = d().tail_job_logs(id);
  for (auto it = after.begin(); it != after.end(); ++it) again += *it;
  EXPECT_TRUE(contains(again, marker + " " + std::to_string(n - 1)));
  EXPECT_TRUE(d().delete_job(id));
}

TEST_F(DashboardTest, EmptyEntrypointIsRefused) {
  Error e = expect_error([&] { d().submit_job(JobSubmission("")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(e.message(), "entrypoint")) << e.message();
  expect_error([&] { d().submit_job(JobSubmission("  ")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  JobSubmission gone("true");
  JobSubmission taken = std::move(gone);
  expect_error([&] { d().submit_job(gone); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

// A client's job config (Python's JobConfig(metadata=..., default_actor_lifetime=
// "detached")): the metadata is listed with its job, and an actor created without a
// lifetime outlives the client.
TEST_F(DashboardTest, ClientJobConfigMetadataAndDetachedActors) {
  if (address() == nullptr || *address() == '\0') GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
  std::string tag = unique("job-config");
  std::string job_id;
  {
    Client c = Client::connect(ConnectOptions(address())
                                   .namespace_("rc-cpp-job-config")
                                   .logs(RAY_CLIENT_LOGS_OFF)
                                   .job_metadata("test", tag)
                                   .detached_actors());
    ActorHandle box = c.create_actor(
        ActorClass::from_source("class Box:\n    def get(self):\n        return 5\n", "Box"), {},
        Options().name(tag));
    EXPECT_EQ(c.get(c.call_method(box, "get", {})).as<int64_t>(), 5);
    job_id = Json::parse(c.runtime_context()).find("job_id")->as_string();
  }
  std::vector<JobDetails> jobs = d().list_jobs();
  auto job = std::find_if(jobs.begin(), jobs.end(), [&](const JobDetails &j) { return j.job_id == job_id; });
  ASSERT_NE(job, jobs.end()) << job_id;
  EXPECT_EQ(job->metadata["test"], tag);
  Client other = Client::connect(ConnectOptions(address()).logs(RAY_CLIENT_LOGS_OFF));
  ActorHandle again = other.get_actor(tag, std::string("rc-cpp-job-config"));
  EXPECT_EQ(other.get(other.call_method(again, "get", {})).as<int64_t>(), 5);
  other.kill_actor(again);
}

namespace {

// What one client's log callback received; wait() blocks, without a time limit, until a
// line holds `marker` and returns it.
struct Heard {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> lines;
  LogCallback callback() {
    return [this](int, const std::string &msg) {
      std::lock_guard<std::mutex> g(mu);
      lines.push_back(msg);
      cv.notify_all();
    };
  }
  std::string wait(const std::string &marker) {
    std::unique_lock<std::mutex> g(mu);
    for (;;) {
      for (const auto &l : lines)
        if (l.find(marker) != std::string::npos) return l;
      cv.wait(g);
    }
  }
  bool heard(const std::string &marker) {
    std::lock_guard<std::mutex> g(mu);
    return std::any_of(lines.begin(), lines.end(), [&](const std::string &l) { return l.find(marker) != std::string::npos; });
  }
};

ConnectOptions modules_options() {
  ConnectOptions o(address());
  o.runtime_env_json("{\"working_dir\": \"" + rc_test::modules_dir() + "\", \"excludes\": [\"__pycache__\"]}");
  return o;
}

}  // namespace

// The job's logging (Python's ray.init(logging_config=..., log_to_driver=...,
// logging_level=...)): a JSON configuration formats and filters the workers' records,
// log_to_driver(false) keeps a task's output on the cluster, bad values throw.
TEST(JobLogging, ConfigLogToDriverAndLevel) {
  if (address() == nullptr || *address() == '\0') GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
  std::string marker = unique("debug-record");
  Heard h, quiet_heard;
  // This client also hears the control output below (its server's ray logger at debug).
  Client c = Client::connect(modules_options().log_callback(h.callback()).logging_level("debug").logging_config_json(
      R"({"encoding": "JSON", "log_level": "debug", "additional_log_standard_attrs": ["name"]})"));
  // The workers' root logger is at DEBUG, as configured (Ray's default is INFO).
  EXPECT_EQ(c.get(c.call("rc_test_tasks", "log_record", {Value("rc_cpp_log"), Value(int64_t{10}), Value(marker)}))
                .as<int64_t>(),
            10);
  std::string line = h.wait(marker);
  Json record = Json::parse(line.substr(line.find('{')));
  EXPECT_EQ(record.string_or("message"), marker) << line;
  EXPECT_EQ(record.string_or("levelname"), "DEBUG") << line;
  EXPECT_EQ(record.string_or("name"), "rc_cpp_log") << line;

  Client quiet = Client::connect(modules_options().log_callback(quiet_heard.callback()).log_to_driver(false));
  std::string unheard = unique("unheard"), control = unique("heard");
  quiet.get(quiet.call("rc_test_tasks", "shout", {Value(unheard)}));
  // The same output from a client that hears it, after the quiet one's: once it has
  // arrived, the quiet one's had its chance too (and two seconds more).
  c.get(c.call("rc_test_tasks", "shout", {Value(control)}));
  h.wait(control);
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(quiet_heard.heard(unheard));
  ConnectOptions o(address());
  expect_error([&] { o.logging_level("loud"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { o.logging_config_json(R"({"encoding": "XML"})"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { o.logging_config_json(R"({"additional_log_standard_attrs": ["colour"]})"); },
               RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

// The library's diagnostics: each connect's steps at Debug (never a header's value), to a
// handler; nothing when off; bad levels throw.
TEST(Diagnostics, ConnectStepsAtDebugAndOff) {
  if (address() == nullptr || *address() == '\0') GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
  auto seen = std::make_shared<std::vector<Diagnostic>>();
  auto mu = std::make_shared<std::mutex>();
  set_diagnostic_handler(
      [seen, mu](const Diagnostic &d) {
        std::lock_guard<std::mutex> g(*mu);
        seen->push_back(d);
      },
      DiagnosticLevel::Debug);
  std::string id;
  {
    Client c = Client::connect(modules_options().logs(RAY_CLIENT_LOGS_OFF).header("x-rc-secret", "cpp-header-secret"));
    id = c.client_info().client_id;
  }
  {
    std::lock_guard<std::mutex> g(*mu);
    EXPECT_TRUE(std::any_of(seen->begin(), seen->end(), [&](const Diagnostic &d) {
      return d.level == DiagnosticLevel::Debug && d.target == "ray_client::connect" &&
             d.message.find("connected to") != std::string::npos && d.message.find(id) != std::string::npos;
    }));
    EXPECT_FALSE(std::any_of(seen->begin(), seen->end(), [](const Diagnostic &d) {
      return d.message.find("cpp-header-secret") != std::string::npos;
    }));
  }
  set_diagnostic_handler([seen, mu](const Diagnostic &d) {
    std::lock_guard<std::mutex> g(*mu);
    seen->push_back(d);
  }, DiagnosticLevel::Off);
  size_t before;
  {
    std::lock_guard<std::mutex> g(*mu);
    before = seen->size();
  }
  Client::connect(modules_options().logs(RAY_CLIENT_LOGS_OFF));
  {
    std::lock_guard<std::mutex> g(*mu);
    EXPECT_EQ(seen->size(), before);
  }
  expect_error([] { set_diagnostic_handler([](const Diagnostic &) {}, static_cast<DiagnosticLevel>(9)); },
               RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  reset_diagnostics();
}

TEST_F(DashboardTest, StateListsAndSummary) {
  // Nodes: the head and every node tests/harness/ray-cluster added (its env file names
  // them as RAY_TEST_NODE_<name>=<id>; the test cluster has a second one).
  auto nodes = d().list_nodes(ListOptions().filter("state", "=", "ALIVE"));
  std::vector<std::string> added = added_nodes();
  ASSERT_EQ(nodes.size(), 1 + added.size());
  EXPECT_EQ(std::count_if(nodes.begin(), nodes.end(), [](const NodeState &n) { return n.is_head_node; }), 1);
  for (const NodeState &n : nodes) {
    EXPECT_EQ(n.state, "ALIVE");
    EXPECT_EQ(n.node_id.size(), 56u) << n.raw;
    EXPECT_GT(n.resources_total.count("CPU") ? n.resources_total.at("CPU") : 0.0, 0.0) << n.raw;
  }
  for (const std::string &id : added) {
    EXPECT_TRUE(std::any_of(nodes.begin(), nodes.end(), [&](const NodeState &n) { return n.node_id == id; })) << id;
  }
  StateList page = d().list_state(StateResource::Nodes);
  EXPECT_GE(page.records.size(), 2u);
  EXPECT_GE(page.total, page.records.size());
  EXPECT_TRUE(Json::parse(page.records[0]).find("node_id") != nullptr);

  if (address() == nullptr || *address() == '\0') GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
  std::string ns = unique("state-ns");
  Client c = Client::connect(ConnectOptions(address()).namespace_(ns).logs(RAY_CLIENT_LOGS_OFF));
  std::string name = unique("acc");
  ActorHandle acc = c.create_actor(
      ActorClass::from_source("class Acc:\n    def __init__(self):\n        self.n = 0\n"
                              "    def add(self, x):\n        self.n += x\n        return self.n\n",
                              "Acc"),
      {}, Options().name(name));
  EXPECT_EQ(c.get(c.call_method(acc, "add", {2})).as<int64_t>(), 2);

  auto actors = d().list_actors(ListOptions().filter("name", "=", name));
  ASSERT_EQ(actors.size(), 1u);
  const ActorState &a = actors[0];
  EXPECT_EQ(a.class_name, "Acc");
  EXPECT_EQ(a.state, "ALIVE");
  EXPECT_EQ(a.ray_namespace, ns);
  EXPECT_EQ(a.actor_id.size(), 32u) << a.raw;
  EXPECT_GT(a.pid, 0);
  EXPECT_FALSE(a.node_id.empty());
  EXPECT_TRUE(contains(a.raw, name));

  // The method ran; the cluster reports task events a moment later, so wait for them
  // (no time limit: a report that never comes shows as this test running on).
  ListOptions by_actor = ListOptions().detail(true).filter("actor_id", "=", a.actor_id);
  std::vector<TaskState> tasks;
  for (;;) {
    tasks = d().list_tasks(by_actor);
    if (std::any_of(tasks.begin(), tasks.end(),
                    [](const TaskState &t) { return t.type == "ACTOR_TASK" && t.state == "FINISHED"; }))
      break;
    std::this_thread::sleep_for(200ms);
  }
  for (const TaskState &t : tasks) {
    EXPECT_EQ(t.actor_id, a.actor_id);
    EXPECT_FALSE(t.task_id.empty());
    if (t.type == "ACTOR_TASK") {
      EXPECT_TRUE(contains(t.func_or_class_name, "add")) << t.raw;
    }
  }

  // Live workers (filtered: dead ones of a long run would fill the default page of 100);
  // the actor's process is one of them.
  auto workers = d().list_workers(ListOptions().filter("is_alive", "=", "true"));
  ASSERT_FALSE(workers.empty());
  for (const WorkerState &w : workers) EXPECT_TRUE(w.is_alive) << w.raw;
  EXPECT_TRUE(std::any_of(workers.begin(), workers.end(), [&](const WorkerState &w) { return w.pid == a.pid; }));

  // An object put by this client.
  ObjectRef r = c.put(std::string(1000, 'x'));
  auto objects = d().list_objects(ListOptions().filter("object_id", "=", r.hex()));
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].object_id, r.hex());
  EXPECT_FALSE(objects[0].reference_type.empty()) << objects[0].raw;

  // A placement group of this client.
  std::string pg_name = unique("pg");
  PlacementGroup pg = c.create_placement_group("[{\"CPU\": 0.01}]", PlacementStrategy::Pack, pg_name);
  ASSERT_TRUE(c.wait_placement_group(pg, std::chrono::hours(24)));
  auto groups = d().list_placement_groups(ListOptions().filter("name", "=", pg_name));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].placement_group_id, pg.id());
  EXPECT_EQ(groups[0].state, "CREATED");
  c.remove_placement_group(pg);
  StateList few = d().list_state("placement_groups", ListOptions().limit(1));
  EXPECT_LE(few.records.size(), 1u);
  EXPECT_GE(few.total, 1u);

  // The summary by function name has the whole cluster and our method.
  Json summary = Json::parse(d().summarize_tasks());
  ASSERT_NE(summary.find("cluster"), nullptr) << summary.dump();
  EXPECT_TRUE(contains(summary.find("cluster")->dump(), "Acc.add")) << summary.dump();

  // Refused: an unknown resource, a predicate Python lacks, a non-positive timeout.
  expect_error([&] { d().list_state("bogus"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { d().list_nodes(ListOptions().filter("state", "<", "x")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { d().list_nodes(ListOptions().timeout(0ms)); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { d().summarize_tasks(-1ms); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);

  c.kill_actor(acc);
  c.disconnect();
}

}  // namespace
