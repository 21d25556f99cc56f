/* pktpipe l7 — TLS ClientHello/ServerHello parsing, JA3, JA3S and JA4.
 * JA3: https://github.com/salesforce/ja3 ; JA4: https://github.com/FoxIO-LLC/ja4
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-tls.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  const guint8 *p;
  gsize len, off;
  gboolean bad;
} Rd;

static guint
u8 (Rd *r)
{
  if (r->off + 1 > r->len) {
    r->bad = TRUE;
    return 0;
  }
  return r->p[r->off++];
}

static guint
u16 (Rd *r)
{
  if (r->off + 2 > r->len) {
    r->bad = TRUE;
    r->off = r->len;
    return 0;
  }
  guint v = (guint)r->p[r->off] << 8 | r->p[r->off + 1];
  r->off += 2;
  return v;
}

static const guint8 *
take (Rd *r, gsize n)
{
  if (r->off + n > r->len) {
    r->bad = TRUE;
    r->off = r->len;
    return NULL;
  }
  const guint8 *s = r->p + r->off;
  r->off += n;
  return s;
}

gboolean
l7_tls_is_grease (guint16 v)
{
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void
parse_alpn_list (const guint8 *d, gsize n, char (*out)[64], guint max, guint *count)
{
  Rd r = { d, n, 0, FALSE };
  gsize total = u16 (&r);
  gsize end = MIN (r.off + total, n);
  while (!r.bad && r.off < end && *count < max) {
    guint l = u8 (&r);
    const guint8 *s = take (&r, l);
    if (!s)
      break;
    gsize k = MIN ((gsize)l, (gsize)63);
    for (gsize i = 0; i < k; i++)
      out[*count][i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != ',') ? (char)s[i] : '?';
    out[*count][k] = 0;
    (*count)++;
  }
}

static void
client_extension (L7TlsClientHello *ch, guint type, const guint8 *d, gsize n)
{
  Rd r = { d, n, 0, FALSE };
  switch (type) {
    case 0: { /* server_name: first host_name entry */
      u16 (&r);
      guint kind = u8 (&r);
      guint l = u16 (&r);
      const guint8 *s = take (&r, l);
      if (kind == 0 && s) {
        gsize k = MIN ((gsize)l, sizeof ch->sni - 1);
        for (gsize i = 0; i < k; i++)
          ch->sni[i] = (s[i] > 0x20 && s[i] < 0x7f && s[i] != ',') ? (char)s[i] : '?';
        ch->sni[k] = 0;
      }
      break;
    }
    case 10: { /* supported_groups */
      guint l = u16 (&r);
      for (guint i = 0; i + 2 <= l && !r.bad && ch->n_groups < L7_TLS_MAX_LIST; i += 2)
        ch->groups[ch->n_groups++] = u16 (&r);
      break;
    }
    case 11: { /* ec_point_formats */
      guint l = u8 (&r);
      for (guint i = 0; i < l && !r.bad && ch->n_point_formats < L7_TLS_MAX_LIST; i++)
        ch->point_formats[ch->n_point_formats++] = u8 (&r);
      break;
    }
    case 13: { /* signature_algorithms */
      guint l = u16 (&r);
      for (guint i = 0; i + 2 <= l && !r.bad && ch->n_sig_algs < L7_TLS_MAX_LIST; i += 2)
        ch->sig_algs[ch->n_sig_algs++] = u16 (&r);
      break;
    }
    case 16: /* ALPN */
      parse_alpn_list (d, n, ch->alpn, G_N_ELEMENTS (ch->alpn), &ch->n_alpn);
      break;
    case 43: { /* supported_versions */
      guint l = u8 (&r);
      for (guint i = 0; i + 2 <= l && !r.bad && ch->n_versions < L7_TLS_MAX_LIST; i += 2)
        ch->versions[ch->n_versions++] = u16 (&r);
      break;
    }
  }
}

