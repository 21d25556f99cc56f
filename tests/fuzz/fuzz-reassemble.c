/* pktpipe fuzz target — tcpreassemble (elements/l7/tcpreassemble.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: a sequence of segments, each [u8 flow/dir][u8 tcp flags][u16 seq
 * offset][u8 length] followed by length payload bytes. Segments of 4 flows
 * (both directions) with sequence numbers near 2^32 go into the element in
 * lists of up to 8, with small buffer caps so holes are skipped constantly.
 * Every packet that comes out is checked: its descriptor stays within its
 * bytes, and per flow and direction the stream only moves forward. The
 * element is used directly (no pkt_init: loading the plugin registry would
 * register a second PktTcpReassemble from the built plugin). */
#include <string.h>

#include "l7.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint32 next_seq[8];
static gboolean have[8];

static PktFlowReturn
check_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktBufferList *l = (PktBufferList *)batch;
  for (guint i = 0; i < l->n_packets; i++) {
    const PktPacket *p = &l->packets[i];
    g_assert (p->caplen >= 54);
    volatile guint8 last = p->data[p->caplen - 1]; /* ASan: inside its bytes */
    (void)last;
    if (!(p->flags & PKT_PACKET_FLAG_FLOW_VALID))
      continue; /* passed as it came */
    const guint8 *tcp = p->data + 34;
    guint8 flags = tcp[13];
    guint32 seq = (guint32)tcp[4] << 24 | (guint32)tcp[5] << 16 | (guint32)tcp[6] << 8 | tcp[7];
    seq += (flags & 0x02) ? 1 : 0;
    guint plen = p->caplen - 54;
    guint k = (guint)(p->flow_id & 3) * 2 + p->flow_dir;
    if (flags & 0x04) {
      /* the flow's state ends at a RST: it starts afresh */
      have[k & ~1u] = have[k | 1u] = FALSE;
      continue;
    }
    if (plen == 0 && !(flags & 0x01))
      continue; /* no stream bytes (a FIN alone takes a sequence number) */
    if (g_getenv ("FUZZ_DEBUG"))
      g_printerr ("flow %" G_GUINT64_FORMAT " dir %u seq %u len %u gap %d next %u have %d\n",
                  p->flow_id, p->flow_dir, seq, plen, !!(p->flags & PKT_PACKET_FLAG_GAP),
                  next_seq[k], have[k]);
    if (have[k] && !(p->flags & PKT_PACKET_FLAG_GAP))
      g_assert ((gint32)(seq - next_seq[k]) <= 0); /* no bytes skipped without a GAP flag */
    if (have[k])
      g_assert ((gint32)(seq + plen + (flags & 0x01) - next_seq[k]) > 0); /* something new */
    have[k] = TRUE;
    next_seq[k] = seq + plen + (flags & 0x01); /* a FIN takes a sequence number */
  }
  pkt_buffer_list_unref (l);
  return PKT_FLOW_OK;
}

static gboolean
drop_event (PktPad *pad, PktElement *parent, PktEvent *event)
{
  pkt_event_unref (event);
  return TRUE;
}

static PktBufferList *
new_list (void)
{
  PktBufferList *l = pkt_buffer_list_new (8);
  return l;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  memset (have, 0, sizeof have);
  PktElement *r = g_object_new (PKT_TYPE_TCP_REASSEMBLE, "max-buffer-per-flow", (guint64)2048,
                                "max-buffer-total", (guint64)4096, "max-flows", 8u, NULL);
  g_object_ref_sink (r);
  PktPad *src = pkt_pad_new ("src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS);
  PktPad *sink = pkt_pad_new ("sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS);
  g_object_ref_sink (src);
  g_object_ref_sink (sink);
  pkt_pad_set_chain_function (sink, check_chain);
  pkt_pad_set_event_function (sink, drop_event);
  g_assert (pkt_pad_link (src, pkt_filter_get_sink_pad (PKT_FILTER (r)), NULL));
  g_assert (pkt_pad_link (pkt_filter_get_src_pad (PKT_FILTER (r)), sink, NULL));
  g_assert (pkt_element_set_state (r, PKT_STATE_PLAYING, NULL));
  /* all frames of one list live in one heap block owned by the list's lease */
  gsize off = 0;
  while (off < size) {
    PktBufferList *l = new_list ();
    guint8 *mem = g_malloc (8 * (54 + 255));
    gsize used = 0;
    while (off + 5 <= size && l->n_packets < 8) {
      guint8 fd = data[off], flags = data[off + 1];
      guint32 seq = G_MAXUINT32 - 3000 + ((guint32)data[off + 2] << 8 | data[off + 3]);
      guint len = MIN ((gsize)data[off + 4], size - off - 5);
      guint8 *f = mem + used;
      memset (f, 0, 54);
      f[12] = 0x08;
      f[14] = 0x45;
      f[16] = (40 + len) >> 8, f[17] = (40 + len);
      f[23] = 6;
      guint dir = (fd >> 2) & 1;
      f[26] = f[30] = 10, f[29] = 1 + dir, f[33] = 2 - dir; /* 10.0.0.1 <-> 10.0.0.2 */
      guint8 *tcp = f + 34;
      tcp[dir ? 3 : 1] = 80, tcp[dir ? 1 : 3] = 200 + (fd & 3);
      tcp[4] = seq >> 24, tcp[5] = seq >> 16, tcp[6] = seq >> 8, tcp[7] = seq;
      tcp[12] = 5 << 4;
      tcp[13] = flags;
      memcpy (f + 54, data + off + 5, len);
      if (g_getenv ("FUZZ_DEBUG"))
        g_printerr ("in: fd %02x flags %02x seq %u len %u\n", fd, flags, seq, len);
      PktPacket *p = pkt_buffer_list_append (l);
      pkt_packet_init (p, f, 54 + len, 54 + len, 0, PKT_LINK_ETHERNET);
      p->l3_off = 14;
      p->l4_off = 34;
      p->l3_proto = 4;
      p->l4_proto = 6;
      p->flow_id = 1 + (fd & 3);
      p->flow_dir = (fd >> 2) & 1;
      p->flags = PKT_PACKET_FLAG_PARSED | ((fd & 0x80) ? 0 : PKT_PACKET_FLAG_FLOW_VALID);
      used += 54 + len;
      off += 5 + len;
    }
    if (off + 5 > size)
      off = size;
    PktLease *lease = pkt_lease_new_for_memory (mem, g_free);
    pkt_buffer_list_set_lease (l, lease);
    pkt_lease_unref (lease);
    pkt_pad_push (src, &l->batch);
  }
  PktEvent *eos = pkt_event_new (PKT_EVENT_EOS);
  pkt_pad_push_event (src, eos);
  pkt_element_set_state (r, PKT_STATE_NULL, NULL);
  g_object_unref (src);
  g_object_unref (sink);
  g_object_unref (r);
  return 0;
}
