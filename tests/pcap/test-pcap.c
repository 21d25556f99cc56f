/* pktpipe tests — pcapsrc, pcapsink and bpffilter in real pipelines,
 * checked against tcpdump.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "pkt-test-util.h"

static char *tmpdir;

/* ---- helpers ---- */

typedef struct {
  PktElement *pipeline;
  GError *error;
  GPtrArray *warnings; /* messages */
} Run;

static void
run_free (Run *r)
{
  g_clear_object (&r->pipeline);
  g_clear_error (&r->error);
  g_ptr_array_unref (r->warnings);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

/* Runs @desc to EOS or ERROR, keeping the WARNING messages. The pipeline is
 * back in NULL afterwards (files closed); its counters stay readable. */
static Run *run_pipeline (PktElement *pipeline);

static Run *
run_desc (const char *desc)
{
  g_autoptr (GError) error = NULL;
  PktElement *pipeline = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  return run_pipeline (g_object_ref_sink (pipeline));
}

/* The same for a pipeline already built (takes the reference). */
static Run *
run_pipeline (PktElement *pipeline)
{
  Run *r = g_new0 (Run, 1);
  r->warnings = g_ptr_array_new_with_free_func (g_free);
  r->pipeline = pipeline;
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (r->pipeline));
  if (pkt_element_set_state (r->pipeline, PKT_STATE_PLAYING, &r->error)) {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    for (;;) {
      g_autoptr (PktMessage) m = pkt_bus_pop (bus, MAX (deadline - g_get_monotonic_time (), 0));
      g_assert_nonnull (m); /* else: no EOS within a minute */
      if (m->type == PKT_MESSAGE_WARNING)
        g_ptr_array_add (r->warnings, g_strdup (m->error->message));
      if (m->type == PKT_MESSAGE_ERROR)
        r->error = g_error_copy (m->error);
      if (m->type == PKT_MESSAGE_EOS || m->type == PKT_MESSAGE_ERROR)
        break;
    }
  }
  pkt_element_set_state (r->pipeline, PKT_STATE_NULL, NULL);
  return r;
}

static Run *
run_ok (const char *desc)
{
  Run *r = run_desc (desc);
  if (r->error)
    g_error ("%s: %s", desc, r->error->message);
  return r;
}

static char *
spawn_out (const char *const *argv, int *status)
{
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                               NULL, status, &error));
  return out;
}

/* tcpdump's view of a file: time (ns), summary and every byte. */
static char *
tcpdump_x (const char *path, const char *expr, int *status)
{
  /* -S: absolute TCP sequence numbers, so that split files print the same */
  const char *argv[] = { "tcpdump", "-S", "-nn", "-tt", "--nano", "-xx", "-r", path, expr, NULL };
  return spawn_out (argv, status);
}

static guint
count_lines_starting_with_digit (const char *s)
{
  guint n = 0;
  for (const char *l = s; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    if (g_ascii_isdigit (*l))
      n++;
  return n;
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static guint64
get (Run *r, const char *el, const char *prop)
{
  return pkt_test_get_uint (r->pipeline, el, prop);
}

static gboolean
have_tools (void)
{
  return pkt_test_require_program ("tcpdump") && pkt_test_require_program ("mergecap");
}

/* ---- round trip ---- */

static GPtrArray *
testdata_files (void)
{
  g_autofree char *dir = pkt_test_testdata_path ("pcaps");
  if (!dir)
    return NULL;
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name (d)))
    g_ptr_array_add (files, g_build_filename (dir, n, NULL));
  return files;
}

/* Every capture: pcapsrc ! pcapsink (pcap, ns) gives a file whose tcpdump
 * -xx --nano output is identical to the original's; pcapng inputs thereby
 * also show that pcapng → pcap keeps the nanoseconds. */
static void
test_roundtrip_all (void)
{
  if (!have_tools ())
    return;
  g_autoptr (GPtrArray) files = testdata_files ();
  if (!files)
    return;
  g_autofree char *out = tmp_path ("rt.pcap");
  guint checked = 0;
  for (guint i = 0; i < files->len; i++) {
    const char *in = files->pdata[i];
    int st_in, st_out;
    g_autofree char *want = tcpdump_x (in, NULL, &st_in);
    g_autofree char *desc = g_strdup_printf (
        "pcapsrc name=src location='%s' ! pcapsink name=sink location='%s' format=pcap", in, out);
    g_autoptr (Run) r = run_desc (desc);
    if (st_in != 0 && *want == '\0') {
      /* tcpdump rejects it (libpcap-*): so must we, at READY, naming the file */
      g_assert_nonnull (r->error);
      g_assert_nonnull (strstr (r->error->message, in));
      continue;
    }
    g_assert_no_error (r->error);
    g_autofree char *got = tcpdump_x (out, NULL, &st_out);
    g_assert_cmpint (st_out, ==, 0);
    if (g_strcmp0 (want, got) != 0)
      g_error ("%s: tcpdump -xx output differs after pcapsrc ! pcapsink", in);
    g_assert_cmpuint (get (r, "src", "packets"), ==, count_lines_starting_with_digit (want));
    g_assert_cmpuint (get (r, "sink", "packets"), ==, get (r, "src", "packets"));
    checked++;
  }
  g_assert_cmpuint (checked, >=, 40);
}

