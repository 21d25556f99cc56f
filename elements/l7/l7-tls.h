/* pktpipe l7 — TLS handshake parsing and JA3/JA3S/JA4 fingerprints (pure functions).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define L7_TLS_MAX_LIST 128
#define L7_TLS_MAX_NAME 256

typedef struct {
  guint16 legacy_version;
  guint16 ciphers[L7_TLS_MAX_LIST];
  guint n_ciphers;
  guint16 extensions[L7_TLS_MAX_LIST]; /* in wire order */
  guint n_extensions;
  guint16 groups[L7_TLS_MAX_LIST];
  guint n_groups;
  guint8 point_formats[L7_TLS_MAX_LIST];
  guint n_point_formats;
  guint16 sig_algs[L7_TLS_MAX_LIST];
  guint n_sig_algs;
  guint16 versions[L7_TLS_MAX_LIST]; /* supported_versions */
  guint n_versions;
  char sni[L7_TLS_MAX_NAME];
  char alpn[8][64]; /* the first few protocols offered */
  guint n_alpn;
} L7TlsClientHello;

typedef struct {
  guint16 legacy_version;
  guint16 version; /* supported_versions if present, else legacy */
  guint16 cipher;
  guint16 extensions[L7_TLS_MAX_LIST];
  guint n_extensions;
  guint16 key_share_group; /* TLS 1.3: the curve */
  char alpn[64];
} L7TlsServerHello;

/* @body is a handshake message body (after its 4-byte header). */
gboolean l7_tls_parse_client_hello (const guint8 *body, gsize len, L7TlsClientHello *out);
gboolean l7_tls_parse_server_hello (const guint8 *body, gsize len, L7TlsServerHello *out);

gboolean l7_tls_is_grease (guint16 v);
/* 32 hex chars + NUL */
void l7_tls_ja3 (const L7TlsClientHello *ch, char out[33]);
void l7_tls_ja3s (const L7TlsServerHello *sh, char out[33]);
/* "t13d1516h2_8daaf6152771_e5627efa2ab1" + NUL; @quic selects 'q' */
void l7_tls_ja4 (const L7TlsClientHello *ch, gboolean quic, char out[40]);

const char *l7_tls_version_name (guint16 v);
/* the name Zeek logs for @v; @buf holds it when it is not a constant */
const char *l7_tls_version_format (guint16 v, char buf[24]);
/* TLS 1.3 or one of its drafts (0x7fNN) */
gboolean l7_tls_version_is_13 (guint16 v);
const char *l7_tls_cipher_name (guint16 c); /* NULL if unknown */
const char *l7_tls_curve_name (guint16 g);  /* NULL if unknown */

G_END_DECLS
