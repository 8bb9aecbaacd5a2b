// SPDX-License-Identifier: MIT
// asyncore for C++, MPS2-AN386 port: a firmware image on lwIP's raw API
// (asyncore_raw_firmware.elf), for its size (ci/lwip-raw prints it).
//
// Two services in one asyncore loop, as in ports/cortex-m4/firmware.cpp:
// port 7 an echo server (dispatcher_with_send), port 8 a line echo
// (async_chat, "\n"). main() starts SysTick and lwIP (lwip_init), then runs
// the loop forever. The image links; it has no network interface yet (the
// LAN9118 netif comes next), so under QEMU it idles.
#include "lwip/opt.h"
#include "lwip/init.h"

#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <string>

extern "C" void asyncore_board_init(void);  // board.c

namespace {

class echo_handler : public asyncore::dispatcher_with_send {
 public:
  using dispatcher_with_send::dispatcher_with_send;
  void handle_read() override {
    char buf[256];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
};

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
class server : public asyncore::dispatcher {
 public:
  server(asyncore::socket_map* m, std::uint16_t port) : dispatcher(m) {
    std::error_code ec;
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    set_reuse_addr();
    bind(asyncore::address::any(asyncore::family::inet, port), ec);
    if (!ec) listen(2, ec);
    if (ec) close();
  }
  void handle_accepted(asyncore::socket sock, const asyncore::address&) override {
    std::error_code ec;
    asyncore::make_owned<Handler>(std::move(sock), map(), ec);
  }
};

}  // namespace

int main() {
  asyncore_board_init();
  lwip_init();
  asyncore::socket_map map;
  server<echo_handler> echo(&map, 7);
  server<line_echo> lines(&map, 8);
  for (;;) {
    std::error_code ec;
    asyncore::loop(asyncore::forever, asyncore::backend::select, &map, std::nullopt, ec);
    if (ec) asyncore::loop(1.0, asyncore::backend::poll, &map, 1, ec);
  }
}
