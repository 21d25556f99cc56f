/* pktpipe — afpacketsrc / afpacketsink over veth pairs in namespaces the test
 * creates and removes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "afpacket-test-common.h"

#include <glib/gstdio.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Value of an enum property type of the afpacket plugin, by nick. The
 * types exist once the element classes do. */
static int
enum_nick (const char *type_name, const char *nick)
{
  static const char *const factories[] = { "afpacketsrc", "afpacketsink" };
  for (guint i = 0; i < G_N_ELEMENTS (factories); i++) {
    PktElementFactory *fac = pkt_element_factory_find (factories[i]);
    g_assert_nonnull (fac);
    g_type_class_unref (g_type_class_ref (pkt_element_factory_get_element_type (fac)));
  }
  GEnumClass *ec = g_type_class_ref (g_type_from_name (type_name));
  GEnumValue *v = g_enum_get_value_by_nick (ec, nick);
  g_assert_nonnull (v);
  int value = v->value;
  g_type_class_unref (ec);
  return value;
}

typedef struct {
  PktTestNetns *ns;
  guint32 ip_a, ip_b;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!pkt_test_require_root ())
    return;
  f->ns = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  f->ip_a = test_ip (f->ns->ip_a);
  f->ip_b = test_ip (f->ns->ip_b);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->ns, pkt_test_netns_free);
}

/* N frames of varied length (60..1514), flows over ports 1000..1009. */
static GPtrArray *
make_frames (Fixture *f, guint n, guint32 seq0)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint i = 0; i < n; i++) {
    guint32 seq = seq0 + i;
    g_ptr_array_add (frames, test_udp_frame (seq, f->ns->mac_a, f->ip_a, f->ip_b, 40000 + seq % 7,
                                             1000 + seq % 10, 60 + (seq * 97) % 1455));
  }
  return frames;
}

typedef struct {
  TestCollect *collect;
  PktElement *src;
  guint64 expected;
} CountWait;

static gboolean
all_accounted (gpointer data)
{
  CountWait *w = data;
  return test_collect_count (w->collect) + test_get_u64 (w->src, "kernel-drops") >= w->expected;
}

static PktElement *
rx_pipeline (Fixture *f, PktElement **src, TestCollect **collect, const char *first_prop, ...)
{
  g_autoptr (GError) error = NULL;
  PktElement *s = test_make ("afpacketsrc", "src", "iface", f->ns->if_b, "netns", f->ns->ns_b,
                             "block-size", 65536, "block-count", 16, "block-timeout", 10, NULL);
  PktElement *c = test_collect_new ();
  PktElement *pipeline;
  va_list ap;

  va_start (ap, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (s), first_prop, ap);
  va_end (ap);
  pipeline = test_pipeline_chain (s, c, NULL);
  pkt_element_set_state (pipeline, PKT_STATE_PLAYING, &error);
  g_assert_no_error (error);
  *src = s;
  *collect = TEST_COLLECT (c);
  return pipeline;
}

static void
stop (PktElement *pipeline)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_NULL, &error));
  g_assert_no_error (error);
}

/* ---- byte-exact round trip -------------------------------------------------------- */

static void
test_roundtrip (Fixture *f, gconstpointer data)
{
  const guint n = 3000;
  g_autoptr (GPtrArray) frames = NULL;
  PktElement *src;
  TestCollect *collect;
  g_autoptr (PktElement) rx = NULL;
  guint64 sent, drops;
  guint got, j = 0;

  if (!f->ns)
    return;
  frames = make_frames (f, n, 0);
  rx = rx_pipeline (f, &src, &collect, NULL);
  sent = test_send_frames (f->ns->ns_a, f->ns->if_a, frames);
  g_assert_cmpuint (sent, ==, n);
  CountWait w = { collect, src, n };
  g_assert_true (test_wait_until (all_accounted, &w, 5000));
  g_usleep (50000); /* nothing more may come */
  drops = test_get_u64 (src, "kernel-drops");
  got = test_collect_count (collect);
  g_assert_cmpuint (got + drops, ==, sent);
  g_assert_cmpuint (test_get_u64 (src, "packets"), ==, got);
  /* in order and byte-identical (a dropped frame is simply absent) */
  for (guint i = 0; i < got; i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    gint64 seq = test_frame_seq (p->bytes);
    g_assert_cmpint (seq, >=, j);
    j = (guint)seq;
    g_assert_true (g_bytes_equal (p->bytes, frames->pdata[j]));
    g_assert_cmpint (p->linktype, ==, PKT_LINK_ETHERNET);
    g_assert_cmpint (p->direction, ==, PKT_DIR_IN);
    g_assert_cmpuint (p->ifindex, >, 0);
    g_assert_cmpint (p->ts_ns, >, G_GINT64_CONSTANT (1600000000) * 1000000000);
    j++;
  }
  g_assert_cmpuint (test_get_u64 (src, "bytes"), >, 0);
  g_assert_cmpuint (test_get_u64 (src, "blocks"), >, 0);
  g_test_message ("sent %" G_GUINT64_FORMAT " received %u kernel drops %" G_GUINT64_FORMAT, sent,
                  got, drops);
  stop (rx);
}

