// SPDX-License-Identifier: MIT
// Benchmark: async_chat's input framing on one-byte lines ("x\n"), from 1 MiB
// to 64 MiB of input. The time per MiB must stay flat: the framing loop uses
// a read cursor, so it is linear in the bytes received. CPython's asynchat
// re-slices the rest of its buffer for every record, which is quadratic in
// the size of one read.
//
//     cmake -S bench -B build/bench && cmake --build build/bench --target asynchat_lines
//     build/bench/asynchat_lines              # our numbers
//     build/bench/asynchat_lines --cpython    # and CPython 3.11's asynchat beside them
//     bench/asynchat_lines.sh [build/bench]   # the same
//
// Two ways of feeding:
//  - socket: the real path. A socket pair, a sender channel and the reading
//    async_chat in one loop (poll backend), recv() of ac_in_buffer_size =
//    64 KiB, as CPython's default;
//  - one read: the whole input handed to the framing loop at once (through
//    async_chat::process_incoming), i.e. one 64 MiB read. This is where
//    CPython's cost grows with the size.
// CPython is measured by bench/asynchat_lines.py with the same two feeds
// (its "socket" feed hands out 64 KiB per recv() from a fake socket, so it
// pays no system calls at all); sizes whose estimated time exceeds its time
// cap are skipped and shown as such.
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

// Process CPU time (user + system), not wall time: on a shared machine a
// long run is preempted more often than a short one, which wall time would
// report as a cost that grows with the size.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

std::string make_input(std::size_t bytes) {
  std::string s(bytes, 'x');
  for (std::size_t i = 1; i < bytes; i += 2) s[i] = '\n';
  return s;
}

class line_counter : public asyncore::async_chat {
 public:
  explicit line_counter(asyncore::socket_map* map) : async_chat(map) {
    set_terminator("\n");
    set_max_record_size(0);
  }
  void collect_incoming_data(std::string_view data) override { bytes += data.size(); }
  void found_terminator() override { ++lines; }
  void handle_close() override { close(); }
  void feed(std::string_view all) { process_incoming(all); }  // the one-read path
  std::size_t lines = 0;
  std::size_t bytes = 0;
};

// Sends a buffer through its socket until done, then closes.
class sender : public asyncore::dispatcher {
 public:
  sender(asyncore::socket s, asyncore::socket_map* map, const std::string& data) : dispatcher(map), data_(data) {
    set_socket(std::move(s), map);
    connected = true;
  }
  bool readable() override { return false; }
  bool writable() override { return pos_ < data_.size(); }
  void handle_write() override {
    std::error_code ec;
    while (pos_ < data_.size()) {
      std::size_t n = send(data_.data() + pos_, std::min<std::size_t>(data_.size() - pos_, 1 << 20), ec);
      if (n == 0) break;
      pos_ += n;
    }
    if (pos_ == data_.size()) close();
  }

 private:
  const std::string& data_;
  std::size_t pos_ = 0;
};

double run_socket(const std::string& input) {
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  if (!asyncore::socket_pair(a, b, ec)) {
    std::fprintf(stderr, "socket_pair: %s\n", ec.message().c_str());
    std::exit(1);
  }
  line_counter reader(&map);
  reader.set_socket(std::move(a), &map);
  reader.connected = true;
  sender s(std::move(b), &map, input);
  const double t0 = cpu_seconds();
  asyncore::loop(5.0, asyncore::backend::poll, &map);
  const double secs = cpu_seconds() - t0;
  if (reader.lines != input.size() / 2) {
    std::fprintf(stderr, "socket feed: %zu lines, expected %zu\n", reader.lines, input.size() / 2);
    std::exit(1);
  }
  return secs;
}

double run_one_read(const std::string& input) {
  asyncore::socket_map map;
  line_counter reader(&map);
  const double t0 = cpu_seconds();
  reader.feed(input);
  const double secs = cpu_seconds() - t0;
  if (reader.lines != input.size() / 2) {
    std::fprintf(stderr, "one-read feed: %zu lines, expected %zu\n", reader.lines, input.size() / 2);
    std::exit(1);
  }
  return secs;
}

std::string script_path() {
#if defined(ASYNCORE_BENCH_SOURCE_DIR)
  return std::string(ASYNCORE_BENCH_SOURCE_DIR) + "/asynchat_lines.py";
#else
  std::string here = __FILE__;
  std::size_t slash = here.find_last_of("/\\");
  return (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) + "/asynchat_lines.py";
#endif
}

std::string find_python() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("ASYNCORE_PYTHON")) candidates.push_back(env);
  candidates.insert(candidates.end(), {"python3.11", "python3", "python"});
  for (const std::string& py : candidates) {
    std::string cmd = "\"" + py + "\" -W ignore -c \"import asynchat\" >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return {};
}

