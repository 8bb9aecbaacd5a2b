// SPDX-License-Identifier: MIT
// asyncore for C++, Cortex-M4 port: what one TLS connection takes in RAM in
// this configuration, as the compiler sees it (target asyncore_cm4_tls_sizes,
// an object that is never linked; ci/cortex-m reads it with `nm -S`).
//
// Each figure is the size of an array named asyncore_cm4_size_<what>, so
// it comes from the configuration (ports/cortex-m4/mbedtls_config.h,
// asyncore_user_config.hpp) and from the structures as compiled for this
// target, not from a table kept by hand. The TLS layer and the mbedTLS
// engine are compiled into this object once more (included below) so that
// their internal types can be measured.
#include "../../src/tls/layer.cpp"
#include "../../src/tls/mbedtls_engine.cpp"

#include <mbedtls/gcm.h>
#include <mbedtls/ssl_internal.h>

#define ASYNCORE_CM4_SIZE(name, bytes) extern "C" char asyncore_cm4_size_##name[bytes]; char asyncore_cm4_size_##name[bytes]

// -- per connection, asyncore's TLS layer (src/tls/layer.cpp) -------------------------
// The channel's transport object (the wire buffers' bookkeeping, the phase,
// the handshake timer), allocated by start_tls.
ASYNCORE_CM4_SIZE(layer_channel, sizeof(asyncore::detail::tls_channel));
// The ciphertext input buffer, allocated at the first socket read.
ASYNCORE_CM4_SIZE(layer_in_buffer, asyncore::detail::in_capacity);
// The ciphertext output buffer (a vector that keeps its capacity): one
// record of the engine's, at most MBEDTLS_SSL_OUT_BUFFER_LEN (a handshake
// flight of several records may take more, once).
ASYNCORE_CM4_SIZE(layer_out_buffer, MBEDTLS_SSL_OUT_BUFFER_LEN);
// -- per connection, the mbedTLS engine (src/tls/mbedtls_engine.cpp) ------------------
// The session object: mbedtls_ssl_context and the last failure.
ASYNCORE_CM4_SIZE(engine_session, sizeof(asyncore::detail::mbedtls_session));
// mbedtls_ssl_setup's record buffers, from MBEDTLS_SSL_IN/OUT_CONTENT_LEN.
ASYNCORE_CM4_SIZE(mbedtls_in_buffer, MBEDTLS_SSL_IN_BUFFER_LEN);
ASYNCORE_CM4_SIZE(mbedtls_out_buffer, MBEDTLS_SSL_OUT_BUFFER_LEN);
// After the handshake: the session and the transform, whose two cipher
// contexts (one per direction) are AES-GCM contexts.
ASYNCORE_CM4_SIZE(mbedtls_session, sizeof(mbedtls_ssl_session));
ASYNCORE_CM4_SIZE(mbedtls_transform, sizeof(mbedtls_ssl_transform));
ASYNCORE_CM4_SIZE(mbedtls_gcm_contexts, 2 * sizeof(mbedtls_gcm_context));
// During the handshake only (freed after it): the handshake parameters,
// a second transform and session being negotiated (ECP temporaries and a
// peer's parsed certificate chain come on top and are not counted here).
ASYNCORE_CM4_SIZE(handshake_params, sizeof(mbedtls_ssl_handshake_params));
// -- per tls_context (shared by its channels) ---------------------------------------
// The engine's context: ssl_config, CA and own certificate heads, the key,
// the entropy and ctr_drbg states (the parsed certificates' contents come
// on top).
ASYNCORE_CM4_SIZE(engine_context, sizeof(asyncore::detail::mbedtls_context));
// The configuration's record sizes, for the report.
ASYNCORE_CM4_SIZE(config_in_content_len, MBEDTLS_SSL_IN_CONTENT_LEN);
ASYNCORE_CM4_SIZE(config_out_content_len, MBEDTLS_SSL_OUT_CONTENT_LEN);