/* ---- filter, compared with tcpdump -r --------------------------------------------- */

static GArray *
tcpdump_select (GPtrArray *frames, const char *expr)
{
  g_autofree char *dir = g_dir_make_tmp ("pktafp-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "frames.pcap", NULL);
  g_autoptr (GError) error = NULL;
  GArray *seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  int status = -1;
  const char *argv[] = { "tcpdump", "-nn", "-r", path, "-x", "-q", expr, NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;

  test_write_pcap (path, frames);
  out = pkt_test_spawn (argv, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  /* the IP id (offset 0x0004 of the hex dump) holds seq & 0xffff; the
   * frames are few enough to be unique by it */
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *l = g_strstrip (lines[i]);
    if (g_str_has_prefix (l, "0x0000:")) {
      unsigned a, b, c;
      if (sscanf (l, "0x0000: %4x %4x %4x", &a, &b, &c) == 3) {
        gint64 s = c;
        g_array_append_val (seqs, s);
      }
    }
  }
  g_unlink (path);
  g_rmdir (dir);
  return seqs;
}

static gboolean
count_at_least (gpointer data)
{
  CountWait *w = data;
  return test_collect_count (w->collect) >= w->expected;
}

static void
test_filter (Fixture *f, gconstpointer data)
{
  const char *expr = "udp dst port 1003 or (udp dst port 1005 and len > 700)";
  const guint n = 400;
  g_autoptr (GPtrArray) frames = NULL;
  g_autoptr (GArray) want = NULL;
  g_autoptr (PktElement) rx = NULL;
  PktElement *src;
  TestCollect *collect;

  if (!f->ns || !pkt_test_require_program ("tcpdump"))
    return;
  frames = make_frames (f, n, 0);
  want = tcpdump_select (frames, expr);
  g_assert_cmpuint (want->len, >, 10);
  g_assert_cmpuint (want->len, <, n / 4);

  rx = rx_pipeline (f, &src, &collect, "filter", expr, NULL);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames), ==, n);
  CountWait w = { collect, src, want->len };
  test_wait_until (count_at_least, &w, 3000);
  g_usleep (100000);
  g_assert_cmpuint (test_get_u64 (src, "kernel-drops"), ==, 0);
  g_assert_cmpuint (test_collect_count (collect), ==, want->len);
  for (guint i = 0; i < want->len; i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    g_assert_cmpint (test_frame_seq (p->bytes), ==, g_array_index (want, gint64, i));
  }

  /* live swap: only port 1007 from now on */
  g_object_set (src, "filter", "udp dst port 1007", NULL);
  g_autoptr (GPtrArray) frames2 = make_frames (f, n, 1000);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames2), ==, n);
  w.expected = want->len + n / 10;
  g_assert_true (test_wait_until (count_at_least, &w, 3000));
  g_usleep (100000);
  g_assert_cmpuint (test_collect_count (collect), ==, want->len + n / 10);
  for (guint i = want->len; i < collect->packets->len; i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    gsize len;
    const guint8 *d = g_bytes_get_data (p->bytes, &len);
    g_assert_cmpuint ((guint)(d[36] << 8 | d[37]), ==, 1007);
    g_assert_cmpint (test_frame_seq (p->bytes), >=, 1000);
  }
  /* a bad expression while playing: warning, old filter kept */
  g_object_set (src, "filter", "udp dst port", NULL);
  g_autofree char *cur = NULL;
  g_object_get (src, "filter", &cur, NULL);
  g_assert_cmpstr (cur, ==, "udp dst port 1007");
  stop (rx);
}

/* ---- errors at READY ------------------------------------------------------------- */