gboolean
l7_tls_parse_client_hello (const guint8 *body, gsize len, L7TlsClientHello *out)
{
  memset (out, 0, sizeof *out);
  Rd r = { body, len, 0, FALSE };
  out->legacy_version = u16 (&r);
  take (&r, 32);      /* random */
  take (&r, u8 (&r)); /* session id */
  guint cl = u16 (&r);
  if (r.bad || cl % 2)
    return FALSE;
  for (guint i = 0; i < cl / 2; i++) {
    guint c = u16 (&r);
    if (out->n_ciphers < L7_TLS_MAX_LIST)
      out->ciphers[out->n_ciphers++] = c;
  }
  take (&r, u8 (&r)); /* compression methods */
  if (r.bad)
    return FALSE;
  if (r.off == r.len)
    return TRUE; /* no extensions (SSLv3 style) */
  guint el = u16 (&r);
  gsize end = MIN (r.off + el, r.len);
  while (!r.bad && r.off + 4 <= end) {
    guint type = u16 (&r);
    guint l = u16 (&r);
    const guint8 *d = take (&r, l);
    if (!d)
      return FALSE;
    if (out->n_extensions < L7_TLS_MAX_LIST)
      out->extensions[out->n_extensions++] = type;
    client_extension (out, type, d, l);
  }
  return !r.bad;
}

gboolean
l7_tls_parse_server_hello (const guint8 *body, gsize len, L7TlsServerHello *out)
{
  memset (out, 0, sizeof *out);
  Rd r = { body, len, 0, FALSE };
  out->legacy_version = out->version = u16 (&r);
  take (&r, 32);
  take (&r, u8 (&r));
  out->cipher = u16 (&r);
  u8 (&r); /* compression */
  if (r.bad)
    return FALSE;
  if (r.off == r.len)
    return TRUE;
  guint el = u16 (&r);
  gsize end = MIN (r.off + el, r.len);
  while (!r.bad && r.off + 4 <= end) {
    guint type = u16 (&r);
    guint l = u16 (&r);
    const guint8 *d = take (&r, l);
    if (!d)
      return FALSE;
    if (out->n_extensions < L7_TLS_MAX_LIST)
      out->extensions[out->n_extensions++] = type;
    Rd e = { d, l, 0, FALSE };
    if (type == 43 && l >= 2)
      out->version = u16 (&e);
    else if (type == 51 && l >= 2)
      out->key_share_group = u16 (&e);
    else if (type == 16) {
      char one[1][64] = { { 0 } };
      guint n = 0;
      parse_alpn_list (d, l, one, 1, &n);
      if (n)
        memcpy (out->alpn, one[0], sizeof out->alpn);
    }
  }
  return !r.bad;
}

static void
append_list (GString *s, const guint16 *v, guint n, gboolean skip_grease)
{
  gboolean first = TRUE;
  for (guint i = 0; i < n; i++) {
    if (skip_grease && l7_tls_is_grease (v[i]))
      continue;
    g_string_append_printf (s, first ? "%u" : "-%u", v[i]);
    first = FALSE;
  }
}

static void
md5_hex (const char *text, char out[33])
{
  g_autofree char *h = g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
  g_strlcpy (out, h, 33);
}

void
l7_tls_ja3 (const L7TlsClientHello *ch, char out[33])
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_string_append_printf (s, "%u,", ch->legacy_version);
  append_list (s, ch->ciphers, ch->n_ciphers, TRUE);
  g_string_append_c (s, ',');
  append_list (s, ch->extensions, ch->n_extensions, TRUE);
  g_string_append_c (s, ',');
  append_list (s, ch->groups, ch->n_groups, TRUE);
  g_string_append_c (s, ',');
  for (guint i = 0; i < ch->n_point_formats; i++)
    g_string_append_printf (s, i ? "-%u" : "%u", ch->point_formats[i]);
  md5_hex (s->str, out);
}

void
l7_tls_ja3s (const L7TlsServerHello *sh, char out[33])
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_string_append_printf (s, "%u,%u,", sh->legacy_version, sh->cipher);
  append_list (s, sh->extensions, sh->n_extensions, FALSE);
  md5_hex (s->str, out);
}

static int
cmp_u16 (const void *a, const void *b)
{
  return (int)*(const guint16 *)a - (int)*(const guint16 *)b;
}

/* first 12 hex chars of SHA-256 of @text, or twelve zeros when empty */
static void
sha12 (const char *text, char *out)
{
  if (!text[0]) {
    memcpy (out, "000000000000", 12);
    return;
  }
  g_autofree char *h = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  memcpy (out, h, 12);
}

static void
hex4_list (GString *s, const guint16 *v, guint n)
{
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, i ? ",%04x" : "%04x", v[i]);
}

