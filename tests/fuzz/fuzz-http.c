/* pktpipe fuzz target — the HTTP/1.x message parser (elements/l7/l7-http.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: [u8 step][u8 mode][bytes]. The bytes go through a request parser and
 * a response parser, delivered step bytes at a time into a buffer that keeps
 * what the parser did not use (as PktL7Stream does), so split heads, chunk
 * lines and bodies are exercised at every boundary. mode picks the body mode
 * after a response head (auto, none, EOF) and whether the stream is finished
 * at the end. */
#include <string.h>

#include "l7-http.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
run (const guint8 *data, gsize size, gsize step, guint mode, gboolean response)
{
  L7HttpParser p;
  l7_http_parser_init (&p, response);
  GByteArray *buf = g_byte_array_new ();
  for (gsize off = 0; off < size; off += step) {
    g_byte_array_append (buf, data + off, MIN (step, size - off));
    for (guint guard = 0; guard < 100000 && buf->len; guard++) {
      L7HttpEvent ev;
      gsize used = l7_http_parser_feed (&p, buf->data, buf->len, &ev);
      g_assert (used <= buf->len);
      g_byte_array_remove_range (buf, 0, used);
      if (ev == L7_HTTP_EV_HEAD) {
        /* read every string the record would */
        gsize n = strlen (p.head.method) + strlen (p.head.version);
        for (char **s = &p.head.uri; s <= &p.head.username; s++)
          n += *s ? strlen (*s) : 0;
        n += p.head.status_msg ? strlen (p.head.status_msg) : 0;
        (void)n;
        L7HttpBodyMode m = (L7HttpBodyMode)(mode % 3);
        l7_http_parser_start_body (&p, m);
      } else if (ev == L7_HTTP_EV_ERROR) {
        goto out;
      } else if (ev == L7_HTTP_EV_NONE) {
        break;
      }
    }
  }
out:
  if (mode & 4)
    l7_http_parser_finish (&p);
  l7_http_parser_clear (&p);
  g_byte_array_unref (buf);
  gboolean more;
  l7_http_looks_like_request (data, size, &more);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size < 2)
    return 0;
  gsize step = data[0] ? data[0] : 4096;
  guint mode = data[1];
  run (data + 2, size - 2, step, mode, FALSE);
  run (data + 2, size - 2, step, mode, TRUE);
  return 0;
}
