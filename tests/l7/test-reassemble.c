/* pktpipe — tcpreassemble on crafted segment sequences: out of order,
 * overlapping (first copy wins), retransmitted, wrapping past 2^32, and a
 * flood of holes against the buffer caps.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-test-util.h"
#include <pktpipe/pkt-app.h>
#include <string.h>

typedef struct {
  guint32 seq;
  guint8 flags; /* TCP flags */
  guint dir;    /* 0: client → server */
  guint16 cport;
  GBytes *payload;
} Seg;

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define PSH 0x08
#define RST 0x04

static GBytes *
frame (const Seg *s)
{
  gsize plen = s->payload ? g_bytes_get_size (s->payload) : 0;
  gsize n = 14 + 20 + 20 + plen;
  guint8 *f = g_malloc0 (n);
  static const guint8 mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
  memcpy (f, s->dir ? mac_a : mac_b, 6);
  memcpy (f + 6, s->dir ? mac_b : mac_a, 6);
  f[12] = 0x08;
  guint8 *ip = f + 14;
  ip[0] = 0x45;
  ip[2] = (20 + 20 + plen) >> 8, ip[3] = (20 + 20 + plen);
  ip[8] = 64;
  ip[9] = 6;
  guint8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
  memcpy (ip + 12, s->dir ? b : a, 4);
  memcpy (ip + 16, s->dir ? a : b, 4);
  guint8 *tcp = ip + 20;
  guint16 cp = s->cport ? s->cport : 40000, sp = 80;
  guint16 src = s->dir ? sp : cp, dst = s->dir ? cp : sp;
  tcp[0] = src >> 8, tcp[1] = src, tcp[2] = dst >> 8, tcp[3] = dst;
  tcp[4] = s->seq >> 24, tcp[5] = s->seq >> 16, tcp[6] = s->seq >> 8, tcp[7] = s->seq;
  tcp[12] = 5 << 4;
  tcp[13] = s->flags;
  tcp[14] = 0xff, tcp[15] = 0xff;
  if (plen)
    memcpy (tcp + 20, g_bytes_get_data (s->payload, NULL), plen);
  return g_bytes_new_take (f, n);
}

typedef struct {
  GByteArray *stream[2]; /* per (client port, dir): payload bytes delivered, in order */
  guint packets, gap_flags, gap_flag_first_offset;
  GArray *gap_offsets; /* stream offset (dir 0) of packets flagged GAP */
} Result;

typedef struct {
  GHashTable *streams; /* "port/dir" -> GByteArray */
  GHashTable *gaps;    /* "port/dir" -> GArray of offsets where a GAP-flagged packet begins */
  PktElement *pipeline;
  guint packets;
} Run;