void
l7_tls_ja4 (const L7TlsClientHello *ch, gboolean quic, char out[40])
{
  /* version: the highest non-GREASE supported_versions entry, else legacy */
  guint16 ver = 0;
  for (guint i = 0; i < ch->n_versions; i++)
    if (!l7_tls_is_grease (ch->versions[i]) && ch->versions[i] > ver)
      ver = ch->versions[i];
  if (!ver)
    ver = ch->legacy_version;
  const char *vs = ver == 0x0304   ? "13"
                   : ver == 0x0303 ? "12"
                   : ver == 0x0302 ? "11"
                   : ver == 0x0301 ? "10"
                   : ver == 0x0300 ? "s3"
                                   : "00";
  guint16 ciphers[L7_TLS_MAX_LIST], exts[L7_TLS_MAX_LIST];
  guint nc = 0, ne_all = 0, ne = 0;
  for (guint i = 0; i < ch->n_ciphers; i++)
    if (!l7_tls_is_grease (ch->ciphers[i]))
      ciphers[nc++] = ch->ciphers[i];
  for (guint i = 0; i < ch->n_extensions; i++) {
    guint16 e = ch->extensions[i];
    if (l7_tls_is_grease (e))
      continue;
    ne_all++;
    if (e != 0x0000 && e != 0x0010) /* SNI and ALPN are left out of the hash */
      exts[ne++] = e;
  }
  char alpn[3] = "00";
  if (ch->n_alpn > 0 && ch->alpn[0][0]) {
    gsize l = strlen (ch->alpn[0]);
    alpn[0] = ch->alpn[0][0];
    alpn[1] = ch->alpn[0][l - 1];
  }
  qsort (ciphers, nc, sizeof (guint16), cmp_u16);
  qsort (exts, ne, sizeof (guint16), cmp_u16);
  g_autoptr (GString) b = g_string_new (NULL), c = g_string_new (NULL);
  hex4_list (b, ciphers, nc);
  hex4_list (c, exts, ne);
  guint16 sigs[L7_TLS_MAX_LIST];
  guint ns = 0;
  for (guint i = 0; i < ch->n_sig_algs; i++)
    if (!l7_tls_is_grease (ch->sig_algs[i]))
      sigs[ns++] = ch->sig_algs[i];
  if (ns) {
    g_string_append_c (c, '_');
    hex4_list (c, sigs, ns);
  }
  char hb[13] = { 0 }, hc[13] = { 0 };
  sha12 (b->str, hb);
  sha12 (ne ? c->str : "", hc);
  g_snprintf (out, 40, "%c%s%c%02u%02u%s_%s_%s", quic ? 'q' : 't', vs, ch->sni[0] ? 'd' : 'i',
              MIN (nc, 99u), MIN (ne_all, 99u), alpn, hb, hc);
}

const char *
l7_tls_version_name (guint16 v)
{
  switch (v) {
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv10";
    case 0x0302:
      return "TLSv11";
    case 0x0303:
      return "TLSv12";
    case 0x0304:
      return "TLSv13";
    case 0x0002:
      return "SSLv2";
    case 0xfeff:
      return "DTLSv10";
    case 0xfefd:
      return "DTLSv12";
    case 0xfefc:
      return "DTLSv13";
  }
  return NULL; /* see l7_tls_version_format */
}

/* Zeek's version_strings with its default: drafts of TLS 1.3 by Zeek's own
 * arithmetic (v / 0xff == 0x7f, draft v % 0x7f), else "unknown-<decimal>" */
const char *
l7_tls_version_format (guint16 v, char buf[24])
{
  const char *name = l7_tls_version_name (v);
  if (name)
    return name;
  if (v / 0xff == 0x7f)
    g_snprintf (buf, 24, "TLSv13-draft%u", v % 0x7f);
  else
    g_snprintf (buf, 24, "unknown-%u", v);
  return buf;
}

gboolean
l7_tls_version_is_13 (guint16 v)
{
  return v == 0x0304 || (v >> 8) == 0x7f;
}

const char *
l7_tls_cipher_name (guint16 c)
{
  static const struct {
    guint16 id;
    const char *name;
  } t[] = {
    { 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
    { 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
    { 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
    { 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x1301, "TLS_AES_128_GCM_SHA256" },
    { 0x1302, "TLS_AES_256_GCM_SHA384" },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
    { 0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
    { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
    { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
    { 0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
    { 0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
    { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
    { 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
    { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
    { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    if (t[i].id == c)
      return t[i].name;
  return NULL;
}

const char *
l7_tls_curve_name (guint16 g)
{
  switch (g) {
    case 23:
      return "secp256r1";
    case 24:
      return "secp384r1";
    case 25:
      return "secp521r1";
    case 29:
      return "x25519";
    case 30:
      return "x448";
    case 256:
      return "ffdhe2048";
    case 257:
      return "ffdhe3072";
    case 0x11ec:
      return "X25519MLKEM768";
  }
  return NULL;
}
