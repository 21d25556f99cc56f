/* pktpipe tests — the basic elements: testsrc frames, tee, funnel, queue,
 * balance, sample, appsrc/appsink, fakesink, lease stress.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-test-util.h"
#include <pktpipe/pkt-app.h>
#include <glib/gstdio.h>
#include <string.h>

/* ---- capture helpers ------------------------------------------------------------
 * A capture records, per packet, a hash of its bytes and of its flow
 * (direction-independent 5-tuple), in arrival order. */

typedef struct {
  guint64 frame;
  guint64 flow;
} Rec;

typedef struct {
  GArray *recs;
  guint batches;
} Capture;

static guint64
fnv64 (guint64 h, const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static guint64
flow_of (const PktPacket *pkt)
{
  PktPacket p = *pkt;
  PktFlowKey k;
  if (!pkt_packet_get_flow_key (&p, &k))
    return 0;
  /* order the endpoints so both directions give one value */
  guint8 a[18], b[18];
  memcpy (a, k.src.bytes, 16);
  memcpy (a + 16, &k.sport, 2);
  memcpy (b, k.dst.bytes, 16);
  memcpy (b + 16, &k.dport, 2);
  gboolean swap = memcmp (a, b, 18) > 0;
  guint64 h = 0xcbf29ce484222325ULL;
  h = fnv64 (h, swap ? b : a, 18);
  h = fnv64 (h, swap ? a : b, 18);
  return fnv64 (h, &k.proto, 1);
}

static void
capture_on_batch (PktAppSink *sink, PktBufferList *list, Capture *cap)
{
  cap->batches++;
  for (guint i = 0; i < list->n_packets; i++) {
    const PktPacket *p = &list->packets[i];
    Rec r = { fnv64 (0xcbf29ce484222325ULL, p->data, p->caplen), flow_of (p) };
    g_array_append_val (cap->recs, r);
  }
}

static Capture *
capture_new (void)
{
  Capture *c = g_new0 (Capture, 1);
  c->recs = g_array_new (FALSE, FALSE, sizeof (Rec));
  return c;
}

static void
capture_free (Capture *c)
{
  g_array_unref (c->recs);
  g_free (c);
}

static void
capture_attach (PktElement *pipeline, const char *name, Capture *cap)
{
  PktElement *sink = pkt_bin_get_by_name (PKT_BIN (pipeline), name);
  g_assert_nonnull (sink);
  g_object_set (sink, "emit-signals", TRUE, NULL);
  g_signal_connect (sink, "new-batch", G_CALLBACK (capture_on_batch), cap);
}

/* Builds @desc, attaches a capture to each appsink named in @sinks, runs to EOS. */
static PktElement *
run_capture (const char *desc, const char *const *sinks, Capture **caps)
{
  g_autoptr (GError) error = NULL;
  PktElement *p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  for (guint i = 0; sinks[i]; i++) {
    caps[i] = capture_new ();
    capture_attach (p, sinks[i], caps[i]);
  }
  pkt_test_run_pipeline (p, 30000, &error);
  g_assert_no_error (error);
  return p;
}

static Capture *
reference (const char *src_desc)
{
  g_autofree char *desc = g_strdup_printf ("%s ! appsink name=ref", src_desc);
  const char *sinks[] = { "ref", NULL };
  Capture *cap;
  g_object_unref (run_capture (desc, sinks, &cap));
  return cap;
}

static void
assert_same_sequence (Capture *got, Capture *want)
{
  g_assert_cmpuint (got->recs->len, ==, want->recs->len);
  for (guint i = 0; i < got->recs->len; i++)
    g_assert_cmphex (g_array_index (got->recs, Rec, i).frame, ==,
                     g_array_index (want->recs, Rec, i).frame);
}

/* flow -> GArray of frame hashes in order */
static GHashTable *
per_flow (Capture **caps, guint n)
{
  GHashTable *t
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)g_array_unref);
  for (guint c = 0; c < n; c++)
    for (guint i = 0; i < caps[c]->recs->len; i++) {
      Rec *r = &g_array_index (caps[c]->recs, Rec, i);
      GArray *a = g_hash_table_lookup (t, &r->flow);
      if (!a) {
        a = g_array_new (FALSE, FALSE, sizeof (guint64));
        g_hash_table_insert (t, g_memdup2 (&r->flow, sizeof r->flow), a);
      }
      g_array_append_val (a, r->frame);
    }
  return t;
}

/* Every flow of @want arrives complete and in order in @got. */
static void
assert_same_per_flow (Capture **got, guint n_got, Capture **want, guint n_want)
{
  g_autoptr (GHashTable) g = per_flow (got, n_got);
  g_autoptr (GHashTable) w = per_flow (want, n_want);
  g_assert_cmpuint (g_hash_table_size (g), ==, g_hash_table_size (w));
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init (&it, w);
  while (g_hash_table_iter_next (&it, &key, &val)) {
    GArray *wa = val, *ga = g_hash_table_lookup (g, key);
    g_assert_nonnull (ga);
    g_assert_cmpuint (ga->len, ==, wa->len);
    g_assert_cmpmem (ga->data, ga->len * sizeof (guint64), wa->data, wa->len * sizeof (guint64));
  }
}

/* ---- testsrc: frames are valid ------------------------------------------------------ */

