/* pktpipe — testsrc: valid synthetic traffic from memory, fast.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The traffic is a deterministic function of the properties: packet i goes to
 * flow slot i % flows, and slots advance in lock step through their session
 * (UDP: one datagram per round; TCP: SYN, SYN-ACK, ACK, session-length data
 * packets alternating client/server, FIN-ACK, FIN-ACK, ACK). Each frame is
 * therefore a function of (slot, phase) only, so the traffic is periodic and
 * the distinct frames can be built once:
 *
 *  - arena mode: when all distinct frames fit (≤ 256 Ki frames, ≤ 64 MiB), they
 *    are written at READY into one arena owned by one PktLease, together with
 *    a parsed descriptor per frame. Per packet the source copies a 64-byte
 *    descriptor and sets its timestamp — nothing else.
 *  - stream mode: otherwise (e.g. a million TCP flows), each batch takes a
 *    chunk of pooled frame memory and the frames are written on the fly from
 *    the same frame builder (identical bytes), with per-slot TCP state.
 *    Chunks return to the pool when the last list that borrows them dies.
 */
#include "basic.h"
#include <poll.h>
#include <string.h>

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
/* 2024-01-01 12:00:00 UTC: the synthetic clock of non-live runs */
#define TSRC_EPOCH_NS         (G_GINT64_CONSTANT (1704110400) * NS_PER_SEC)
#define TSRC_DEFAULT_GAP_NS   1000 /* synthetic spacing when rate = 0: 1 µs */
#define TSRC_ARENA_MAX_BYTES  (64u << 20)
#define TSRC_ARENA_MAX_FRAMES (256u << 10)
#define TSRC_MAX_SIZE         9000
#define TSRC_HEARTBEAT_NS     (100 * G_GINT64_CONSTANT (1000000))
#define TSRC_ALIGN(x)         (((x) + 63u) & ~63u)

typedef enum {
  PKT_TEST_SRC_MIX_FIXED,
  PKT_TEST_SRC_MIX_IMIX,
} PktTestSrcSizeMix;

typedef enum {
  PKT_TEST_SRC_UDP,
  PKT_TEST_SRC_TCP,
} PktTestSrcProtocol;

static GType
pkt_test_src_size_mix_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_TEST_SRC_MIX_FIXED, "every frame is packet-size bytes", "fixed" },
    { PKT_TEST_SRC_MIX_IMIX, "simple IMIX: 64, 570 and 1518 byte frames in the ratio 7:4:1",
      "imix" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktTestSrcSizeMix", values));
  return type;
}

typedef enum {
  PKT_TEST_SRC_FRAMES_AUTO,
  PKT_TEST_SRC_FRAMES_ARENA,
  PKT_TEST_SRC_FRAMES_STREAM,
} PktTestSrcFrameMode;

static GType
pkt_test_src_frame_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_TEST_SRC_FRAMES_AUTO, "arena when every distinct frame fits in 64 MiB, else stream",
      "auto" },
    { PKT_TEST_SRC_FRAMES_ARENA, "prebuild every distinct frame at READY (fails if too big)",
      "arena" },
    { PKT_TEST_SRC_FRAMES_STREAM, "write frames into pooled memory per batch", "stream" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktTestSrcFrameMode", values));
  return type;
}

static GType
pkt_test_src_protocol_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_TEST_SRC_UDP, "UDP datagrams", "udp" },
    { PKT_TEST_SRC_TCP, "TCP sessions: handshake, data both ways, FIN teardown", "tcp" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktTestSrcProtocol", values));
  return type;
}

/* 7:4:1 interleaved: any 12 consecutive packets of a flow hold the exact mix */
static const guint16 imix_sizes[3] = { 64, 570, 1518 };
static const guint8 imix_pattern[12] = { 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 1 };

