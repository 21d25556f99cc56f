/* pktpipe l7 — HTTP/1.x message parsing over a byte stream (pure, fuzzable).
 *
 * One parser per direction. Heads are parsed once complete (the caller keeps
 * the bytes until then); bodies are consumed as they come and only counted,
 * never buffered. Lenient where real traffic is (bare LF line ends, blank
 * lines between messages, chunk extensions), strict where a desync would
 * otherwise turn body bytes into bogus messages.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-http.h"
#include <string.h>
#include <zlib.h>

#define LINE_MAX_CHUNK 1024

void
l7_http_head_clear (L7HttpHead *h)
{
  g_free (h->uri);
  g_free (h->host);
  g_free (h->user_agent);
  g_free (h->referrer);
  g_free (h->origin);
  g_free (h->username);
  g_free (h->status_msg);
  if (h->proxied)
    g_ptr_array_unref (h->proxied);
  memset (h, 0, sizeof *h);
  h->content_length = -1;
}

void
l7_http_head_move (L7HttpHead *dst, L7HttpHead *src)
{
  *dst = *src;
  memset (src, 0, sizeof *src);
  src->content_length = -1;
}

void
l7_http_parser_init (L7HttpParser *p, gboolean is_response)
{
  memset (p, 0, sizeof *p);
  p->is_response = is_response;
  p->head.content_length = -1;
}

static void
inflate_end (L7HttpParser *p)
{
  if (p->z) {
    inflateEnd (p->z);
    g_free (p->z);
    p->z = NULL;
  }
}

void
l7_http_parser_clear (L7HttpParser *p)
{
  l7_http_head_clear (&p->head);
  inflate_end (p);
}

/* Body bytes: counted as they come, or as they decompress to. */
static void
body_data (L7HttpParser *p, const guint8 *d, gsize n)
{
  if (!p->z) {
    if (!p->z_failed)
      p->body_len += n;
    return;
  }
  z_stream *z = p->z;
  guint8 out[16384];
  z->next_in = (Bytef *)d;
  z->avail_in = (uInt)n;
  while (z->avail_in > 0) {
    z->next_out = out;
    z->avail_out = sizeof out;
    int r = inflate (z, Z_NO_FLUSH);
    p->body_len += sizeof out - z->avail_out;
    if (r == Z_STREAM_END) {
      inflate_end (p); /* trailing bytes after the stream are not counted */
      p->z_failed = TRUE;
      return;
    }
    if (r != Z_OK && !(r == Z_BUF_ERROR && z->avail_out == 0)) {
      inflate_end (p);
      p->z_failed = TRUE;
      return;
    }
  }
}

static gboolean
is_token_char (guint8 c)
{
  return g_ascii_isalpha (c) || c == '-' || c == '_';
}

/* "HTTP/d.d" at @s (length @n): writes "d.d" to @out */
static gboolean
parse_version (const guint8 *s, gsize n, char *out, gsize outsz)
{
  if (n < 8 || memcmp (s, "HTTP/", 5) != 0 || !g_ascii_isdigit (s[5]) || s[6] != '.'
      || !g_ascii_isdigit (s[7]))
    return FALSE;
  g_snprintf (out, outsz, "%c.%c", s[5], s[7]);
  return TRUE;
}

static const guint8 *
find_byte (const guint8 *d, gsize n, guint8 c)
{
  return memchr (d, c, n);
}

/* line [s, s+n) without its CR */
static gsize
line_len (const guint8 *s, gsize n)
{
  return n > 0 && s[n - 1] == '\r' ? n - 1 : n;
}

