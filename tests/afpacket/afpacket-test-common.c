/* pktpipe afpacket tests — shared helpers (see afpacket-test-common.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "afpacket-test-common.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <string.h>

/* ---- TestFrameSrc ---------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (TestFrameSrc, test_frame_src, PKT_TYPE_SOURCE)

static PktFlowReturn
test_frame_src_produce (PktSource *source)
{
  TestFrameSrc *self = TEST_FRAME_SRC (source);
  guint n = MIN (self->batch, self->frames->len - self->next);

  if (n == 0)
    return PKT_FLOW_EOS;
  PktBufferList *list = pkt_buffer_list_new_from_frames (
      (GBytes *const *)self->frames->pdata + self->next, n, g_get_real_time () * 1000);
  self->next += n;
  return pkt_source_push (source, list);
}

static gboolean
test_frame_src_start (PktSource *source, GError **error)
{
  TEST_FRAME_SRC (source)->next = 0;
  return TRUE;
}

static void
test_frame_src_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_FRAME_SRC (object)->frames);
  G_OBJECT_CLASS (test_frame_src_parent_class)->finalize (object);
}

static void
test_frame_src_class_init (TestFrameSrcClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_frame_src_finalize;
  PKT_SOURCE_CLASS (klass)->produce = test_frame_src_produce;
  PKT_SOURCE_CLASS (klass)->start = test_frame_src_start;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "test frames", "Source/Test",
                                  "pushes prepared frames", "tests");
}

static void
test_frame_src_init (TestFrameSrc *self)
{
  self->batch = 64;
}

PktElement *
test_frame_src_new (GPtrArray *frames)
{
  TestFrameSrc *s = g_object_new (TEST_TYPE_FRAME_SRC, "name", "framesrc", NULL);
  s->frames = g_ptr_array_ref (frames);
  return PKT_ELEMENT (s);
}

/* ---- TestCollect ---------------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (TestCollect, test_collect, PKT_TYPE_SINK)

static PktFlowReturn
test_collect_render (PktSink *sink, PktBatch *batch)
{
  TestCollect *self = TEST_COLLECT (sink);
  PktBufferList *list = (PktBufferList *)batch;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < list->n_packets; i++) {
    const PktPacket *p = &list->packets[i];
    TestPacket tp = {
      g_bytes_new (p->data, p->caplen), p->linktype, p->direction, p->vlan_tci, p->ifindex, p->ts_ns
    };
    g_array_append_val (self->packets, tp);
  }
  if (self->hold)
    g_ptr_array_add (self->held, pkt_buffer_list_ref (list));
  g_mutex_unlock (&self->lock);
  return PKT_FLOW_OK;
}

static gboolean
test_collect_event (PktSink *sink, PktEvent *event)
{
  TestCollect *self = TEST_COLLECT (sink);
  if (event->type == PKT_EVENT_HEARTBEAT)
    g_atomic_int_inc ((gint *)&self->heartbeats);
  pkt_event_unref (event); /* PktSink hands over a reference */
  return TRUE;
}

static void
test_packet_clear (gpointer p)
{
  g_bytes_unref (((TestPacket *)p)->bytes);
}

static void
test_collect_finalize (GObject *object)
{
  TestCollect *self = TEST_COLLECT (object);
  g_array_unref (self->packets);
  g_ptr_array_unref (self->held);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_collect_parent_class)->finalize (object);
}

static void
test_collect_class_init (TestCollectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_collect_finalize;
  PKT_SINK_CLASS (klass)->pad_kind = PKT_PAD_KIND_PACKETS;
  PKT_SINK_CLASS (klass)->render = test_collect_render;
  PKT_SINK_CLASS (klass)->event = test_collect_event;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "test collector", "Sink/Test",
                                  "copies every packet", "tests");
}

static void
test_collect_init (TestCollect *self)
{
  g_mutex_init (&self->lock);
  self->packets = g_array_new (FALSE, FALSE, sizeof (TestPacket));
  g_array_set_clear_func (self->packets, test_packet_clear);
  self->held = g_ptr_array_new_with_free_func ((GDestroyNotify)pkt_buffer_list_unref);
}

PktElement *
test_collect_new (void)
{
  return g_object_new (TEST_TYPE_COLLECT, NULL);
}

guint
test_collect_count (TestCollect *c)
{
  g_mutex_lock (&c->lock);
  guint n = c->packets->len;
  g_mutex_unlock (&c->lock);
  return n;
}

void
test_collect_release (TestCollect *c)
{
  g_mutex_lock (&c->lock);
  c->hold = FALSE;
  g_ptr_array_set_size (c->held, 0);
  g_mutex_unlock (&c->lock);
}

/* ---- frames ----------------------------------------------------------------------- */

guint32
test_ip (const char *dotted)
{
  struct in_addr a;
  g_assert_cmpint (inet_pton (AF_INET, dotted, &a), ==, 1);
  return ntohl (a.s_addr);
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, v >> 16);
  put16 (p + 2, v & 0xffff);
}

