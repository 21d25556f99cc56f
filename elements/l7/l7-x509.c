/* pktpipe l7 — minimal DER walking for the names in an X.509 certificate.
 * Only what ssl.log's sni_matches_cert needs; every read is bounded by the
 * enclosing element, so a malformed certificate stops the walk, never
 * reads past it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-x509.h"

#include <string.h>

typedef struct {
  const guint8 *p, *end;
} Der;

/* One TLV; @val gets its contents. FALSE at the end or if malformed. */
static gboolean
der_next (Der *d, guint *tag, Der *val)
{
  if (d->end - d->p < 2)
    return FALSE;
  guint t = d->p[0];
  if ((t & 0x1f) == 0x1f)
    return FALSE; /* high tag numbers do not occur where we look */
  gsize len = d->p[1];
  const guint8 *q = d->p + 2;
  if (len & 0x80) {
    guint n = len & 0x7f;
    if (n == 0 || n > 4 || (gsize)(d->end - q) < n)
      return FALSE;
    len = 0;
    for (guint i = 0; i < n; i++)
      len = len << 8 | q[i];
    q += n;
  }
  if ((gsize)(d->end - q) < len)
    return FALSE;
  *tag = t;
  val->p = q;
  val->end = q + len;
  d->p = q + len;
  return TRUE;
}

static gboolean
der_enter (Der *d, guint want, Der *inner)
{
  guint tag;
  return der_next (d, &tag, inner) && tag == want;
}

static char *
der_string (const Der *v)
{
  gsize n = v->end - v->p;
  /* names with NUL bytes are not names (an old trick against matchers) */
  if (n == 0 || memchr (v->p, 0, n))
    return NULL;
  return g_strndup ((const char *)v->p, n);
}

static void
subject_cns (Der subject, GPtrArray *cn)
{
  static const guint8 oid_cn[] = { 0x55, 0x04, 0x03 };
  Der rdn;
  guint tag;
  while (der_next (&subject, &tag, &rdn)) {
    Der atv;
    if (tag != 0x31)
      continue;
    while (der_next (&rdn, &tag, &atv)) {
      Der oid, value;
      guint vt;
      if (tag != 0x30 || !der_enter (&atv, 0x06, &oid) || !der_next (&atv, &vt, &value))
        continue;
      if (oid.end - oid.p == sizeof oid_cn && memcmp (oid.p, oid_cn, sizeof oid_cn) == 0) {
        char *s = der_string (&value);
        if (s)
          g_ptr_array_add (cn, s);
      }
    }
  }
}

static void
extensions_sans (Der exts, GPtrArray *san)
{
  static const guint8 oid_san[] = { 0x55, 0x1d, 0x11 };
  Der seq, ext;
  guint tag;
  if (!der_enter (&exts, 0x30, &seq))
    return;
  while (der_next (&seq, &tag, &ext)) {
    Der oid, v, names, name;
    if (tag != 0x30 || !der_enter (&ext, 0x06, &oid))
      continue;
    if (oid.end - oid.p != sizeof oid_san || memcmp (oid.p, oid_san, sizeof oid_san) != 0)
      continue;
    if (!der_next (&ext, &tag, &v))
      continue;
    if (tag == 0x01 && !der_next (&ext, &tag, &v)) /* critical flag */
      continue;
    if (tag != 0x04 || !der_enter (&v, 0x30, &names))
      continue;
    while (der_next (&names, &tag, &name))
      if (tag == 0x82) { /* dNSName */
        char *s = der_string (&name);
        if (s)
          g_ptr_array_add (san, s);
      }
  }
}

gboolean
l7_x509_names (const guint8 *der, gsize len, GPtrArray *san, GPtrArray *cn)
{
  Der all = { der, der + len }, cert, tbs, item;
  guint tag;
  if (!der_enter (&all, 0x30, &cert) || !der_enter (&cert, 0x30, &tbs))
    return FALSE;
  /* [0] version (optional), serial, signature, issuer, validity, subject */
  if (!der_next (&tbs, &tag, &item))
    return FALSE;
  if (tag == 0xa0 && !der_next (&tbs, &tag, &item))
    return FALSE;
  if (tag != 0x02)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    if (!der_enter (&tbs, 0x30, &item))
      return FALSE;
  Der subject;
  if (!der_enter (&tbs, 0x30, &subject))
    return FALSE;
  subject_cns (subject, cn);
  /* subjectPublicKeyInfo, then [1] [2] unique ids and [3] extensions */
  while (der_next (&tbs, &tag, &item))
    if (tag == 0xa3)
      extensions_sans (item, san);
  return TRUE;
}

gboolean
l7_x509_name_matches (const char *pattern, const char *host)
{
  if (g_ascii_strcasecmp (pattern, host) == 0)
    return TRUE;
  if (pattern[0] != '*' || pattern[1] != '.' || !pattern[2])
    return FALSE;
  const char *dot = strchr (host, '.');
  /* the wildcard stands for exactly one non-empty label */
  return dot && dot != host && g_ascii_strcasecmp (dot + 1, pattern + 2) == 0;
}

gboolean
l7_x509_cert_matches_host (const guint8 *der, gsize len, const char *host)
{
  g_autoptr (GPtrArray) san = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cn = g_ptr_array_new_with_free_func (g_free);
  if (!l7_x509_names (der, len, san, cn))
    return FALSE;
  GPtrArray *names = san->len ? san : cn;
  for (guint i = 0; i < names->len; i++)
    if (l7_x509_name_matches (names->pdata[i], host))
      return TRUE;
  return FALSE;
}