gboolean
l7_http_looks_like_request (const guint8 *data, gsize len, gboolean *need_more)
{
  *need_more = FALSE;
  gsize i = 0;
  while (i < len && i < 20 && is_token_char (data[i]) && g_ascii_isupper (data[i]))
    i++;
  if (i == len && i < 20) {
    *need_more = TRUE;
    return FALSE;
  }
  if (i == 0 || i >= 20 || data[i] != ' ')
    return FALSE;
  const guint8 *nl = find_byte (data, MIN (len, 8192), '\n');
  if (!nl) {
    *need_more = len < 8192;
    return FALSE;
  }
  gsize ll = line_len (data, nl - data);
  /* METHOD SP URI [SP HTTP/x.y] */
  const guint8 *uri = data + i + 1;
  const guint8 *end = data + ll;
  if (uri >= end || *uri == ' ')
    return FALSE;
  const guint8 *sp = memchr (uri, ' ', end - uri);
  if (!sp) /* HTTP/0.9: only a simple GET exists */
    return i == 3 && memcmp (data, "GET", 3) == 0;
  char v[8];
  /* the version is the last word (URIs with spaces exist in the wild) */
  const guint8 *last = end;
  while (last > sp && last[-1] != ' ')
    last--;
  return parse_version (last, end - last, v, sizeof v);
}

static char *
dup_trimmed (const guint8 *s, gsize n)
{
  while (n && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  return g_strndup ((const char *)s, n);
}

/* Zeek's unescaped_URI: %XX decoded, anything else kept */
static char *
unescape_uri (const guint8 *s, gsize n)
{
  GString *o = g_string_sized_new (n);
  for (gsize i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && g_ascii_isxdigit (s[i + 1]) && g_ascii_isxdigit (s[i + 2])) {
      g_string_append_c (
          o, (char)(g_ascii_xdigit_value (s[i + 1]) << 4 | g_ascii_xdigit_value (s[i + 2])));
      i += 2;
    } else {
      g_string_append_c (o, (char)s[i]);
    }
  }
  return g_string_free (o, FALSE);
}

static gboolean
parse_request_line (L7HttpHead *h, const guint8 *s, gsize n, gboolean *v09)
{
  gsize i = 0;
  while (i < n && i < sizeof h->method - 1 && is_token_char (s[i]))
    i++;
  if (i == 0 || i >= n || s[i] != ' ')
    return FALSE;
  memcpy (h->method, s, i);
  h->method[i] = 0;
  const guint8 *uri = s + i + 1, *end = s + n;
  while (uri < end && *uri == ' ')
    uri++;
  const guint8 *last = end;
  while (last > uri && last[-1] != ' ')
    last--;
  if (last > uri && parse_version (last, end - last, h->version, sizeof h->version)) {
    const guint8 *ue = last;
    while (ue > uri && ue[-1] == ' ')
      ue--;
    h->uri = unescape_uri (uri, ue - uri);
    *v09 = FALSE;
  } else {
    if (uri >= end)
      return FALSE;
    g_strlcpy (h->version, "0.9", sizeof h->version);
    h->uri = unescape_uri (uri, end - uri);
    *v09 = TRUE;
  }
  return TRUE;
}

static gboolean
parse_status_line (L7HttpHead *h, const guint8 *s, gsize n)
{
  if (!parse_version (s, n, h->version, sizeof h->version))
    return FALSE;
  gsize i = 8;
  while (i < n && s[i] == ' ')
    i++;
  guint code = 0, digits = 0;
  while (i < n && g_ascii_isdigit (s[i]) && digits < 3) {
    code = code * 10 + (s[i] - '0');
    i++, digits++;
  }
  if (digits != 3)
    return FALSE;
  h->status_code = code;
  h->status_msg = dup_trimmed (s + i, n - i);
  return TRUE;
}

static gboolean
name_is (const guint8 *name, gsize n, const char *want)
{
  return strlen (want) == n && g_ascii_strncasecmp ((const char *)name, want, n) == 0;
}

static gboolean
contains_ci (const char *hay, const char *needle)
{
  g_autofree char *l = g_ascii_strdown (hay, -1);
  return strstr (l, needle) != NULL;
}

static void
set_str (char **dst, char *val)
{
  g_free (*dst);
  *dst = val;
}

