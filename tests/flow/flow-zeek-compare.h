/* pktpipe tests — run captures through the flow engine and compare the
 * connections with the conn.log Zeek wrote for the same capture.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One connection, as strings keyed by Zeek's conn.log field names. */
typedef struct {
  GHashTable *f; /* field name -> value */
} ConnRow;

typedef struct {
  gboolean decap;           /* tunnels: outer conns plus decapsulated inner conns */
  gboolean key_vlan;        /* key-with=vlan (Zeek's vlan_fivetuple conn key) */
  gboolean zeek_checksums;  /* drop packets with bad TCP/UDP checksums as Zeek without -C */
  gboolean defrag;          /* reassemble IP fragments first (ipdefrag's engine), as Zeek */
  const char *server_ports; /* NULL: defaults */
} TraceOptions;

typedef struct {
  guint zeek_conns;
  guint our_conns;
  guint tuple_matched;   /* 5-tuple + proto found on both sides */
  guint counts_agree;    /* packets and IP bytes agree */
  guint bytes_agree;     /* orig/resp bytes agree */
  guint tcp_conns;       /* TCP conns in Zeek's log */
  guint tcp_state_agree; /* conn_state and history agree */
  guint full_agree;      /* every compared field agrees */
  GString *diffs;        /* human-readable differences */
} CompareResult;

GPtrArray *flow_test_run_trace (const char *pcap_path, const TraceOptions *opts, GError **error);
GPtrArray *flow_test_read_conn_log (const char *path, const char *fields, GError **error);
void flow_test_compare (GPtrArray *zeek, GPtrArray *ours, CompareResult *res);
void conn_row_free (ConnRow *row);

G_END_DECLS
