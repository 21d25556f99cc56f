/* pktpipe — core object model tests: leases, pooled lists, bus, states, EOS, errors.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-test-util.h"
#include <string.h>

guint64 _pkt_buffer_list_pool_allocated (void);

/* ---- test elements: a counting source, a counting sink, a failing one ---- */

#define TEST_TYPE_SRC (test_src_get_type ())
G_DECLARE_FINAL_TYPE (TestSrc, test_src, TEST, SRC, PktSource)
struct _TestSrc {
  PktSource parent;
  guint num_packets, sent;
  gboolean fail_start, fail_streaming;
  guint8 frame[64];
  PktLease *lease;
};
G_DEFINE_FINAL_TYPE (TestSrc, test_src, PKT_TYPE_SOURCE)

static gboolean
test_src_start (PktSource *src, GError **error)
{
  TestSrc *self = TEST_SRC (src);
  if (self->fail_start) {
    pkt_element_set_error (PKT_ELEMENT (src), error, PKT_ERROR_SETTINGS, "told to fail at READY");
    return FALSE;
  }
  self->sent = 0;
  return TRUE;
}

static PktFlowReturn
test_src_produce (PktSource *src)
{
  TestSrc *self = TEST_SRC (src);
  if (self->fail_streaming) {
    pkt_element_error (PKT_ELEMENT (src), PKT_ERROR_READ, "debug text", "streaming failure %d", 42);
    return PKT_FLOW_ERROR;
  }
  if (self->sent >= self->num_packets)
    return PKT_FLOW_EOS;
  PktBufferList *l = pkt_buffer_list_new (0);
  while (self->sent < self->num_packets && !pkt_buffer_list_is_full (l)) {
    pkt_packet_init (pkt_buffer_list_append (l), self->frame, 64, 64, self->sent,
                     PKT_LINK_ETHERNET);
    self->sent++;
  }
  pkt_buffer_list_set_lease (l, self->lease);
  return pkt_source_push (src, l);
}

static void
test_src_finalize (GObject *o)
{
  pkt_lease_unref (TEST_SRC (o)->lease);
  G_OBJECT_CLASS (test_src_parent_class)->finalize (o);
}

static void
test_src_class_init (TestSrcClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_src_finalize;
  PKT_SOURCE_CLASS (klass)->start = test_src_start;
  PKT_SOURCE_CLASS (klass)->produce = test_src_produce;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Test source", "Source/Test", "test",
                                  "tests");
}

static void
test_src_init (TestSrc *self)
{
  self->lease = pkt_lease_new (NULL, NULL);
}

#define TEST_TYPE_SINK (test_sink_get_type ())
G_DECLARE_FINAL_TYPE (TestSink, test_sink, TEST, SINK, PktSink)
struct _TestSink {
  PktSink parent;
  guint64 packets, batches;
  gint events_eos;
  gint started, stopped;
  gboolean fail_start;
};
G_DEFINE_FINAL_TYPE (TestSink, test_sink, PKT_TYPE_SINK)

static gboolean
test_sink_start (PktSink *sink, GError **error)
{
  TestSink *self = TEST_SINK (sink);
  if (self->fail_start) {
    pkt_element_set_error (PKT_ELEMENT (sink), error, PKT_ERROR_RESOURCE, "cannot open it");
    return FALSE;
  }
  self->started++;
  return TRUE;
}

static void
test_sink_stop (PktSink *sink)
{
  TEST_SINK (sink)->stopped++;
}

static PktFlowReturn
test_sink_render (PktSink *sink, PktBatch *batch)
{
  TestSink *self = TEST_SINK (sink);
  self->packets += ((PktBufferList *)batch)->n_packets;
  self->batches++;
  return PKT_FLOW_OK;
}

static gboolean
test_sink_event (PktSink *sink, PktEvent *ev)
{
  if (ev->type == PKT_EVENT_EOS)
    g_atomic_int_inc (&TEST_SINK (sink)->events_eos);
  pkt_event_unref (ev);
  return TRUE;
}