static GError *
ready_error (PktElement *src)
{
  GError *error = NULL;
  g_object_ref_sink (src);
  g_assert_false (pkt_element_set_state (src, PKT_STATE_READY, &error));
  g_assert_nonnull (error);
  pkt_element_set_state (src, PKT_STATE_NULL, NULL);
  g_object_unref (src);
  g_test_message ("%s", error->message);
  return error;
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  GError *e;

  if (!f->ns)
    return;
  e = ready_error (test_make ("afpacketsrc", NULL, "iface", f->ns->if_b, "netns", f->ns->ns_b,
                              "filter", "udp port and", NULL));
  g_assert_error (e, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_assert_nonnull (strstr (e->message, "udp port and"));
  g_assert_nonnull (strstr (e->message, "syntax error"));
  g_assert_nonnull (strstr (e->message, f->ns->if_b));
  g_error_free (e);

  e = ready_error (
      test_make ("afpacketsrc", NULL, "iface", "pktnosuch0", "netns", f->ns->ns_b, NULL));
  g_assert_error (e, PKT_ERROR, PKT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (e->message, "pktnosuch0"));
  g_error_free (e);

  e = ready_error (
      test_make ("afpacketsrc", NULL, "iface", f->ns->if_b, "netns", "pkt-no-such-ns", NULL));
  g_assert_error (e, PKT_ERROR, PKT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (e->message, "pkt-no-such-ns"));
  g_error_free (e);

  e = ready_error (test_make ("afpacketsrc", NULL, "iface", f->ns->if_b, "netns", f->ns->ns_b,
                              "block-size", 5000, NULL));
  g_assert_error (e, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_assert_nonnull (strstr (e->message, "page size"));
  g_error_free (e);

  e = ready_error (test_make ("afpacketsrc", NULL, "iface", f->ns->if_b, "netns", f->ns->ns_b,
                              "block-size", 4096, "frame-size", 8192, NULL));
  g_assert_error (e, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_assert_nonnull (strstr (e->message, "smaller than frame-size"));
  g_error_free (e);

  e = ready_error (test_make ("afpacketsink", NULL, "iface", "any", NULL));
  g_assert_error (e, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_error_free (e);
}

/* ---- fanout ------------------------------------------------------------------------ */

static void
fanout_run (Fixture *f, const char *mode, guint n_sockets, GPtrArray *frames, GPtrArray **out_sets)
{
  g_autoptr (GPtrArray) pipes = g_ptr_array_new_with_free_func (g_object_unref);
  PktElement *srcs[8];
  TestCollect *cols[8];
  guint64 total = 0, drops = 0;
  int mode_val = enum_nick ("PktAfpacketFanout", mode);

  for (guint i = 0; i < n_sockets; i++)
    g_ptr_array_add (
        pipes, rx_pipeline (f, &srcs[i], &cols[i], "fanout", mode_val, "fanout-group", 4242, NULL));
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames), ==, frames->len);
  for (int t = 0; t < 300; t++) {
    total = drops = 0;
    for (guint i = 0; i < n_sockets; i++) {
      total += test_collect_count (cols[i]);
      drops += test_get_u64 (srcs[i], "kernel-drops");
    }
    if (total + drops >= frames->len)
      break;
    g_usleep (10000);
  }
  g_usleep (50000);
  g_assert_cmpuint (drops, ==, 0);
  /* every frame exactly once, across the group */
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  total = 0;
  for (guint i = 0; i < n_sockets; i++) {
    GPtrArray *set = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
    for (guint k = 0; k < cols[i]->packets->len; k++) {
      GBytes *b = g_array_index (cols[i]->packets, TestPacket, k).bytes;
      gint64 seq = test_frame_seq (b);
      g_assert_cmpint (seq, >=, 0);
      g_assert_false (g_hash_table_contains (seen, GINT_TO_POINTER (seq + 1)));
      g_hash_table_add (seen, GINT_TO_POINTER (seq + 1));
      g_ptr_array_add (set, g_bytes_ref (b));
    }
    total += cols[i]->packets->len;
    g_test_message ("fanout=%s socket %u: %u packets", mode, i, cols[i]->packets->len);
    out_sets[i] = set;
  }
  g_assert_cmpuint (total, ==, frames->len);
  for (guint i = 0; i < n_sockets; i++)
    stop (pipes->pdata[i]);
}

static void
test_fanout (Fixture *f, gconstpointer data)
{
  const char *mode = data;
  g_autoptr (GPtrArray) frames = NULL;
  GPtrArray *sets[3];
  guint used = 0;

  if (!f->ns)
    return;
  frames = make_frames (f, 600, 0);
  fanout_run (f, mode, 3, frames, sets);
  for (guint i = 0; i < 3; i++) {
    used += sets[i]->len > 0;
    g_ptr_array_unref (sets[i]);
  }
  if (g_str_equal (mode, "lb"))
    g_assert_cmpuint (used, ==, 3);
}

/* Both directions of 24 flows: each flow's two directions on one socket. */
static void
test_fanout_symmetric (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  GPtrArray *sets[3];
  g_autoptr (GHashTable) flow_socket = g_hash_table_new (NULL, NULL);
  guint32 seq = 0;
  guint used = 0;

  if (!f->ns)
    return;
  for (guint rep = 0; rep < 4; rep++)
    for (guint flow = 0; flow < 24; flow++) {
      guint32 x = 0x0a630000u + flow * 3 + 1, y = 0x0a640000u + flow * 5 + 2;
      guint16 px = (guint16)(20000 + flow * 11), py = (guint16)(443 + flow);
      g_ptr_array_add (frames, test_udp_frame (seq++, f->ns->mac_a, x, y, px, py, 100));
      g_ptr_array_add (frames, test_udp_frame (seq++, f->ns->mac_a, y, x, py, px, 100));
    }
  fanout_run (f, "symmetric", 3, frames, sets);
  for (guint i = 0; i < 3; i++) {
    used += sets[i]->len > 0;
    for (guint k = 0; k < sets[i]->len; k++) {
      guint flow = (guint)(test_frame_seq (sets[i]->pdata[k]) / 2) % 24;
      gpointer prev;
      if (g_hash_table_lookup_extended (flow_socket, GUINT_TO_POINTER (flow + 1), NULL, &prev))
        g_assert_cmpuint (GPOINTER_TO_UINT (prev), ==, i + 1);
      else
        g_hash_table_insert (flow_socket, GUINT_TO_POINTER (flow + 1), GUINT_TO_POINTER (i + 1));
    }
    g_ptr_array_unref (sets[i]);
  }
  g_assert_cmpuint (g_hash_table_size (flow_socket), ==, 24);
  g_assert_cmpuint (used, >=, 2); /* the hash really spreads */
}

static gboolean
none_borrowed (gpointer src)
{
  return test_get_u64 (src, "borrowed-blocks") == 0;
}

/* ---- held batches: zero copy, ring not reused while borrowed ---------------------- */

static void
test_held (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (GPtrArray) frames = NULL, frames2 = NULL, snapshot = NULL;
  PktElement *src;
  TestCollect *collect;
  guint held_packets;

  if (!f->ns)
    return;
  /* 8 blocks of 16 KiB: ~8 frames of ~1 KiB per block; 2 may be borrowed */
  rx = rx_pipeline (f, &src, &collect, "block-size", 16384, "block-count", 8, "max-borrowed-blocks",
                    2, NULL);
  g_mutex_lock (&collect->lock);
  collect->hold = TRUE;
  g_mutex_unlock (&collect->lock);

  frames = make_frames (f, 600, 0);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames), ==, 600);
  g_usleep (300000);
  /* a stalled consumer: blocks 3.. were copied, and when the copy pool ran
   * out the kernel dropped (and counted) the rest; nothing crashed */
  g_assert_cmpuint (test_get_u64 (src, "copied-blocks"), >, 0);
  g_assert_cmpuint (test_get_u64 (src, "borrowed-blocks"), ==, 2);
  g_assert_cmpuint (test_get_u64 (src, "kernel-drops"), >, 0);

  /* while downstream holds the newest block, TPACKET_V3 poll() reports
   * POLLIN forever: the source must not spin on it */
  struct rusage ru0, ru1;
  getrusage (RUSAGE_SELF, &ru0);
  g_usleep (300000);
  getrusage (RUSAGE_SELF, &ru1);
  gint64 cpu_us
      = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec)
            * G_USEC_PER_SEC
        + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec)
        + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
  g_test_message ("CPU while stalled: %" G_GINT64_FORMAT " us in 300 ms", cpu_us);
  g_assert_cmpint (cpu_us, <, 150000);

  /* the held lists still point at intact bytes, although 600 frames
   * passed through a ring that holds ~64 */
  g_mutex_lock (&collect->lock);
  held_packets = 0;
  for (guint i = 0; i < collect->held->len; i++) {
    PktBufferList *l = collect->held->pdata[i];
    for (guint k = 0; k < l->n_packets; k++) {
      GBytes *copy = g_array_index (collect->packets, TestPacket, held_packets + k).bytes;
      g_assert_cmpmem (l->packets[k].data, l->packets[k].caplen, g_bytes_get_data (copy, NULL),
                       g_bytes_get_size (copy));
      gint64 seq = test_frame_seq (copy);
      g_assert_true (g_bytes_equal (copy, frames->pdata[seq]));
    }
    held_packets += l->n_packets;
  }
  g_assert_cmpuint (held_packets, ==, collect->packets->len);
  g_mutex_unlock (&collect->lock);

  /* release: the blocks go back and capture resumes */
  guint before = test_collect_count (collect);
  guint64 blocks_before = test_get_u64 (src, "blocks");
  test_collect_release (collect);
  g_assert_true (test_wait_until (none_borrowed, src, 2000));
  /* paced (20 kpps: 10 ms), so that the small ring never overflows and
   * every new frame must arrive through reused blocks */
  frames2 = make_frames (f, 200, 5000);
  g_usleep (50000);
  guint64 drops_before = test_get_u64 (src, "kernel-drops");
  gint64 t0 = g_get_monotonic_time ();
  g_assert_cmpuint (test_send_frames_rate (f->ns->ns_a, f->ns->if_a, frames2, 20000), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 9000);
  CountWait w = { collect, src, 800 };
  g_assert_true (test_wait_until (all_accounted, &w, 3000));
  g_usleep (100000);
  /* everything sent is accounted for: received + kernel drops */
  g_assert_cmpuint (test_collect_count (collect) + test_get_u64 (src, "kernel-drops"), ==, 800);
  guint fresh = 0;
  for (guint i = before; i < test_collect_count (collect); i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    gint64 seq = test_frame_seq (p->bytes);
    if (seq >= 5000) {
      g_assert_true (g_bytes_equal (p->bytes, frames2->pdata[seq - 5000]));
      fresh++;
    }
  }
  g_test_message ("drops %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT ", freeze %" G_GUINT64_FORMAT
                  ", fresh %u",
                  drops_before, test_get_u64 (src, "kernel-drops"),
                  test_get_u64 (src, "freeze-count"), fresh);
  g_assert_cmpuint (fresh, ==, 200);
  g_assert_cmpuint (test_get_u64 (src, "blocks"), >, blocks_before + 8);
  stop (rx);
  (void)snapshot;
  (void)error;
}

