/* pktpipe — httpparse against Zeek's http.log on real captures (with and
 * without tcpreassemble in front), and the pure HTTP parser on crafted input.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-test-util.h"
#include "l7-http.h"
#include <glib/gstdio.h>
#include <string.h>

/* ---- Zeek logs ----------------------------------------------------------- */

typedef struct {
  char **fields;
  GPtrArray *rows; /* GHashTable name -> value */
} Log;

static void
log_free (Log *l)
{
  g_strfreev (l->fields);
  g_ptr_array_unref (l->rows);
  g_free (l);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Log, log_free)

/* A Zeek TSV log; a log cut by zeek-cut (no #fields) names its columns in
 * its first line. */
static Log *
read_log (const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  Log *l = g_new0 (Log, 1);
  l->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_hash_table_unref);
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix (lines[i], "#fields\t")) {
      g_strfreev (l->fields);
      l->fields = g_strsplit (lines[i] + 8, "\t", -1);
      continue;
    }
    if (lines[i][0] == '#' || lines[i][0] == 0)
      continue;
    if (!l->fields) {
      l->fields = g_strsplit (lines[i], "\t", -1);
      continue;
    }
    g_auto (GStrv) vals = g_strsplit (lines[i], "\t", -1);
    GHashTable *row = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (guint f = 0; l->fields[f] && vals[f]; f++)
      g_hash_table_insert (row, g_strdup (l->fields[f]), g_strdup (vals[f]));
    g_ptr_array_add (l->rows, row);
  }
  return l;
}

