// GoogleTest suite of the C++ binding (bindings/cpp/include/ray_client.hpp), run against a
// real Ray cluster at $RAY_TEST_ADDRESS. The test Python modules (tests/python, or
// $RC_TEST_MODULES) travel as the job's working_dir, so rc_test_tasks is importable.
// Without RAY_TEST_ADDRESS the cluster tests are skipped (the value tests still run).
#include <ray_client.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <ostream>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <csignal>
#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

#include "support.hpp"

using namespace ray_client;
using namespace std::chrono_literals;
using rc_test::address;
using rc_test::expect_error;
using rc_test::modules_dir;

namespace {

ConnectOptions main_options() {
  ConnectOptions o(address());
  o.namespace_("cpp")
      .runtime_env_json("{\"env_vars\": {\"RC_CPP\": \"yes\"}, \"working_dir\": \"" + modules_dir() +
                        "\", \"excludes\": [\"__pycache__\"]}")
      .connect_timeout(60s)
      .reconnect_grace_period(0s)
      .log_callback(rc_test::collect_log);
  return o;
}

Client *g_client = nullptr;

class ClusterEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    if (address() == nullptr || *address() == '\0') return;
    g_client = new Client(Client::connect(main_options()));
  }
  void TearDown() override {
    if (g_client) {
      g_client->disconnect();
      delete g_client;
      g_client = nullptr;
      // Every handle the binding handed out has been freed by its owner.
      EXPECT_EQ(live_handles(), 0u);
    }
  }
};

[[maybe_unused]] auto *env = ::testing::AddGlobalTestEnvironment(new ClusterEnv);

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (g_client == nullptr) GTEST_SKIP() << "RAY_TEST_ADDRESS is not set";
  }
  const Client &c() const { return *g_client; }
};

const std::string kCounterSource =
    "class Acc:\n"
    "    def __init__(self, start):\n"
    "        self.total = start\n"
    "    def add(self, x):\n"
    "        self.total += x\n"
    "        return self.total\n";

}  // namespace

// ---------------------------------------------------------------- values (no cluster)

TEST(Values, Scalars) {
  EXPECT_EQ(Value(42).as<int64_t>(), 42);
  EXPECT_EQ(Value(42).kind(), Kind::Int);
  EXPECT_EQ(Value(-7).as<int>(), -7);
  EXPECT_DOUBLE_EQ(Value(2.5).as<double>(), 2.5);
  EXPECT_EQ(Value(2.5).kind(), Kind::Float);
  EXPECT_EQ(Value(true).as<bool>(), true);
  EXPECT_EQ(Value(true).kind(), Kind::Bool);
  EXPECT_EQ(Value("hi").as<std::string>(), "hi");
  EXPECT_EQ(Value(std::string("a\0b", 3)).as<std::string>(), std::string("a\0b", 3));
  EXPECT_TRUE(Value(nullptr).is_none());
  EXPECT_TRUE(Value().is_none());
  EXPECT_EQ(Value(std::vector<uint8_t>{0, 1, 255}).kind(), Kind::Bytes);
  EXPECT_EQ(Value(std::vector<uint8_t>{0, 1, 255}).as<std::vector<uint8_t>>(),
            (std::vector<uint8_t>{0, 1, 255}));
  EXPECT_EQ(Value::bigint("123456789012345678901234567890").kind(), Kind::BigInt);
  EXPECT_EQ(Value::bigint("123456789012345678901234567890").get_bigint(),
            "123456789012345678901234567890");
  EXPECT_EQ(Value(uint64_t(18446744073709551615ull)).get_bigint(), "18446744073709551615");
  EXPECT_EQ(Value(std::optional<int>()).is_none(), true);
  EXPECT_EQ(Value(std::optional<int>(3)).as<std::optional<int>>(), std::optional<int>(3));
  EXPECT_EQ(Value(nullptr).as<std::optional<int>>(), std::nullopt);
}

TEST(Values, Containers) {
  std::vector<int64_t> xs{1, 2, 3};
  Value l = xs;
  EXPECT_EQ(l.kind(), Kind::List);
  EXPECT_EQ(l.size(), 3u);
  EXPECT_EQ(l[1].as<int64_t>(), 2);
  EXPECT_EQ(l.as<std::vector<int64_t>>(), xs);

  std::map<std::string, double> m{{"a", 1.5}, {"b", -2.0}};
  Value d = m;
  EXPECT_EQ(d.kind(), Kind::Dict);
  EXPECT_EQ((d.as<std::map<std::string, double>>()), m);
  ASSERT_TRUE(d.get("a").has_value());
  EXPECT_DOUBLE_EQ(d.get("a")->as<double>(), 1.5);
  EXPECT_FALSE(d.get("zzz").has_value());

  std::map<std::string, std::vector<std::string>> nested{{"k", {"x", "y"}}};
  EXPECT_EQ((Value(nested).as<std::map<std::string, std::vector<std::string>>>()), nested);

  Value t = Value::tuple({1, "two", 3.0, nullptr});
  EXPECT_EQ(t.kind(), Kind::Tuple);
  EXPECT_EQ(t[1].as<std::string>(), "two");
  EXPECT_TRUE(t[3].is_none());
  EXPECT_EQ(Value::set({1, 2}).kind(), Kind::Set);
  EXPECT_EQ(Value::frozenset({1}).kind(), Kind::FrozenSet);
  EXPECT_EQ(Value::bytearray({1, 2}).kind(), Kind::ByteArray);
  Value anykey = Value::dict({{1, "one"}, {Value::tuple({1, 2}), true}});
  EXPECT_EQ(anykey.size(), 2u);
  EXPECT_EQ(anykey.dict_item(0).first.as<int64_t>(), 1);
}

