/* Tests of IP fragment reassembly: the engine (elements/decap/defrag.c) on
 * crafted IPv4 and IPv6 fragments, and the `ipdefrag` element on a real
 * capture (Zeek's GTP trace with fragmented outer IPv4) against tshark.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "defrag.h"
#include "pkt-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define PAYLOAD 3000

static guint8 payload[PAYLOAD];

static guint16
csum (const guint8 *p, guint n)
{
  guint32 s = 0;
  for (guint i = 0; i < n; i += 2)
    s += (guint32)p[i] << 8 | p[i + 1];
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (guint16)~s;
}

/* Ethernet + IPv4 fragment of @payload[off, off+len) of datagram @id */
static GByteArray *
v4_fragment (guint16 id, guint off, guint len, gboolean more)
{
  GByteArray *f = g_byte_array_new ();
  guint8 eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
  guint8 ip[20] = { 0x45, 0, 0, 0, id >> 8, id, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
  guint tot = 20 + len, fo = off / 8 | (more ? 0x2000 : 0);
  ip[2] = tot >> 8, ip[3] = tot, ip[6] = fo >> 8, ip[7] = fo;
  guint16 c = csum (ip, 20);
  ip[10] = c >> 8, ip[11] = c;
  g_byte_array_append (f, eth, 14);
  g_byte_array_append (f, ip, 20);
  g_byte_array_append (f, payload + off, len);
  return f;
}

/* Ethernet + IPv6 + a destination-options header + fragment header */
static GByteArray *
v6_fragment (guint32 id, guint off, guint len, gboolean more)
{
  GByteArray *f = g_byte_array_new ();
  guint8 eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd };
  guint8 ip[40] = { 0x60, 0, 0, 0, 0, 0, 60, 64 };
  ip[8] = 0xfd, ip[23] = 1, ip[24] = 0xfd, ip[39] = 2;
  guint8 dst[8] = { 44, 0, 1, 4, 0, 0, 0, 0 }; /* next: fragment; PadN */
  guint fo = off | (more ? 1 : 0);
  guint8 fh[8] = { 17, 0, fo >> 8, fo, id >> 24, id >> 16, id >> 8, id };
  guint plen = 8 + 8 + len;
  ip[4] = plen >> 8, ip[5] = plen;
  g_byte_array_append (f, eth, 14);
  g_byte_array_append (f, ip, 40);
  g_byte_array_append (f, dst, 8);
  g_byte_array_append (f, fh, 8);
  g_byte_array_append (f, payload + off, len);
  return f;
}

typedef struct {
  guint off, len;
  gboolean more;
} Piece;

/* Feeds the pieces in order; returns the one completed frame (or NULL). */
static guint8 *
feed (PktDefrag *d, gboolean v6, guint32 id, const Piece *pieces, guint n, gsize *out_len,
      gint64 ts_step)
{
  guint8 *done = NULL;
  for (guint i = 0; i < n; i++) {
    g_autoptr (GByteArray) f = v6 ? v6_fragment (id, pieces[i].off, pieces[i].len, pieces[i].more)
                                  : v4_fragment (id, pieces[i].off, pieces[i].len, pieces[i].more);
    PktPacket p;
    pkt_packet_init (&p, f->data, f->len, f->len, (gint64)i * ts_step, PKT_LINK_ETHERNET);
    pkt_packet_parse (&p);
    guint8 *frame = NULL;
    gsize len = 0;
    PktDefragResult r = pkt_defrag_push (d, &p, &frame, &len);
    if (r == PKT_DEFRAG_DONE) {
      g_assert_null (done);
      g_assert_cmpuint (i, ==, n - 1); /* completes on the last missing piece */
      done = frame;
      *out_len = len;
    } else {
      g_assert_cmpint (r, ==, PKT_DEFRAG_HELD);
    }
  }
  return done;
}

