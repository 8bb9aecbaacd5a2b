// SPDX-License-Identifier: MIT
// tests/fault_injection.hpp on lwIP's raw API: this platform makes no
// system calls (lwIP's callbacks fill its handle table, src/lwip/raw/), so
// it has no seam to inject through yet; every case of the suite is skipped
// at run time with this reason, under the same names as on every platform.
// Its own error paths are tested in tests/lwip_raw/lwip_raw_test.cpp.
#include "fault_injection.hpp"

#include <system_error>

namespace fault {

const char* cannot(op, std::errc) noexcept {
  return "lwIP's raw API platform has no system-call seam (no calls to fail: lwIP's callbacks record state)";
}

std::error_code reported(op, std::errc e) noexcept { return std::make_error_code(e); }

void install() noexcept { engine::reset(); }

void uninstall() noexcept { engine::reset(); }

}  // namespace fault
