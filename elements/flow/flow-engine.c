/* pktpipe — flow engine: open-addressed table, Zeek TCP state machine,
 * timer wheel, O(1) LRU.
 *
 * The TCP logic follows Zeek's TCPSessionAdapter / TCP_Endpoint closely
 * (state per endpoint, sequence-number based sizes, history letters with
 * CheckHistory masks and logarithmic repeats) so that conn_state and history
 * come out as Zeek writes them; the comments name the Zeek function each part
 * mirrors.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow-engine.h"

#include <string.h>

G_STATIC_ASSERT (sizeof (FlowKey) == 48);
G_STATIC_ASSERT (sizeof (FlowEntry) == 176);

#define NONE 0xffffffffu
/* 4096 slots of 2^26 ns (67 ms): a 275 s horizon; later deadlines wait in
 * the last slot and are re-filed when it comes round */
#define WHEEL_SLOTS    4096u
#define WHEEL_SHIFT    26
#define NS_PER_S       1000000000ll
#define WHEEL_MARK     0x80000000u
#define IDX_BITS       24
#define IDX_MASK       ((1u << IDX_BITS) - 1)
#define FLOW_MAX_FLOWS (IDX_MASK - 1)

/* FlowKey.fflags */
enum {
  FF_USED = 1 << 0,
  FF_ONE_WAY = 1 << 1,    /* ICMP without counterpart: keyed by direction */
  FF_HANDSHAKE = 1 << 2,  /* TCP handshake finished: tcp-inactivity applies */
  FF_ATTEMPT = 1 << 3,    /* Zeek's attempt timer armed (orig SYN) */
  FF_CLOSE_DONE = 1 << 4, /* close complete: delete after the linger */
  FF_EST_SENT = 1 << 5,   /* "established" event emitted */
  FF_HIST_TRUNC = 1 << 6, /* history longer than the entry holds */
};

/* epflags */
enum {
  EP_FIN = 1 << 0, /* FIN_cnt > 0 */
  EP_DID_CLOSE = 1 << 1,
};

/* hist_seen masks (Zeek TCP_Endpoint HIST_*), responder << 16 */
enum {
  HIST_SYN_PKT = 0x1,
  HIST_FIN_PKT = 0x2,
  HIST_RST_PKT = 0x4,
  HIST_FIN_RST_PKT = 0x8,
  HIST_DATA_PKT = 0x10,
  HIST_ACK_PKT = 0x20,
  HIST_MULTI_FLAG_PKT = 0x40,
  HIST_GAP = 0x80,
};

#define TH_FIN              0x01
#define TH_SYN              0x02
#define TH_RST              0x04
#define TH_PUSH             0x08
#define TH_ACK              0x10
#define TOO_LARGE_SEQ_DELTA 1048576

struct _FlowEngine {
  FlowConfig cfg;
  guint8 server_ports[8192];
  FlowEntry *entries;
  guint32 *index;
  guint32 index_mask;
  guint32 free_head;
  guint32 lru_head, lru_tail; /* head = least recently used */
  guint32 active;
  guint32 wheel[WHEEL_SLOTS];
  gint64 wheel_tick; /* next tick to process; < 0 before the first packet */
  gint64 now;
  FlowCounters counters;
  FlowEventFunc func;
  gpointer user_data;
  guint event_mask;
};

/* ---------------------------------------------------------------- helpers */

static inline guint16
rd16 (const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32
rd32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static inline gint32
seq_delta (guint32 a, guint32 b)
{
  return (gint32)(a - b);
}

static inline gboolean
bit_test (const guint8 *bm, guint16 port)
{
  return (bm[port >> 3] >> (port & 7)) & 1;
}

void
flow_config_init (FlowConfig *cfg)
{
  *cfg = (FlowConfig){
    .key = FLOW_KEY_5TUPLE,
    .key_with = 0,
    .bidirectional = TRUE,
    .max_flows = 1u << 20,
    .tcp_inactivity_ns = 300 * NS_PER_S,
    .udp_inactivity_ns = 60 * NS_PER_S,
    .icmp_inactivity_ns = 60 * NS_PER_S,
    .other_inactivity_ns = 60 * NS_PER_S,
    .linger_ns = 5 * NS_PER_S,
    .attempt_ns = 5 * NS_PER_S,
  };
}

/* The ports Zeek's default scripts register for their analyzers (its
 * likely_server_ports), used for the originator guess on midstream pickup. */
void
flow_server_ports_set_default (guint8 *bm)
{
  static const guint16 ports[] = {
    20,   21,   22,   23,   25,   53,   67,   68,   69,    80,    81,   88,   102,  110,
    111,  123,  135,  137,  138,  139,  143,  161,  162,   179,   389,  443,  445,  465,
    502,  514,  563,  585,  587,  614,  631,  636,  750,   853,   989,  990,  992,  993,
    995,  1080, 1194, 1433, 1812, 1813, 1883, 2049, 2123,  2152,  2811, 3128, 3268, 3306,
    3389, 3544, 4789, 5060, 5072, 5222, 5223, 5269, 5353,  5355,  5432, 5900, 6081, 6379,
    6666, 6667, 6668, 6669, 8000, 8080, 8443, 8888, 20000, 47808,
  };
  memset (bm, 0, 8192);
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    bm[ports[i] >> 3] |= 1 << (ports[i] & 7);
}

const char *
flow_end_reason_name (FlowEndReason reason)
{
  switch (reason) {
    case FLOW_END_TIMEOUT:
      return "timeout";
    case FLOW_END_CLOSED:
      return "closed";
    case FLOW_END_EVICTED:
      return "evicted";
    case FLOW_END_EOS:
      return "eos";
    case FLOW_END_REUSED:
      return "reused";
    default:
      return "active";
  }
}

const char *
flow_proto_name (guint8 proto)
{
  switch (proto) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 1:
    case 58:
      return "icmp";
    default:
      return "unknown_transport";
  }
}

/* ---------------------------------------------------------------- entries */

guint64
flow_entry_ip_bytes (const FlowEntry *e, int dir)
{
  return ((guint64)e->ipb_hi[dir] << 32) | e->ipb_lo[dir];
}

static inline void
ip_bytes_add (FlowEntry *e, int dir, guint32 n)
{
  guint64 v = flow_entry_ip_bytes (e, dir) + n;
  e->ipb_lo[dir] = (guint32)v;
  e->ipb_hi[dir] = (guint16)(v >> 32);
}

static inline guint64
full_seq (guint32 seq, guint wraps)
{
  return ((guint64)wraps << 32) | seq;
}

#define SEQ_WRAPS(e, d) ((e)->wraps[d] & 0x0f)
#define ACK_WRAPS(e, d) ((e)->wraps[d] >> 4)

static inline void
update_last_seq_raw (FlowEntry *e, int d, guint32 seq)
{
  if (seq < e->last_seq[d] && SEQ_WRAPS (e, d) < 15)
    e->wraps[d]++;
  e->last_seq[d] = seq;
}

static inline void
update_ack_seq_raw (FlowEntry *e, int d, guint32 seq)
{
  if (seq < e->ack_seq[d] && ACK_WRAPS (e, d) < 15)
    e->wraps[d] += 0x10;
  e->ack_seq[d] = seq;
}

