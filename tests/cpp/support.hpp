// What the GoogleTest suites of tests/cpp share: how gtest prints a Value, where the
// cluster and the test modules are, and expect_error.
#pragma once

#include <ray_client.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <ostream>
#include <string>
#include <utility>

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

}  // namespace rc_test
