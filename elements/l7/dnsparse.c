/* pktpipe l7 — dnsparse: DNS over UDP and TCP → Zeek dns.log records.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-base.h"
#include "l7-dns.h"
#include "l7.h"
#include <string.h>

#define MAX_PENDING    16 /* outstanding queries per flow */
#define TCP_MAX_BUFFER (128 * 1024)

typedef struct {
  PktRecord rec;
  gint64 ts;
  PktL7RecordId id;
  const char *proto;
  guint64 trans_id;
  gint64 rtt;
  gboolean rtt_set;
  char *query;
  guint64 qclass, qtype;
  gboolean q_set;
  const char *qclass_name, *qtype_name;
  guint64 rcode;
  gboolean rcode_set;
  const char *rcode_name;
  gboolean AA, TC, RD, RA;
  guint64 Z;
  char **answers, **TTLs;
  gboolean rejected;
  guint64 opcode;
  const char *opcode_name;
} DnsRecord;

#define F(n, t, m)                                                                                 \
  {                                                                                                \
    n, t, G_STRUCT_OFFSET (DnsRecord, m), -1                                                       \
  }
#define FS(n, t, m, s)                                                                             \
  {                                                                                                \
    n, t, G_STRUCT_OFFSET (DnsRecord, m), G_STRUCT_OFFSET (DnsRecord, s)                           \
  }
static const PktFieldDesc dns_fields[] = {
  F ("ts", PKT_FIELD_TIME, ts),
  PKT_L7_ID_FIELDS (DnsRecord, id),
  F ("proto", PKT_FIELD_STRING, proto),
  F ("trans_id", PKT_FIELD_UINT, trans_id),
  FS ("rtt", PKT_FIELD_INTERVAL, rtt, rtt_set),
  F ("query", PKT_FIELD_STRING, query),
  FS ("qclass", PKT_FIELD_UINT, qclass, q_set),
  F ("qclass_name", PKT_FIELD_STRING, qclass_name),
  FS ("qtype", PKT_FIELD_UINT, qtype, q_set),
  F ("qtype_name", PKT_FIELD_STRING, qtype_name),
  FS ("rcode", PKT_FIELD_UINT, rcode, rcode_set),
  F ("rcode_name", PKT_FIELD_STRING, rcode_name),
  F ("AA", PKT_FIELD_BOOL, AA),
  F ("TC", PKT_FIELD_BOOL, TC),
  F ("RD", PKT_FIELD_BOOL, RD),
  F ("RA", PKT_FIELD_BOOL, RA),
  F ("Z", PKT_FIELD_UINT, Z),
  F ("answers", PKT_FIELD_STRING_SET, answers),
  F ("TTLs", PKT_FIELD_STRING_SET, TTLs),
  F ("rejected", PKT_FIELD_BOOL, rejected),
  F ("opcode", PKT_FIELD_UINT, opcode),
  F ("opcode_name", PKT_FIELD_STRING, opcode_name),
};

static void
dns_record_clear (PktRecord *r)
{
  DnsRecord *d = (DnsRecord *)r;
  g_free (d->query);
  g_strfreev (d->answers);
  g_strfreev (d->TTLs);
}

const PktRecordType pkt_dns_record_type = {
  .name = "dns",
  .size = sizeof (DnsRecord),
  .fields = dns_fields,
  .n_fields = G_N_ELEMENTS (dns_fields),
  .clear = dns_record_clear,
};

/* An outstanding query. Kept small (the name is allocated): every flow
 * carries MAX_PENDING of them, and a DNS flow is mostly one query. */
typedef struct {
  gint64 ts;
  char *qname; /* NULL when the query had none */
  guint16 id;
  guint16 qtype, qclass;
  guint8 opcode, z;
  guint8 used : 1, rd : 1, aa : 1, ra : 1, tc : 1, has_question : 1;
} Pending;

static void
pending_release (Pending *q)
{
  q->used = FALSE;
  g_clear_pointer (&q->qname, g_free);
}

typedef struct {
  PktL7Conn conn;
  gboolean tcp;
  Pending pending[MAX_PENDING];
  PktL7Stream stream[2];
} DnsFlow;

/* every flow up to max-flows carries one: 65536 flows must stay tens of MB
 * (with the query names inline it was 4.7 KB a flow, 300 MB) */
G_STATIC_ASSERT (sizeof (DnsFlow) <= 1024);

struct _PktDnsParse {
  PktL7Parser parent;
  guint64 queries, responses, unmatched;
  GHashTable *ports; /* guint port -> TRUE */
  char *ports_str;
};