static gboolean
no_data_acked (const FlowEntry *e, int d)
{
  guint64 ack = full_seq (e->ack_seq[d], ACK_WRAPS (e, d));
  guint64 start = e->start_seq[d];
  return ack == start || ack == start + 1;
}

/* Zeek TCP_Endpoint::Size */
static guint64
tcp_size (const FlowEntry *e, int d)
{
  int p = 1 - d;
  if (e->prev_state[d] == FLOW_TCP_SYN_SENT && e->state[d] == FLOW_TCP_RESET
      && e->state[p] == FLOW_TCP_INACTIVE && !no_data_acked (e, d))
    return 0;
  guint64 last = full_seq (e->last_seq[d], SEQ_WRAPS (e, d));
  guint64 ack = full_seq (e->ack_seq[d], ACK_WRAPS (e, d));
  guint64 size = (last > ack ? last : ack) - (guint64)e->start_seq[d];
  if (size != 0)
    size--;
  if ((e->epflags[d] & EP_FIN) && size != 0)
    size--;
  return size;
}

guint64
flow_entry_bytes (const FlowEntry *e, int dir)
{
  if (e->key.family != 0 && e->key.proto == 6)
    return tcp_size (e, dir);
  return full_seq (e->start_seq[dir], e->last_seq[dir]);
}

/* Zeek base/protocols/conn/main.zeek conn_state() */
const char *
flow_entry_conn_state (const FlowEntry *e)
{
  if (e->key.family == 0 || (e->key.proto != 6 && e->key.proto != 17))
    return "OTH";
  if (e->key.proto == 17) {
    gboolean o = e->pkts[0] > 0, r = e->pkts[1] > 0;
    if (o)
      return r ? "SF" : "S0";
    return r ? "SHR" : "OTH";
  }
  guint8 os = e->state[0], rs = e->state[1];
  gboolean o_inactive = os == FLOW_TCP_INACTIVE || os == FLOW_TCP_PARTIAL;
  gboolean r_inactive = rs == FLOW_TCP_INACTIVE || rs == FLOW_TCP_PARTIAL;
  if (rs == FLOW_TCP_RESET) {
    if (os == FLOW_TCP_SYN_SENT || os == FLOW_TCP_SYN_ACK_SENT
        || (os == FLOW_TCP_RESET && tcp_size (e, 0) == 0 && tcp_size (e, 1) == 0))
      return "REJ";
    return o_inactive ? "RSTRH" : "RSTR";
  }
  if (os == FLOW_TCP_RESET) {
    if (r_inactive) {
      /* /^\^?S[^HAFGIQ]*R.*$/ against the history */
      char h[FLOW_HISTORY_MAX + 1];
      flow_entry_history (e, h, sizeof h);
      const char *s = h;
      if (*s == '^')
        s++;
      if (*s == 'S') {
        for (s++; *s && !strchr ("HAFGIQ", *s); s++)
          if (*s == 'R')
            return "RSTOS0";
      }
      return "OTH";
    }
    return "RSTO";
  }
  if (rs == FLOW_TCP_CLOSED && os == FLOW_TCP_CLOSED)
    return "SF";
  if (os == FLOW_TCP_CLOSED)
    return r_inactive ? "SH" : "S2";
  if (rs == FLOW_TCP_CLOSED)
    return o_inactive ? "SHR" : "S3";
  if (os == FLOW_TCP_SYN_SENT && rs == FLOW_TCP_INACTIVE)
    return "S0";
  if (os == FLOW_TCP_ESTABLISHED && rs == FLOW_TCP_ESTABLISHED)
    return "S1";
  return "OTH";
}

gsize
flow_entry_history (const FlowEntry *e, char *buf, gsize size)
{
  gsize n = strnlen (e->history, FLOW_HISTORY_MAX);
  if (n >= size)
    n = size - 1;
  memcpy (buf, e->history, n);
  buf[n] = 0;
  return n;
}

static void
add_history (FlowEntry *e, char c)
{
  gsize n = strnlen (e->history, FLOW_HISTORY_MAX);
  if (n < FLOW_HISTORY_MAX)
    e->history[n] = c;
  else
    e->key.fflags |= FF_HIST_TRUNC;
}

/* Zeek Connection::CheckHistory: the first time a mask is seen its letter is
 * added; returns TRUE when it had been seen before. */
static gboolean
check_history (FlowEntry *e, int d, guint32 mask, char code)
{
  if (d == 1) {
    mask <<= 16;
    code = g_ascii_tolower (code);
  }
  if ((e->hist_seen & mask) == 0) {
    e->hist_seen |= mask;
    add_history (e, code);
    return FALSE;
  }
  return TRUE;
}

static void
ep_add_history (FlowEntry *e, int d, char code)
{
  add_history (e, d == 1 ? g_ascii_tolower (code) : code);
}

/* Zeek Connection::ScaledHistoryEntry with base 10: the letter repeats at
 * 1, 10, 100, … occurrences. The counter saturates at 65535. */
static void
scaled_history (FlowEntry *e, int d, guint16 *counter, char code)
{
  if (*counter == G_MAXUINT16)
    return;
  guint16 c = ++*counter;
  if (c == 1 || c == 10 || c == 100 || c == 1000 || c == 10000)
    ep_add_history (e, d, code);
}

/* ---------------------------------------------------------------- table */

static inline gboolean
key_vlan_keyed (const FlowEngine *eng)
{
  return (eng->cfg.key_with & FLOW_KEY_WITH_VLAN) != 0;
}

static inline guint64
rd64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return v;
}

static inline guint64
rotl64 (guint64 v, int r)
{
  return (v << r) | (v >> (64 - r));
}

/* Hash of a key. Bidirectional keys hash both endpoints through symmetric
 * operations (sum and xor), so no canonical ordering is needed; one-way
 * keys hash in order. One final mix: this runs for every packet. */
static inline guint32
key_hash (const FlowEngine *eng, const FlowKey *k, gboolean one_way)
{
  guint64 a0 = rd64 (k->addr[0]), a1 = rd64 (k->addr[0] + 8);
  guint64 b0 = rd64 (k->addr[1]), b1 = rd64 (k->addr[1] + 8);
  guint64 pa = k->port[0], pb = k->port[1];
  guint64 h;
  if (one_way || !eng->cfg.bidirectional) {
    h = a0 * 0x9e3779b97f4a7c15ull + rotl64 (a1, 13) + rotl64 (b0, 29) * 0xc2b2ae3d27d4eb4full
        + rotl64 (b1, 43) + (pa << 16 | pb) * 0x165667b19e3779f9ull;
  } else {
    h = (a0 + b0) * 0x9e3779b97f4a7c15ull + rotl64 (a0 ^ b0, 21) + (a1 + b1) * 0xc2b2ae3d27d4eb4full
        + rotl64 (a1 ^ b1, 43) + ((pa + pb) << 17 | (pa ^ pb)) * 0x165667b19e3779f9ull;
  }
  h ^= (guint64)k->proto << 56 ^ (guint64)k->family << 48 ^ (guint64)k->tunnel_type << 40
       ^ (guint64)k->tunnel_id;
  if (key_vlan_keyed (eng))
    h ^= ((guint64)k->vlan << 20) ^ ((guint64)k->inner_vlan << 36);
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return (guint32)h;
}