static guint32
sum16 (guint32 s, const guint8 *p, gsize n)
{
  for (gsize i = 0; i + 1 < n; i += 2)
    s += (p[i] << 8) | p[i + 1];
  if (n & 1)
    s += p[n - 1] << 8;
  return s;
}

static guint16
fold (guint32 s)
{
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (guint16)s;
}

typedef struct {
  guint32 next_seq[2]; /* per direction: next expected sequence number */
  gboolean seen[2];
} TcpTrack;

typedef struct {
  guint n;
  guint tcp;
  guint v6;
  guint syn;
  guint fin;
  GHashTable *tcp_flows; /* flow hash*2+dir -> TcpTrack */
} Validate;

/* Recomputes every length and checksum by hand (independent of the core
 * parser's conclusions) and follows TCP sequence numbers. */
static void
validate_packet (Validate *v, const PktPacket *pkt)
{
  const guint8 *f = pkt->data;
  guint len = pkt->caplen;
  g_assert_cmpuint (pkt->caplen, ==, pkt->len);
  g_assert_cmpuint (len, >=, 42);
  guint16 et = (f[12] << 8) | f[13];
  const guint8 *l3 = f + 14, *l4, *src, *dst;
  guint alen, l4len, proto;
  if (et == 0x0800) {
    g_assert_cmpuint (l3[0], ==, 0x45);
    guint tot = (l3[2] << 8) | l3[3];
    g_assert_cmpuint (14 + tot, ==, len);
    g_assert_cmphex (fold (sum16 (0, l3, 20)), ==, 0xffff);
    l4 = l3 + 20, l4len = tot - 20, proto = l3[9], src = l3 + 12, dst = l3 + 16, alen = 4;
  } else {
    g_assert_cmphex (et, ==, 0x86dd);
    g_assert_cmpuint (l3[0] >> 4, ==, 6);
    l4len = (l3[4] << 8) | l3[5];
    g_assert_cmpuint (14 + 40 + l4len, ==, len);
    l4 = l3 + 40, proto = l3[6], src = l3 + 8, dst = l3 + 24, alen = 16;
    v->v6++;
  }
  guint32 s = sum16 (0, src, alen);
  s = sum16 (s, dst, alen);
  s += proto + l4len;
  s = sum16 (s, l4, l4len);
  g_assert_cmphex (fold (s), ==, 0xffff);
  v->n++;
  if (proto == 17) {
    g_assert_cmpuint ((l4[4] << 8) | l4[5], ==, l4len);
    return;
  }
  g_assert_cmpuint (proto, ==, 6);
  v->tcp++;
  guint hlen = (l4[12] >> 4) * 4;
  guint paylen = l4len - hlen;
  guint8 flags = l4[13];
  guint32 seq = ((guint32)l4[4] << 24) | (l4[5] << 16) | (l4[6] << 8) | l4[7];
  guint32 ack = ((guint32)l4[8] << 24) | (l4[9] << 16) | (l4[10] << 8) | l4[11];
  guint64 flow = flow_of (pkt);
  /* direction: client packets go to the server port */
  gboolean from_client = ((l4[2] << 8) | l4[3]) == 9;
  TcpTrack *t = g_hash_table_lookup (v->tcp_flows, &flow);
  if (!t) {
    t = g_new0 (TcpTrack, 1);
    g_hash_table_insert (v->tcp_flows, g_memdup2 (&flow, sizeof flow), t);
  }
  guint d = from_client ? 0 : 1;
  if (flags & 0x02) {
    v->syn++;
    t->seen[d] = TRUE;
    t->next_seq[d] = seq + 1;
    if (!from_client)
      g_assert_cmpuint (ack, ==, t->next_seq[0]);
    return;
  }
  g_assert_true (t->seen[d]);
  g_assert_cmpuint (seq, ==, t->next_seq[d]);
  g_assert_true (flags & 0x10);
  g_assert_cmpuint (ack, ==, t->next_seq[1 - d]);
  t->next_seq[d] = seq + paylen + ((flags & 0x01) ? 1 : 0);
  if (flags & 0x01)
    v->fin++;
}

static void
validate_on_batch (PktAppSink *sink, PktBufferList *list, Validate *v)
{
  for (guint i = 0; i < list->n_packets; i++)
    validate_packet (v, &list->packets[i]);
}

static void
validate_run (const char *src_desc, Validate *v)
{
  g_autofree char *desc = g_strdup_printf ("%s ! appsink name=out emit-signals=true", src_desc);
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  memset (v, 0, sizeof *v);
  v->tcp_flows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_signal_connect (pkt_bin_get_by_name (PKT_BIN (p), "out"), "new-batch",
                    G_CALLBACK (validate_on_batch), v);
  pkt_test_run_pipeline (p, 60000, &error);
  g_assert_no_error (error);
  g_hash_table_unref (v->tcp_flows);
}

static void
test_testsrc_udp_valid (void)
{
  Validate v;
  validate_run ("testsrc num-packets=5000 flows=37 ipv6-ratio=0.3 size-mix=imix", &v);
  g_assert_cmpuint (v.n, ==, 5000);
  g_assert_cmpuint (v.tcp, ==, 0);
  /* 11 of 37 flows are IPv6 (Weyl sequence): about 30 % of the packets */
  g_assert_cmpuint (v.v6, >, 1200);
  g_assert_cmpuint (v.v6, <, 1800);
  validate_run ("testsrc num-packets=300 packet-size=9000", &v);
  g_assert_cmpuint (v.n, ==, 300);
}