static const guint8 mac_client[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const guint8 mac_server[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* What one frame is; everything else follows from the slot. */
typedef struct {
  guint8 v6;
  guint8 from_client;
  guint8 tcp_flags;
  guint16 ip_id;
  guint32 seq;
  guint32 ack;
  guint payload_len;
} TsrcSpec;

typedef struct {
  guint32 c_off; /* client payload bytes sent in this session */
  guint32 s_off;
} TsrcTcpState;

/* Frame memory for stream mode: one chunk per batch, recycled. */
typedef struct _TsrcPool TsrcPool;
typedef struct {
  PktLease lease;
  TsrcPool *pool;
  guint8 *mem;
} TsrcChunk;

struct _TsrcPool {
  gint refcount;
  GMutex lock;
  GPtrArray *free_chunks;
  gsize chunk_size;
  gboolean closed;
};

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

struct _PktTestSrc {
  PktSource parent;

  /* properties */
  guint64 num_packets;
  guint packet_size;
  PktTestSrcSizeMix size_mix;
  guint flows;
  gdouble ipv6_ratio;
  PktTestSrcProtocol protocol;
  guint session_length;
  guint port;
  guint64 rate;
  gboolean is_live;
  guint seed;
  guint batch_size;
  PktTestSrcFrameMode frame_mode;

  /* counters */
  guint64 st_packets;
  guint64 st_bytes;
  guint64 st_batches;
  guint64 st_heartbeats;

  /* READY: built once */
  guint8 pattern[TSRC_MAX_SIZE];
  guint32 *payload_sum; /* one's complement sum of pattern[0..len) */
  guint64 v6_threshold;
  guint64 seed_hash;
  guint n_phases; /* TCP: packets per session; UDP: size classes (1 or 3) */
  PktLease *arena_lease;
  PktPacket *protos; /* arena mode: one descriptor per distinct frame */
  guint n_protos;
  PktPacket family_proto[2]; /* stream mode: descriptor template per family */
  TsrcPool *pool;
  gsize stride;
  TsrcTcpState *tcp_state;

  /* streaming position */
  guint64 emitted;
  guint slot;
  guint slot12;
  guint phase;   /* TCP: round % n_phases */
  guint round12; /* round % 12 */
  gboolean clock_started;
  gint64 start_mono_ns;
  gint64 start_wall_ns;
  gint64 last_activity_ns;
};

G_DECLARE_FINAL_TYPE (PktTestSrc, pkt_test_src, PKT, TEST_SRC, PktSource)
G_DEFINE_FINAL_TYPE (PktTestSrc, pkt_test_src, PKT_TYPE_SOURCE)

enum {
  PROP_0,
  PROP_NUM_PACKETS,
  PROP_PACKET_SIZE,
  PROP_SIZE_MIX,
  PROP_FLOWS,
  PROP_IPV6_RATIO,
  PROP_PROTOCOL,
  PROP_SESSION_LENGTH,
  PROP_PORT,
  PROP_RATE,
  PROP_IS_LIVE,
  PROP_SEED,
  PROP_BATCH_SIZE,
  PROP_FRAME_MODE,
  PROP_PACKETS,
  PROP_BYTES,
  PROP_BATCHES,
  PROP_HEARTBEATS,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

/* ---- frame builder ------------------------------------------------------- */

static inline guint32
csum_add (guint32 sum, const guint8 *p, gsize len)
{
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += ((guint32)p[i] << 8) | p[i + 1];
  if (len & 1)
    sum += (guint32)p[len - 1] << 8;
  return sum;
}

static inline guint16
csum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16)~sum;
}

static inline void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static inline guint64
slot_hash (const PktTestSrc *self, guint slot, guint what)
{
  guint64 s = self->seed_hash ^ ((guint64)slot << 8) ^ what;
  return _pkt_basic_splitmix64 (&s);
}

/* Weyl sequence: any run of consecutive slots holds the IPv6 share almost exactly */
static inline gboolean
slot_is_v6 (const PktTestSrc *self, guint slot)
{
  if (self->v6_threshold == 0)
    return FALSE;
  if (self->v6_threshold == G_MAXUINT64)
    return TRUE;
  guint64 u = (guint64)slot * 0x9e3779b97f4a7c15ULL + self->seed_hash;
  return u < self->v6_threshold;
}

static inline guint16
slot_client_port (const PktTestSrc *self, guint slot)
{
  return (guint16)(10000 + slot_hash (self, slot, 1) % 50000);
}

static void
slot_addresses (guint slot, gboolean v6, guint8 *client, guint8 *server)
{
  guint32 n = slot + 1; /* client: 10.128.0.1 + slot, server: 10.0.0.1 … 10.0.0.254 */
  guint8 srv = (guint8)(1 + slot % 254);
  if (!v6) {
    put32 (client, (10u << 24) | (128u << 16) | (n & 0x7fffff));
    put32 (server, (10u << 24) | srv);
  } else {
    static const guint8 c6[12] = { 0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
    static const guint8 s6[15] = { 0xfd, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 };
    memcpy (client, c6, 12);
    put32 (client + 12, n);
    memcpy (server, s6, 15);
    server[15] = srv;
  }
}

static inline guint
hdr_len (const PktTestSrc *self, gboolean v6)
{
  return 14 + (v6 ? 40 : 20) + (self->protocol == PKT_TEST_SRC_TCP ? 20 : 8);
}

static inline guint
frame_size_for (const PktTestSrc *self, guint slot, guint k)
{
  if (self->size_mix == PKT_TEST_SRC_MIX_IMIX)
    return imix_sizes[imix_pattern[(slot + k) % 12]];
  return self->packet_size;
}

/* Writes one frame; returns its length. */
static guint
tsrc_write_frame (const PktTestSrc *self, guint slot, const TsrcSpec *s, guint8 *f)
{
  gboolean tcp = self->protocol == PKT_TEST_SRC_TCP;
  guint8 caddr[16], saddr[16];
  slot_addresses (slot, s->v6, caddr, saddr);
  guint alen = s->v6 ? 16 : 4;
  const guint8 *src = s->from_client ? caddr : saddr;
  const guint8 *dst = s->from_client ? saddr : caddr;
  guint16 cport = slot_client_port (self, slot);
  guint16 sp = s->from_client ? cport : (guint16)self->port;
  guint16 dp = s->from_client ? (guint16)self->port : cport;
  guint l4hdr = tcp ? 20 : 8;
  guint l4len = l4hdr + s->payload_len;
  guint8 proto = tcp ? 6 : 17;

  memcpy (f, s->from_client ? mac_server : mac_client, 6);
  memcpy (f + 6, s->from_client ? mac_client : mac_server, 6);
  put16 (f + 12, s->v6 ? 0x86dd : 0x0800);
  guint8 *l3 = f + 14;
  guint8 *l4;
  if (!s->v6) {
    l3[0] = 0x45;
    l3[1] = 0;
    put16 (l3 + 2, (guint16)(20 + l4len));
    put16 (l3 + 4, s->ip_id);
    put16 (l3 + 6, 0x4000); /* DF */
    l3[8] = 64;
    l3[9] = proto;
    put16 (l3 + 10, 0);
    memcpy (l3 + 12, src, 4);
    memcpy (l3 + 16, dst, 4);
    put16 (l3 + 10, csum_fold (csum_add (0, l3, 20)));
    l4 = l3 + 20;
  } else {
    put32 (l3, 0x60000000u);
    put16 (l3 + 4, (guint16)l4len);
    l3[6] = proto;
    l3[7] = 64;
    memcpy (l3 + 8, src, 16);
    memcpy (l3 + 24, dst, 16);
    l4 = l3 + 40;
  }
  put16 (l4, sp);
  put16 (l4 + 2, dp);
  if (tcp) {
    put32 (l4 + 4, s->seq);
    put32 (l4 + 8, s->ack);
    l4[12] = 5 << 4;
    l4[13] = s->tcp_flags;
    put16 (l4 + 14, 65535);
    put16 (l4 + 16, 0);
    put16 (l4 + 18, 0);
  } else {
    put16 (l4 + 4, (guint16)l4len);
    put16 (l4 + 6, 0);
  }
  memcpy (l4 + l4hdr, self->pattern, s->payload_len);
  /* pseudo header + L4 header + payload (precomputed; it starts word aligned) */
  guint32 sum = csum_add (0, src, alen);
  sum = csum_add (sum, dst, alen);
  sum += proto + l4len;
  sum = csum_add (sum, l4, l4hdr);
  sum += self->payload_sum[s->payload_len];
  guint16 c = csum_fold (sum);
  if (!tcp && c == 0)
    c = 0xffff;
  put16 (l4 + (tcp ? 16 : 6), c);
  return 14 + (s->v6 ? 40 : 20) + l4len;
}

/* The spec of phase @phase of @slot's session (TCP) or of size class
 * position @phase (UDP); @st carries TCP sequence state through a session. */
static void
tsrc_spec (const PktTestSrc *self, guint slot, guint phase, guint k12, TsrcTcpState *st,
           TsrcSpec *s)
{
  s->v6 = slot_is_v6 (self, slot);
  guint hdr = hdr_len (self, s->v6);
  if (self->protocol == PKT_TEST_SRC_UDP) {
    guint size = frame_size_for (self, slot, k12);
    *s = (TsrcSpec){ .v6 = s->v6, .from_client = 1, .payload_len = size > hdr ? size - hdr : 0 };
    return;
  }
  guint32 isn_c = (guint32)slot_hash (self, slot, 2);
  guint32 isn_s = (guint32)slot_hash (self, slot, 3);
  guint d = self->session_length;
  s->ip_id = (guint16)phase;
  s->payload_len = 0;
  if (phase == 0) {
    st->c_off = st->s_off = 0;
    s->from_client = 1, s->tcp_flags = TCP_SYN, s->seq = isn_c, s->ack = 0;
  } else if (phase == 1) {
    s->from_client = 0, s->tcp_flags = TCP_SYN | TCP_ACK, s->seq = isn_s, s->ack = isn_c + 1;
  } else if (phase == 2) {
    s->from_client = 1, s->tcp_flags = TCP_ACK, s->seq = isn_c + 1, s->ack = isn_s + 1;
  } else if (phase < 3 + d) {
    guint j = phase - 3;
    guint size = frame_size_for (self, slot, j);
    s->payload_len = size > hdr ? size - hdr : 1;
    s->tcp_flags = TCP_PSH | TCP_ACK;
    s->from_client = (j % 2) == 0;
    if (s->from_client) {
      s->seq = isn_c + 1 + st->c_off, s->ack = isn_s + 1 + st->s_off;
      st->c_off += s->payload_len;
    } else {
      s->seq = isn_s + 1 + st->s_off, s->ack = isn_c + 1 + st->c_off;
      st->s_off += s->payload_len;
    }
  } else if (phase == 3 + d) {
    s->from_client = 1, s->tcp_flags = TCP_FIN | TCP_ACK;
    s->seq = isn_c + 1 + st->c_off, s->ack = isn_s + 1 + st->s_off;
  } else if (phase == 4 + d) {
    s->from_client = 0, s->tcp_flags = TCP_FIN | TCP_ACK;
    s->seq = isn_s + 1 + st->s_off, s->ack = isn_c + 2 + st->c_off;
  } else {
    s->from_client = 1, s->tcp_flags = TCP_ACK;
    s->seq = isn_c + 2 + st->c_off, s->ack = isn_s + 2 + st->s_off;
  }
}

static void
proto_from_frame (PktPacket *p, const guint8 *frame, guint len)
{
  pkt_packet_init (p, frame, len, len, 0, PKT_LINK_ETHERNET);
  /* parse once here, so downstream parsers return at once */
  pkt_packet_parse (p);
  p->hash = 0;
  p->flags &= ~PKT_PACKET_FLAG_HASH_VALID;
}

/* ---- frame pool (stream mode) ------------------------------------------- */

static void
tsrc_pool_unref (TsrcPool *pool)
{
  if (!g_atomic_int_dec_and_test (&pool->refcount))
    return;
  g_ptr_array_unref (pool->free_chunks);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}

static void
tsrc_chunk_free (TsrcChunk *chunk)
{
  TsrcPool *pool = chunk->pool;
  g_free (chunk->mem);
  g_free (chunk);
  tsrc_pool_unref (pool);
}

/* last list borrowing the chunk is gone: back to the pool (any thread) */
static void
tsrc_chunk_release (PktLease *lease, gpointer user_data)
{
  TsrcChunk *chunk = user_data;
  TsrcPool *pool = chunk->pool;
  g_mutex_lock (&pool->lock);
  if (!pool->closed) {
    g_ptr_array_add (pool->free_chunks, chunk);
    g_mutex_unlock (&pool->lock);
    return;
  }
  g_mutex_unlock (&pool->lock);
  tsrc_chunk_free (chunk);
}

static TsrcChunk *
tsrc_pool_get (TsrcPool *pool)
{
  TsrcChunk *chunk = NULL;
  g_mutex_lock (&pool->lock);
  if (pool->free_chunks->len > 0)
    chunk = g_ptr_array_steal_index_fast (pool->free_chunks, pool->free_chunks->len - 1);
  g_mutex_unlock (&pool->lock);
  if (!chunk) {
    chunk = g_new0 (TsrcChunk, 1);
    chunk->mem = g_malloc (pool->chunk_size);
    chunk->pool = pool;
    g_atomic_int_inc (&pool->refcount);
  }
  pkt_lease_init (&chunk->lease, tsrc_chunk_release, chunk);
  return chunk;
}

static void
tsrc_pool_close (TsrcPool *pool)
{
  g_mutex_lock (&pool->lock);
  pool->closed = TRUE;
  GPtrArray *chunks = pool->free_chunks;
  pool->free_chunks = g_ptr_array_new ();
  g_mutex_unlock (&pool->lock);
  for (guint i = 0; i < chunks->len; i++)
    tsrc_chunk_free (chunks->pdata[i]);
  g_ptr_array_unref (chunks);
  tsrc_pool_unref (pool);
}

/* ---- READY ---------------------------------------------------------------- */

static gboolean
tsrc_build_arena (PktTestSrc *self)
{
  guint n = self->flows * self->n_phases;
  gsize max_frame
      = TSRC_ALIGN (MAX (self->size_mix == PKT_TEST_SRC_MIX_IMIX ? 1518u : self->packet_size,
                         hdr_len (self, TRUE) + 1));
  if ((guint64)self->flows * self->n_phases > TSRC_ARENA_MAX_FRAMES
      || (guint64)n * max_frame > TSRC_ARENA_MAX_BYTES)
    return FALSE;
  guint8 *arena = g_malloc ((gsize)n * max_frame);
  self->protos = g_new (PktPacket, n);
  self->n_protos = n;
  gsize off = 0;
  TsrcSpec s;
  for (guint slot = 0; slot < self->flows; slot++) {
    TsrcTcpState st = { 0, 0 };
    for (guint ph = 0; ph < self->n_phases; ph++) {
      /* UDP: phase = size class; find a k with that class for this slot */
      guint k = 0;
      if (self->protocol == PKT_TEST_SRC_UDP && self->size_mix == PKT_TEST_SRC_MIX_IMIX)
        while (imix_pattern[(slot + k) % 12] != ph)
          k++;
      tsrc_spec (self, slot, ph, k, &st, &s);
      guint len = tsrc_write_frame (self, slot, &s, arena + off);
      proto_from_frame (&self->protos[slot * self->n_phases + ph], arena + off, len);
      off += TSRC_ALIGN (len);
    }
  }
  self->arena_lease = pkt_lease_new_for_memory (arena, g_free);
  return TRUE;
}

static void
tsrc_build_stream (PktTestSrc *self)
{
  gsize max_frame = MAX (self->size_mix == PKT_TEST_SRC_MIX_IMIX ? 1518u : self->packet_size,
                         hdr_len (self, TRUE) + 1);
  self->stride = TSRC_ALIGN (max_frame);
  self->pool = g_new0 (TsrcPool, 1);
  self->pool->refcount = 1;
  g_mutex_init (&self->pool->lock);
  self->pool->free_chunks = g_ptr_array_new ();
  self->pool->chunk_size = self->stride * self->batch_size;
  if (self->protocol == PKT_TEST_SRC_TCP)
    self->tcp_state = g_new0 (TsrcTcpState, self->flows);
  /* descriptor templates: offsets depend only on the family */
  guint8 frame[TSRC_MAX_SIZE + 128];
  for (int v6 = 0; v6 < 2; v6++) {
    TsrcSpec s = { .v6 = v6, .from_client = 1, .tcp_flags = TCP_SYN };
    guint len = tsrc_write_frame (self, 0, &s, frame);
    proto_from_frame (&self->family_proto[v6], frame, len);
    self->family_proto[v6].data = NULL;
  }
}

static gboolean
pkt_test_src_start (PktSource *source, GError **error)
{
  PktTestSrc *self = PKT_TEST_SRC (source);
  if (self->protocol == PKT_TEST_SRC_TCP
      && (guint64)self->flows * (6 + self->session_length) > G_MAXUINT32) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "flows × (session-length + 6) is too large");
    return FALSE;
  }
  for (guint i = 0; i < TSRC_MAX_SIZE; i++)
    self->pattern[i] = (guint8)i;
  self->payload_sum = g_new (guint32, TSRC_MAX_SIZE + 1);
  guint32 sum = 0;
  self->payload_sum[0] = 0;
  for (guint len = 1; len <= TSRC_MAX_SIZE; len++) {
    /* byte len-1 is the high byte of a word when len-1 is even */
    guint b = self->pattern[len - 1];
    sum += (len - 1) % 2 == 0 ? b << 8 : b;
    self->payload_sum[len] = sum;
  }
  guint64 sh = self->seed;
  self->seed_hash = _pkt_basic_splitmix64 (&sh);
  if (self->ipv6_ratio <= 0.0)
    self->v6_threshold = 0;
  else if (self->ipv6_ratio >= 1.0)
    self->v6_threshold = G_MAXUINT64;
  else
    self->v6_threshold = (guint64)(self->ipv6_ratio * 18446744073709551616.0);
  if (self->protocol == PKT_TEST_SRC_TCP)
    self->n_phases = 6 + self->session_length;
  else
    self->n_phases = self->size_mix == PKT_TEST_SRC_MIX_IMIX ? 3 : 1;
  if (self->frame_mode == PKT_TEST_SRC_FRAMES_STREAM || !tsrc_build_arena (self)) {
    if (self->frame_mode == PKT_TEST_SRC_FRAMES_ARENA) {
      pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                             "frame-mode=arena: %u flows × %u frames each exceed the arena "
                             "(%u frames, %u MiB); use frame-mode=auto or stream",
                             self->flows, self->n_phases, TSRC_ARENA_MAX_FRAMES,
                             TSRC_ARENA_MAX_BYTES >> 20);
      return FALSE;
    }
    tsrc_build_stream (self);
  }
  self->emitted = 0;
  self->slot = self->slot12 = self->phase = self->round12 = 0;
  self->clock_started = FALSE;
  return TRUE;
}

