/* pktpipe l7 — tcpreassemble: TCP segments in stream order, payload trimmed to new bytes.
 *
 * Per flow (flowtrack's flow id) and direction the element knows the next
 * expected sequence number. A segment that starts there goes downstream at
 * once, in place (its descriptor's caplen/len cut if its tail repeats bytes
 * already held). A segment from the future is copied out of the ring into
 * the element's memory and held; when the hole before it fills, held
 * segments follow in order, pushed as separate lists that own their copies
 * (their own lease), so no ring block is ever pinned by a hole. Bytes seen
 * twice keep their first copy (first-wins): a segment that only repeats is
 * dropped and counted, one that partly repeats is cut to its new bytes (a
 * front cut needs a copy with the TCP sequence number and IP length
 * rewritten; the TCP checksum is left as it was). When the per-flow or
 * total cap is reached, or the flow ends with holes, the oldest hole is
 * skipped: the next packet delivered carries PKT_PACKET_FLAG_GAP and the
 * missing bytes are counted.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7.h"
#include <string.h>

typedef struct _Held Held;
struct _Held {
  Held *next;
  guint32 seq, end; /* span in sequence space, a FIN counting one */
  gboolean fin;
  PktPacket desc; /* data points at frame */
  guint8 *frame;
  gsize size;
};

typedef struct {
  gboolean have_seq, gap_pending;
  guint32 next_seq;
  Held *held; /* sorted by seq, disjoint */
} Dir;

typedef struct {
  GList link;      /* LRU: data = the flow */
  GList held_link; /* in held_flows while it holds bytes */
  guint64 flow_id;
  gsize held_bytes;
  gint64 held_since; /* packet time when it began holding */
  Dir dir[2];        /* [0]: the endpoint that sent the flow's first packet */
  guint16 a_port;    /* that endpoint: flowtrack may swap roles later (a SYN-ACK */
  guint8 a_addr[16]; /* seen first), sequence spaces stay with their sender */
  gboolean a_set;
} Flow;

/* Where the packets of one process() or event go, in order. */
typedef struct {
  PktBufferList *in; /* ring packets are compacted into it, or NULL */
  guint w;
  PktBufferList *owned; /* held copies, under their own lease */
  GPtrArray *frames;
  PktFlowReturn ret;
} Out;

struct _PktTcpReassemble {
  PktFilter parent;
  guint max_flows;
  guint64 max_per_flow, max_total;
  guint64 hole_timeout; /* ns, 0 = never */
  gint64 now_ns;        /* packet time */
  GHashTable *flows;
  GQueue lru, held_flows;
  guint64 total_held;
  guint64 out_of_order, overlaps, retransmissions, gaps, gap_bytes, dropped_at_caps;
  guint64 held_bytes_stat, held_peak, evicted, unflowed, owned_packets;
};

G_DEFINE_FINAL_TYPE (PktTcpReassemble, pkt_tcp_reassemble, PKT_TYPE_FILTER)