/* ---- interface deleted while capturing ------------------------------------------- */

static void
test_iface_deleted (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (PktMessage) m = NULL;
  PktElement *src;
  TestCollect *collect;
  gint64 t0;

  if (!f->ns)
    return;
  rx = rx_pipeline (f, &src, &collect, NULL);
  g_usleep (50000);
  const char *argv[] = { "ip", "-n", f->ns->ns_b, "link", "del", f->ns->if_b, NULL };
  t0 = g_get_monotonic_time ();
  g_autofree char *out G_GNUC_UNUSED = pkt_test_spawn (argv, NULL, NULL);
  m = test_pop_error (rx, 2000);
  g_assert_nonnull (m);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 1000000);
  g_assert_nonnull (strstr (m->error->message, f->ns->if_b));
  g_test_message ("%s", m->error->message);
  stop (rx);
}

/* ---- no CAP_NET_RAW --------------------------------------------------------------- */

static void drop_cap (int cap);

static void
test_unprivileged (Fixture *f, gconstpointer data)
{
  if (!f->ns)
    return;
  if (g_test_subprocess ()) {
    drop_cap (CAP_NET_RAW);
    GError *e = ready_error (
        test_make ("afpacketsrc", NULL, "iface", f->ns->if_b, "netns", f->ns->ns_b, NULL));
    g_assert_error (e, PKT_ERROR, PKT_ERROR_PERMISSION);
    g_print ("ERROR: %s\n", e->message);
    g_error_free (e);
    return;
  }
  g_test_trap_subprocess (NULL, 20000000, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*CAP_NET_RAW*setcap cap_net_raw*");
}

/* ---- sink: over-MTU frames rejected and counted ------------------------------------ */

static void
test_sink_reject (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (PktElement) rx = NULL, tx = NULL;
  PktElement *src, *sink;
  TestCollect *collect;
  g_autoptr (PktMessage) warn = NULL;

  if (!f->ns)
    return;
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (
        frames, test_udp_frame (i, f->ns->mac_a, f->ip_a, f->ip_b, 1, 2, i % 5 == 0 ? 1600 : 200));
  rx = rx_pipeline (f, &src, &collect, NULL);
  sink = test_make ("afpacketsink", "tx", "iface", f->ns->if_a, "netns", f->ns->ns_a, "frame-size",
                    4096, "qdisc-bypass", TRUE, NULL);
  tx = test_pipeline_chain (test_frame_src_new (frames), sink, NULL);
  g_assert_true (pkt_element_set_state (tx, PKT_STATE_PLAYING, &error));
  warn = pkt_bus_pop_filtered (pkt_pipeline_get_bus (PKT_PIPELINE (tx)), 3000000,
                               PKT_MESSAGE_WARNING);
  g_assert_nonnull (warn);
  g_assert_nonnull (strstr (warn->error->message, "MTU"));
  test_wait_eos (tx, 5000);
  g_assert_cmpuint (test_get_u64 (sink, "rejected"), ==, 4);
  g_assert_cmpuint (test_get_u64 (sink, "sent"), ==, 16);
  CountWait w = { collect, src, 16 };
  g_assert_true (test_wait_until (count_at_least, &w, 3000));
  g_usleep (50000);
  g_assert_cmpuint (test_collect_count (collect), ==, 16);
  stop (tx);
  stop (rx);
}

/* ---- iface=any: Linux cooked frames -------------------------------------------------- */

static void
test_any (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (GPtrArray) frames = NULL;
  PktElement *src;
  TestCollect *collect;

  if (!f->ns)
    return;
  rx = rx_pipeline (f, &src, &collect, "iface", "any", "filter", "udp dst port 1004", NULL);
  frames = make_frames (f, 100, 0);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames), ==, 100);
  CountWait w = { collect, src, 10 };
  g_assert_true (test_wait_until (count_at_least, &w, 3000));
  g_usleep (50000);
  g_assert_cmpuint (test_collect_count (collect), ==, 10);
  for (guint i = 0; i < 10; i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    gsize n;
    const guint8 *d = g_bytes_get_data (p->bytes, &n);
    GBytes *orig = frames->pdata[4 + 10 * i];
    g_assert_cmpint (p->linktype, ==, PKT_LINK_LINUX_SLL);
    /* SLL header: packet type OTHERHOST (3), ARPHRD_ETHER, 6-byte source MAC, IPv4 */
    g_assert_cmpuint (d[1], ==, 3);
    g_assert_cmpuint (d[3], ==, 1);
    g_assert_cmpuint (d[5], ==, 6);
    g_assert_cmpmem (d + 6, 6, (const guint8 *)g_bytes_get_data (orig, NULL) + 6, 6);
    g_assert_cmpuint (d[14] << 8 | d[15], ==, 0x0800);
    g_assert_cmpmem (d + 16, n - 16, (const guint8 *)g_bytes_get_data (orig, NULL) + 14,
                     g_bytes_get_size (orig) - 14);
  }
  stop (rx);
}

