/* pktpipe fuzz target — the pipeline-description parser.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Feeds arbitrary bytes (as a NUL-terminated description) to
 * pkt_parse_launch_full() with a few variables defined, and to the value
 * helpers. Whatever the input, the parser must return a pipeline or a
 * PKT_PARSE_ERROR with a sane position, and never crash or leak. */

#include <pktpipe/pktpipe.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static PktParseContext *
fuzz_context (void)
{
  static PktParseContext *ctx;

  if (ctx == NULL) {
    pkt_init (NULL, NULL);
    g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
    ctx = pkt_parse_context_new ();
    pkt_parse_context_set_variable (ctx, "n", "10");
    pkt_parse_context_set_variable (ctx, "src", "testsrc num-packets=1");
    pkt_parse_context_set_variable (ctx, "q", "\"unbalanced");
    pkt_parse_context_set_variable (ctx, "empty", "");
  }
  return ctx;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  PktParseContext *ctx = fuzz_context ();
  char *text = g_strndup ((const char *)data, size); /* stops at an embedded NUL */
  GError *error = NULL;
  PktElement *pipeline;
  guint64 u;
  gint64 ns;

  pipeline = pkt_parse_launch_full (text, ctx, &error);
  if (pipeline != NULL) {
    g_assert_null (error);
    g_object_unref (g_object_ref_sink (pipeline)); /* returned floating */
  } else {
    gssize off = pkt_parse_context_get_error_offset (ctx);
    g_assert_nonnull (error);
    g_assert_true (error->domain == PKT_PARSE_ERROR);
    g_assert_true (off >= 0 && (gsize)off <= strlen (text));
    g_assert_true ((gsize)off + pkt_parse_context_get_error_length (ctx) <= strlen (text));
    g_error_free (error);
  }
  (void)pkt_parse_size (text, &u);
  (void)pkt_parse_duration (text, &ns);
  g_free (text);
  return 0;
}