/* pcapsrc ! @chain flowtrack ! @after httpparse → http.log rows */
static Log *
run_to_log_full (const char *pcap, const char *chain, const char *after, PktElement **pipeline)
{
  g_autofree char *dir = g_dir_make_tmp ("pkthttp-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "http.log", NULL);
  g_autofree char *desc = g_strdup_printf (
      "pcapsrc location=%s ! %s flowtrack ! %s httpparse name=h ! fakesink h.records ! "
      "logsink format=zeek location=%s",
      pcap, chain, after, out);
  g_autoptr (GError) err = NULL;
  PktElement *p = pkt_test_run (desc, 60000, &err);
  g_assert_no_error (err);
  Log *l = read_log (out);
  g_unlink (out);
  g_rmdir (dir);
  if (pipeline)
    *pipeline = p;
  else
    g_object_unref (p);
  return l;
}

static Log *
run_to_log (const char *pcap, const char *chain)
{
  return run_to_log_full (pcap, chain, "", NULL);
}

static const char *const key_cols[]
    = { "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "trans_depth", NULL };
static const char *const cmp_cols[] = { "method",
                                        "host",
                                        "uri",
                                        "version",
                                        "user_agent",
                                        "status_code",
                                        "status_msg",
                                        "request_body_len",
                                        "response_body_len",
                                        "trans_depth",
                                        "referrer",
                                        NULL };

static gboolean
has_field (Log *l, const char *name)
{
  return g_strv_contains ((const char *const *)l->fields, name);
}

static char *
row_string (GHashTable *row, Log *zeek, const char *const *cols)
{
  GString *s = g_string_new (NULL);
  for (guint c = 0; cols[c]; c++) {
    if (!has_field (zeek, cols[c]))
      continue;
    const char *v = g_hash_table_lookup (row, cols[c]);
    g_string_append_printf (s, "%s%s=%s", s->len ? " " : "", cols[c], v ? v : "<absent>");
  }
  return g_string_free (s, FALSE);
}

typedef struct {
  guint zeek, ours, matched, agree;
  GString *diffs;
} Cmp;

/* Zeek's rows matched to ours by connection and trans_depth; a row agrees
 * when every compared field Zeek logged is equal. */
static void
compare (Log *zeek, Log *ours, Cmp *c)
{
  g_autoptr (GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ours->rows->len; i++)
    g_hash_table_insert (by_key, row_string (ours->rows->pdata[i], zeek, key_cols),
                         ours->rows->pdata[i]);
  c->zeek = zeek->rows->len;
  c->ours = ours->rows->len;
  c->diffs = g_string_new (NULL);
  for (guint i = 0; i < zeek->rows->len; i++) {
    g_autofree char *key = row_string (zeek->rows->pdata[i], zeek, key_cols);
    GHashTable *mine = g_hash_table_lookup (by_key, key);
    if (!mine) {
      g_string_append_printf (c->diffs, "  missing: %s\n", key);
      continue;
    }
    c->matched++;
    g_autofree char *a = row_string (zeek->rows->pdata[i], zeek, cmp_cols);
    g_autofree char *b = row_string (mine, zeek, cmp_cols);
    if (strcmp (a, b) == 0)
      c->agree++;
    else
      g_string_append_printf (c->diffs, "  %s\n    zeek: %s\n    ours: %s\n", key, a, b);
  }
}

typedef struct {
  const char *name, *pcap, *log, *chain;
  guint allowed_missing; /* documented in docs/l7.md */
  const char *why;
  guint allowed_extra;
  const char *why_extra;
} Trace;

#define E "expected/"
static const Trace traces[] = {
  { "wikipedia", "zeek-wikipedia.pcap", E "zeek-wikipedia/zeek/opt.basic/http.log", "", 0, NULL, 1,
    "one connection (port 35634) starts without a handshake (conn_state OTH); Zeek attaches no "
    "analyzer to such a partial connection, httpparse recognises the request line and logs it" },
  { "pipelined", "zeek-http-pipelined-requests.pcap",
    E "zeek-http-pipelined-requests/zeek/scripts.base.protocols.http.http-pipelining/http.log",
    "" },
  { "chunked-multi-te", "zeek-http-261-variant-10-multi-value-te.pcap",
    E "zeek-http-261-variant-10-multi-value-te/zeek/scripts.base.protocols.http.261.chunked-rest/"
      "http.log",
    "" },
  { "mixed-vlan-mpls", "zeek-mixed-vlan-mpls.pcap",
    E "zeek-mixed-vlan-mpls/zeek/core.vlan-mpls/http.log", "decap !" },
  { "gre-over-udp", "zeek-gre-over-udp-4754.pcap",
    E "zeek-gre-over-udp-4754/zeek/core.tunnels.gre-over-udp/http.log", "decap !" },
  { "gtp1-outer-fragments", "zeek-gtp1-gn-normal-incl-fragmentation.pcap",
    E "zeek-gtp1-gn-normal-incl-fragmentation/zeek/core.tunnels.gtp.outer_ip_frag/http.log",
    "decap !", 1,
    "the request's outer IPv4 packet is fragmented; nothing in the pipeline reassembles IP "
    "fragments yet, so the GTP payload carrying the request never reaches flowtrack" },
};

static Cmp totals[2];

static void
test_trace (const Trace *t, gboolean reassemble)
{
  g_autofree char *rel = g_strconcat ("pcaps/", t->pcap, NULL);
  g_autofree char *pcap = pkt_test_testdata_path (rel);
  g_autofree char *logp = pkt_test_testdata_path (t->log);
  if (!pcap || !logp)
    return;
  g_autoptr (Log) zeek = read_log (logp);
  g_autoptr (Log) ours = NULL;
  if (reassemble) /* tcpreassemble right after flowtrack: the same records */
    ours = run_to_log_full (pcap, t->chain, "tcpreassemble !", NULL);
  else
    ours = run_to_log (pcap, t->chain);
  Cmp c = { 0 };
  compare (zeek, ours, &c);
  g_test_message ("%s%s: zeek %u ours %u matched %u agree %u\n%s", t->name,
                  reassemble ? " (reassembled)" : "", c.zeek, c.ours, c.matched, c.agree,
                  c.diffs->str);
  if (g_getenv ("HTTP_ZEEK_VERBOSE"))
    g_printerr ("%-22s%s zeek %u ours %u matched %u agree %u\n%s", t->name,
                reassemble ? " +reasm" : "", c.zeek, c.ours, c.matched, c.agree, c.diffs->str);
  Cmp *tot = &totals[reassemble];
  tot->zeek += c.zeek;
  tot->ours += c.ours;
  tot->matched += c.matched;
  tot->agree += c.agree;
  guint missing = c.zeek - c.matched, differ = c.matched - c.agree;
  guint extra = c.ours - c.matched;
  if (missing > t->allowed_missing || differ > 0 || extra > t->allowed_extra)
    g_test_fail_printf ("%s disagrees with Zeek beyond its documented differences (missing %u, "
                        "differing %u, extra %u):\n%s",
                        t->name, missing, differ, extra, c.diffs->str);
  g_string_free (c.diffs, TRUE);
}

static void
test_trace_plain (gconstpointer data)
{
  test_trace (data, FALSE);
}

static void
test_trace_reassembled (gconstpointer data)
{
  test_trace (data, TRUE);
}

static void
test_summary (void)
{
  for (guint r = 0; r < 2; r++) {
    if (totals[r].zeek == 0) {
      g_test_skip ("no traces ran");
      return;
    }
    double pct = 100.0 * totals[r].agree / totals[r].zeek;
    g_printerr ("\nhttp.log agreement with Zeek%s: %u/%u records (%.1f%%), %u ours\n",
                r ? " (through tcpreassemble)" : "", totals[r].agree, totals[r].zeek, pct,
                totals[r].ours);
    g_assert_cmpfloat (pct, >=, 95.0);
  }
}

/* ---- every request against tshark ----------------------------------------- */

static char *
pct_decode (const char *s)
{
  GString *o = g_string_new (NULL);
  for (const char *c = s; *c; c++) {
    if (c[0] == '%' && g_ascii_isxdigit (c[1]) && g_ascii_isxdigit (c[2])) {
      g_string_append_c (o, (char)(g_ascii_xdigit_value (c[1]) << 4 | g_ascii_xdigit_value (c[2])));
      c += 2;
    } else {
      g_string_append_c (o, *c);
    }
  }
  return g_string_free (o, FALSE);
}

typedef struct {
  const char *pcap, *chain;
  guint allowed_missing;
} TsharkTrace;

/* Every HTTP capture of the reference set, including those Zeek wrote no
 * http.log for (handshake reordered, SYN missing, roles flipped, TCP fast
 * open, a User-Agent split over two segments, 37 pipelined requests). */
static const TsharkTrace tshark_traces[] = {
  { "zeek-http-vlan-0.pcap", "" },
  { "zeek-mixed-vlan-mpls.pcap", "decap !" },
  { "zeek-gtp1-gn-normal-incl-fragmentation.pcap", "decap !", 1 }, /* outer IP fragments */
  { "zeek-gre-over-udp-4754.pcap", "decap !" },
  { "zeek-tcp-missing-syn.pcap", "" },
  { "zeek-tcp-http-on-irc-port-missing-syn.pcapng", "" },
  { "zeek-tcp-retransmit-fast009.pcap", "" }, /* payloads cut by the snaplen: none */
  { "zeek-wikipedia.pcap", "" },
  { "zeek-tcp-handshake-reorder.pcap", "" },
  { "zeek-http-pipelined-requests.pcap", "" },
  { "zeek-http-261-variant-10-multi-value-te.pcap", "" },
  { "zeek-tcp-fast-open.pcap", "" },
  { "ndpi-http-ua-splitted-in-two-pkts.pcapng", "" },
};

/* The requests httpparse logs are the requests tshark dissects: client port,
 * method, host (without a port, as Zeek), URI (percent-decoded), User-Agent. */
static void
test_requests_match_tshark (gconstpointer data)
{
  const TsharkTrace *t = data;
  g_autofree char *rel = g_strconcat ("pcaps/", t->pcap, NULL);
  g_autofree char *pcap = pkt_test_testdata_path (rel);
  if (!pcap || !pkt_test_require_program ("tshark"))
    return;
  const char *argv[] = { "tshark", "-n",
                         "-r",     pcap,
                         "-Y",     "http.request",
                         "-T",     "fields",
                         "-E",     "separator=/t",
                         "-E",     "occurrence=f",
                         "-e",     "tcp.srcport",
                         "-e",     "http.request.method",
                         "-e",     "http.host",
                         "-e",     "http.request.uri",
                         "-e",     "http.user_agent",
                         NULL };
  int status = 0;
  g_autoptr (GError) err = NULL;
  g_autofree char *out = pkt_test_spawn (argv, &status, &err);
  g_assert_no_error (err);
  g_autoptr (GPtrArray) theirs = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
    if (g_strv_length (f) < 5)
      continue;
    char *colon = strchr (f[2], ':');
    if (colon)
      *colon = 0;
    g_autofree char *uri = pct_decode (f[3]);
    g_ptr_array_add (theirs, g_strdup_printf ("%s %s %s %s %s", f[0], f[1], f[2][0] ? f[2] : "-",
                                              uri, f[4][0] ? f[4] : "-"));
  }
  g_autoptr (Log) ours_log = run_to_log (pcap, t->chain);
  g_autoptr (GHashTable) ours = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ours_log->rows->len; i++) {
    GHashTable *r = ours_log->rows->pdata[i];
    char *k = g_strdup_printf (
        "%s %s %s %s %s", (char *)g_hash_table_lookup (r, "id.orig_p"),
        (char *)g_hash_table_lookup (r, "method"), (char *)g_hash_table_lookup (r, "host"),
        (char *)g_hash_table_lookup (r, "uri"), (char *)g_hash_table_lookup (r, "user_agent"));
    g_hash_table_insert (ours, k,
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (ours, k)) + 1));
  }
  guint missing = 0;
  GString *diffs = g_string_new (NULL);
  for (guint i = 0; i < theirs->len; i++) {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (ours, theirs->pdata[i]));
    if (n == 0) {
      missing++;
      g_string_append_printf (diffs, "  tshark only: %s\n", (char *)theirs->pdata[i]);
      continue;
    }
    g_hash_table_insert (ours, g_strdup (theirs->pdata[i]), GUINT_TO_POINTER (n - 1));
  }
  g_test_message ("%s: tshark %u requests, ours %u, missing %u\n%s", t->pcap, theirs->len,
                  ours_log->rows->len, missing, diffs->str);
  if (missing > t->allowed_missing)
    g_test_fail_printf ("%s: %u requests tshark dissects are not logged:\n%s", t->pcap, missing,
                        diffs->str);
  g_string_free (diffs, TRUE);
}

