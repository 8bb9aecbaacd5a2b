// SPDX-License-Identifier: MIT
// The examples' command lines, shared so that every example behaves like a
// command-line tool in the same way:
//
//   -h, --help        usage on stdout, exit status 0 (wherever it appears)
//   a bad argument    "<program>: <what is wrong>" and the usage on stderr,
//                     exit status 2 (exit_usage)
//   a failure at run time (cannot listen, cannot connect, ...): a message on
//                     stderr, exit status 1 (exit_failure)
//
// Header-only and example code, not part of the library: copy it along with
// the example you start from.
#ifndef ASYNCORE_EXAMPLES_CLI_HPP
#define ASYNCORE_EXAMPLES_CLI_HPP

#include <asyncore/asyncore.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace example_cli {

constexpr int exit_ok = 0;       // done, or stopped by SIGTERM/SIGINT
constexpr int exit_failure = 1;  // a run-time failure, reported on stderr
constexpr int exit_usage = 2;    // a bad command line: message and usage on stderr

// The program's name for messages: argv[0] without its directory (either
// slash) and without a Windows ".exe". The buffer holds a copy.
inline const char* program_name(const char* argv0) {
  static char name[128];
  if (!argv0 || !*argv0) return "example";
  const char* base = argv0;
  for (const char* p = argv0; *p; ++p)
    if (*p == '/' || *p == '\\') base = p + 1;
  std::size_t n = std::strlen(base);
  if (n > 4 && (!std::strcmp(base + n - 4, ".exe") || !std::strcmp(base + n - 4, ".EXE"))) n -= 4;
  if (n >= sizeof name) n = sizeof name - 1;
  std::memcpy(name, base, n);
  name[n] = '\0';
  return name;
}

// `usage` is the full text printed by --help: the synopsis line(s) first,
// an empty line, then a description. It is printed as is (no format).
class command_line {
 public:
  command_line(int argc, char** argv, const char* usage)
      : argc_(argc), argv_(argv), name_(program_name(argc > 0 ? argv[0] : nullptr)), usage_(usage) {}

  const char* name() const { return name_; }

  // Exits 0 with the usage on stdout if -h or --help is among the arguments
  // (before a "--" that ends the options).
  void handle_help() const {
    for (int i = 1; i < argc_; ++i) {
      if (!std::strcmp(argv_[i], "--")) return;
      if (!std::strcmp(argv_[i], "-h") || !std::strcmp(argv_[i], "--help")) {
        std::fputs(usage_, stdout);
        std::fflush(stdout);
        std::exit(exit_ok);
      }
    }
  }

  // Prints "<name>: <message>", the synopsis (the usage text up to its
  // first empty line) and a pointer to --help to stderr; returns exit_usage
  // (for `return cli.usage_error(...)` from main).
  int usage_error(const std::string& message) const {
    const char* end = std::strstr(usage_, "\n\n");
    const int len = end ? static_cast<int>(end - usage_ + 1) : static_cast<int>(std::strlen(usage_));
    std::fprintf(stderr, "%s: %s\n%.*sTry '%s --help' for more.\n", name_, message.c_str(), len, usage_, name_);
    return exit_usage;
  }

 private:
  int argc_;
  char** argv_;
  const char* name_;
  const char* usage_;
};

// Standard input and output carry the bytes as they are. On Windows the C
// runtime opens them in text mode (LF written as CR LF, CR LF read as LF, ^Z
// read as the end), which corrupts binary data; elsewhere there is no
// difference and this does nothing.
inline void binary_stdio() {
#ifdef _WIN32
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
#endif
}