static inline gboolean
addr_eq (const guint8 *a, const guint8 *b)
{
  return rd64 (a) == rd64 (b) && rd64 (a + 8) == rd64 (b + 8);
}

static inline gboolean
key_rest_equal (const FlowEngine *eng, const FlowKey *a, const FlowKey *b)
{
  if (a->proto != b->proto || a->family != b->family || a->tunnel_type != b->tunnel_type
      || a->tunnel_id != b->tunnel_id)
    return FALSE;
  if (key_vlan_keyed (eng) && (a->vlan != b->vlan || a->inner_vlan != b->inner_vlan))
    return FALSE;
  return TRUE;
}

/* Returns 0 (same direction), 1 (reverse) or -1 (different flow). */
static inline int
key_match (const FlowEngine *eng, const FlowEntry *e, const FlowKey *k)
{
  const FlowKey *ek = &e->key;
  if (!key_rest_equal (eng, ek, k))
    return -1;
  if (ek->port[0] == k->port[0] && ek->port[1] == k->port[1] && addr_eq (ek->addr[0], k->addr[0])
      && addr_eq (ek->addr[1], k->addr[1]))
    return 0;
  if ((ek->fflags & FF_ONE_WAY) || !eng->cfg.bidirectional)
    return -1;
  if (ek->port[0] == k->port[1] && ek->port[1] == k->port[0] && addr_eq (ek->addr[0], k->addr[1])
      && addr_eq (ek->addr[1], k->addr[0]))
    return 1;
  return -1;
}

FlowEngine *
flow_engine_new (const FlowConfig *cfg)
{
  FlowEngine *eng = g_new0 (FlowEngine, 1);
  eng->cfg = *cfg;
  if (eng->cfg.max_flows < 1)
    eng->cfg.max_flows = 1;
  if (eng->cfg.max_flows > FLOW_MAX_FLOWS)
    eng->cfg.max_flows = FLOW_MAX_FLOWS;
  if (cfg->server_ports)
    memcpy (eng->server_ports, cfg->server_ports, sizeof eng->server_ports);
  eng->cfg.server_ports = NULL;
  guint32 n = eng->cfg.max_flows;
  /* index: a power of two >= 1.25 n (load <= 0.8), 4 bytes a slot */
  guint32 size = 16;
  while (size < n + n / 4)
    size <<= 1;
  eng->index = g_new0 (guint32, size);
  eng->index_mask = size - 1;
  /* entries are touched (zeroed) now so that RSS does not grow later */
  eng->entries = g_new0 (FlowEntry, n);
  for (guint32 i = 0; i < n; i++) {
    eng->entries[i].lru_next = i + 1 < n ? i + 1 : NONE;
    eng->entries[i].gen = 1;
  }
  eng->free_head = 0;
  eng->lru_head = eng->lru_tail = NONE;
  for (guint i = 0; i < WHEEL_SLOTS; i++)
    eng->wheel[i] = NONE;
  eng->wheel_tick = -1;
  return eng;
}

void
flow_engine_free (FlowEngine *eng)
{
  if (!eng)
    return;
  g_free (eng->entries);
  g_free (eng->index);
  g_free (eng);
}

void
flow_engine_set_callback (FlowEngine *eng, FlowEventFunc func, gpointer user_data, guint event_mask)
{
  eng->func = func;
  eng->user_data = user_data;
  eng->event_mask = event_mask;
}

guint32
flow_engine_get_active (FlowEngine *eng)
{
  return eng->active;
}

const FlowCounters *
flow_engine_get_counters (FlowEngine *eng)
{
  return &eng->counters;
}

gsize
flow_engine_get_memory (FlowEngine *eng)
{
  return (gsize)eng->cfg.max_flows * sizeof (FlowEntry)
         + ((gsize)eng->index_mask + 1) * sizeof (guint32);
}

static inline guint64
entry_id (FlowEngine *eng, guint32 idx)
{
  return ((guint64)eng->entries[idx].gen << 32) | idx;
}

/* LRU list: head is the least recently used */
static inline void
lru_unlink (FlowEngine *eng, guint32 idx)
{
  FlowEntry *e = &eng->entries[idx];
  if (e->lru_prev != NONE)
    eng->entries[e->lru_prev].lru_next = e->lru_next;
  else
    eng->lru_head = e->lru_next;
  if (e->lru_next != NONE)
    eng->entries[e->lru_next].lru_prev = e->lru_prev;
  else
    eng->lru_tail = e->lru_prev;
}

static inline void
lru_append (FlowEngine *eng, guint32 idx)
{
  FlowEntry *e = &eng->entries[idx];
  e->lru_prev = eng->lru_tail;
  e->lru_next = NONE;
  if (eng->lru_tail != NONE)
    eng->entries[eng->lru_tail].lru_next = idx;
  else
    eng->lru_head = idx;
  eng->lru_tail = idx;
}

static inline void
lru_touch (FlowEngine *eng, guint32 idx)
{
  if (eng->lru_tail == idx)
    return;
  lru_unlink (eng, idx);
  lru_append (eng, idx);
}

/* ---------------------------------------------------------------- timers */

static gint64
entry_deadline (const FlowEngine *eng, const FlowEntry *e)
{
  const FlowConfig *c = &eng->cfg;
  guint8 f = e->key.fflags;
  if (e->key.family == 0
      || (e->key.proto != 6 && e->key.proto != 17 && e->key.proto != 1 && e->key.proto != 58))
    return e->last_ts + c->other_inactivity_ns;
  if (e->key.proto == 17)
    return e->last_ts + c->udp_inactivity_ns;
  if (e->key.proto != 6)
    return e->last_ts + c->icmp_inactivity_ns;
  if (c->key != FLOW_KEY_5TUPLE)
    return e->last_ts + c->tcp_inactivity_ns;
  /* Zeek: UDP's inactivity timeout until the handshake completes */
  gint64 d = e->last_ts + ((f & FF_HANDSHAKE) ? c->tcp_inactivity_ns : c->udp_inactivity_ns);
  if (f & FF_CLOSE_DONE)
    return MIN (d, e->last_ts + c->linger_ns);
  guint8 os = e->state[0], rs = e->state[1];
  /* AttemptTimer: an unanswered SYN */
  if ((f & FF_ATTEMPT) && (os == FLOW_TCP_SYN_SENT || os == FLOW_TCP_SYN_ACK_SENT)
      && rs == FLOW_TCP_INACTIVE)
    d = MIN (d, e->first_ts + c->attempt_ns);
  /* ExpireTimer: one side closed and the other reset, closed or silent */
  gboolean oc = e->epflags[0] & EP_DID_CLOSE, rc = e->epflags[1] & EP_DID_CLOSE;
  if ((oc || rc)
      && ((oc && rc) || os == FLOW_TCP_RESET || rs == FLOW_TCP_RESET || os == FLOW_TCP_INACTIVE
          || rs == FLOW_TCP_INACTIVE))
    d = MIN (d, e->last_ts + c->linger_ns + 1);
  if (os == FLOW_TCP_INACTIVE && rs == FLOW_TCP_INACTIVE)
    d = MIN (d, e->last_ts + c->linger_ns + 1);
  return d;
}