GBytes *
test_udp_frame (guint32 seq, const char *src_mac, guint32 src_ip, guint32 dst_ip, guint16 sport,
                guint16 dport, guint frame_len)
{
  static const guint8 dst[6] = { 0x02, 0, 0, 0, 0, 0x99 };
  guint8 *f;
  guint32 sum = 0;
  unsigned int m[6] = { 0 };

  frame_len = MAX (frame_len, 60u);
  f = g_malloc0 (frame_len);
  memcpy (f, dst, 6);
  g_assert_cmpint (sscanf (src_mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]),
                   ==, 6);
  for (int i = 0; i < 6; i++)
    f[6 + i] = (guint8)m[i];
  put16 (f + 12, 0x0800);
  guint8 *ip = f + 14;
  ip[0] = 0x45;
  put16 (ip + 2, (guint16)(frame_len - 14));
  put16 (ip + 4, (guint16)seq);
  ip[8] = 64;
  ip[9] = 17;
  put32 (ip + 12, src_ip);
  put32 (ip + 16, dst_ip);
  for (int i = 0; i < 20; i += 2)
    sum += (guint32)(ip[i] << 8 | ip[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  put16 (ip + 10, (guint16)~sum);
  guint8 *udp = ip + 20;
  put16 (udp, sport);
  put16 (udp + 2, dport);
  put16 (udp + 4, (guint16)(frame_len - 34));
  memcpy (udp + 8, "pktpipe", 7);
  put32 (udp + 15, seq);
  for (guint i = 19 + 34; i < frame_len; i++)
    f[i] = (guint8)(seq * 7 + i);
  return g_bytes_new_take (f, frame_len);
}

gint64
test_frame_seq (GBytes *frame)
{
  gsize n;
  const guint8 *f = g_bytes_get_data (frame, &n);

  if (n < 53 || memcmp (f + 42, "pktpipe", 7) != 0)
    return -1;
  return (gint64)((guint32)f[49] << 24 | (guint32)f[50] << 16 | (guint32)f[51] << 8 | f[52]);
}

void
test_write_pcap (const char *path, GPtrArray *frames)
{
  pcap_t *p = pcap_open_dead (DLT_EN10MB, 262144);
  pcap_dumper_t *d = pcap_dump_open (p, path);

  g_assert_nonnull (d);
  for (guint i = 0; i < frames->len; i++) {
    gsize n;
    const guint8 *data = g_bytes_get_data (frames->pdata[i], &n);
    struct pcap_pkthdr h
        = { .ts = { 1700000000, i }, .caplen = (bpf_u_int32)n, .len = (bpf_u_int32)n };
    pcap_dump ((u_char *)d, &h, data);
  }
  pcap_dump_close (d);
  pcap_close (p);
}

/* ---- pipelines -------------------------------------------------------------------- */

PktElement *
test_make (const char *factory, const char *name, const char *first_prop, ...)
{
  g_autoptr (GError) error = NULL;
  PktElement *e = pkt_element_factory_make (factory, name, &error);
  va_list ap;

  g_assert_no_error (error);
  va_start (ap, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (e), first_prop, ap);
  va_end (ap);
  return e;
}

PktElement *
test_pipeline_chain (PktElement *first, ...)
{
  g_autoptr (GError) error = NULL;
  PktElement *pipeline = pkt_pipeline_new (NULL);
  PktElement *prev = first, *e;
  va_list ap;

  g_object_ref_sink (pipeline);
  g_assert_true (pkt_bin_add (PKT_BIN (pipeline), first, &error));
  va_start (ap, first);
  while ((e = va_arg (ap, PktElement *)) != NULL) {
    g_assert_true (pkt_bin_add (PKT_BIN (pipeline), e, &error));
    g_assert_true (pkt_element_link (prev, e, &error));
    g_assert_no_error (error);
    prev = e;
  }
  va_end (ap);
  return pipeline;
}

PktMessage *
test_pop_error (PktElement *pipeline, guint timeout_ms)
{
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (pipeline));
  return pkt_bus_pop_filtered (bus, timeout_ms ? (gint64)timeout_ms * 1000 : 0, PKT_MESSAGE_ERROR);
}

void
test_wait_eos (PktElement *pipeline, guint timeout_ms)
{
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (pipeline));
  g_autoptr (PktMessage) m
      = pkt_bus_pop_filtered (bus, (gint64)timeout_ms * 1000, PKT_MESSAGE_EOS | PKT_MESSAGE_ERROR);

  g_assert_nonnull (m);
  if (m->type == PKT_MESSAGE_ERROR)
    g_error ("unexpected error from %s: %s", m->src_name, m->error->message);
}

guint64
test_get_u64 (PktElement *element, const char *property)
{
  guint64 v = 0;
  g_object_get (element, property, &v, NULL);
  return v;
}

guint64
test_send_frames (const char *ns, const char *ifname, GPtrArray *frames)
{
  return test_send_frames_rate (ns, ifname, frames, 0);
}

guint64
test_send_frames_rate (const char *ns, const char *ifname, GPtrArray *frames, guint64 rate)
{
  g_autoptr (GError) error = NULL;
  PktElement *sink
      = test_make ("afpacketsink", "tx", "iface", ifname, "netns", ns, "rate", rate, NULL);
  g_autoptr (PktElement) pipeline = test_pipeline_chain (test_frame_src_new (frames), sink, NULL);
  guint64 sent;

  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_PLAYING, &error));
  g_assert_no_error (error);
  test_wait_eos (pipeline, 20000);
  sent = test_get_u64 (sink, "sent");
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_NULL, &error));
  return sent;
}

gboolean
test_wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!cond (data)) {
    if (g_get_monotonic_time () > end)
      return cond (data);
    g_usleep (5000);
  }
  return TRUE;
}
