/* pktpipe l7 — PktL7Parser: per-flow state keyed by flowtrack's flow id,
 * a request `records` pad, and the in-order TCP payload helper.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-base.h"
#include <string.h>

typedef struct {
  GList link; /* LRU position: data = the state */
  guint64 flow_id;
  gint64 last_ns; /* packet time of its last packet */
  gboolean is_tcp;
  gboolean fin[2];
  /* the subclass's state follows, aligned */
  guint64 state[];
} FlowSlot;

typedef struct {
  PktPad *records_pad;
  GHashTable *flows; /* flow_id -> FlowSlot* */
  GQueue lru;        /* head = least recently used */
  guint max_flows;
  guint64 tcp_inactivity, udp_inactivity; /* ns of packet time; 0 = never */
  PktRecordList *pending;
  guint64 records, malformed, evicted, expired, unflowed, gaps, gap_bytes;
  guint64 active; /* flows with state, published per batch for other threads */
  gint64 now_ns;
} PktL7ParserPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktL7Parser, pkt_l7_parser, PKT_TYPE_FILTER)

enum {
  PROP_0,
  PROP_MAX_FLOWS,
  PROP_TCP_INACTIVITY,
  PROP_UDP_INACTIVITY,
  PROP_RECORDS,
  PROP_MALFORMED,
  PROP_EVICTED,
  PROP_EXPIRED,
  PROP_UNFLOWED,
  PROP_GAPS,
  PROP_GAP_BYTES,
  PROP_ACTIVE,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static const PktPadTemplate records_template
    = { "records", PKT_PAD_SRC, PKT_PAD_KIND_RECORDS, PKT_PAD_REQUEST };

void
pkt_l7_conn_set (PktL7Conn *conn, const PktL7Packet *pkt)
{
  conn->flow_id = pkt->flow_id;
  conn->orig_h = pkt->orig_h;
  conn->resp_h = pkt->resp_h;
  conn->orig_p = pkt->orig_p;
  conn->resp_p = pkt->resp_p;
}

void
pkt_l7_record_id_set (PktL7RecordId *id, const PktL7Conn *conn)
{
  pkt_flow_format_uid (conn->flow_id, id->uid_buf);
  id->uid = id->uid_buf;
  id->orig_h = conn->orig_h;
  id->resp_h = conn->resp_h;
  id->orig_p = conn->orig_p;
  id->resp_p = conn->resp_p;
}

static void
slot_free (PktL7Parser *self, FlowSlot *slot, gboolean flush)
{
  PktL7ParserClass *klass = PKT_L7_PARSER_GET_CLASS (self);
  if (flush && klass->flush_flow)
    klass->flush_flow (self, slot->state);
  if (klass->clear_flow)
    klass->clear_flow (self, slot->state);
  g_free (slot);
}

static void
drop_flow (PktL7Parser *self, FlowSlot *slot)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  g_queue_unlink (&priv->lru, &slot->link);
  g_hash_table_remove (priv->flows, &slot->flow_id);
  slot_free (self, slot, TRUE);
}

static FlowSlot *
lookup_flow (PktL7Parser *self, guint64 flow_id, const PktL7Packet *pkt)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  FlowSlot *slot = g_hash_table_lookup (priv->flows, &flow_id);
  if (slot) {
    g_queue_unlink (&priv->lru, &slot->link);
    g_queue_push_tail_link (&priv->lru, &slot->link);
    slot->last_ns = MAX (slot->last_ns, pkt->packet->ts_ns);
    return slot;
  }
  if (g_hash_table_size (priv->flows) >= priv->max_flows) {
    /* bounded memory: the least recently used flow is flushed and dropped */
    drop_flow (self, priv->lru.head->data);
    PKT_STAT_ADD (priv->evicted, 1);
  }
  gsize sz = PKT_L7_PARSER_GET_CLASS (self)->flow_state_size;
  slot = g_malloc0 (sizeof (FlowSlot) + sz);
  slot->flow_id = flow_id;
  slot->last_ns = pkt->packet->ts_ns;
  slot->is_tcp = pkt->key.proto == 6;
  slot->link.data = slot;
  g_hash_table_insert (priv->flows, &slot->flow_id, slot);
  g_queue_push_tail_link (&priv->lru, &slot->link);
  return slot;
}