static inline void
wheel_unlink (FlowEngine *eng, guint32 idx)
{
  FlowEntry *e = &eng->entries[idx];
  if (e->wheel_prev == NONE)
    return;
  if (e->wheel_prev & WHEEL_MARK && e->wheel_prev != NONE)
    eng->wheel[e->wheel_prev & ~WHEEL_MARK] = e->wheel_next;
  else
    eng->entries[e->wheel_prev].wheel_next = e->wheel_next;
  if (e->wheel_next != NONE)
    eng->entries[e->wheel_next].wheel_prev = e->wheel_prev;
  e->wheel_prev = e->wheel_next = NONE;
}

static inline void
wheel_insert (FlowEngine *eng, guint32 idx)
{
  FlowEntry *e = &eng->entries[idx];
  gint64 tick = entry_deadline (eng, e) >> WHEEL_SHIFT;
  gint64 cur = eng->wheel_tick < 0 ? e->last_ts >> WHEEL_SHIFT : eng->wheel_tick;
  if (tick < cur)
    tick = cur;
  if (tick >= cur + WHEEL_SLOTS)
    tick = cur + WHEEL_SLOTS - 1;
  guint32 slot = (guint32)(tick % WHEEL_SLOTS);
  e->wheel_prev = WHEEL_MARK | slot;
  e->wheel_next = eng->wheel[slot];
  if (e->wheel_next != NONE)
    eng->entries[e->wheel_next].wheel_prev = idx;
  eng->wheel[slot] = idx;
}

static inline void
wheel_reschedule (FlowEngine *eng, guint32 idx)
{
  wheel_unlink (eng, idx);
  wheel_insert (eng, idx);
}

/* ---------------------------------------------------------------- removal */

static void
index_remove (FlowEngine *eng, guint32 idx)
{
  FlowEntry *e = &eng->entries[idx];
  guint32 mask = eng->index_mask;
  guint32 i = key_hash (eng, &e->key, e->key.fflags & FF_ONE_WAY) & mask;
  while ((eng->index[i] & IDX_MASK) != idx + 1) {
    if (eng->index[i] == 0) {
      g_warn_if_reached ();
      return;
    }
    i = (i + 1) & mask;
  }
  /* backward-shift deletion keeps probe chains without tombstones */
  eng->index[i] = 0;
  guint32 j = i;
  for (;;) {
    j = (j + 1) & mask;
    guint32 v = eng->index[j];
    if (v == 0)
      break;
    FlowEntry *o = &eng->entries[(v & IDX_MASK) - 1];
    guint32 home = key_hash (eng, &o->key, o->key.fflags & FF_ONE_WAY) & mask;
    gboolean stays = (j > i) ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      eng->index[i] = v;
      eng->index[j] = 0;
      i = j;
    }
  }
}

static void
entry_end (FlowEngine *eng, guint32 idx, FlowEndReason reason)
{
  FlowEntry *e = &eng->entries[idx];
  eng->counters.ended++;
  if (reason == FLOW_END_TIMEOUT)
    eng->counters.expired++;
  else if (reason == FLOW_END_EVICTED)
    eng->counters.evicted++;
  else if (reason == FLOW_END_CLOSED)
    eng->counters.closed++;
  if (eng->func && (eng->event_mask & (1u << FLOW_EVENT_ENDED)))
    eng->func (eng, FLOW_EVENT_ENDED, e, entry_id (eng, idx), reason, eng->user_data);
  index_remove (eng, idx);
  lru_unlink (eng, idx);
  wheel_unlink (eng, idx);
  guint32 gen = e->gen + 1;
  memset (e, 0, sizeof *e);
  e->gen = gen ? gen : 1;
  e->wheel_prev = e->wheel_next = NONE;
  e->lru_next = eng->free_head;
  eng->free_head = idx;
  eng->active--;
}

static FlowEndReason
expiry_reason (const FlowEntry *e)
{
  return (e->key.fflags & FF_CLOSE_DONE) ? FLOW_END_CLOSED : FLOW_END_TIMEOUT;
}

static void
wheel_run_slot (FlowEngine *eng, guint32 slot, gint64 now)
{
  guint32 idx = eng->wheel[slot];
  eng->wheel[slot] = NONE;
  while (idx != NONE) {
    FlowEntry *e = &eng->entries[idx];
    guint32 next = e->wheel_next;
    if (next != NONE)
      eng->entries[next].wheel_prev = WHEEL_MARK | slot;
    e->wheel_prev = e->wheel_next = NONE;
    if (entry_deadline (eng, e) <= now)
      entry_end (eng, idx, expiry_reason (e));
    else
      wheel_insert (eng, idx);
    idx = next;
  }
}

void
flow_engine_advance (FlowEngine *eng, gint64 now)
{
  gint64 tick = now >> WHEEL_SHIFT;
  if (now > eng->now)
    eng->now = now;
  if (eng->wheel_tick < 0) {
    eng->wheel_tick = tick;
    return;
  }
  if (tick <= eng->wheel_tick)
    return;
  /* every slot strictly before the current tick is due */
  if (tick - eng->wheel_tick > WHEEL_SLOTS)
    eng->wheel_tick = tick - WHEEL_SLOTS;
  while (eng->wheel_tick < tick) {
    guint32 slot = (guint32)(eng->wheel_tick % WHEEL_SLOTS);
    eng->wheel_tick++;
    wheel_run_slot (eng, slot, now);
  }
}

void
flow_engine_end_all (FlowEngine *eng, FlowEndReason reason)
{
  /* oldest first, as a log reader expects */
  while (eng->lru_head != NONE) {
    guint32 idx = eng->lru_head;
    FlowEntry *e = &eng->entries[idx];
    FlowEndReason r = reason;
    if (reason == FLOW_END_EOS && e->last_ts && entry_deadline (eng, e) <= eng->now)
      r = expiry_reason (e);
    entry_end (eng, idx, r);
  }
}

/* ---------------------------------------------------------------- packets */

typedef struct {
  FlowKey key;
  guint32 ip_len;   /* IP total length (Zeek's ip bytes) */
  guint32 l4_len;   /* transport payload length from the headers */
  const guint8 *l4; /* transport header (caplen checked for the fixed part) */
  guint8 tcp_flags;
  gboolean one_way;
} PacketInfo;

static int
icmp_counterpart (guint8 proto, guint8 type, guint8 code, gboolean *one_way)
{
  *one_way = FALSE;
  if (proto == 1) {
    switch (type) {
      case 8:
        return 0;
      case 0:
        return 8;
      case 13:
        return 14;
      case 14:
        return 13;
      case 15:
        return 16;
      case 16:
        return 15;
      case 10:
        return 9;
      case 9:
        return 10;
      case 17:
        return 18;
      case 18:
        return 17;
      default:
        break;
    }
  } else {
    switch (type) {
      case 128:
        return 129;
      case 129:
        return 128;
      case 133:
        return 134;
      case 134:
        return 133;
      case 135:
        return 136;
      case 136:
        return 135;
      case 130:
        return 131;
      case 131:
        return 130;
      case 139:
        return 140;
      case 140:
        return 139;
      default:
        break;
    }
  }
  *one_way = TRUE;
  return code;
}