/* ---- crafted sessions through the element --------------------------------- */

/* A TCP/IPv4 frame from client port @cport (dir 0) or to it (dir 1). */
static void
append_frame (GByteArray *pcap, guint16 cport, guint dir, guint32 seq, guint8 flags,
              const char *data, gsize len, guint idx)
{
  guint8 f[54];
  memset (f, 0, sizeof f);
  f[0] = f[6] = 2, f[5] = dir ? 1 : 2, f[11] = dir ? 2 : 1;
  f[12] = 0x08;
  guint8 *ip = f + 14, *tcp = f + 34;
  ip[0] = 0x45, ip[2] = (40 + len) >> 8, ip[3] = 40 + len, ip[8] = 64, ip[9] = 6;
  guint8 a[4] = { 192, 168, 0, 1 }, b[4] = { 192, 168, 0, 2 };
  memcpy (ip + 12, dir ? b : a, 4);
  memcpy (ip + 16, dir ? a : b, 4);
  guint16 sp = dir ? 80 : cport, dp = dir ? cport : 80;
  tcp[0] = sp >> 8, tcp[1] = sp, tcp[2] = dp >> 8, tcp[3] = dp;
  tcp[4] = seq >> 24, tcp[5] = seq >> 16, tcp[6] = seq >> 8, tcp[7] = seq;
  tcp[12] = 5 << 4, tcp[13] = flags, tcp[14] = 0xff;
  g_autofree guint8 *frame = g_malloc (sizeof f + len);
  memcpy (frame, f, sizeof f);
  if (len)
    memcpy (frame + sizeof f, data, len);
  pkt_test_pcap_add (pcap, 1700000000 + idx / 1000, (idx % 1000) * 1000, frame,
                     (guint)(sizeof f + len));
}