static void
pkt_test_src_stop (PktSource *source)
{
  PktTestSrc *self = PKT_TEST_SRC (source);
  g_clear_pointer (&self->arena_lease, pkt_lease_unref);
  g_clear_pointer (&self->protos, g_free);
  g_clear_pointer (&self->payload_sum, g_free);
  g_clear_pointer (&self->tcp_state, g_free);
  if (self->pool) {
    tsrc_pool_close (self->pool);
    self->pool = NULL;
  }
}

/* ---- streaming ----------------------------------------------------------- */

static inline gint64
mono_ns (void)
{
  return g_get_monotonic_time () * 1000;
}

static inline gint64
due_offset_ns (guint64 i, guint64 rate)
{
  return (gint64)(((unsigned __int128)i * NS_PER_SEC) / rate);
}

static inline void
tsrc_advance (PktTestSrc *self)
{
  if (++self->slot12 == 12)
    self->slot12 = 0;
  if (++self->slot == self->flows) {
    self->slot = self->slot12 = 0;
    if (++self->phase == self->n_phases)
      self->phase = 0;
    if (++self->round12 == 12)
      self->round12 = 0;
  }
}

static inline guint
tsrc_arena_index (const PktTestSrc *self)
{
  if (self->protocol == PKT_TEST_SRC_TCP)
    return self->slot * self->n_phases + self->phase;
  if (self->n_phases == 1)
    return self->slot;
  guint pos = self->slot12 + self->round12;
  return self->slot * 3 + imix_pattern[pos >= 12 ? pos - 12 : pos];
}