static gboolean
packet_info (FlowEngine *eng, PktPacket *p, PacketInfo *pi)
{
  memset (pi, 0, sizeof *pi);
  FlowKey *k = &pi->key;
  if (eng->cfg.key == FLOW_KEY_MACPAIR) {
    if (p->linktype != PKT_LINK_ETHERNET || p->caplen < 14)
      return FALSE;
    memcpy (k->addr[0], p->data + 6, 6);
    memcpy (k->addr[1], p->data, 6);
    pi->ip_len = p->len;
  } else {
    if (!pkt_packet_parse (p) || p->l3_off == PKT_OFFSET_NONE)
      return FALSE;
    const guint8 *l3 = p->data + p->l3_off;
    guint32 avail = p->caplen - p->l3_off;
    if (p->l3_proto == 4 && avail >= 20) {
      k->family = 4;
      memcpy (k->addr[0], l3 + 12, 4);
      memcpy (k->addr[1], l3 + 16, 4);
      pi->ip_len = rd16 (l3 + 2);
    } else if (p->l3_proto == 6 && avail >= 40) {
      k->family = 6;
      memcpy (k->addr[0], l3 + 8, 16);
      memcpy (k->addr[1], l3 + 24, 16);
      pi->ip_len = 40 + rd16 (l3 + 4);
    } else
      return FALSE;
    if (eng->cfg.key == FLOW_KEY_5TUPLE) {
      k->proto = p->l4_proto;
      if ((p->flags & PKT_PACKET_FLAG_FRAGMENT) && p->l4_off == PKT_OFFSET_NONE)
        return FALSE; /* no reassembly here: see docs/flows.md */
      guint8 pr = p->l4_proto;
      if (pr == 6 || pr == 17 || pr == 1 || pr == 58) {
        if (p->l4_off == PKT_OFFSET_NONE || p->l4_off < p->l3_off)
          return FALSE;
        guint need = pr == 6 ? 20 : pr == 17 ? 8 : 4;
        if (p->caplen < (guint32)p->l4_off + need)
          return FALSE;
        const guint8 *l4 = p->data + p->l4_off;
        guint32 hdrs = p->l4_off - p->l3_off;
        guint32 l4_total = pi->ip_len > hdrs ? pi->ip_len - hdrs : 0;
        pi->l4 = l4;
        if (pr == 6) {
          guint th = (l4[12] >> 4) * 4;
          k->port[0] = rd16 (l4);
          k->port[1] = rd16 (l4 + 2);
          pi->tcp_flags = l4[13];
          pi->l4_len = l4_total > th ? l4_total - th : 0;
        } else if (pr == 17) {
          k->port[0] = rd16 (l4);
          k->port[1] = rd16 (l4 + 2);
          guint16 ulen = rd16 (l4 + 4);
          pi->l4_len = ulen >= 8 ? ulen - 8u : (l4_total > 8 ? l4_total - 8 : 0);
        } else {
          k->port[0] = l4[0];
          k->port[1] = (guint16)icmp_counterpart (pr, l4[0], l4[1], &pi->one_way);
          pi->l4_len = l4_total > 8 ? l4_total - 8 : 0;
        }
      }
    }
  }
  if (eng->cfg.key_with & FLOW_KEY_WITH_TUNNEL) {
    k->tunnel_type = p->tunnel_type;
    k->tunnel_id = p->tunnel_id;
  }
  k->vlan = p->vlan_tci & 0x0fff;
  k->inner_vlan = p->inner_vlan_tci & 0x0fff;
  return TRUE;
}

static guint32
lookup (FlowEngine *eng, const PacketInfo *pi, guint32 hash, int *dir, guint32 *slot)
{
  guint32 mask = eng->index_mask;
  guint32 tag = hash >> 24;
  guint32 i = hash & mask;
  for (;;) {
    guint32 v = eng->index[i];
    if (v == 0) {
      *slot = i;
      return NONE;
    }
    if ((v >> IDX_BITS) == tag) {
      guint32 idx = (v & IDX_MASK) - 1;
      int d = key_match (eng, &eng->entries[idx], &pi->key);
      if (d >= 0) {
        *dir = d;
        *slot = i;
        return idx;
      }
    }
    i = (i + 1) & mask;
  }
}

static void
swap_roles (FlowEntry *e)
{
  guint8 a[16];
#define SWAP(x)                                                                                    \
  G_STMT_START                                                                                     \
  {                                                                                                \
    __typeof__ (x[0]) t_ = x[0];                                                                   \
    x[0] = x[1];                                                                                   \
    x[1] = t_;                                                                                     \
  }                                                                                                \
  G_STMT_END
  memcpy (a, e->key.addr[0], 16);
  memcpy (e->key.addr[0], e->key.addr[1], 16);
  memcpy (e->key.addr[1], a, 16);
  SWAP (e->key.port);
  SWAP (e->pkts);
  SWAP (e->ipb_lo);
  SWAP (e->ipb_hi);
  SWAP (e->start_seq);
  SWAP (e->last_seq);
  SWAP (e->ack_seq);
  SWAP (e->rxmt);
  SWAP (e->win0);
  SWAP (e->hist_fin);
  SWAP (e->hist_rst);
  SWAP (e->state);
  SWAP (e->prev_state);
  SWAP (e->epflags);
  SWAP (e->wraps);
  SWAP (e->hist_syn);
#undef SWAP
  /* Zeek Connection::FlipRoles: hist_seen is not swapped, '^' is logged */
  add_history (e, '^');
}

/* Zeek TCPAnalyzer::WantConnection / UDPAnalyzer: guess the originator of a
 * connection that does not start with a SYN from the likely server port. */
static gboolean
want_flip (FlowEngine *eng, const PacketInfo *pi)
{
  const FlowKey *k = &pi->key;
  if (eng->cfg.key != FLOW_KEY_5TUPLE || !eng->cfg.bidirectional)
    return FALSE;
  gboolean s_src = bit_test (eng->server_ports, k->port[0]);
  gboolean s_dst = bit_test (eng->server_ports, k->port[1]);
  if (k->proto == 6) {
    guint8 f = pi->tcp_flags;
    if ((f & TH_SYN) && !(f & TH_ACK))
      return FALSE;
    if (!s_src)
      return FALSE;
    if (s_dst)
      return !(f & TH_SYN) && k->port[0] < k->port[1];
    return TRUE;
  }
  if (k->proto == 17)
    return s_src && !s_dst;
  return FALSE;
}

/* ---- TCP (Zeek TCPSessionAdapter::Process and helpers) ---- */

static inline guint64
rel_seq_of (const FlowEntry *e, int d, guint32 cur, guint32 last, guint wraps, gboolean *under)
{
  gint32 delta = seq_delta (cur, last);
  if (delta < 0) {
    if (wraps && cur > last)
      --wraps;
  } else if (delta > 0) {
    if (cur < last)
      ++wraps;
  }
  if (wraps == 0) {
    delta = seq_delta (cur, e->start_seq[d]);
    if (under && delta < 0)
      *under = TRUE;
    return (guint64)(gint64)delta;
  }
  return full_seq (cur, wraps) - (guint64)e->start_seq[d];
}