/* pcap (ns) → pcapng → pcap: same bytes and nanosecond times; pcapng output
 * read by tshark too when present. */
static void
test_roundtrip_pcapng (void)
{
  if (!have_tools ())
    return;
  g_autofree char *in = pkt_test_testdata_path ("pcaps/tcpdump-tcp-handshake-nano.pcap");
  if (!in)
    return;
  g_autofree char *ng = tmp_path ("nano.pcapng");
  g_autofree char *back = tmp_path ("nano-back.pcap");
  g_autofree char *d1 = g_strdup_printf ("pcapsrc location='%s' ! pcapsink location='%s'", in, ng);
  g_autofree char *d2
      = g_strdup_printf ("pcapsrc location='%s' ! pcapsink location='%s'", ng, back);
  g_autoptr (Run) r1 G_GNUC_UNUSED = run_ok (d1);
  g_autoptr (Run) r2 G_GNUC_UNUSED = run_ok (d2);
  int s1, s2, s3;
  g_autofree char *a = tcpdump_x (in, NULL, &s1);
  g_autofree char *b = tcpdump_x (ng, NULL, &s2);
  g_autofree char *c = tcpdump_x (back, NULL, &s3);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, ==, c);
  g_assert_nonnull (strstr (a, "1418145369.924505488")); /* ns survived */
}

/* ---- filters ---- */

static const char *filter_exprs[] = {
  "tcp",
  "udp",
  "arp",
  "ip6",
  "vlan",
  "vlan and tcp",
  "mpls",
  "proto gre",
  "port 53",
  "udp port 53",
  "tcp port 80",
  "src port 80",
  "dst portrange 1024-65535",
  "host 141.142.220.118",
  "src host 208.80.152.3",
  "net 141.142.0.0/16",
  "not net 141.142.0.0/16 and ip",
  "tcp[tcpflags] & tcp-syn != 0",
  "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
  "tcp[tcpflags] & tcp-rst != 0",
  "tcp[tcpflags] & tcp-push != 0 and tcp port 80",
  "greater 1000",
  "less 100",
  "len > 500 and tcp",
  "ip[6:2] & 0x3fff != 0",
  "ip6[6] == 44",
  "ether broadcast",
  "ip6 host ::1 and tcp",
};

static char *
filter_input (void)
{
  const char *names[]
      = { "zeek-wikipedia.pcap",      "zeek-mixed-vlan-mpls.pcap", "sv-tls13-draft28.pcap",
          "ndpi-dns-fragmented.pcap", "tcpdump-802.1ad-QinQ.pcap", "zeek-gre-sample.pcap",
          "zeek-tcp-single-rst.pcap", "tcpdump-vxlan.pcap",        "zeek-http-vlan-0.pcap" };
  char *mix = tmp_path ("filter-input.pcap");
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_strv_builder_add_many (b, "mergecap", "-a", "-F", "pcap", "-w", mix, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *rel = g_strconcat ("pcaps/", names[i], NULL);
    g_autofree char *p = pkt_test_testdata_path (rel);
    if (!p) {
      g_free (mix);
      return NULL;
    }
    g_strv_builder_add (b, p);
  }
  g_auto (GStrv) argv = g_strv_builder_end (b);
  int st;
  g_free (spawn_out ((const char *const *)argv, &st));
  g_assert_cmpint (st, ==, 0);
  return mix;
}

/* The packets bpffilter and pcapsrc filter= pass are exactly those tcpdump
 * selects: same tcpdump -xx output, same count. */