static void
test_testsrc_tcp_valid (void)
{
  Validate v;
  /* 3 full sessions per flow: handshake, 8 data packets, teardown, then reconnects */
  validate_run ("testsrc protocol=tcp num-packets=1176 flows=28 ipv6-ratio=0.5 size-mix=imix", &v);
  g_assert_cmpuint (v.n, ==, 1176);
  g_assert_cmpuint (v.tcp, ==, 1176);
  g_assert_cmpuint (v.syn, ==, 28 * 3 * 2);
  g_assert_cmpuint (v.fin, ==, 28 * 3 * 2);
  validate_run ("testsrc protocol=tcp num-packets=20000 flows=500 session-length=3 "
                "frame-mode=stream packet-size=200",
                &v);
  g_assert_cmpuint (v.n, ==, 20000);
}

/* Arena and stream modes produce the same bytes. */
static void
test_testsrc_modes_identical (void)
{
  const char *base = "testsrc protocol=tcp num-packets=3000 flows=50 ipv6-ratio=0.5 "
                     "size-mix=imix seed=7";
  g_autofree char *a = g_strdup_printf ("%s frame-mode=arena", base);
  g_autofree char *s = g_strdup_printf ("%s frame-mode=stream", base);
  Capture *ca = reference (a), *cs = reference (s);
  assert_same_sequence (cs, ca);
  capture_free (ca);
  capture_free (cs);
  const char *udp = "testsrc num-packets=3000 flows=13 ipv6-ratio=0.5 size-mix=imix";
  g_autofree char *ua = g_strdup_printf ("%s frame-mode=arena", udp);
  g_autofree char *us = g_strdup_printf ("%s frame-mode=stream", udp);
  ca = reference (ua), cs = reference (us);
  assert_same_sequence (cs, ca);
  capture_free (ca);
  capture_free (cs);
}

/* A million TCP flows (stream mode): valid and bounded memory. */
static void
test_testsrc_many_flows (void)
{
  Validate v;
  validate_run ("testsrc protocol=tcp flows=1000000 num-packets=2500000", &v);
  g_assert_cmpuint (v.n, ==, 2500000);
  g_assert_cmpuint (v.syn, ==, 1000000 + 1000000); /* SYN and SYN-ACK of every flow */
}

static void
write_pcap (const char *path, Capture *unused, const char *src_desc)
{
  g_autofree char *desc = g_strdup_printf ("%s ! appsink name=out max-batches=0", src_desc);
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_test_run (desc, 30000, &error);
  g_assert_no_error (error);
  PktAppSink *sink = PKT_APP_SINK (pkt_bin_get_by_name (PKT_BIN (p), "out"));
  GByteArray *out = g_byte_array_new ();
  guint32 gh[6] = { 0xa1b23c4d, 0x00040002, 0, 0, 65535, 1 }; /* ns resolution, Ethernet */
  g_byte_array_append (out, (guint8 *)gh, 24);
  PktBufferList *l;
  while ((l = pkt_app_sink_pull (sink, 0))) {
    for (guint i = 0; i < l->n_packets; i++) {
      PktPacket *pk = &l->packets[i];
      guint32 rh[4] = { (guint32)(pk->ts_ns / 1000000000), (guint32)(pk->ts_ns % 1000000000),
                        pk->caplen, pk->len };
      g_byte_array_append (out, (guint8 *)rh, 16);
      g_byte_array_append (out, pk->data, pk->caplen);
    }
    pkt_buffer_list_unref (l);
  }
  g_assert_true (g_file_set_contents (path, (char *)out->data, out->len, NULL));
  g_byte_array_unref (out);
}

/* tshark agrees: no bad checksum, no malformed packet. */
static void
test_testsrc_tshark (void)
{
  if (!pkt_test_require_program ("tshark"))
    return;
  g_autofree char *dir = g_dir_make_tmp ("pkt-basic-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "testsrc.pcap", NULL);
  write_pcap (path, NULL,
              "testsrc protocol=tcp num-packets=700 flows=10 ipv6-ratio=0.5 size-mix=imix");
  const char *argv[] = { "tshark",
                         "-n",
                         "-r",
                         path,
                         "-o",
                         "ip.check_checksum:TRUE",
                         "-o",
                         "tcp.check_checksum:TRUE",
                         "-o",
                         "udp.check_checksum:TRUE",
                         "-Y",
                         "ip.checksum.status == 0 || tcp.checksum.status == 0 || "
                         "udp.checksum.status == 0 || _ws.malformed || "
                         "tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment",
                         NULL };
  int status;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = pkt_test_spawn (argv, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  const char *count_argv[]
      = { "tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number", NULL };
  g_autofree char *all = pkt_test_spawn (count_argv, &status, &error);
  g_assert_no_error (error);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (all), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 700);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_testsrc_deterministic (void)
{
  const char *d = "testsrc protocol=tcp num-packets=2000 flows=20 size-mix=imix seed=3";
  Capture *a = reference (d), *b = reference (d);
  assert_same_sequence (a, b);
  Capture *c = reference ("testsrc protocol=tcp num-packets=2000 flows=20 size-mix=imix seed=4");
  g_assert_cmphex (g_array_index (c->recs, Rec, 0).frame, !=,
                   g_array_index (b->recs, Rec, 0).frame);
  capture_free (a);
  capture_free (b);
  capture_free (c);
}

static void
test_testsrc_live_heartbeat (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_test_run (
      "testsrc name=src is-live=true rate=4 num-packets=3 ! fakesink name=sink", 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pkt_test_get_uint (p, "sink", "packets"), ==, 3);
  /* 250 ms between packets: at least one heartbeat in each gap */
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "heartbeats"), >=, 2);
}