static void
tcp_init_endpoint (FlowEntry *e, int d, guint8 f, guint32 seq, guint32 last)
{
  switch (e->state[d]) {
    case FLOW_TCP_INACTIVE:
      if (f & TH_SYN) {
        e->ack_seq[d] = e->start_seq[d] = seq;
      } else {
        e->ack_seq[d] = e->start_seq[d] = seq - 1;
        last = seq;
      }
      e->last_seq[d] = last;
      break;
    case FLOW_TCP_SYN_SENT:
    case FLOW_TCP_SYN_ACK_SENT:
      if ((f & TH_SYN) && seq != e->start_seq[d]) {
        e->start_seq[d] = e->ack_seq[d] = seq;
        e->last_seq[d] = last;
      }
      break;
    case FLOW_TCP_ESTABLISHED:
    case FLOW_TCP_PARTIAL:
      if (f & TH_SYN) {
        e->start_seq[d] = e->ack_seq[d] = seq;
        e->last_seq[d] = last;
      }
      break;
    case FLOW_TCP_RESET:
      if ((f & TH_SYN) && e->prev_state[d] == FLOW_TCP_INACTIVE) {
        e->start_seq[d] = e->ack_seq[d] = seq;
        e->last_seq[d] = last;
      }
      break;
    default:
      break;
  }
}

static void
tcp_update_history (FlowEntry *e, int d, guint8 f, guint64 rel_seq, guint32 len)
{
  int bits = !!(f & TH_SYN) + !!(f & TH_FIN) + !!(f & TH_RST);
  if (bits > 1) {
    if ((f & TH_FIN) && (f & TH_RST))
      check_history (e, d, HIST_FIN_RST_PKT, 'I');
    else
      check_history (e, d, HIST_MULTI_FLAG_PKT, 'Q');
  } else if (bits == 1) {
    if (f & TH_SYN) {
      char code = (f & TH_ACK) ? 'H' : 'S';
      if (check_history (e, d, HIST_SYN_PKT, code) && (guint8)rel_seq != e->hist_syn[d])
        ep_add_history (e, d, code);
      e->hist_syn[d] = (guint8)rel_seq;
    }
    if (f & TH_FIN) {
      guint16 v = (guint16)(rel_seq + len);
      if (check_history (e, d, HIST_FIN_PKT, 'F') && v != e->hist_fin[d])
        ep_add_history (e, d, 'F');
      e->hist_fin[d] = v;
    }
    if (f & TH_RST) {
      if (check_history (e, d, HIST_RST_PKT, 'R') && (guint16)rel_seq != e->hist_rst[d])
        ep_add_history (e, d, 'R');
      e->hist_rst[d] = (guint16)rel_seq;
    }
  } else {
    if (len)
      check_history (e, d, HIST_DATA_PKT, 'D');
    else if (f & TH_ACK)
      check_history (e, d, HIST_ACK_PKT, 'A');
  }
}

static inline void
set_state (FlowEntry *e, int d, guint8 s)
{
  if (s == e->state[d])
    return;
    /* Zeek TCP_Endpoint::SetState: leaving the handshake switches the
     * inactivity timeout to tcp_inactivity_timeout */
#define HS(x) ((x) == FLOW_TCP_INACTIVE || (x) == FLOW_TCP_SYN_SENT || (x) == FLOW_TCP_SYN_ACK_SENT)
  if (!HS (s) && HS (e->state[d]) && HS (e->state[1 - d]))
    e->key.fflags |= FF_HANDSHAKE;
#undef HS
  e->prev_state[d] = e->state[d];
  e->state[d] = s;
}

/* Zeek TCPSessionAdapter::ConnectionClosed without reassembly */
static void
tcp_closed (FlowEntry *e, int d)
{
  int p = 1 - d;
  if (e->epflags[d] & EP_DID_CLOSE)
    return;
  e->epflags[d] |= EP_DID_CLOSE;
  if (e->state[d] == FLOW_TCP_RESET || (e->epflags[p] & EP_DID_CLOSE)
      || e->state[p] == FLOW_TCP_INACTIVE)
    e->key.fflags |= FF_CLOSE_DONE;
}

/* Returns TRUE if the roles were flipped (d changes meaning). */
static gboolean
tcp_state_machine (FlowEntry *e, int d, guint8 f, guint32 base_seq, guint32 ack_seq, guint32 len,
                   gint32 delta_last, gboolean *do_close)
{
  int p = 1 - d;
  gboolean is_orig = d == 0;
  gboolean flipped = FALSE;
  *do_close = FALSE;
  switch (e->state[d]) {
    case FLOW_TCP_INACTIVE:
      if (f & TH_SYN) {
        if (is_orig) {
          set_state (e, d, (f & TH_ACK) ? FLOW_TCP_SYN_ACK_SENT : FLOW_TCP_SYN_SENT);
          e->key.fflags |= FF_ATTEMPT;
        } else {
          if (!(f & TH_ACK) && e->state[p] == FLOW_TCP_SYN_ACK_SENT
              && base_seq == e->start_seq[d]) {
            /* SYN/SYN-ACK reversal: flip and establish */
            swap_roles (e);
            d = 1 - d;
            p = 1 - p;
            is_orig = !is_orig;
            flipped = TRUE;
            set_state (e, p, FLOW_TCP_ESTABLISHED);
          }
          if (e->state[p] == FLOW_TCP_SYN_SENT)
            set_state (e, p, FLOW_TCP_ESTABLISHED);
          set_state (e, d, FLOW_TCP_ESTABLISHED);
        }
      }
      if (f & TH_FIN) {
        set_state (e, d, FLOW_TCP_CLOSED);
        *do_close = TRUE;
      }
      if (f & TH_RST) {
        set_state (e, d, FLOW_TCP_RESET);
        *do_close = TRUE;
      }
      if (e->state[d] == FLOW_TCP_INACTIVE) {
        if (!is_orig && len == 0 && e->state[0] == FLOW_TCP_SYN_SENT)
          ; /* an ACK before the SYN-ACK: not partial */
        else if ((f & TH_ACK) && e->state[p] == FLOW_TCP_ESTABLISHED)
          set_state (e, d, FLOW_TCP_ESTABLISHED);
        else
          set_state (e, d, FLOW_TCP_PARTIAL);
      }
      break;
    case FLOW_TCP_SYN_SENT:
    case FLOW_TCP_SYN_ACK_SENT:
      if (f & TH_FIN) {
        set_state (e, d, FLOW_TCP_CLOSED);
        *do_close = TRUE;
      }
      if (f & TH_RST) {
        set_state (e, d, FLOW_TCP_RESET);
        *do_close = TRUE;
      }
      break;
    case FLOW_TCP_ESTABLISHED:
    case FLOW_TCP_PARTIAL:
      if ((f & TH_SYN) && e->state[d] == FLOW_TCP_PARTIAL && e->state[p] == FLOW_TCP_INACTIVE
          && !(f & TH_ACK))
        set_state (e, d, FLOW_TCP_SYN_SENT);
      if ((f & TH_FIN) && !(f & TH_RST)) {
        set_state (e, d, FLOW_TCP_CLOSED);
        if (e->state[p] == FLOW_TCP_RESET && e->prev_state[p] == FLOW_TCP_CLOSED)
          set_state (e, p, FLOW_TCP_CLOSED);
        *do_close = TRUE;
      }
      if (f & TH_RST) {
        set_state (e, d, FLOW_TCP_RESET);
        *do_close = TRUE;
      }
      break;
    case FLOW_TCP_CLOSED:
      if ((f & TH_RST) && e->state[p] != FLOW_TCP_CLOSED) {
        set_state (e, d, FLOW_TCP_RESET);
        if (!(e->epflags[d] & EP_DID_CLOSE))
          *do_close = TRUE;
      }
      break;
    case FLOW_TCP_RESET:
    default:
      break;
  }
  (void)ack_seq;
  (void)delta_last;
  if (*do_close)
    tcp_closed (e, d);
  return flipped;
}