static void
test_sink_class_init (TestSinkClass *klass)
{
  PKT_SINK_CLASS (klass)->start = test_sink_start;
  PKT_SINK_CLASS (klass)->stop = test_sink_stop;
  PKT_SINK_CLASS (klass)->render = test_sink_render;
  PKT_SINK_CLASS (klass)->event = test_sink_event;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Test sink", "Sink/Test", "test",
                                  "tests");
}

static void
test_sink_init (TestSink *self)
{
}

/* ---- leases -------------------------------------------------------------- */

static gint release_count;

static void
count_release (PktLease *lease, gpointer data)
{
  g_atomic_int_inc (&release_count);
}

typedef struct {
  PktBufferList **lists;
  guint from, to;
} DropJob;

static gpointer
drop_lists (gpointer data)
{
  DropJob *job = data;
  for (guint i = job->from; i < job->to; i++)
    pkt_buffer_list_unref (job->lists[i]);
  return NULL;
}

/* Many lists share one lease (a ring block split into lists); their last
 * references drop on 8 threads at once: release runs exactly once. */
static void
test_lease_released_once_across_threads (void)
{
  for (guint round = 0; round < 200; round++) {
    PktLease lease;
    g_atomic_int_set (&release_count, 0);
    pkt_lease_init (&lease, count_release, NULL);
    PktBufferList *lists[64];
    for (guint i = 0; i < 64; i++) {
      lists[i] = pkt_buffer_list_new (0);
      pkt_buffer_list_set_lease (lists[i], &lease);
    }
    pkt_lease_unref (&lease); /* the source's own reference */
    g_assert_cmpint (g_atomic_int_get (&release_count), ==, 0);
    GThread *t[8];
    DropJob jobs[8];
    for (guint i = 0; i < 8; i++) {
      jobs[i] = (DropJob){ lists, i * 8, i * 8 + 8 };
      t[i] = g_thread_new ("drop", drop_lists, &jobs[i]);
    }
    for (guint i = 0; i < 8; i++)
      g_thread_join (t[i]);
    g_assert_cmpint (g_atomic_int_get (&release_count), ==, 1);
  }
}

/* An arena lease keeps the lease it was given until its own last ref goes;
 * its memory is aligned and writable end to end (ASan checks the bounds). */
static void
test_lease_arena_keeps_previous (void)
{
  PktLease prev;
  g_atomic_int_set (&release_count, 0);
  pkt_lease_init (&prev, count_release, NULL);
  gpointer mem = NULL;
  PktLease *arena = pkt_lease_new_arena (1000, &prev, &mem);
  g_assert_nonnull (mem);
  g_assert_cmpuint ((guintptr)mem % 16, ==, 0);
  memset (mem, 0xab, 1000);
  pkt_lease_unref (&prev); /* the element's own reference */
  g_assert_cmpint (g_atomic_int_get (&release_count), ==, 0);
  PktBufferList *list = pkt_buffer_list_new (0);
  pkt_buffer_list_set_lease (list, arena);
  pkt_lease_unref (arena);
  g_assert_cmpint (g_atomic_int_get (&release_count), ==, 0);
  pkt_buffer_list_unref (list);
  g_assert_cmpint (g_atomic_int_get (&release_count), ==, 1);
  /* without a lease to keep */
  PktLease *alone = pkt_lease_new_arena (0, NULL, &mem);
  pkt_lease_unref (alone);
}

/* Steady-state streaming recycles lists: after warm-up no list is malloc'ed. */
static void
test_list_pool_recycles (void)
{
  /* warm up with the pattern measured below: two lists in flight */
  for (guint i = 0; i < 1000; i++) {
    PktBufferList *a = pkt_buffer_list_new (0), *b = pkt_buffer_list_new (0);
    pkt_buffer_list_unref (a);
    pkt_buffer_list_unref (b);
  }
  guint64 before = _pkt_buffer_list_pool_allocated ();
  for (guint i = 0; i < 100000; i++) {
    PktBufferList *a = pkt_buffer_list_new (0), *b = pkt_buffer_list_new (0);
    pkt_buffer_list_unref (a);
    pkt_buffer_list_unref (b);
  }
  g_assert_cmpuint (_pkt_buffer_list_pool_allocated (), ==, before);
}

