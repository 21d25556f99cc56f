/* pktpipe l7 — the few X.509 facts ssl.log needs: the leaf certificate's
 * DNS names (subjectAltName dNSName entries and subject commonName), and
 * Zeek's hostname check behind `sni_matches_cert`.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Walks the DER certificate @der (bounds-checked at every byte) and adds
 * each subjectAltName dNSName to @san and each subject CN to @cn (newly
 * allocated strings). Returns FALSE if the structure up to the subject is
 * not a certificate. */
gboolean l7_x509_names (const guint8 *der, gsize len, GPtrArray *san, GPtrArray *cn);

/* TRUE if @host matches @pattern: equal ignoring case, or @pattern is
 * "*.rest" and @host is one label followed by ".rest". */
gboolean l7_x509_name_matches (const char *pattern, const char *host);

/* Zeek's x509_check_cert_hostname: the SAN DNS names if there are any,
 * else the subject CNs; TRUE if one matches @host. */
gboolean l7_x509_cert_matches_host (const guint8 *der, gsize len, const char *host);

G_END_DECLS