static void
test_filters (void)
{
  if (!have_tools ())
    return;
  g_autofree char *in = filter_input ();
  if (!in)
    return;
  g_autofree char *o1 = tmp_path ("f1.pcap");
  g_autofree char *o2 = tmp_path ("f2.pcap");
  int st;
  g_autofree char *all = tcpdump_x (in, NULL, &st);
  guint total = count_lines_starting_with_digit (all);
  g_assert_cmpuint (G_N_ELEMENTS (filter_exprs), >=, 20);
  for (guint i = 0; i < G_N_ELEMENTS (filter_exprs); i++) {
    const char *e = filter_exprs[i];
    g_autofree char *want = tcpdump_x (in, e, &st);
    g_assert_cmpint (st, ==, 0);
    guint n = count_lines_starting_with_digit (want);
    g_autofree char *d1 = g_strdup_printf (
        "pcapsrc name=src location='%s' filter='%s' ! pcapsink location='%s'", in, e, o1);
    g_autofree char *d2 = g_strdup_printf (
        "pcapsrc location='%s' ! bpffilter name=f filter='%s' ! pcapsink location='%s'", in, e, o2);
    g_autoptr (Run) r1 = run_ok (d1);
    g_autoptr (Run) r2 = run_ok (d2);
    g_autofree char *g1 = tcpdump_x (o1, NULL, &st);
    g_autofree char *g2 = tcpdump_x (o2, NULL, &st);
    if (g_strcmp0 (want, g1) != 0)
      g_error ("pcapsrc filter='%s' passed other packets than tcpdump", e);
    if (g_strcmp0 (want, g2) != 0)
      g_error ("bpffilter filter='%s' passed other packets than tcpdump", e);
    g_assert_cmpuint (get (r1, "src", "packets"), ==, n);
    g_assert_cmpuint (get (r1, "src", "filtered"), ==, total - n);
    g_assert_cmpuint (get (r2, "f", "passed"), ==, n);
    g_assert_cmpuint (get (r2, "f", "dropped"), ==, total - n);
    g_test_message ("%-50s %u of %u", e, n, total);
  }
}

static void
test_filter_errors (void)
{
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-ssh.pcap");
  if (!in)
    return;
  g_autofree char *d1
      = g_strdup_printf ("pcapsrc location='%s' filter='tcp porrt 22' ! fakesink", in);
  g_autoptr (Run) r1 = run_desc (d1);
  g_assert_nonnull (r1->error);
  g_assert_nonnull (strstr (r1->error->message, "tcp porrt 22"));
  g_autoptr (Run) r2 = run_desc ("testsrc ! bpffilter filter='host 1.2.3.400' ! fakesink");
  g_assert_nonnull (r2->error);
  g_assert_nonnull (strstr (r2->error->message, "host 1.2.3.400"));
  g_assert_nonnull (strstr (r2->error->message, "bpffilter"));
}

/* ---- source behaviour ---- */

static void
test_errors (void)
{
  g_autofree char *garbage = tmp_path ("garbage.pcap");
  g_assert_true (g_file_set_contents (garbage, "hello, this is not a capture\n", -1, NULL));
  /* a valid pcap header with a link type pktpipe does not know (147, USER0) */
  g_autofree char *user0 = tmp_path ("user0.pcap");
  guint32 hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 147 };
  g_assert_true (g_file_set_contents (user0, (char *)hdr, sizeof hdr, NULL));
  g_autofree char *empty = tmp_path ("empty.pcap");
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_autofree char *missing = tmp_path ("missing.pcap");
  struct {
    const char *path;
    const char *reason;
  } cases[] = {
    { garbage, "not a pcap or pcapng file" },
    { user0, "unsupported link type 147" },
    { empty, "empty" },
    { missing, "No such file" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *d = g_strdup_printf ("pcapsrc location='%s' ! fakesink", cases[i].path);
    g_autoptr (PktElement) p = pkt_parse_launch (d, NULL);
    g_object_ref_sink (p);
    g_autoptr (GError) error = NULL;
    /* at READY: before any data flows */
    g_assert_false (pkt_element_set_state (p, PKT_STATE_READY, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, cases[i].path));
    g_assert_nonnull (strstr (error->message, cases[i].reason));
    pkt_element_set_state (p, PKT_STATE_NULL, NULL);
  }
}

/* Writes @in cut @cut bytes short into the temp dir. */
static char *
truncated_copy (const char *in, gsize cut, const char *name)
{
  gchar *data;
  gsize len;
  g_assert_true (g_file_get_contents (in, &data, &len, NULL));
  char *out = tmp_path (name);
  g_assert_true (g_file_set_contents (out, data, len - cut, NULL));
  g_free (data);
  return out;
}

/* The last record cut short: WARNING, every complete packet, clean EOS. */
static void
test_truncated (void)
{
  if (!have_tools ())
    return;
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-wikipedia.pcap");
  g_autofree char *ng_in = pkt_test_testdata_path ("pcaps/ndpi-tls-2-reasms.pcapng");
  if (!in || !ng_in)
    return;
  const char *srcs[] = { in, ng_in };
  /* both ways of reading a file: io=read (chunks) and io=mmap */
  for (guint k = 0; k < 4; k++) {
    guint i = k % 2;
    g_autofree char *cut = truncated_copy (srcs[i], 50, i ? "cut.pcapng" : "cut.pcap");
    g_autofree char *out = tmp_path ("cut-out.pcap");
    g_autofree char *d
        = g_strdup_printf ("pcapsrc name=src location='%s' io=%s ! pcapsink location='%s'", cut,
                           k < 2 ? "read" : "mmap", out);
    g_autoptr (Run) r = run_ok (d); /* EOS, not ERROR */
    g_assert_cmpuint (r->warnings->len, ==, 1);
    g_assert_nonnull (strstr (r->warnings->pdata[0], "truncated"));
    g_assert_nonnull (strstr (r->warnings->pdata[0], cut));
    int st;
    g_autofree char *orig = tcpdump_x (srcs[i], NULL, &st);
    g_autofree char *got = tcpdump_x (out, NULL, &st);
    guint n = count_lines_starting_with_digit (orig);
    g_assert_cmpuint (get (r, "src", "packets"), ==, n - 1);
    g_assert_cmpuint (count_lines_starting_with_digit (got), ==, n - 1);
    /* what we wrote is the original minus its last packet */
    g_assert_true (g_str_has_prefix (orig, got));
  }
}