/* ---- heartbeat and STATS messages ------------------------------------------------------ */

static void
test_idle (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (PktMessage) m = NULL;
  PktElement *src;
  TestCollect *collect;

  if (!f->ns)
    return;
  rx = rx_pipeline (f, &src, &collect, "stats-interval", 100, NULL);
  m = pkt_bus_pop_filtered (pkt_pipeline_get_bus (PKT_PIPELINE (rx)), 2000000, PKT_MESSAGE_STATS);
  g_assert_nonnull (m);
  g_assert_nonnull (m->payload);
  guint64 v = 1;
  g_assert_true (g_variant_lookup (m->payload, "kernel-drops", "t", &v));
  g_assert_cmpuint (v, ==, 0);
  g_usleep (200000);
  g_assert_cmpuint (g_atomic_int_get ((gint *)&collect->heartbeats), >=, 3);
  stop (rx);
}

/* ---- interface down (not deleted) ------------------------------------------------- */

static void
test_iface_down (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (PktMessage) m = NULL;
  PktElement *src;
  TestCollect *collect;

  if (!f->ns)
    return;
  rx = rx_pipeline (f, &src, &collect, NULL);
  g_usleep (50000);
  const char *argv[] = { "ip", "-n", f->ns->ns_b, "link", "set", f->ns->if_b, "down", NULL };
  g_autofree char *out G_GNUC_UNUSED = pkt_test_spawn (argv, NULL, NULL);
  m = test_pop_error (rx, 1000);
  g_assert_nonnull (m);
  g_assert_nonnull (strstr (m->error->message, f->ns->if_b));
  g_assert_nonnull (strstr (m->error->message, "went down"));
  stop (rx);
}

