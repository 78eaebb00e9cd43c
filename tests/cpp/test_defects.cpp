// Issue 15 from C++ (GoogleTest), against a real Ray cluster at $RAY_TEST_ADDRESS: numpy
// scalars as numbers, a cancelled task as task_cancelled, dicts with tuple / frozenset /
// bytes / int keys, error texts as Python prints them (and the remote message), sets equal
// in any order, log lines without colour codes, values over the caller's memory (no copy,
// released once), option values Ray refuses. Mirrors tests/defects.rs and
// tests/c/test_defects.c. Without RAY_TEST_ADDRESS the cluster tests are skipped.
#include <ray_client.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

using namespace ray_client;
using namespace std::chrono_literals;
using rc_test::address;
using rc_test::expect_error;
using rc_test::modules_dir;

namespace {

std::unique_ptr<Client> g_client;

class ClusterEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    if (address() == nullptr || *address() == '\0') return;
    ConnectOptions o(address());
    o.namespace_("cpp-defects")
        .runtime_env_json("{\"working_dir\": \"" + modules_dir() + "\", \"excludes\": [\"__pycache__\"]}")
        .connect_timeout(60s)
        .log_callback(rc_test::collect_log);
    g_client = std::make_unique<Client>(Client::connect(o));
  }
  void TearDown() override {
    if (g_client) {
      g_client->disconnect();
      g_client.reset();
      EXPECT_EQ(live_handles(), 0u);
    }
  }
};

[[maybe_unused]] auto *env = ::testing::AddGlobalTestEnvironment(new ClusterEnv);

class Defects : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!g_client) GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
  }
  const Client &c() const { return *g_client; }
  Value call_get(const std::string &fn, const Args &args = {}) const {
    return c().get(c().call("rc_test_tasks", fn, args), 120s);
  }
};

bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

// Waits up to 10 s for `n` to reach `want` (a release may run on the I/O thread just after
// the call that ended the library's use returned).
void await_count(const std::atomic<int> &n, int want) {
  for (int i = 0; i < 100 && n.load() < want; i++) std::this_thread::sleep_for(100ms);
}

// The address the library reads a bytes value from.
const uint8_t *bytes_address(const Value &v) {
  const uint8_t *d = nullptr;
  size_t n = 0;
  detail::check(ray_client_value_get_bytes(v.raw(), &d, &n));
  return d;
}

const void *ndarray_address(const Value &v) {
  const void *d = nullptr;
  detail::check(ray_client_value_ndarray_info(v.raw(), nullptr, nullptr, nullptr, &d, nullptr, nullptr));
  return d;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; i++) b[i] = static_cast<uint8_t>(i * 31 + (i >> 20));
  return b;
}

}  // namespace

// ---------------------------------------------------------------- without a cluster

TEST(DefectValues, SetsAndDictsEqualInAnyOrder) {
  EXPECT_EQ(Value::set({1, 2, 3}), Value::set({3, 1, 2}));
  EXPECT_EQ(Value::frozenset({"a", Value::tuple({1, 2})}), Value::frozenset({Value::tuple({1, 2}), "a"}));
  EXPECT_NE(Value::set({1, 2}), Value::set({1, 3}));
  EXPECT_NE(Value::set({1, 2}), Value::frozenset({1, 2}));
  EXPECT_EQ(Value::dict({{1, "a"}, {Value::tuple({2, 3}), "b"}}), Value::dict({{Value::tuple({2, 3}), "b"}, {1, "a"}}));
  EXPECT_NE(Value::dict({{1, "a"}, {2, "b"}}), Value::dict({{1, "b"}, {2, "a"}}));
  // Lists and tuples keep their order.
  EXPECT_NE(Value::list({1, 2}), Value::list({2, 1}));
  EXPECT_NE(Value::tuple({1, 2}), Value::tuple({2, 1}));
}