enum {
  PROP_0,
  PROP_MAX_FLOWS,
  PROP_MAX_PER_FLOW,
  PROP_MAX_TOTAL,
  PROP_HOLE_TIMEOUT,
  PROP_OUT_OF_ORDER,
  PROP_OVERLAPS,
  PROP_RETRANSMISSIONS,
  PROP_GAPS,
  PROP_GAP_BYTES,
  PROP_DROPPED_AT_CAPS,
  PROP_HELD_BYTES,
  PROP_HELD_PEAK,
  PROP_EVICTED,
  PROP_UNFLOWED,
  PROP_COPIED,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static inline gboolean
seq_lt (guint32 a, guint32 b)
{
  return (gint32)(a - b) < 0;
}

static inline gboolean
seq_le (guint32 a, guint32 b)
{
  return (gint32)(a - b) <= 0;
}

/* ---- TCP view of a packet ------------------------------------------------ */

typedef struct {
  guint poff;       /* payload offset from data */
  guint plen;       /* payload bytes present (IP padding excluded) */
  guint32 data_seq; /* sequence number of the first payload byte */
  guint8 flags;
  guint16 sport;
  const guint8 *saddr; /* 4 or 16 bytes */
  guint alen;
} Tcp;

static gboolean
tcp_view (const PktPacket *p, Tcp *t)
{
  if (!(p->flags & PKT_PACKET_FLAG_FLOW_VALID) || !(p->flags & PKT_PACKET_FLAG_PARSED)
      || (p->flags & PKT_PACKET_FLAG_FRAGMENT) || p->l4_proto != 6 || p->l4_off == PKT_OFFSET_NONE
      || p->l3_off == PKT_OFFSET_NONE)
    return FALSE;
  if (p->caplen < (guint)p->l4_off + 20u)
    return FALSE;
  const guint8 *l4 = p->data + p->l4_off;
  guint hl = (l4[12] >> 4) * 4;
  if (hl < 20 || p->l4_off + hl > p->caplen)
    return FALSE;
  t->poff = p->l4_off + hl;
  t->plen = p->caplen - t->poff;
  t->flags = l4[13];
  guint32 seq = (guint32)l4[4] << 24 | (guint32)l4[5] << 16 | (guint32)l4[6] << 8 | l4[7];
  t->data_seq = seq + ((t->flags & 0x02) ? 1 : 0);
  t->sport = (guint16)(l4[0] << 8 | l4[1]);
  /* the IP length says where the segment ends (Ethernet pads short frames) */
  const guint8 *ip = p->data + p->l3_off;
  guint end = 0;
  if (p->l3_proto == 4 && p->l3_off + 20u <= p->l4_off) {
    end = p->l3_off + ((guint)ip[2] << 8 | ip[3]);
    t->saddr = ip + 12, t->alen = 4;
  } else if (p->l3_proto == 6 && p->l3_off + 40u <= p->l4_off) {
    end = p->l3_off + 40 + ((guint)ip[4] << 8 | ip[5]);
    t->saddr = ip + 8, t->alen = 16;
  } else {
    return FALSE;
  }
  if (end >= t->poff && end < t->poff + t->plen)
    t->plen = end - t->poff;
  return TRUE;
}

/* A copy of the part [a, b) (sequence space) of @p, headers rewritten to match. */
static Held *
slice_new (const PktPacket *p, const Tcp *t, guint32 a, guint32 b)
{
  guint32 fin_seq = t->data_seq + t->plen;
  gboolean fin = (t->flags & 0x01) && seq_lt (fin_seq, b) && seq_le (a, fin_seq);
  guint off = a - t->data_seq;
  guint n = MIN ((guint32)(b - a), t->plen - MIN (off, t->plen));
  if (fin && n > 0 && off + n > t->plen)
    n = t->plen - off;
  Held *h = g_new0 (Held, 1);
  h->seq = a;
  h->end = a + n + (fin ? 1 : 0);
  h->fin = fin;
  h->size = t->poff + n;
  h->frame = g_malloc (h->size);
  memcpy (h->frame, p->data, t->poff);
  memcpy (h->frame + t->poff, p->data + t->poff + off, n);
  guint8 *l4 = h->frame + p->l4_off;
  /* the copy says what it carries: sequence number, flags, IP length */
  guint8 flags = t->flags;
  guint32 seq = a;
  if (a != t->data_seq)
    flags &= ~0x02; /* the SYN stays with the first byte */
  else if (flags & 0x02)
    seq = a - 1;
  if (!fin)
    flags &= ~0x01;
  l4[4] = seq >> 24, l4[5] = seq >> 16, l4[6] = seq >> 8, l4[7] = seq;
  l4[13] = flags;
  guint8 *ip = h->frame + p->l3_off;
  if (p->l3_proto == 4) {
    guint total = h->size - p->l3_off;
    ip[2] = total >> 8, ip[3] = total;
    guint ihl = (ip[0] & 0x0f) * 4;
    if (p->l3_off + ihl <= t->poff) { /* header checksum */
      ip[10] = ip[11] = 0;
      guint32 sum = 0;
      for (guint i = 0; i + 1 < ihl; i += 2)
        sum += (guint32)ip[i] << 8 | ip[i + 1];
      while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
      ip[10] = ~sum >> 8, ip[11] = ~sum;
    }
  } else if (p->l3_proto == 6) {
    guint pl = h->size - p->l3_off - 40;
    ip[4] = pl >> 8, ip[5] = pl;
  }
  h->desc = *p;
  h->desc.data = h->frame;
  h->desc.caplen = h->desc.len = h->size;
  h->desc.flags &= ~PKT_PACKET_FLAG_GAP;
  return h;
}

/* ---- output -------------------------------------------------------------- */

static void
out_push (PktTcpReassemble *self, PktBufferList *l, Out *o)
{
  PktFlowReturn r = pkt_pad_push (pkt_filter_get_src_pad (PKT_FILTER (self)), &l->batch);
  if (r != PKT_FLOW_OK && o->ret == PKT_FLOW_OK)
    o->ret = r;
}

static void
out_flush_owned (PktTcpReassemble *self, Out *o)
{
  if (!o->owned)
    return;
  PktLease *lease
      = pkt_lease_new_for_memory (g_steal_pointer (&o->frames), (GDestroyNotify)g_ptr_array_unref);
  pkt_buffer_list_set_lease (o->owned, lease);
  pkt_lease_unref (lease);
  out_push (self, g_steal_pointer (&o->owned), o);
}

/* Ring packets compacted so far go first, as a list of their own. */
static void
out_flush_ring (PktTcpReassemble *self, Out *o)
{
  if (!o->in || o->w == 0)
    return;
  PktBufferList *l = pkt_buffer_list_new (MAX (o->w, PKT_BUFFER_LIST_DEFAULT_CAPACITY));
  memcpy (l->packets, o->in->packets, o->w * sizeof (PktPacket));
  l->n_packets = o->w;
  pkt_buffer_list_set_lease (l, o->in->lease);
  o->w = 0;
  out_push (self, l, o);
}

static void
out_ring (PktTcpReassemble *self, Out *o, const PktPacket *p)
{
  out_flush_owned (self, o);
  o->in->packets[o->w++] = *p;
}

static void
out_owned (PktTcpReassemble *self, Out *o, Held *h, gboolean gap)
{
  out_flush_ring (self, o);
  if (o->owned && pkt_buffer_list_is_full (o->owned))
    out_flush_owned (self, o);
  if (!o->owned) {
    o->owned = pkt_buffer_list_new (PKT_BUFFER_LIST_DEFAULT_CAPACITY);
    o->frames = g_ptr_array_new_with_free_func (g_free);
  }
  PktPacket *p = pkt_buffer_list_append (o->owned);
  *p = h->desc;
  if (gap)
    p->flags |= PKT_PACKET_FLAG_GAP;
  g_ptr_array_add (o->frames, g_steal_pointer (&h->frame));
  PKT_STAT_ADD (self->owned_packets, 1);
  g_free (h);
}

/* ---- held segments ------------------------------------------------------- */

static void
held_account (PktTcpReassemble *self, Flow *f, gssize delta)
{
  gsize before = f->held_bytes;
  f->held_bytes += delta;
  self->total_held += delta;
  __atomic_store_n (&self->held_bytes_stat, self->total_held, __ATOMIC_RELAXED);
  if (self->total_held > PKT_STAT_GET (self->held_peak))
    __atomic_store_n (&self->held_peak, self->total_held, __ATOMIC_RELAXED);
  if (before == 0 && f->held_bytes) {
    f->held_since = self->now_ns;
    g_queue_push_tail_link (&self->held_flows, &f->held_link);
  } else if (before && f->held_bytes == 0)
    g_queue_unlink (&self->held_flows, &f->held_link);
}

static void
deliver_owned (PktTcpReassemble *self, Out *o, Dir *d, Held *h, gboolean gap)
{
  d->next_seq = h->end;
  out_owned (self, o, h, gap || d->gap_pending);
  d->gap_pending = FALSE;
}

/* Held segments that now start at next_seq follow it. */
static void
drain (PktTcpReassemble *self, Out *o, Flow *f, Dir *d)
{
  while (d->held && d->held->seq == d->next_seq) {
    Held *h = d->held;
    d->held = h->next;
    held_account (self, f, -(gssize)h->size);
    deliver_owned (self, o, d, h, FALSE);
  }
}

/* Gives up waiting for the first hole of @d: its first held segment goes out
 * marked, and what follows it contiguously. */
static void
skip_hole (PktTcpReassemble *self, Out *o, Flow *f, Dir *d, gboolean at_cap)
{
  Held *h = d->held;
  guint32 missing = h->seq - d->next_seq;
  PKT_STAT_ADD (self->gaps, 1);
  PKT_STAT_ADD (self->gap_bytes, missing);
  if (at_cap)
    PKT_STAT_ADD (self->dropped_at_caps, missing);
  d->held = h->next;
  held_account (self, f, -(gssize)h->size);
  deliver_owned (self, o, d, h, TRUE);
  drain (self, o, f, d);
}

static void
flow_skip_all (PktTcpReassemble *self, Out *o, Flow *f)
{
  for (guint i = 0; i < 2; i++)
    while (f->dir[i].held)
      skip_hole (self, o, f, &f->dir[i], FALSE);
}

static void
flow_free (PktTcpReassemble *self, Out *o, Flow *f)
{
  flow_skip_all (self, o, f);
  g_queue_unlink (&self->lru, &f->link);
  g_hash_table_remove (self->flows, &f->flow_id);
  g_free (f);
}

static Flow *
flow_lookup (PktTcpReassemble *self, Out *o, guint64 id)
{
  Flow *f = g_hash_table_lookup (self->flows, &id);
  if (f) {
    g_queue_unlink (&self->lru, &f->link);
    g_queue_push_tail_link (&self->lru, &f->link);
    return f;
  }
  if (g_hash_table_size (self->flows) >= self->max_flows) {
    flow_free (self, o, self->lru.head->data); /* its holes are skipped */
    PKT_STAT_ADD (self->evicted, 1);
  }
  f = g_new0 (Flow, 1);
  f->flow_id = id;
  f->link.data = f->held_link.data = f;
  g_hash_table_insert (self->flows, &f->flow_id, f);
  g_queue_push_tail_link (&self->lru, &f->link);
  return f;
}

static void
insert_held (Dir *d, Held *h)
{
  Held **pp = &d->held;
  while (*pp && seq_lt ((*pp)->seq, h->seq))
    pp = &(*pp)->next;
  h->next = *pp;
  *pp = h;
}

/* Holds [a, b) of @p, making room under the caps first (skipping holes); the
 * piece goes out at once if that brought the stream up to it. */
static void
hold_piece (PktTcpReassemble *self, Out *o, Flow *f, Dir *d, const PktPacket *p, const Tcp *t,
            guint32 a, guint32 b)
{
  gsize need = t->poff + (b - a);
  while (f->held_bytes + need > self->max_per_flow || self->total_held + need > self->max_total) {
    if (a == d->next_seq)
      break;
    /* who gives way: this direction at the per-flow cap; at the total cap
     * the flow that has been holding longest (possibly this one) */
    Flow *vf = f;
    Dir *vd = d;
    if (f->held_bytes + need <= self->max_per_flow && self->held_flows.head) {
      vf = self->held_flows.head->data;
      vd = vf->dir[0].held ? &vf->dir[0] : &vf->dir[1];
    }
    if (vd == d && (!d->held || seq_lt (a, d->held->seq))) {
      /* nothing held before this piece: skip to it and deliver it */
      guint32 missing = a - d->next_seq;
      PKT_STAT_ADD (self->gaps, 1);
      PKT_STAT_ADD (self->gap_bytes, missing);
      PKT_STAT_ADD (self->dropped_at_caps, missing);
      d->next_seq = a;
      d->gap_pending = TRUE;
      break;
    }
    skip_hole (self, o, vf, vd, TRUE);
  }
  Held *h = slice_new (p, t, a, b);
  if (a == d->next_seq) {
    deliver_owned (self, o, d, h, FALSE);
    drain (self, o, f, d);
    return;
  }
  insert_held (d, h);
  held_account (self, f, h->size);
}

/* One TCP packet of a tracked flow. Returns TRUE if it goes out in place as
 * it is (no stream bytes), FALSE if it was dealt with: out in place (cut to
 * its new bytes), copied, held or dropped. */
static Dir *
flow_dir_of (Flow *f, const Tcp *t)
{
  if (!f->a_set) {
    f->a_set = TRUE;
    f->a_port = t->sport;
    memcpy (f->a_addr, t->saddr, t->alen);
  }
  gboolean a = t->sport == f->a_port && memcmp (t->saddr, f->a_addr, t->alen) == 0;
  return &f->dir[a ? 0 : 1];
}

static gboolean
segment (PktTcpReassemble *self, Out *o, Flow *f, PktPacket *p, const Tcp *t)
{
  Dir *d = flow_dir_of (f, t);
  gboolean fin = t->flags & 0x01;
  guint32 span = t->plen + (fin ? 1 : 0);
  if (!d->have_seq) {
    if (span == 0 && !(t->flags & 0x02))
      return TRUE;
    d->have_seq = TRUE;
    d->next_seq = t->data_seq;
  }
  if (span == 0)
    return TRUE; /* pure ACK, SYN, RST without data: no stream bytes */
  guint32 s = t->data_seq, e = s + span;
  if (seq_le (e, d->next_seq)) {
    PKT_STAT_ADD (self->retransmissions, 1);
    return FALSE;
  }
  guint32 start = seq_lt (s, d->next_seq) ? d->next_seq : s;
  if (seq_lt (d->next_seq, s))
    PKT_STAT_ADD (self->out_of_order, 1);
  /* the parts no earlier copy covers (first wins) */
  guint32 pa[32], pb[32];
  guint n = 0;
  guint32 cur = start;
  gboolean overflow = FALSE;
  for (Held *h = d->held; h; h = h->next) {
    if (seq_le (h->end, cur))
      continue;
    if (seq_le (e, h->seq))
      break;
    if (seq_lt (cur, h->seq)) {
      if (n == G_N_ELEMENTS (pa)) {
        overflow = TRUE;
        break;
      }
      pa[n] = cur, pb[n++] = h->seq;
    }
    if (seq_lt (cur, h->end))
      cur = h->end;
  }
  if (!overflow && seq_lt (cur, e) && n < G_N_ELEMENTS (pa))
    pa[n] = cur, pb[n++] = e;
  if (n == 0) {
    PKT_STAT_ADD (self->retransmissions, 1);
    return FALSE;
  }
  guint32 covered = 0;
  for (guint i = 0; i < n; i++)
    covered += pb[i] - pa[i];
  if (covered != span)
    PKT_STAT_ADD (self->overlaps, 1);
  gboolean in_place = FALSE;
  for (guint i = 0; i < n; i++) {
    if (i == 0 && pa[0] == s && s == d->next_seq && !(fin && pb[0] != e)) {
      /* the common case: in order, out in place; a repeated tail is cut
       * (not when that cuts off a FIN: its flag is in the read-only header,
       * so such a packet goes out as a rewritten copy instead) */
      guint keep = MIN ((guint32)(pb[0] - s), t->plen);
      if (pb[0] != e) {
        guint cut = p->caplen - (t->poff + keep);
        p->caplen -= cut;
        p->len = p->len > cut ? p->len - cut : p->caplen;
      }
      d->next_seq = pb[0];
      if (d->gap_pending)
        p->flags |= PKT_PACKET_FLAG_GAP;
      d->gap_pending = FALSE;
      out_ring (self, o, p);
      in_place = TRUE;
      drain (self, o, f, d);
      continue;
    }
    hold_piece (self, o, f, d, p, t, pa[i], pb[i]);
  }
  (void)in_place;
  return FALSE;
}

static void
handle_packet (PktTcpReassemble *self, Out *o, PktPacket *p)
{
  Tcp t;
  if (!tcp_view (p, &t)) {
    if (!(p->flags & PKT_PACKET_FLAG_FLOW_VALID))
      PKT_STAT_ADD (self->unflowed, 1);
    out_ring (self, o, p);
    return;
  }
  Flow *f;
  if (t.plen == 0 && !(t.flags & 0x07)) { /* a pure ACK needs no state */
    f = g_hash_table_lookup (self->flows, &p->flow_id);
    if (!f || !flow_dir_of (f, &t)->have_seq) {
      out_ring (self, o, p);
      return;
    }
  }
  f = flow_lookup (self, o, p->flow_id);
  if (t.flags & 0x04) { /* RST: what is held goes now, before it; the flow ends */
    flow_free (self, o, f);
    out_ring (self, o, p);
    return;
  }
  /* the state outlives both FINs (until RST, eviction or EOS): a late
   * retransmission is still recognised as one and not delivered twice */
  if (segment (self, o, f, p, &t))
    out_ring (self, o, p);
}

/* Holes older than hole-timeout (in packet time) are given up: the flow
 * that began holding first is checked first, so this is O(1) when nothing
 * is due. */
static void
expire_holes (PktTcpReassemble *self, Out *o)
{
  while (self->hole_timeout && self->held_flows.head) {
    Flow *f = self->held_flows.head->data;
    if (self->now_ns - f->held_since < (gint64)self->hole_timeout)
      break;
    flow_skip_all (self, o, f);
  }
}

static PktFlowReturn
pkt_tcp_reassemble_process (PktFilter *filter, PktBufferList *list)
{
  PktTcpReassemble *self = PKT_TCP_REASSEMBLE (filter);
  Out o = { .in = list, .ret = PKT_FLOW_OK };
  for (guint i = 0; i < list->n_packets; i++) {
    PktPacket p = list->packets[i]; /* a copy: slot i may be overwritten by compaction */
    self->now_ns = MAX (self->now_ns, p.ts_ns);
    if (self->held_flows.head)
      expire_holes (self, &o);
    handle_packet (self, &o, &p);
  }
  if (o.owned) {
    out_flush_owned (self, &o); /* ring packets before it were pushed already */
    list->n_packets = 0;
  } else {
    list->n_packets = o.w;
  }
  return o.ret;
}

static void
flush_all (PktTcpReassemble *self)
{
  Out o = { .ret = PKT_FLOW_OK };
  while (self->lru.head)
    flow_free (self, &o, self->lru.head->data);
  out_flush_owned (self, &o);
}

static gboolean
pkt_tcp_reassemble_sink_event (PktFilter *filter, PktEvent *event)
{
  PktTcpReassemble *self = PKT_TCP_REASSEMBLE (filter);
  if (event->type == PKT_EVENT_EOS) {
    flush_all (self); /* held data goes out, holes skipped, before EOS */
  } else if (event->type == PKT_EVENT_HEARTBEAT) {
    Out o = { .ret = PKT_FLOW_OK };
    self->now_ns = MAX (self->now_ns, event->ts_ns);
    expire_holes (self, &o);
    out_flush_owned (self, &o);
  }
  return PKT_FILTER_CLASS (pkt_tcp_reassemble_parent_class)->sink_event (filter, event);
}

static void
drop_all (PktTcpReassemble *self)
{
  while (self->lru.head) {
    Flow *f = self->lru.head->data;
    for (guint i = 0; i < 2; i++) {
      Held *h = f->dir[i].held, *next;
      for (; h; h = next) {
        next = h->next;
        held_account (self, f, -(gssize)h->size);
        g_free (h->frame);
        g_free (h);
      }
      f->dir[i].held = NULL;
    }
    g_queue_unlink (&self->lru, &f->link);
    g_hash_table_remove (self->flows, &f->flow_id);
    g_free (f);
  }
}

static gboolean
pkt_tcp_reassemble_start (PktFilter *filter, GError **error)
{
  PktTcpReassemble *self = PKT_TCP_REASSEMBLE (filter);
  if (self->max_per_flow > self->max_total) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "max-buffer-per-flow (%" G_GUINT64_FORMAT
                           ") exceeds max-buffer-total (%" G_GUINT64_FORMAT ")",
                           self->max_per_flow, self->max_total);
    return FALSE;
  }
  return TRUE;
}