static void
collect_ts (PktAppSink *sink, PktBufferList *list, GArray *ts)
{
  for (guint i = 0; i < list->n_packets; i++)
    g_array_append_val (ts, list->packets[i].ts_ns);
}

/* rate paces the source and spaces synthetic (or wall-clock) timestamps. */
static void
check_rate (gboolean live)
{
  g_autofree char *desc = g_strdup_printf (
      "testsrc rate=1000 num-packets=100 is-live=%s ! appsink name=out emit-signals=true",
      live ? "true" : "false");
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  g_autoptr (GArray) ts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (pkt_bin_get_by_name (PKT_BIN (p), "out"), "new-batch", G_CALLBACK (collect_ts),
                    ts);
  gint64 wall0 = g_get_real_time () * 1000, t0 = g_get_monotonic_time ();
  g_assert_true (pkt_test_run_pipeline (p, 10000, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 95000); /* 100 packets at 1000 pps */
  g_assert_cmpuint (ts->len, ==, 100);
  for (guint i = 1; i < ts->len; i++)
    g_assert_cmpint (g_array_index (ts, gint64, i) - g_array_index (ts, gint64, i - 1), ==,
                     1000000);
  gint64 first = g_array_index (ts, gint64, 0);
  if (live)
    g_assert_cmpint (ABS (first - wall0), <, 5 * G_GINT64_CONSTANT (1000000000));
  else
    g_assert_cmpint (first, ==, G_GINT64_CONSTANT (1704110400) * 1000000000);
}

static void
test_testsrc_rate (void)
{
  check_rate (FALSE);
  check_rate (TRUE);
}

/* ---- tee, funnel, queue, balance ----------------------------------------------------- */

#define TCP_SRC "testsrc protocol=tcp flows=16 num-packets=20000 ipv6-ratio=0.25 size-mix=imix"

static void
test_tee (void)
{
  Capture *ref = reference (TCP_SRC);
  const char *sinks[] = { "a", "b", "c", NULL };
  Capture *caps[3];
  g_autoptr (PktElement) p
      = run_capture (TCP_SRC " ! tee name=t  t. ! appsink name=a  t. ! queue ! appsink name=b "
                             " t. ! identity ! sample n=1 ! appsink name=c",
                     sinks, caps);
  for (guint i = 0; i < 3; i++) {
    assert_same_sequence (caps[i], ref);
    capture_free (caps[i]);
  }
  g_assert_cmpuint (pkt_test_get_uint (p, "t", "packets"), ==, 20000);
  capture_free (ref);
}

static void
test_funnel (void)
{
  const char *s1 = "testsrc protocol=tcp flows=8 num-packets=7000 seed=1";
  const char *s2 = "testsrc protocol=tcp flows=5 num-packets=5000 seed=2 port=10 ipv6-ratio=1";
  const char *s3 = "testsrc flows=3 num-packets=3000 size-mix=imix";
  Capture *refs[3] = { reference (s1), reference (s2), reference (s3) };
  g_autofree char *desc = g_strdup_printf (
      "funnel name=f ! appsink name=out  %s ! f.  %s ! queue ! f.sink_5  %s ! f.", s1, s2, s3);
  const char *sinks[] = { "out", NULL };
  Capture *got[1];
  g_autoptr (PktElement) p = run_capture (desc, sinks, got);
  g_assert_cmpuint (got[0]->recs->len, ==, 15000);
  assert_same_per_flow (got, 1, refs, 3);
  g_assert_cmpuint (pkt_test_get_uint (p, "f", "packets"), ==, 15000);
  capture_free (got[0]);
  for (guint i = 0; i < 3; i++)
    capture_free (refs[i]);
}

static void
test_queue_order (void)
{
  Capture *ref = reference (TCP_SRC " batch-size=100");
  const char *sinks[] = { "out", NULL };
  Capture *got[1];
  g_autoptr (PktElement) p = run_capture (
      TCP_SRC " batch-size=100 ! queue name=q max-size-batches=3 ! identity sleep-us=20 ! "
              "queue max-size-packets=300 max-size-batches=0 ! appsink name=out",
      sinks, got);
  assert_same_sequence (got[0], ref);
  g_assert_cmpuint (pkt_test_get_uint (p, "q", "dropped-packets"), ==, 0);
  g_assert_cmpuint (pkt_test_get_uint (p, "q", "packets"), ==, 20000);
  g_assert_cmpuint (pkt_test_get_uint (p, "q", "current-level-packets"), ==, 0);
  capture_free (got[0]);
  capture_free (ref);
}

static PktBufferList *
numbered_batch (guint batch_no, guint n)
{
  GBytes *frames[64];
  for (guint i = 0; i < n; i++) {
    guint8 f[64] = { 0 };
    f[12] = 0x88, f[13] = 0xb5; /* local experimental ethertype */
    guint32 id = batch_no * 1000 + i;
    memcpy (f + 14, &id, 4);
    frames[i] = g_bytes_new (f, sizeof f);
  }
  PktBufferList *l = pkt_buffer_list_new_from_frames (frames, n, batch_no);
  for (guint i = 0; i < n; i++)
    g_bytes_unref (frames[i]);
  return l;
}

/* appsrc ! queue leaky=X max-size-batches=2 ! appsink max-batches=1 that
 * nobody drains until all N batches were pushed: what the queue reports as
 * dropped is exactly what never arrives. */
static void
check_leaky (const char *leaky)
{
  const guint N = 40, PER = 10;
  g_autofree char *desc = g_strdup_printf (
      "appsrc name=src ! queue name=q leaky=%s max-size-batches=2 ! appsink name=out max-batches=1",
      leaky);
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  PktAppSrc *src = PKT_APP_SRC (pkt_bin_get_by_name (PKT_BIN (p), "src"));
  PktAppSink *out = PKT_APP_SINK (pkt_bin_get_by_name (PKT_BIN (p), "out"));
  g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, &error));
  for (guint b = 0; b < N; b++)
    g_assert_true (pkt_app_src_push_list (src, numbered_batch (b, PER)));
  pkt_app_src_end_of_stream (src);
  /* leaky: let appsrc hand everything to the queue, which fills and then drops
   * (with leaky=no it blocks until we drain) */
  if (strcmp (leaky, "no") != 0) {
    while (pkt_app_src_get_queued_packets (src) > 0)
      g_usleep (1000);
    g_usleep (50000);
  }
  guint delivered = 0, last = 0;
  gboolean first = TRUE;
  PktBufferList *l;
  while ((l = pkt_app_sink_pull (out, 20 * G_USEC_PER_SEC))) {
    g_assert_cmpuint (l->n_packets, ==, PER);
    guint32 id;
    memcpy (&id, l->packets[0].data + 14, 4);
    g_assert_true (first || id / 1000 > last); /* in order */
    first = FALSE;
    last = id / 1000;
    delivered++;
    pkt_buffer_list_unref (l);
  }
  g_assert_true (pkt_app_sink_is_eos (out));
  guint64 dropped_b = pkt_test_get_uint (p, "q", "dropped-batches");
  guint64 dropped_p = pkt_test_get_uint (p, "q", "dropped-packets");
  g_assert_cmpuint (dropped_b, ==, N - delivered);
  g_assert_cmpuint (dropped_p, ==, (N - delivered) * PER);
  g_assert_cmpuint (pkt_test_get_uint (p, "q", "packets") + dropped_p, ==, N * PER);
  if (strcmp (leaky, "no") == 0)
    g_assert_cmpuint (delivered, ==, N);
  else
    g_assert_cmpuint (dropped_b, >=, N - 5);
  if (strcmp (leaky, "downstream") == 0)
    g_assert_cmpuint (last, ==, N - 1); /* the newest survive */
  pkt_element_set_state (p, PKT_STATE_NULL, NULL);
}

