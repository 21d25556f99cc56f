/* pktpipe — the "conn" record (Zeek conn.log columns) built from a flow entry.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow.h"

#include <string.h>

#define F(name, type, member, set)                                                                 \
  {                                                                                                \
    name, type, G_STRUCT_OFFSET (PktConnRecord, member), set                                       \
  }
#define ALWAYS -1
#define SET(m) G_STRUCT_OFFSET (PktConnRecord, m)

static const PktFieldDesc conn_fields[] = {
  F ("ts", PKT_FIELD_TIME, ts, ALWAYS),
  F ("uid", PKT_FIELD_STRING, uid, ALWAYS),
  F ("id.orig_h", PKT_FIELD_ADDR, orig_h, ALWAYS),
  F ("id.orig_p", PKT_FIELD_PORT, orig_p, SET (ports_set)),
  F ("id.resp_h", PKT_FIELD_ADDR, resp_h, ALWAYS),
  F ("id.resp_p", PKT_FIELD_PORT, resp_p, SET (ports_set)),
  F ("proto", PKT_FIELD_STRING, proto, ALWAYS),
  F ("service", PKT_FIELD_STRING, service, ALWAYS),
  F ("duration", PKT_FIELD_INTERVAL, duration, SET (duration_set)),
  F ("orig_bytes", PKT_FIELD_UINT, orig_bytes, SET (duration_set)),
  F ("resp_bytes", PKT_FIELD_UINT, resp_bytes, SET (duration_set)),
  F ("conn_state", PKT_FIELD_STRING, conn_state, ALWAYS),
  F ("local_orig", PKT_FIELD_BOOL, local_orig, SET (local_set)),
  F ("local_resp", PKT_FIELD_BOOL, local_resp, SET (local_set)),
  F ("missed_bytes", PKT_FIELD_UINT, missed_bytes, ALWAYS),
  F ("history", PKT_FIELD_STRING, history, ALWAYS),
  F ("orig_pkts", PKT_FIELD_UINT, orig_pkts, ALWAYS),
  F ("orig_ip_bytes", PKT_FIELD_UINT, orig_ip_bytes, ALWAYS),
  F ("resp_pkts", PKT_FIELD_UINT, resp_pkts, ALWAYS),
  F ("resp_ip_bytes", PKT_FIELD_UINT, resp_ip_bytes, ALWAYS),
  F ("tunnel_parents", PKT_FIELD_STRING_SET, tunnel_parents, ALWAYS),
  F ("ip_proto", PKT_FIELD_UINT, ip_proto, ALWAYS),
  F ("vlan", PKT_FIELD_INT, vlan, SET (vlan_set)),
  F ("inner_vlan", PKT_FIELD_INT, inner_vlan, SET (inner_vlan_set)),
  F ("reason", PKT_FIELD_STRING, reason, ALWAYS),
};

const PktRecordType pkt_conn_record_type = {
  .name = "conn",
  .size = sizeof (PktConnRecord),
  .fields = conn_fields,
  .n_fields = G_N_ELEMENTS (conn_fields),
  .clear = NULL, /* everything is inline or static */
};

static void
set_addr (PktAddr *a, const FlowEntry *e, int d)
{
  a->family = e->key.family;
  if (e->key.family == 4)
    memcpy (a->bytes, e->key.addr[d], 4);
  else if (e->key.family == 6)
    memcpy (a->bytes, e->key.addr[d], 16);
}

PktRecord *
pkt_conn_record_new (const FlowEntry *e, guint64 flow_id, FlowEndReason reason, gboolean ended)
{
  PktConnRecord *r = (PktConnRecord *)pkt_record_new (&pkt_conn_record_type);
  r->ts = e->first_ts;
  pkt_flow_format_uid (flow_id, r->uid_buf);
  r->uid = r->uid_buf;
  set_addr (&r->orig_h, e, 0);
  set_addr (&r->resp_h, e, 1);
  r->orig_p = e->key.port[0];
  r->resp_p = e->key.port[1];
  r->ports_set
      = e->key.family != 0
        && (e->key.proto == 6 || e->key.proto == 17 || e->key.proto == 1 || e->key.proto == 58);
  r->proto = e->key.family ? flow_proto_name (e->key.proto) : "unknown_transport";
  r->duration = e->last_ts - e->first_ts;
  /* Zeek sets duration and the byte counts only for a positive duration */
  r->duration_set = r->duration > 0;
  r->orig_bytes = flow_entry_bytes (e, 0);
  r->resp_bytes = flow_entry_bytes (e, 1);
  r->conn_state = flow_entry_conn_state (e);
  r->missed_bytes = e->missed;
  if (flow_entry_history (e, r->history_buf, sizeof r->history_buf) > 0)
    r->history = r->history_buf;
  r->orig_pkts = e->pkts[0];
  r->orig_ip_bytes = flow_entry_ip_bytes (e, 0);
  r->resp_pkts = e->pkts[1];
  r->resp_ip_bytes = flow_entry_ip_bytes (e, 1);
  r->ip_proto = e->key.proto;
  r->vlan = e->key.vlan;
  r->vlan_set = e->key.vlan != 0;
  r->inner_vlan = e->key.inner_vlan;
  r->inner_vlan_set = e->key.inner_vlan != 0;
  r->reason = ended ? flow_end_reason_name (reason) : "active";
  r->flow_id = flow_id;
  return &r->record;
}