/* ---- direction: in (PACKET_IGNORE_OUTGOING) and out (BPF on the packet type) ------- */

static void
test_direction (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx_in = NULL, rx_out = NULL;
  g_autoptr (GPtrArray) from_a = NULL, from_b = NULL;
  PktElement *src_in, *src_out;
  TestCollect *c_in, *c_out;
  int in = enum_nick ("PktAfpacketDirection", "in"),
      out = enum_nick ("PktAfpacketDirection", "out");

  if (!f->ns)
    return;
  rx_in = rx_pipeline (f, &src_in, &c_in, "direction", in, NULL);
  rx_out = rx_pipeline (f, &src_out, &c_out, "direction", out, NULL);
  from_a = make_frames (f, 50, 0);
  from_b = make_frames (f, 30, 1000);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, from_a), ==, 50);
  g_assert_cmpuint (test_send_frames (f->ns->ns_b, f->ns->if_b, from_b), ==, 30);
  CountWait w1 = { c_in, src_in, 50 }, w2 = { c_out, src_out, 30 };
  g_assert_true (test_wait_until (count_at_least, &w1, 3000));
  g_assert_true (test_wait_until (count_at_least, &w2, 3000));
  g_usleep (100000);
  g_assert_cmpuint (test_collect_count (c_in), ==, 50);
  g_assert_cmpuint (test_collect_count (c_out), ==, 30);
  for (guint i = 0; i < 50; i++) {
    TestPacket *p = &g_array_index (c_in->packets, TestPacket, i);
    g_assert_cmpint (p->direction, ==, PKT_DIR_IN);
    g_assert_true (g_bytes_equal (p->bytes, from_a->pdata[i]));
  }
  for (guint i = 0; i < 30; i++) {
    TestPacket *p = &g_array_index (c_out->packets, TestPacket, i);
    g_assert_cmpint (p->direction, ==, PKT_DIR_OUT);
    g_assert_true (g_bytes_equal (p->bytes, from_b->pdata[i]));
  }
  stop (rx_in);
  stop (rx_out);
}

/* ---- VLAN: the tag the kernel strips is put back (wire bytes) ----------------------- */

static GBytes *
vlan_tag (GBytes *frame, guint16 tci)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (frame, &n);
  guint8 *t = g_malloc (n + 4);
  memcpy (t, d, 12);
  t[12] = 0x81;
  t[13] = 0x00;
  t[14] = tci >> 8;
  t[15] = tci & 0xff;
  memcpy (t + 16, d + 12, n - 12);
  return g_bytes_new_take (t, n + 4);
}