typedef struct {
  guint dir;
  guint32 off;
  gsize len;
} Piece;

/* One connection: handshake, @req then @resp cut into pieces of @step bytes,
 * reordered when @shuffle (every third pair swapped), then FINs. */
static void
append_session (GByteArray *pcap, guint *idx, guint16 cport, const char *req, const char *resp,
                gsize step, gboolean shuffle)
{
  guint32 cs = 1000, ss = 5000;
  append_frame (pcap, cport, 0, cs, 0x02, NULL, 0, (*idx)++);
  append_frame (pcap, cport, 1, ss, 0x12, NULL, 0, (*idx)++);
  append_frame (pcap, cport, 0, cs + 1, 0x10, NULL, 0, (*idx)++);
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  gsize rl = strlen (req), sl = strlen (resp);
  for (gsize o = 0; o < rl; o += step)
    g_array_append_val (pieces, ((Piece){ 0, o, MIN (step, rl - o) }));
  for (gsize o = 0; o < sl; o += step)
    g_array_append_val (pieces, ((Piece){ 1, o, MIN (step, sl - o) }));
  for (guint i = 0; shuffle && i + 1 < pieces->len; i += 3) {
    Piece t = g_array_index (pieces, Piece, i);
    g_array_index (pieces, Piece, i) = g_array_index (pieces, Piece, i + 1);
    g_array_index (pieces, Piece, i + 1) = t;
  }
  for (guint i = 0; i < pieces->len; i++) {
    Piece *p = &g_array_index (pieces, Piece, i);
    const char *d = p->dir ? resp : req;
    append_frame (pcap, cport, p->dir, (p->dir ? ss : cs) + 1 + p->off, 0x18, d + p->off, p->len,
                  (*idx)++);
  }
  append_frame (pcap, cport, 0, cs + 1 + rl, 0x11, NULL, 0, (*idx)++);
  append_frame (pcap, cport, 1, ss + 1 + sl, 0x11, NULL, 0, (*idx)++);
  g_array_unref (pieces);
}