static void
test_start_stop_loop (void)
{
  if (!have_tools ())
    return;
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-wikipedia.pcap");
  if (!in)
    return;
  g_autofree char *out = tmp_path ("range.pcap");
  g_autofree char *d = g_strdup_printf (
      "pcapsrc name=src location='%s' start-packet=3 stop-packet=7 ! pcapsink location='%s'", in,
      out);
  g_autoptr (Run) r = run_ok (d);
  g_assert_cmpuint (get (r, "src", "packets"), ==, 5);
  int st;
  g_autofree char *all = tcpdump_x (in, NULL, &st);
  g_autofree char *got = tcpdump_x (out, NULL, &st);
  /* packets 3..7 of the original, byte for byte */
  g_auto (GStrv) pk = g_regex_split_simple ("\n(?=[0-9])", all, 0, 0);
  g_autofree char *want = g_strjoinv ("\n", pk + 2);
  g_auto (GStrv) w5 = g_regex_split_simple ("\n(?=[0-9])", want, 0, 0);
  g_assert_cmpuint (g_strv_length (w5), >=, 5);
  g_assert_true (g_str_has_prefix (got, w5[0]));
  g_assert_nonnull (strstr (got, w5[4]));
  g_assert_null (w5[5] ? strstr (got, w5[5]) : NULL);

  /* stop-time: 0.5 s after the first packet */
  g_autofree char *d2
      = g_strdup_printf ("pcapsrc name=src location='%s' stop-time=500000000 ! fakesink", in);
  g_autoptr (Run) r2 = run_ok (d2);
  g_assert_cmpuint (get (r2, "src", "packets"), >, 0);
  g_assert_cmpuint (get (r2, "src", "packets"), <, count_lines_starting_with_digit (all));

  /* loop=3: three passes, later ones shifted so time only goes forward */
  g_autofree char *d3
      = g_strdup_printf ("pcapsrc name=src location='%s' loop=3 ! pcapsink location='%s'", in, out);
  g_autoptr (Run) r3 = run_ok (d3);
  guint n = count_lines_starting_with_digit (all);
  g_assert_cmpuint (get (r3, "src", "packets"), ==, 3 * n);
  g_autofree char *looped = tcpdump_x (out, NULL, &st);
  g_auto (GStrv) lines = g_strsplit (looped, "\n", -1);
  double prev = 0;
  guint seen = 0;
  for (guint i = 0; lines[i]; i++)
    if (g_ascii_isdigit (lines[i][0])) {
      double t = g_ascii_strtod (lines[i], NULL);
      g_assert_cmpfloat (t, >=, prev);
      prev = t;
      seen++;
    }
  g_assert_cmpuint (seen, ==, 3 * n);
}

/* pace: a factor of real time; the replay cannot be faster than the span */
static void
test_pace (void)
{
  g_autofree char *in = pkt_test_source_path ("tests/fuzz/corpus/pcapfile/le-usec.pcap");
  /* 6 packets over 5 s of capture time: at 25x that is >= 200 ms */
  g_autofree char *d = g_strdup_printf ("pcapsrc name=src location='%s' pace=25 ! fakesink", in);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (Run) r = run_ok (d);
  gint64 dt = g_get_monotonic_time () - t0;
  g_assert_cmpuint (get (r, "src", "packets"), ==, 6);
  g_assert_cmpint (dt, >=, 195000);
  g_autoptr (Run) bad = run_desc ("pcapsrc location=x pace=warp ! fakesink");
  g_assert_nonnull (bad->error);
  g_assert_nonnull (strstr (bad->error->message, "pace"));
}

/* location=- reads stdin (a pipe here), in chunks, with the same result. */
static gpointer
feed_pipe (gpointer data)
{
  int *fds = data;
  gchar *buf;
  gsize len;
  g_assert_true (g_file_get_contents ((char *)(gpointer)(fds + 2), &buf, &len, NULL));
  /* dribble it in pieces so records straddle reads */
  for (gsize off = 0; off < len;) {
    gsize n = MIN (len - off, 1000 + off % 777);
    ssize_t w = write (fds[1], buf + off, n);
    g_assert_cmpint (w, >, 0);
    off += w;
  }
  close (fds[1]);
  g_free (buf);
  return NULL;
}