static gboolean
describe (PktPacket *p, PktL7Packet *out)
{
  if (!(p->flags & PKT_PACKET_FLAG_FLOW_VALID))
    return FALSE;
  if (!pkt_packet_get_flow_key (p, &out->key) || p->l4_off == PKT_OFFSET_NONE)
    return FALSE;
  if (p->flags & PKT_PACKET_FLAG_FRAGMENT)
    return FALSE;
  out->packet = p;
  out->flow_id = p->flow_id;
  out->dir = p->flow_dir;
  const guint8 *l4 = p->data + p->l4_off;
  guint l4len = p->caplen - p->l4_off;
  out->tcp_flags = 0;
  out->tcp_seq = 0;
  if (out->key.proto == 6) {
    if (l4len < 20)
      return FALSE;
    guint hl = (l4[12] >> 4) * 4;
    if (hl < 20 || hl > l4len)
      return FALSE;
    out->tcp_flags = l4[13];
    out->tcp_seq = (guint32)l4[4] << 24 | (guint32)l4[5] << 16 | (guint32)l4[6] << 8 | l4[7];
    out->payload = l4 + hl;
    out->payload_len = l4len - hl;
  } else if (out->key.proto == 17) {
    if (l4len < 8)
      return FALSE;
    out->payload = l4 + 8;
    out->payload_len = l4len - 8;
  } else {
    return FALSE;
  }
  /* the IP layer may say the payload is shorter than what was captured (padding) */
  if (p->l3_proto == 4 && p->l3_off != PKT_OFFSET_NONE) {
    const guint8 *ip = p->data + p->l3_off;
    guint total = (guint)ip[2] << 8 | ip[3];
    guint end = p->l3_off + total;
    guint have = out->payload - p->data + out->payload_len;
    if (end < have && end >= (guint)(out->payload - p->data))
      out->payload_len -= have - end;
  }
  gboolean fwd = out->dir == 0;
  out->orig_h = fwd ? out->key.src : out->key.dst;
  out->resp_h = fwd ? out->key.dst : out->key.src;
  out->orig_p = fwd ? out->key.sport : out->key.dport;
  out->resp_p = fwd ? out->key.dport : out->key.sport;
  return TRUE;
}

/* Flows idle longer than their protocol's inactivity timeout (packet time)
 * are flushed and dropped, as flowtrack ends them: a UDP flow (DNS) never
 * sees a FIN, and without this its state would stay until max-flows. The
 * LRU list is in order of last activity, so the walk stops at the first
 * flow still active; with two timeouts a UDP flow behind an idle TCP flow
 * may wait up to the TCP timeout (memory stays bounded by max-flows). */
static void
expire_idle (PktL7Parser *self)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  guint64 n = 0;
  while (priv->lru.head) {
    FlowSlot *slot = priv->lru.head->data;
    guint64 timeout = slot->is_tcp ? priv->tcp_inactivity : priv->udp_inactivity;
    if (timeout == 0 || priv->now_ns - slot->last_ns < (gint64)MIN (timeout, G_MAXINT64))
      break;
    drop_flow (self, slot);
    n++;
  }
  if (n)
    PKT_STAT_ADD (priv->expired, n);
}

static void
push_pending (PktL7Parser *self)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  /* every batch and event ends here: publish the flow count for readers on
   * other threads (the table itself belongs to the streaming thread) */
  __atomic_store_n (&priv->active, (guint64)g_hash_table_size (priv->flows), __ATOMIC_RELAXED);
  if (!priv->pending)
    return;
  PktRecordList *l = g_steal_pointer (&priv->pending);
  if (priv->records_pad && pkt_pad_is_linked (priv->records_pad))
    pkt_pad_push_records (priv->records_pad, l);
  else
    pkt_record_list_unref (l);
}

