/* pktpipe l7 — httpparse: HTTP/1.x request/response pairs → Zeek http.log records.
 *
 * Recognised by content (the originator's first bytes are a request line),
 * not by port. Each direction runs an L7HttpParser over the in-order payload
 * (PktL7Stream); requests queue up per flow (pipelining) and the oldest
 * unanswered one takes the next response. A record is emitted when its
 * response is complete, or when the flow ends for the rest.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-base.h"
#include "l7-http.h"
#include "l7.h"
#include <string.h>

#define STREAM_MAX    (L7_HTTP_HEAD_MAX + 256 * 1024) /* unparsed bytes: a head and a few segments */
#define MAX_PENDING   64                              /* pipelined requests awaiting a response */
#define RECOGNISE_MAX 8192

typedef struct {
  PktRecord rec;
  gint64 ts;
  PktL7RecordId id;
  guint64 trans_depth;
  char *method, *host, *uri, *referrer, *version, *user_agent, *origin;
  guint64 request_body_len, response_body_len;
  guint64 status_code;
  gboolean status_set;
  char *status_msg;
  guint64 info_code;
  gboolean info_set;
  char *info_msg;
  char **tags;
  char *username, *password;
  char **proxied;
  char **orig_fuids, **orig_filenames, **orig_mime_types;
  char **resp_fuids, **resp_filenames, **resp_mime_types;
} HttpRecord;

#define F(n, t, m)                                                                                 \
  {                                                                                                \
    n, t, G_STRUCT_OFFSET (HttpRecord, m), -1                                                      \
  }
#define FS(n, t, m, s)                                                                             \
  {                                                                                                \
    n, t, G_STRUCT_OFFSET (HttpRecord, m), G_STRUCT_OFFSET (HttpRecord, s)                         \
  }
static const PktFieldDesc http_fields[] = {
  F ("ts", PKT_FIELD_TIME, ts),
  PKT_L7_ID_FIELDS (HttpRecord, id),
  F ("trans_depth", PKT_FIELD_UINT, trans_depth),
  F ("method", PKT_FIELD_STRING, method),
  F ("host", PKT_FIELD_STRING, host),
  F ("uri", PKT_FIELD_STRING, uri),
  F ("referrer", PKT_FIELD_STRING, referrer),
  F ("version", PKT_FIELD_STRING, version),
  F ("user_agent", PKT_FIELD_STRING, user_agent),
  F ("origin", PKT_FIELD_STRING, origin),
  F ("request_body_len", PKT_FIELD_UINT, request_body_len),
  F ("response_body_len", PKT_FIELD_UINT, response_body_len),
  FS ("status_code", PKT_FIELD_UINT, status_code, status_set),
  F ("status_msg", PKT_FIELD_STRING, status_msg),
  FS ("info_code", PKT_FIELD_UINT, info_code, info_set),
  F ("info_msg", PKT_FIELD_STRING, info_msg),
  F ("tags", PKT_FIELD_STRING_SET, tags),
  F ("username", PKT_FIELD_STRING, username),
  F ("password", PKT_FIELD_STRING, password),
  F ("proxied", PKT_FIELD_STRING_SET, proxied),
  F ("orig_fuids", PKT_FIELD_STRING_SET, orig_fuids),
  F ("orig_filenames", PKT_FIELD_STRING_SET, orig_filenames),
  F ("orig_mime_types", PKT_FIELD_STRING_SET, orig_mime_types),
  F ("resp_fuids", PKT_FIELD_STRING_SET, resp_fuids),
  F ("resp_filenames", PKT_FIELD_STRING_SET, resp_filenames),
  F ("resp_mime_types", PKT_FIELD_STRING_SET, resp_mime_types),
};

static void
http_record_clear (PktRecord *r)
{
  HttpRecord *h = (HttpRecord *)r;
  g_free (h->method);
  g_free (h->host);
  g_free (h->uri);
  g_free (h->referrer);
  g_free (h->version);
  g_free (h->user_agent);
  g_free (h->origin);
  g_free (h->status_msg);
  g_free (h->info_msg);
  g_strfreev (h->tags);
  g_free (h->username);
  g_free (h->password);
  g_strfreev (h->proxied);
}

const PktRecordType pkt_http_record_type = {
  .name = "http",
  .size = sizeof (HttpRecord),
  .fields = http_fields,
  .n_fields = G_N_ELEMENTS (http_fields),
  .clear = http_record_clear,
};