static void
test_stdin (void)
{
  if (!have_tools ())
    return;
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-ssh.pcap");
  if (!in)
    return;
  struct {
    int fds[2];
    char path[4096];
  } feed;
  g_assert_cmpint (pipe (feed.fds), ==, 0);
  g_strlcpy (feed.path, in, sizeof feed.path);
  int saved = dup (STDIN_FILENO);
  dup2 (feed.fds[0], STDIN_FILENO);
  close (feed.fds[0]);
  GThread *t = g_thread_new ("feed", feed_pipe, &feed);
  g_autofree char *out = tmp_path ("stdin.pcap");
  g_autofree char *d = g_strdup_printf ("pcapsrc location=- ! pcapsink location='%s'", out);
  g_autoptr (Run) r G_GNUC_UNUSED = run_ok (d);
  g_thread_join (t);
  dup2 (saved, STDIN_FILENO);
  close (saved);
  int st;
  g_autofree char *a = tcpdump_x (in, NULL, &st);
  g_autofree char *b = tcpdump_x (out, NULL, &st);
  g_assert_true (g_strcmp0 (a, b) == 0);
}

/* ---- sink behaviour ---- */

static GPtrArray *
files_with_prefix (const char *prefix)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name (d)))
    if (g_str_has_prefix (n, prefix))
      g_ptr_array_add (files, g_build_filename (tmpdir, n, NULL));
  return files;
}

static char *
concat_tcpdump (const char *stem, guint n, const char *ext, guint first)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++) {
    g_autofree char *p = g_strdup_printf ("%s/%s.%u%s", tmpdir, stem, first + i, ext);
    int st;
    g_autofree char *o = tcpdump_x (p, NULL, &st);
    g_assert_cmpint (st, ==, 0); /* every file readable */
    g_string_append (s, o);
  }
  return g_string_free (s, FALSE);
}

static void
test_rotation (void)
{
  if (!have_tools ())
    return;
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-ssh.pcap");
  if (!in)
    return;
  int st;
  g_autofree char *all = tcpdump_x (in, NULL, &st);

  /* max-size: files of at most 200000 bytes that together hold everything */
  g_autofree char *loc = tmp_path ("rot.pcap");
  g_autofree char *d = g_strdup_printf (
      "pcapsrc location='%s' ! pcapsink name=sink location='%s' max-size=200000", in, loc);
  g_autoptr (Run) r = run_ok (d);
  g_autoptr (GPtrArray) files = files_with_prefix ("rot.");
  guint n = files->len;
  g_assert_cmpuint (n, ==, get (r, "sink", "files"));
  g_assert_cmpuint (n, >=, 6); /* 1.3 MB in 200 kB pieces */
  for (guint i = 0; i < n; i++) {
    GStatBuf sb;
    g_assert_cmpint (g_stat (files->pdata[i], &sb), ==, 0);
    g_assert_cmpint (sb.st_size, <=, 200000);
  }
  g_autofree char *joined = concat_tcpdump ("rot", n, ".pcap", 0);
  g_assert_true (g_strcmp0 (joined, all) == 0);

  /* max-files: a ring of 3; the newest files survive, numbered in a cycle */
  g_autofree char *loc2 = tmp_path ("ring.pcap");
  g_autofree char *d2 = g_strdup_printf (
      "pcapsrc location='%s' ! pcapsink name=sink location='%s' max-size=200000 max-files=3", in,
      loc2);
  g_autoptr (Run) r2 = run_ok (d2);
  g_autoptr (GPtrArray) ring = files_with_prefix ("ring.");
  g_assert_cmpuint (ring->len, ==, 3);
  g_assert_cmpuint (get (r2, "sink", "files"), ==, n);
  /* the last file written is number (n-1) % 3, and ends like the input */
  g_autofree char *last = g_strdup_printf ("%s/ring.%u.pcap", tmpdir, (n - 1) % 3);
  g_autofree char *tail = tcpdump_x (last, NULL, &st);
  g_assert_cmpint (st, ==, 0);
  g_assert_true (g_str_has_suffix (all, tail));

  /* rotate-interval by packet time: 10 s pieces */
  g_autofree char *loc3 = tmp_path ("tick.pcap");
  g_autofree char *d3 = g_strdup_printf (
      "pcapsrc location='%s' ! pcapsink name=sink location='%s' rotate-interval=10000000000", in,
      loc3);
  g_autoptr (Run) r3 = run_ok (d3);
  guint nt = get (r3, "sink", "files");
  g_assert_cmpuint (nt, >=, 2);
  g_autofree char *joined3 = concat_tcpdump ("tick", nt, ".pcap", 0);
  g_assert_true (g_strcmp0 (joined3, all) == 0);
  for (guint i = 0; i < nt; i++) {
    g_autofree char *p = g_strdup_printf ("%s/tick.%u.pcap", tmpdir, i);
    g_autofree char *o = tcpdump_x (p, NULL, &st);
    double first = g_ascii_strtod (o, NULL);
    const char *l = o, *lastl = o;
    while ((l = strstr (l, "\n")) && l[1]) {
      l++;
      if (g_ascii_isdigit (*l))
        lastl = l;
    }
    g_assert_cmpfloat (g_ascii_strtod (lastl, NULL) - first, <, 10.0);
  }
}