static const char *const proxy_headers[]
    = { "FORWARDED", "X-FORWARDED-FOR",  "X-FORWARDED-FROM", "CLIENT-IP",
        "VIA",       "XROXY-CONNECTION", "PROXY-CONNECTION", NULL };

static void
on_basic_auth (L7HttpHead *h, const char *value)
{
  if (g_ascii_strncasecmp (value, "basic", 5) != 0 || (value[5] != ' ' && value[5] != '\t'))
    return;
  const char *b = value + 5;
  while (*b == ' ' || *b == '\t')
    b++;
  gsize n = 0;
  g_autofree char *copy = g_strdup (b);
  guchar *dec = g_base64_decode_inplace (copy, &n);
  const char *colon = memchr (dec, ':', n);
  if (colon)
    set_str (&h->username, g_strndup ((const char *)dec, colon - (const char *)dec));
  else
    set_str (&h->username, g_strdup_printf ("<problem-decoding> (%s)", value));
}

static void
parse_header (L7HttpHead *h, const guint8 *s, gsize n)
{
  const guint8 *colon = memchr (s, ':', n);
  if (!colon)
    return;
  gsize nl = colon - s;
  while (nl && (s[nl - 1] == ' ' || s[nl - 1] == '\t'))
    nl--;
  char *value = dup_trimmed (colon + 1, n - (colon + 1 - s));
  if (name_is (s, nl, "content-length")) {
    char *end = NULL;
    guint64 v = g_ascii_strtoull (value, &end, 10);
    if (end && end != value && *end == 0 && v < G_MAXINT64)
      h->content_length = (gint64)v;
  } else if (name_is (s, nl, "transfer-encoding")) {
    h->chunked = contains_ci (value, "chunked");
  } else if (name_is (s, nl, "content-encoding")) {
    h->encoding
        = g_ascii_strcasecmp (value, "gzip") == 0 || g_ascii_strcasecmp (value, "x-gzip") == 0 ? 1
          : g_ascii_strcasecmp (value, "deflate") == 0                                         ? 2
                                                                                               : 0;
  } else if (name_is (s, nl, "connection")) {
    h->conn_close |= contains_ci (value, "close");
    h->upgrade |= contains_ci (value, "upgrade");
  } else if (!h->is_response) {
    if (name_is (s, nl, "host")) {
      /* as Zeek: an occasional ":port" is cut off; unlike Zeek (which cuts
       * at the first colon), an IPv6 literal "[addr]:port" keeps "[addr]" */
      char *c = value[0] == '[' && strchr (value, ']') ? strchr (strchr (value, ']'), ':')
                                                       : strchr (value, ':');
      set_str (&h->host, c ? g_strndup (value, c - value) : g_strdup (value));
    } else if (name_is (s, nl, "user-agent"))
      set_str (&h->user_agent, g_strdup (value));
    else if (name_is (s, nl, "referer"))
      set_str (&h->referrer, g_strdup (value));
    else if (name_is (s, nl, "origin"))
      set_str (&h->origin, g_strdup (value));
    else if (name_is (s, nl, "authorization"))
      on_basic_auth (h, value);
    else {
      for (guint i = 0; proxy_headers[i]; i++) {
        if (name_is (s, nl, proxy_headers[i])) {
          if (!h->proxied)
            h->proxied = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (h->proxied, g_strdup_printf ("%s -> %s", proxy_headers[i], value));
        }
      }
    }
  }
  g_free (value);
}

/* End of the header block starting at @d: offset just past the empty line, or 0 */
static gsize
find_head_end (const guint8 *d, gsize len)
{
  gsize off = 0;
  while (off < len) {
    const guint8 *nl = find_byte (d + off, len - off, '\n');
    if (!nl)
      return 0;
    gsize ll = line_len (d + off, nl - (d + off));
    off = nl - d + 1;
    if (ll == 0)
      return off;
  }
  return 0;
}

