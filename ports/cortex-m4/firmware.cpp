// SPDX-License-Identifier: MIT
// asyncore for C++, Cortex-M4 port: the firmware image (asyncore_firmware.elf).
//
// Two echo services on lwIP's sockets, in one asyncore loop:
//   port 7: Python's asyncore echo server (dispatcher_with_send), byte stream;
//   port 8: a line echo on async_chat ("\n" terminator, records limited).
// main() starts lwIP (tcpip_init, waiting for its callback), then runs the
// loop forever with the select backend. Built with -Os -fno-exceptions
// -fno-rtti. With ports/cortex-m4/rtos_glue.c this image links but does not
// run (no RTOS is packaged here); with a real sys_arch it is a complete
// program.
#include "firmware_common.hpp"

#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <string>

namespace {

using cm4::echo_handler;

class line_echo : public asyncore::async_chat {
 public:
  line_echo(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : async_chat(std::move(s), m, ec) {
    set_terminator("\n");
  }
  void collect_incoming_data(std::string_view data) override { line_.append(data.data(), data.size()); }
  void found_terminator() override {
    line_ += '\n';
    push(line_);
    line_.clear();
  }

 private:
  std::string line_;
};

template <class Handler>
class server : public cm4::listener {
 public:
  using listener::listener;
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    asyncore::make_owned<Handler>(std::move(sock), map(), ec);
  }
};

}  // namespace

int main() {
  if (!cm4::start_lwip()) return 1;

  asyncore::socket_map map;
  server<echo_handler> echo(&map, 7);
  server<line_echo> lines(&map, 8);
  for (;;) {
    std::error_code ec;
    // The one backend this port builds (lwipopts.h: LWIP_SOCKET_SELECT 1,
    // LWIP_SOCKET_POLL 0). A failed wait is retried.
    asyncore::loop(asyncore::forever, asyncore::backend::select, &map, std::nullopt, ec);
  }
}
