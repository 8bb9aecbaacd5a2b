// SPDX-License-Identifier: MIT
// asyncore_user_config.hpp for the Cortex-M4 board: smaller buffers than the
// desktop defaults (Python's 64 KiB), sized to lwIP's TCP_MSS / TCP_WND of
// this port. asyncore/config.hpp reads this file first when it is on the
// include path (ports/cortex-m4/include is, for every target of this port).
#ifndef ASYNCORE_PORT_CM4_USER_CONFIG_HPP
#define ASYNCORE_PORT_CM4_USER_CONFIG_HPP

#define ASYNCORE_IN_BUFFER_SIZE 536u       // one TCP_MSS per recv()
#define ASYNCORE_OUT_BUFFER_SIZE 1072u     // TCP_SND_BUF per send()
#define ASYNCORE_DEFAULT_MAX_RECORD 2048u  // async_chat's record limit
#define ASYNCORE_WRITE_BUDGET 2144u        // bytes per write event

#endif  // ASYNCORE_PORT_CM4_USER_CONFIG_HPP
