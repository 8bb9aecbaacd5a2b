// SPDX-License-Identifier: MIT
// Child processes for the tests that run the examples (examples_test.cpp,
// time_examples_test.cpp): a program started with its stdin and stdout on
// pipes, and a channel that collects what it prints. POSIX only
// (posix_spawn).
#ifndef ASYNCORE_TESTS_POSIX_PROCESS_HPP
#define ASYNCORE_TESTS_POSIX_PROCESS_HPP

#include <asyncore/asyncore.hpp>
#include <asyncore/file_dispatcher.hpp>

#include "support.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace asyncore_test {

// A child process with its stdin and stdout (and, when asked, stderr) on pipes.
struct child {
  pid_t pid = -1;
  int in = -1;   // write end of the child's stdin
  int out = -1;  // read end of the child's stdout
  int err = -1;  // read end of the child's stderr (start(..., true))

  bool start(std::vector<std::string> argv, bool capture_stderr = false) {
    // A cross build's tests run under an emulator (qemu-user): start the
    // example through it as well (tests/CMakeLists.txt sets the variable).
    if (const char* emu = std::getenv("ASYNCORE_TEST_EMULATOR")) {
      std::vector<std::string> words;
      std::istringstream in(emu);
      for (std::string w; in >> w;) words.push_back(w);
      argv.insert(argv.begin(), words.begin(), words.end());
    }
    int pin[2], pout[2], perr[2] = {-1, -1};
    if (::pipe(pin) || ::pipe(pout)) return false;
    if (capture_stderr && ::pipe(perr)) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
    posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
    posix_spawn_file_actions_addclose(&fa, pin[1]);
    posix_spawn_file_actions_addclose(&fa, pout[0]);
    if (capture_stderr) {
      posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
      posix_spawn_file_actions_addclose(&fa, perr[0]);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(pin[0]);
    ::close(pout[1]);
    in = pin[1];
    out = pout[0];
    if (capture_stderr) {
      ::close(perr[1]);
      err = perr[0];
    }
    return rc == 0;
  }
  int wait() {
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ~child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      wait();
    }
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
  }
};

// Collects a child's stdout through the loop (file_dispatcher on the pipe).
struct output_reader : asyncore::file_dispatcher {
  using file_dispatcher::file_dispatcher;
  std::string text;
  bool eof = false;
  bool writable() override { return false; }
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    text.append(buf, recv(buf, sizeof buf, ec));
  }
  void handle_close() override {
    eof = true;
    close();
  }
};

// Stops a child with a signal and waits (through `map`) until its stdout
// ends, at most `seconds`. The signal is sent again each second: under
// ThreadSanitizer a signal that arrives just after the child's first write
// can be lost (its runtime defers asynchronous signals; the child went on
// polling with its flag unset, and a second SIGTERM stopped it), and these
// tests are about what the child does once stopped, not about that runtime.
inline bool stop_child(child& c, output_reader& out, asyncore::socket_map& map, int sig = SIGTERM,
                       int seconds = 10) {
  for (int k = 0; k < seconds; ++k) {
    ::kill(c.pid, sig);
    if (loop_until([&] { return out.eof; }, map, backend::poll, 1.0)) return true;
  }
  return false;
}

}  // namespace asyncore_test

#endif  // ASYNCORE_TESTS_POSIX_PROCESS_HPP