/* Zeek (PR #2191): a connection that began with an unflipped SYN-ACK is
 * flipped once an ACK or data follows, since stealth scans never send
 * those; the history then reads as if the flip had happened first. */
static gboolean
tcp_late_flip (FlowEntry *e, guint8 f)
{
  if (e->state[0] != FLOW_TCP_SYN_ACK_SENT || e->state[1] != FLOW_TCP_INACTIVE
      || (f & (TH_SYN | TH_FIN | TH_RST)) || !(f & TH_ACK))
    return FALSE;
  char h[FLOW_HISTORY_MAX + 1];
  gsize n = flow_entry_history (e, h, sizeof h);
  swap_roles (e); /* appends '^': rewrite below */
  memset (e->history, 0, sizeof e->history);
  add_history (e, '^');
  for (gsize i = 0; i < n; i++)
    add_history (e, g_ascii_isupper (h[i]) ? g_ascii_tolower (h[i]) : g_ascii_toupper (h[i]));
  e->hist_seen = (e->hist_seen >> 16) | (e->hist_seen << 16);
  return TRUE;
}

/* Processes one TCP segment of an existing entry; returns the (possibly
 * flipped) direction of the packet. */
static int
tcp_process (FlowEngine *eng, FlowEntry *e, int d, const PacketInfo *pi, gint64 now)
{
  const guint8 *th = pi->l4;
  guint8 f = pi->tcp_flags;
  guint32 base_seq = rd32 (th + 4);
  guint32 ack_seq = rd32 (th + 8);
  guint16 win = rd16 (th + 14);
  guint32 len = pi->l4_len;
  if (tcp_late_flip (e, f))
    d = 1 - d;
  int p = 1 - d;

  gint32 seg_len = (gint32)len + !!(f & TH_SYN) + !!(f & TH_FIN);
  if (f & TH_RST)
    seg_len -= (gint32)len;
  guint32 seq_one_past = base_seq + (guint32)seg_len;

  tcp_init_endpoint (e, d, f, base_seq, seq_one_past);
  gboolean under = FALSE;
  guint64 rel_seq = rel_seq_of (e, d, base_seq, e->last_seq[d], SEQ_WRAPS (e, d), &under);
  tcp_update_history (e, d, f, rel_seq, len);

  /* update_window: zero windows (window << scale is zero iff window is) */
  if (win == 0 && !(f & TH_RST) && e->state[p] != FLOW_TCP_CLOSED && e->state[d] != FLOW_TCP_RESET)
    scaled_history (e, d, &e->win0[d], 'W');

  if (!(e->epflags[0] & EP_DID_CLOSE) || !(e->epflags[1] & EP_DID_CLOSE))
    e->last_ts = now;

  if (f & TH_FIN)
    e->epflags[d] |= EP_FIN;

  if (f & TH_ACK) {
    if (e->state[p] == FLOW_TCP_INACTIVE) {
      /* init_peer: number the peer's bytes as if its SYN had been seen */
      e->start_seq[p] = e->ack_seq[p] = e->last_seq[p] = ack_seq - 1;
    } else {
      gboolean aunder = FALSE;
      guint64 rel_ack = rel_seq_of (e, p, ack_seq, e->ack_seq[p], ACK_WRAPS (e, p), &aunder);
      (void)rel_ack;
      if (!aunder && !(f & TH_RST)) {
        gint32 da = seq_delta (ack_seq, e->ack_seq[p]);
        if (!(ack_seq == 0 && da > TOO_LARGE_SEQ_DELTA) && da > 0) {
          /* the peer's data up to ack_seq was acknowledged but never seen:
           * a content gap (Zeek's reassembler: missed_bytes and 'G') */
          gint32 gap = seq_delta (ack_seq, e->last_seq[p]);
          if (gap > 0 && gap < TOO_LARGE_SEQ_DELTA && e->state[p] == FLOW_TCP_ESTABLISHED
              && e->state[d] == FLOW_TCP_ESTABLISHED) {
            e->missed += (guint32)gap;
            if (!(f & TH_FIN))
              check_history (e, p, HIST_GAP, 'G');
          }
          update_ack_seq_raw (e, p, ack_seq);
        }
      }
    }
  }

  /* update_last_seq */
  gint32 delta_last = seq_delta (seq_one_past, e->last_seq[d]);
  if ((f & (TH_SYN | TH_RST))
      && (delta_last > TOO_LARGE_SEQ_DELTA || delta_last < -TOO_LARGE_SEQ_DELTA))
    ;
  else if ((f & TH_FIN) && e->last_seq[d] == e->start_seq[d] + 1)
    update_last_seq_raw (e, d, seq_one_past);
  else if (e->state[d] == FLOW_TCP_RESET)
    ;
  else if (delta_last > 0)
    update_last_seq_raw (e, d, seq_one_past);
  else if (delta_last <= 0 && len > 0)
    scaled_history (e, d, &e->rxmt[d], 'T');

  gboolean do_close;
  if (tcp_state_machine (e, d, f, base_seq, ack_seq, len, delta_last, &do_close))
    d = 1 - d;
  return d;
}

/* Zeek TCPSessionAdapter::IsReuse: a new SYN on this tuple starts a new
 * connection when the old one is closed or the SYN's sequence differs. */
static gboolean
tcp_is_reuse (FlowEngine *eng, FlowEntry *e, int d, const PacketInfo *pi)
{
  guint8 f = pi->tcp_flags;
  if (!(f & TH_SYN))
    return FALSE;
  if ((pi->l4[12] >> 4) < 5)
    return FALSE;
  int conn_orig = 0;
  if (f & TH_ACK) {
    if (e->state[0] != FLOW_TCP_INACTIVE)
      return FALSE;
    conn_orig = 1;
  }
  gboolean closed = (e->epflags[0] | e->epflags[1]) & EP_DID_CLOSE;
  if (!closed) {
    guint32 base_seq = rd32 (pi->l4 + 4);
    if (base_seq == e->start_seq[conn_orig])
      return FALSE;
    if (!(f & TH_ACK) && e->state[conn_orig] == FLOW_TCP_SYN_ACK_SENT
        && e->state[1] == FLOW_TCP_INACTIVE && base_seq == e->start_seq[1])
      return FALSE;
  }
  (void)eng;
  (void)d;
  return TRUE;
}