static guint64
tsrc_fill_arena (PktTestSrc *self, PktBufferList *list, guint n, gint64 ts, gint64 gap)
{
  PktPacket *pkts = list->packets;
  guint64 bytes = 0;
  if (self->n_protos == 1) {
    /* the common benchmark case: one flow, one frame */
    const PktPacket proto = self->protos[0];
    for (guint j = 0; j < n; j++) {
      pkts[j] = proto;
      pkts[j].ts_ns = ts;
      ts += gap;
    }
    return (guint64)proto.len * n;
  }
  for (guint j = 0; j < n; j++) {
    pkts[j] = self->protos[tsrc_arena_index (self)];
    pkts[j].ts_ns = ts;
    bytes += pkts[j].len;
    ts += gap;
    tsrc_advance (self);
  }
  return bytes;
}

static guint64
tsrc_fill_stream (PktTestSrc *self, PktBufferList *list, guint8 *mem, guint n, gint64 ts,
                  gint64 gap)
{
  guint64 bytes = 0;
  TsrcSpec s;
  TsrcTcpState dummy;
  gboolean tcp = self->protocol == PKT_TEST_SRC_TCP;
  for (guint j = 0; j < n; j++) {
    guint8 *f = mem + (gsize)j * self->stride;
    TsrcTcpState *st = tcp ? &self->tcp_state[self->slot] : &dummy;
    tsrc_spec (self, self->slot, tcp ? self->phase : 0, self->round12, st, &s);
    guint len = tsrc_write_frame (self, self->slot, &s, f);
    PktPacket *p = &list->packets[j];
    *p = self->family_proto[s.v6];
    p->data = f;
    p->caplen = p->len = len;
    p->ts_ns = ts;
    ts += gap;
    bytes += len;
    tsrc_advance (self);
  }
  return bytes;
}

