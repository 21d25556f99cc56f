/* pktpipe l7 — HTTP/1.x message parsing over a byte stream (pure, fuzzable).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define L7_HTTP_HEAD_MAX (64 * 1024) /* a header block larger than this is malformed */

/* The parts of a message head http.log reports. Strings are owned (g_free). */
typedef struct {
  gboolean is_response;
  char method[24];
  char version[8]; /* "1.1", "1.0", "0.9" */
  char *uri;       /* percent-decoded as Zeek's unescaped_URI */
  char *host, *user_agent, *referrer, *origin, *username;
  GPtrArray *proxied; /* "NAME -> value" of proxy headers, or NULL */
  guint status_code;
  char *status_msg;
  gint64 content_length; /* -1: none */
  gboolean chunked, conn_close, upgrade;
  int encoding; /* Content-Encoding: 0 none, 1 gzip, 2 deflate */
} L7HttpHead;

typedef enum {
  L7_HTTP_ST_HEAD,
  L7_HTTP_ST_BODY_LENGTH,
  L7_HTTP_ST_CHUNK_SIZE,
  L7_HTTP_ST_CHUNK_DATA,
  L7_HTTP_ST_CHUNK_CRLF,
  L7_HTTP_ST_TRAILER,
  L7_HTTP_ST_BODY_EOF, /* until the connection closes */
  L7_HTTP_ST_ERROR,
} L7HttpState;

typedef enum {
  L7_HTTP_EV_NONE,  /* every byte given was used or more are needed */
  L7_HTTP_EV_HEAD,  /* a head was parsed: inspect it, then l7_http_parser_start_body() */
  L7_HTTP_EV_END,   /* the message (head and body) is complete */
  L7_HTTP_EV_ERROR, /* not HTTP or out of sync: the direction is given up */
} L7HttpEvent;

typedef enum {
  L7_HTTP_BODY_NONE,
  L7_HTTP_BODY_AUTO, /* from the head: chunked, Content-Length, else none (request) or EOF
                        (response) */
  L7_HTTP_BODY_EOF,
} L7HttpBodyMode;

/* One direction's parser. */
typedef struct {
  gboolean is_response;
  L7HttpState state;
  L7HttpHead head;
  guint64 remaining; /* of a Content-Length body or a chunk */
  guint64 body_len;  /* body bytes so far: de-chunked and, as Zeek counts them,
                      * decompressed (gzip, deflate) */
  gpointer z;        /* inflate state while a compressed body is read */
  gboolean z_failed; /* as Zeek: bytes after a decompression error are not counted */
} L7HttpParser;

void l7_http_parser_init (L7HttpParser *p, gboolean is_response);
void l7_http_parser_clear (L7HttpParser *p);

/* Parses from @data; returns how many bytes were used and sets @ev. Call
 * again with the rest while the event is not NONE (or an error). After a
 * HEAD event the caller must call l7_http_parser_start_body(). */
gsize l7_http_parser_feed (L7HttpParser *p, const guint8 *data, gsize len, L7HttpEvent *ev);

/* Chooses how the body after the last head is delimited. A response to HEAD,
 * 1xx, 204 and 304 have none (the caller knows the request). Returns TRUE
 * if the message is complete already (no body). */
gboolean l7_http_parser_start_body (L7HttpParser *p, L7HttpBodyMode mode);

/* The connection closed: a body delimited by EOF is complete. Returns TRUE
 * if a message was in progress (its head parsed). */
gboolean l7_http_parser_finish (L7HttpParser *p);

/* Moves the parsed head out (the parser's copy is reset). */
void l7_http_head_move (L7HttpHead *dst, L7HttpHead *src);
void l7_http_head_clear (L7HttpHead *h);

/* TRUE if @data starts like a request line ("GET / HTTP/1.1", or "GET /"
 * for HTTP/0.9); *need_more is set when the line is not complete yet. */
gboolean l7_http_looks_like_request (const guint8 *data, gsize len, gboolean *need_more);

G_END_DECLS