static const char crafted_req[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                                  "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
                                  "POST /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                  "Content-Length: 5\r\n\r\nhello";
static const char crafted_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                                   "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                                   "HTTP/1.1 100 Continue\r\n\r\n"
                                   "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "4\r\nwxyz\r\n0\r\n\r\n";

static int
cmp_strp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static char *
row_summary (GHashTable *r)
{
  return g_strdup_printf (
      "%s %s %s %s req=%s resp=%s code=%s info=%s", (char *)g_hash_table_lookup (r, "id.orig_p"),
      (char *)g_hash_table_lookup (r, "trans_depth"), (char *)g_hash_table_lookup (r, "method"),
      (char *)g_hash_table_lookup (r, "uri"), (char *)g_hash_table_lookup (r, "request_body_len"),
      (char *)g_hash_table_lookup (r, "response_body_len"),
      (char *)g_hash_table_lookup (r, "status_code"), (char *)g_hash_table_lookup (r, "info_code"));
}

/* Pipelined requests and responses cut at every few bytes (heads split
 * anywhere), HEAD with a Content-Length, 100-continue, chunked; a CONNECT
 * tunnel; a non-HTTP flow. Without and with tcpreassemble (segments
 * reordered) the records are the same. */
static void
test_crafted_sessions (void)
{
  for (guint variant = 0; variant < 2; variant++) {
    g_autoptr (GByteArray) pcap = pkt_test_pcap_new ();
    guint idx = 0;
    for (gsize step = 1; step <= 13; step += 4)
      append_session (pcap, &idx, 40000 + step, crafted_req, crafted_resp, step, variant);
    append_session (
        pcap, &idx, 41000,
        "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n\x16\x03\x01GET / HTTP/1.1\r\n\r\n",
        "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03HTTP/1.1 200 OK\r\n\r\n", 9,
        variant);
    append_session (pcap, &idx, 42000, "SSH-2.0-OpenSSH_9.0\r\n", "SSH-2.0-OpenSSH_9.0\r\n", 5,
                    variant);
    g_autofree char *dir = g_dir_make_tmp ("pkthttp-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "crafted.pcap", NULL);
    g_assert_true (g_file_set_contents (path, (char *)pcap->data, pcap->len, NULL));
    g_autoptr (PktElement) pipeline = NULL;
    g_autoptr (Log) log
        = run_to_log_full (path, "", variant ? "tcpreassemble name=r !" : "", &pipeline);
    if (variant) {
      g_assert_cmpuint (pkt_test_get_uint (pipeline, "r", "out-of-order"), >, 0);
      g_assert_cmpuint (pkt_test_get_uint (pipeline, "r", "gaps"), ==, 0);
    }
    g_unlink (path);
    g_rmdir (dir);
    g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; i < log->rows->len; i++)
      g_ptr_array_add (got, row_summary (log->rows->pdata[i]));
    g_ptr_array_sort (got, cmp_strp);
    GString *all = g_string_new (NULL);
    for (guint i = 0; i < got->len; i++)
      g_string_append_printf (all, "%s\n", (char *)got->pdata[i]);
    g_autofree char *text = g_string_free (all, FALSE);
    GString *want = g_string_new (NULL);
    for (gsize step = 1; step <= 13; step += 4)
      g_string_append_printf (want,
                              "%u 1 GET /a req=0 resp=3 code=200 info=-\n"
                              "%u 2 HEAD /b req=0 resp=0 code=200 info=-\n"
                              "%u 3 POST /c req=5 resp=4 code=201 info=100\n",
                              (guint)(40000 + step), (guint)(40000 + step), (guint)(40000 + step));
    g_string_append (want, "41000 1 CONNECT h:443 req=0 resp=0 code=200 info=-\n");
    g_autofree char *w = g_string_free (want, FALSE);
    g_assert_cmpstr (text, ==, w);
  }
}

/* ---- the pure parser ----------------------------------------------------- */

typedef struct {
  GPtrArray *events; /* "HEAD method uri" / "END n" */
} Sink;

/* Feeds @text in pieces of @step bytes (buffering like PktL7Stream). */
static char *
parse_all (const char *text, gsize step, gboolean response, const char *req_method)
{
  L7HttpParser p;
  l7_http_parser_init (&p, response);
  GByteArray *buf = g_byte_array_new ();
  GString *log = g_string_new (NULL);
  gsize len = strlen (text);
  for (gsize off = 0; off < len; off += step) {
    g_byte_array_append (buf, (const guint8 *)text + off, MIN (step, len - off));
    for (;;) {
      L7HttpEvent ev;
      gsize used = l7_http_parser_feed (&p, buf->data, buf->len, &ev);
      g_byte_array_remove_range (buf, 0, used);
      if (ev == L7_HTTP_EV_HEAD) {
        if (response)
          g_string_append_printf (log, "H%u ", p.head.status_code);
        else
          g_string_append_printf (log, "H%s:%s:%s ", p.head.method, p.head.uri, p.head.version);
        gboolean none
            = response
              && (p.head.status_code == 304 || p.head.status_code == 204
                  || p.head.status_code / 100 == 1 || g_strcmp0 (req_method, "HEAD") == 0);
        if (l7_http_parser_start_body (&p, none ? L7_HTTP_BODY_NONE : L7_HTTP_BODY_AUTO))
          g_string_append (log, "E0 ");
      } else if (ev == L7_HTTP_EV_END) {
        g_string_append_printf (log, "E%" G_GUINT64_FORMAT " ", p.body_len);
      } else if (ev == L7_HTTP_EV_ERROR) {
        g_string_append (log, "ERR ");
        break;
      } else {
        break;
      }
      if (buf->len == 0)
        break;
    }
  }
  if (l7_http_parser_finish (&p))
    g_string_append_printf (log, "EOF%" G_GUINT64_FORMAT " ", p.body_len);
  l7_http_parser_clear (&p);
  g_byte_array_unref (buf);
  return g_string_free (log, FALSE);
}

static const char pipelined_requests[]
    = "GET /a%20b HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\n\r\n"
      "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
      "PUT /c HTTP/1.1\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n"
      "0\r\nTrailer: x\r\n\r\n"
      "\r\nGET /09\r\n";

/* Requests split at every byte boundary and whole give the same messages:
 * Content-Length, chunked with extensions and trailers, a blank line between
 * messages, HTTP/0.9. */
static void
test_parser_requests (void)
{
  const char *want = "HGET:/a b:1.1 E0 HPOST:/p:1.1 E5 HPUT:/c:1.1 E19 HGET:/09:0.9 E0 ";
  for (gsize step = 1; step <= sizeof pipelined_requests; step++) {
    g_autofree char *got = parse_all (pipelined_requests, step, FALSE, NULL);
    g_assert_cmpstr (got, ==, want);
  }
}

/* Host: a ":port" is cut off (as Zeek); an IPv6 literal keeps its brackets. */
static void
test_parser_host (void)
{
  const struct {
    const char *header, *want;
  } cases[] = {
    { "example.com:8080", "example.com" },
    { "example.com", "example.com" },
    { "[fd77::2]:8080", "[fd77::2]" },
    { "[fd77::2]", "[fd77::2]" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *req = g_strdup_printf ("GET / HTTP/1.1\r\nHost: %s\r\n\r\n", cases[i].header);
    L7HttpParser p;
    L7HttpEvent ev;
    l7_http_parser_init (&p, FALSE);
    l7_http_parser_feed (&p, (const guint8 *)req, strlen (req), &ev);
    g_assert_cmpint (ev, ==, L7_HTTP_EV_HEAD);
    g_assert_cmpstr (p.head.host, ==, cases[i].want);
    l7_http_parser_clear (&p);
  }
}

static void
test_parser_responses (void)
{
  const char *resp
      = "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4\r\nwxyz\r\n0\r\n\r\n"
        "HTTP/1.0 200 OK\r\n\r\nuntil the close";
  const char *want = "H100 E0 H200 E3 H304 E0 H200 E4 H200 EOF15 ";
  for (gsize step = 1; step <= strlen (resp); step += 7) {
    g_autofree char *got = parse_all (resp, step, TRUE, NULL);
    g_assert_cmpstr (got, ==, want);
  }
  /* a response to HEAD has no body whatever its Content-Length says */
  g_autofree char *head
      = parse_all ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 4, TRUE, "HEAD");
  g_assert_cmpstr (head, ==, "H200 E0 ");
}

static void
test_parser_rejects (void)
{
  gboolean more;
  g_assert_true (l7_http_looks_like_request ((const guint8 *)"GET / HTTP/1.1\r\n", 16, &more));
  g_assert_true (l7_http_looks_like_request ((const guint8 *)"GET /\r\n", 7, &more));
  g_assert_false (l7_http_looks_like_request ((const guint8 *)"GE", 2, &more));
  g_assert_true (more);
  g_assert_false (l7_http_looks_like_request ((const guint8 *)"SSH-2.0-OpenSSH\r\n", 17, &more));
  g_assert_false (more);
  g_assert_false (l7_http_looks_like_request ((const guint8 *)"NICK foo\r\n", 10, &more));
  g_assert_false (l7_http_looks_like_request ((const guint8 *)"\x16\x03\x01\x02\x00", 5, &more));
  g_autofree char *bad
      = parse_all ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 3, TRUE, NULL);
  g_assert_cmpstr (bad, ==, "H200 ERR ");
}