static void
test_queue_leaky_no (void)
{
  check_leaky ("no");
}

static void
test_queue_leaky_upstream (void)
{
  check_leaky ("upstream");
}

static void
test_queue_leaky_downstream (void)
{
  check_leaky ("downstream");
}

/* Stopping never deadlocks, even with a full queue and a sink nobody drains. */
static void
test_queue_stop_blocked (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_parse_launch (
      "testsrc ! queue name=q max-size-batches=2 ! appsink name=out max-batches=1", &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  for (int round = 0; round < 3; round++) {
    g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, &error));
    /* wait (bounded) until the queue is full and everything upstream blocks */
    for (int i = 0; i < 500 && pkt_test_get_uint (p, "q", "current-level-batches") < 2; i++)
      g_usleep (10000);
    g_usleep (20000);
    g_assert_cmpuint (pkt_test_get_uint (p, "q", "current-level-batches"), ==, 2);
    gint64 t0 = g_get_monotonic_time ();
    pkt_element_set_state (p, PKT_STATE_NULL, NULL);
    g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  }
}

static void
check_balance (const char *mode)
{
  Capture *ref = reference (TCP_SRC);
  g_autofree char *desc
      = g_strdup_printf (TCP_SRC " ! balance name=b mode=%s  b.src_0 ! queue ! appsink name=o0 "
                                 " b.src_1 ! queue ! appsink name=o1  b.src_2 ! appsink name=o2",
                         mode);
  const char *sinks[] = { "o0", "o1", "o2", NULL };
  Capture *caps[3];
  g_autoptr (PktElement) p G_GNUC_UNUSED = run_capture (desc, sinks, caps);
  guint total = 0;
  for (guint i = 0; i < 3; i++) {
    total += caps[i]->recs->len;
    g_assert_cmpuint (caps[i]->recs->len, >, 0);
  }
  g_assert_cmpuint (total, ==, 20000);
  if (strcmp (mode, "hash") == 0) {
    /* every flow, both directions, on exactly one branch, complete and in order */
    g_autoptr (GHashTable) owner = g_hash_table_new (g_int64_hash, g_int64_equal);
    for (guint i = 0; i < 3; i++)
      for (guint j = 0; j < caps[i]->recs->len; j++) {
        Rec *r = &g_array_index (caps[i]->recs, Rec, j);
        gpointer o = g_hash_table_lookup (owner, &r->flow);
        if (o)
          g_assert_cmpuint (GPOINTER_TO_UINT (o), ==, i + 1);
        else
          g_hash_table_insert (owner, &r->flow, GUINT_TO_POINTER (i + 1));
      }
    g_assert_cmpuint (g_hash_table_size (owner), ==, 16);
    assert_same_per_flow (caps, 3, &ref, 1);
  } else {
    /* per packet in turn: packet k of the stream is on branch k % 3 */
    for (guint k = 0; k < ref->recs->len; k++) {
      Capture *c = caps[k % 3];
      g_assert_cmphex (g_array_index (c->recs, Rec, k / 3).frame, ==,
                       g_array_index (ref->recs, Rec, k).frame);
    }
  }
  for (guint i = 0; i < 3; i++)
    capture_free (caps[i]);
  capture_free (ref);
}