G_DEFINE_FINAL_TYPE (PktDnsParse, pkt_dns_parse, PKT_TYPE_L7_PARSER)

enum { PROP_0, PROP_PORTS, PROP_QUERIES, PROP_RESPONSES, PROP_UNMATCHED, N_PROPS };
static GParamSpec *props[N_PROPS];

/* NetBIOS name service shares DNS's format but names its opcodes itself */
static const char *
opcode_name (DnsFlow *f, guint8 op)
{
  if (f->conn.resp_p != 137)
    return l7_dns_opcode_name (op);
  switch (op) {
    case 0:
      return "netbios-query";
    case 5:
      return "netbios-registration";
    case 6:
      return "netbios-release";
    case 7:
      return "netbios-WACK";
    case 8:
      return "netbios-refresh";
    case 9:
      return "netbios-refresh";
    case 15:
      return "netbios-multihomed-registration";
  }
  return NULL;
}

static DnsRecord *
record_new (DnsFlow *f, gint64 ts)
{
  DnsRecord *r = (DnsRecord *)pkt_record_new (&pkt_dns_record_type);
  r->ts = ts;
  pkt_l7_record_id_set (&r->id, &f->conn);
  r->proto = f->tcp ? "tcp" : "udp";
  return r;
}

/* NetBIOS first-level encoding (RFC 1001 §14.1): 32 letters A-P carry 16
 * bytes; Zeek logs the 15-character name without its padding and suffix. */
static char *
decode_netbios_name (const char *qname)
{
  gsize l = strcspn (qname, ".");
  if (l != 32)
    return g_strdup (qname);
  char out[17];
  for (guint i = 0; i < 16; i++) {
    guint hi = (guint)(qname[2 * i] - 'A'), lo = (guint)(qname[2 * i + 1] - 'A');
    if (hi > 15 || lo > 15)
      return g_strdup (qname);
    out[i] = (char)(hi << 4 | lo);
  }
  out[15] = 0; /* the 16th byte is the service suffix */
  for (int i = 14; i >= 0 && (out[i] == ' ' || out[i] == 0); i--)
    out[i] = 0;
  for (guint i = 0; out[i]; i++)
    if ((guchar)out[i] < 0x20 || (guchar)out[i] >= 0x7f)
      out[i] = '?';
  return g_strdup (out);
}

static void
set_question (DnsRecord *r, gboolean has_q, const char *qname, guint16 qtype, guint16 qclass)
{
  if (qname[0] || has_q) {
    /* as Zeek: NetBIOS names decoded, DNS names lower-cased */
    r->query = r->id.resp_p == 137 ? decode_netbios_name (qname) : g_ascii_strdown (qname, -1);
  }
  if (has_q) {
    r->q_set = TRUE;
    r->qtype = qtype;
    r->qclass = qclass;
    r->qtype_name = l7_dns_qtype_name (qtype);
    r->qclass_name = l7_dns_qclass_name (qclass);
  }
}

static void
emit_unanswered (PktDnsParse *self, DnsFlow *f, Pending *q)
{
  if (pkt_l7_parser_wants_records (PKT_L7_PARSER (self))) {
    DnsRecord *r = record_new (f, q->ts);
    r->trans_id = q->id;
    set_question (r, q->has_question, q->qname ? q->qname : "", q->qtype, q->qclass);
    r->RD = q->rd;
    r->AA = q->aa;
    r->RA = q->ra;
    r->TC = q->tc;
    r->Z = q->z;
    r->opcode = q->opcode;
    r->opcode_name = opcode_name (f, q->opcode);
    pkt_l7_parser_emit (PKT_L7_PARSER (self), &r->rec);
  }
  pending_release (q);
}

static void
on_query (PktDnsParse *self, DnsFlow *f, const L7DnsMessage *m, gint64 ts)
{
  PKT_STAT_ADD (self->queries, 1);
  Pending *slot = NULL;
  for (guint i = 0; i < MAX_PENDING && !slot; i++)
    if (!f->pending[i].used)
      slot = &f->pending[i];
  if (!slot) { /* full: the oldest query is logged unanswered */
    slot = &f->pending[0];
    for (guint i = 1; i < MAX_PENDING; i++)
      if (f->pending[i].ts < slot->ts)
        slot = &f->pending[i];
    emit_unanswered (self, f, slot);
  }
  *slot = (Pending){ .used = TRUE,
                     .id = m->id,
                     .ts = ts,
                     .rd = !!m->rd,
                     .aa = !!m->aa,
                     .ra = !!m->ra,
                     .tc = !!m->tc,
                     .z = m->z,
                     .opcode = m->opcode,
                     .has_question = !!m->has_question,
                     .qtype = m->qtype,
                     .qclass = m->qclass,
                     .qname = m->qname[0] ? g_strdup (m->qname) : NULL };
}