/* A full disk: ERROR naming the file; the file holds whole records only. */
static void
test_disk_full (void)
{
  if (!pkt_test_require_root () || !have_tools ())
    return;
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-ssh.pcap");
  if (!in)
    return;
  g_autofree char *mnt = tmp_path ("tiny");
  g_assert_cmpint (g_mkdir (mnt, 0700), ==, 0);
  if (mount ("pktpipe-test", mnt, "tmpfs", 0, "size=64k") != 0) {
    g_autofree char *msg = g_strdup_printf ("cannot mount a tmpfs: %s", g_strerror (errno));
    g_test_skip (msg);
    g_rmdir (mnt);
    return;
  }
  g_autofree char *out = g_build_filename (mnt, "full.pcap", NULL);
  g_autofree char *d
      = g_strdup_printf ("pcapsrc location='%s' ! pcapsink name=sink location='%s'", in, out);
  g_autoptr (Run) r = run_desc (d);
  g_assert_nonnull (r->error);
  g_test_message ("%s", r->error->message);
  g_assert_nonnull (strstr (r->error->message, out));
  g_assert_nonnull (strstr (r->error->message, g_strerror (ENOSPC)));
  int st;
  g_autofree char *got = tcpdump_x (out, NULL, &st);
  g_assert_cmpint (st, ==, 0); /* readable to the end: no partial record */
  guint n = count_lines_starting_with_digit (got);
  g_assert_cmpuint (n, >, 10);
  g_assert_cmpuint (n, ==, get (r, "sink", "packets"));
  g_autofree char *all = tcpdump_x (in, NULL, &st);
  g_assert_true (g_str_has_prefix (all, got));
  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);

  /* an unwritable path fails at READY, naming it */
  g_autoptr (Run) r2 = run_desc ("pcapsrc location=x ! pcapsink location=/proc/nope/x.pcap");
  g_assert_nonnull (r2->error);
  g_assert_nonnull (strstr (r2->error->message, "/proc/nope/x.pcap"));
}

/* Mixed link types: pcapng keeps all (one interface per link type); pcap
 * keeps the first link type and counts the rest with one WARNING. */
static void
test_mixed (void)
{
  g_autofree char *in = pkt_test_source_path ("tests/fuzz/corpus/pcapfile/multi-iface.pcapng");
  g_autofree char *ng = tmp_path ("mixed.pcapng");
  g_autofree char *pc = tmp_path ("mixed.pcap");
  g_autofree char *d1
      = g_strdup_printf ("pcapsrc location='%s' ! pcapsink name=sink location='%s'", in, ng);
  g_autoptr (Run) r1 = run_ok (d1);
  g_assert_cmpuint (get (r1, "sink", "packets"), ==, 5);
  g_assert_cmpuint (get (r1, "sink", "unwritable"), ==, 0);
  /* read back: same packets, two interfaces */
  g_autofree char *d2
      = g_strdup_printf ("pcapsrc location='%s' ! pcapsink name=sink location='%s'", ng, pc);
  g_autoptr (Run) r2 = run_ok (d2);
  g_assert_cmpuint (get (r2, "sink", "packets"), ==, 3);    /* Ethernet ones */
  g_assert_cmpuint (get (r2, "sink", "unwritable"), ==, 2); /* raw IP ones */
  g_assert_cmpuint (r2->warnings->len, ==, 1);
  if (pkt_test_require_program ("tshark")) {
    const char *argv[] = { "tshark", "-r", ng, "-T", "fields", "-e", "frame.encap_type", NULL };
    int st;
    g_autofree char *o = spawn_out (argv, &st);
    g_assert_cmpint (st, ==, 0);
    g_assert_cmpstr (o, ==, "1\n7\n1\n1\n7\n"); /* Ethernet, raw IP (wiretap numbers) */
  }
}

/* Whether @path is mapped into this process now (/proc/self/maps) */
static gboolean
file_is_mapped (const char *path)
{
  g_autofree char *maps = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  g_autofree char *real = realpath (path, NULL);
  return strstr (maps, real ? real : path) != NULL;
}