static void
check_v4 (const guint8 *frame, gsize len)
{
  g_assert_cmpuint (len, ==, 14 + 20 + PAYLOAD);
  const guint8 *ip = frame + 14;
  g_assert_cmpuint ((guint)ip[2] << 8 | ip[3], ==, 20 + PAYLOAD);
  g_assert_cmpuint (ip[6] & 0x3f, ==, 0); /* no MF, no offset */
  g_assert_cmpuint (ip[7], ==, 0);
  g_assert_cmpuint (csum (ip, 20), ==, 0); /* valid header checksum */
  g_assert_true (memcmp (ip + 20, payload, PAYLOAD) == 0);
  /* and the result parses as a whole UDP datagram */
  PktPacket p;
  pkt_packet_init (&p, frame, (guint32)len, (guint32)len, 0, PKT_LINK_ETHERNET);
  g_assert_true (pkt_packet_parse (&p));
  g_assert_false (p.flags & PKT_PACKET_FLAG_FRAGMENT);
  g_assert_cmpuint (p.l4_off, ==, 34);
}

static void
test_v4_orders (void)
{
  const Piece in_order[] = { { 0, 1480, TRUE }, { 1480, 1480, TRUE }, { 2960, 40, FALSE } };
  const Piece reversed[] = { { 2960, 40, FALSE }, { 1480, 1480, TRUE }, { 0, 1480, TRUE } };
  const Piece middle_last[] = { { 2960, 40, FALSE }, { 0, 1480, TRUE }, { 1480, 1480, TRUE } };
  const Piece *orders[] = { in_order, reversed, middle_last };
  for (guint k = 0; k < 3; k++) {
    PktDefrag *d = pkt_defrag_new (16, 0, 30 * G_GINT64_CONSTANT (1000000000));
    gsize len = 0;
    g_autofree guint8 *frame = feed (d, FALSE, 7 + k, orders[k], 3, &len, 1000);
    g_assert_nonnull (frame);
    check_v4 (frame, len);
    const PktDefragStats *s = pkt_defrag_get_stats (d);
    g_assert_cmpuint (s->fragments, ==, 3);
    g_assert_cmpuint (s->reassembled, ==, 1);
    g_assert_cmpuint (pkt_defrag_get_pending (d), ==, 0);
    pkt_defrag_free (d);
  }
}

/* Overlapping and duplicate fragments: the bytes seen first win (the
 * overlapping piece carries other bytes; the result has the originals). */
static void
test_v4_overlap_first_wins (void)
{
  PktDefrag *d = pkt_defrag_new (16, 0, 30 * G_GINT64_CONSTANT (1000000000));
  guint8 saved[PAYLOAD];
  memcpy (saved, payload, PAYLOAD);
  const Piece first[] = { { 0, 1480, TRUE } };
  gsize len = 0;
  g_assert_null (feed (d, FALSE, 99, first, 1, &len, 1));
  /* same range again, then an overlapping piece, both with other bytes */
  memset (payload, 0xee, PAYLOAD);
  const Piece dup[] = { { 0, 1480, TRUE }, { 1472, 1488, TRUE } };
  g_assert_null (feed (d, FALSE, 99, dup, 2, &len, 1));
  memcpy (payload, saved, PAYLOAD);
  const Piece rest[] = { { 2960, 40, FALSE } };
  g_autofree guint8 *frame = feed (d, FALSE, 99, rest, 1, &len, 1);
  g_assert_nonnull (frame);
  /* bytes 1480..1487 came from the overlapping piece (first to bring them) */
  g_assert_cmpuint (frame[34 + 1480], ==, 0xee);
  g_assert_true (memcmp (frame + 34, saved, 1480) == 0);
  g_assert_cmpuint (pkt_defrag_get_stats (d)->overlaps, ==, 2);
  pkt_defrag_free (d);
}

static void
test_v6 (void)
{
  PktDefrag *d = pkt_defrag_new (16, 0, 30 * G_GINT64_CONSTANT (1000000000));
  const Piece pieces[] = { { 1448, 1448, TRUE }, { 2896, 104, FALSE }, { 0, 1448, TRUE } };
  gsize len = 0;
  g_autofree guint8 *frame = feed (d, TRUE, 0x01020304, pieces, 3, &len, 1);
  g_assert_nonnull (frame);
  /* the fragment header is gone; the destination options now lead to UDP */
  g_assert_cmpuint (len, ==, 14 + 40 + 8 + PAYLOAD);
  const guint8 *ip = frame + 14;
  g_assert_cmpuint ((guint)ip[4] << 8 | ip[5], ==, 8 + PAYLOAD);
  g_assert_cmpuint (ip[6], ==, 60);
  g_assert_cmpuint (ip[40], ==, 17);
  g_assert_true (memcmp (ip + 48, payload, PAYLOAD) == 0);
  PktPacket p;
  pkt_packet_init (&p, frame, (guint32)len, (guint32)len, 0, PKT_LINK_ETHERNET);
  g_assert_true (pkt_packet_parse (&p));
  g_assert_cmpuint (p.l4_proto, ==, 17);
  g_assert_cmpuint (p.l4_off, ==, 14 + 48);
  pkt_defrag_free (d);
}