static PktFlowReturn
pkt_l7_parser_process (PktFilter *filter, PktBufferList *list)
{
  PktL7Parser *self = PKT_L7_PARSER (filter);
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  PktL7ParserClass *klass = PKT_L7_PARSER_GET_CLASS (self);
  guint64 unflowed = 0;
  for (guint i = 0; i < list->n_packets; i++) {
    PktL7Packet pkt;
    PktPacket *p = &list->packets[i];
    if (!describe (p, &pkt)) {
      unflowed += !(p->flags & PKT_PACKET_FLAG_FLOW_VALID);
      continue;
    }
    priv->now_ns = MAX (priv->now_ns, p->ts_ns);
    if (!klass->accept (self, &pkt))
      continue;
    FlowSlot *slot = lookup_flow (self, pkt.flow_id, &pkt);
    klass->handle (self, slot->state, &pkt);
    if (pkt.tcp_flags & 0x05) { /* FIN or RST */
      slot->fin[pkt.dir] = TRUE;
      if ((pkt.tcp_flags & 0x04) || (slot->fin[0] && slot->fin[1]))
        drop_flow (self, slot);
    }
  }
  if (unflowed)
    PKT_STAT_ADD (priv->unflowed, unflowed);
  expire_idle (self);
  if (klass->tick)
    klass->tick (self, priv->now_ns);
  push_pending (self);
  return PKT_FLOW_OK;
}

static void
flush_all (PktL7Parser *self)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  while (priv->lru.head)
    drop_flow (self, priv->lru.head->data);
  if (PKT_L7_PARSER_GET_CLASS (self)->tick)
    PKT_L7_PARSER_GET_CLASS (self)->tick (self, G_MAXINT64);
  push_pending (self);
}

static gboolean
pkt_l7_parser_sink_event (PktFilter *filter, PktEvent *event)
{
  PktL7Parser *self = PKT_L7_PARSER (filter);
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  if (event->type == PKT_EVENT_EOS)
    flush_all (self);
  else if (event->type == PKT_EVENT_HEARTBEAT) {
    /* a live source with no packets: time still passes, idle flows end */
    priv->now_ns = MAX (priv->now_ns, event->ts_ns);
    expire_idle (self);
    if (PKT_L7_PARSER_GET_CLASS (self)->tick)
      PKT_L7_PARSER_GET_CLASS (self)->tick (self, priv->now_ns);
    push_pending (self);
  }
  /* events go out of both the packets and the records pad */
  return pkt_element_forward_event (PKT_ELEMENT (self), event);
}

static PktPad *
pkt_l7_parser_request_new_pad (PktElement *element, const PktPadTemplate *templ, const char *name,
                               GError **error)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (PKT_L7_PARSER (element));
  if (priv->records_pad) {
    pkt_element_set_error (element, error, PKT_ERROR_SETTINGS, "has one records pad only");
    return NULL;
  }
  priv->records_pad = pkt_pad_new_from_template (templ, "records");
  pkt_element_add_pad (element, priv->records_pad);
  return priv->records_pad;
}

static void
pkt_l7_parser_stop (PktFilter *filter)
{
  PktL7Parser *self = PKT_L7_PARSER (filter);
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  while (priv->lru.head) {
    FlowSlot *slot = priv->lru.head->data;
    g_queue_unlink (&priv->lru, &slot->link);
    g_hash_table_remove (priv->flows, &slot->flow_id);
    slot_free (self, slot, FALSE);
  }
  g_clear_pointer (&priv->pending, pkt_record_list_unref);
}