static void
pkt_tcp_reassemble_stop (PktFilter *filter)
{
  drop_all (PKT_TCP_REASSEMBLE (filter));
}

static void
pkt_tcp_reassemble_set_property (GObject *o, guint id, const GValue *v, GParamSpec *ps)
{
  PktTcpReassemble *self = PKT_TCP_REASSEMBLE (o);
  switch (id) {
    case PROP_MAX_FLOWS:
      self->max_flows = g_value_get_uint (v);
      break;
    case PROP_MAX_PER_FLOW:
      self->max_per_flow = g_value_get_uint64 (v);
      break;
    case PROP_MAX_TOTAL:
      self->max_total = g_value_get_uint64 (v);
      break;
    case PROP_HOLE_TIMEOUT:
      self->hole_timeout = g_value_get_uint64 (v);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

static void
pkt_tcp_reassemble_get_property (GObject *o, guint id, GValue *v, GParamSpec *ps)
{
  PktTcpReassemble *self = PKT_TCP_REASSEMBLE (o);
  switch (id) {
    case PROP_MAX_FLOWS:
      g_value_set_uint (v, self->max_flows);
      break;
    case PROP_MAX_PER_FLOW:
      g_value_set_uint64 (v, self->max_per_flow);
      break;
    case PROP_MAX_TOTAL:
      g_value_set_uint64 (v, self->max_total);
      break;
    case PROP_HOLE_TIMEOUT:
      g_value_set_uint64 (v, self->hole_timeout);
      break;
    case PROP_OUT_OF_ORDER:
      g_value_set_uint64 (v, PKT_STAT_GET (self->out_of_order));
      break;
    case PROP_OVERLAPS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->overlaps));
      break;
    case PROP_RETRANSMISSIONS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->retransmissions));
      break;
    case PROP_GAPS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->gaps));
      break;
    case PROP_GAP_BYTES:
      g_value_set_uint64 (v, PKT_STAT_GET (self->gap_bytes));
      break;
    case PROP_DROPPED_AT_CAPS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->dropped_at_caps));
      break;
    case PROP_HELD_BYTES:
      g_value_set_uint64 (v, PKT_STAT_GET (self->held_bytes_stat));
      break;
    case PROP_HELD_PEAK:
      g_value_set_uint64 (v, PKT_STAT_GET (self->held_peak));
      break;
    case PROP_EVICTED:
      g_value_set_uint64 (v, PKT_STAT_GET (self->evicted));
      break;
    case PROP_UNFLOWED:
      g_value_set_uint64 (v, PKT_STAT_GET (self->unflowed));
      break;
    case PROP_COPIED:
      g_value_set_uint64 (v, PKT_STAT_GET (self->owned_packets));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