static void
run_free (Run *r)
{
  g_hash_table_unref (r->streams);
  g_hash_table_unref (r->gaps);
  g_object_unref (r->pipeline);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
collect (Run *r, const PktPacket *p)
{
  const guint8 *ip = p->data + 14;
  const guint8 *tcp = ip + 20;
  guint plen = p->caplen - 54;
  guint16 sport = tcp[0] << 8 | tcp[1], dport = tcp[2] << 8 | tcp[3];
  guint dir = sport == 80;
  g_autofree char *key = g_strdup_printf ("%u/%u", dir ? dport : sport, dir);
  GByteArray *s = g_hash_table_lookup (r->streams, key);
  if (!s) {
    s = g_byte_array_new ();
    g_hash_table_insert (r->streams, g_strdup (key), s);
    g_hash_table_insert (r->gaps, g_strdup (key), g_array_new (FALSE, FALSE, sizeof (guint)));
  }
  if (p->flags & PKT_PACKET_FLAG_GAP) {
    guint off = s->len;
    g_array_append_val ((GArray *)g_hash_table_lookup (r->gaps, key), off);
  }
  /* the IP total length must agree with what the descriptor carries, or be
   * longer (a tail cut in place) */
  guint total = ip[2] << 8 | ip[3];
  g_assert_cmpuint (total, >=, 40 + plen);
  g_byte_array_append (s, tcp + 20, plen);
  r->packets++;
}

static Run *
run (const char *props, GPtrArray *segs)
{
  g_autofree char *desc = g_strdup_printf (
      "appsrc name=src ! flowtrack ! tcpreassemble name=r %s ! appsink name=sink", props);
  g_autoptr (GError) error = NULL;
  Run *r = g_new0 (Run, 1);
  r->streams
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_byte_array_unref);
  r->gaps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  r->pipeline = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (r->pipeline);
  PktElement *src = pkt_bin_get_by_name (PKT_BIN (r->pipeline), "src");
  PktElement *sink = pkt_bin_get_by_name (PKT_BIN (r->pipeline), "sink");
  g_assert_true (pkt_element_set_state (r->pipeline, PKT_STATE_PLAYING, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < segs->len; i++) {
    g_autoptr (GBytes) f = frame (segs->pdata[i]);
    g_assert_true (pkt_app_src_push_frame (PKT_APP_SRC (src), f, (gint64)(i + 1) * 1000000));
  }
  pkt_app_src_end_of_stream (PKT_APP_SRC (src));
  for (;;) {
    PktBufferList *list = pkt_app_sink_pull (PKT_APP_SINK (sink), 200000);
    if (!list) {
      if (pkt_app_sink_is_eos (PKT_APP_SINK (sink)))
        break;
      continue;
    }
    for (guint i = 0; i < list->n_packets; i++)
      collect (r, &list->packets[i]);
    pkt_buffer_list_unref (list);
  }
  g_assert_true (pkt_element_set_state (r->pipeline, PKT_STATE_NULL, &error));
  g_object_unref (src);
  g_object_unref (sink);
  return r;
}

static GByteArray *
stream_of (Run *r, guint16 port, guint dir)
{
  g_autofree char *key = g_strdup_printf ("%u/%u", port, dir);
  GByteArray *s = g_hash_table_lookup (r->streams, key);
  g_assert_nonnull (s);
  return s;
}

static GArray *
gaps_of (Run *r, guint16 port, guint dir)
{
  g_autofree char *key = g_strdup_printf ("%u/%u", port, dir);
  return g_hash_table_lookup (r->gaps, key);
}

static void
assert_stream (Run *r, guint16 port, guint dir, const char *want)
{
  GByteArray *s = stream_of (r, port, dir);
  g_autofree char *got = g_strndup ((const char *)s->data, s->len);
  g_assert_cmpstr (got, ==, want);
}

static guint64
stat (Run *r, const char *name)
{
  return pkt_test_get_uint (r->pipeline, "r", name);
}

static Seg *
seg (guint dir, guint32 seq, guint8 flags, const char *data)
{
  Seg *s = g_new0 (Seg, 1);
  s->dir = dir;
  s->seq = seq;
  s->flags = flags;
  if (data)
    s->payload = g_bytes_new (data, strlen (data));
  return s;
}

static void
seg_free (gpointer p)
{
  Seg *s = p;
  if (s->payload)
    g_bytes_unref (s->payload);
  g_free (s);
}

static GPtrArray *
handshake (guint32 cisn, guint32 sisn)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (seg_free);
  g_ptr_array_add (a, seg (0, cisn, SYN, NULL));
  g_ptr_array_add (a, seg (1, sisn, SYN | ACK, NULL));
  g_ptr_array_add (a, seg (0, cisn + 1, ACK, NULL));
  return a;
}

