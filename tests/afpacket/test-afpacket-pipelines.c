/* pktpipe — the afpacket pipeline files (pipelines/NAME.pipeline), each run on veth
 * pairs in namespaces the test creates, with interface names given as ${vars}
 * (pipelines/capture, bridge, fanout-workers and reflect).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "afpacket-test-common.h"

#include <string.h>

/* Parses pipelines/@file with the NULL-terminated name/value pairs. */
static PktElement *
load_pipeline (const char *file, ...)
{
  g_autofree char *path = NULL, *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PktParseContext) ctx = pkt_parse_context_new ();
  PktElement *pipeline;
  const char *name;
  va_list ap;

  path = g_build_filename (g_getenv ("PKT_SOURCE_ROOT") ? g_getenv ("PKT_SOURCE_ROOT") : ".",
                           "pipelines", file, NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  va_start (ap, file);
  while ((name = va_arg (ap, const char *)) != NULL)
    pkt_parse_context_set_variable (ctx, name, va_arg (ap, const char *));
  va_end (ap);
  pipeline = pkt_parse_launch_full (text, ctx, &error);
  g_assert_no_error (error);
  g_object_ref_sink (pipeline);
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_PLAYING, &error));
  g_assert_no_error (error);
  return pipeline;
}

static guint64
get (PktElement *pipeline, const char *element, const char *prop)
{
  return pkt_test_get_uint (pipeline, element, prop);
}

static void
stop (PktElement *pipeline)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktMessage) m = test_pop_error (pipeline, 0);
  if (m)
    g_error ("%s: %s", m->src_name, m->error->message);
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_NULL, &error));
}

static GPtrArray *
frames_from (PktTestNetns *ns, guint n, guint32 seq0, guint16 dport_mod)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  guint32 a = test_ip (ns->ip_a), b = test_ip (ns->ip_b);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (frames,
                     test_udp_frame (seq0 + i, ns->mac_a, a, b, (guint16)(30000 + i % 13),
                                     (guint16)(2000 + i % dport_mod), 64 + (i * 31) % 1400));
  return frames;
}

typedef struct {
  PktElement *pipeline;
  const char *const *names;
  const char *prop;
  guint64 want;
} SumWait;

static guint64
sum (SumWait *w)
{
  guint64 s = 0;
  for (guint i = 0; w->names[i]; i++)
    s += get (w->pipeline, w->names[i], w->prop);
  return s;
}

static gboolean
sum_reached (gpointer data)
{
  return sum (data) >= ((SumWait *)data)->want;
}

static void
test_capture (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktTestNetns) ns = NULL;
  g_autoptr (PktElement) p = NULL;
  g_autoptr (GPtrArray) frames = NULL;

  if (!pkt_test_require_root ())
    return;
  ns = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  p = load_pipeline ("capture.pipeline", "iface", ns->if_b, "netns", ns->ns_b, "filter",
                     "udp dst port 2003", NULL);
  frames = frames_from (ns, 500, 0, 10);
  g_assert_cmpuint (test_send_frames (ns->ns_a, ns->if_a, frames), ==, 500);
  SumWait w = { p, (const char *const[]){ "sink", NULL }, "packets", 50 };
  g_assert_true (test_wait_until (sum_reached, &w, 3000));
  g_usleep (50000);
  g_assert_cmpuint (get (p, "sink", "packets"), ==, 50);
  g_assert_cmpuint (get (p, "capture", "packets"), ==, 50);
  g_assert_cmpuint (get (p, "capture", "kernel-drops"), ==, 0);
  stop (p);
}

static void
test_fanout_workers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktTestNetns) ns = NULL;
  g_autoptr (PktElement) p = NULL;
  g_autoptr (GPtrArray) frames = NULL;
  const char *const sinks[] = { "s0", "s1", "s2", "s3", NULL };
  const char *const workers[] = { "w0", "w1", "w2", "w3", NULL };
  guint busy = 0;

  if (!pkt_test_require_root ())
    return;
  ns = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  p = load_pipeline ("fanout-workers.pipeline", "iface", ns->if_b, "netns", ns->ns_b, "group",
                     "4711", NULL);
  frames = frames_from (ns, 2000, 0, 97);
  g_assert_cmpuint (test_send_frames (ns->ns_a, ns->if_a, frames), ==, 2000);
  SumWait w = { p, sinks, "packets", 2000 };
  g_assert_true (test_wait_until (sum_reached, &w, 5000));
  g_usleep (50000);
  /* every frame once, in total, across the four workers */
  g_assert_cmpuint (sum (&w), ==, 2000);
  SumWait d = { p, workers, "kernel-drops", 0 };
  g_assert_cmpuint (sum (&d), ==, 0);
  for (guint i = 0; sinks[i]; i++) {
    g_test_message ("%s: %" G_GUINT64_FORMAT, sinks[i], get (p, sinks[i], "packets"));
    busy += get (p, sinks[i], "packets") > 0;
  }
  g_assert_cmpuint (busy, >=, 2);
  stop (p);
}

typedef struct {
  TestCollect *collect;
  guint want;
} CollectWait;

static gboolean
collected (gpointer data)
{
  CollectWait *w = data;
  return test_collect_count (w->collect) >= w->want;
}

