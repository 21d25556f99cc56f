/* pktpipe l7 — tlsparse: TLS handshakes → Zeek ssl.log records with JA3, JA3S, JA4.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-tls.h"
#include "l7-x509.h"
#include "l7.h"
#include <string.h>

#define STREAM_MAX  (256 * 1024) /* a certificate chain fits; more is abandoned, counted */
#define HS_MAX      (128 * 1024)
#define HISTORY_MAX 100 /* Zeek's max_ssl_history_length */

typedef struct {
  PktRecord rec;
  gint64 ts;
  PktL7RecordId id;
  const char *version, *cipher, *curve;
  char *server_name;
  gboolean resumed;
  const char *last_alert;
  char *next_protocol;
  gboolean established;
  char *ssl_history;
  char **cert_chain_fps, **client_cert_chain_fps;
  gboolean sni_matches_cert, sni_matches_cert_set;
  char *ja3, *ja3s, *ja4;
  char **alpn;
  char cipher_buf[24];
  char version_buf[24];
} SslRecord;

#define F(n, t, m)                                                                                 \
  {                                                                                                \
    n, t, G_STRUCT_OFFSET (SslRecord, m), -1                                                       \
  }
static const PktFieldDesc ssl_fields[] = {
  F ("ts", PKT_FIELD_TIME, ts),
  PKT_L7_ID_FIELDS (SslRecord, id),
  F ("version", PKT_FIELD_STRING, version),
  F ("cipher", PKT_FIELD_STRING, cipher),
  F ("curve", PKT_FIELD_STRING, curve),
  F ("server_name", PKT_FIELD_STRING, server_name),
  F ("resumed", PKT_FIELD_BOOL, resumed),
  F ("last_alert", PKT_FIELD_STRING, last_alert),
  F ("next_protocol", PKT_FIELD_STRING, next_protocol),
  F ("established", PKT_FIELD_BOOL, established),
  F ("ssl_history", PKT_FIELD_STRING, ssl_history),
  F ("cert_chain_fps", PKT_FIELD_STRING_SET, cert_chain_fps),
  F ("client_cert_chain_fps", PKT_FIELD_STRING_SET, client_cert_chain_fps),
  { "sni_matches_cert", PKT_FIELD_BOOL, G_STRUCT_OFFSET (SslRecord, sni_matches_cert),
    G_STRUCT_OFFSET (SslRecord, sni_matches_cert_set) },
  F ("ja3", PKT_FIELD_STRING, ja3),
  F ("ja3s", PKT_FIELD_STRING, ja3s),
  F ("ja4", PKT_FIELD_STRING, ja4),
  F ("client_alpn", PKT_FIELD_STRING_SET, alpn),
};

static void
ssl_record_clear (PktRecord *r)
{
  SslRecord *s = (SslRecord *)r;
  g_free (s->server_name);
  g_free (s->next_protocol);
  g_free (s->ssl_history);
  g_strfreev (s->cert_chain_fps);
  g_strfreev (s->client_cert_chain_fps);
  g_free (s->ja3);
  g_free (s->ja3s);
  g_free (s->ja4);
  g_strfreev (s->alpn);
}

const PktRecordType pkt_ssl_record_type = {
  .name = "ssl",
  .size = sizeof (SslRecord),
  .fields = ssl_fields,
  .n_fields = G_N_ELEMENTS (ssl_fields),
  .clear = ssl_record_clear,
};

enum { KIND_UNKNOWN, KIND_TLS, KIND_OTHER };

typedef struct {
  PktL7Conn conn;
  gint64 ts;
  int kind;
  PktL7Stream stream[2];
  GByteArray *hs[2];
  gboolean encrypted[2], ccs[2], appdata[2], saw_cert[2];
  L7TlsClientHello *ch;
  L7TlsServerHello *sh;
  guint16 curve;
  guint8 last_alert;
  gboolean have_alert;
  GPtrArray *fps[2];
  GBytes *leaf;                  /* the server's first certificate (DER) */
  char history[HISTORY_MAX + 1]; /* Zeek's ssl_history */
  guint history_len;
} TlsFlow;

struct _PktTlsParse {
  PktL7Parser parent;
  guint64 client_hellos, server_hellos;
};

G_DEFINE_FINAL_TYPE (PktTlsParse, pkt_tls_parse, PKT_TYPE_L7_PARSER)