/* One request/response pair in flight. */
typedef struct {
  gint64 ts;
  guint64 depth;
  gboolean have_req, have_resp;
  L7HttpHead req, resp;
  guint64 req_body_len, resp_body_len;
  guint info_code;
  char *info_msg;
} Trans;

enum { KIND_UNKNOWN, KIND_HTTP, KIND_OTHER };

typedef struct {
  PktL7Conn conn;
  int kind;
  PktL7Stream stream[2];
  L7HttpParser parser[2];
  gboolean dead[2];
  GQueue trans;    /* Trans*, oldest first: the head takes the next response */
  Trans *req_body; /* the request whose body is being read, or NULL */
  Trans *resp_cur; /* the trans whose response body is being read, or NULL */
  guint64 depth;
  gint64 now;
} HttpFlow;

struct _PktHttpParse {
  PktL7Parser parent;
  guint64 requests, responses, unanswered;
};

G_DEFINE_FINAL_TYPE (PktHttpParse, pkt_http_parse, PKT_TYPE_L7_PARSER)

enum { PROP_0, PROP_REQUESTS, PROP_RESPONSES, PROP_UNANSWERED, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
trans_free (Trans *t)
{
  l7_http_head_clear (&t->req);
  l7_http_head_clear (&t->resp);
  g_free (t->info_msg);
  g_free (t);
}

static char *
steal_nonempty (char **s)
{
  return *s ? g_steal_pointer (s) : NULL;
}

static char **
proxied_strv (L7HttpHead *h)
{
  if (!h->proxied)
    return NULL;
  g_ptr_array_add (h->proxied, NULL);
  g_ptr_array_set_free_func (h->proxied, NULL);
  char **v = (char **)g_ptr_array_free (g_steal_pointer (&h->proxied), FALSE);
  return v;
}

static void
emit_trans (PktHttpParse *self, HttpFlow *f, Trans *t)
{
  PktL7Parser *parser = PKT_L7_PARSER (self);
  if (!t->have_resp)
    PKT_STAT_ADD (self->unanswered, 1);
  if (!pkt_l7_parser_wants_records (parser))
    return;
  HttpRecord *r = (HttpRecord *)pkt_record_new (&pkt_http_record_type);
  r->ts = t->ts;
  pkt_l7_record_id_set (&r->id, &f->conn);
  r->trans_depth = t->depth;
  if (t->have_req) {
    r->method = g_strdup (t->req.method);
    r->host = steal_nonempty (&t->req.host);
    r->uri = steal_nonempty (&t->req.uri);
    r->referrer = steal_nonempty (&t->req.referrer);
    r->user_agent = steal_nonempty (&t->req.user_agent);
    r->origin = steal_nonempty (&t->req.origin);
    r->username = steal_nonempty (&t->req.username);
    r->proxied = proxied_strv (&t->req);
    r->version = g_strdup (t->req.version);
  }
  r->request_body_len = t->req_body_len;
  r->response_body_len = t->resp_body_len;
  if (t->have_resp) {
    /* as Zeek: the reply's version overrides the request's */
    g_free (r->version);
    r->version = g_strdup (t->resp.version);
    r->status_code = t->resp.status_code;
    r->status_set = TRUE;
    r->status_msg = steal_nonempty (&t->resp.status_msg);
  }
  if (t->info_code) {
    r->info_code = t->info_code;
    r->info_set = TRUE;
    r->info_msg = g_steal_pointer (&t->info_msg);
  }
  r->tags = g_new0 (char *, 1); /* Zeek: (empty) */
  pkt_l7_parser_emit (parser, &r->rec);
}

/* Emits and frees the oldest trans. */
static void
pop_trans (PktHttpParse *self, HttpFlow *f)
{
  Trans *t = g_queue_pop_head (&f->trans);
  if (t == f->req_body) { /* answered before its body ended (e.g. 413) */
    t->req_body_len = f->parser[0].body_len;
    f->req_body = NULL;
  }
  if (t == f->resp_cur)
    f->resp_cur = NULL;
  emit_trans (self, f, t);
  trans_free (t);
}

static void
give_up (HttpFlow *f, guint dir)
{
  f->dead[dir] = TRUE;
  pkt_l7_stream_clear (&f->stream[dir]);
  f->stream[dir].abandoned = TRUE;
}

static void
on_request_head (PktHttpParse *self, HttpFlow *f)
{
  PKT_STAT_ADD (self->requests, 1);
  if (g_queue_get_length (&f->trans) >= MAX_PENDING)
    pop_trans (self, f); /* bounded: the oldest is logged unanswered */
  Trans *t = g_new0 (Trans, 1);
  t->ts = f->now;
  t->depth = ++f->depth;
  t->have_req = TRUE;
  t->resp.content_length = -1;
  g_queue_push_tail (&f->trans, t);
  /* the body's framing comes from the head: choose it before moving the head */
  if (!l7_http_parser_start_body (&f->parser[0], L7_HTTP_BODY_AUTO))
    f->req_body = t;
  l7_http_head_move (&t->req, &f->parser[0].head);
}

static void
drain_requests (PktHttpParse *self, HttpFlow *f)
{
  PktL7Stream *s = &f->stream[0];
  while (!f->dead[0] && s->buf && s->buf->len) {
    L7HttpEvent ev;
    gsize used = l7_http_parser_feed (&f->parser[0], s->buf->data, s->buf->len, &ev);
    pkt_l7_stream_consume (s, used);
    if (ev == L7_HTTP_EV_HEAD)
      on_request_head (self, f);
    else if (ev == L7_HTTP_EV_END && f->req_body) {
      f->req_body->req_body_len = f->parser[0].body_len;
      f->req_body = NULL;
    } else if (ev == L7_HTTP_EV_ERROR) {
      pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
      give_up (f, 0);
    } else if (ev == L7_HTTP_EV_NONE)
      break;
  }
}

static Trans *
response_target (HttpFlow *f)
{
  Trans *t = g_queue_peek_head (&f->trans);
  if (!t) { /* a response without a request we saw */
    t = g_new0 (Trans, 1);
    t->ts = f->now;
    t->depth = ++f->depth;
    t->req.content_length = -1;
    g_queue_push_tail (&f->trans, t);
  }
  return t;
}

/* An accepted CONNECT: the bytes that follow are the tunnel's, not a body */
static gboolean
is_tunnel (const Trans *t, guint code)
{
  return t->have_req && code / 100 == 2 && strcmp (t->req.method, "CONNECT") == 0;
}

static void
complete_response (PktHttpParse *self, HttpFlow *f, Trans *t)
{
  t->resp_body_len = f->parser[1].body_len;
  gboolean upgraded = t->resp.status_code == 101 || is_tunnel (t, t->resp.status_code);
  while (g_queue_peek_head (&f->trans) != t)
    pop_trans (self, f); /* cannot happen: responses go to the head */
  pop_trans (self, f);
  if (upgraded) { /* another protocol follows: WebSocket, h2c, proxied TLS */
    give_up (f, 0);
    give_up (f, 1);
  }
}

static void
on_response_head (PktHttpParse *self, HttpFlow *f)
{
  L7HttpParser *p = &f->parser[1];
  Trans *t = response_target (f);
  guint code = p->head.status_code;
  if (code >= 100 && code < 200 && code != 101) {
    /* informational: noted, the final response is still to come */
    t->info_code = code;
    g_free (t->info_msg);
    t->info_msg = g_steal_pointer (&p->head.status_msg);
    l7_http_head_clear (&p->head);
    l7_http_parser_start_body (p, L7_HTTP_BODY_NONE);
    return;
  }
  PKT_STAT_ADD (self->responses, 1);
  gboolean no_body = code == 101 || code == 204 || code == 304 || is_tunnel (t, code)
                     || (t->have_req && strcmp (t->req.method, "HEAD") == 0);
  t->have_resp = TRUE;
  gboolean done = l7_http_parser_start_body (p, no_body ? L7_HTTP_BODY_NONE : L7_HTTP_BODY_AUTO);
  l7_http_head_move (&t->resp, &p->head);
  if (done)
    complete_response (self, f, t);
  else
    f->resp_cur = t;
}

/* HTTP/0.9: the reply is the bare body, until the connection closes */
static gboolean
start_v09_response (PktHttpParse *self, HttpFlow *f)
{
  Trans *t = g_queue_peek_head (&f->trans);
  if (!t || !t->have_req || strcmp (t->req.version, "0.9") != 0)
    return FALSE;
  PKT_STAT_ADD (self->responses, 1);
  t->have_resp = TRUE;
  g_strlcpy (t->resp.version, "0.9", sizeof t->resp.version);
  t->resp.status_code = 0;
  t->resp.status_msg = g_strdup ("<empty>"); /* Zeek's text */
  l7_http_parser_start_body (&f->parser[1], L7_HTTP_BODY_EOF);
  f->resp_cur = t;
  return TRUE;
}

static void
drain_responses (PktHttpParse *self, HttpFlow *f)
{
  PktL7Stream *s = &f->stream[1];
  while (!f->dead[1] && s->buf && s->buf->len) {
    if (f->parser[1].state == L7_HTTP_ST_HEAD && !f->resp_cur && start_v09_response (self, f))
      continue;
    L7HttpEvent ev;
    gsize used = l7_http_parser_feed (&f->parser[1], s->buf->data, s->buf->len, &ev);
    pkt_l7_stream_consume (s, used);
    if (ev == L7_HTTP_EV_HEAD)
      on_response_head (self, f);
    else if (ev == L7_HTTP_EV_END && f->resp_cur)
      complete_response (self, f, f->resp_cur);
    else if (ev == L7_HTTP_EV_ERROR) {
      pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
      give_up (f, 1);
    } else if (ev == L7_HTTP_EV_NONE)
      break;
  }
}

/* A hole in the stream: inside a body of known length (or one that runs to
 * the close) the missing bytes are counted and parsing goes on; anywhere else
 * the parser has lost its place and the direction is given up. */
static void
on_gap (HttpFlow *f, guint dir, guint32 missing)
{
  L7HttpParser *p = &f->parser[dir];
  if (p->state == L7_HTTP_ST_BODY_EOF) {
    p->body_len += missing;
    return;
  }
  if ((p->state == L7_HTTP_ST_BODY_LENGTH || p->state == L7_HTTP_ST_CHUNK_DATA)
      && p->remaining >= missing) {
    p->remaining -= missing;
    p->body_len += missing;
    return;
  }
  give_up (f, dir);
}

static gboolean
http_accept (PktL7Parser *parser, const PktL7Packet *pkt)
{
  return pkt->key.proto == 6; /* recognised by content, not port */
}

static void
recognise (HttpFlow *f)
{
  PktL7Stream *s = &f->stream[0];
  gboolean more = FALSE;
  if (l7_http_looks_like_request (s->buf->data, s->buf->len, &more))
    f->kind = KIND_HTTP;
  else if (!more || s->buf->len >= RECOGNISE_MAX)
    f->kind = KIND_OTHER;
  if (f->kind == KIND_OTHER) {
    pkt_l7_stream_clear (&f->stream[0]);
    pkt_l7_stream_clear (&f->stream[1]);
  }
}

static gboolean
same_endpoint (const PktAddr *a, guint16 ap, const PktAddr *b, guint16 bp)
{
  return ap == bp && a->family == b->family
         && memcmp (a->bytes, b->bytes, a->family == 6 ? 16 : 4) == 0;
}

/* flowtrack swapped originator and responder (a SYN-ACK was seen first, as
 * Zeek flips roles): the byte streams stay with their senders. Once messages
 * were parsed the parsers' roles no longer fit, and the flow is given up. */
static void
follow_flip (HttpFlow *f, const PktL7Packet *pkt)
{
  pkt_l7_conn_set (&f->conn, pkt);
  PktL7Stream s = f->stream[0];
  f->stream[0] = f->stream[1];
  f->stream[1] = s;
  gboolean d = f->dead[0];
  f->dead[0] = f->dead[1];
  f->dead[1] = d;
  if (f->kind == KIND_HTTP) {
    give_up (f, 0);
    give_up (f, 1);
  }
}

static void
http_handle (PktL7Parser *parser, gpointer state, const PktL7Packet *pkt)
{
  PktHttpParse *self = PKT_HTTP_PARSE (parser);
  HttpFlow *f = state;
  if (f->conn.flow_id == 0) {
    pkt_l7_conn_set (&f->conn, pkt);
    l7_http_parser_init (&f->parser[0], FALSE);
    l7_http_parser_init (&f->parser[1], TRUE);
  } else if (!same_endpoint (&f->conn.orig_h, f->conn.orig_p, &pkt->orig_h, pkt->orig_p))
    follow_flip (f, pkt);
  f->now = pkt->packet->ts_ns;
  guint dir = pkt->dir;
  if (f->kind == KIND_OTHER || f->dead[dir])
    return;
  if (f->kind == KIND_UNKNOWN && pkt->payload_len > 0 && dir == 1
      && !(f->stream[0].buf && f->stream[0].buf->len)) {
    f->kind = KIND_OTHER; /* the responder spoke first: not HTTP */
    pkt_l7_stream_clear (&f->stream[0]);
    pkt_l7_stream_clear (&f->stream[1]);
    return;
  }
  PktL7Stream *s = &f->stream[dir];
  guint32 seq = pkt->tcp_seq + ((pkt->tcp_flags & 0x02) ? 1 : 0);
  guint32 missing = 0;
  if (s->have_seq && pkt->payload_len && (gint32)(seq - s->next_seq) > 0)
    missing = seq - s->next_seq;
  if (!pkt_l7_stream_feed (parser, s, pkt, STREAM_MAX)) {
    f->dead[dir] = TRUE;
    return;
  }
  if (f->kind == KIND_UNKNOWN) {
    if (dir == 0 && s->buf && s->buf->len)
      recognise (f);
    if (f->kind != KIND_HTTP)
      return;
  }
  if (s->gap && missing) {
    /* the segment after the hole was appended whole: the hole is at the
     * parser's position only if nothing unparsed precedes it */
    gsize before = s->buf->len - MIN (s->buf->len, pkt->payload_len);
    if (before == 0)
      on_gap (f, dir, missing);
    else
      give_up (f, dir);
  }
  s->gap = FALSE;
  if (f->dead[dir])
    return;
  if (dir == 0)
    drain_requests (self, f);
  else
    drain_responses (self, f);
  /* the server closing ends a body that runs to the close */
  if (dir == 1 && (pkt->tcp_flags & 0x05) && f->resp_cur
      && f->parser[1].state == L7_HTTP_ST_BODY_EOF) {
    l7_http_parser_finish (&f->parser[1]);
    complete_response (self, f, f->resp_cur);
  }
}

static void
http_flush_flow (PktL7Parser *parser, gpointer state)
{
  PktHttpParse *self = PKT_HTTP_PARSE (parser);
  HttpFlow *f = state;
  if (f->kind != KIND_HTTP)
    return;
  if (f->req_body)
    f->req_body->req_body_len = f->parser[0].body_len;
  if (f->resp_cur)
    f->resp_cur->resp_body_len = f->parser[1].body_len;
  f->req_body = f->resp_cur = NULL;
  while (!g_queue_is_empty (&f->trans))
    pop_trans (self, f);
}

static void
http_clear_flow (PktL7Parser *parser, gpointer state)
{
  HttpFlow *f = state;
  pkt_l7_stream_clear (&f->stream[0]);
  pkt_l7_stream_clear (&f->stream[1]);
  l7_http_parser_clear (&f->parser[0]);
  l7_http_parser_clear (&f->parser[1]);
  Trans *t;
  while ((t = g_queue_pop_head (&f->trans)))
    trans_free (t);
}

static void
pkt_http_parse_get_property (GObject *o, guint id, GValue *v, GParamSpec *ps)
{
  PktHttpParse *self = PKT_HTTP_PARSE (o);
  switch (id) {
    case PROP_REQUESTS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->requests));
      break;
    case PROP_RESPONSES:
      g_value_set_uint64 (v, PKT_STAT_GET (self->responses));
      break;
    case PROP_UNANSWERED:
      g_value_set_uint64 (v, PKT_STAT_GET (self->unanswered));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

#define STAT(n, b)                                                                                 \
  g_param_spec_uint64 (n, n, b, 0, G_MAXUINT64, 0,                                                 \
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_http_parse_class_init (PktHttpParseClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktL7ParserClass *lclass = PKT_L7_PARSER_CLASS (klass);
  oclass->get_property = pkt_http_parse_get_property;
  lclass->flow_state_size = sizeof (HttpFlow);
  lclass->accept = http_accept;
  lclass->handle = http_handle;
  lclass->flush_flow = http_flush_flow;
  lclass->clear_flow = http_clear_flow;
  props[PROP_REQUESTS] = STAT ("requests", "Request heads parsed");
  props[PROP_RESPONSES] = STAT ("responses", "Final response heads parsed");
  props[PROP_UNANSWERED] = STAT ("unanswered", "Requests logged without a response");
  g_object_class_install_properties (oclass, N_PROPS, props);
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "HTTP parser", "Filter/Analyzer",
                                  "Parses HTTP/1.x requests and responses into http.log records "
                                  "(records pad)",
                                  "pktpipe");
}

static void
pkt_http_parse_init (PktHttpParse *self)
{
}