/* Incomplete datagrams: dropped at the timeout (packet time) or at
 * max-datagrams, every fragment counted lost; impossible fragments refused. */
static void
test_limits_and_errors (void)
{
  PktDefrag *d = pkt_defrag_new (2, 0, 1000);
  const Piece one[] = { { 0, 1480, TRUE } };
  gsize len = 0;
  for (guint id = 1; id <= 3; id++) /* the third evicts the first */
    g_assert_null (feed (d, FALSE, id, one, 1, &len, 1));
  const PktDefragStats *s = pkt_defrag_get_stats (d);
  g_assert_cmpuint (s->evicted, ==, 1);
  g_assert_cmpuint (s->lost_fragments, ==, 1);
  g_assert_cmpuint (pkt_defrag_get_pending (d), ==, 2);
  pkt_defrag_expire (d, 999);
  g_assert_cmpuint (pkt_defrag_get_pending (d), ==, 2);
  pkt_defrag_expire (d, 1000);
  g_assert_cmpuint (s->timeouts, ==, 2);
  g_assert_cmpuint (s->lost_fragments, ==, 3);
  g_assert_cmpuint (pkt_defrag_get_pending (d), ==, 0);

  /* a middle fragment whose length is not a multiple of 8; a fragment
   * reaching past 65535 bytes; a last fragment that contradicts the end */
  struct {
    guint off, len;
    gboolean more;
  } bad[] = { { 0, 1001, TRUE }, { 65528, 100, FALSE } };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GByteArray) f = v4_fragment (50, 0, MIN (bad[i].len, PAYLOAD), bad[i].more);
    /* patch the offset in (payload copy above starts at 0) */
    guint fo = bad[i].off / 8 | (bad[i].more ? 0x2000 : 0);
    f->data[14 + 6] = fo >> 8, f->data[14 + 7] = fo;
    PktPacket p;
    pkt_packet_init (&p, f->data, f->len, f->len, 0, PKT_LINK_ETHERNET);
    pkt_packet_parse (&p);
    guint8 *frame = NULL;
    g_assert_cmpint (pkt_defrag_push (d, &p, &frame, &len), ==, PKT_DEFRAG_MALFORMED);
  }
  const Piece a[] = { { 0, 1480, TRUE }, { 1480, 1480, TRUE } };
  g_assert_null (feed (d, FALSE, 60, a, 2, &len, 1));
  g_autoptr (GByteArray) f = v4_fragment (60, 1480, 40, FALSE); /* ends before 2960 */
  PktPacket p;
  pkt_packet_init (&p, f->data, f->len, f->len, 0, PKT_LINK_ETHERNET);
  pkt_packet_parse (&p);
  guint8 *frame = NULL;
  g_assert_cmpint (pkt_defrag_push (d, &p, &frame, &len), ==, PKT_DEFRAG_MALFORMED);
  g_assert_cmpuint (s->malformed, ==, 3);

  /* not a fragment: passed */
  g_autoptr (GByteArray) whole = v4_fragment (61, 0, 100, FALSE);
  pkt_packet_init (&p, whole->data, whole->len, whole->len, 0, PKT_LINK_ETHERNET);
  pkt_packet_parse (&p);
  g_assert_cmpint (pkt_defrag_push (d, &p, &frame, &len), ==, PKT_DEFRAG_PASS);
  pkt_defrag_free (d);
}

static guint
count_lines (const char *s)
{
  guint n = 0;
  for (; s && *s; s++)
    n += *s == '\n';
  return n;
}