/* Segments in the order 3 1 2 5 4 come out as one ordered stream. */
static void
test_out_of_order (void)
{
  g_autoptr (GPtrArray) a = handshake (1000, 5000);
  guint32 b = 1001;
  g_ptr_array_add (a, seg (0, b + 8, ACK, "CCCC"));
  g_ptr_array_add (a, seg (0, b + 0, ACK, "AAAA"));
  g_ptr_array_add (a, seg (0, b + 4, ACK, "BBBB"));
  g_ptr_array_add (a, seg (0, b + 16, ACK, "EEEE"));
  g_ptr_array_add (a, seg (1, 5001, ACK | PSH, "response"));
  g_ptr_array_add (a, seg (0, b + 12, ACK, "DDDD"));
  g_autoptr (Run) r = run ("", a);
  assert_stream (r, 40000, 0, "AAAABBBBCCCCDDDDEEEE");
  assert_stream (r, 40000, 1, "response");
  g_assert_cmpuint (stat (r, "out-of-order"), ==, 2);
  g_assert_cmpuint (stat (r, "gaps"), ==, 0);
  g_assert_cmpuint (stat (r, "held-bytes"), ==, 0);
  g_assert_cmpuint (stat (r, "held-peak"), >, 0);
  g_assert_cmpuint (gaps_of (r, 40000, 0)->len, ==, 0);
}

/* Overlaps keep the first copy of every byte (different contents make the
 * winner visible); whole repeats are dropped. */
static void
test_overlap_first_wins (void)
{
  g_autoptr (GPtrArray) a = handshake (1, 100);
  guint32 b = 2;
  g_ptr_array_add (a, seg (0, b, ACK, "aaaaaaaaaa"));       /* [0,10) */
  g_ptr_array_add (a, seg (0, b + 5, ACK, "XXXXXbbbbb"));   /* [5,15): front overlap */
  g_ptr_array_add (a, seg (0, b, ACK, "ZZZZZZZZZZ"));       /* a pure retransmission */
  g_ptr_array_add (a, seg (0, b + 20, ACK, "cccccccccc"));  /* [20,30) held */
  g_ptr_array_add (a, seg (0, b + 25, ACK, "YYYYYddddd"));  /* [25,35): overlaps the held one */
  g_ptr_array_add (a, seg (0, b + 15, ACK, "eeeeeQQQQQ"));  /* [15,25): fills, tail repeats */
  g_ptr_array_add (a, seg (0, b + 12, ACK, "WWWffffffff")); /* [12,23) nothing new */
  g_ptr_array_add (a, seg (0, b + 34, ACK, "Rgg"));         /* [34,37) */
  g_autoptr (Run) r = run ("", a);
  assert_stream (r, 40000, 0, "aaaaaaaaaabbbbbeeeeeccccccccccdddddgg");
  g_assert_cmpuint (stat (r, "retransmissions"), ==, 2);
  g_assert_cmpuint (stat (r, "overlaps"), ==, 4);
  g_assert_cmpuint (stat (r, "gaps"), ==, 0);
}

/* Sequence numbers wrap past 2^32 in the middle of reordering. */
static void
test_wraparound (void)
{
  guint32 isn = G_MAXUINT32 - 6; /* data starts at 2^32 - 6 */
  g_autoptr (GPtrArray) a = handshake (isn, 7);
  guint32 b = isn + 1;
  g_ptr_array_add (a, seg (0, b + 8, ACK, "3333")); /* wrapped: seq 2 */
  g_ptr_array_add (a, seg (0, b, ACK, "1111"));     /* 2^32 - 6 */
  g_ptr_array_add (a, seg (0, b + 2, ACK, "XX22")); /* overlap across… */
  g_ptr_array_add (a, seg (0, b + 4, ACK, "2222")); /* …the wrap */
  g_ptr_array_add (a, seg (0, b + 12, ACK | FIN, "44"));
  g_ptr_array_add (a, seg (0, b + 12, ACK | FIN, "44")); /* a repeated FIN segment */
  g_autoptr (Run) r = run ("", a);
  assert_stream (r, 40000, 0, "11112222333344");
  g_assert_cmpuint (stat (r, "gaps"), ==, 0);
  g_assert_cmpuint (stat (r, "retransmissions"), ==, 1);
}

/* A hole that never fills is skipped at the end of the stream: the packet
 * after it carries the GAP flag and the missing bytes are counted. */