static void
pkt_l7_parser_set_property (GObject *o, guint id, const GValue *v, GParamSpec *ps)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (PKT_L7_PARSER (o));
  if (id == PROP_MAX_FLOWS)
    priv->max_flows = g_value_get_uint (v);
  else if (id == PROP_TCP_INACTIVITY)
    priv->tcp_inactivity = g_value_get_uint64 (v);
  else if (id == PROP_UDP_INACTIVITY)
    priv->udp_inactivity = g_value_get_uint64 (v);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
}

static void
pkt_l7_parser_get_property (GObject *o, guint id, GValue *v, GParamSpec *ps)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (PKT_L7_PARSER (o));
  switch (id) {
    case PROP_MAX_FLOWS:
      g_value_set_uint (v, priv->max_flows);
      break;
    case PROP_TCP_INACTIVITY:
      g_value_set_uint64 (v, priv->tcp_inactivity);
      break;
    case PROP_UDP_INACTIVITY:
      g_value_set_uint64 (v, priv->udp_inactivity);
      break;
    case PROP_EXPIRED:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->expired));
      break;
    case PROP_RECORDS:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->records));
      break;
    case PROP_MALFORMED:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->malformed));
      break;
    case PROP_EVICTED:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->evicted));
      break;
    case PROP_UNFLOWED:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->unflowed));
      break;
    case PROP_GAPS:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->gaps));
      break;
    case PROP_GAP_BYTES:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->gap_bytes));
      break;
    case PROP_ACTIVE:
      g_value_set_uint64 (v, PKT_STAT_GET (priv->active));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

static void
pkt_l7_parser_finalize (GObject *o)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (PKT_L7_PARSER (o));
  pkt_l7_parser_stop (PKT_FILTER (o));
  g_hash_table_unref (priv->flows);
  G_OBJECT_CLASS (pkt_l7_parser_parent_class)->finalize (o);
}

#define STAT(n, b)                                                                                 \
  g_param_spec_uint64 (n, n, b, 0, G_MAXUINT64, 0,                                                 \
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_l7_parser_class_init (PktL7ParserClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  PktFilterClass *fclass = PKT_FILTER_CLASS (klass);
  oclass->set_property = pkt_l7_parser_set_property;
  oclass->get_property = pkt_l7_parser_get_property;
  oclass->finalize = pkt_l7_parser_finalize;
  eclass->request_new_pad = pkt_l7_parser_request_new_pad;
  fclass->process = pkt_l7_parser_process;
  fclass->sink_event = pkt_l7_parser_sink_event;
  fclass->stop = pkt_l7_parser_stop;
  pkt_element_class_add_pad_template (eclass, &records_template);

  props[PROP_MAX_FLOWS] = g_param_spec_uint (
      "max-flows", "Max flows",
      "Flows with parser state at most; the least recently active is flushed and dropped", 1,
      16 * 1024 * 1024, 65536, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_TCP_INACTIVITY] = g_param_spec_uint64 (
      "tcp-inactivity", "TCP inactivity",
      "A TCP flow without packets this long (packet time, ns) is flushed and dropped; 0: never", 0,
      G_MAXUINT64, 300 * G_GUINT64_CONSTANT (1000000000),
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_UDP_INACTIVITY] = g_param_spec_uint64 (
      "udp-inactivity", "UDP inactivity",
      "A UDP flow without packets this long (packet time, ns) is flushed and dropped; 0: never", 0,
      G_MAXUINT64, 60 * G_GUINT64_CONSTANT (1000000000),
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_RECORDS] = STAT ("records", "Records emitted");
  props[PROP_MALFORMED] = STAT ("malformed", "Messages that did not parse");
  props[PROP_EVICTED] = STAT ("evicted", "Flows dropped at max-flows (pending records flushed)");
  props[PROP_EXPIRED]
      = STAT ("expired", "Flows dropped after their inactivity timeout (pending records flushed)");
  props[PROP_UNFLOWED] = STAT ("unflowed", "Packets without a flow id (put flowtrack upstream)");
  props[PROP_GAPS] = STAT ("gaps", "Holes skipped in TCP payload streams");
  props[PROP_GAP_BYTES]
      = STAT ("gap-bytes", "Bytes missing in those holes, or abandoned at the buffer cap");
  props[PROP_ACTIVE]
      = g_param_spec_uint64 ("active-flows", "Active flows", "Flows with state now", 0, G_MAXUINT64,
                             0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  g_object_class_install_properties (oclass, N_PROPS, props);
}

static void
pkt_l7_parser_init (PktL7Parser *self)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  priv->flows = g_hash_table_new (pkt_l7_flow_id_hash, pkt_l7_flow_id_equal);
  g_queue_init (&priv->lru);
  priv->max_flows = 65536;
  priv->tcp_inactivity = 300 * G_GUINT64_CONSTANT (1000000000);
  priv->udp_inactivity = 60 * G_GUINT64_CONSTANT (1000000000);
}

void
pkt_l7_parser_emit (PktL7Parser *self, PktRecord *record)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  if (!priv->pending)
    priv->pending = pkt_record_list_new (16);
  pkt_record_list_add (priv->pending, record);
  PKT_STAT_ADD (priv->records, 1);
}

