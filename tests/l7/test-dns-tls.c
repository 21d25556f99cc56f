/* pktpipe — dnsparse and tlsparse against Zeek's logs, tshark's JA3 and a
 * published JA4, on real captures.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-test-util.h"
#include "l7-dns.h"
#include "l7-tls.h"
#include "l7-x509.h"
#include <glib/gstdio.h>
#include <string.h>

static gint
cmp_strp (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* A Zeek TSV log as rows of name -> value. */
static GPtrArray *
read_zeek_log (const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_auto (GStrv) fields = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_hash_table_unref);
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix (lines[i], "#fields\t")) {
      g_strfreev (fields);
      fields = g_strsplit (lines[i] + 8, "\t", -1);
      continue;
    }
    if (lines[i][0] == '#' || lines[i][0] == 0 || !fields)
      continue;
    g_auto (GStrv) vals = g_strsplit (lines[i], "\t", -1);
    GHashTable *row = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (guint f = 0; fields[f] && vals[f]; f++)
      g_hash_table_insert (row, g_strdup (fields[f]), g_strdup (vals[f]));
    g_ptr_array_add (rows, row);
  }
  return rows;
}

/* Rows as sorted strings of the chosen columns: compares as multisets. */
static GPtrArray *
project (GPtrArray *rows, const char *const *cols)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < rows->len; i++) {
    GString *s = g_string_new (NULL);
    for (guint c = 0; cols[c]; c++) {
      const char *v = g_hash_table_lookup (rows->pdata[i], cols[c]);
      g_string_append_printf (s, "%s%s=%s", c ? " " : "", cols[c], v ? v : "<absent>");
    }
    g_ptr_array_add (out, g_string_free (s, FALSE));
  }
  g_ptr_array_sort (out, cmp_strp);
  return out;
}

static void
assert_same_rows (GPtrArray *ours, GPtrArray *zeek, const char *const *cols, const char *what)
{
  g_autoptr (GPtrArray) a = project (ours, cols), b = project (zeek, cols);
  guint n = MAX (a->len, b->len);
  for (guint i = 0; i < n; i++) {
    const char *x = i < a->len ? a->pdata[i] : "<missing>";
    const char *y = i < b->len ? b->pdata[i] : "<missing>";
    if (g_strcmp0 (x, y) != 0)
      g_error ("%s: row %u differs\n  ours: %s\n  zeek: %s", what, i, x, y);
  }
  g_test_message ("%s: %u rows agree with Zeek", what, n);
}

static GPtrArray *
run_to_log (const char *pcap, const char *chain, const char *parser)
{
  g_autofree char *dir = g_dir_make_tmp ("pktl7-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.log", NULL);
  g_autofree char *desc = g_strdup_printf (
      "pcapsrc location=%s ! %s flowtrack ! %s name=p ! fakesink p.records ! logsink format=zeek "
      "location=%s",
      pcap, chain, parser, out);
  g_autoptr (GError) err = NULL;
  g_autoptr (PktElement) p G_GNUC_UNUSED = pkt_test_run (desc, 60000, &err);
  g_assert_no_error (err);
  GPtrArray *rows = read_zeek_log (out);
  g_unlink (out);
  g_rmdir (dir);
  return rows;
}

static const char *const dns_cols[]
    = { "id.orig_h", "id.orig_p",  "id.resp_h", "id.resp_p",   "proto", "trans_id",
        "rtt",       "query",      "qclass",    "qclass_name", "qtype", "qtype_name",
        "rcode",     "rcode_name", "AA",        "TC",          "RD",    "RA",
        "Z",         "answers",    "TTLs",      "rejected",    NULL };

typedef struct {
  const char *pcap, *log, *chain;
} Trace;

/* Every field of every dns.log row Zeek wrote, except ts and uid (masked or
 * random in Zeek's baselines). */