// CPython's results: (feed, KiB) -> seconds, or < 0 when skipped.
std::map<std::pair<std::string, std::size_t>, double> run_cpython(const std::vector<std::size_t>& kib) {
  std::map<std::pair<std::string, std::size_t>, double> out;
  const std::string py = find_python();
  if (py.empty()) {
    std::printf("(no Python with asynchat found: set ASYNCORE_PYTHON to compare with CPython)\n");
    return out;
  }
  const std::string result = "asynchat_lines_cpython.txt";
  std::string cmd = "\"" + py + "\" \"" + script_path() + "\" " + result;
  for (std::size_t k : kib) cmd += " " + std::to_string(k);
  std::printf("running CPython's asynchat (%s), up to ~20 s per feed...\n", py.c_str());
  std::fflush(stdout);
  if (std::system(cmd.c_str()) != 0) {
    std::printf("(the CPython script failed: %s)\n", cmd.c_str());
    return out;
  }
  std::ifstream in(result);
  std::string feed;
  std::size_t k;
  double secs;
  while (in >> feed >> k >> secs) out[{feed, k}] = secs;
  std::remove(result.c_str());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool cpython = false;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cpython") == 0) {
      cpython = true;
    } else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--cpython] [--rounds N]\n", argv[0]);
      return 2;
    }
  }
  // Our sizes: 1..64 MiB. CPython's one-read feed is quadratic, so it also
  // runs smaller inputs (64..512 KiB) to show the trend.
  const std::vector<std::size_t> mib = {1, 2, 4, 8, 16, 32, 64};
  std::vector<std::size_t> kib = {64, 128, 256, 512};
  for (std::size_t m : mib) kib.push_back(m * 1024);

  struct row {
    std::size_t kib;
    double socket = -1, one_read = -1;
  };
  std::vector<row> rows;
  for (std::size_t k : kib) rows.push_back(row{k});
  // Every size once per round, best of the rounds: a busy machine slows all
  // sizes alike instead of whichever ran at the wrong moment.
  for (int round = 0; round < rounds; ++round) {
    for (row& r : rows) {
      const std::string input = make_input(r.kib * 1024);
      if (r.kib >= 1024) {
        const double t = run_socket(input);
        r.socket = r.socket < 0 ? t : std::min(r.socket, t);
      }
      const double t = run_one_read(input);
      r.one_read = r.one_read < 0 ? t : std::min(r.one_read, t);
    }
  }
  std::map<std::pair<std::string, std::size_t>, double> py;
  if (cpython) py = run_cpython(kib);

  auto per_mib = [](double secs, std::size_t k) { return secs * 1000.0 * 1024.0 / static_cast<double>(k); };
  auto cell = [&](double secs, std::size_t k) {
    char buf[32];
    if (secs < 0)
      std::snprintf(buf, sizeof buf, "%12s", "-");
    else
      std::snprintf(buf, sizeof buf, "%12.3f", per_mib(secs, k));
    return std::string(buf);
  };
  const double base_socket = rows[4].socket, base_one = rows[4].one_read;  // the 1 MiB row
  std::printf("\nasync_chat, one-byte lines (\"x\\n\"), CPU time per MiB of input in ms (best of %d rounds)\n", rounds);
  std::printf("%10s %12s %12s %12s %12s", "input", "ours:socket", "x 1MiB", "ours:1 read", "x 1MiB");
  if (!py.empty()) std::printf(" %12s %12s %12s %12s", "py:socket", "py:1 read", "py/ours sock", "py/ours 1rd");
  std::printf("\n");
  for (const row& r : rows) {
    char size[32];
    if (r.kib < 1024)
      std::snprintf(size, sizeof size, "%zu KiB", r.kib);
    else
      std::snprintf(size, sizeof size, "%zu MiB", r.kib / 1024);
    std::printf("%10s %s", size, cell(r.socket, r.kib).c_str());
    if (r.socket >= 0)
      std::printf(" %12.2f", per_mib(r.socket, r.kib) / per_mib(base_socket, 1024));
    else
      std::printf(" %12s", "");
    std::printf(" %s %12.2f", cell(r.one_read, r.kib).c_str(), per_mib(r.one_read, r.kib) / per_mib(base_one, 1024));
    if (!py.empty()) {
      auto get = [&](const char* feed) {
        auto it = py.find({feed, r.kib});
        return it == py.end() ? -1.0 : it->second;
      };
      const double ps = get("socket"), po = get("one_read");
      std::printf(" %s %s", cell(ps, r.kib).c_str(), cell(po, r.kib).c_str());
      if (ps >= 0 && r.socket >= 0)
        std::printf(" %12.0f", ps / r.socket);
      else
        std::printf(" %12s", "-");
      if (po >= 0)
        std::printf(" %12.0f", po / r.one_read);
      else
        std::printf(" %12s", "-");
    }
    std::printf("\n");
  }
  std::printf("\n\"x 1MiB\": time per MiB relative to the 1 MiB input (flat = 1.00). \"-\": not run "
              "(CPython: estimated beyond its time cap).\n");
  return 0;
}