/* io decides how the file is read: at READY, io=mmap and io=auto (a file
 * under 32 MiB) have the file mapped, io=read has not. */
static void
test_io_mode_is_used (void)
{
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-ssh.pcap");
  if (!in)
    return;
  const struct {
    const char *io;
    gboolean mapped;
  } cases[] = { { "mmap", TRUE }, { "auto", TRUE }, { "read", FALSE } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *d
        = g_strdup_printf ("pcapsrc location='%s' io=%s ! fakesink", in, cases[i].io);
    g_autoptr (GError) err = NULL;
    g_autoptr (PktElement) p = g_object_ref_sink (pkt_parse_launch (d, &err));
    g_assert_no_error (err);
    g_assert_false (file_is_mapped (in));
    g_assert_true (pkt_element_set_state (p, PKT_STATE_READY, &err));
    g_assert_no_error (err);
    g_assert_true (file_is_mapped (in) == cases[i].mapped);
    g_assert_true (pkt_element_set_state (p, PKT_STATE_NULL, &err));
  }
}

/* Reading in 1 MiB chunks (io=read, the default for large files: records
 * straddle chunk ends, each pass reads the file again) and borrowing from a
 * mapping (io=mmap) give the same packets, byte for byte, over several
 * passes. (That the two really differ is test_io_mode_is_used's.) */
static void
test_read_and_mmap_agree (void)
{
  g_autofree char *in = pkt_test_testdata_path ("pcaps/zeek-ssh.pcap");
  if (!in)
    return;
  GStatBuf sb;
  g_assert_cmpint (g_stat (in, &sb), ==, 0);
  g_assert_cmpint (sb.st_size, >, 1024 * 1024); /* more than one chunk */
  g_autofree char *out0 = tmp_path ("chunks.pcap");
  g_autofree char *out1 = tmp_path ("mapped.pcap");
  const char *out[2] = { out0, out1 };
  guint64 packets[2];
  for (guint i = 0; i < 2; i++) {
    g_autofree char *d
        = g_strdup_printf ("pcapsrc name=src location='%s' loop=3 io=%s ! pcapsink location='%s'",
                           in, i ? "mmap" : "read", out[i]);
    g_autoptr (Run) r = run_ok (d);
    packets[i] = get (r, "src", "packets");
  }
  g_assert_cmpuint (packets[0], ==, packets[1]);
  g_assert_cmpuint (packets[0] % 3, ==, 0);
  g_autofree char *a = NULL, *b = NULL;
  gsize la, lb;
  g_assert_true (g_file_get_contents (out[0], &a, &la, NULL));
  g_assert_true (g_file_get_contents (out[1], &b, &lb, NULL));
  g_assert_cmpuint (la, ==, lb);
  g_assert_true (memcmp (a, b, la) == 0);
  g_assert_cmpuint (la, >, 3 * (gsize)sb.st_size - 3 * 24 - 1); /* nothing lost */
}

/* The README's first command: pipelines/demo.pipeline on the bundled capture
 * reads every packet (small enough to be in the repository). */