TEST(DefectValues, Uint64AboveInt64ReadsBack) {
  Value big = Value::bigint("18446744073709551615");
  EXPECT_EQ(big.as<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(Value(uint64_t(42)).as<uint64_t>(), 42u);
  expect_error([] { Value::bigint("18446744073709551616").as<uint64_t>(); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

TEST(DefectValues, BorrowedBytesAreReadInPlaceAndReleasedOnce) {
  std::vector<uint8_t> buf = pattern(1 << 20);
  std::atomic<int> released{0};
  {
    Value v = Value::bytes_view(buf.data(), buf.size(), [&] { released++; });
    EXPECT_EQ(bytes_address(v), buf.data());  // no copy
    Value copy = v;                           // a copy shares the buffer
    Value list = Value::list({v});            // so does a value holding it
    v = Value();
    copy = Value();
    EXPECT_EQ(released.load(), 0);
    EXPECT_EQ(list[0].get_bytes(), buf);
  }
  EXPECT_EQ(released.load(), 1);

  // A vector handed over is not copied either, and is freed with the value.
  std::vector<uint8_t> owned = pattern(4096);
  const uint8_t *at = owned.data();
  Value v = Value::bytes(std::move(owned));
  EXPECT_EQ(bytes_address(v), at);
  EXPECT_EQ(v.get_bytes(), pattern(4096));
  auto shared = std::make_shared<const std::vector<uint8_t>>(pattern(100));
  Value s = Value::bytes(shared);
  EXPECT_EQ(bytes_address(s), shared->data());
  EXPECT_EQ(shared.use_count(), 2);
  s = Value();
  EXPECT_EQ(shared.use_count(), 1);

  std::vector<double> xs{1, 2, 3, 4, 5, 6};
  const double *xp = xs.data();
  Value a = Value::ndarray(std::move(xs), {2, 3});
  EXPECT_EQ(ndarray_address(a), static_cast<const void *>(xp));
  EXPECT_EQ(a.as_ndarray<double>().data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(DefectValues, RefusedBorrowsNeverRelease) {
  std::atomic<int> released{0};
  double xs[6] = {1, 2, 3, 4, 5, 6};
  expect_error([&] { Value::bytes_view(nullptr, 5, [&] { released++; }); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  expect_error([&] { Value::ndarray_view(DType::Float64, {2, 3}, xs, 8, [&] { released++; }); },
               RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  // The shape does not match the data: refused, and the vector is freed, not leaked.
  expect_error([] { Value::ndarray(std::vector<double>{1, 2, 3}, {2, 2}); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(released.load(), 0);
  // No release function: memory that outlives the library's use anyway (static data).
  static const char hello[] = "hello";
  EXPECT_EQ(Value::bytes_view(hello, 5, nullptr).get_bytes(), (std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o'}));
}

TEST(DefectValues, OptionValuesRayRefusesThrowAtTheSetter) {
  struct Case {
    std::function<void(Options &)> set;
    const char *rule;
  };
  std::vector<Case> cases = {
      {[](Options &o) { o.max_retries(-2); }, "max_retries only accepts 0, -1 or a positive integer"},
      {[](Options &o) { o.max_concurrency(-1); }, "max_concurrency only accepts 0 or a positive integer"},
      {[](Options &o) { o.max_restarts(-5); }, "max_restarts only accepts"},
      {[](Options &o) { o.max_task_retries(-2); }, "max_task_retries only accepts"},
      {[](Options &o) { o.num_cpus(-1); }, "num_cpus must be a finite number >= 0"},
      {[](Options &o) { o.set_json("max_retries", "-3"); }, "max_retries only accepts"},
      {[](Options &o) { o.set_json("num_returns", "\"streaming\""); }, "call the generator as an item stream"},
  };
  for (const auto &k : cases) {
    Options o;
    Error e = expect_error([&] { k.set(o); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(e.kind(), "invalid_argument");
    EXPECT_TRUE(contains(e.what(), k.rule)) << e.what();
  }
  // What Ray accepts stays accepted: -1 (forever), 0.
  Options ok;
  EXPECT_NO_THROW(ok.max_retries(-1).max_concurrency(0).max_restarts(-1).max_task_retries(0));
  // A zero (or negative) connect timeout is refused where it is set.
  ConnectOptions co("ray://127.0.0.1:1");
  Error e = expect_error([&] { co.connect_timeout(0ms); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(e.what(), "greater than zero")) << e.what();
  expect_error([&] { co.connect_timeout(-5ms); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_NO_THROW(co.connect_timeout(1ms));
}

// ---------------------------------------------------------------- against the cluster

TEST_F(Defects, NumpyScalarsArriveAsPlainNumbers) {
  Value total = call_get("numpy_total");
  EXPECT_EQ(total.kind(), Kind::Float);
  EXPECT_EQ(total.as<double>(), 66.0);

  Value v = call_get("numpy_scalars");
  auto at = [&](const char *k) {
    auto x = v.get(k);
    if (!x) throw std::runtime_error(std::string("no key ") + k);
    return *x;
  };
  for (auto [k, want] : std::vector<std::pair<const char *, double>>{
           {"sum", 66.0}, {"mean", 5.5}, {"float32", 1.5}, {"float16", 0.25}}) {
    EXPECT_EQ(at(k).kind(), Kind::Float) << k;
    EXPECT_EQ(at(k).as<double>(), want) << k;
  }
  for (auto [k, want] : std::vector<std::pair<const char *, int64_t>>{
           {"int64", -3}, {"int32", 7}, {"int16", -300}, {"int8", -8}, {"uint8", 200},
           {"uint16", 60000}, {"uint32", 4000000000LL}, {"int_sum", 10}}) {
    EXPECT_EQ(at(k).kind(), Kind::Int) << k;
    EXPECT_EQ(at(k).as<int64_t>(), want) << k;
  }
  EXPECT_EQ(at("bool").kind(), Kind::Bool);
  EXPECT_TRUE(at("bool").as<bool>());
  // uint64's maximum does not fit an int64: a big int, as Python's int.
  EXPECT_EQ(at("uint64").kind(), Kind::BigInt);
  EXPECT_EQ(at("uint64").as<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(at("uint64").get_bigint(), "18446744073709551615");
}

TEST_F(Defects, ACancelledTaskThrowsTaskCancelled) {
  // A worker of this job with the module imported first, so that after 2 s the task runs
  // (a task cancelled while still queued reads differently: no "Task: TaskID(...)" text).
  call_get("nop");
  ObjectRef r = c().call("rc_test_tasks", "spin_forever");
  std::this_thread::sleep_for(2s);  // running, not queued
  c().cancel(r, false, true);
  Error e = expect_error([&] { c().get(r, 60s); }, RAY_CLIENT_ERROR_TASK_CANCELLED);
  EXPECT_EQ(e.kind(), "task_cancelled");
  EXPECT_EQ(e.cause_type().value_or(""), "TaskCancelledError")
      << e.what() << " / " << e.remote_type().value_or("-") << " / " << e.remote_message().value_or("-");
  ASSERT_TRUE(e.remote_message().has_value());
  EXPECT_EQ(e.remote_message()->rfind("Task: TaskID(", 0), 0u) << *e.remote_message();
  EXPECT_TRUE(contains(*e.remote_message(), "was cancelled")) << *e.remote_message();
  EXPECT_EQ(std::string(e.what()).rfind("get: TaskCancelledError: Task: TaskID(", 0), 0u) << e.what();
  EXPECT_FALSE(contains(e.what(), "Bytes(")) << e.what();
}

TEST_F(Defects, DictsWithAnyKeysArriveAndGoBackEqual) {
  Value v = call_get("tuple_keyed");
  ASSERT_EQ(v.kind(), Kind::Dict);
  ASSERT_EQ(v.size(), 5u);
  std::vector<Kind> keys;
  for (size_t i = 0; i < v.size(); i++) keys.push_back(v.dict_item(i).first.kind());
  EXPECT_EQ(keys, (std::vector<Kind>{Kind::Tuple, Kind::Tuple, Kind::FrozenSet, Kind::Bytes, Kind::Int}));
  auto [k0, v0] = v.dict_item(0);
  EXPECT_EQ(k0, Value::tuple({1, 2}));
  EXPECT_EQ(v0.as<std::string>(), "a");
  EXPECT_EQ(v.dict_item(2).first, Value::frozenset({4}));
  EXPECT_EQ(v.dict_item(3).first.as<std::vector<uint8_t>>(), (std::vector<uint8_t>{'k'}));
  Value built = Value::dict({{Value::tuple({1, 2}), "a"},
                             {Value::tuple({3, "x"}), "b"},
                             {Value::frozenset({4}), "c"},
                             {Value::bytes("k", 1), "d"},
                             {5, "e"}});
  EXPECT_EQ(v, built);
  // Back through a task: equal.
  EXPECT_EQ(call_get("identity", {v}), v);
  // Reading it as a str-keyed map is a clear error, not a crash.
  expect_error([&] { v.as<std::map<std::string, std::string>>(); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

TEST_F(Defects, ErrorMessagesReadAsPythonPrintsThem) {
  Error e = expect_error([&] { call_get("raise_key_error", {"x"}); }, RAY_CLIENT_ERROR_TASK_ERROR);
  EXPECT_EQ(e.kind(), "task_error");
  EXPECT_EQ(std::string(e.what()), "get: KeyError: 'x'");
  EXPECT_EQ(e.message(), "get: KeyError: 'x'");
  EXPECT_EQ(e.remote_message().value_or("<none>"), "'x'");
  EXPECT_EQ(e.cause_type().value_or(""), "KeyError");

  e = expect_error([&] { call_get("boom", {3}); }, RAY_CLIENT_ERROR_TASK_ERROR);
  EXPECT_EQ(std::string(e.what()), "get: ValueError: bad value 3");
  EXPECT_EQ(e.remote_message().value_or(""), "bad value 3");

  // What the user asked for, not an internal step.
  e = expect_error([&] { c().call("rc_test_tasks", "no_such_function"); }, RAY_CLIENT_ERROR_SERVER_ERROR);
  EXPECT_EQ(std::string(e.what()).rfind("looking up rc_test_tasks.no_such_function on the cluster: AttributeError: ", 0),
            0u)
      << e.what();

  // A killed actor: Python's text, with why it died.
  ActorHandle a = c().create_actor("rc_test_tasks", "Counter");
  EXPECT_EQ(c().get(c().call_method(a, "incr"), 60s).as<int64_t>(), 1);
  c().kill_actor(a, true);
  std::optional<Error> died;
  for (int i = 0; i < 50 && !died; i++) {
    try {
      c().get(c().call_method(a, "incr"), 60s);
      std::this_thread::sleep_for(100ms);
    } catch (const Error &err) {
      died = err;
    }
  }
  ASSERT_TRUE(died.has_value()) << "calls on a killed actor kept working";
  EXPECT_EQ(died->code(), RAY_CLIENT_ERROR_ACTOR_DIED) << died->what();
  EXPECT_EQ(died->kind(), "actor_died");
  ASSERT_TRUE(died->remote_message().has_value());
  EXPECT_EQ(died->remote_message()->rfind("The actor died unexpectedly", 0), 0u) << *died->remote_message();
  EXPECT_TRUE(contains(*died->remote_message(), "killed by `ray.kill`")) << *died->remote_message();
  std::string what = died->what();
  EXPECT_EQ(what.rfind("get: ActorDiedError: The actor died", 0), 0u) << what;
  EXPECT_FALSE(contains(what, "get: get:")) << what;
}

TEST_F(Defects, SetsEchoedThroughATaskEqualTheOriginal) {
  std::vector<Value> items, reversed;
  for (int64_t i = 0; i < 40; i++) items.emplace_back(i * 7919 % 1000);
  reversed.assign(items.rbegin(), items.rend());
  Value sent = Value::set(items);
  EXPECT_EQ(call_get("identity", {sent}), sent);
  Value built = call_get("set_of", items);
  EXPECT_EQ(built.kind(), Kind::Set);
  EXPECT_EQ(built, sent);
  EXPECT_EQ(built, Value::set(reversed));
  EXPECT_EQ(call_get("identity", {Value::frozenset(items)}), Value::frozenset(reversed));
}

TEST_F(Defects, LogLinesReachTheCallbackWithoutColourCodes) {
  EXPECT_EQ(call_get("colour_print", {"cpp-tinted"}).as<std::string>(), "cpp-tinted");
  std::string line = rc_test::await_log_line("cpp-tinted");
  ASSERT_FALSE(line.empty()) << "no output arrived";
  EXPECT_FALSE(contains(line, "\x1b")) << line;
  EXPECT_TRUE(contains(line, "(colour_print pid=")) << line;
}

TEST_F(Defects, LargePutsWithoutACopy) {
  // 64 MiB over the test's own buffer: put, read back, released once when done.
  const size_t n = 64u << 20;
  std::vector<uint8_t> buf = pattern(n);
  std::atomic<int> released{0};
  {
    Value v = Value::bytes_view(buf.data(), buf.size(), [&] { released++; });
    ObjectRef r = c().put(v);
    EXPECT_EQ(released.load(), 0);  // the value still holds it
    v = Value();
    Value back = c().get(r, 120s);
    const uint8_t *d = nullptr;
    size_t len = 0;
    detail::check(ray_client_value_get_bytes(back.raw(), &d, &len));
    ASSERT_EQ(len, n);
    EXPECT_EQ(std::memcmp(d, buf.data(), n), 0);
  }
  await_count(released, 1);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(released.load(), 1);

  // 64 MiB of doubles handed over as a numpy array, and back.
  std::vector<double> xs(n / sizeof(double));
  for (size_t i = 0; i < xs.size(); i++) xs[i] = static_cast<double>(i % 1000);
  std::vector<double> expected = xs;
  ObjectRef r = c().put(Value::ndarray(std::move(xs), {expected.size()}));
  NdArray<double> back = c().get(r, 120s).as_ndarray<double>();
  EXPECT_EQ(back.shape, (std::vector<size_t>{expected.size()}));
  EXPECT_TRUE(back.data == expected);

  // A borrowed array as a task argument.
  double small[6] = {1, 2, 3, 4, 5, 6};
  std::atomic<int> small_released{0};
  {
    Value a = Value::ndarray_view(DType::Float64, {2, 3}, small, sizeof small, [&] { small_released++; });
    Value d = call_get("describe_array", {a});
    EXPECT_EQ(d.get("sum")->as<double>(), 21.0);
    EXPECT_EQ(d.get("dtype")->as<std::string>(), "float64");
  }
  await_count(small_released, 1);
  EXPECT_EQ(small_released.load(), 1);
}

TEST_F(Defects, OptionValuesRayAcceptsStillWork) {
  // Refused values throw at the setter (DefectValues.OptionValuesRayRefusesThrowAtTheSetter),
  // so no call can carry one; the limits themselves still work.
  Options forever;
  forever.max_retries(-1);
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "square", {7}, forever), 60s).as<int64_t>(), 49);
  // num_returns=0 is valid in Ray (the call has no result).
  Options none;
  none.num_returns(0);
  EXPECT_TRUE(c().call_n(RemoteFunction("rc_test_tasks", "nop"), 0, {}, none).empty());
}
