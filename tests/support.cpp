// SPDX-License-Identifier: MIT
// The leak check (declared in support.hpp): every test of the suite binary
// must end holding no more descriptors or sockets than it started with.
//
// A GoogleTest event listener, registered once for the whole binary by a
// static initialiser (so it also runs under a platform's own main(), such as
// lwIP's), takes a census in OnTestStart, before the test's fixture exists,
// and again in OnTestEnd, after the fixture was destroyed. GoogleTest fires
// OnTestEnd while the test is still current, and in reverse order of
// registration, so a failure added there is the test's own and is reported
// before the result printer prints the verdict.
//
// Set ASYNCORE_TEST_NO_LEAK_CHECK=1 to turn it off (for example to look at a
// leak with a debugger).
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <cstdlib>
#include <string>
#include <vector>

namespace asyncore_test {

std::string leak_message(const handle_census& before, const handle_census& after) {
  if (after.handles.size() <= before.handles.size()) return std::string();
  std::vector<std::string> a = before.handles, b = after.handles, added;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(added));
  std::string out = "the test leaked " + std::to_string(after.handles.size() - before.handles.size()) + " " +
                    after.what + "(s): " + std::to_string(before.handles.size()) + " open before the test, " +
                    std::to_string(after.handles.size()) + " after; new:";
  for (const std::string& h : added) out += "\n  " + h;
  return out;
}

namespace {

class leak_listener : public testing::EmptyTestEventListener {
 public:
  void OnTestStart(const testing::TestInfo&) override { before_ = take_handle_census(); }

  void OnTestEnd(const testing::TestInfo&) override {
    if (!before_.supported) return;
    std::string leak = leak_message(before_, take_handle_census());
    if (!leak.empty()) ADD_FAILURE() << leak;
  }

 private:
  handle_census before_;
};

bool register_leak_listener() {
  const char* off = std::getenv("ASYNCORE_TEST_NO_LEAK_CHECK");
  if (off && *off && std::string(off) != "0") return false;
  testing::UnitTest::GetInstance()->listeners().Append(new leak_listener);
  return true;
}

const bool registered = register_leak_listener();

// The start-up marker: the first line every run of the suite binary prints,
// before main() (ci/windows reruns a failed test only when its output lacks
// this line: Wine failed to start the process).
const bool marked = [] {
  std::printf("%s\n", start_marker);
  std::fflush(stdout);
  return true;
}();

}  // namespace

bool leak_check_registered() { return registered; }

}  // namespace asyncore_test