enum { PROP_0, PROP_CLIENT_HELLOS, PROP_SERVER_HELLOS, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
on_certificate (TlsFlow *f, guint dir, const guint8 *b, gsize len)
{
  f->saw_cert[dir] = TRUE;
  if (!f->fps[dir])
    f->fps[dir] = g_ptr_array_new_with_free_func (g_free);
  if (len < 3)
    return;
  gsize total = (gsize)b[0] << 16 | (gsize)b[1] << 8 | b[2], off = 3;
  gsize end = MIN (3 + total, len);
  while (off + 3 <= end) {
    gsize cl = (gsize)b[off] << 16 | (gsize)b[off + 1] << 8 | b[off + 2];
    off += 3;
    if (off + cl > end)
      break;
    if (dir == 1 && !f->leaf && f->fps[dir]->len == 0)
      f->leaf = g_bytes_new (b + off, cl);
    g_ptr_array_add (f->fps[dir], g_compute_checksum_for_data (G_CHECKSUM_SHA256, b + off, cl));
    off += cl;
  }
}

/* Zeek's ssl_history: one letter per cleartext handshake message, CCS,
 * alert and heartbeat, upper case from the client (the originator), lower
 * case from the server; at most 100 letters. */
static void
add_history (TlsFlow *f, guint dir, char c)
{
  if (f->history_len < HISTORY_MAX)
    f->history[f->history_len++] = dir == 0 ? g_ascii_toupper (c) : c;
}

static char
handshake_letter (guint type, const guint8 *b, gsize len)
{
  /* a ServerHello whose random is this magic value is a HelloRetryRequest */
  static const guint8 hrr[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                  0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                  0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };
  switch (type) {
    case 0:
      return 'h';
    case 1:
      return 'c';
    case 2:
      return len >= 34 && memcmp (b + 2, hrr, 32) == 0 ? 'j' : 's';
    case 3:
      return 'v';
    case 4:
      return 't';
    case 5:
      return 'e';
    case 6:
      return 'j';
    case 8:
      return 'o';
    case 11:
      return 'x';
    case 12:
      return 'k';
    case 13:
      return 'r';
    case 14:
      return 'n';
    case 15:
      return 'y';
    case 16:
      return 'g';
    case 20:
      return 'f';
    case 21:
      return 'w';
    case 22:
      return 'u';
    case 23:
      return 'a';
    case 24:
      return 'p';
    case 254:
      return 'm';
    default:
      return 'z';
  }
}

static void
on_handshake (PktTlsParse *self, TlsFlow *f, guint dir, guint type, const guint8 *b, gsize len)
{
  add_history (f, dir, handshake_letter (type, b, len));
  switch (type) {
    case 1: /* ClientHello */
      if (dir != 0 || f->ch)
        return;
      f->ch = g_new (L7TlsClientHello, 1);
      if (!l7_tls_parse_client_hello (b, len, f->ch)) {
        pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
        g_clear_pointer (&f->ch, g_free);
        return;
      }
      PKT_STAT_ADD (self->client_hellos, 1);
      return;
    case 2: /* ServerHello */
      if (dir != 1 || f->sh)
        return;
      f->sh = g_new (L7TlsServerHello, 1);
      if (!l7_tls_parse_server_hello (b, len, f->sh)) {
        pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
        g_clear_pointer (&f->sh, g_free);
        return;
      }
      PKT_STAT_ADD (self->server_hellos, 1);
      if (l7_tls_version_is_13 (f->sh->version)) {
        f->curve = f->sh->key_share_group;
        f->encrypted[1] = TRUE; /* the rest of the server's handshake is encrypted */
      }
      return;
    case 11: /* Certificate (cleartext before TLS 1.3) */
      on_certificate (f, dir, b, len);
      return;
    case 12: /* ServerKeyExchange: ECDHE names its curve */
      if (dir == 1 && len >= 3 && b[0] == 3)
        f->curve = (guint16)(b[1] << 8 | b[2]);
      return;
  }
}

static void
drain_handshake (PktTlsParse *self, TlsFlow *f, guint dir)
{
  GByteArray *hs = f->hs[dir];
  gsize off = 0;
  while (hs->len - off >= 4) {
    gsize ml = (gsize)hs->data[off + 1] << 16 | (gsize)hs->data[off + 2] << 8 | hs->data[off + 3];
    if (hs->len - off - 4 < ml)
      break;
    on_handshake (self, f, dir, hs->data[off], hs->data + off + 4, ml);
    off += 4 + ml;
  }
  g_byte_array_remove_range (hs, 0, off);
  if (hs->len > HS_MAX) { /* a handshake message larger than anything sane */
    pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
    g_byte_array_set_size (hs, 0);
    f->encrypted[dir] = TRUE;
  }
}

static gboolean
looks_like_tls (const guint8 *d, gsize n)
{
  return n >= 3 && d[0] >= 20 && d[0] <= 24 && d[1] == 3 && d[2] <= 4;
}

static void
drain_records (PktTlsParse *self, TlsFlow *f, guint dir)
{
  PktL7Stream *s = &f->stream[dir];
  gsize off = 0;
  while (s->buf && s->buf->len - off >= 5) {
    const guint8 *r = s->buf->data + off;
    gsize rl = (gsize)r[3] << 8 | r[4];
    if (!looks_like_tls (r, 5) || rl > 18432 + 2048) {
      /* lost sync (a gap, or not TLS after all): stop parsing this direction */
      pkt_l7_parser_count_malformed (PKT_L7_PARSER (self));
      f->encrypted[dir] = TRUE;
      pkt_l7_stream_clear (s);
      s->abandoned = TRUE;
      return;
    }
    if (s->buf->len - off - 5 < rl)
      break;
    switch (r[0]) {
      case 20: /* never encrypted itself; TLS 1.3 sends it after ServerHello */
        add_history (f, dir, 'i');
        f->ccs[dir] = TRUE;
        f->encrypted[dir] = TRUE;
        break;
      case 21:
        if (!f->encrypted[dir] && rl >= 2) {
          f->last_alert = r[6];
          f->have_alert = TRUE;
          add_history (f, dir, 'l');
        }
        break;
      case 24:
        if (!f->encrypted[dir])
          add_history (f, dir, 'b');
        break;
      case 22:
        if (!f->encrypted[dir]) {
          g_byte_array_append (f->hs[dir], r + 5, rl);
          drain_handshake (self, f, dir);
        }
        break;
      case 23:
        f->appdata[dir] = TRUE;
        break;
    }
    off += 5 + rl;
  }
  pkt_l7_stream_consume (s, off);
  /* once both sides are encrypted there is nothing left to learn */
  if (f->encrypted[0] && f->encrypted[1] && f->appdata[0] && f->appdata[1]) {
    pkt_l7_stream_clear (&f->stream[0]);
    pkt_l7_stream_clear (&f->stream[1]);
    f->stream[0].abandoned = f->stream[1].abandoned = TRUE;
  }
}

static gboolean
tls_accept (PktL7Parser *parser, const PktL7Packet *pkt)
{
  return pkt->key.proto == 6; /* recognised by content, not port */
}

static void
tls_handle (PktL7Parser *parser, gpointer state, const PktL7Packet *pkt)
{
  PktTlsParse *self = PKT_TLS_PARSE (parser);
  TlsFlow *f = state;
  if (f->conn.flow_id == 0) {
    pkt_l7_conn_set (&f->conn, pkt);
    f->ts = pkt->packet->ts_ns;
    f->hs[0] = g_byte_array_new ();
    f->hs[1] = g_byte_array_new ();
  }
  if (f->kind == KIND_OTHER)
    return;
  if (f->kind == KIND_UNKNOWN && pkt->payload_len > 0) {
    /* the first payload byte decides: a handshake record from either side */
    f->kind = looks_like_tls (pkt->payload, pkt->payload_len) && pkt->payload[0] == 22 ? KIND_TLS
                                                                                       : KIND_OTHER;
    if (f->kind == KIND_OTHER) {
      pkt_l7_stream_clear (&f->stream[0]);
      pkt_l7_stream_clear (&f->stream[1]);
      return;
    }
  }
  PktL7Stream *s = &f->stream[pkt->dir];
  if (pkt_l7_stream_feed (parser, s, pkt, STREAM_MAX) && f->kind == KIND_TLS)
    drain_records (self, f, pkt->dir);
}

static char **
steal_strv (GPtrArray *a)
{
  if (!a)
    return g_new0 (char *, 1); /* Zeek: "(empty)" */
  g_ptr_array_add (a, NULL);
  g_ptr_array_set_free_func (a, NULL);
  return (char **)g_ptr_array_free (a, FALSE);
}

static void
tls_flush_flow (PktL7Parser *parser, gpointer state)
{
  TlsFlow *f = state;
  if (f->kind != KIND_TLS || !f->ch || !pkt_l7_parser_wants_records (parser))
    return;
  SslRecord *r = (SslRecord *)pkt_record_new (&pkt_ssl_record_type);
  r->ts = f->ts;
  pkt_l7_record_id_set (&r->id, &f->conn);
  if (f->ch->sni[0])
    r->server_name = g_strdup (f->ch->sni);
  char h[40];
  l7_tls_ja3 (f->ch, h);
  r->ja3 = g_strdup (h);
  l7_tls_ja4 (f->ch, FALSE, h);
  r->ja4 = g_strdup (h);
  if (f->ch->n_alpn) {
    r->alpn = g_new0 (char *, f->ch->n_alpn + 1);
    for (guint i = 0; i < f->ch->n_alpn; i++)
      r->alpn[i] = g_strdup (f->ch->alpn[i]);
  }
  if (f->sh) {
    r->version = l7_tls_version_format (f->sh->version, r->version_buf);
    r->cipher = l7_tls_cipher_name (f->sh->cipher);
    if (!r->cipher) {
      g_snprintf (r->cipher_buf, sizeof r->cipher_buf, "unknown-%u", f->sh->cipher);
      r->cipher = r->cipher_buf;
    }
    r->curve = f->curve ? l7_tls_curve_name (f->curve) : NULL;
    l7_tls_ja3s (f->sh, h);
    r->ja3s = g_strdup (h);
    if (f->sh->alpn[0])
      r->next_protocol = g_strdup (f->sh->alpn);
    /* an abbreviated handshake: no certificate before the server's CCS */
    r->resumed = !l7_tls_version_is_13 (f->sh->version) && f->ccs[1] && !f->saw_cert[1];
    r->established = l7_tls_version_is_13 (f->sh->version) ? (f->appdata[0] && f->appdata[1])
                                                           : (f->ccs[0] && f->ccs[1]);
  }
  r->ssl_history = g_strndup (f->history, f->history_len);
  /* as Zeek: only with an SNI and a server certificate */
  if (r->server_name && f->leaf) {
    gsize n;
    const guint8 *der = g_bytes_get_data (f->leaf, &n);
    r->sni_matches_cert = l7_x509_cert_matches_host (der, n, r->server_name);
    r->sni_matches_cert_set = TRUE;
  }
  r->cert_chain_fps = steal_strv (g_steal_pointer (&f->fps[1]));
  r->client_cert_chain_fps = steal_strv (g_steal_pointer (&f->fps[0]));
  pkt_l7_parser_emit (parser, &r->rec);
}

static void
tls_clear_flow (PktL7Parser *parser, gpointer state)
{
  TlsFlow *f = state;
  pkt_l7_stream_clear (&f->stream[0]);
  pkt_l7_stream_clear (&f->stream[1]);
  for (guint d = 0; d < 2; d++) {
    if (f->hs[d])
      g_byte_array_unref (f->hs[d]);
    if (f->fps[d])
      g_ptr_array_unref (f->fps[d]);
  }
  g_free (f->ch);
  g_free (f->sh);
  g_clear_pointer (&f->leaf, g_bytes_unref);
}

static void
pkt_tls_parse_get_property (GObject *o, guint id, GValue *v, GParamSpec *ps)
{
  PktTlsParse *self = PKT_TLS_PARSE (o);
  switch (id) {
    case PROP_CLIENT_HELLOS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->client_hellos));
      break;
    case PROP_SERVER_HELLOS:
      g_value_set_uint64 (v, PKT_STAT_GET (self->server_hellos));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (o, id, ps);
  }
}

static void
pkt_tls_parse_class_init (PktTlsParseClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktL7ParserClass *lclass = PKT_L7_PARSER_CLASS (klass);
  oclass->get_property = pkt_tls_parse_get_property;
  lclass->flow_state_size = sizeof (TlsFlow);
  lclass->accept = tls_accept;
  lclass->handle = tls_handle;
  lclass->flush_flow = tls_flush_flow;
  lclass->clear_flow = tls_clear_flow;
  props[PROP_CLIENT_HELLOS]
      = g_param_spec_uint64 ("client-hellos", "ClientHellos", "ClientHellos parsed", 0, G_MAXUINT64,
                             0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  props[PROP_SERVER_HELLOS]
      = g_param_spec_uint64 ("server-hellos", "ServerHellos", "ServerHellos parsed", 0, G_MAXUINT64,
                             0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  g_object_class_install_properties (oclass, N_PROPS, props);
  pkt_element_class_set_metadata (
      PKT_ELEMENT_CLASS (klass), "TLS parser", "Filter/Analyzer",
      "Parses TLS handshakes into ssl.log records with JA3, JA3S and JA4 (records pad)", "pktpipe");
}

static void
pkt_tls_parse_init (PktTlsParse *self)
{
}