static void
test_make_writable_copies_descriptors_not_frames (void)
{
  guint8 frame[60] = { 1, 2, 3 };
  PktBufferList *l = pkt_buffer_list_new (0);
  PktLease *lease = pkt_lease_new (NULL, NULL);
  pkt_buffer_list_set_lease (l, lease);
  pkt_packet_init (pkt_buffer_list_append (l), frame, 60, 60, 0, PKT_LINK_ETHERNET);
  PktBufferList *same = pkt_buffer_list_make_writable (l);
  g_assert_true (same == l);
  pkt_buffer_list_ref (l);
  PktBufferList *copy = pkt_buffer_list_make_writable (l);
  g_assert_true (copy != l);
  g_assert_true (copy->packets[0].data == frame);
  g_assert_true (copy->lease == lease);
  g_assert_cmpint (lease->refcount, ==, 3);
  copy->packets[0].caplen = 10;
  g_assert_cmpuint (l->packets[0].caplen, ==, 60);
  pkt_buffer_list_unref (copy);
  pkt_buffer_list_unref (l);
  g_assert_cmpint (lease->refcount, ==, 1);
  pkt_lease_unref (lease);
}

/* ---- bus ----------------------------------------------------------------- */

static gpointer
post_later (gpointer bus)
{
  g_usleep (20000);
  pkt_bus_post (bus, pkt_message_new (PKT_MESSAGE_INFO, NULL));
  pkt_bus_post (bus, pkt_message_new_eos (NULL));
  return NULL;
}

static void
test_bus_blocking_pop (void)
{
  g_autoptr (PktBus) bus = pkt_bus_new ();
  g_assert_null (pkt_bus_pop (bus, 0));
  GThread *t = g_thread_new ("post", post_later, bus);
  g_autoptr (PktMessage) m = pkt_bus_pop_filtered (bus, 5 * G_USEC_PER_SEC, PKT_MESSAGE_EOS);
  g_thread_join (t);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, PKT_MESSAGE_EOS);
  g_assert_null (pkt_bus_pop (bus, 10000)); /* the INFO was filtered out */
}

typedef struct {
  GMainLoop *loop;
  guint seen;
} WatchData;

static gboolean
on_message (PktBus *bus, PktMessage *m, gpointer data)
{
  WatchData *wd = data;
  wd->seen |= m->type;
  if (m->type == PKT_MESSAGE_EOS)
    g_main_loop_quit (wd->loop);
  return G_SOURCE_CONTINUE;
}

static void
test_bus_watch_in_main_loop (void)
{
  g_autoptr (PktBus) bus = pkt_bus_new ();
  WatchData wd = { g_main_loop_new (NULL, FALSE), 0 };
  guint id = pkt_bus_add_watch (bus, on_message, &wd, NULL);
  GThread *t = g_thread_new ("post", post_later, bus);
  g_main_loop_run (wd.loop);
  g_thread_join (t);
  g_assert_cmpuint (wd.seen, ==, PKT_MESSAGE_INFO | PKT_MESSAGE_EOS);
  g_source_remove (id);
  g_main_loop_unref (wd.loop);
}

/* ---- pipelines ----------------------------------------------------------- */

static PktElement *
build_src_sink (guint n, TestSrc **src_out, TestSink **sink_out)
{
  PktElement *p = g_object_ref_sink (pkt_pipeline_new (NULL));
  PktElement *src = g_object_new (TEST_TYPE_SRC, "name", "src", NULL);
  PktElement *sink = g_object_new (TEST_TYPE_SINK, "name", "sink", NULL);
  TEST_SRC (src)->num_packets = n;
  g_assert_true (pkt_bin_add (PKT_BIN (p), src, NULL));
  g_assert_true (pkt_bin_add (PKT_BIN (p), sink, NULL));
  g_assert_no_error (NULL);
  GError *err = NULL;
  g_assert_true (pkt_element_link (src, sink, &err));
  g_assert_no_error (err);
  *src_out = TEST_SRC (src);
  *sink_out = TEST_SINK (sink);
  return p;
}