static gsize
feed_head (L7HttpParser *p, const guint8 *data, gsize len, L7HttpEvent *ev)
{
  gsize skip = 0;
  while (skip < len && (data[skip] == '\r' || data[skip] == '\n'))
    skip++; /* blank lines between messages */
  const guint8 *d = data + skip;
  gsize n = len - skip;
  const guint8 *nl = find_byte (d, MIN (n, L7_HTTP_HEAD_MAX), '\n');
  if (!nl) {
    if (n >= L7_HTTP_HEAD_MAX)
      goto error;
    *ev = L7_HTTP_EV_NONE;
    return skip;
  }
  gsize first = line_len (d, nl - d);
  gboolean v09 = FALSE;
  l7_http_head_clear (&p->head);
  p->head.is_response = p->is_response;
  if (p->is_response ? !parse_status_line (&p->head, d, first)
                     : !parse_request_line (&p->head, d, first, &v09))
    goto error;
  gsize end = nl - d + 1;
  if (!v09) {
    gsize rest = find_head_end (d + end, MIN (n, L7_HTTP_HEAD_MAX) - end);
    if (rest == 0) {
      if (n >= L7_HTTP_HEAD_MAX)
        goto error;
      l7_http_head_clear (&p->head);
      *ev = L7_HTTP_EV_NONE;
      return skip;
    }
    gsize off = end;
    end += rest;
    while (off < end) {
      const guint8 *e = find_byte (d + off, end - off, '\n');
      gsize ll = line_len (d + off, e - (d + off));
      if (ll)
        parse_header (&p->head, d + off, ll);
      off = e - d + 1;
    }
  }
  p->body_len = 0;
  *ev = L7_HTTP_EV_HEAD;
  return skip + end;
error:
  p->state = L7_HTTP_ST_ERROR;
  *ev = L7_HTTP_EV_ERROR;
  return len;
}

gboolean
l7_http_parser_start_body (L7HttpParser *p, L7HttpBodyMode mode)
{
  L7HttpHead *h = &p->head;
  p->body_len = 0;
  p->remaining = 0;
  inflate_end (p);
  p->z_failed = FALSE;
  if (mode != L7_HTTP_BODY_NONE && h->encoding) {
    /* gzip: 16 + MAX_WBITS; deflate: zlib header or raw (auto-detected) */
    z_stream *z = g_new0 (z_stream, 1);
    if (inflateInit2 (z, h->encoding == 1 ? 16 + MAX_WBITS : 32 + MAX_WBITS) == Z_OK)
      p->z = z;
    else
      g_free (z);
  }
  if (mode == L7_HTTP_BODY_AUTO) {
    if (h->chunked)
      p->state = L7_HTTP_ST_CHUNK_SIZE;
    else if (h->content_length > 0) {
      p->state = L7_HTTP_ST_BODY_LENGTH;
      p->remaining = (guint64)h->content_length;
    } else if (h->content_length == 0 || !p->is_response)
      p->state = L7_HTTP_ST_HEAD;
    else
      p->state = L7_HTTP_ST_BODY_EOF;
  } else {
    p->state = mode == L7_HTTP_BODY_EOF ? L7_HTTP_ST_BODY_EOF : L7_HTTP_ST_HEAD;
  }
  return p->state == L7_HTTP_ST_HEAD;
}

gboolean
l7_http_parser_finish (L7HttpParser *p)
{
  gboolean in_body = p->state != L7_HTTP_ST_HEAD && p->state != L7_HTTP_ST_ERROR;
  inflate_end (p);
  p->state = L7_HTTP_ST_HEAD;
  return in_body;
}

static void
message_end (L7HttpParser *p, L7HttpEvent *ev)
{
  inflate_end (p);
  p->state = L7_HTTP_ST_HEAD;
  *ev = L7_HTTP_EV_END;
}

