/* pktpipe fuzz target — the flow engine behind flowtrack.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: a sequence of packets, each [u16 length][u8 time step][u8 link]
 * [length bytes]. Every packet is copied into its own heap block (so
 * AddressSanitizer sees any read past caplen) and goes through a small
 * table (8 flows: eviction, reuse and expiry happen constantly) keyed by
 * 5-tuple with VLAN and tunnel; time steps exercise the timer wheel and
 * linger/attempt timers. Every ended flow is turned into a conn record,
 * which reads every field. */

#include <string.h>

#include "flow-engine.h"
#include "flow.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static gboolean
visit (PktRecord *r, const PktFieldDesc *d, const PktFieldValue *v, gpointer user)
{
  if (v->is_set && v->type == PKT_FIELD_STRING)
    *(gsize *)user += strlen (v->v.s);
  return TRUE;
}

static void
on_event (FlowEngine *eng, FlowEventType type, const FlowEntry *e, guint64 id, FlowEndReason reason,
          gpointer user)
{
  PktRecord *r = pkt_conn_record_new (e, id, reason, type == FLOW_EVENT_ENDED);
  gsize n = 0;
  pkt_record_foreach_field (r, visit, &n);
  pkt_record_unref (r);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static guint8 ports[8192];
  static gboolean init;
  if (!init) {
    flow_server_ports_set_default (ports);
    init = TRUE;
  }
  FlowConfig cfg;
  flow_config_init (&cfg);
  cfg.max_flows = 8;
  cfg.key_with = FLOW_KEY_WITH_VLAN | FLOW_KEY_WITH_TUNNEL;
  cfg.server_ports = ports;
  if (size > 0 && (data[0] & 0x80))
    cfg.key = (FlowKeyMode)(data[0] % 3);
  if (size > 0 && (data[0] & 0x40))
    cfg.bidirectional = FALSE;
  FlowEngine *eng = flow_engine_new (&cfg);
  flow_engine_set_callback (eng, on_event, NULL, 7);
  static const PktLinkType links[]
      = { PKT_LINK_ETHERNET, PKT_LINK_RAW_IPV4, PKT_LINK_RAW_IPV6, PKT_LINK_RAW_IP };
  gint64 ts = G_GINT64_CONSTANT (1700000000) * 1000000000;
  size_t off = size > 0 ? 1 : 0;
  while (off + 4 <= size) {
    guint len = data[off] | (data[off + 1] << 8);
    guint step = data[off + 2];
    guint link = data[off + 3];
    off += 4;
    if (len > size - off)
      len = (guint)(size - off);
    /* steps: small in ms, large ones jump seconds to minutes */
    ts += step < 200 ? step * G_GINT64_CONSTANT (1000000)
                     : (gint64)(step - 199) * 7 * G_GINT64_CONSTANT (1000000000);
    guint8 *copy = g_malloc (len ? len : 1);
    memcpy (copy, data + off, len);
    off += len;
    PktPacket p;
    pkt_packet_init (&p, copy, len, len, ts, links[link & 3]);
    p.vlan_tci = link & 0x10 ? 0x123 : 0;
    p.tunnel_type = link & 0x20 ? PKT_TUNNEL_VXLAN : PKT_TUNNEL_NONE;
    p.tunnel_id = link >> 6;
    flow_engine_process (eng, &p);
    if (link & 0x08)
      flow_engine_advance (eng, ts + 90 * G_GINT64_CONSTANT (1000000000));
    g_free (copy);
  }
  flow_engine_end_all (eng, FLOW_END_EOS);
  g_assert_cmpuint (flow_engine_get_active (eng), ==, 0);
  flow_engine_free (eng);
  return 0;
}