static char **
answers_strv (const L7DnsMessage *m, gboolean ttls)
{
  if (m->n_answers == 0)
    return NULL;
  char **v = g_new0 (char *, m->n_answers + 1);
  for (guint i = 0; i < m->n_answers; i++)
    v[i] = ttls ? g_strdup_printf ("%u.000000", m->answers[i].ttl) : g_strdup (m->answers[i].text);
  return v;
}

static void
on_response (PktDnsParse *self, DnsFlow *f, const L7DnsMessage *m, gint64 ts)
{
  PKT_STAT_ADD (self->responses, 1);
  Pending *q = NULL;
  for (guint i = 0; i < MAX_PENDING && !q; i++)
    if (f->pending[i].used && f->pending[i].id == m->id)
      q = &f->pending[i];
  if (!q)
    PKT_STAT_ADD (self->unmatched, 1);
  if (pkt_l7_parser_wants_records (PKT_L7_PARSER (self))) {
    DnsRecord *r = record_new (f, q ? q->ts : ts);
    r->trans_id = m->id;
    if (q) {
      /* as Zeek: the round trip is measured when an answer arrives */
      r->rtt = ts - q->ts;
      r->rtt_set = m->n_answers > 0;
      set_question (r, q->has_question, q->qname ? q->qname : "", q->qtype, q->qclass);
      r->RD = q->rd;
    } else {
      set_question (r, m->has_question, m->qname, m->qtype, m->qclass);
      r->RD = m->rd;
    }
    r->rcode = m->rcode;
    r->rcode_set = TRUE;
    r->rcode_name = l7_dns_rcode_name (m->rcode);
    /* as Zeek: AA and RA are taken from a response only when it carries an
     * answer (its reply hook sets them); otherwise they stay the query's */
    gboolean from_resp = m->n_answers > 0 || !q;
    r->AA = from_resp ? m->aa : q->aa;
    r->RA = from_resp ? m->ra : q->ra;
    r->TC = m->tc;
    r->Z = m->z;
    r->answers = answers_strv (m, FALSE);
    r->TTLs = answers_strv (m, TRUE);
    r->rejected = m->rcode == 5 && m->n_answers == 0; /* REFUSED, as Zeek */
    r->opcode = m->opcode;
    r->opcode_name = opcode_name (f, m->opcode);
    pkt_l7_parser_emit (PKT_L7_PARSER (self), &r->rec);
  }
  if (q)
    pending_release (q);
}

static void
on_message (PktDnsParse *self, DnsFlow *f, const guint8 *msg, gsize len, gint64 ts)
{
  L7DnsMessage m;
  if (!l7_dns_parse (msg, len, &m)) {
    pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
    return;
  }
  if (m.qr)
    on_response (self, f, &m, ts);
  else
    on_query (self, f, &m, ts);
}

static gboolean
dns_accept (PktL7Parser *parser, const PktL7Packet *pkt)
{
  PktDnsParse *self = PKT_DNS_PARSE (parser);
  return g_hash_table_contains (self->ports, GUINT_TO_POINTER (pkt->resp_p))
         || g_hash_table_contains (self->ports, GUINT_TO_POINTER (pkt->orig_p));
}

static void
dns_handle (PktL7Parser *parser, gpointer state, const PktL7Packet *pkt)
{
  PktDnsParse *self = PKT_DNS_PARSE (parser);
  DnsFlow *f = state;
  if (f->conn.flow_id == 0) {
    pkt_l7_conn_set (&f->conn, pkt);
    f->tcp = pkt->key.proto == 6;
  }
  if (!f->tcp) {
    if (pkt->payload_len)
      on_message (self, f, pkt->payload, pkt->payload_len, pkt->packet->ts_ns);
    return;
  }
  /* DNS over TCP: 2-byte length, then the message; messages may span segments */
  PktL7Stream *s = &f->stream[pkt->dir];
  if (!pkt_l7_stream_feed (parser, s, pkt, TCP_MAX_BUFFER) || !s->buf)
    return;
  for (;;) {
    if (s->buf->len < 2)
      break;
    gsize mlen = (gsize)s->buf->data[0] << 8 | s->buf->data[1];
    if (s->buf->len < 2 + mlen)
      break;
    on_message (self, f, s->buf->data + 2, mlen, pkt->packet->ts_ns);
    pkt_l7_stream_consume (s, 2 + mlen);
  }
}