static void
test_balance_hash (void)
{
  check_balance ("hash");
}

static void
test_balance_round_robin (void)
{
  check_balance ("round-robin");
}

/* ---- sample ------------------------------------------------------------------------- */

static void
test_sample_count (void)
{
  Capture *ref = reference ("testsrc protocol=tcp flows=7 num-packets=1000 batch-size=33");
  const char *sinks[] = { "out", NULL };
  Capture *got[1];
  g_autoptr (PktElement) p = run_capture (
      "testsrc protocol=tcp flows=7 num-packets=1000 batch-size=33 ! sample name=s n=10 ! "
      "appsink name=out",
      sinks, got);
  g_assert_cmpuint (pkt_test_get_uint (p, "s", "passed"), ==, 100);
  g_assert_cmpuint (pkt_test_get_uint (p, "s", "dropped"), ==, 900);
  g_assert_cmpuint (got[0]->recs->len, ==, 100);
  for (guint i = 0; i < 100; i++) /* exactly packets 0, 10, 20, … across batch boundaries */
    g_assert_cmphex (g_array_index (got[0]->recs, Rec, i).frame, ==,
                     g_array_index (ref->recs, Rec, i * 10).frame);
  capture_free (got[0]);
  capture_free (ref);
}

static void
test_sample_probability (void)
{
  g_autoptr (GError) error = NULL;
  const char *d = "testsrc num-packets=100000 ! sample name=s mode=probability probability=0.25 "
                  "seed=3 ! fakesink name=f";
  g_autoptr (PktElement) a = pkt_test_run (d, 30000, &error);
  g_assert_no_error (error);
  g_autoptr (PktElement) b = pkt_test_run (d, 30000, &error);
  g_assert_no_error (error);
  guint64 passed = pkt_test_get_uint (a, "s", "passed");
  g_assert_cmpuint (passed + pkt_test_get_uint (a, "s", "dropped"), ==, 100000);
  g_assert_cmpuint (pkt_test_get_uint (a, "f", "packets"), ==, passed);
  /* binomial: 25000 ± 5 sigma (sigma = 137) */
  g_assert_cmpuint (passed, >, 25000 - 685);
  g_assert_cmpuint (passed, <, 25000 + 685);
  g_assert_cmpuint (pkt_test_get_uint (b, "s", "passed"), ==, passed); /* seeded */
}

/* ---- appsrc / appsink ---------------------------------------------------------------- */

static void
test_app_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p
      = pkt_parse_launch ("appsrc name=src ! identity ! appsink name=out max-batches=0", &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  PktAppSrc *src = PKT_APP_SRC (pkt_bin_get_by_name (PKT_BIN (p), "src"));
  PktAppSink *out = PKT_APP_SINK (pkt_bin_get_by_name (PKT_BIN (p), "out"));
  GRand *rand = g_rand_new_with_seed (42);
  GPtrArray *sent = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, &error));
  for (guint i = 0; i < 1000; i++) {
    gsize len = g_rand_int_range (rand, 14, 1515);
    guint8 *buf = g_malloc (len);
    for (gsize j = 0; j < len; j++)
      buf[j] = g_rand_int (rand);
    GBytes *b = g_bytes_new_take (buf, len);
    g_ptr_array_add (sent, b);
    if (i % 2)
      g_assert_true (pkt_app_src_push_frame (src, b, 1000 + i));
    else { /* the action signal bindings use */
      gboolean queued = FALSE;
      g_signal_emit_by_name (src, "push-frame", b, &queued);
      g_assert_true (queued);
    }
  }
  g_signal_emit_by_name (src, "end-of-stream");
  guint i = 0;
  PktBufferList *l;
  while ((l = pkt_app_sink_pull (out, 20 * G_USEC_PER_SEC))) {
    for (guint k = 0; k < l->n_packets; k++, i++) {
      g_autoptr (GBytes) got = pkt_buffer_list_get_packet_bytes (l, k);
      g_assert_true (g_bytes_equal (got, sent->pdata[i]));
      if (i % 2)
        g_assert_cmpint (l->packets[k].ts_ns, ==, 1000 + i);
      else
        g_assert_cmpint (l->packets[k].ts_ns, >, G_GINT64_CONSTANT (1600000000) * 1000000000);
    }
    pkt_buffer_list_unref (l);
  }
  g_assert_cmpuint (i, ==, 1000);
  g_assert_true (pkt_app_sink_is_eos (out));
  pkt_element_set_state (p, PKT_STATE_NULL, NULL);
  g_ptr_array_unref (sent);
  g_rand_free (rand);
}