static void
test_dns_matches_zeek (gconstpointer data)
{
  const Trace *t = data;
  g_autofree char *pcap = pkt_test_testdata_path (t->pcap);
  g_autofree char *log = pkt_test_testdata_path (t->log);
  if (!pcap || !log)
    return;
  g_autoptr (GPtrArray) ours = run_to_log (pcap, t->chain, "dnsparse");
  g_autoptr (GPtrArray) zeek = read_zeek_log (log);
  g_assert_cmpuint (zeek->len, >, 0);
  assert_same_rows (ours, zeek, dns_cols, t->pcap);
}

/* Zeek's ssl.log columns, all of them */
static const char *const ssl_cols[] = { "id.orig_h",   "id.orig_p",      "id.resp_h",
                                        "id.resp_p",   "version",        "cipher",
                                        "curve",       "server_name",    "resumed",
                                        "last_alert",  "next_protocol",  "established",
                                        "ssl_history", "cert_chain_fps", "client_cert_chain_fps",
                                        NULL };

static void
test_ssl_matches_zeek (void)
{
  g_autofree char *pcap = pkt_test_testdata_path ("pcaps/zeek-tls-conn-with-extensions.pcap");
  g_autofree char *log = pkt_test_testdata_path (
      "expected/zeek-tls-conn-with-extensions/zeek/scripts.base.protocols.ssl.basic/ssl.log");
  if (!pcap || !log)
    return;
  g_autoptr (GPtrArray) ours = run_to_log (pcap, "", "tlsparse");
  g_autoptr (GPtrArray) zeek = read_zeek_log (log);
  assert_same_rows (ours, zeek, ssl_cols, "ssl.log");
}

/* JA3 and JA3S equal tshark's tls.handshake.ja3/ja3s, handshake by handshake. */
static void
test_ja3_matches_tshark (gconstpointer data)
{
  const char *name = data;
  g_autofree char *pcap = pkt_test_testdata_path (name);
  if (!pcap || !pkt_test_require_program ("tshark"))
    return;
  g_autoptr (GPtrArray) ours = run_to_log (pcap, "", "tlsparse");
  const char *argv[] = { "tshark", "-n",
                         "-r",     pcap,
                         "-Y",     "tls.handshake.type==1 || tls.handshake.type==2",
                         "-T",     "fields",
                         "-e",     "tls.handshake.ja3",
                         "-e",     "tls.handshake.ja3s",
                         NULL };
  int status;
  g_autoptr (GError) err = NULL;
  g_autofree char *out = pkt_test_spawn (argv, &status, &err);
  g_assert_no_error (err);
  g_autoptr (GPtrArray) theirs = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
    for (guint k = 0; f[k]; k++)
      if (strlen (f[k]) == 32)
        g_ptr_array_add (theirs, g_strdup (f[k]));
  }
  g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < ours->len; i++)
    for (const char *const *c = (const char *const[]){ "ja3", "ja3s", NULL }; *c; c++) {
      const char *v = g_hash_table_lookup (ours->pdata[i], *c);
      if (v && strlen (v) == 32)
        g_ptr_array_add (mine, g_strdup (v));
    }
  g_assert_cmpuint (theirs->len, >, 0);
  g_ptr_array_sort (theirs, cmp_strp);
  g_ptr_array_sort (mine, cmp_strp);
  g_assert_cmpuint (mine->len, ==, theirs->len);
  for (guint i = 0; i < mine->len; i++)
    g_assert_cmpstr (mine->pdata[i], ==, theirs->pdata[i]);
}

/* ---- JA4 on a published fingerprint ---------------------------------------
 * Chrome 143 as published by browserleaks (ja4_ro gives the original order):
 * ja4 t13d1516h2_8daaf6152771_d8a2da3f94cd, ja3 98487aa16281980e7d1120d399efb6a4. */
static void
put16 (GByteArray *b, guint v)
{
  guint8 x[2] = { v >> 8, v & 0xff };
  g_byte_array_append (b, x, 2);
}

static void
ext (GByteArray *b, guint type, const guint8 *d, guint n)
{
  put16 (b, type);
  put16 (b, n);
  g_byte_array_append (b, d, n);
}

