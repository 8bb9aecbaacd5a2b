// SPDX-License-Identifier: MIT
/* asyncore for C++, Cortex-M4 port: the entropy source of mbedTLS
 * (mbedtls_config.h: MBEDTLS_NO_PLATFORM_ENTROPY, MBEDTLS_ENTROPY_HARDWARE_ALT).
 *
 *   *** LINK-ONLY: THIS BOARD HAS NO TRUE RANDOM NUMBER GENERATOR. ***
 *
 * mbedtls_hardware_poll() is the hook a real board fills from its TRNG
 * (STM32: the RNG peripheral's DR register after DRDY, checking SECS/CECS;
 * nRF52: NRF_RNG with bias correction; or a secure element). mbedTLS's
 * entropy module calls it when a tls_context seeds its ctr_drbg, and
 * requires MBEDTLS_ENTROPY_MIN_HARDWARE (32) bytes from it.
 *
 * Here it fails closed: it returns MBEDTLS_ERR_ENTROPY_SOURCE_FAILED and no
 * bytes, so mbedtls_ctr_drbg_seed fails, tls_context::prepare() and
 * start_tls() report tls_errc::bad_configuration ("random generator: ...")
 * and no handshake ever runs with predictable keys. Do not replace it with
 * a counter, a clock or rand(): TLS keys made from guessable bytes are
 * readable by anyone. */
#include <stddef.h>

#include "mbedtls/entropy.h"      /* MBEDTLS_ERR_ENTROPY_SOURCE_FAILED */
#include "mbedtls/entropy_poll.h" /* mbedtls_hardware_poll */

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen) {
  (void)data;
  (void)output;
  (void)len;
  *olen = 0;
  return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}