static void
test_gap_at_eos (void)
{
  g_autoptr (GPtrArray) a = handshake (10, 20);
  g_ptr_array_add (a, seg (0, 11, ACK, "head"));
  g_ptr_array_add (a, seg (0, 11 + 4 + 100, ACK, "tail"));
  g_autoptr (Run) r = run ("", a);
  assert_stream (r, 40000, 0, "headtail");
  g_assert_cmpuint (stat (r, "gaps"), ==, 1);
  g_assert_cmpuint (stat (r, "gap-bytes"), ==, 100);
  g_assert_cmpuint (stat (r, "bytes-dropped-at-caps"), ==, 0);
  GArray *g = gaps_of (r, 40000, 0);
  g_assert_cmpuint (g->len, ==, 1);
  g_assert_cmpuint (g_array_index (g, guint, 0), ==, 4);
}

/* A hole still open hole-timeout after holding began (packet time) is
 * skipped: the bytes that fill it later are too late and are dropped. With
 * no timeout they would have closed it. */
static void
test_hole_timeout (void)
{
  for (guint with_timeout = 0; with_timeout < 2; with_timeout++) {
    g_autoptr (GPtrArray) a = handshake (10, 20);
    g_ptr_array_add (a, seg (0, 11, ACK, "head"));
    g_ptr_array_add (a, seg (0, 11 + 8, ACK, "tail"));
    for (guint i = 0; i < 10; i++) /* time passes: 1 ms per packet */
      g_ptr_array_add (a, seg (1, 21, ACK, NULL));
    g_ptr_array_add (a, seg (0, 11 + 4, ACK, "fill"));
    g_autoptr (Run) r = run (with_timeout ? "hole-timeout=5ms" : "hole-timeout=0", a);
    assert_stream (r, 40000, 0, with_timeout ? "headtail" : "headfilltail");
    g_assert_cmpuint (stat (r, "gaps"), ==, with_timeout);
    g_assert_cmpuint (stat (r, "retransmissions"), ==, with_timeout);
  }
}

/* Random segmentation, duplication and reordering within a window: the
 * delivered stream is the original, byte for byte. */
static void
test_random_shuffle (void)
{
  GRand *rnd = g_rand_new_with_seed (4242);
  for (guint round = 0; round < 20; round++) {
    guint32 isn = g_rand_int (rnd);
    g_autoptr (GPtrArray) a = handshake (isn, 1);
    GString *want = g_string_new (NULL);
    for (guint i = 0; i < 3000; i++)
      g_string_append_c (want, 'a' + g_rand_int_range (rnd, 0, 26));
    GPtrArray *pieces = g_ptr_array_new ();
    for (guint off = 0; off < want->len;) {
      guint n = g_rand_int_range (rnd, 1, 120);
      n = MIN (n, want->len - off);
      /* sometimes overlap the previous piece (same bytes: a resend) */
      guint back = off > 10 && g_rand_boolean (rnd) ? g_rand_int_range (rnd, 0, 10) : 0;
      g_autofree char *d = g_strndup (want->str + off - back, n + back);
      g_ptr_array_add (pieces, seg (0, isn + 1 + off - back, ACK, d));
      if (g_rand_int_range (rnd, 0, 10) == 0)
        g_ptr_array_add (pieces, seg (0, isn + 1 + off - back, ACK, d));
      off += n;
    }
    /* reorder within a sliding window of 8 */
    for (guint i = 0; i + 1 < pieces->len; i++) {
      guint j = i + g_rand_int_range (rnd, 0, MIN (8, pieces->len - i));
      gpointer t = pieces->pdata[i];
      pieces->pdata[i] = pieces->pdata[j];
      pieces->pdata[j] = t;
    }
    for (guint i = 0; i < pieces->len; i++)
      g_ptr_array_add (a, pieces->pdata[i]);
    g_ptr_array_free (pieces, TRUE);
    g_autoptr (Run) r = run ("", a);
    GByteArray *s = stream_of (r, 40000, 0);
    g_assert_cmpuint (s->len, ==, want->len);
    g_assert_true (memcmp (s->data, want->str, want->len) == 0);
    g_assert_cmpuint (stat (r, "gaps"), ==, 0);
    g_assert_cmpuint (stat (r, "held-bytes"), ==, 0);
    g_string_free (want, TRUE);
  }
  g_rand_free (rnd);
}

