// SPDX-License-Identifier: MIT
// The leak check's census on lwIP (tests/support.cpp): the used entries of
// lwIP's socket table. lwIP keeps MEMP_NUM_NETCONN sockets numbered from
// LWIP_SOCKET_OFFSET; lwip_fcntl(F_GETFL) succeeds on a used entry and fails
// with EBADF on a free one, without a round trip to the tcpip thread. The
// host's own descriptors are not counted: the lwIP platform opens none.
#include "lwip/opt.h"
#include "lwip/sockets.h"

#include "support.hpp"

#include <string>

namespace asyncore_test {

handle_census take_handle_census() {
  handle_census c;
  c.what = "lwIP socket";
  for (int fd = LWIP_SOCKET_OFFSET; fd < LWIP_SOCKET_OFFSET + MEMP_NUM_NETCONN; ++fd)
    if (lwip_fcntl(fd, F_GETFL, 0) >= 0) c.handles.push_back("lwIP socket " + std::to_string(fd));
  return c;
}

}  // namespace asyncore_test
