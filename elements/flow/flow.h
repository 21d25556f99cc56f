/* pktpipe — flow plugin: element types and the conn record.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>
#include "flow-engine.h"

G_BEGIN_DECLS

GType pkt_flow_track_get_type (void);
GType pkt_log_sink_get_type (void);

/* The "conn" record: the columns of Zeek's conn.log plus vlan, inner_vlan
 * and the reason the flow ended. */
typedef struct {
  PktRecord record;
  gint64 ts;
  const char *uid;
  PktAddr orig_h;
  guint16 orig_p;
  PktAddr resp_h;
  guint16 resp_p;
  const char *proto;
  const char *service;
  gint64 duration;
  guint64 orig_bytes;
  guint64 resp_bytes;
  const char *conn_state;
  gboolean local_orig;
  gboolean local_resp;
  guint64 missed_bytes;
  const char *history;
  guint64 orig_pkts;
  guint64 orig_ip_bytes;
  guint64 resp_pkts;
  guint64 resp_ip_bytes;
  char **tunnel_parents;
  guint64 ip_proto;
  gint64 vlan;
  gint64 inner_vlan;
  const char *reason;
  guint64 flow_id;
  /* set flags and inline storage (no allocation besides the record) */
  gboolean duration_set;
  gboolean local_set;
  gboolean ports_set;
  gboolean vlan_set;
  gboolean inner_vlan_set;
  char uid_buf[24];
  char history_buf[FLOW_HISTORY_MAX + 1];
} PktConnRecord;

extern const PktRecordType pkt_conn_record_type;

PktRecord *pkt_conn_record_new (const FlowEntry *entry, guint64 flow_id, FlowEndReason reason,
                                gboolean ended);

G_END_DECLS