static gsize
take (L7HttpParser *p, const guint8 *d, gsize len, L7HttpState next, L7HttpEvent *ev)
{
  gsize n = (gsize)MIN ((guint64)len, p->remaining);
  p->remaining -= n;
  body_data (p, d, n);
  if (p->remaining == 0) {
    p->state = next;
    if (next == L7_HTTP_ST_HEAD)
      message_end (p, ev);
  }
  return n;
}

static gsize
feed_chunk_size (L7HttpParser *p, const guint8 *d, gsize len, L7HttpEvent *ev)
{
  const guint8 *nl = find_byte (d, MIN (len, LINE_MAX_CHUNK), '\n');
  if (!nl) {
    if (len >= LINE_MAX_CHUNK)
      goto error;
    return 0;
  }
  gsize i = 0, ll = line_len (d, nl - d);
  while (i < ll && (d[i] == ' ' || d[i] == '\t'))
    i++;
  guint64 size = 0;
  guint digits = 0;
  for (; i < ll && g_ascii_isxdigit (d[i]); i++, digits++) {
    if (size >> 58)
      goto error; /* absurd */
    size = size << 4 | (guint64)g_ascii_xdigit_value (d[i]);
  }
  if (digits == 0)
    goto error;
  p->remaining = size;
  p->state = size ? L7_HTTP_ST_CHUNK_DATA : L7_HTTP_ST_TRAILER;
  return nl - d + 1;
error:
  p->state = L7_HTTP_ST_ERROR;
  *ev = L7_HTTP_EV_ERROR;
  return len;
}

static gsize
feed_trailer (L7HttpParser *p, const guint8 *d, gsize len, L7HttpEvent *ev)
{
  const guint8 *nl = find_byte (d, MIN (len, L7_HTTP_HEAD_MAX), '\n');
  if (!nl) {
    if (len >= L7_HTTP_HEAD_MAX) {
      p->state = L7_HTTP_ST_ERROR;
      *ev = L7_HTTP_EV_ERROR;
      return len;
    }
    return 0;
  }
  if (line_len (d, nl - d) == 0)
    message_end (p, ev);
  return nl - d + 1;
}

gsize
l7_http_parser_feed (L7HttpParser *p, const guint8 *data, gsize len, L7HttpEvent *ev)
{
  gsize used = 0;
  *ev = L7_HTTP_EV_NONE;
  while (used < len && *ev == L7_HTTP_EV_NONE) {
    const guint8 *d = data + used;
    gsize n = len - used, k = 0;
    L7HttpState before = p->state;
    switch (p->state) {
      case L7_HTTP_ST_HEAD:
        return used + feed_head (p, d, n, ev);
      case L7_HTTP_ST_BODY_LENGTH:
        k = take (p, d, n, L7_HTTP_ST_HEAD, ev);
        break;
      case L7_HTTP_ST_CHUNK_SIZE:
        k = feed_chunk_size (p, d, n, ev);
        break;
      case L7_HTTP_ST_CHUNK_DATA:
        k = take (p, d, n, L7_HTTP_ST_CHUNK_CRLF, ev);
        break;
      case L7_HTTP_ST_CHUNK_CRLF:
        if (d[0] == '\r' && n < 2)
          return used;
        k = d[0] == '\r' ? (d[1] == '\n' ? 2 : 1) : d[0] == '\n' ? 1 : 0;
        p->state = L7_HTTP_ST_CHUNK_SIZE; /* tolerate a missing CRLF */
        break;
      case L7_HTTP_ST_TRAILER:
        k = feed_trailer (p, d, n, ev);
        break;
      case L7_HTTP_ST_BODY_EOF:
        body_data (p, d, n);
        k = n;
        break;
      case L7_HTTP_ST_ERROR:
        *ev = L7_HTTP_EV_ERROR;
        return len;
    }
    if (k == 0 && *ev == L7_HTTP_EV_NONE && p->state == before)
      return used; /* need more bytes */
    used += k;
  }
  return used;
}
