/* pktpipe decap plugin — `ipdefrag`: reassembles fragmented IPv4 and IPv6
 * datagrams (the engine is defrag.c).
 *
 * Packets that are not fragments pass untouched (zero copy). Fragments are
 * copied into the engine and leave the batch (held, not lost); when the
 * last missing fragment arrives, the whole datagram takes that fragment's
 * place in the batch. Reassembled frames of one batch live in one arena,
 * the batch's new lease, which keeps the old lease while unchanged packets
 * still point into it (as encap does). Datagrams that never complete are
 * dropped at the timeout, at max-datagrams/max-bytes or at EOS, and every
 * fragment lost that way is counted.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "decap.h"
#include "defrag.h"

#include <string.h>

#define ALIGN8(n) (((n) + 7) & ~(gsize)7)

typedef struct {
  guint index;
  guint8 *frame;
  gsize len;
} Done;

struct _PktIpDefrag {
  PktFilter parent;
  guint max_datagrams;
  guint64 max_bytes, timeout;
  PktDefrag *engine;
  PktDefragStats last; /* the counters of the engine after stop */
  GArray *done;        /* Done, per batch */
  guint8 *keep;
  guint keep_len;
  gint64 now_ns;
  guint64 malformed_passed;
};

G_DECLARE_FINAL_TYPE (PktIpDefrag, pkt_ip_defrag, PKT, IP_DEFRAG, PktFilter)
G_DEFINE_FINAL_TYPE (PktIpDefrag, pkt_ip_defrag, PKT_TYPE_FILTER)

enum {
  PROP_0,
  PROP_MAX_DATAGRAMS,
  PROP_MAX_BYTES,
  PROP_TIMEOUT,
  PROP_FRAGMENTS,
  PROP_REASSEMBLED,
  PROP_TIMEOUTS,
  PROP_EVICTED,
  PROP_OVERLAPS,
  PROP_MALFORMED,
  PROP_LOST_FRAGMENTS,
  PROP_PENDING,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static gboolean
pkt_ip_defrag_start (PktFilter *filter, GError **error)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (filter);
  self->engine = pkt_defrag_new (self->max_datagrams, self->max_bytes, self->timeout);
  memset (&self->last, 0, sizeof self->last);
  self->now_ns = G_MININT64;
  return TRUE;
}

static void
pkt_ip_defrag_stop (PktFilter *filter)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (filter);
  if (self->engine)
    self->last = *pkt_defrag_get_stats (self->engine);
  g_clear_pointer (&self->engine, pkt_defrag_free);
}

/* Puts the reassembled frames of this batch into one arena leased by it. */
static void
place_done (PktIpDefrag *self, PktBufferList *list)
{
  gsize total = 0;
  for (guint i = 0; i < self->done->len; i++)
    total += ALIGN8 (g_array_index (self->done, Done, i).len);
  gpointer mem;
  PktLease *arena = pkt_lease_new_arena (total, list->lease, &mem);
  guint8 *out = mem;
  for (guint i = 0; i < self->done->len; i++) {
    Done *d = &g_array_index (self->done, Done, i);
    PktPacket *p = &list->packets[d->index];
    memcpy (out, d->frame, d->len);
    g_free (d->frame);
    p->data = out;
    p->caplen = p->len = (guint32)d->len;
    pkt_packet_reset_parse (p);
    out += ALIGN8 (d->len);
  }
  g_array_set_size (self->done, 0);
  pkt_buffer_list_set_lease (list, arena);
  pkt_lease_unref (arena); /* the list holds it now */
}

static PktFlowReturn
pkt_ip_defrag_process (PktFilter *filter, PktBufferList *list)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (filter);
  const guint n = list->n_packets;
  guint held = 0;
  if (G_UNLIKELY (self->keep_len < n)) {
    self->keep = g_realloc (self->keep, n);
    self->keep_len = n;
  }
  for (guint i = 0; i < n; i++) {
    PktPacket *p = &list->packets[i];
    Done d = { i, NULL, 0 };
    self->keep[i] = 1;
    self->now_ns = MAX (self->now_ns, p->ts_ns);
    pkt_packet_parse (p);
    switch (pkt_defrag_push (self->engine, p, &d.frame, &d.len)) {
      case PKT_DEFRAG_HELD:
        self->keep[i] = 0;
        held++;
        break;
      case PKT_DEFRAG_DONE:
        g_array_append_val (self->done, d);
        break;
      case PKT_DEFRAG_MALFORMED:
        self->malformed_passed++; /* passed on as it is, flagged */
        p->flags |= PKT_PACKET_FLAG_MALFORMED;
        break;
      case PKT_DEFRAG_PASS:
        break;
    }
  }
  if (self->done->len)
    place_done (self, list);
  if (held)
    pkt_filter_compact (list, self->keep);
  pkt_defrag_expire (self->engine, self->now_ns);
  return PKT_FLOW_OK;
}