// A TCP port: decimal digits only, 0..65535.
inline bool parse_port(const char* text, std::uint16_t& port) {
  if (!text || !*text || std::strlen(text) > 5) return false;
  unsigned long v = 0;
  for (const char* p = text; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + static_cast<unsigned long>(*p - '0');
  }
  if (v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

// --select, --poll, --epoll: sets `be` and returns true for one of them.
inline bool parse_backend(const char* arg, asyncore::backend& be) {
  if (!std::strcmp(arg, "--select")) {
    be = asyncore::backend::select;
  } else if (!std::strcmp(arg, "--poll")) {
    be = asyncore::backend::poll;
  } else if (!std::strcmp(arg, "--epoll")) {
    be = asyncore::backend::epoll;
  } else {
    return false;
  }
  return true;
}

// The servers' command line: [--select | --poll | --epoll] [--bind ADDRESS]
// [port]. Returns exit_ok when it is good, otherwise what main should return
// (the message is printed). Unknown options, a second port, a malformed port,
// a backend this platform lacks and an ADDRESS that is not a numeric IPv4 or
// IPv6 host are errors. --bind is accepted only when `bind` is not null; it
// sets *bind (the caller's default, 127.0.0.1 in the examples, otherwise
// stays): a board whose connections arrive on its own address (QEMU's
// forwarded port on 10.0.2.15) listens there.
inline int parse_server_args(const command_line& cli, int argc, char** argv, asyncore::backend& be,
                             std::uint16_t& port, std::string* bind = nullptr) {
  bool have_port = false;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!options_done && !std::strcmp(a, "--")) {
      options_done = true;
    } else if (!options_done && parse_backend(a, be)) {
      // chosen
    } else if (!options_done && bind && !std::strcmp(a, "--bind")) {
      std::error_code ec;
      if (i + 1 >= argc) return cli.usage_error("--bind takes an address (a numeric IPv4 or IPv6 host)");
      if (!*argv[i + 1] || (asyncore::address::parse(argv[i + 1], 0, ec), ec))
        return cli.usage_error(std::string("--bind: '") + argv[i + 1] + "' is not a numeric IPv4 or IPv6 address");
      *bind = argv[++i];
    } else if (!options_done && a[0] == '-' && a[1] != '\0') {
      return cli.usage_error(std::string("unknown option '") + a + "'");
    } else if (have_port) {
      return cli.usage_error(std::string("unexpected argument '") + a + "' (the port was given already)");
    } else if (!parse_port(a, port)) {
      return cli.usage_error(std::string("'") + a + "' is not a port number (0 to 65535)");
    } else {
      have_port = true;
    }
  }
  if (!asyncore::has_backend(be)) {
    return cli.usage_error(std::string("backend ") + asyncore::backend_name(be) + " is not available here");
  }
  return exit_ok;
}

// The read buffer's size, for the servers that read a stream. 64 KiB: one
// recv() then takes what a loopback or LAN socket usually holds after a
// wake-up, so a bulk transfer costs one read, one send and one dispatch per
// 64 KiB instead of per 8 KiB (8 KiB reads halve the bulk throughput of an
// echo against the same program with 64 KiB ones). Smaller saves nothing on
// an idle connection: the servers share one buffer (async_chat: the map's).
constexpr std::size_t default_read_size = 65536;

// Takes "--read-size BYTES" (1 to 16 MiB) out of argv (argc shrinks), so the
// rest goes to parse_server_args. Returns exit_ok, or what main should return.
inline int take_read_size(const command_line& cli, int& argc, char** argv, std::size_t& size) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--")) {  // the rest are not options
      while (i < argc) argv[out++] = argv[i++];
      break;
    }
    if (std::strcmp(argv[i], "--read-size") != 0) {
      argv[out++] = argv[i];
      continue;
    }
    char* end = nullptr;
    const unsigned long long v = i + 1 < argc ? std::strtoull(argv[i + 1], &end, 10) : 0;
    if (i + 1 >= argc || *argv[i + 1] == '-' || *end != '\0' || v == 0 || v > (16u << 20))
      return cli.usage_error("--read-size takes a number of bytes from 1 to 16777216");
    size = static_cast<std::size_t>(v);
    ++i;
  }
  argc = out;
  argv[argc] = nullptr;
  return exit_ok;
}

}  // namespace example_cli

#endif  // ASYNCORE_EXAMPLES_CLI_HPP