/* A flood of holes on many flows: held memory never passes the caps, holes
 * are skipped (counted, flagged) and every byte that was sent and not in a
 * hole comes out, in order. */
static void
test_caps_hold (void)
{
  const guint flows = 40, segs_per_flow = 60, seglen = 100;
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (seg_free);
  for (guint f = 0; f < flows; f++) {
    Seg *s = seg (0, 1000, SYN, NULL);
    s->cport = 30000 + f;
    g_ptr_array_add (a, s);
  }
  char data[101];
  /* every flow: byte 0..99 missing, then segments 1..n, interleaved across flows */
  for (guint i = 1; i <= segs_per_flow; i++) {
    for (guint f = 0; f < flows; f++) {
      memset (data, 'A' + (i % 26), seglen);
      data[seglen] = 0;
      Seg *s = seg (0, 1001 + i * seglen, ACK, data);
      s->cport = 30000 + f;
      g_ptr_array_add (a, s);
    }
  }
  g_autoptr (Run) r = run ("max-buffer-per-flow=4096 max-buffer-total=32768", a);
  guint64 peak = stat (r, "held-peak");
  g_test_message ("held-peak %" G_GUINT64_FORMAT " gaps %" G_GUINT64_FORMAT
                  " dropped-at-caps %" G_GUINT64_FORMAT,
                  peak, stat (r, "gaps"), stat (r, "bytes-dropped-at-caps"));
  g_assert_cmpuint (peak, <=, 32768);
  g_assert_cmpuint (peak, >, 16384); /* it did hold, up to the total cap */
  g_assert_cmpuint (stat (r, "held-bytes"), ==, 0);
  g_assert_cmpuint (stat (r, "gaps"), ==, flows);
  g_assert_cmpuint (stat (r, "gap-bytes"), ==, flows * seglen);
  g_assert_cmpuint (stat (r, "bytes-dropped-at-caps"), >, 0);
  for (guint f = 0; f < flows; f++) {
    GByteArray *s = stream_of (r, 30000 + f, 0);
    g_assert_cmpuint (s->len, ==, segs_per_flow * seglen);
    for (guint i = 1; i <= segs_per_flow; i++)
      g_assert_cmpint (s->data[(i - 1) * seglen], ==, 'A' + (i % 26));
    GArray *g = gaps_of (r, 30000 + f, 0);
    g_assert_cmpuint (g->len, ==, 1);
    g_assert_cmpuint (g_array_index (g, guint, 0), ==, 0);
  }
}

static void
test_settings_checked (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (PktElement) p G_GNUC_UNUSED
      = pkt_test_run ("testsrc num-packets=1 ! tcpreassemble name=r "
                      "max-buffer-per-flow=1MiB max-buffer-total=64k ! "
                      "fakesink",
                      5000, &err);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "max-buffer-per-flow"));
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  g_test_add_func ("/l7/reassemble/out-of-order", test_out_of_order);
  g_test_add_func ("/l7/reassemble/overlap-first-wins", test_overlap_first_wins);
  g_test_add_func ("/l7/reassemble/wraparound", test_wraparound);
  g_test_add_func ("/l7/reassemble/gap-at-eos", test_gap_at_eos);
  g_test_add_func ("/l7/reassemble/hole-timeout", test_hole_timeout);
  g_test_add_func ("/l7/reassemble/random-shuffle", test_random_shuffle);
  g_test_add_func ("/l7/reassemble/caps-hold", test_caps_hold);
  g_test_add_func ("/l7/reassemble/settings-checked", test_settings_checked);
  return g_test_run ();
}
