// What the GoogleTest suites of tests/cpp share: how gtest prints a Value, where the
// cluster and the test modules are, expect_error, and the log lines their clients receive.
#pragma once

#include <ray_client.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// The test Python modules (tests/python) travel as the job's working_dir; CMake names
// them by absolute path, and $RC_TEST_MODULES overrides it.
#ifndef RC_TEST_MODULES_DIR
#define RC_TEST_MODULES_DIR "tests/python"
#endif

namespace ray_client {
// gtest prints values as their JSON text.
inline void PrintTo(const Value &v, std::ostream *os) {
  try {
    *os << v.to_json();
  } catch (const Error &e) {
    *os << "<" << e.what() << ">";
  }
}
}  // namespace ray_client

namespace rc_test {

// The cluster the suites run against; null or empty: the cluster tests are skipped.
inline const char *address() { return std::getenv("RAY_TEST_ADDRESS"); }

inline std::string modules_dir() {
  const char *m = std::getenv("RC_TEST_MODULES");
  return m && *m ? m : RC_TEST_MODULES_DIR;
}

// Runs `f`, expecting an Error with status `code`; returns it.
template <class F>
ray_client::Error expect_error(F &&f, ray_client_status code) {
  try {
    std::forward<F>(f)();
  } catch (const ray_client::Error &e) {
    EXPECT_EQ(e.code(), code) << e.kind() << ": " << e.what();
    return e;
  }
  ADD_FAILURE() << "expected ray_client::Error " << code;
  return ray_client::Error(RAY_CLIENT_OK, "none", "");
}

// The log lines collect_log, the suites' log callback, received.
inline std::mutex log_mu;
inline std::vector<std::string> log_lines;

inline void collect_log(int, const std::string &msg) {
  std::lock_guard<std::mutex> g(log_mu);
  log_lines.push_back(msg);
}

// The first received log line containing `marker`, waited for (a task's output reaches
// the client asynchronously) every 100 ms, 600 times at most; empty if none came.
inline std::string await_log_line(const std::string &marker) {
  for (int i = 0; i < 600; i++) {
    {
      std::lock_guard<std::mutex> g(log_mu);
      for (const auto &l : log_lines)
        if (l.find(marker) != std::string::npos) return l;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

}  // namespace rc_test
