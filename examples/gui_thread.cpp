// SPDX-License-Identifier: MIT
// A GUI thread and a network thread: the loop in a thread of its own, and
// the two ways across (call_soon_threadsafe in, a queue out).
//
//     gui_thread HOST PORT
//     gui_thread --help
//
// The main thread stands in for a GUI: it runs an event loop over its own
// event queue (a mutex and a condition variable, as a GUI toolkit's queue
// would be) and never touches a socket. Each line typed on stdin becomes an
// event (a small reader thread plays the windowing system, which in a real
// GUI delivers the key presses; a thread blocked in a read could not also
// drain its queue); the main thread hands the line to the network thread
// with asyncore::call_soon_threadsafe. The network thread has its own
// socket_map and runs loop() on it: it connects to HOST:PORT, sends each line
// it is given, and hands every line the server sends back to the main thread
// through the event queue, which prints it ("reply: ..."). On end of input
// the main thread asks the network thread to stop with
// socket_map::request_exit, joins it and exits with status 0 ("bye"); when
// the server closes the connection first, the status is 1.
//
// Try it against the echo server:
//
//     echo_server 8007 &   printf 'one\ntwo\n' | gui_thread 127.0.0.1 8007
//
// Rules it follows: a map and its channels belong to the thread that runs
// its loop, so the main thread only posts calls to that map
// (call_soon_threadsafe) and asks it to exit (request_exit), the two calls
// any thread may make.
#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace {

// The GUI's event queue: any thread posts, the main thread waits and drains.
struct event {
  enum kind { input, input_end, status, reply, network_end } what;
  std::string text;
};

class event_queue {
 public:
  void post(event e) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(std::move(e));
    }
    ready_.notify_one();
  }
  event wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return !events_.empty(); });
    event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  bool try_pop(event& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (events_.empty()) return false;
    e = std::move(events_.front());
    events_.pop_front();
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<event> events_;
};

// The connection, in the network thread: lines in, lines out.
class connection : public asyncore::async_chat {
 public:
  connection(asyncore::socket_map* map, event_queue* gui) : async_chat(map), gui_(gui) { set_terminator("\n"); }

  void handle_connect() override { gui_->post({event::status, "connected to " + addr.to_string()}); }
  void collect_incoming_data(std::string_view data) override { line_.append(data); }
  void found_terminator() override {
    gui_->post({event::reply, line_});
    line_.clear();
  }
  void handle_close() override {
    gui_->post({event::status, "the server closed the connection"});
    close();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    gui_->post({event::status, "connection failed: " + (cause.code ? asyncore::error_text(cause.code) : cause.what)});
    close();
  }
  std::string_view type_name() const override { return "connection"; }

 private:
  event_queue* gui_;
  std::string line_;
};

// The network thread: its own map, its own loop.
class network {
 public:
  network(std::string host, std::uint16_t port, event_queue* gui)
      : host_(std::move(host)), port_(port), gui_(gui), conn_(&map_, gui) {}

  void start() { thread_ = std::thread([this] { run(); }); }

  // From the main thread: queue a line for the server. The call runs in the
  // network thread, in its loop (push is not thread-safe; posting is).
  void send_line(std::string line) {
    std::error_code ec;
    asyncore::call_soon_threadsafe([this, line = std::move(line)] { conn_.push(line + "\n"); }, &map_, ec);
    if (ec) gui_->post({event::status, "cannot post: " + asyncore::error_text(ec)});
  }

  // From the main thread: stop the loop and wait for the thread.
  void stop() {
    map_.request_exit();
    thread_.join();
  }

 private:
  void run() {
    std::error_code ec;
    // Blocking here is fine: this thread is not the GUI's.
    asyncore::address a = asyncore::address::resolve(host_, port_, asyncore::family::unspec, ec);
    if (!ec) conn_.create_socket(a.get_family(), asyncore::socket_type::stream, ec);
    if (!ec) conn_.connect(a, ec);  // lines posted meanwhile are queued until connected
    if (ec) {
      gui_->post({event::status, "cannot connect to " + host_ + ": " + asyncore::error_text(ec)});
    } else {
      // Until request_exit, or until the connection is gone (the map is then
      // empty and loop() returns by itself).
      asyncore::loop(asyncore::forever, asyncore::backend::poll, &map_, std::nullopt, ec);
      if (ec) gui_->post({event::status, "loop failed: " + asyncore::error_text(ec)});
    }
    asyncore::close_all(&map_, true);
    gui_->post({event::network_end, {}});
  }

  std::string host_;
  std::uint16_t port_;
  event_queue* gui_;
  asyncore::socket_map map_;  // before conn_: the map outlives its channel
  connection conn_;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    std::printf("usage: %s HOST PORT\n", argv[0]);
    return 0;
  }
  char* end = nullptr;
  const unsigned long port = argc == 3 ? std::strtoul(argv[2], &end, 10) : 0;
  if (argc != 3 || *end || port == 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 2;
  }

  // Never destroyed: the input thread may still be blocked in a read (and
  // post once it returns) when main returns after the server went away, and
  // a static would be destroyed under it at exit.
  static event_queue& gui = *new event_queue;
  network net(argv[1], static_cast<std::uint16_t>(port), &gui);
  net.start();
  // The windowing system: input events.
  std::thread input([] {
    for (std::string line; std::getline(std::cin, line);) gui.post({event::input, line});
    gui.post({event::input_end, {}});
  });

  // The GUI's event loop.
  int status = 0;
  for (bool running = true; running;) {
    event e = gui.wait();
    switch (e.what) {
      case event::input:
        net.send_line(std::move(e.text));
        break;
      case event::input_end:
        input.join();  // it has returned
        net.stop();    // request_exit, then join
        running = false;
        break;
      case event::status:
        std::printf("%s\n", e.text.c_str());
        break;
      case event::reply:
        std::printf("reply: %s\n", e.text.c_str());
        break;
      case event::network_end:
        std::printf("network thread ended\n");
        net.stop();      // only joins: its loop has returned
        input.detach();  // it may wait for input forever
        status = 1;
        running = false;
        break;
    }
    std::fflush(stdout);
  }
  // What the network thread said before it stopped.
  for (event e; gui.try_pop(e);) {
    if (e.what == event::reply) std::printf("reply: %s\n", e.text.c_str());
    if (e.what == event::status) std::printf("%s\n", e.text.c_str());
  }
  std::printf("bye\n");
  std::fflush(stdout);
  return status;
}