static void
test_vlan (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (GPtrArray) plain = NULL;
  g_autoptr (GPtrArray) tagged = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  PktElement *src;
  TestCollect *collect;

  if (!f->ns)
    return;
  plain = make_frames (f, 40, 0);
  for (guint i = 0; i < plain->len; i++)
    g_ptr_array_add (tagged, i % 2 ? vlan_tag (plain->pdata[i], (guint16)(0x2000 | (100 + i)))
                                   : g_bytes_ref (plain->pdata[i]));
  rx = rx_pipeline (f, &src, &collect, "filter", "udp or (vlan and udp)", NULL);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, tagged), ==, 40);
  CountWait w = { collect, src, 40 };
  /* the kernel filter sees the untagged frame: "udp" matches both kinds */
  g_assert_true (test_wait_until (count_at_least, &w, 3000));
  for (guint i = 0; i < 40; i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    g_assert_true (g_bytes_equal (p->bytes, tagged->pdata[i]));
    g_assert_cmpuint (p->vlan_tci, ==, i % 2 ? (0x2000 | (100 + i)) : 0);
  }
  stop (rx);
}

/* ---- mlock past RLIMIT_MEMLOCK: falls back, still captures ------------------------- */

static void
drop_cap (int cap)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];

  g_assert_cmpint (syscall (SYS_capget, &h, d), ==, 0);
  d[cap / 32].effective &= ~(1u << (cap % 32));
  d[cap / 32].permitted &= ~(1u << (cap % 32));
  d[cap / 32].inheritable &= ~(1u << (cap % 32));
  g_assert_cmpint (syscall (SYS_capset, &h, d), ==, 0);
}

static void
test_memlock (Fixture *f, gconstpointer data)
{
  if (!f->ns)
    return;
  if (g_test_subprocess ()) {
    struct rlimit rl = { 1 << 20, 1 << 20 };
    g_autoptr (PktElement) rx = NULL;
    g_autoptr (GPtrArray) frames = NULL;
    PktElement *src;
    TestCollect *collect;

    g_assert_cmpint (setrlimit (RLIMIT_MEMLOCK, &rl), ==, 0);
    drop_cap (CAP_IPC_LOCK);
    /* 16 MiB ring, 1 MiB lock limit */
    rx = rx_pipeline (f, &src, &collect, "mlock", TRUE, "block-size", 1 << 20, NULL);
    g_autoptr (PktMessage) warn = pkt_bus_pop_filtered (pkt_pipeline_get_bus (PKT_PIPELINE (rx)),
                                                        1000000, PKT_MESSAGE_WARNING);
    g_assert_nonnull (warn);
    g_print ("WARNING: %s\n", warn->error->message);
    g_assert_false (test_get_u64 (src, "ring-locked") != 0);
    frames = make_frames (f, 100, 0);
    g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames), ==, 100);
    CountWait w = { collect, src, 100 };
    g_assert_true (test_wait_until (count_at_least, &w, 3000));
    stop (rx);
    return;
  }
  g_test_trap_subprocess (NULL, 20000000, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*RLIMIT_MEMLOCK*");
}

/* ---- options that must not break capture; hardware time stamps on veth warn --------- */

static void
test_options (Fixture *f, gconstpointer data)
{
  g_autoptr (PktElement) rx = NULL;
  g_autoptr (GPtrArray) frames = NULL;
  PktElement *src;
  TestCollect *collect;
  int hw = enum_nick ("PktAfpacketTimestamping", "hardware");

  if (!f->ns)
    return;
  rx = rx_pipeline (f, &src, &collect, "busy-poll", 20, "prefer-busy-poll", TRUE,
                    "busy-poll-budget", 16, "timestamping", hw, "fill-rxhash", FALSE, "snaplen",
                    100, "promiscuous", FALSE, NULL);
  g_autoptr (PktMessage) warn = pkt_bus_pop_filtered (pkt_pipeline_get_bus (PKT_PIPELINE (rx)),
                                                      1000000, PKT_MESSAGE_WARNING);
  g_assert_nonnull (warn);
  g_assert_nonnull (strstr (warn->error->message, "hardware time stamping"));
  frames = make_frames (f, 100, 0);
  g_assert_cmpuint (test_send_frames (f->ns->ns_a, f->ns->if_a, frames), ==, 100);
  CountWait w = { collect, src, 100 };
  /* promiscuous=false: the frames are for a MAC nobody owns, but a packet
   * socket still sees them on veth (no hardware MAC filter) */
  g_assert_true (test_wait_until (count_at_least, &w, 3000));
  for (guint i = 0; i < 100; i++) {
    TestPacket *p = &g_array_index (collect->packets, TestPacket, i);
    gsize want = MIN (g_bytes_get_size (frames->pdata[i]), 100);
    g_assert_cmpuint (g_bytes_get_size (p->bytes), ==, want);
    g_assert_cmpmem (g_bytes_get_data (p->bytes, NULL), want,
                     g_bytes_get_data (frames->pdata[i], NULL), want);
  }
  stop (rx);
}

/* ---- sink backpressure: a shaped link (tbf, 50 Mbit/s) holds frames in the
 * qdisc, so a 16-slot TX ring fills. on-full=block: every frame arrives, in
 * order; on-full=drop: drops are counted, sent == received. ---------------- */