static void
test_pipeline_runs_to_eos (void)
{
  TestSrc *src;
  TestSink *sink;
  g_autoptr (PktElement) p = build_src_sink (1000, &src, &sink);
  g_autoptr (GError) err = NULL;
  g_assert_true (pkt_pipeline_run (PKT_PIPELINE (p), 10 * G_USEC_PER_SEC, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (sink->packets, ==, 1000);
  g_assert_cmpuint (sink->batches, ==, 4); /* 256+256+256+232 */
  g_assert_cmpint (sink->events_eos, ==, 1);
  g_assert_cmpint (sink->started, ==, 1);
  g_assert_cmpint (sink->stopped, ==, 1);
  g_assert_cmpint (pkt_element_get_state (p), ==, PKT_STATE_NULL);
}

/* A READY failure in one element rolls the others back to NULL. */
static void
test_ready_failure_rolls_back (void)
{
  TestSrc *src;
  TestSink *sink;
  g_autoptr (PktElement) p = build_src_sink (10, &src, &sink);
  src->fail_start = TRUE;
  g_autoptr (GError) err = NULL;
  g_assert_false (pkt_element_set_state (p, PKT_STATE_READY, &err));
  g_assert_error (err, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_assert_nonnull (strstr (err->message, "src: told to fail at READY"));
  g_assert_cmpint (pkt_element_get_state (PKT_ELEMENT (sink)), ==, PKT_STATE_NULL);
  g_assert_cmpint (sink->started, ==, 1); /* sinks go up first … */
  g_assert_cmpint (sink->stopped, ==, 1); /* … and were released again */
  g_assert_cmpint (pkt_element_get_state (p), ==, PKT_STATE_NULL);
}

/* An error while streaming becomes a bus ERROR naming the element. */
static void
test_streaming_error_on_bus (void)
{
  TestSrc *src;
  TestSink *sink;
  g_autoptr (PktElement) p = build_src_sink (10, &src, &sink);
  src->fail_streaming = TRUE;
  g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, NULL));
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (p));
  g_autoptr (PktMessage) m = pkt_bus_pop_filtered (bus, 5 * G_USEC_PER_SEC, PKT_MESSAGE_ERROR);
  g_assert_nonnull (m);
  g_assert_cmpstr (m->src_name, ==, "src");
  g_assert_cmpstr (m->error->message, ==, "src: streaming failure 42");
  g_assert_cmpstr (m->debug, ==, "debug text");
  pkt_element_set_state (p, PKT_STATE_NULL, NULL);
}

static void
test_unlinked_pad_fails_at_ready (void)
{
  g_autoptr (PktElement) p = g_object_ref_sink (pkt_pipeline_new (NULL));
  pkt_bin_add (PKT_BIN (p), g_object_new (TEST_TYPE_SRC, "name", "lonely", NULL), NULL);
  g_autoptr (GError) err = NULL;
  g_assert_false (pkt_element_set_state (p, PKT_STATE_READY, &err));
  g_assert_error (err, PKT_ERROR, PKT_ERROR_NOT_LINKED);
  g_assert_nonnull (strstr (err->message, "pad lonely.src (src packets) is not linked"));
}

static void
test_link_kind_mismatch_names_both_pads (void)
{
  g_autoptr (PktElement) p = g_object_ref_sink (pkt_pipeline_new (NULL));
  PktElement *a = g_object_new (TEST_TYPE_SRC, "name", "a", NULL);
  PktElement *b = g_object_new (TEST_TYPE_SINK, "name", "b", NULL);
  pkt_bin_add (PKT_BIN (p), a, NULL);
  pkt_bin_add (PKT_BIN (p), b, NULL);
  PktPad *rec = pkt_pad_new ("records_in", PKT_PAD_SINK, PKT_PAD_KIND_RECORDS);
  pkt_element_add_pad (b, rec);
  g_autoptr (GError) err = NULL;
  g_assert_false (pkt_pad_link (pkt_element_get_static_pad (a, "src"), rec, &err));
  g_assert_cmpstr (err->message, ==,
                   "cannot link a.src (packets) to b.records_in (records): the pads carry "
                   "different kinds of batch");
}