/* Rate limiting: how many packets are due now (0 after waiting a while). */
static guint64
tsrc_wait_due (PktTestSrc *self)
{
  gint64 now = mono_ns ();
  gint64 elapsed = now - self->start_mono_ns;
  guint64 due = (guint64)(((unsigned __int128)elapsed * self->rate) / NS_PER_SEC) + 1;
  if (due > self->emitted)
    return due - self->emitted;
  gint64 next = self->start_mono_ns + due_offset_ns (self->emitted, self->rate);
  gint64 wait = MIN (next - now, TSRC_HEARTBEAT_NS);
  if (self->is_live)
    wait = MIN (wait, self->last_activity_ns + TSRC_HEARTBEAT_NS - now);
  if (wait > 0) {
    struct pollfd pfd = { .fd = pkt_source_get_wakeup_fd (PKT_SOURCE (self)), .events = POLLIN };
    if (pfd.fd >= 0)
      poll (&pfd, 1, (int)((wait + 999999) / 1000000));
    else
      g_usleep (wait / 1000);
  }
  now = mono_ns ();
  if (self->is_live && now - self->last_activity_ns >= TSRC_HEARTBEAT_NS) {
    self->last_activity_ns = now;
    PKT_STAT_ADD (self->st_heartbeats, 1);
    pkt_source_push_heartbeat (PKT_SOURCE (self), g_get_real_time () * 1000);
  }
  return 0;
}