gboolean
pkt_l7_parser_wants_records (PktL7Parser *self)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  return priv->records_pad && pkt_pad_is_linked (priv->records_pad);
}

void
pkt_l7_parser_count_malformed (PktL7Parser *self)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  PKT_STAT_ADD (priv->malformed, 1);
}

void
pkt_l7_parser_count_gap (PktL7Parser *self, guint64 bytes)
{
  PktL7ParserPrivate *priv = pkt_l7_parser_get_instance_private (self);
  PKT_STAT_ADD (priv->gaps, 1);
  PKT_STAT_ADD (priv->gap_bytes, bytes);
}

/* ---- in-order TCP payload ------------------------------------------------ */

gboolean
pkt_l7_stream_feed (PktL7Parser *self, PktL7Stream *s, const PktL7Packet *pkt, gsize max)
{
  guint32 seq = pkt->tcp_seq + ((pkt->tcp_flags & 0x02) ? 1 : 0); /* SYN takes one */
  const guint8 *data = pkt->payload;
  guint len = pkt->payload_len;
  if (s->abandoned)
    return FALSE;
  if (!s->have_seq) {
    s->have_seq = TRUE;
    s->next_seq = seq;
    if (!s->buf)
      s->buf = g_byte_array_new ();
  }
  if (len == 0)
    return TRUE;
  gint32 delta = (gint32)(seq - s->next_seq); /* serial arithmetic: wraps */
  if (delta < 0) {
    /* retransmission or overlap: the first copy wins, keep only what is new */
    if ((guint32)-delta >= len)
      return TRUE;
    data += -delta;
    len -= -delta;
  } else if (delta > 0) {
    /* a hole: skip it rather than wait (the parser resynchronises) */
    pkt_l7_parser_count_gap (self, (guint32)delta);
    s->gap = TRUE;
  }
  if (s->buf->len + len > max) {
    pkt_l7_parser_count_gap (self, len);
    pkt_l7_stream_clear (s);
    s->abandoned = TRUE;
    return FALSE;
  }
  g_byte_array_append (s->buf, data, len);
  s->next_seq = seq + pkt->payload_len; /* the segment's end, whatever was trimmed */
  return TRUE;
}

void
pkt_l7_stream_consume (PktL7Stream *s, gsize n)
{
  if (s->buf)
    g_byte_array_remove_range (s->buf, 0, MIN (n, s->buf->len));
}

void
pkt_l7_stream_clear (PktL7Stream *s)
{
  if (s->buf)
    g_byte_array_unref (s->buf);
  s->buf = NULL;
  s->have_seq = FALSE;
}