static void
dns_flush_flow (PktL7Parser *parser, gpointer state)
{
  DnsFlow *f = state;
  for (guint i = 0; i < MAX_PENDING; i++)
    if (f->pending[i].used)
      emit_unanswered (PKT_DNS_PARSE (parser), f, &f->pending[i]);
}

static void
dns_clear_flow (PktL7Parser *parser, gpointer state)
{
  DnsFlow *f = state;
  for (guint i = 0; i < MAX_PENDING; i++)
    pending_release (&f->pending[i]);
  pkt_l7_stream_clear (&f->stream[0]);
  pkt_l7_stream_clear (&f->stream[1]);
}

static gboolean
parse_ports (PktDnsParse *self, const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_hash_table_remove_all (self->ports);
  for (guint i = 0; parts[i]; i++) {
    guint64 v;
    if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, 65535, &v, NULL))
      return FALSE;
    g_hash_table_add (self->ports, GUINT_TO_POINTER ((guint)v));
  }
  return TRUE;
}

static gboolean
dns_start (PktFilter *filter, GError **error)
{
  PktDnsParse *self = PKT_DNS_PARSE (filter);
  if (!parse_ports (self, self->ports_str)) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "ports=\"%s\": expected a comma-separated list of ports 1..65535",
                           self->ports_str);
    return FALSE;
  }
  return TRUE;
}

static void
pkt_dns_parse_set_property (GObject *o, guint id, const GValue *v, GParamSpec *ps)
{
  PktDnsParse *self = PKT_DNS_PARSE (o);
  if (id == PROP_PORTS) {
    g_free (self->ports_str);
    self->ports_str = g_value_dup_string (v);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

static void
pkt_dns_parse_get_property (GObject *o, guint id, GValue *v, GParamSpec *ps)
{
  PktDnsParse *self = PKT_DNS_PARSE (o);
  switch (id) {
    case PROP_PORTS:
      g_value_set_string (v, self->ports_str);
      break;
    case PROP_QUERIES:
      g_value_set_uint64 (v, PKT_STAT_GET (self->queries));
      break;
    case PROP_RESPONSES:
      g_value_set_uint64 (v, PKT_STAT_GET (self->responses));
      break;
    case PROP_UNMATCHED:
      g_value_set_uint64 (v, PKT_STAT_GET (self->unmatched));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

static void
pkt_dns_parse_finalize (GObject *o)
{
  PktDnsParse *self = PKT_DNS_PARSE (o);
  g_hash_table_unref (self->ports);
  g_free (self->ports_str);
  G_OBJECT_CLASS (pkt_dns_parse_parent_class)->finalize (o);
}

static void
pkt_dns_parse_class_init (PktDnsParseClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktL7ParserClass *lclass = PKT_L7_PARSER_CLASS (klass);
  oclass->set_property = pkt_dns_parse_set_property;
  oclass->get_property = pkt_dns_parse_get_property;
  oclass->finalize = pkt_dns_parse_finalize;
  PKT_FILTER_CLASS (klass)->start = dns_start;
  lclass->flow_state_size = sizeof (DnsFlow);
  lclass->accept = dns_accept;
  lclass->handle = dns_handle;
  lclass->flush_flow = dns_flush_flow;
  lclass->clear_flow = dns_clear_flow;

  props[PROP_PORTS] = g_param_spec_string (
      "ports", "Ports",
      "Comma-separated UDP/TCP ports carrying DNS (NetBIOS-NS 137, mDNS 5353, LLMNR 5355)",
      "53,137,5353,5355", G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_QUERIES]
      = g_param_spec_uint64 ("queries", "Queries", "Query messages parsed", 0, G_MAXUINT64, 0,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  props[PROP_RESPONSES]
      = g_param_spec_uint64 ("responses", "Responses", "Response messages parsed", 0, G_MAXUINT64,
                             0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  props[PROP_UNMATCHED] = g_param_spec_uint64 (
      "unmatched", "Unmatched", "Responses without a pending query", 0, G_MAXUINT64, 0,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  g_object_class_install_properties (oclass, N_PROPS, props);
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "DNS parser", "Filter/Analyzer",
                                  "Parses DNS over UDP and TCP into dns.log records (records pad)",
                                  "pktpipe");
}

static void
pkt_dns_parse_init (PktDnsParse *self)
{
  self->ports = g_hash_table_new (NULL, NULL);
  self->ports_str = g_strdup ("53,137,5353,5355");
}