static PktElement *
capture_into (const char *ns, const char *iface, TestCollect **collect)
{
  g_autoptr (GError) error = NULL;
  PktElement *src = test_make ("afpacketsrc", "cap", "iface", iface, "netns", ns, "block-size",
                               65536, "block-count", 32, "block-timeout", 10, NULL);
  PktElement *c = test_collect_new ();
  PktElement *pipeline = test_pipeline_chain (src, c, NULL);
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_PLAYING, &error));
  *collect = TEST_COLLECT (c);
  return pipeline;
}

/* What @c received from the wire (not what its host sent) equals @frames, in order. */
static void
assert_same_frames (TestCollect *c, GPtrArray *frames)
{
  g_autoptr (GPtrArray) in = g_ptr_array_new ();
  for (guint i = 0; i < c->packets->len; i++) {
    TestPacket *tp = &g_array_index (c->packets, TestPacket, i);
    if (tp->direction == PKT_DIR_IN)
      g_ptr_array_add (in, tp->bytes);
  }
  g_assert_cmpuint (in->len, ==, frames->len);
  for (guint i = 0; i < frames->len; i++)
    g_assert_true (g_bytes_equal (in->pdata[i], frames->pdata[i]));
}

/* Topology: [A1]—[B1] ==bridge== [A2]—[B2]; the bridge joins B1's vethB and
 * A2's vethA. Frames from A1 must reach B2 and frames from B2 reach A1. */
static void
test_bridge (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktTestNetns) n1 = NULL, n2 = NULL;
  g_autoptr (PktElement) p = NULL, cap_b2 = NULL, cap_a1 = NULL;
  g_autoptr (GPtrArray) fwd = NULL, rev = NULL;
  TestCollect *at_b2, *at_a1;

  if (!pkt_test_require_root ())
    return;
  n1 = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  n2 = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  p = load_pipeline ("bridge.pipeline", "a", n1->if_b, "netns_a", n1->ns_b, "b", n2->if_a,
                     "netns_b", n2->ns_a, NULL);
  cap_b2 = capture_into (n2->ns_b, n2->if_b, &at_b2);
  cap_a1 = capture_into (n1->ns_a, n1->if_a, &at_a1);

  fwd = frames_from (n1, 1000, 0, 10);
  rev = frames_from (n2, 1000, 100000, 10);
  g_assert_cmpuint (test_send_frames (n1->ns_a, n1->if_a, fwd), ==, 1000);
  g_assert_cmpuint (test_send_frames (n2->ns_b, n2->if_b, rev), ==, 1000);

  /* each capture also sees the 1000 frames its own side sent (outgoing) */
  CollectWait w1 = { at_b2, 2000 }, w2 = { at_a1, 2000 };
  g_assert_true (test_wait_until (collected, &w1, 5000));
  g_assert_true (test_wait_until (collected, &w2, 5000));
  g_usleep (50000);
  g_assert_cmpuint (get (p, "rx_a", "kernel-drops") + get (p, "rx_b", "kernel-drops"), ==, 0);
  assert_same_frames (at_b2, fwd);
  assert_same_frames (at_a1, rev);
  g_assert_cmpuint (get (p, "tx_b", "sent"), ==, 1000);
  g_assert_cmpuint (get (p, "tx_a", "sent"), ==, 1000);
  stop (cap_b2);
  stop (cap_a1);
  stop (p);
}

/* [A1]—[B1] ==reflect (filter)==> [A2]—[B2] */
static void
test_reflect (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktTestNetns) n1 = NULL, n2 = NULL;
  g_autoptr (PktElement) p = NULL, cap = NULL;
  g_autoptr (GPtrArray) frames = NULL, want = NULL;
  TestCollect *at_b2;

  if (!pkt_test_require_root ())
    return;
  n1 = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  n2 = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  p = load_pipeline ("reflect.pipeline", "in", n1->if_b, "netns_in", n1->ns_b, "out", n2->if_a,
                     "netns_out", n2->ns_a, "filter", "udp dst port 2001 or udp dst port 2004",
                     NULL);
  cap = capture_into (n2->ns_b, n2->if_b, &at_b2);
  frames = frames_from (n1, 600, 0, 6);
  want = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint i = 0; i < frames->len; i++)
    if (i % 6 == 1 || i % 6 == 4)
      g_ptr_array_add (want, g_bytes_ref (frames->pdata[i]));
  g_assert_cmpuint (test_send_frames (n1->ns_a, n1->if_a, frames), ==, 600);
  CollectWait w = { at_b2, want->len };
  g_assert_true (test_wait_until (collected, &w, 5000));
  g_usleep (50000);
  assert_same_frames (at_b2, want);
  g_assert_cmpuint (get (p, "tx", "sent"), ==, want->len);
  stop (cap);
  stop (p);
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  g_test_add_func ("/afpacket/pipelines/capture", test_capture);
  g_test_add_func ("/afpacket/pipelines/fanout-workers", test_fanout_workers);
  g_test_add_func ("/afpacket/pipelines/bridge", test_bridge);
  g_test_add_func ("/afpacket/pipelines/reflect", test_reflect);
  return g_test_run ();
}