/* pcapsrc ! ipdefrag ! pcapsink on Zeek's GTP trace with fragmented outer
 * IPv4: as many packets as tshark shows after its own reassembly, none of
 * them a fragment of a completed datagram, every IPv4 header checksum
 * valid, and the counters add up. */
static void
test_element_on_capture (void)
{
  g_autofree char *in
      = pkt_test_testdata_path ("pcaps/zeek-gtp1-gn-normal-incl-fragmentation.pcap");
  if (!in || !pkt_test_require_program ("tshark"))
    return;
  g_autofree char *dir = g_dir_make_tmp ("pktdefrag-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.pcap", NULL);
  g_autofree char *desc = g_strdup_printf (
      "pcapsrc name=src location=%s ! ipdefrag name=d ! pcapsink name=sink location=%s", in, out);
  g_autoptr (GError) err = NULL;
  g_autoptr (PktElement) p = pkt_test_run (desc, 30000, &err);
  g_assert_no_error (err);
  guint64 read = pkt_test_get_uint (p, "src", "packets");
  guint64 frags = pkt_test_get_uint (p, "d", "fragments");
  guint64 done = pkt_test_get_uint (p, "d", "reassembled");
  guint64 lost = pkt_test_get_uint (p, "d", "lost-fragments");
  guint64 written = pkt_test_get_uint (p, "sink", "packets");
  g_assert_cmpuint (frags, >, 0);
  g_assert_cmpuint (done, >, 0);
  /* nothing vanishes unaccounted: each fragment went into a datagram
   * passed on, or into one counted lost */
  g_assert_cmpuint (written, ==, read - frags + done);
  g_assert_cmpuint (pkt_test_get_uint (p, "d", "pending"), ==, 0);
  g_test_message ("%" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
                  " fragments -> %" G_GUINT64_FORMAT " datagrams, %" G_GUINT64_FORMAT
                  " fragments of incomplete ones",
                  read, frags, done, lost);

  /* tshark's own reassembly of the input completes as many datagrams */
  int status = 0;
  const char *ts_in[] = {
    "tshark", "-n", "-r", in, "-o", "ip.defragment:TRUE", "-Y", "ip.reassembled.length", NULL
  };
  g_autofree char *t_in = pkt_test_spawn (ts_in, &status, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (count_lines (t_in), ==, done);
  /* our output: no fragment left (MF clear, offset 0), every IPv4 header
   * checksum good (tshark: 1 = good) */
  const char *ts_out[] = { "tshark", "-n",
                           "-r",     out,
                           "-o",     "ip.check_checksum:TRUE",
                           "-T",     "fields",
                           "-e",     "ip.checksum.status",
                           "-e",     "ip.flags.mf",
                           "-e",     "ip.frag_offset",
                           "-Y",     "ip",
                           NULL };
  g_autofree char *t_out = pkt_test_spawn (ts_out, &status, &err);
  g_assert_no_error (err);
  g_auto (GStrv) lines = g_strsplit (t_out, "\n", -1);
  guint n = 0;
  for (guint i = 0; lines[i]; i++) {
    if (!*lines[i])
      continue;
    n++;
    /* the outer header decides; inner headers (GTP payload) follow, comma-separated */
    g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
    g_assert_cmpuint (g_strv_length (f), ==, 3);
    g_assert_true (g_str_has_prefix (f[0], "1"));
    g_assert_true (g_str_has_prefix (f[1], "0") || g_str_has_prefix (f[1], "False"));
    g_assert_true (g_str_has_prefix (f[2], "0"));
  }
  g_assert_cmpuint (n, ==, written);
  g_unlink (out);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  for (guint i = 0; i < PAYLOAD; i++)
    payload[i] = (guint8)(i * 7 + 3);
  g_test_add_func ("/defrag/v4/orders", test_v4_orders);
  g_test_add_func ("/defrag/v4/overlap-first-wins", test_v4_overlap_first_wins);
  g_test_add_func ("/defrag/v6/dest-options-and-fragment", test_v6);
  g_test_add_func ("/defrag/limits-and-errors", test_limits_and_errors);
  g_test_add_func ("/defrag/element/gtp-capture", test_element_on_capture);
  return g_test_run ();
}