static void
shape (Fixture *f, const char *limit)
{
  const char *argv[]
      = { "tc",  "-n",   f->ns->ns_a, "qdisc", "replace", "dev",   f->ns->if_a, "root",
          "tbf", "rate", "50mbit",    "burst", "16kb",    "limit", limit,       NULL };
  int status = -1;
  g_autofree char *out G_GNUC_UNUSED = pkt_test_spawn (argv, &status, NULL);
  g_assert_cmpint (status, ==, 0);
}

static void
sink_backpressure (Fixture *f, const char *on_full, const char *limit, guint frame_count)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) frames = NULL;
  g_autoptr (PktElement) rx = NULL, tx = NULL;
  PktElement *src, *sink;
  TestCollect *collect;
  const guint n = 2000;

  if (!f->ns || !pkt_test_require_program ("tc"))
    return;
  shape (f, limit);
  frames = make_frames (f, n, 0);
  rx = rx_pipeline (f, &src, &collect, "block-size", 1 << 20, NULL);
  sink = test_make ("afpacketsink", "tx", "iface", f->ns->if_a, "netns", f->ns->ns_a, "frame-count",
                    frame_count, "on-full", enum_nick ("PktAfpacketOnFull", on_full), NULL);
  tx = test_pipeline_chain (test_frame_src_new (frames), sink, NULL);
  TEST_FRAME_SRC (pkt_bin_get_by_name (PKT_BIN (tx), "framesrc"))->batch = 256;
  g_assert_true (pkt_element_set_state (tx, PKT_STATE_PLAYING, &error));
  test_wait_eos (tx, 20000);
  guint64 sent = test_get_u64 (sink, "sent"), dropped = test_get_u64 (sink, "dropped");
  g_test_message ("on-full=%s: sent %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
                  " retransmitted %" G_GUINT64_FORMAT,
                  on_full, sent, dropped, test_get_u64 (sink, "retransmitted"));
  g_assert_cmpuint (sent + dropped, ==, n);
  CountWait w = { collect, src, sent };
  g_assert_true (test_wait_until (all_accounted, &w, 10000));
  g_usleep (50000);
  g_assert_cmpuint (test_get_u64 (src, "kernel-drops"), ==, 0);
  g_assert_cmpuint (test_collect_count (collect), ==, sent);
  if (g_str_equal (on_full, "block")) {
    g_assert_cmpuint (sent, ==, n);
    if (frame_count > 64) /* the qdisc overflowed: its drops were sent again */
      g_assert_cmpuint (test_get_u64 (sink, "retransmitted"), >, 0);
    for (guint i = 0; i < n; i++) {
      GBytes *got = g_array_index (collect->packets, TestPacket, i).bytes;
      if (!g_bytes_equal (got, frames->pdata[i])) {
        GString *s = g_string_new (NULL);
        for (guint k = i > 5 ? i - 5 : 0; k < MIN (n, i + 30); k++)
          g_string_append_printf (
              s, " %" G_GINT64_FORMAT,
              test_frame_seq (g_array_index (collect->packets, TestPacket, k).bytes));
        g_error ("frame %u differs; seqs from %u:%s", i, i > 5 ? i - 5 : 0, s->str);
      }
    }
  } else {
    g_assert_cmpuint (dropped, >, 0);
  }
  stop (tx);
  stop (rx);
}

static void
test_sink_block (Fixture *f, gconstpointer data)
{
  sink_backpressure (f, "block", "64kb", 16);
}

/* The qdisc (8 KB) is smaller than the ring (512 slots): it drops, sendto()
 * says ENOBUFS, and the dropped frame is resubmitted — order kept. */
static void
test_sink_qdisc_drop (Fixture *f, gconstpointer data)
{
  sink_backpressure (f, "block", "8kb", 512);
}

static void
test_sink_drop (Fixture *f, gconstpointer data)
{
  sink_backpressure (f, "drop", "64kb", 16);
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
#define ADD(path, fn, data)                                                                        \
  g_test_add ("/afpacket/" path, Fixture, data, fixture_setup, fn, fixture_teardown)
  ADD ("roundtrip", test_roundtrip, NULL);
  ADD ("filter", test_filter, NULL);
  ADD ("errors", test_errors, NULL);
  ADD ("fanout/hash", test_fanout, "hash");
  ADD ("fanout/lb", test_fanout, "lb");
  ADD ("fanout/symmetric", test_fanout_symmetric, NULL);
  ADD ("held", test_held, NULL);
  ADD ("iface-deleted", test_iface_deleted, NULL);
  ADD ("unprivileged", test_unprivileged, NULL);
  ADD ("sink-reject", test_sink_reject, NULL);
  ADD ("any", test_any, NULL);
  ADD ("idle", test_idle, NULL);
  ADD ("iface-down", test_iface_down, NULL);
  ADD ("direction", test_direction, NULL);
  ADD ("vlan", test_vlan, NULL);
  ADD ("memlock", test_memlock, NULL);
  ADD ("options", test_options, NULL);
  ADD ("sink-drop", test_sink_drop, NULL);
  ADD ("sink-block", test_sink_block, NULL);
  ADD ("sink-qdisc-drop", test_sink_qdisc_drop, NULL);
  return g_test_run ();
}
