// SPDX-License-Identifier: MIT
/* ports/cortex-m4/mbedtls_config.h: mbedTLS 2.28 for the Cortex-M4 firmware
 * (asyncore_tls_firmware.elf), through MBEDTLS_CONFIG_FILE (the cortex-m4
 * preset sets ASYNCORE_MBEDTLS_CONFIG_FILE to this file; cmake/
 * mbedtls_source.cmake builds mbedTLS and passes it on to src/tls/).
 *
 * What it gives, and only that (everything not defined here is off):
 *   - TLS 1.2 only (asyncore's minimum), client and server, stream transport;
 *   - one cipher suite: ECDHE-ECDSA-AES128-GCM-SHA256 (RFC 5289), key
 *     exchange on the NIST P-256 curve, certificates with P-256 keys signed
 *     with ECDSA-SHA256; ASYNCORE_CM4_TLS_RSA (below) adds
 *     ECDHE-RSA-AES128-GCM-SHA256 and RSA certificates, for clients of
 *     servers whose chain is RSA (most public CAs);
 *   - X.509 certificates and keys parsed from PEM (or DER) in memory: no file
 *     system (MBEDTLS_FS_IO off), so tls_context::load_ca_pem and
 *     use_certificate_pem are the ways in (the *_file calls read through
 *     std::ifstream, which a board without files cannot serve);
 *   - what src/tls/mbedtls_engine.cpp calls: ALPN (MBEDTLS_SSL_ALPN), SNI
 *     (MBEDTLS_SSL_SERVER_NAME_INDICATION, sent by mbedtls_ssl_set_hostname),
 *     verification with the host name check, ctr_drbg seeded from the
 *     entropy module, mbedtls_strerror's texts (MBEDTLS_ERROR_C: handle_error
 *     carries the engine's reason, e.g. "SSL - A fatal alert message was
 *     received from our peer"; 11 KiB of flash here, the largest single
 *     object of mbedTLS in ci/cortex-m's report. Replacing MBEDTLS_ERROR_C
 *     with MBEDTLS_ERROR_STRERROR_DUMMY saves it: the tls_errc codes stay, and
 *     so do certificate_verify_failed's reasons, which come from the X.509
 *     module, but the other reasons are empty);
 *   - no net_sockets (asyncore's TLS layer does the socket I/O), no timing
 *     module, no time at all (MBEDTLS_HAVE_TIME off), no threading.
 *
 * Randomness: MBEDTLS_NO_PLATFORM_ENTROPY (no /dev/urandom here) with
 * MBEDTLS_ENTROPY_HARDWARE_ALT: the board supplies
 *     int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen);
 * from its true random number generator (STM32 RNG, nRF RNG, ...). The
 * link-only image's version (ports/cortex-m4/board_entropy.c) has no TRNG and
 * fails closed: every tls_context then reports bad_configuration ("random
 * generator: ...") and no handshake starts. Never return "random" bytes that
 * are not.
 *
 * Certificate validity dates: without MBEDTLS_HAVE_TIME_DATE the validity
 * period of certificates is NOT checked (an expired or not-yet-valid
 * certificate is accepted; chain, signature and host name still are). A
 * board with a real-time clock or SNTP defines MBEDTLS_HAVE_TIME and
 * MBEDTLS_HAVE_TIME_DATE (and MBEDTLS_PLATFORM_GMTIME_R_ALT or a gmtime_r),
 * e.g. in a file named by MBEDTLS_USER_CONFIG_FILE.
 *
 * Record buffers (the RAM trade-off): mbedTLS keeps one input and one output
 * record buffer per connection, each its CONTENT_LEN plus 45 bytes of
 * header and cipher overhead here (ci/cortex-m prints the figures):
 *   MBEDTLS_SSL_OUT_CONTENT_LEN 2048: records this side sends carry at most
 *     2 KiB of plaintext; always safe (asyncore's send() then takes at most
 *     2 KiB at a time, the peer takes any record size), a little more
 *     overhead per byte for bulk data (29 bytes of header, nonce and tag per
 *     record, about 1.4 %).
 *   MBEDTLS_SSL_IN_CONTENT_LEN 4096: the largest record, and the largest
 *     handshake message (a peer's certificate chain!), this side accepts. TLS
 *     allows 16 KiB, and peers send that much when their application writes
 *     that much at once; a larger record cuts that channel off (handle_error
 *     with protocol_error, or handshake_failed during the handshake; the
 *     other channels go on; mbedTLS 2.28's reason reads "SSL - Bad input
 *     parameters to function"). So 4 KiB suits peers you control (your
 *     own endpoint or broker, writing less than 4 KiB at a time, with a
 *     certificate chain below 4 KiB) or peers that agree to a smaller
 *     record size through the max_fragment_length extension (RFC 6066,
 *     MBEDTLS_SSL_MAX_FRAGMENT_LENGTH below: a server here honours a
 *     client's request; `openssl s_client -maxfraglen 4096` does ask). For
 *     arbitrary peers define MBEDTLS_SSL_IN_CONTENT_LEN
 *     16384 (-D or MBEDTLS_USER_CONFIG_FILE): 12 KiB more per connection.
 * Both may be set with -D (they are only defaulted here).
 *
 * RAM, further: MBEDTLS_AES_ROM_TABLES puts AES's tables in flash (else 8 KiB
 * of RAM, built at run time), MBEDTLS_ECP_FIXED_POINT_OPTIM 0 keeps no
 * per-curve table in RAM, MBEDTLS_SSL_KEEP_PEER_CERTIFICATE off frees the
 * peer's certificate after the handshake (a digest is kept).
 */