TEST(Values, JsonAndPickle) {
  Value d = std::map<std::string, Value>{{"a", 1}, {"b", "two"}};
  EXPECT_EQ(d.to_json(), "{\"a\":1,\"b\":\"two\"}");
  EXPECT_EQ(Value::from_json(d.to_json()), d);
  Value t = Value::from_json("{\"$tuple\": [1, {\"$bytes\": \"AAE=\"}]}");
  EXPECT_EQ(t.kind(), Kind::Tuple);
  EXPECT_EQ(t[1].as<std::vector<uint8_t>>(), (std::vector<uint8_t>{0, 1}));
  auto pickle = d.to_pickle();
  EXPECT_FALSE(pickle.empty());
  EXPECT_EQ(Value::from_pickle(pickle), d);
  expect_error([] { Value::from_json("{nope"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

template <class T>
void ndarray_round_trip(DType dt) {
  std::vector<T> data{T(1), T(2), T(3), T(4), T(5), T(6)};
  Value a = Value::ndarray(data, {2, 3});
  EXPECT_EQ(a.kind(), Kind::NdArray);
  EXPECT_EQ(a.ndarray_dtype(), dt);
  NdArray<T> back = a.as_ndarray<T>();
  EXPECT_EQ(back.shape, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(back.data, data);
  EXPECT_FALSE(back.fortran_order);
  Value copy = a;
  EXPECT_EQ(copy, a);
}

TEST(Values, NdArrays) {
  ndarray_round_trip<double>(DType::Float64);
  ndarray_round_trip<float>(DType::Float32);
  ndarray_round_trip<int64_t>(DType::Int64);
  ndarray_round_trip<int32_t>(DType::Int32);
  ndarray_round_trip<uint8_t>(DType::UInt8);
  // wrong shape for the data, wrong element type on the way back
  expect_error([] { Value::ndarray(std::vector<double>{1, 2, 3}, {2, 2}); },
               RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  Value a = Value::ndarray(std::vector<double>{1, 2}, {2});
  Error e = expect_error([&] { a.as_ndarray<int32_t>(); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(e.kind(), "invalid_argument");
}

TEST(Values, CopyMoveAndMisuse) {
  size_t before = live_handles();
  {
    Value a = "text";
    Value b = a;  // copy: a new handle
    EXPECT_EQ(a, b);
    Value c = std::move(a);
    EXPECT_FALSE(static_cast<bool>(a));
    EXPECT_EQ(b, c);
    // a moved-from value is no handle: calls throw, nothing crashes
    Error e = expect_error([&] { a.kind(); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
    EXPECT_EQ(e.kind(), "null_argument");
    EXPECT_FALSE(e.remote_type().has_value());
    EXPECT_FALSE(e.traceback().has_value());
    // wrong kind
    e = expect_error([&] { b.as<int64_t>(); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()), "");
    expect_error([&] { Value(1)[0]; }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([&] { Value(std::vector<int64_t>{1})[5]; }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([] { Value::bigint("12x"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    // std::runtime_error catches it too
    EXPECT_THROW(b.get_float(), std::runtime_error);
  }
  EXPECT_EQ(live_handles(), before);
}

TEST(Values, OptionsMisuse) {
  Options o;
  o.num_cpus(1).max_retries(2).name("x");
  expect_error([&] { o.runtime_env_json("[1"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  Options moved = std::move(o);
  expect_error([&] { o.num_cpus(1); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  ConnectOptions co("ray://127.0.0.1:1");
  expect_error([&] { co.runtime_env_json(std::string("[1")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

TEST(Values, Version) {
  EXPECT_EQ(version(), std::to_string(RAY_CLIENT_VERSION_MAJOR) + "." +
                           std::to_string(RAY_CLIENT_VERSION_MINOR) + "." +
                           std::to_string(RAY_CLIENT_VERSION_PATCH));
}

// ---------------------------------------------------------------- the call surface (no cluster)

TEST(Calls, ArgsBuildReuseAndRefuse) {
  size_t before = live_handles();
  {
    Args a{1, "two"};
    a.push(3.0).push_kw("k", 4);
    // A keyword given twice is refused, as Python refuses f(k=1, k=2).
    Error e = expect_error([&] { a.push_kw("k", 5); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(e.message().find("multiple values for keyword argument 'k'"), std::string::npos) << e.what();
    expect_error([&] { a.push_kw("", 1); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([] { Args({}, Kwargs{{"x", 1}, {"x", 2}}); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    a.clear();
    a.push_kw("k", 5);  // emptied: the name is free again
    // Built on a temporary, the list is moved out, not left dangling.
    Args b = Args{1}.push_kw("x", 2);
    Args moved = std::move(b);
    expect_error([&] { b.push(1); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  }
  EXPECT_EQ(live_handles(), before);
}

TEST(Calls, DefinitionsCheckNamesWhereMade) {
  size_t before = live_handles();
  {
    expect_error([] { RemoteFunction("", "f"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([] { RemoteFunction("m", ""); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([] { RemoteFunction::from_source("x", "not an identifier"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([] { ActorClass("m", ""); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    expect_error([] { ActorClass::from_source("class A: pass", "A B"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    // Nothing is sent when one is made: a module that exists nowhere is fine until called.
    RemoteFunction f("no_such_module_xyz", "f");
    RemoteFunction g = f.with_options(Options().num_cpus(1));
    EXPECT_NE(f.raw(), g.raw());
    RemoteFunction taken = std::move(f);
    expect_error([&] { f.with_options(Options()); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
    ActorClass cls = ActorClass::from_source("class A:\n    pass\n", "A");
    ActorClass cls_taken = std::move(cls);
    expect_error([&] { cls.with_options(Options()); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  }
  EXPECT_EQ(live_handles(), before);
}

TEST(Connect, RefusedAddressThrows) {
  ConnectOptions o("ray://127.0.0.1:1");
  o.connect_timeout(300ms);
  Error e = expect_error([&] { Client::connect(o); }, RAY_CLIENT_ERROR_CONNECTION_FAILED);
  EXPECT_EQ(e.kind(), "connection_failed");
}

TEST(Connect, SecurityOptions) {
  ConnectOptions o("ray://127.0.0.1:1");
  o.connect_timeout(300ms).tls(std::nullopt).tls(false).tls_server_name("localhost");
  expect_error([&] { o.auth_token(std::string(" ")); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  o.auth_token(std::nullopt).auth_token(std::string("s3cret-token"));
  // Certificates are read when connecting; a missing file is the caller's mistake.
  o.tls(true).tls_ca_cert(std::string("/nonexistent/ca.crt"));
  Error e = expect_error([&] { Client::connect(o); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("/nonexistent/ca.crt"), std::string::npos);
  EXPECT_EQ(e.message().find("s3cret-token"), std::string::npos);
}

// An "authorization" header (Python's _metadata, as behind an auth proxy) stands in for
// the token on every call, against the token cluster tests/run-cpp starts.
TEST(Connect, AuthorizationHeader) {
  const char *addr = std::getenv("RC_TEST_AUTH_ADDRESS");
  const char *token = std::getenv("RC_TEST_AUTH_TOKEN");
  ASSERT_TRUE(addr && token) << "RC_TEST_AUTH_ADDRESS and RC_TEST_AUTH_TOKEN are not set (tests/run-cpp sets them)";
  auto options = [&](const std::string &value) {
    ConnectOptions o(addr);
    o.logs(RAY_CLIENT_LOGS_OFF).header("x-request-source", "ray-client tests").header("Authorization", value);
    return o;
  };
  {
    Client c = Client::connect(options(std::string("Bearer ") + token));
    ObjectRef r = c.put(std::string("through the header"));
    EXPECT_EQ(c.get(r).as<std::string>(), "through the header");
  }
  Error wrong = expect_error([&] { Client::connect(options(std::string("Bearer wrong-") + token)); },
                             RAY_CLIENT_ERROR_AUTHENTICATION_FAILED);
  EXPECT_EQ(wrong.message().find(token), std::string::npos);
  ConnectOptions both = options(std::string("Bearer ") + token);
  both.auth_token(std::string(token));
  expect_error([&] { Client::connect(both); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  ConnectOptions reserved(addr);
  reserved.header("client_id", "x");
  Error r = expect_error([&] { Client::connect(reserved); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(r.message().find("protocol sets"), std::string::npos);
}

// tests/harness/fault-proxy in front of the test cluster; SIGUSR1 cuts every connection.
struct FaultProxy {
  pid_t pid = -1;
  std::string address;
  int control = -1;  // the proxy's stdin: commands
  int out = -1;      // its stdout after the address: command output
  FaultProxy() {
    std::string here = __FILE__;  // <repo>/tests/cpp/test_cpp.cpp
    std::string script = here.substr(0, here.rfind("/tests/cpp/")) + "/tests/harness/fault-proxy";
    int outs[2], ins[2];
    if (pipe(outs) != 0) throw std::runtime_error("pipe");
    if (pipe(ins) != 0) {
      close(outs[0]);
      close(outs[1]);
      throw std::runtime_error("pipe");
    }
    pid = fork();
    if (pid < 0) {
      for (int fd : {outs[0], outs[1], ins[0], ins[1]}) close(fd);
      throw std::runtime_error("fork");
    }
    if (pid == 0) {
      dup2(outs[1], 1);
      dup2(ins[0], 0);
      close(outs[0]);
      close(ins[1]);
      execlp("python3", "python3", script.c_str(), ::address(), static_cast<char *>(nullptr));
      _exit(127);
    }
    close(outs[1]);
    close(ins[0]);
    out = outs[0];
    control = ins[1];
    address = read_line();
    if (address.empty()) {
      stop();
      throw std::runtime_error("tests/harness/fault-proxy did not start");
    }
  }
  std::string read_line() const {
    std::string line;
    char ch;
    while (read(out, &ch, 1) == 1 && ch != '\n') line.push_back(ch);
    return line;
  }
  // Writes one command line to the proxy (see tests/harness/fault-proxy).
  void command(const std::string &line) const {
    std::string l = line + "\n";
    if (write(control, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
      throw std::runtime_error("writing to the fault proxy");
  }
  // The proxy's count of accepted connections and of idle cuts so far.
  std::pair<int, int> stats() const {
    command("stats");
    std::string line = read_line();
    int accepted = -1, cuts = -1;
    if (std::sscanf(line.c_str(), "accepted %d idle_cuts %d", &accepted, &cuts) != 2)
      throw std::runtime_error("fault proxy stats: " + line);
    return {accepted, cuts};
  }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
    for (int *fd : {&control, &out}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
  }
  void cut() const {
    kill(pid, SIGUSR1);
    std::this_thread::sleep_for(300ms);  // the proxy handles signals asynchronously
  }
  ~FaultProxy() { stop(); }
};

// Through a proxy that cuts connections silent for 3 s (as NATs and load balancers do),
// pings every second keep an idle client's connection: no cut, no new connection.
// Control: with the default (a ping every 30 s, like Python's client) the same proxy
// cuts it, and only reconnection saves the next call.
TEST(Connect, KeepalivePingsKeepAnIdleConnection) {
  for (bool with_pings : {true, false}) {
    FaultProxy proxy;
    ConnectOptions o(proxy.address);
    o.logs(RAY_CLIENT_LOGS_OFF);
    if (with_pings) o.keepalive(1s, 30s);
    Client client = Client::connect(o);
    EXPECT_EQ(client.get(client.put(1)).as<int64_t>(), 1);
    // Only now: starting the client's server may keep the connection silent longer.
    proxy.command("idle 3");
    int dialled = proxy.stats().first;
    std::this_thread::sleep_for(8s);
    EXPECT_EQ(client.get(client.put(2)).as<int64_t>(), 2);
    auto [accepted, cuts] = proxy.stats();
    if (with_pings) {
      EXPECT_EQ(cuts, 0) << "idle cuts despite 1 s pings";
      EXPECT_EQ(accepted, dialled) << "the connection was re-established while idle";
    } else {
      EXPECT_GT(cuts, 0) << "the control connection was never idle-cut";
    }
  }
}

TEST(Connect, SurvivesCutConnections) {
  FaultProxy proxy;
  ASSERT_EQ(proxy.address.rfind("ray://", 0), 0u) << proxy.address;
  ConnectOptions o(proxy.address);
  expect_error([&] { o.keepalive(0ms, 1s); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { o.keepalive(-1ms, 1s); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { o.keepalive(1s, -5s); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  o.keepalive(1s, 5s).logs(RAY_CLIENT_LOGS_OFF);
  Client client = Client::connect(o);
  EXPECT_EQ(client.connection_state(), Client::ConnectionState::Connected);
  for (int i = 0; i < 5; i++) {
    proxy.cut();
    ObjectRef r = client.put(i);
    EXPECT_EQ(client.get(r).as<int64_t>(), i);
  }
  EXPECT_EQ(client.connection_state(), Client::ConnectionState::Connected);
  client.disconnect();
  EXPECT_EQ(client.connection_state(), Client::ConnectionState::Lost);
}

// ---------------------------------------------------------------- cluster

TEST_F(Cluster, ClientInfo) {
  ServerInfo s = c().server_info();
  EXPECT_EQ(s.ray_version.substr(0, 2), "2.");
  EXPECT_EQ(s.python_version.substr(0, 1), "3");
  ClientInfo i = c().client_info();
  EXPECT_EQ(i.client_id.size(), 32u);
  EXPECT_EQ(i.namespace_, std::optional<std::string>("cpp"));
  EXPECT_TRUE(c().is_connected());
  EXPECT_NO_THROW(c().ping());
  EXPECT_TRUE(c().server_is_initialized());
  Client c2 = c().clone();
  EXPECT_EQ(c2.client_info().client_id, i.client_id);
}

TEST_F(Cluster, PutGet) {
  ObjectRef r = c().put("hello");
  EXPECT_EQ(r.hex().size(), 56u);  // 28-byte object id
  EXPECT_EQ(c().get(r).as<std::string>(), "hello");
  EXPECT_EQ(c().get_as<std::string>(r, 10s), "hello");
  ObjectRef copy = r;
  EXPECT_EQ(copy.hex(), r.hex());

  // values round trip through the object store
  std::vector<Value> values{
      Value(nullptr), Value(true), Value(-12), Value(1.25), Value("snow ☃"),
      Value(std::vector<uint8_t>{0, 1, 2}), Value(std::vector<std::string>{"a", "b"}),
      Value(std::map<std::string, int64_t>{{"x", 1}}), Value::tuple({1, 2}),
      Value::bigint("-123456789012345678901234567890"),
      Value::ndarray(std::vector<float>{1.5f, 2.5f}, {2}),
  };
  std::vector<ObjectRef> refs;
  for (const auto &v : values) refs.push_back(c().put(v));
  std::vector<Value> back = c().get_many(refs, 60s);
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < values.size(); i++) EXPECT_EQ(back[i], values[i]) << values[i].to_json();
}

// A large put and get report their progress from a library thread: from 0 to the whole,
// never backwards, the last report before the call returns.
TEST_F(Cluster, PutGetProgress) {
  struct Seen {
    std::mutex mu;
    std::vector<std::pair<uint64_t, uint64_t>> reports;
    bool on_caller = false;
  };
  auto check = [](Seen &s, uint64_t at_least) {
    std::lock_guard<std::mutex> g(s.mu);
    ASSERT_GE(s.reports.size(), 2u);
    EXPECT_EQ(s.reports.front().first, 0u);
    EXPECT_EQ(s.reports.back().first, s.reports.back().second);
    EXPECT_GE(s.reports.back().second, at_least);
    for (size_t i = 1; i < s.reports.size(); i++) EXPECT_LE(s.reports[i - 1].first, s.reports[i].first);
    EXPECT_FALSE(s.on_caller);
  };
  auto watcher = [](Seen &s) {
    auto caller = std::this_thread::get_id();
    return [&s, caller](uint64_t done, uint64_t total) {
      std::lock_guard<std::mutex> g(s.mu);
      s.reports.emplace_back(done, total);
      s.on_caller = s.on_caller || std::this_thread::get_id() == caller;
    };
  };
  std::vector<uint8_t> data(64u << 20, 0x3c);
  Seen put, get;
  ObjectRef r = c().put(Value(data), watcher(put));
  check(put, data.size());
  Value back = c().get(r, std::nullopt, watcher(get));
  check(get, data.size());
  EXPECT_EQ(back.as<std::vector<uint8_t>>(), data);
  // A callback that throws does not break the transfer.
  Value again = c().get(r, std::nullopt, [](uint64_t, uint64_t) { throw std::runtime_error("x"); });
  EXPECT_EQ(again.as<std::vector<uint8_t>>().size(), data.size());
}

TEST_F(Cluster, WaitAndTimeout) {
  ObjectRef slow = c().call("rc_test_tasks", "sleep_then", {3.0, 1});
  ObjectRef fast = c().put(2);
  WaitResult w = c().wait({slow, fast}, 1, 30s);
  EXPECT_EQ(w.num_ready, 1u);
  EXPECT_EQ(w.ready, (std::vector<bool>{false, true}));
  Error e = expect_error([&] { c().get(slow, 100ms); }, RAY_CLIENT_ERROR_TIMEOUT);
  EXPECT_EQ(e.kind(), "timeout");
  EXPECT_EQ(c().get(slow, 60s).as<int>(), 1);
  w = c().wait({slow, fast}, 2);
  EXPECT_EQ(w.num_ready, 2u);
}

TEST_F(Cluster, CallByName) {
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "square", {12}), 60s).as<int64_t>(), 144);
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "add", Args{1, 2}.push_kw("c", 10)), 60s).as<int64_t>(), 13);
  // stdlib function: no modules needed
  EXPECT_DOUBLE_EQ(
      c().get(c().call("statistics", "mean", {std::vector<double>{1, 2, 3, 4}}), 60s).as<double>(), 2.5);
  // kwargs and types arrive as sent
  Value echo = c().get(c().call("rc_test_tasks", "echo", Args({1, "s"}, {{"k", std::vector<uint8_t>{7}}})), 60s);
  EXPECT_EQ(echo.get("args")->as<std::vector<Value>>().size(), 2u);
  EXPECT_EQ(echo.get("kwargs")->get("k")->as<std::vector<uint8_t>>(), std::vector<uint8_t>{7});
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "type_name", {std::vector<uint8_t>{1}})).as<std::string>(),
            "bytes");
  // refs as arguments are resolved by Ray
  ObjectRef five = c().put(5);
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "square", {five})).as<int64_t>(), 25);
  // env var from the connect runtime env
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "env_var", {"RC_CPP"})).as<std::string>(), "yes");
}

TEST_F(Cluster, CallWithOptions) {
  Options o;
  o.num_cpus(1).max_retries(1).set_json("retry_exceptions", "false").runtime_env_json("{\"env_vars\": {\"RC_X\": \"opt\"}}");
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "env_var", {"RC_X"}, o), 60s).as<std::string>(), "opt");
  RemoteFunction pair("rc_test_tasks", "pair");
  Options two;
  two.num_returns(2);
  expect_error([&] { c().call(pair, {12}, two); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  std::vector<ObjectRef> refs = c().call_n(pair, 2, {12}, two);
  ASSERT_EQ(refs.size(), 2u);
  auto vals = c().get_many(refs, 60s);
  EXPECT_EQ(vals[0].as<int>(), 12);
  EXPECT_EQ(vals[1].as<int>(), 13);
  // numpy through a task
  Value arr = c().get(c().call("rc_test_tasks", "make_array", {2, 3}), 60s);
  NdArray<double> a = arr.as_ndarray<double>();
  EXPECT_EQ(a.shape, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<double>{0, 1, 2, 3, 4, 5}));
  Value desc = c().get(c().call("rc_test_tasks", "describe_array",
                                {Value::ndarray(std::vector<int32_t>{1, 2, 3, 4}, {2, 2})}), 60s);
  EXPECT_EQ(desc.get("dtype")->as<std::string>(), "int32");
  EXPECT_DOUBLE_EQ(desc.get("sum")->as<double>(), 10.0);
}

TEST_F(Cluster, CallFromSource) {
  const std::string src = "def triple(x):\n    print('cpp-log-marker', x)\n    return 3 * x\n";
  RemoteFunction triple = RemoteFunction::from_source(src, "triple");
  EXPECT_EQ(c().get(c().call(triple, {12}), 60s).as<int64_t>(), 36);
  Options o;
  o.num_cpus(0.5);
  EXPECT_EQ(c().get(c().call(triple, Args().push_kw("x", 2), o), 60s).as<int64_t>(), 6);
  Options two;
  two.num_returns(2);
  auto refs = c().call_n(RemoteFunction::from_source("def two():\n    return 1, 2\n", "two"), 2, {}, two);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(c().get(refs[1]).as<int>(), 2);
  // The name is checked where the function is made, before anything is sent.
  expect_error([&] { RemoteFunction::from_source("x", "not an identifier"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
}

// One function, one argument list: any number of calls, from any client.
TEST_F(Cluster, RemoteFunctionAndArgsServeManyCalls) {
  RemoteFunction add("rc_test_tasks", "add");
  Args args = Args{1, 2}.push_kw("c", 10);
  ObjectRef r1 = c().call(add, args);
  ObjectRef r2 = c().call(add, args);
  EXPECT_NE(r1.hex(), r2.hex());
  EXPECT_EQ(c().get(r1, 60s).as<int64_t>(), 13);
  EXPECT_EQ(c().get(r2, 60s).as<int64_t>(), 13);
  args.clear().push(5).push(6);
  EXPECT_EQ(c().get(c().call(add, args), 60s).as<int64_t>(), 11);

  RemoteFunction mean("statistics", "mean");
  Client other = Client::connect(address());
  EXPECT_DOUBLE_EQ(other.get(other.call(mean, {std::vector<double>{1, 2}}), 60s).as<double>(), 1.5);
  EXPECT_DOUBLE_EQ(c().get(c().call(mean, {std::vector<double>{3, 5}}), 60s).as<double>(), 4.0);

  // Moved-from handles are refused, not taken for "no function" or "no arguments".
  RemoteFunction taken = std::move(add);
  expect_error([&] { c().call(add, {1, 2}); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  Args args_taken = std::move(args);
  expect_error([&] { c().call(taken, args); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

// Options given to a call are set over the function's attached ones, key by key, as
// Python's f.options(...) per call; the attached ones stay the function's.
TEST_F(Cluster, PerCallOptionsMergeOverAttached) {
  auto env = [](const char *v) { return std::string("{\"env_vars\": {\"RC_X\": \"") + v + "\"}}"; };
  auto get_str = [&](const ObjectRef &r) { return c().get(r, 60s).as<std::optional<std::string>>(); };
  RemoteFunction env_var("rc_test_tasks", "env_var");
  RemoteFunction attached = env_var.with_options(Options().runtime_env_json(env("attached")));
  EXPECT_EQ(get_str(c().call(attached, {"RC_X"})), "attached");
  EXPECT_EQ(get_str(c().call(attached, {"RC_X"}, Options().runtime_env_json(env("call")))), "call");
  EXPECT_EQ(get_str(c().call(attached, {"RC_X"})), "attached");
  EXPECT_EQ(get_str(c().call(env_var, {"RC_X"})), std::nullopt);

  // A key the call does not set keeps the attached value.
  auto cpus = [&](const RemoteFunction &f, const Options &o) {
    return c().get(c().call(f, {}, o), 60s).get("resources")->get("CPU")->as<double>();
  };
  RemoteFunction half = RemoteFunction("rc_test_tasks", "task_resources").with_options(Options().num_cpus(0.5));
  EXPECT_DOUBLE_EQ(cpus(half, Options().max_retries(0)), 0.5);
  EXPECT_DOUBLE_EQ(cpus(half, Options().num_cpus(0.25)), 0.25);

  // num_returns attached: call_n with room for 2; one call may set it back to 1.
  RemoteFunction pair = RemoteFunction("rc_test_tasks", "pair").with_options(Options().num_returns(2));
  std::vector<ObjectRef> refs = c().call_n(pair, 2, {12});
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(c().get(refs[1], 60s).as<int64_t>(), 13);
  EXPECT_EQ(c().get(c().call(pair, {12}, Options().num_returns(1)), 60s), Value::tuple({12, 13}));
  // with_options attaches in place of what was attached (num_returns back to 1); only a
  // call's own options merge.
  RemoteFunction replaced = pair.with_options(Options().num_cpus(1));
  EXPECT_EQ(c().get(c().call(replaced, {12}), 60s), Value::tuple({12, 13}));
}

// The results array is sized by the caller to the call's num_returns; any other size is
// refused before anything is sent, for functions and methods alike.
TEST_F(Cluster, ResultsSizedToNumReturns) {
  RemoteFunction pair("rc_test_tasks", "pair");
  Options two;
  two.num_returns(2);
  Error e = expect_error([&] { c().call(pair, {12}, two); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("the call returns 2 results (num_returns), but results has room for 1"),
            std::string::npos) << e.what();
  e = expect_error([&] { c().call_n(pair, 3, {12}, two); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("room for 3"), std::string::npos) << e.what();
  e = expect_error([&] { c().call_n(pair, 2, {12}); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("the call returns 1 result (num_returns), but results has room for 2"),
            std::string::npos) << e.what();
  expect_error([&] { c().call_n(pair, 0, {12}); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  Options three;
  three.num_returns(3);
  std::vector<ObjectRef> refs = c().call_n(RemoteFunction::from_source("def t():\n    return 1, 2, 3\n", "t"), 3, {}, three);
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(c().get_many(refs, 60s), (std::vector<Value>{1, 2, 3}));

  ActorHandle a = c().create_actor(ActorClass("rc_test_tasks", "Counter"), {4});
  expect_error([&] { c().call_method(a, "incr", {}, two); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { c().call_method_n(a, "incr", 3, {}, two); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { c().call_method_n(a, "incr", 2); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  refs = c().call_method_n(a, "pair", 2, {}, two);
  ASSERT_EQ(refs.size(), 2u);
  // The refused calls never reached the actor: it still counts 4.
  EXPECT_EQ(c().get(refs[0], 60s).as<int64_t>(), 4);
  EXPECT_EQ(c().get(refs[1], 60s).as<int64_t>(), -4);
  c().kill_actor(a);
}

// Actor kinds beyond plain classes (tests/python/rc_actor_kinds.py): async methods run
// together up to max_concurrency, concurrency groups (declared with the class, set_json),
// @ray.method(num_returns=2).
TEST_F(Cluster, ActorKinds) {
  auto meet = [&](const ActorHandle &a, int n) {
    std::vector<ObjectRef> refs;
    for (int i = 0; i < n; i++) refs.push_back(c().call_method(a, "meet", {n}));
    for (const ObjectRef &r : refs) EXPECT_EQ(c().get(r).as<int64_t>(), n);
  };
  meet(c().create_actor(ActorClass("rc_actor_kinds", "AsyncMeeting"), {}, Options().max_concurrency(4)), 4);
  meet(c().create_actor(ActorClass("rc_actor_kinds", "Grouped"), {}, Options().set_json("concurrency_groups", "{\"io\": 2}")),
       2);
  ActorHandle splitter = c().create_actor(ActorClass("rc_actor_kinds", "Splitter"));
  Options two;
  two.num_returns(2);
  std::vector<ObjectRef> refs = c().call_method_n(splitter, "split", 2, {1, "b"}, two);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(c().get(refs[0]).as<int64_t>(), 1);
  EXPECT_EQ(c().get(refs[1]).as<std::string>(), "b");
}

// Item streams: a generator's items in order through next() and the iterator, the
// exception after the items before it, a timeout that keeps the stream's place, cancel and
// destruction stopping the generator (which writes to the KV store, namespace rc_streams),
// an actor's generator method.
TEST_F(Cluster, ItemStreams) {
  const std::optional<std::string> ns = "rc_streams";
  RemoteFunction count("rc_streams", "count");
  std::vector<int64_t> got;
  ItemStream all = c().call_streaming(count, {100});
  EXPECT_EQ(all.buffer(), 1024u);
  for (const Value &item : all) got.push_back(item.as<int64_t>());
  ASSERT_EQ(got.size(), 100u);
  for (int64_t i = 0; i < 100; i++) EXPECT_EQ(got[i], i);
  EXPECT_FALSE(all.next().has_value());

  ItemStream failing = c().call_streaming(RemoteFunction("rc_streams", "fail_after"), {2});
  EXPECT_EQ(failing.next()->as<int64_t>(), 0);
  EXPECT_EQ(failing.next()->as<int64_t>(), 1);
  Error e = expect_error([&] { failing.next(); }, RAY_CLIENT_ERROR_TASK_ERROR);
  EXPECT_EQ(e.cause_type().value_or(""), "ValueError");
  EXPECT_NE(std::string(e.what()).find("boom after 2"), std::string::npos) << e.what();
  EXPECT_FALSE(failing.next().has_value());

  std::string key = "cpp-lockstep-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  ItemStream lockstep = c().call_streaming(RemoteFunction("rc_streams", "lockstep"), {2, key});
  EXPECT_EQ(lockstep.next()->as<int64_t>(), 0);
  // Item 1 cannot exist before the key is written.
  expect_error([&] { lockstep.next(200ms); }, RAY_CLIENT_ERROR_TIMEOUT);
  c().kv_put(key, "0", true, ns);
  EXPECT_EQ(lockstep.next()->as<int64_t>(), 1);
  c().kv_put(key, "1", true, ns);
  EXPECT_FALSE(lockstep.next().has_value());

  auto wait_stopped = [&](const std::string &k) {
    while (!c().kv_exists(k + ":stopped", ns)) std::this_thread::sleep_for(50ms);
  };
  std::string cancelled = key + "-cancel", destroyed = key + "-destroy";
  ItemStream endless = c().call_streaming(RemoteFunction("rc_streams", "endless"), {cancelled});
  EXPECT_EQ(endless.next()->as<int64_t>(), 0);
  endless.cancel();
  EXPECT_FALSE(endless.next().has_value());
  wait_stopped(cancelled);
  {
    ItemStream s = c().call_streaming(RemoteFunction("rc_streams", "endless"), {destroyed},
                                      Options().set_json("_generator_backpressure_num_objects", "2"));
    EXPECT_EQ(s.buffer(), 2u);
    EXPECT_EQ(s.next()->as<int64_t>(), 0);
  }
  wait_stopped(destroyed);

  ActorHandle streamer = c().create_actor(ActorClass("rc_streams", "Streamer"), {5});
  ItemStream method = c().call_method_streaming(streamer, "count", {3});
  std::vector<int64_t> items;
  for (const Value &item : method) items.push_back(item.as<int64_t>());
  EXPECT_EQ(items, (std::vector<int64_t>{5, 6, 7}));
  expect_error([&] { c().call_method_streaming(streamer, "", {}); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  expect_error([&] { c().call_streaming(count, {1}, Options().set_json("_generator_backpressure_num_objects", "0")); },
               RAY_CLIENT_ERROR_INVALID_ARGUMENT);

  // num_returns="dynamic": one ref, whose value is the list of the items' refs.
  Value refs = c().get(c().call(count, {3}, Options().set_json("num_returns", "\"dynamic\"")));
  ASSERT_EQ(refs.size(), 3u);
  for (size_t i = 0; i < refs.size(); i++) EXPECT_EQ(c().get(refs[i].get_object_ref()).as<int64_t>(), (int64_t)i);
}

// An actor class's attached options, and options per creation set over them.
TEST_F(Cluster, ActorClassOptionsAndCreation) {
  ActorClass counter =
      ActorClass("rc_test_tasks", "Counter").with_options(Options().name("cpp-attached-name").max_concurrency(1));
  ActorHandle a = c().create_actor(counter, {1});
  EXPECT_EQ(c().get_actor("cpp-attached-name").id_hex(), a.id_hex());
  ActorHandle b = c().create_actor(counter, Args().push_kw("start", 2), Options().name("cpp-per-call-name"));
  EXPECT_EQ(c().get_actor("cpp-per-call-name").id_hex(), b.id_hex());
  EXPECT_EQ(c().get(c().call_method(b, "get"), 60s).as<int64_t>(), 2);
  EXPECT_EQ(c().get(c().call_method(a, "incr", {5}), 60s).as<int64_t>(), 6);
  c().kill_actor(a);
  c().kill_actor(b);

  ActorClass taken = std::move(counter);
  expect_error([&] { c().create_actor(counter); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  Args args;
  Args args_taken = std::move(args);
  expect_error([&] { c().create_actor(taken, args); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  expect_error([&] { c().call_method(a, "get", args); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

TEST_F(Cluster, TaskErrorIsException) {
  ObjectRef r = c().call("rc_test_tasks", "boom", {12});
  try {
    c().get(r, 60s);
    FAIL() << "expected an Error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), RAY_CLIENT_ERROR_TASK_ERROR);
    EXPECT_EQ(e.kind(), "task_error");
    ASSERT_TRUE(e.cause_type().has_value());
    EXPECT_NE(e.cause_type()->find("ValueError"), std::string::npos);
    ASSERT_TRUE(e.remote_type().has_value());
    EXPECT_FALSE(e.remote_type()->empty());
    ASSERT_TRUE(e.traceback().has_value());
    EXPECT_NE(e.traceback()->find("boom"), std::string::npos) << *e.traceback();
    EXPECT_NE(std::string(e.what()).find("bad value 12"), std::string::npos);
  }
  // a task depending on a failed one fails too
  EXPECT_THROW(c().get(c().call("rc_test_tasks", "square", {r}), 60s), Error);
}

TEST_F(Cluster, Actors) {
  Options o;
  o.name("cpp-counter").max_concurrency(1);
  ActorHandle a = c().create_actor(ActorClass("rc_test_tasks", "Counter"), {5}, o);
  EXPECT_EQ(c().get(c().call_method(a, "incr", Args().push_kw("k", 2)), 60s).as<int64_t>(), 7);
  ActorHandle named = c().get_actor("cpp-counter");
  EXPECT_EQ(named.id_hex(), a.id_hex());
  EXPECT_EQ(c().get(c().call_method(named, "get"), 60s).as<int64_t>(), 7);
  EXPECT_EQ(c().get_actor("cpp-counter", std::string("cpp")).id_hex(), a.id_hex());
  EXPECT_NE(c().list_named_actors().find("cpp-counter"), std::string::npos);
  EXPECT_NE(c().list_named_actors(true).find("cpp-counter"), std::string::npos);
  expect_error([&] { c().get_actor("no-such-actor"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);

  // an actor handle passed to a task
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "call_actor", {a, 1}), 60s).as<int64_t>(), 8);
  // num_returns on a method
  Options two;
  two.num_returns(2);
  auto refs = c().call_method_n(a, "pair", 2, {}, two);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(c().get(refs[1], 60s).as<int64_t>(), -8);
  ActorHandle copy = a.clone();
  EXPECT_EQ(copy.id_hex(), a.id_hex());

  // killed: calls fail with an exception. ray.kill is asynchronous, so a call sent right
  // after it may still be served; the actor is gone within a few calls.
  c().kill_actor(a);
  bool died = false;
  for (int i = 0; i < 100 && !died; i++) {
    try {
      c().get(c().call_method(a, "get"), 60s);
      std::this_thread::sleep_for(100ms);
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), RAY_CLIENT_ERROR_ACTOR_DIED) << e.kind() << ": " << e.what();
      died = true;
    }
  }
  EXPECT_TRUE(died) << "the killed actor kept answering";
}

TEST_F(Cluster, ActorFromSource) {
  ActorHandle acc = c().create_actor(ActorClass::from_source(kCounterSource, "Acc"), {10});
  EXPECT_EQ(c().get(c().call_method(acc, "add", {5}), 60s).as<int64_t>(), 15);
  EXPECT_EQ(c().get(c().call_method(acc, "add", {1}), 60s).as<int64_t>(), 16);
  c().kill_actor(acc);
}

TEST_F(Cluster, KeyValue) {
  std::string ns = "cpp-kv";
  c().kv_del("cppk:", true, ns);
  EXPECT_FALSE(c().kv_put("cppk:a", std::string("\0one", 4), true, ns));
  EXPECT_TRUE(c().kv_put("cppk:a", "two", false, ns));  // kept
  EXPECT_EQ(c().kv_get("cppk:a", ns), std::optional<std::string>(std::string("\0one", 4)));
  EXPECT_TRUE(c().kv_exists("cppk:a", ns));
  EXPECT_FALSE(c().kv_exists("cppk:zz", ns));
  EXPECT_EQ(c().kv_get("cppk:zz", ns), std::nullopt);
  c().kv_put("cppk:b", "x", true, ns);
  auto keys = c().kv_list("cppk:", ns);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"cppk:a", "cppk:b"}));
  EXPECT_EQ(c().kv_del("cppk:", true, ns), 2u);
  EXPECT_FALSE(c().kv_exists("cppk:a", ns));
  expect_error([&] { c().kv_get("k", std::string("\xff")); }, RAY_CLIENT_ERROR_INVALID_UTF8);
}

TEST_F(Cluster, ClusterInfo) {
  EXPECT_NE(c().cluster_resources().find("\"CPU\""), std::string::npos);
  EXPECT_FALSE(c().available_resources().empty());
  EXPECT_NE(c().nodes().find("NodeID"), std::string::npos);
  std::string ctx = c().runtime_context();
  EXPECT_NE(ctx.find("\"namespace\":\"cpp\""), std::string::npos) << ctx;
  Value parsed = Value::from_json(ctx);
  EXPECT_EQ(parsed.get("namespace")->as<std::string>(), "cpp");
  // The test cluster's release sends the worker id (the driver of this client's server).
  EXPECT_EQ(parsed.get("worker_id")->as<std::string>().size(), 56u) << ctx;
  EXPECT_NO_THROW(c().dashboard_url());
  // ray.timeline(): a task that ran shows once the cluster reported it (polled).
  std::string marker = "cpp_timeline_marker_" + std::to_string(getpid());
  EXPECT_EQ(c().get(c().call(RemoteFunction::from_source("def " + marker + "():\n    return 1\n", marker), {}))
                .as<int64_t>(),
            1);
  while (c().timeline().find(marker) == std::string::npos) std::this_thread::sleep_for(500ms);
  // A ref's task id is what the task itself reads, and the start of the object id.
  ObjectRef r = c().call(RemoteFunction("rc_test_tasks", "my_task_id"), {});
  std::string task_id = r.task_id();
  EXPECT_EQ(task_id.size(), 48u);
  EXPECT_EQ(r.hex().substr(0, 48), task_id);
  EXPECT_EQ(c().get(r).as<std::string>(), task_id);
}

TEST_F(Cluster, PlacementGroup) {
  expect_error([&] { c().create_placement_group("[{\"CPU\": \"x\"}]"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  PlacementGroup pg = c().create_placement_group("[{\"CPU\": 1}]", PlacementStrategy::Pack, std::string("cpp-pg"));
  EXPECT_TRUE(c().wait_placement_group(pg, 30s));
  EXPECT_GT(pg.id().size(), 8u);
  std::string table = c().placement_group_table(pg);
  EXPECT_FALSE(table.empty());
  Options o;
  o.num_cpus(1).scheduling_placement_group(pg, 0);
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "square", {3}, o), 60s).as<int64_t>(), 9);
  c().remove_placement_group(pg);
  PlacementGroup moved = std::move(pg);
  expect_error([&] { pg.id(); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);

  // Options: a detached named group, found by name and in the table of all groups.
  PlacementGroup detached = c().create_placement_group_with("[{\"CPU\": 0.5}]", PlacementStrategy::Pack,
                                                            R"({"name": "cpp-pg-detached", "lifetime": "detached"})");
  EXPECT_TRUE(c().wait_placement_group(detached, 60s));
  EXPECT_EQ(c().get_placement_group("cpp-pg-detached").id(), detached.id());
  EXPECT_NE(c().placement_group_table_all().find(detached.id()), std::string::npos);
  c().remove_placement_group(detached);
  expect_error([&] { c().get_placement_group("cpp-pg-no-such-group"); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);

  // A soft target node, bundle label selectors and the label_selector option: the
  // second node of the test cluster.
  const char *node2 = std::getenv("RAY_TEST_NODE_rc_node2");
  ASSERT_NE(node2, nullptr) << "RAY_TEST_NODE_rc_node2 is not set";
  for (const std::string &opts :
       {std::string(R"({"_soft_target_node_id": ")") + node2 + "\"}",
        std::string(R"({"bundle_label_selector": [{"ray.io/node-id": ")") + node2 + "\"}]}"}) {
    PlacementStrategy strategy = opts.find("soft") != std::string::npos ? PlacementStrategy::StrictPack
                                                                        : PlacementStrategy::Pack;
    PlacementGroup g = c().create_placement_group_with("[{\"CPU\": 0.5}]", strategy, opts);
    EXPECT_TRUE(c().wait_placement_group(g, 60s));
    EXPECT_NE(c().placement_group_table(g).find(node2), std::string::npos) << opts;
    c().remove_placement_group(g);
  }
  Options on_node2;
  on_node2.set_json("label_selector", std::string(R"({"ray.io/node-id": ")") + node2 + "\"}");
  EXPECT_EQ(c().get(c().call("rc_test_tasks", "node_id", {}, on_node2), 60s).as<std::string>(), node2);
}

TEST_F(Cluster, AsyncFutures) {
  std::future<Value> f = c().get_async(c().call("rc_test_tasks", "square", {9}));
  ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(f.get().as<int64_t>(), 81);

  // many in flight at once
  std::vector<std::future<Value>> fs;
  for (int i = 0; i < 20; i++) fs.push_back(c().get_async(c().call("rc_test_tasks", "square", {i})));
  for (int i = 0; i < 20; i++) EXPECT_EQ(fs[i].get().as<int64_t>(), i * i);

  // errors arrive as exceptions from future::get
  auto bad = c().get_async(c().call("rc_test_tasks", "boom", {1}), 60s);
  try {
    bad.get();
    FAIL() << "expected an Error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), RAY_CLIENT_ERROR_TASK_ERROR);
    ASSERT_TRUE(e.cause_type().has_value());
    EXPECT_NE(e.cause_type()->find("ValueError"), std::string::npos);
    EXPECT_TRUE(e.traceback().has_value());
  }
  auto late = c().get_async(c().call("rc_test_tasks", "sleep_then", {3.0, 1}), 100ms);
  try {
    late.get();
    FAIL() << "expected a timeout";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), RAY_CLIENT_ERROR_TIMEOUT);
  }

  std::vector<ObjectRef> refs{c().put(1), c().put("two")};
  auto many = c().get_many_async(refs);
  auto vals = many.get();
  ASSERT_EQ(vals.size(), 2u);
  EXPECT_EQ(vals[1].as<std::string>(), "two");

  ObjectRef slow = c().call("rc_test_tasks", "sleep_then", {2.0, 0});
  auto w = c().wait_async({slow, refs[0]}, 1, 30s).get();
  EXPECT_EQ(w.num_ready, 1u);
  EXPECT_EQ(w.ready, (std::vector<bool>{false, true}));
  // a moved-from ref: the start fails synchronously, no future
  ObjectRef gone = std::move(slow);
  expect_error([&] { c().get_async(slow); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

TEST_F(Cluster, Threads) {
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; t++)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 5; i++)
        if (c().get(c().call("rc_test_tasks", "add", {t, i}), 60s).as<int>() == t + i) ok++;
    });
  for (auto &t : ts) t.join();
  EXPECT_EQ(ok.load(), 20);
}

TEST_F(Cluster, Misuse) {
  // a ref of another client
  Client other = Client::connect(address());
  ObjectRef theirs = other.put(3);
  expect_error([&] { c().get(theirs, 1s); }, RAY_CLIENT_ERROR_INVALID_ARGUMENT);
  // moved-from objects
  Client moved = std::move(other);
  expect_error([&] { other.put(1); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  expect_error([&] { other.ping(); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  ObjectRef r;
  expect_error([&] { c().get(r); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  ActorHandle none;
  expect_error([&] { c().call_method(none, "get"); }, RAY_CLIENT_ERROR_NULL_ARGUMENT);
  // a disconnected client
  moved.disconnect();
  EXPECT_FALSE(moved.is_connected());
  expect_error([&] { moved.put(1); }, RAY_CLIENT_ERROR_CONNECTION_LOST);
  // a missing module: the remote import error comes back
  EXPECT_THROW(c().get(c().call("no_such_module_xyz", "f"), 60s), Error);
}

TEST_F(Cluster, LogCallback) {
  c().get(c().call("rc_test_tasks", "shout", {"cpp-shout-marker"}), 60s);
  EXPECT_FALSE(rc_test::await_log_line("cpp-shout-marker").empty());
}