static gboolean
pkt_ip_defrag_sink_event (PktFilter *filter, PktEvent *event)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (filter);
  if (event->type == PKT_EVENT_EOS && self->engine)
    pkt_defrag_expire (self->engine, G_MAXINT64); /* incomplete datagrams: counted lost */
  else if (event->type == PKT_EVENT_HEARTBEAT && self->engine && event->ts_ns > 0)
    pkt_defrag_expire (self->engine, MAX (self->now_ns, event->ts_ns));
  return PKT_FILTER_CLASS (pkt_ip_defrag_parent_class)->sink_event (filter, event);
}

static guint64
stat_value (PktIpDefrag *self, guint id)
{
  const PktDefragStats *s = self->engine ? pkt_defrag_get_stats (self->engine) : &self->last;
  switch (id) {
    case PROP_FRAGMENTS:
      return PKT_STAT_GET (s->fragments);
    case PROP_REASSEMBLED:
      return PKT_STAT_GET (s->reassembled);
    case PROP_TIMEOUTS:
      return PKT_STAT_GET (s->timeouts);
    case PROP_EVICTED:
      return PKT_STAT_GET (s->evicted);
    case PROP_OVERLAPS:
      return PKT_STAT_GET (s->overlaps);
    case PROP_MALFORMED:
      return PKT_STAT_GET (s->malformed);
    case PROP_LOST_FRAGMENTS:
      return PKT_STAT_GET (s->lost_fragments);
    case PROP_PENDING:
      return self->engine ? pkt_defrag_get_pending (self->engine) : 0;
    default:
      return 0;
  }
}

static void
pkt_ip_defrag_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (object);
  switch (id) {
    case PROP_MAX_DATAGRAMS:
      self->max_datagrams = g_value_get_uint (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_ip_defrag_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (object);
  switch (id) {
    case PROP_MAX_DATAGRAMS:
      g_value_set_uint (value, self->max_datagrams);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint64 (value, self->timeout);
      break;
    default:
      g_value_set_uint64 (value, stat_value (self, id));
      break;
  }
}

static void
pkt_ip_defrag_finalize (GObject *object)
{
  PktIpDefrag *self = PKT_IP_DEFRAG (object);
  g_clear_pointer (&self->engine, pkt_defrag_free);
  g_array_unref (self->done);
  g_free (self->keep);
  G_OBJECT_CLASS (pkt_ip_defrag_parent_class)->finalize (object);
}

#define STAT(n, b) g_param_spec_uint64 (n, n, b, 0, G_MAXUINT64, 0, stat)

static void
pkt_ip_defrag_class_init (PktIpDefragClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PktFilterClass *fc = PKT_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags stat = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT;

  oc->set_property = pkt_ip_defrag_set_property;
  oc->get_property = pkt_ip_defrag_get_property;
  oc->finalize = pkt_ip_defrag_finalize;
  fc->start = pkt_ip_defrag_start;
  fc->stop = pkt_ip_defrag_stop;
  fc->process = pkt_ip_defrag_process;
  fc->sink_event = pkt_ip_defrag_sink_event;

  props[PROP_MAX_DATAGRAMS] = g_param_spec_uint (
      "max-datagrams", "Max datagrams",
      "Incomplete datagrams held at most; beyond, the oldest is dropped (its fragments counted "
      "in lost-fragments)",
      1, 16 * 1024 * 1024, 8192, rw);
  props[PROP_MAX_BYTES] = g_param_spec_uint64 (
      "max-bytes", "Max bytes",
      "Memory for incomplete datagrams at most (0: no limit besides max-datagrams); beyond, the "
      "oldest are dropped",
      0, G_MAXUINT64, 64 * 1024 * 1024, rw);
  props[PROP_TIMEOUT] = g_param_spec_uint64 (
      "timeout", "Timeout",
      "A datagram still incomplete this long after its first fragment (packet time, ns) is "
      "dropped (Linux ipfrag_time: 30 s)",
      1, G_MAXINT64, 30 * G_GUINT64_CONSTANT (1000000000), rw);
  props[PROP_FRAGMENTS] = STAT ("fragments", "Fragments taken in");
  props[PROP_REASSEMBLED] = STAT ("reassembled", "Datagrams reassembled and passed on");
  props[PROP_TIMEOUTS] = STAT ("timeouts", "Datagrams dropped incomplete at the timeout or EOS");
  props[PROP_EVICTED] = STAT ("evicted", "Datagrams dropped incomplete at max-datagrams/max-bytes");
  props[PROP_OVERLAPS] = STAT ("overlaps", "Fragments overlapping bytes already held (first wins)");
  props[PROP_MALFORMED]
      = STAT ("malformed", "Fragments refused (bad offsets or lengths): passed on, flagged");
  props[PROP_LOST_FRAGMENTS] = STAT ("lost-fragments", "Fragments of datagrams dropped incomplete");
  props[PROP_PENDING] = STAT ("pending", "Incomplete datagrams held now");
  g_object_class_install_properties (oc, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "IP defragmenter", "Filter/Network",
                                  "Reassembles fragmented IPv4 and IPv6 datagrams", "pktpipe");
}

static void
pkt_ip_defrag_init (PktIpDefrag *self)
{
  self->max_datagrams = 8192;
  self->max_bytes = 64 * 1024 * 1024;
  self->timeout = 30 * G_GUINT64_CONSTANT (1000000000);
  self->done = g_array_new (FALSE, FALSE, sizeof (Done));
}