static guint32
entry_create (FlowEngine *eng, const PacketInfo *pi, guint32 hash, guint32 slot, gint64 now,
              gboolean flip)
{
  if (eng->free_head == NONE) {
    guint32 victim = eng->lru_head;
    FlowEntry *v = &eng->entries[victim];
    entry_end (eng, victim, entry_deadline (eng, v) <= now ? expiry_reason (v) : FLOW_END_EVICTED);
    /* the index changed: find the insertion slot again */
    guint32 mask = eng->index_mask;
    slot = hash & mask;
    while (eng->index[slot] != 0)
      slot = (slot + 1) & mask;
  }
  guint32 idx = eng->free_head;
  FlowEntry *e = &eng->entries[idx];
  eng->free_head = e->lru_next;
  guint32 gen = e->gen;
  memset (e, 0, sizeof *e);
  e->gen = gen;
  e->key = pi->key;
  e->key.fflags = FF_USED | (pi->one_way ? FF_ONE_WAY : 0);
  e->first_ts = e->last_ts = now;
  e->wheel_prev = e->wheel_next = NONE;
  eng->index[slot] = ((hash >> 24) << IDX_BITS) | (idx + 1);
  lru_append (eng, idx);
  eng->active++;
  eng->counters.created++;
  if (flip)
    swap_roles (e);
  return idx;
}

/* Stage 1 of a packet: its key and hash (no table access). */
static inline gboolean
prepare (FlowEngine *eng, PktPacket *p, PacketInfo *pi, guint32 *hash)
{
  if (G_UNLIKELY (!packet_info (eng, p, pi)))
    return FALSE;
  *hash = key_hash (eng, &pi->key, pi->one_way);
  return TRUE;
}

static gboolean process_prepared (FlowEngine *eng, PktPacket *p, PacketInfo *pi, guint32 hash);

gboolean
flow_engine_process (FlowEngine *eng, PktPacket *p)
{
  PacketInfo pi;
  guint32 hash = 0;
  gboolean ok = prepare (eng, p, &pi, &hash);
  if (!ok) {
    flow_engine_advance (eng, p->ts_ns);
    eng->counters.untracked++;
    return FALSE;
  }
  return process_prepared (eng, p, &pi, hash);
}

/* A batch in a software pipeline: keys and hashes are computed ahead, the
 * index slot is prefetched PF_INDEX packets ahead and the entry it names
 * PF_ENTRY packets ahead, so that with a table far larger than the caches
 * the misses of several packets overlap. */
#define PF_RING  16
#define PF_INDEX 8
#define PF_ENTRY 4

void
flow_engine_process_batch (FlowEngine *eng, PktPacket *pk, guint n)
{
  PacketInfo pi[PF_RING];
  guint32 hash[PF_RING];
  gboolean ok[PF_RING];
  guint32 mask = eng->index_mask;
  for (guint i = 0; i < n + PF_INDEX; i++) {
    if (i < n) {
      guint r = i % PF_RING;
      ok[r] = prepare (eng, &pk[i], &pi[r], &hash[r]);
      if (ok[r])
        __builtin_prefetch (&eng->index[hash[r] & mask]);
    }
    if (i >= PF_ENTRY && i - PF_ENTRY < n) {
      guint r = (i - PF_ENTRY) % PF_RING;
      if (ok[r]) {
        guint32 v = eng->index[hash[r] & mask];
        if (v && (v >> IDX_BITS) == (hash[r] >> 24))
          __builtin_prefetch (&eng->entries[(v & IDX_MASK) - 1]);
      }
    }
    if (i >= PF_INDEX) {
      guint j = i - PF_INDEX;
      guint r = j % PF_RING;
      if (ok[r])
        process_prepared (eng, &pk[j], &pi[r], hash[r]);
      else {
        flow_engine_advance (eng, pk[j].ts_ns);
        eng->counters.untracked++;
      }
    }
  }
}

static gboolean
process_prepared (FlowEngine *eng, PktPacket *p, PacketInfo *pi_in, guint32 hash)
{
  gint64 now = p->ts_ns;
  if (G_UNLIKELY (now >> WHEEL_SHIFT > eng->wheel_tick))
    flow_engine_advance (eng, now);
  if (now > eng->now)
    eng->now = now;
  PacketInfo pi = *pi_in;
  int dir = 0;
  guint32 slot;
  guint32 idx = lookup (eng, &pi, hash, &dir, &slot);
  gboolean tcp = eng->cfg.key == FLOW_KEY_5TUPLE && pi.key.proto == 6 && pi.l4;
  if (idx != NONE) {
    FlowEntry *e = &eng->entries[idx];
    FlowEndReason r = FLOW_END_NONE;
    if (entry_deadline (eng, e) <= now)
      r = expiry_reason (e);
    else if (tcp && tcp_is_reuse (eng, e, dir, &pi))
      r = FLOW_END_REUSED;
    if (r != FLOW_END_NONE) {
      entry_end (eng, idx, r);
      idx = lookup (eng, &pi, hash, &dir, &slot);
      g_assert (idx == NONE);
    }
  }
  gboolean created = FALSE;
  if (idx == NONE) {
    gboolean flip = want_flip (eng, &pi);
    idx = entry_create (eng, &pi, hash, slot, now, flip);
    dir = flip ? 1 : 0;
    created = TRUE;
  }
  FlowEntry *e = &eng->entries[idx];
  gboolean resched = created;
  if (tcp) {
    guint8 was = e->key.fflags;
    guint8 os = e->state[0], rs = e->state[1];
    dir = tcp_process (eng, e, dir, &pi, now);
    resched |= (pi.tcp_flags & (TH_SYN | TH_FIN | TH_RST)) || e->key.fflags != was
               || os != e->state[0] || rs != e->state[1];
  } else {
    e->last_ts = now;
    if (eng->cfg.key == FLOW_KEY_5TUPLE && pi.key.proto == 17)
      check_history (e, dir, HIST_DATA_PKT, 'D');
    guint64 b = full_seq (e->start_seq[dir], e->last_seq[dir]) + pi.l4_len;
    e->start_seq[dir] = (guint32)b;
    e->last_seq[dir] = (guint32)(b >> 32);
  }
  e->pkts[dir]++;
  ip_bytes_add (e, dir, pi.ip_len);
  lru_touch (eng, idx);
  if (resched)
    wheel_reschedule (eng, idx);

  if (eng->func) {
    if (created && (eng->event_mask & (1u << FLOW_EVENT_STARTED)))
      eng->func (eng, FLOW_EVENT_STARTED, e, entry_id (eng, idx), FLOW_END_NONE, eng->user_data);
    if (!(e->key.fflags & FF_EST_SENT) && (eng->event_mask & (1u << FLOW_EVENT_ESTABLISHED))) {
      gboolean est
          = tcp ? (e->state[0] == FLOW_TCP_ESTABLISHED && e->state[1] == FLOW_TCP_ESTABLISHED)
                : (e->pkts[0] > 0 && e->pkts[1] > 0);
      if (est) {
        e->key.fflags |= FF_EST_SENT;
        eng->func (eng, FLOW_EVENT_ESTABLISHED, e, entry_id (eng, idx), FLOW_END_NONE,
                   eng->user_data);
      }
    }
  }
  p->flow_id = entry_id (eng, idx);
  p->flow_dir = (guint8)dir;
  p->flags |= PKT_PACKET_FLAG_FLOW_VALID;
  return TRUE;
}