#ifndef ASYNCORE_PORT_CM4_MBEDTLS_CONFIG_H
#define ASYNCORE_PORT_CM4_MBEDTLS_CONFIG_H

/* -- system ------------------------------------------------------------------ */
#define MBEDTLS_HAVE_ASM            /* bignum inner loops in Thumb-2 assembly */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT /* mbedtls_hardware_poll: the board's TRNG */
#define MBEDTLS_ENTROPY_FORCE_SHA256 /* the entropy pool on SHA-256: no SHA-512 code */
#define MBEDTLS_DEPRECATED_REMOVED

/* -- TLS ----------------------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET /* RFC 7627 */
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH    /* RFC 6066: smaller records on request */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#if !defined(MBEDTLS_SSL_IN_CONTENT_LEN)
#define MBEDTLS_SSL_IN_CONTENT_LEN 4096
#endif
#if !defined(MBEDTLS_SSL_OUT_CONTENT_LEN)
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048
#endif

/* -- X.509, keys, PEM ------------------------------------------------------------ */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA signatures are written in ASN.1 */
#define MBEDTLS_OID_C

/* -- cryptography ---------------------------------------------------------------- */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES /* one table instead of four: 6 KiB less flash, a little slower */
#define MBEDTLS_GCM_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ERROR_C

/* ECDHE-RSA and RSA certificates (PKCS#1 v1.5 and PSS signatures), for a
 * client whose servers present RSA chains. Define ASYNCORE_CM4_TLS_RSA for
 * every file that includes this configuration (mbedTLS's and
 * src/tls/mbedtls_engine.cpp: CMAKE_C_FLAGS and CMAKE_CXX_FLAGS), or copy
 * this file and define the macros of the first branch there. It takes
 * 11.6 KiB more flash (mbedTLS 63.5 -> 75.1 KB in asyncore_tls_firmware.elf:
 * RSA, PKCS#1, more of bignum and error). */
#if defined(ASYNCORE_CM4_TLS_RSA)
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA up to 4096 bits */
#define MBEDTLS_SSL_CIPHERSUITES \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#else
#define MBEDTLS_MPI_MAX_SIZE 32 /* P-256 only */
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
#endif
#define MBEDTLS_MPI_WINDOW_SIZE 2

#if defined(MBEDTLS_USER_CONFIG_FILE)
#include MBEDTLS_USER_CONFIG_FILE
#endif

#include "mbedtls/check_config.h"

#endif /* ASYNCORE_PORT_CM4_MBEDTLS_CONFIG_H */