static void
test_demo (void)
{
  if (!have_tools ())
    return;
  g_autofree char *root = pkt_test_source_path (".");
  g_autofree char *cap = pkt_test_source_path ("tests/data/demo.pcapng");
  g_autofree char *file = pkt_test_source_path ("pipelines/demo.pipeline");
  GStatBuf sb;
  g_assert_cmpint (g_stat (cap, &sb), ==, 0);
  g_assert_cmpint (sb.st_size, <, 200 * 1024);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  /* the description names the capture relative to the source root */
  g_autofree char *cwd = g_get_current_dir ();
  g_assert_cmpint (g_chdir (root), ==, 0);
  /* the demo prints conn.log on stdout; here it goes to a file we read */
  g_autofree char *log = g_build_filename (tmpdir, "demo-conn.log", NULL);
  g_autofree char *to_file = g_strdup_printf ("location=%s", log);
  g_assert_nonnull (strstr (text, "location=-"));
  g_autoptr (GString) desc = g_string_new (text);
  g_string_replace (desc, "location=-", to_file, 1);
  g_autoptr (Run) r = run_ok (desc->str);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  int st;
  g_autofree char *all = tcpdump_x (cap, NULL, &st);
  g_assert_cmpint (st, ==, 0);
  g_assert_cmpuint (get (r, "capture", "packets"), ==, count_lines_starting_with_digit (all));
  g_assert_cmpuint (get (r, "capture", "packets"), >=, 50);
  /* it has what the script promises: DNS, HTTP, UDP flows */
  g_assert_nonnull (strstr (all, ".53: "));
  g_assert_nonnull (strstr (all, ".8080: "));
  g_assert_nonnull (strstr (all, ".5002: "));
  /* and one conn.log line per flow, the HTTP ones complete (SF) */
  g_autofree char *conn = NULL;
  g_assert_true (g_file_get_contents (log, &conn, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (conn, "\n", -1);
  guint rows = 0, sf_8080 = 0;
  for (guint i = 0; lines[i]; i++) {
    if (!lines[i][0] || lines[i][0] == '#')
      continue;
    rows++;
    if (strstr (lines[i], "\t8080\ttcp\t") && strstr (lines[i], "\tSF\t"))
      sf_8080++;
  }
  g_assert_cmpuint (rows, ==, get (r, "flows", "created"));
  g_assert_cmpuint (rows, ==, get (r, "conn", "records"));
  g_assert_cmpuint (rows, >=, 10);
  g_assert_cmpuint (sf_8080, >=, 3);
}

static void
on_handoff_ts (PktElement *sink, PktBufferList *list, GArray *ts)
{
  for (guint i = 0; i < list->n_packets; i++)
    g_array_append_val (ts, list->packets[i].ts_ns);
}

/* loop on a file spanning 1970 to 2096: the second pass still fits in
 * 64-bit nanoseconds (ends in 2222), a third would wrap to negative times.
 * Time never goes negative; the pass that would overflow repeats the
 * previous pass's times, with a warning naming the element and file. */
static void
test_loop_time_overflow (void)
{
  static const guint32 secs[] = { 1, 4000000000u };
  g_autofree char *path = tmp_path ("span.pcap");
  g_autoptr (GByteArray) b = pkt_test_pcap_new ();
  guint8 frame[60] = { [12] = 0x88, [13] = 0xb5 }; /* an ethertype nothing parses further */
  for (guint i = 0; i < G_N_ELEMENTS (secs); i++)
    pkt_test_pcap_add (b, secs[i], 0, frame, sizeof frame);
  g_assert_true (g_file_set_contents (path, (const char *)b->data, b->len, NULL));

  g_autofree char *desc
      = g_strdup_printf ("pcapsrc name=src location='%s' loop=4 ! fakesink name=f", path);
  g_autoptr (GError) error = NULL;
  PktElement *p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  g_autoptr (GArray) ts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (pkt_bin_get_by_name (PKT_BIN (p), "f"), "handoff", G_CALLBACK (on_handoff_ts),
                    ts);
  g_autoptr (Run) r = run_pipeline (p);
  g_assert_no_error (r->error);
  g_assert_cmpuint (ts->len, ==, 8);
  for (guint i = 0; i < ts->len; i++)
    g_assert_cmpint (g_array_index (ts, gint64, i), >, 0);
  /* pass 2 follows pass 1 */
  g_assert_cmpint (g_array_index (ts, gint64, 2), >, g_array_index (ts, gint64, 1));
  /* passes 3 and 4 repeat pass 2 */
  for (guint i = 4; i < 8; i++)
    g_assert_cmpint (g_array_index (ts, gint64, i), ==, g_array_index (ts, gint64, 2 + i % 2));
  g_assert_cmpuint (r->warnings->len, ==, 1);
  g_assert_nonnull (strstr (r->warnings->pdata[0], "pass 3"));
  g_assert_nonnull (strstr (r->warnings->pdata[0], "span.pcap"));
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  tmpdir = g_dir_make_tmp ("pkt-pcap-XXXXXX", NULL);
  g_test_add_func ("/pcap/src/errors", test_errors);
  g_test_add_func ("/pcap/src/truncated", test_truncated);
  g_test_add_func ("/pcap/src/start-stop-loop", test_start_stop_loop);
  g_test_add_func ("/pcap/src/read-and-mmap-agree", test_read_and_mmap_agree);
  g_test_add_func ("/pcap/src/io-mode-is-used", test_io_mode_is_used);
  g_test_add_func ("/pcap/src/pace", test_pace);
  g_test_add_func ("/pcap/src/loop-time-overflow", test_loop_time_overflow);
  g_test_add_func ("/pcap/src/stdin", test_stdin);
  g_test_add_func ("/pcap/roundtrip/all", test_roundtrip_all);
  g_test_add_func ("/pcap/roundtrip/pcapng", test_roundtrip_pcapng);
  g_test_add_func ("/pcap/filter/expressions", test_filters);
  g_test_add_func ("/pcap/filter/errors", test_filter_errors);
  g_test_add_func ("/pcap/sink/rotation", test_rotation);
  g_test_add_func ("/pcap/sink/disk-full", test_disk_full);
  g_test_add_func ("/pcap/sink/mixed", test_mixed);
  g_test_add_func ("/pcap/demo", test_demo);
  int ret = g_test_run ();
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", tmpdir);
  if (system (rm) != 0)
    g_printerr ("could not remove %s\n", tmpdir);
  return ret;
}