static void
test_appsrc_drop_when_full (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p
      = pkt_parse_launch ("appsrc name=src max-packets=5 block=false ! fakesink name=f", &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  PktAppSrc *src = PKT_APP_SRC (pkt_bin_get_by_name (PKT_BIN (p), "src"));
  guint8 f[60] = { 0 };
  guint ok = 0;
  for (guint i = 0; i < 8; i++) /* not playing yet: 5 fit, 3 are dropped */
    ok += pkt_app_src_push_data (src, f, sizeof f, -1);
  g_assert_cmpuint (ok, ==, 5);
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "dropped-packets"), ==, 3);
  pkt_app_src_end_of_stream (src);
  g_assert_true (pkt_test_run_pipeline (p, 5000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pkt_test_get_uint (p, "f", "packets"), ==, 5);
}

static void
test_appsink_drop (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_test_run (
      "testsrc num-packets=10000 batch-size=100 ! appsink name=out max-batches=7 drop=true", 10000,
      &error);
  g_assert_no_error (error);
  PktAppSink *out = PKT_APP_SINK (pkt_bin_get_by_name (PKT_BIN (p), "out"));
  g_assert_cmpuint (pkt_app_sink_get_queued_batches (out), ==, 7);
  g_assert_cmpuint (pkt_test_get_uint (p, "out", "dropped-batches"), ==, 93);
  g_assert_cmpuint (pkt_test_get_uint (p, "out", "dropped-packets"), ==, 9300);
}

/* ---- fakesink -------------------------------------------------------------------------- */

static void
on_handoff (PktElement *sink, PktBufferList *list, guint64 *n)
{
  *n += list->n_packets;
}

static void
test_fakesink_counts_handoff (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_parse_launch (
      "testsrc num-packets=1000 batch-size=64 packet-size=100 ! fakesink name=f", &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  guint64 n = 0;
  g_signal_connect (pkt_bin_get_by_name (PKT_BIN (p), "f"), "handoff", G_CALLBACK (on_handoff), &n);
  g_assert_true (pkt_test_run_pipeline (p, 10000, &error));
  g_assert_cmpuint (n, ==, 1000);
  g_assert_cmpuint (pkt_test_get_uint (p, "f", "packets"), ==, 1000);
  g_assert_cmpuint (pkt_test_get_uint (p, "f", "bytes"), ==, 100000);
  g_assert_cmpuint (pkt_test_get_uint (p, "f", "batches"), ==, 16);
}

static void
test_fakesink_dump (void)
{
  if (g_test_subprocess ()) {
    g_autoptr (GError) error = NULL;
    g_autoptr (PktElement) p G_GNUC_UNUSED
        = pkt_test_run ("testsrc num-packets=2 flows=2 ! fakesink dump=true   "
                        "testsrc protocol=tcp num-packets=4 ipv6-ratio=1 ! fakesink dump=true",
                        10000, &error);
    g_assert_no_error (error);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*12:00:00.000000 IP 10.128.0.1.* > 10.0.0.1.9: UDP len 22\n*");
  g_test_trap_assert_stdout ("*12:00:00.000001 IP 10.128.0.2.* > 10.0.0.2.9: UDP len 22\n*");
  g_test_trap_assert_stdout (
      "*12:00:00.000000 IP6 fd00:0:0:1::1.* > fd00:0:0:2::1.9: TCP len 0\n*");
  g_test_trap_assert_stdout (
      "*12:00:00.000003 IP6 fd00:0:0:1::1.* > fd00:0:0:2::1.9: TCP len 1\n*");
}

/* ---- leases -------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *lists; /* this thread's batches to drop */
  GMutex *start_lock;
  GCond *start_cond;
  gboolean *go;
} DropJob;

static gint release_count;

static void
count_release (PktLease *lease, gpointer data)
{
  g_atomic_int_inc (&release_count);
  g_free (lease);
}

static gpointer
drop_thread (gpointer data)
{
  DropJob *job = data;
  g_mutex_lock (job->start_lock);
  while (!*job->go)
    g_cond_wait (job->start_cond, job->start_lock);
  g_mutex_unlock (job->start_lock);
  for (guint i = 0; i < job->lists->len; i++)
    pkt_buffer_list_unref (job->lists->pdata[i]);
  return NULL;
}

/* 8 threads drop references (via buffer lists, copies and bare lease refs)
 * at once: the release runs exactly once per lease, every round. */
static void
test_lease_release_once (void)
{
  for (guint round = 0; round < 200; round++) {
    g_atomic_int_set (&release_count, 0);
    PktLease *leases[4];
    DropJob jobs[8];
    GMutex lock;
    GCond cond;
    gboolean go = FALSE;
    g_mutex_init (&lock);
    g_cond_init (&cond);
    for (guint j = 0; j < 8; j++)
      jobs[j] = (DropJob){ g_ptr_array_new (), &lock, &cond, &go };
    for (guint k = 0; k < 4; k++) {
      leases[k] = pkt_lease_new (count_release, NULL);
      for (guint j = 0; j < 8; j++)
        for (guint m = 0; m < 16; m++) {
          PktBufferList *l = pkt_buffer_list_new (0);
          pkt_buffer_list_set_lease (l, leases[k]);
          g_ptr_array_add (jobs[j].lists,
                           m % 2 ? pkt_buffer_list_copy (l) : pkt_buffer_list_ref (l));
          pkt_buffer_list_unref (l);
        }
      pkt_lease_unref (leases[k]); /* only the lists hold it now */
    }
    GThread *threads[8];
    for (guint j = 0; j < 8; j++)
      threads[j] = g_thread_new ("drop", drop_thread, &jobs[j]);
    g_mutex_lock (&lock);
    go = TRUE;
    g_cond_broadcast (&cond);
    g_mutex_unlock (&lock);
    for (guint j = 0; j < 8; j++) {
      g_thread_join (threads[j]);
      g_ptr_array_unref (jobs[j].lists);
    }
    g_assert_cmpint (g_atomic_int_get (&release_count), ==, 4);
    g_mutex_clear (&lock);
    g_cond_clear (&cond);
  }
}

/* testsrc's stream-mode frame chunks return once, from the sink threads. */
static void
test_testsrc_stream_leases (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_test_run (
      "testsrc protocol=tcp flows=1000 frame-mode=stream num-packets=200000 ! balance name=b "
      "b.src_0 ! queue ! fakesink name=f0  b.src_1 ! queue ! fakesink name=f1  "
      "b.src_2 ! queue ! fakesink name=f2  b.src_3 ! queue ! fakesink name=f3",
      30000, &error);
  g_assert_no_error (error);
  guint64 total = 0;
  for (guint i = 0; i < 4; i++) {
    g_autofree char *n = g_strdup_printf ("f%u", i);
    total += pkt_test_get_uint (p, n, "packets");
  }
  g_assert_cmpuint (total, ==, 200000);
}

static void
test_registered (void)
{
  const char *names[] = { "testsrc", "fakesink", "fakerecordsink", "identity", "queue",  "tee",
                          "funnel",  "balance",  "sample",         "appsrc",   "appsink" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    PktElementFactory *f = pkt_element_factory_find (names[i]);
    g_assert_nonnull (f);
    g_assert_nonnull (pkt_element_factory_get_description (f));
  }
}

/* fakerecordsink takes record pads only: linking packets to it fails. */
static void
test_fakerecordsink_kind (void)
{
  g_autoptr (PktElement) e = pkt_element_factory_make ("fakerecordsink", NULL, NULL);
  g_assert_nonnull (e);
  g_object_ref_sink (e);
  g_assert_cmpint (pkt_pad_get_kind (pkt_sink_get_sink_pad (PKT_SINK (e))), ==,
                   PKT_PAD_KIND_RECORDS);
  g_autoptr (GError) error = NULL;
  PktElement *p = pkt_parse_launch ("testsrc ! fakerecordsink", &error);
  g_assert_null (p);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "records"));
}

