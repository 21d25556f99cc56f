/* pktpipe — flow engine: the table, Zeek's TCP state machine, timers and LRU
 * behind flowtrack. Plain C (no GObject) so that tests and the fuzz target
 * can drive it directly.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-batch.h>
#include <pktpipe/pkt-headers.h>

G_BEGIN_DECLS

typedef enum {
  FLOW_KEY_5TUPLE = 0,
  FLOW_KEY_IPPAIR = 1,
  FLOW_KEY_MACPAIR = 2,
} FlowKeyMode;

typedef enum {
  FLOW_KEY_WITH_VLAN = 1 << 0,
  FLOW_KEY_WITH_TUNNEL = 1 << 1,
} FlowKeyWith;

typedef enum {
  FLOW_END_NONE = 0,
  FLOW_END_TIMEOUT, /* inactivity (or Zeek's attempt/linger timers) */
  FLOW_END_CLOSED,  /* FIN/RST close completed and the linger elapsed */
  FLOW_END_EVICTED, /* table full: least recently used */
  FLOW_END_EOS,     /* end of stream */
  FLOW_END_REUSED,  /* a new SYN reused the tuple of a closed connection */
} FlowEndReason;

typedef enum {
  FLOW_EVENT_STARTED = 0,
  FLOW_EVENT_ESTABLISHED,
  FLOW_EVENT_ENDED,
} FlowEventType;

/* Zeek's TCP endpoint states (TCP_ENDPOINT_*) */
enum {
  FLOW_TCP_INACTIVE = 0,
  FLOW_TCP_SYN_SENT,
  FLOW_TCP_SYN_ACK_SENT,
  FLOW_TCP_PARTIAL,
  FLOW_TCP_ESTABLISHED,
  FLOW_TCP_CLOSED,
  FLOW_TCP_RESET,
};

#define FLOW_HISTORY_MAX 14

/* The key: addr[0]/port[0] is the originator once the entry exists. */
typedef struct {
  guint8 addr[2][16]; /* IPv4 in the first 4 bytes; MAC pair in the first 6 */
  guint16 port[2];    /* ICMP: type and counterpart type (or code) */
  guint16 vlan;       /* VLAN id (12 bits) when keyed or recorded */
  guint16 inner_vlan;
  guint32 tunnel_id;
  guint8 proto;
  guint8 family; /* 4, 6, or 0 for a MAC pair */
  guint8 tunnel_type;
  guint8 fflags; /* FlowEntry flags (not part of the key comparison) */
} FlowKey;

/* One tracked flow: fixed size, preallocated, no pointers (indexes link
 * entries into the LRU list and the timer wheel). */
typedef struct {
  gint64 first_ts;
  gint64 last_ts;
  FlowKey key;
  guint32 gen;
  guint32 lru_prev, lru_next;
  guint32 wheel_prev, wheel_next;
  guint32 pkts[2];
  guint32 ipb_lo[2];
  guint32 hist_seen;
  guint32 missed;
  guint32 start_seq[2], last_seq[2], ack_seq[2]; /* UDP/ICMP: payload bytes (lo, hi) */
  guint16 ipb_hi[2];
  guint16 rxmt[2], win0[2], hist_fin[2], hist_rst[2];
  guint8 state[2], prev_state[2], epflags[2], wraps[2], hist_syn[2];
  char history[FLOW_HISTORY_MAX];
} FlowEntry;

typedef struct {
  FlowKeyMode key;
  guint key_with;
  gboolean bidirectional;
  guint32 max_flows;
  gint64 tcp_inactivity_ns;
  gint64 udp_inactivity_ns;
  gint64 icmp_inactivity_ns;
  gint64 other_inactivity_ns;
  gint64 linger_ns;           /* Zeek tcp_connection_linger / tcp_close_delay */
  gint64 attempt_ns;          /* Zeek tcp_attempt_delay: unanswered SYN */
  const guint8 *server_ports; /* 8192-byte bitmap (likely_server_ports), or NULL */
} FlowConfig;

typedef struct _FlowEngine FlowEngine;

typedef void (*FlowEventFunc) (FlowEngine *engine, FlowEventType type, const FlowEntry *entry,
                               guint64 flow_id, FlowEndReason reason, gpointer user_data);

typedef struct {
  guint64 created;
  guint64 expired;
  guint64 evicted;
  guint64 closed;
  guint64 ended;
  guint64 untracked; /* packets without a usable key (not IP, fragments, truncated) */
} FlowCounters;

void flow_config_init (FlowConfig *cfg);
void flow_server_ports_set_default (guint8 *bitmap);

FlowEngine *flow_engine_new (const FlowConfig *cfg);
void flow_engine_free (FlowEngine *engine);
void flow_engine_set_callback (FlowEngine *engine, FlowEventFunc func, gpointer user_data,
                               guint event_mask);
gboolean flow_engine_process (FlowEngine *engine, PktPacket *packet);
void flow_engine_process_batch (FlowEngine *engine, PktPacket *packets, guint n);
void flow_engine_advance (FlowEngine *engine, gint64 now_ns);
void flow_engine_end_all (FlowEngine *engine, FlowEndReason reason);
guint32 flow_engine_get_active (FlowEngine *engine);
const FlowCounters *flow_engine_get_counters (FlowEngine *engine);
gsize flow_engine_get_memory (FlowEngine *engine);

/* Reading an entry (Zeek conn.log semantics) */
guint64 flow_entry_ip_bytes (const FlowEntry *e, int dir);
guint64 flow_entry_bytes (const FlowEntry *e, int dir);
const char *flow_entry_conn_state (const FlowEntry *e);
gsize flow_entry_history (const FlowEntry *e, char *buf, gsize size);
const char *flow_end_reason_name (FlowEndReason reason);
const char *flow_proto_name (guint8 proto);

G_END_DECLS