static GByteArray *
chrome143_client_hello (void)
{
  static const guint16 ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                     0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
  static const guint16 exts[] = { 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b,
                                  0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b };
  static const guint16 sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
  GByteArray *b = g_byte_array_new ();
  put16 (b, 0x0303);
  guint8 zero[32] = { 0 };
  g_byte_array_append (b, zero, 32);
  g_byte_array_append (b, (guint8[]){ 0 }, 1); /* session id */
  put16 (b, 2 * (G_N_ELEMENTS (ciphers) + 1));
  put16 (b, 0x2a2a); /* GREASE: ignored by both fingerprints */
  for (guint i = 0; i < G_N_ELEMENTS (ciphers); i++)
    put16 (b, ciphers[i]);
  g_byte_array_append (b, (guint8[]){ 1, 0 }, 2); /* compression: null */
  GByteArray *e = g_byte_array_new ();
  ext (e, 0x3a3a, NULL, 0); /* GREASE extension */
  for (guint i = 0; i < G_N_ELEMENTS (exts); i++) {
    GByteArray *d = g_byte_array_new ();
    switch (exts[i]) {
      case 0x0000: {
        const char *host = "tls.browserleaks.com";
        put16 (d, strlen (host) + 3);
        g_byte_array_append (d, (guint8[]){ 0 }, 1);
        put16 (d, strlen (host));
        g_byte_array_append (d, (const guint8 *)host, strlen (host));
        break;
      }
      case 0x0010:
        g_byte_array_append (
            d, (guint8[]){ 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' }, 14);
        break;
      case 0x000a: /* groups 4588, 29, 23, 24 */
        g_byte_array_append (d, (guint8[]){ 0, 8, 0x11, 0xec, 0, 29, 0, 23, 0, 24 }, 10);
        break;
      case 0x000b:
        g_byte_array_append (d, (guint8[]){ 1, 0 }, 2);
        break;
      case 0x000d:
        put16 (d, 2 * G_N_ELEMENTS (sigs));
        for (guint k = 0; k < G_N_ELEMENTS (sigs); k++)
          put16 (d, sigs[k]);
        break;
      case 0x002b:
        g_byte_array_append (d, (guint8[]){ 6, 0x4a, 0x4a, 3, 4, 3, 3 }, 7);
        break;
    }
    ext (e, exts[i], d->data, d->len);
    g_byte_array_unref (d);
  }
  put16 (b, e->len);
  g_byte_array_append (b, e->data, e->len);
  g_byte_array_unref (e);
  return b;
}

static void
test_ja4_published_example (void)
{
  g_autoptr (GByteArray) ch_bytes = chrome143_client_hello ();
  L7TlsClientHello ch;
  g_assert_true (l7_tls_parse_client_hello (ch_bytes->data, ch_bytes->len, &ch));
  g_assert_cmpstr (ch.sni, ==, "tls.browserleaks.com");
  char ja4[40], ja3[33];
  l7_tls_ja4 (&ch, FALSE, ja4);
  g_assert_cmpstr (ja4, ==, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
  l7_tls_ja3 (&ch, ja3);
  g_assert_cmpstr (ja3, ==, "98487aa16281980e7d1120d399efb6a4");
  /* the same hello without SNI and ALPN: 'i', "00", 14 extensions */
  ch.sni[0] = 0;
  ch.n_alpn = 0;
  l7_tls_ja4 (&ch, TRUE, ja4);
  g_assert_true (g_str_has_prefix (ja4, "q13i151600_8daaf6152771_"));
}

/* A truncated hello at every length never reads out of bounds (ASan) and is
 * rejected before its extensions are complete. */
static void
test_tls_truncated_everywhere (void)
{
  g_autoptr (GByteArray) b = chrome143_client_hello ();
  L7TlsClientHello ch;
  for (guint len = 0; len < b->len; len++) {
    guint8 *copy = g_memdup2 (b->data, len);
    gboolean ok = l7_tls_parse_client_hello (copy, len, &ch);
    /* only a cut right after the compression methods is a valid (extensionless) hello */
    if (ok)
      g_assert_cmpuint (ch.n_extensions, <=, 17);
    g_free (copy);
  }
}

static void
test_dns_compression_loop_rejected (void)
{
  /* header (1 question) + a name that points at itself */
  const guint8 msg[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
  L7DnsMessage m;
  g_assert_false (l7_dns_parse (msg, sizeof msg, &m));
  /* forward pointer */
  const guint8 fwd[]
      = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 16, 0, 1, 0, 1, 1, 'a', 0 };
  g_assert_false (l7_dns_parse (fwd, sizeof fwd, &m));
  /* a valid backward pointer in an answer */
  const guint8 ok[] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0,  0, 1, 'a', 0, 0, 1, 0,
                        1,    0xc0, 12,   0,    1, 0, 1, 0, 0, 0, 60, 0, 4, 10,  0, 0, 1 };
  g_assert_true (l7_dns_parse (ok, sizeof ok, &m));
  g_assert_cmpstr (m.qname, ==, "a");
  g_assert_cmpuint (m.n_answers, ==, 1);
  g_assert_cmpstr (m.answers[0].text, ==, "10.0.0.1");
  g_assert_cmpuint (m.answers[0].ttl, ==, 60);
  for (gsize len = 0; len < sizeof ok; len++) {
    guint8 *copy = g_memdup2 (ok, len);
    l7_dns_parse (copy, len, &m);
    g_free (copy);
  }
}

static const Trace dns_traces[] = {
  { "pcaps/zeek-wikipedia.pcap", "expected/zeek-wikipedia/zeek/opt.basic/dns.log", "" },
  { "pcaps/zeek-gre-sample.pcap", "expected/zeek-gre-sample/zeek/core.tunnels.gre/dns.log",
    "decap !" },
  { "pcaps/zeek-gre-over-udp-4754.pcap",
    "expected/zeek-gre-over-udp-4754/zeek/core.tunnels.gre-over-udp/dns.log", "decap !" },
  { "pcaps/zeek-gtp3-false-gtp.pcap",
    "expected/zeek-gtp3-false-gtp/zeek/core.tunnels.gtp.false_gtp/dns.log", "decap !" },
};

/* Hostname matching as Zeek's x509_check_cert_hostname: exact (any case),
 * or a leading "*." standing for exactly one label. */
static void
test_x509_name_matching (void)
{
  const struct {
    const char *pattern, *host;
    gboolean match;
  } cases[] = {
    { "www.example.com", "www.example.com", TRUE }, { "WWW.Example.COM", "www.example.com", TRUE },
    { "*.example.com", "a.example.com", TRUE },     { "*.example.com", "example.com", FALSE },
    { "*.example.com", "a.b.example.com", FALSE },  { "*.example.com", ".example.com", FALSE },
    { "a*.example.com", "ab.example.com", FALSE },  { "*", "com", FALSE },
    { "example.com", "www.example.com", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_true (l7_x509_name_matches (cases[i].pattern, cases[i].host) == cases[i].match);
}

/* Version names as Zeek's version_strings (and its default function) */
static void
test_tls_version_names (void)
{
  char buf[24];
  g_assert_cmpstr (l7_tls_version_format (0x0303, buf), ==, "TLSv12");
  g_assert_cmpstr (l7_tls_version_format (0x0304, buf), ==, "TLSv13");
  g_assert_cmpstr (l7_tls_version_format (0x7f1c, buf), ==, "TLSv13-draft28");
  g_assert_cmpstr (l7_tls_version_format (0x7f12, buf), ==, "TLSv13-draft18");
  g_assert_cmpstr (l7_tls_version_format (0xfefd, buf), ==, "DTLSv12");
  g_assert_cmpstr (l7_tls_version_format (0xfb1a, buf), ==, "unknown-64282");
  g_assert_true (l7_tls_version_is_13 (0x7f1c));
  g_assert_false (l7_tls_version_is_13 (0x0303));
}

/* The leaf certificate of the reference trace: our SAN dNSNames equal
 * tshark's x509ce.dNSName; the SNI matches, other names do not; every
 * truncation of the DER is handled without reading past it (ASan). */
static void
test_x509_real_certificate (void)
{
  g_autofree char *pcap = pkt_test_testdata_path ("pcaps/zeek-tls-conn-with-extensions.pcap");
  if (!pcap || !pkt_test_require_program ("tshark"))
    return;
  const char *hex_argv[] = { "tshark",
                             "-r",
                             pcap,
                             "-Y",
                             "tls.handshake.certificate",
                             "-T",
                             "fields",
                             "-e",
                             "tls.handshake.certificate",
                             NULL };
  const char *dns_argv[]
      = { "tshark",         "-r", pcap, "-Y", "tls.handshake.certificate", "-T", "fields", "-e",
          "x509ce.dNSName", NULL };
  int status = 0;
  g_autoptr (GError) err = NULL;
  g_autofree char *hex = pkt_test_spawn (hex_argv, &status, &err);
  g_assert_no_error (err);
  g_autofree char *dns = pkt_test_spawn (dns_argv, &status, &err);
  g_assert_no_error (err);
  g_strstrip (hex);
  g_strstrip (dns);
  char *comma = strchr (hex, ','); /* the first certificate is the leaf */
  if (comma)
    *comma = 0;
  gsize n = strlen (hex) / 2;
  g_autofree guint8 *der = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    der[i]
        = (guint8)(g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
  g_autoptr (GPtrArray) san = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cn = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (l7_x509_names (der, n, san, cn));
  g_ptr_array_add (san, NULL);
  g_autofree char *ours = g_strjoinv (",", (char **)san->pdata);
  g_assert_cmpstr (ours, ==, dns);
  g_assert_cmpuint (cn->len, ==, 1);
  g_assert_true (l7_x509_cert_matches_host (der, n, "ssl.gstatic.com"));
  g_assert_true (l7_x509_cert_matches_host (der, n, "gstatic.com"));
  g_assert_false (l7_x509_cert_matches_host (der, n, "www.example.com"));
  g_assert_false (l7_x509_cert_matches_host (der, n, "a.b.gstatic.com"));
  for (gsize cut = 0; cut < n; cut++) {
    g_autofree guint8 *part = g_memdup2 (der, cut); /* exact size: ASan sees any overread */
    l7_x509_cert_matches_host (part, cut, "ssl.gstatic.com");
  }
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (dns_traces); i++) {
    g_autofree char *path
        = g_strdup_printf ("/l7/dns/zeek/%s", strrchr (dns_traces[i].pcap, '/') + 1);
    g_test_add_data_func (path, &dns_traces[i], test_dns_matches_zeek);
  }
  g_test_add_func ("/l7/dns/compression-loop", test_dns_compression_loop_rejected);
  g_test_add_func ("/l7/tls/zeek-ssl-log", test_ssl_matches_zeek);
  static const char *ja3_traces[]
      = { "pcaps/zeek-tls-conn-with-extensions.pcap", "pcaps/ndpi-tls-2-reasms.pcapng",
          "pcaps/sv-tls-client-hello-frag-01.pcap", "pcaps/sv-tls13-draft28.pcap" };
  for (guint i = 0; i < G_N_ELEMENTS (ja3_traces); i++) {
    g_autofree char *path
        = g_strdup_printf ("/l7/tls/ja3-tshark/%s", strrchr (ja3_traces[i], '/') + 1);
    g_test_add_data_func (path, ja3_traces[i], test_ja3_matches_tshark);
  }
  g_test_add_func ("/l7/tls/ja4-published", test_ja4_published_example);
  g_test_add_func ("/l7/tls/truncated", test_tls_truncated_everywhere);
  g_test_add_func ("/l7/tls/version-names", test_tls_version_names);
  g_test_add_func ("/l7/tls/x509/name-matching", test_x509_name_matching);
  g_test_add_func ("/l7/tls/x509/real-certificate", test_x509_real_certificate);
  return g_test_run ();
}