static void
pkt_tcp_reassemble_finalize (GObject *o)
{
  PktTcpReassemble *self = PKT_TCP_REASSEMBLE (o);
  drop_all (self);
  g_hash_table_unref (self->flows);
  G_OBJECT_CLASS (pkt_tcp_reassemble_parent_class)->finalize (o);
}

#define STAT(n, b)                                                                                 \
  g_param_spec_uint64 (n, n, b, 0, G_MAXUINT64, 0,                                                 \
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_tcp_reassemble_class_init (PktTcpReassembleClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktFilterClass *fclass = PKT_FILTER_CLASS (klass);
  oclass->set_property = pkt_tcp_reassemble_set_property;
  oclass->get_property = pkt_tcp_reassemble_get_property;
  oclass->finalize = pkt_tcp_reassemble_finalize;
  fclass->start = pkt_tcp_reassemble_start;
  fclass->stop = pkt_tcp_reassemble_stop;
  fclass->process = pkt_tcp_reassemble_process;
  fclass->sink_event = pkt_tcp_reassemble_sink_event;
  props[PROP_MAX_FLOWS] = g_param_spec_uint (
      "max-flows", "Max flows",
      "Flows with reassembly state at most; the least recently active one has its holes skipped "
      "and its state dropped",
      1, 16 * 1024 * 1024, 65536, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_MAX_PER_FLOW] = g_param_spec_uint64 (
      "max-buffer-per-flow", "Max buffer per flow",
      "Bytes of out-of-order segments (headers included) one flow may hold; beyond, its oldest "
      "hole is skipped",
      2048, G_MAXUINT32, 1024 * 1024, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_MAX_TOTAL] = g_param_spec_uint64 (
      "max-buffer-total", "Max buffer total",
      "Bytes of out-of-order segments all flows may hold; beyond, the flow holding longest has its "
      "oldest hole skipped",
      2048, G_MAXUINT64, 64 * 1024 * 1024, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_HOLE_TIMEOUT] = g_param_spec_uint64 (
      "hole-timeout", "Hole timeout",
      "A hole still open this long after its flow began holding segments (packet time, "
      "nanoseconds) is skipped; 0 waits until a cap, the flow's end or EOS",
      0, G_MAXINT64, 30 * G_GUINT64_CONSTANT (1000000000),
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_OUT_OF_ORDER] = STAT ("out-of-order", "Segments that arrived ahead of a hole");
  props[PROP_OVERLAPS]
      = STAT ("overlaps", "Segments partly repeating bytes seen before (cut to the new ones)");
  props[PROP_RETRANSMISSIONS]
      = STAT ("retransmissions", "Segments only repeating bytes seen before (dropped)");
  props[PROP_GAPS] = STAT ("gaps", "Holes skipped (the next packet carries the GAP flag)");
  props[PROP_GAP_BYTES]
      = STAT ("gap-bytes", "Bytes missing in skipped holes (Zeek's missed_bytes)");
  props[PROP_DROPPED_AT_CAPS]
      = STAT ("bytes-dropped-at-caps", "Bytes of holes given up because a buffer cap was reached");
  props[PROP_HELD_BYTES] = STAT ("held-bytes", "Bytes held out of order now");
  props[PROP_HELD_PEAK] = STAT ("held-peak", "Most bytes held out of order at once");
  props[PROP_EVICTED] = STAT ("evicted", "Flows dropped at max-flows");
  props[PROP_UNFLOWED]
      = STAT ("unflowed", "Packets without a flow id passed as they came (put flowtrack upstream)");
  props[PROP_COPIED]
      = STAT ("copied", "Packets sent from the element's own copies (held or front-cut)");
  g_object_class_install_properties (oclass, N_PROPS, props);
  pkt_element_class_set_metadata (
      PKT_ELEMENT_CLASS (klass), "TCP reassembler", "Filter/Analyzer",
      "Puts TCP segments in stream order per flow, trims repeated bytes, "
      "marks skipped holes",
      "pktpipe");
}

static void
pkt_tcp_reassemble_init (PktTcpReassemble *self)
{
  self->flows = g_hash_table_new (pkt_l7_flow_id_hash, pkt_l7_flow_id_equal);
  g_queue_init (&self->lru);
  g_queue_init (&self->held_flows);
  self->max_flows = 65536;
  self->max_per_flow = 1024 * 1024;
  self->max_total = 64 * 1024 * 1024;
  self->hole_timeout = 30 * G_GUINT64_CONSTANT (1000000000);
}