/* A request left unanswered on a connection that then goes quiet: when
 * packet time passes tcp-inactivity, the parser drops the flow's state and
 * logs the request without a response (before EOS, counted as expired). */
static void
test_idle_flow_expires (void)
{
  g_autoptr (GByteArray) pcap = pkt_test_pcap_new ();
  const char *req = "GET /quiet HTTP/1.1\r\nHost: h\r\n\r\n";
  append_frame (pcap, 43000, 0, 1000, 0x02, NULL, 0, 0);
  append_frame (pcap, 43000, 1, 5000, 0x12, NULL, 0, 1);
  append_frame (pcap, 43000, 0, 1001, 0x10, NULL, 0, 2);
  append_frame (pcap, 43000, 0, 1001, 0x18, req, strlen (req), 3);
  guint idx = 400000; /* 400 s later: past the 300 s default */
  append_session (pcap, &idx, 43001, crafted_req, crafted_resp, 64, FALSE);
  g_autofree char *dir = g_dir_make_tmp ("pkthttp-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "idle.pcap", NULL);
  g_assert_true (g_file_set_contents (path, (char *)pcap->data, pcap->len, NULL));
  g_autoptr (PktElement) pipeline = NULL;
  g_autoptr (Log) log = run_to_log_full (path, "", "", &pipeline);
  g_unlink (path);
  g_rmdir (dir);
  g_assert_cmpuint (pkt_test_get_uint (pipeline, "h", "expired"), ==, 1);
  g_assert_cmpuint (log->rows->len, ==, 4); /* the quiet request + 3 of the session */
  guint quiet = 0;
  for (guint i = 0; i < log->rows->len; i++) {
    GHashTable *r = log->rows->pdata[i];
    if (g_strcmp0 (g_hash_table_lookup (r, "uri"), "/quiet") == 0) {
      quiet++;
      g_assert_cmpstr (g_hash_table_lookup (r, "status_code"), ==, "-");
    }
  }
  g_assert_cmpuint (quiet, ==, 1);
}

/* A live source that sends one packet a second (each a new UDP flow) and
 * HEARTBEATs while idle: the first packet's flow (idle timeout 100 ms) must
 * end while flowtrack has still seen only that one flow, i.e. on HEARTBEAT
 * time alone, not when the next packet comes. */
static void
test_live_idle_flows_expire (void)
{
  GError *err = NULL;
  PktElement *p = pkt_parse_launch (
      "testsrc is-live=true rate=1 flows=8 protocol=udp port=53 ! flowtrack name=ft ! dnsparse "
      "name=d udp-inactivity=100000000 ! fakesink",
      &err);
  g_assert_no_error (err);
  g_object_ref_sink (p);
  g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, &err));
  guint64 expired = 0, created = 0;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (expired == 0 && g_get_monotonic_time () < deadline) {
    g_usleep (10 * 1000);
    expired = pkt_test_get_uint (p, "d", "expired");
    created = pkt_test_get_uint (p, "ft", "created"); /* read after: an upper bound */
  }
  guint64 active = pkt_test_get_uint (p, "d", "active-flows");
  g_assert_true (pkt_element_set_state (p, PKT_STATE_NULL, &err));
  g_test_message ("live: expired %" G_GUINT64_FORMAT " with %" G_GUINT64_FORMAT
                  " flow(s) seen, active %" G_GUINT64_FORMAT,
                  expired, created, active);
  g_assert_cmpuint (expired, ==, 1);
  g_assert_cmpuint (created, ==, 1);
  g_object_unref (p);
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  g_test_add_func ("/l7/http/parser/requests", test_parser_requests);
  g_test_add_func ("/l7/http/parser/responses", test_parser_responses);
  g_test_add_func ("/l7/http/parser/host", test_parser_host);
  g_test_add_func ("/l7/http/element/idle-flow-expires", test_idle_flow_expires);
  g_test_add_func ("/l7/element/live-idle-flows-expire", test_live_idle_flows_expire);
  g_test_add_func ("/l7/http/parser/rejects", test_parser_rejects);
  g_test_add_func ("/l7/http/element/crafted-sessions", test_crafted_sessions);
  for (guint i = 0; i < G_N_ELEMENTS (traces); i++) {
    g_autofree char *a = g_strdup_printf ("/l7/http/zeek/%s", traces[i].name);
    g_autofree char *b = g_strdup_printf ("/l7/http/zeek-reassembled/%s", traces[i].name);
    g_test_add_data_func (a, &traces[i], test_trace_plain);
    g_test_add_data_func (b, &traces[i], test_trace_reassembled);
  }
  for (guint i = 0; i < G_N_ELEMENTS (tshark_traces); i++) {
    g_autofree char *a = g_strdup_printf ("/l7/http/tshark/%s", tshark_traces[i].pcap);
    g_test_add_data_func (a, &tshark_traces[i], test_requests_match_tshark);
  }
  g_test_add_func ("/l7/http/~summary/all", test_summary);
  return g_test_run ();
}