static void
test_queue_unbounded_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) p = pkt_test_run (
      "testsrc num-packets=1 ! queue name=q max-size-batches=0 max-size-packets=0 ! fakesink", 5000,
      &error);
  g_assert_null (p);
  g_assert_error (error, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_assert_nonnull (strstr (error->message, "q"));
  g_assert_nonnull (strstr (error->message, "max-size-batches"));
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  g_test_add_func ("/basic/registered", test_registered);
  g_test_add_func ("/basic/testsrc/udp-valid", test_testsrc_udp_valid);
  g_test_add_func ("/basic/testsrc/tcp-valid", test_testsrc_tcp_valid);
  g_test_add_func ("/basic/testsrc/modes-identical", test_testsrc_modes_identical);
  g_test_add_func ("/basic/testsrc/many-flows", test_testsrc_many_flows);
  g_test_add_func ("/basic/testsrc/tshark", test_testsrc_tshark);
  g_test_add_func ("/basic/testsrc/deterministic", test_testsrc_deterministic);
  g_test_add_func ("/basic/testsrc/live-heartbeat", test_testsrc_live_heartbeat);
  g_test_add_func ("/basic/testsrc/rate", test_testsrc_rate);
  g_test_add_func ("/basic/testsrc/stream-leases", test_testsrc_stream_leases);
  g_test_add_func ("/basic/tee", test_tee);
  g_test_add_func ("/basic/funnel", test_funnel);
  g_test_add_func ("/basic/queue/order", test_queue_order);
  g_test_add_func ("/basic/queue/leaky-no", test_queue_leaky_no);
  g_test_add_func ("/basic/queue/leaky-upstream", test_queue_leaky_upstream);
  g_test_add_func ("/basic/queue/leaky-downstream", test_queue_leaky_downstream);
  g_test_add_func ("/basic/queue/stop-blocked", test_queue_stop_blocked);
  g_test_add_func ("/basic/queue/unbounded-refused", test_queue_unbounded_refused);
  g_test_add_func ("/basic/balance/hash", test_balance_hash);
  g_test_add_func ("/basic/balance/round-robin", test_balance_round_robin);
  g_test_add_func ("/basic/sample/count", test_sample_count);
  g_test_add_func ("/basic/sample/probability", test_sample_probability);
  g_test_add_func ("/basic/app/round-trip", test_app_round_trip);
  g_test_add_func ("/basic/app/appsrc-drop", test_appsrc_drop_when_full);
  g_test_add_func ("/basic/app/appsink-drop", test_appsink_drop);
  g_test_add_func ("/basic/fakesink/counts-handoff", test_fakesink_counts_handoff);
  g_test_add_func ("/basic/fakesink/dump", test_fakesink_dump);
  g_test_add_func ("/basic/fakerecordsink/kind", test_fakerecordsink_kind);
  g_test_add_func ("/basic/lease/release-once", test_lease_release_once);
  return g_test_run ();
}