static PktFlowReturn
pkt_test_src_produce (PktSource *source)
{
  PktTestSrc *self = PKT_TEST_SRC (source);
  if (pkt_source_eos_requested (source))
    return PKT_FLOW_EOS;
  if (self->num_packets && self->emitted >= self->num_packets)
    return PKT_FLOW_EOS;
  if (!self->clock_started) {
    self->clock_started = TRUE;
    self->start_mono_ns = self->last_activity_ns = mono_ns ();
    self->start_wall_ns = g_get_real_time () * 1000;
  }
  guint64 n = self->batch_size;
  if (self->rate) {
    guint64 due = tsrc_wait_due (self);
    if (due == 0) {
      if (pkt_source_eos_requested (source))
        return PKT_FLOW_EOS;
      return pkt_source_is_stopping (source) ? PKT_FLOW_FLUSHING : PKT_FLOW_OK;
    }
    n = MIN (n, due);
  }
  if (self->num_packets)
    n = MIN (n, self->num_packets - self->emitted);

  gint64 ts, gap;
  if (self->is_live) {
    ts = self->rate ? self->start_wall_ns + due_offset_ns (self->emitted, self->rate)
                    : g_get_real_time () * 1000;
    gap = 0;
  } else {
    ts = TSRC_EPOCH_NS
         + (self->rate ? due_offset_ns (self->emitted, self->rate)
                       : (gint64)self->emitted * TSRC_DEFAULT_GAP_NS);
    gap = self->rate ? 0 : TSRC_DEFAULT_GAP_NS;
  }

  PktBufferList *list = pkt_buffer_list_new (PKT_BUFFER_LIST_DEFAULT_CAPACITY);
  guint64 bytes;
  if (self->arena_lease) {
    bytes = tsrc_fill_arena (self, list, (guint)n, ts, gap);
    pkt_buffer_list_set_lease (list, self->arena_lease);
  } else {
    TsrcChunk *chunk = tsrc_pool_get (self->pool);
    bytes = tsrc_fill_stream (self, list, chunk->mem, (guint)n, ts, gap);
    pkt_buffer_list_set_lease (list, &chunk->lease);
    pkt_lease_unref (&chunk->lease);
  }
  if (self->rate && !self->is_live)
    for (guint j = 1; j < n; j++) /* rate-spaced synthetic time */
      list->packets[j].ts_ns = TSRC_EPOCH_NS + due_offset_ns (self->emitted + j, self->rate);
  else if (self->rate)
    for (guint j = 1; j < n; j++)
      list->packets[j].ts_ns = self->start_wall_ns + due_offset_ns (self->emitted + j, self->rate);
  list->n_packets = (guint)n;
  self->emitted += n;
  PKT_STAT_ADD (self->st_packets, n);
  PKT_STAT_ADD (self->st_bytes, bytes);
  PKT_STAT_ADD (self->st_batches, 1);
  if (self->is_live)
    self->last_activity_ns = mono_ns ();
  return pkt_source_push (source, list);
}

