/* pktpipe l7 — PktL7Parser: the shared base of httpparse, tlsparse, dnsparse.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>

G_BEGIN_DECLS

#define PKT_TYPE_L7_PARSER (pkt_l7_parser_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktL7Parser, pkt_l7_parser, PKT, L7_PARSER, PktFilter)

/* What a subclass learns about each packet of a tracked flow. */
typedef struct {
  PktPacket *packet;
  guint64 flow_id;
  guint dir;      /* 0 = originator → responder */
  PktFlowKey key; /* as seen on this packet */
  PktAddr orig_h, resp_h;
  guint16 orig_p, resp_p;
  const guint8 *payload; /* transport payload */
  guint payload_len;
  guint8 tcp_flags; /* 0 for UDP */
  guint32 tcp_seq;
} PktL7Packet;

struct _PktL7ParserClass {
  PktFilterClass parent_class;
  /* size of the per-flow state a subclass keeps (zeroed on creation) */
  gsize flow_state_size;
  /* TRUE if this packet is for the parser (ports, protocol) */
  gboolean (*accept) (PktL7Parser *self, const PktL7Packet *pkt);
  /* one packet of an accepted flow; state is this flow's */
  void (*handle) (PktL7Parser *self, gpointer state, const PktL7Packet *pkt);
  /* the flow's state goes (EOS, eviction, both sides closed): emit what is pending */
  void (*flush_flow) (PktL7Parser *self, gpointer state);
  /* free what the state owns (not the state itself) */
  void (*clear_flow) (PktL7Parser *self, gpointer state);
  /* packet time moved to @now_ns: expire what is due */
  void (*tick) (PktL7Parser *self, gint64 now_ns);
};

/* Queue a record for the records pad (takes ownership). Records are built
 * only when pkt_l7_parser_wants_records() is TRUE. */
void pkt_l7_parser_emit (PktL7Parser *self, PktRecord *record);
gboolean pkt_l7_parser_wants_records (PktL7Parser *self);
void pkt_l7_parser_count_malformed (PktL7Parser *self);
void pkt_l7_parser_count_gap (PktL7Parser *self, guint64 bytes);

/* In-order TCP payload of one direction: a byte buffer that grows with
 * contiguous data, trims retransmissions and overlaps (first copy wins),
 * and skips forward over a hole (counted as a gap) instead of waiting. The
 * bytes are copied out of the ring so no ring block is pinned by a flow. */
typedef struct {
  GByteArray *buf;
  guint32 next_seq;
  gboolean have_seq;
  gboolean gap;       /* data after a hole is in buf: parsers resynchronise */
  gboolean abandoned; /* exceeded the buffer cap: no more bytes */
} PktL7Stream;

/* Appends the new bytes of one segment; returns FALSE if the buffer would
 * exceed @max (the direction is then abandoned: counted, no more bytes). */
gboolean pkt_l7_stream_feed (PktL7Parser *self, PktL7Stream *s, const PktL7Packet *pkt, gsize max);
void pkt_l7_stream_consume (PktL7Stream *s, gsize n);
void pkt_l7_stream_clear (PktL7Stream *s);

/* The connection an l7 flow state is about, as flowtrack saw it. */
typedef struct {
  guint64 flow_id; /* 0 until the first packet */
  PktAddr orig_h, resp_h;
  guint16 orig_p, resp_p;
} PktL7Conn;

/* Zeek's uid and id.* columns, the head of every l7 record */
typedef struct {
  const char *uid;
  PktAddr orig_h, resp_h;
  guint16 orig_p, resp_p;
  char uid_buf[PKT_UID_MAX];
} PktL7RecordId;

/* Takes the connection from @pkt (first packet, or after a role flip) */
void pkt_l7_conn_set (PktL7Conn *conn, const PktL7Packet *pkt);
/* Fills a record's uid and id.* from @conn */
void pkt_l7_record_id_set (PktL7RecordId *id, const PktL7Conn *conn);

/* The field descriptions of a PktL7RecordId member @m of record type @T */
#define PKT_L7_ID_FIELDS(T, m)                                                                     \
  { "uid", PKT_FIELD_STRING, G_STRUCT_OFFSET (T, m.uid), -1 },                                     \
      { "id.orig_h", PKT_FIELD_ADDR, G_STRUCT_OFFSET (T, m.orig_h), -1 },                          \
      { "id.orig_p", PKT_FIELD_PORT, G_STRUCT_OFFSET (T, m.orig_p), -1 },                          \
      { "id.resp_h", PKT_FIELD_ADDR, G_STRUCT_OFFSET (T, m.resp_h), -1 },                          \
  {                                                                                                \
    "id.resp_p", PKT_FIELD_PORT, G_STRUCT_OFFSET (T, m.resp_p), -1                                 \
  }

/* GHashTable callbacks for guint64 flow ids, shared by every l7 element
 * keyed by flow id. Ids are slot index | generation << 32: the hash mixes
 * all bits (murmur3's finaliser), or ids that differ only in generation
 * collide in chains. Inline: the fuzz targets link single sources. */
static inline guint
pkt_l7_flow_id_hash (gconstpointer k)
{
  guint64 v = *(const guint64 *)k;
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  return (guint)v;
}

static inline gboolean
pkt_l7_flow_id_equal (gconstpointer a, gconstpointer b)
{
  return *(const guint64 *)a == *(const guint64 *)b;
}

G_END_DECLS
