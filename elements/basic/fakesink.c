/* pktpipe — fakesink: counts what reaches it; optionally prints or hands it off.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"
#include <stdio.h>

struct _PktFakeSink {
  PktSink parent;
  gboolean dump;
  guint64 st_packets;
  guint64 st_bytes;
  guint64 st_batches;
};

G_DECLARE_FINAL_TYPE (PktFakeSink, pkt_fake_sink, PKT, FAKE_SINK, PktSink)
G_DEFINE_FINAL_TYPE (PktFakeSink, pkt_fake_sink, PKT_TYPE_SINK)

enum { PROP_0, PROP_DUMP, PROP_PACKETS, PROP_BYTES, PROP_BATCHES, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_HANDOFF, N_SIGNALS };
static guint signals[N_SIGNALS];

static guint
l4_header_len (const PktPacket *p, const guint8 *l4)
{
  if (p->l4_proto == 6 && p->l4_off + 13u <= p->caplen)
    return (l4[12] >> 4) * 4u;
  if (p->l4_proto == 17)
    return 8;
  return 0;
}

/* Transport payload length from the IP length fields (not the frame length,
 * which may include Ethernet padding). */
static guint
l4_payload_len (const PktPacket *p)
{
  const guint8 *l3 = p->data + p->l3_off;
  gint64 ip_end;
  if (p->l3_proto == 4 && p->l3_off + 4u <= p->caplen)
    ip_end = p->l3_off + ((l3[2] << 8) | l3[3]);
  else if (p->l3_proto == 6 && p->l3_off + 6u <= p->caplen)
    ip_end = p->l3_off + 40 + ((l3[4] << 8) | l3[5]);
  else
    ip_end = p->len;
  if (p->l4_off == PKT_OFFSET_NONE)
    return 0;
  gint64 pay = ip_end - p->l4_off - l4_header_len (p, p->data + p->l4_off);
  return pay > 0 ? (guint)pay : 0;
}

static void
append_addr_port (GString *s, const PktAddr *a, guint16 port, gboolean with_port)
{
  g_autofree char *str = pkt_addr_to_string (a);
  g_string_append (s, str);
  if (with_port)
    g_string_append_printf (s, ".%u", port);
}

/* "12:00:00.000001 IP 10.0.0.1.1234 > 10.0.0.2.80: TCP len 100" (UTC time of day) */
static void
fakesink_dump_packet (GString *out, PktPacket *pkt)
{
  PktPacket p = *pkt; /* parse a private copy: the batch is borrowed */
  gint64 sec = p.ts_ns / 1000000000, usec = (p.ts_ns % 1000000000) / 1000;
  gint64 tod = ((sec % 86400) + 86400) % 86400;
  g_string_append_printf (out, "%02d:%02d:%02d.%06d ", (int)(tod / 3600), (int)(tod / 60 % 60),
                          (int)(tod % 60), (int)ABS (usec));
  PktFlowKey key;
  if (!pkt_packet_parse (&p) || !pkt_packet_get_flow_key (&p, &key)) {
    g_string_append_printf (out, "non-IP len %u\n", p.len);
    return;
  }
  gboolean ports = key.proto == 6 || key.proto == 17 || key.proto == 132;
  g_string_append (out, key.src.family == 6 ? "IP6 " : "IP ");
  append_addr_port (out, &key.src, key.sport, ports);
  g_string_append (out, " > ");
  append_addr_port (out, &key.dst, key.dport, ports);
  switch (key.proto) {
    case 6:
      g_string_append (out, ": TCP");
      break;
    case 17:
      g_string_append (out, ": UDP");
      break;
    case 1:
      g_string_append (out, ": ICMP");
      break;
    case 58:
      g_string_append (out, ": ICMP6");
      break;
    default:
      g_string_append_printf (out, ": proto %u", key.proto);
      break;
  }
  if (p.flags & PKT_PACKET_FLAG_FRAGMENT)
    g_string_append (out, " frag");
  g_string_append_printf (out, " len %u\n", l4_payload_len (&p));
}

static PktFlowReturn
pkt_fake_sink_render (PktSink *sink, PktBatch *batch)
{
  PktFakeSink *self = PKT_FAKE_SINK (sink);
  PktBufferList *list = (PktBufferList *)batch;
  guint64 bytes = 0;
  for (guint i = 0; i < list->n_packets; i++)
    bytes += list->packets[i].len;
  PKT_STAT_ADD (self->st_packets, list->n_packets);
  PKT_STAT_ADD (self->st_bytes, bytes);
  PKT_STAT_ADD (self->st_batches, 1);
  if (G_UNLIKELY (self->dump)) {
    GString *out = g_string_sized_new (list->n_packets * 64);
    for (guint i = 0; i < list->n_packets; i++)
      fakesink_dump_packet (out, &list->packets[i]);
    fwrite (out->str, 1, out->len, stdout);
    fflush (stdout);
    g_string_free (out, TRUE);
  }
  /* a feature not used costs nothing: one check per batch */
  if (G_UNLIKELY (g_signal_has_handler_pending (self, signals[SIGNAL_HANDOFF], 0, TRUE)))
    g_signal_emit (self, signals[SIGNAL_HANDOFF], 0, list);
  return PKT_FLOW_OK;
}

static void
pkt_fake_sink_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktFakeSink *self = PKT_FAKE_SINK (object);
  switch (id) {
    case PROP_DUMP:
      self->dump = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_fake_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktFakeSink *self = PKT_FAKE_SINK (object);
  switch (id) {
    case PROP_DUMP:
      g_value_set_boolean (value, self->dump);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_packets));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_bytes));
      break;
    case PROP_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_batches));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_fake_sink_init (PktFakeSink *self)
{
}

static void
pkt_fake_sink_class_init (PktFakeSinkClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktSinkClass *sclass = PKT_SINK_CLASS (klass);
  oclass->set_property = pkt_fake_sink_set_property;
  oclass->get_property = pkt_fake_sink_get_property;
  sclass->pad_kind = PKT_PAD_KIND_PACKETS;
  sclass->render = pkt_fake_sink_render;

  props[PROP_DUMP] = g_param_spec_boolean (
      "dump", "Dump", "Print one tcpdump-like line per packet to stdout (time of day in UTC)",
      FALSE, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets received");
  props[PROP_BYTES] = PKT_BASIC_STAT ("bytes", "Bytes received (wire lengths)");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches received");
  g_object_class_install_properties (oclass, N_PROPS, props);

  /**
   * PktFakeSink::handoff:
   * @sink: the element
   * @batch: the batch (borrowed: valid during the emission only)
   *
   * Emitted on the streaming thread for every batch, only when a handler is
   * connected.
   */
  signals[SIGNAL_HANDOFF]
      = g_signal_new ("handoff", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, PKT_TYPE_BUFFER_LIST | G_SIGNAL_TYPE_STATIC_SCOPE);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Fake sink", "Sink",
                                  "Counts packets, bytes and batches and discards them", "pktpipe");
}