static void
test_duplicate_name_rejected (void)
{
  g_autoptr (PktElement) p = g_object_ref_sink (pkt_pipeline_new (NULL));
  g_assert_true (pkt_bin_add (PKT_BIN (p), g_object_new (TEST_TYPE_SINK, "name", "x", NULL), NULL));
  g_autoptr (GError) err = NULL;
  g_assert_false (
      pkt_bin_add (PKT_BIN (p), g_object_new (TEST_TYPE_SINK, "name", "x", NULL), &err));
  g_assert_error (err, PKT_ERROR, PKT_ERROR_SETTINGS);
}

/* send_eos ends an endless source; the sink sees EOS once and the pipeline
 * posts EOS once. */
static void
test_send_eos_stops_endless_source (void)
{
  TestSrc *src;
  TestSink *sink;
  g_autoptr (PktElement) p = build_src_sink (G_MAXUINT, &src, &sink);
  g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, NULL));
  g_usleep (20000);
  pkt_pipeline_send_eos (PKT_PIPELINE (p));
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (p));
  g_autoptr (PktMessage) m = pkt_bus_pop_filtered (bus, 5 * G_USEC_PER_SEC, PKT_MESSAGE_EOS);
  g_assert_nonnull (m);
  g_assert_null (pkt_bus_pop_filtered (bus, 50000, PKT_MESSAGE_EOS));
  pkt_element_set_state (p, PKT_STATE_NULL, NULL);
  g_assert_cmpint (sink->events_eos, ==, 1);
  g_assert_cmpuint (sink->packets, >, 0);
}

static void
test_stats_collects_stat_properties (void)
{
  g_autoptr (PktElement) p = g_object_ref_sink (pkt_pipeline_new (NULL));
  g_autoptr (GVariant) stats = g_variant_ref_sink (pkt_pipeline_get_stats (PKT_PIPELINE (p)));
  g_assert_true (g_variant_is_of_type (stats, G_VARIANT_TYPE_VARDICT));
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  pkt_element_register (NULL, "coretestsrc", PKT_RANK_NONE, TEST_TYPE_SRC);
  pkt_element_register (NULL, "coretestsink", PKT_RANK_NONE, TEST_TYPE_SINK);
  g_test_add_func ("/core/lease/released-once-across-threads",
                   test_lease_released_once_across_threads);
  g_test_add_func ("/core/lease/arena-keeps-previous", test_lease_arena_keeps_previous);
  g_test_add_func ("/core/list/pool-recycles", test_list_pool_recycles);
  g_test_add_func ("/core/list/make-writable", test_make_writable_copies_descriptors_not_frames);
  g_test_add_func ("/core/bus/blocking-pop", test_bus_blocking_pop);
  g_test_add_func ("/core/bus/watch", test_bus_watch_in_main_loop);
  g_test_add_func ("/core/pipeline/runs-to-eos", test_pipeline_runs_to_eos);
  g_test_add_func ("/core/pipeline/ready-failure-rolls-back", test_ready_failure_rolls_back);
  g_test_add_func ("/core/pipeline/streaming-error-on-bus", test_streaming_error_on_bus);
  g_test_add_func ("/core/pipeline/unlinked-pad", test_unlinked_pad_fails_at_ready);
  g_test_add_func ("/core/pipeline/send-eos", test_send_eos_stops_endless_source);
  g_test_add_func ("/core/pipeline/stats", test_stats_collects_stat_properties);
  g_test_add_func ("/core/pad/kind-mismatch", test_link_kind_mismatch_names_both_pads);
  g_test_add_func ("/core/bin/duplicate-name", test_duplicate_name_rejected);
  return g_test_run ();
}