/* ---- GObject --------------------------------------------------------------- */

static void
pkt_test_src_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktTestSrc *self = PKT_TEST_SRC (object);
  switch (id) {
    case PROP_NUM_PACKETS:
      self->num_packets = g_value_get_uint64 (value);
      break;
    case PROP_PACKET_SIZE:
      self->packet_size = g_value_get_uint (value);
      break;
    case PROP_SIZE_MIX:
      self->size_mix = g_value_get_enum (value);
      break;
    case PROP_FLOWS:
      self->flows = g_value_get_uint (value);
      break;
    case PROP_IPV6_RATIO:
      self->ipv6_ratio = g_value_get_double (value);
      break;
    case PROP_PROTOCOL:
      self->protocol = g_value_get_enum (value);
      break;
    case PROP_SESSION_LENGTH:
      self->session_length = g_value_get_uint (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_RATE:
      self->rate = g_value_get_uint64 (value);
      break;
    case PROP_IS_LIVE:
      self->is_live = g_value_get_boolean (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_uint (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_FRAME_MODE:
      self->frame_mode = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_test_src_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktTestSrc *self = PKT_TEST_SRC (object);
  switch (id) {
    case PROP_NUM_PACKETS:
      g_value_set_uint64 (value, self->num_packets);
      break;
    case PROP_PACKET_SIZE:
      g_value_set_uint (value, self->packet_size);
      break;
    case PROP_SIZE_MIX:
      g_value_set_enum (value, self->size_mix);
      break;
    case PROP_FLOWS:
      g_value_set_uint (value, self->flows);
      break;
    case PROP_IPV6_RATIO:
      g_value_set_double (value, self->ipv6_ratio);
      break;
    case PROP_PROTOCOL:
      g_value_set_enum (value, self->protocol);
      break;
    case PROP_SESSION_LENGTH:
      g_value_set_uint (value, self->session_length);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_RATE:
      g_value_set_uint64 (value, self->rate);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, self->is_live);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->seed);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_FRAME_MODE:
      g_value_set_enum (value, self->frame_mode);
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
    case PROP_HEARTBEATS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_heartbeats));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_test_src_init (PktTestSrc *self)
{
  self->packet_size = 64;
  self->flows = 1;
  self->session_length = 8;
  self->port = 9;
  self->batch_size = PKT_BUFFER_LIST_DEFAULT_CAPACITY;
}

static void
pkt_test_src_class_init (PktTestSrcClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktSourceClass *sclass = PKT_SOURCE_CLASS (klass);
  oclass->set_property = pkt_test_src_set_property;
  oclass->get_property = pkt_test_src_get_property;
  sclass->start = pkt_test_src_start;
  sclass->stop = pkt_test_src_stop;
  sclass->produce = pkt_test_src_produce;

  props[PROP_NUM_PACKETS] = g_param_spec_uint64 ("num-packets", "Number of packets",
                                                 "Packets to send before EOS (0 = unlimited)", 0,
                                                 G_MAXUINT64, 0, PKT_BASIC_RW);
  props[PROP_PACKET_SIZE] = g_param_spec_uint (
      "packet-size", "Packet size",
      "Frame length in bytes without FCS when size-mix=fixed (grown to fit the headers plus one "
      "payload byte when smaller)",
      64, TSRC_MAX_SIZE, 64, PKT_BASIC_RW);
  props[PROP_SIZE_MIX]
      = g_param_spec_enum ("size-mix", "Size mix", "Frame size distribution",
                           pkt_test_src_size_mix_get_type (), PKT_TEST_SRC_MIX_FIXED, PKT_BASIC_RW);
  props[PROP_FLOWS] = g_param_spec_uint ("flows", "Flows", "Concurrent flows (one 5-tuple each)", 1,
                                         1u << 22, 1, PKT_BASIC_RW);
  props[PROP_IPV6_RATIO] = g_param_spec_double (
      "ipv6-ratio", "IPv6 ratio", "Share of flows that use IPv6 (0 = all IPv4, 1 = all IPv6)", 0.0,
      1.0, 0.0, PKT_BASIC_RW);
  props[PROP_PROTOCOL]
      = g_param_spec_enum ("protocol", "Protocol", "Transport protocol",
                           pkt_test_src_protocol_get_type (), PKT_TEST_SRC_UDP, PKT_BASIC_RW);
  props[PROP_SESSION_LENGTH] = g_param_spec_uint (
      "session-length", "Session length",
      "TCP: data packets per session, alternating client and server (plus 3 handshake and 3 "
      "teardown packets)",
      0, 1000000, 8, PKT_BASIC_RW);
  props[PROP_PORT] = g_param_spec_uint ("port", "Server port",
                                        "Destination port of client packets (9 = discard)", 1,
                                        65535, 9, PKT_BASIC_RW);
  props[PROP_RATE]
      = g_param_spec_uint64 ("rate", "Rate", "Packets per second (0 = as fast as possible)", 0,
                             G_MAXUINT64, 0, PKT_BASIC_RW);
  props[PROP_IS_LIVE] = g_param_spec_boolean (
      "is-live", "Live",
      "Stamp packets with the wall clock and send HEARTBEAT events at least every 100 ms while "
      "rate limiting leaves the source idle (otherwise: synthetic time from 2024-01-01 12:00:00 "
      "UTC)",
      FALSE, PKT_BASIC_RW);
  props[PROP_SEED]
      = g_param_spec_uint ("seed", "Seed", "Seed for ports, sequence numbers and the IPv6 choice",
                           0, G_MAXUINT, 0, PKT_BASIC_RW);
  props[PROP_BATCH_SIZE] = g_param_spec_uint ("batch-size", "Batch size", "Packets per batch", 1,
                                              PKT_BUFFER_LIST_DEFAULT_CAPACITY,
                                              PKT_BUFFER_LIST_DEFAULT_CAPACITY, PKT_BASIC_RW);
  props[PROP_FRAME_MODE] = g_param_spec_enum (
      "frame-mode", "Frame mode",
      "How frames are made: prebuilt in one arena (fastest) or written per batch (any number of "
      "flows); both give identical bytes",
      pkt_test_src_frame_mode_get_type (), PKT_TEST_SRC_FRAMES_AUTO, PKT_BASIC_RW);
  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets sent");
  props[PROP_BYTES] = PKT_BASIC_STAT ("bytes", "Bytes sent (frame lengths)");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches sent");
  props[PROP_HEARTBEATS] = PKT_BASIC_STAT ("heartbeats", "HEARTBEAT events sent while idle");
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Test source", "Source/Test",
                                  "Generates valid synthetic UDP or TCP traffic from memory",
                                  "pktpipe");
}
