/* Tests of pkt-launch and pkt-inspect: the real binaries of the build tree,
 * run as child processes (exit codes, what they print, what they write).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "pkt-test-util.h"

#define TOOL_TIMEOUT_S 30

static char *tmpdir;

/* ---- running a tool --------------------------------------------------------- */

static char *
tool_path (const char *name)
{
  const char *root = g_getenv ("PKT_BUILD_ROOT");
  g_assert_nonnull (root);
  return g_build_filename (root, "tools", name, NULL);
}

typedef struct {
  int status; /* exit status, or 128+signal */
  char *out;
  char *err;
} ToolResult;

static void
tool_result_clear (ToolResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ToolResult, tool_result_clear)

static int
subprocess_status (GSubprocess *p)
{
  if (g_subprocess_get_if_exited (p))
    return g_subprocess_get_exit_status (p);
  return 128 + g_subprocess_get_term_sig (p);
}

static GSubprocess *
tool_spawn_v (GSubprocessLauncher *launcher, const char *tool, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) own = NULL;
  GSubprocess *p;

  g_ptr_array_add (argv, tool_path (tool));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  if (!launcher)
    launcher = own = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  p = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  return p;
}

static gboolean
on_tool_timeout (gpointer data)
{
  g_subprocess_force_exit (data);
  g_test_fail_printf ("tool did not finish within %d s; killed", TOOL_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer data)
{
  gpointer *slots = data;
  g_autoptr (GError) error = NULL;
  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, (char **)&slots[0],
                                        (char **)&slots[1], &error);
  g_assert_no_error (error);
  slots[2] = GINT_TO_POINTER (1);
}

/* Reads everything @p writes and waits for it, with a time limit. */
static void
tool_finish (GSubprocess *p, ToolResult *r)
{
  gpointer slots[3] = { NULL, NULL, NULL };
  guint timeout = g_timeout_add_seconds (TOOL_TIMEOUT_S, on_tool_timeout, p);
  g_subprocess_communicate_utf8_async (p, NULL, NULL, on_communicated, slots);
  while (!slots[2])
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait (p, NULL, NULL);
  if (g_main_context_find_source_by_id (NULL, timeout))
    g_source_remove (timeout);
  r->out = slots[0] ? slots[0] : g_strdup ("");
  r->err = slots[1] ? slots[1] : g_strdup ("");
  r->status = subprocess_status (p);
  /* the log keeps the start of stdout: the whole reference is 1,700 lines */
  g_test_message ("exit %d\n--- stdout ---\n%.4000s%s--- stderr ---\n%s", r->status, r->out,
                  strlen (r->out) > 4000 ? "\n[…]\n" : "", r->err);
}

/* argv[0] is the tool's name, the rest its arguments */
static void
tool_run_v (ToolResult *r, const char *const *argv)
{
  g_autoptr (GSubprocess) p = tool_spawn_v (NULL, argv[0], argv + 1);
  tool_finish (p, r);
}

#define tool_run(r, ...) tool_run_v (r, (const char *const[]){ __VA_ARGS__, NULL })

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* ---- reading the --stats-json file with a real JSON parser -------------------- */

/* Python's json module validates the file independently of our writer;
 * it prints every counter as "ELEMENT\tCOUNTER\tVALUE" lines, read into a
 * table keyed "ELEMENT/COUNTER". NULL (after a skip) without python3. */
static GHashTable *
json_load (const char *file)
{
  const char *argv[] = { "python3", "-c",
                         "import json, sys\n"
                         "d = json.load(open(sys.argv[1]))\n"
                         "assert isinstance(d, dict)\n"
                         "for e, counters in d.items():\n"
                         "    assert isinstance(counters, dict)\n"
                         "    for k, v in counters.items():\n"
                         "        print('%s\\t%s\\t%s' % (e, k, v))\n",
                         file, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GHashTable *table;
  int status = -1;

  if (!pkt_test_require_program ("python3"))
    return NULL;
  out = pkt_test_spawn (argv, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_auto (GStrv) f = g_strsplit (lines[i], "\t", 3);
    if (g_strv_length (f) != 3)
      continue;
    g_hash_table_insert (table, g_strdup_printf ("%s/%s", f[0], f[1]), g_strdup (f[2]));
  }
  return table;
}

static guint64
json_uint (GHashTable *table, const char *element, const char *counter)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", element, counter);
  const char *s = g_hash_table_lookup (table, key);
  guint64 v = 0;
  g_autoptr (GError) error = NULL;
  if (!s)
    g_error ("no counter %s in the --stats-json file", key);
  g_assert_true (g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, &v, &error));
  return v;
}

static gboolean
have_element (const char *name)
{
  return pkt_element_factory_find (name) != NULL;
}

/* ---- pkt-launch: exit codes ------------------------------------------------------ */

static void
test_launch_eos (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-launch", "-q", "testsrc", "num-packets=1000", "!", "fakesink");
  g_assert_cmpint (r.status, ==, 0);
  /* -q: nothing on stderr, and stdout always belongs to the pipeline */
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpstr (r.out, ==, "");
}

static void
test_launch_verbose (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-launch", "-v", "testsrc", "name=src", "num-packets=10", "!", "fakesink");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "STATE_CHANGED src: NULL -> READY\n"));
  g_assert_nonnull (strstr (r.err, "STATE_CHANGED src: READY -> PLAYING\n"));
  g_assert_nonnull (strstr (r.err, "Got EOS"));
  g_assert_cmpstr (r.out, ==, "");
}

static void
test_launch_one_argument (void)
{
  g_auto (ToolResult) r = { 0 };
  g_autofree char *json = tmp_path ("one-arg.json");
  g_autofree char *opt = g_strdup_printf ("--stats-json=%s", json);
  g_autoptr (GHashTable) counters = NULL;
  /* the description as one quoted argument is the same as many words */
  tool_run (&r, "pkt-launch", opt, "testsrc num-packets=77 ! fakesink name=out");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (strstr (r.err, "Got EOS") != NULL);
  counters = json_load (json);
  if (!counters)
    return;
  g_assert_cmpuint (json_uint (counters, "out", "packets"), ==, 77);
}

static void
test_launch_error_at_ready (void)
{
  g_auto (ToolResult) r = { 0 };
  g_autofree char *missing = tmp_path ("does-not-exist.pcap");
  g_autofree char *loc = g_strdup_printf ("location=%s", missing);
  if (!have_element ("pcapsrc")) {
    g_test_skip ("the pcap plugin is not built");
    return;
  }
  tool_run (&r, "pkt-launch", "pcapsrc", "name=src", loc, "!", "fakesink");
  g_assert_cmpint (r.status, ==, 1);
  g_assert_true (strstr (r.err, "ERROR from element src:") != NULL);
  g_assert_true (strstr (r.err, "does-not-exist.pcap") != NULL);
}

/* An element error while streaming: bus ERROR naming the element, exit 1. */
static void
test_launch_error_streaming (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-launch", "testsrc", "num-packets=100000", "!", "identity", "name=broken",
            "error-after=1000", "!", "fakesink");
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "ERROR from element broken: "));
  g_assert_nonnull (strstr (r.err, "Additional debug info:\nerror-after reached"));
  g_assert_null (strstr (r.err, "Got EOS"));
}

static void
test_launch_bad_description (void)
{
  g_auto (ToolResult) r = { 0 };
  g_auto (GStrv) lines = NULL;
  const char *desc = "testsrc ! nosuchelement ! fakesink";
  gboolean caret_found = FALSE;

  tool_run (&r, "pkt-launch", desc);
  g_assert_cmpint (r.status, ==, 2);
  /* the parser's message: the description, then a caret under the bad token */
  lines = g_strsplit (r.err, "\n", -1);
  for (guint i = 1; lines[i]; i++) {
    const char *caret = strchr (lines[i], '^');
    const char *quoted = strstr (lines[i - 1], desc);
    if (!caret || !quoted)
      continue;
    g_assert_cmpint (caret - lines[i], ==, (quoted - lines[i - 1]) + strlen ("testsrc ! "));
    caret_found = TRUE;
  }
  g_assert_true (caret_found);
  g_assert_true (strstr (r.err, "nosuchelement") != NULL);
}

static void
test_launch_bad_value (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-launch", "testsrc", "num-packets=lots", "!", "fakesink");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_true (strstr (r.err, "num-packets") != NULL);
  g_assert_true (strstr (r.err, "^") != NULL);
}

static void
test_launch_bad_options (void)
{
  g_auto (ToolResult) r1 = { 0 };
  g_auto (ToolResult) r2 = { 0 };
  g_auto (ToolResult) r3 = { 0 };
  tool_run (&r1, "pkt-launch", "-D", "novalue", "testsrc", "!", "fakesink");
  g_assert_cmpint (r1.status, ==, 2);
  g_assert_true (strstr (r1.err, "NAME=VALUE") != NULL);
  tool_run (&r2, "pkt-launch", "--duration=soon", "testsrc", "!", "fakesink");
  g_assert_cmpint (r2.status, ==, 2);
  g_assert_true (strstr (r2.err, "soon") != NULL);
  tool_run (&r3, "pkt-launch");
  g_assert_cmpint (r3.status, ==, 2);
}

/* ---- pkt-launch: -f, -D, --stats ---------------------------------------------------- */

static char *
write_pipeline_file (const char *name, const char *text)
{
  char *path = tmp_path (name);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_launch_file_variables (void)
{
  g_autofree char *file
      = write_pipeline_file ("vars.pipeline", "# a pipeline file with comments and variables\n"
                                              "testsrc num-packets=${count}   # how many\n"
                                              "  ! identity\n"
                                              "  # a comment line between links\n"
                                              "  ! fakesink name=${sink}\n");
  g_autofree char *json = tmp_path ("vars.json");
  g_autofree char *opt = g_strdup_printf ("--stats-json=%s", json);
  g_auto (ToolResult) r = { 0 };
  g_auto (ToolResult) missing = { 0 };
  g_autoptr (GHashTable) counters = NULL;

  tool_run (&r, "pkt-launch", "-q", "-f", file, "-D", "count=500", "-D", "sink=out", opt);
  g_assert_cmpint (r.status, ==, 0);
  counters = json_load (json);
  if (!counters)
    return;
  g_assert_cmpuint (json_uint (counters, "out", "packets"), ==, 500);

  /* an undefined variable is a bad description, reported at its line */
  tool_run (&missing, "pkt-launch", "-q", "-f", file, "-D", "count=500");
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_true (strstr (missing.err, "sink") != NULL);
  g_assert_true (strstr (missing.err, "vars.pipeline:5:") != NULL);
}

static void
test_launch_stats_json (void)
{
  g_autofree char *json = tmp_path ("stats.json");
  g_autofree char *opt = g_strdup_printf ("--stats-json=%s", json);
  g_auto (ToolResult) r = { 0 };
  g_autoptr (GHashTable) counters = NULL;

  tool_run (&r, "pkt-launch", "-q", opt, "testsrc", "name=src", "num-packets=1000", "!", "queue",
            "name=q", "!", "fakesink", "name=out");
  g_assert_cmpint (r.status, ==, 0);
  counters = json_load (json);
  if (!counters)
    return;
  g_assert_cmpuint (json_uint (counters, "out", "packets"), ==, 1000);
  g_assert_cmpuint (json_uint (counters, "src", "packets"), ==, 1000);
  g_assert_cmpuint (json_uint (counters, "q", "packets"), ==, 1000);
  /* bytes agree end to end too: nothing was lost in the queue */
  g_assert_cmpuint (json_uint (counters, "out", "bytes"), ==, json_uint (counters, "src", "bytes"));
  g_assert_cmpuint (json_uint (counters, "out", "bytes"), >=, 1000 * 60);
}

/* Names with quotes and backslashes still give valid JSON. */
static void
test_launch_stats_json_escaping (void)
{
  g_autofree char *json = tmp_path ("escaping.json");
  g_autofree char *opt = g_strdup_printf ("--stats-json=%s", json);
  g_auto (ToolResult) r = { 0 };
  g_autoptr (GHashTable) counters = NULL;

  tool_run (&r, "pkt-launch", "-q", opt,
            "testsrc num-packets=5 ! fakesink name=\"we\\\"ird\\\\x\"");
  g_assert_cmpint (r.status, ==, 0);
  counters = json_load (json);
  if (!counters)
    return;
  g_assert_cmpuint (json_uint (counters, "we\"ird\\x", "packets"), ==, 5);
}

static void
test_launch_stats_text (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-launch", "--stats=100ms", "--duration=600ms", "testsrc", "name=src",
            "is-live=true", "rate=2000", "!", "queue", "name=q", "!", "fakesink", "name=out");
  g_assert_cmpint (r.status, ==, 0);
  /* periodic lines: the source's rates and the queue's fill */
  g_assert_true (strstr (r.err, "src: ") != NULL);
  g_assert_true (strstr (r.err, "pps") != NULL);
  g_assert_true (strstr (r.err, "bit/s") != NULL);
  g_assert_true (strstr (r.err, "q: fill") != NULL);
  /* the final summary lists every element's counters */
  g_assert_true (strstr (r.err, "Counters after") != NULL);
  g_assert_true (strstr (r.err, "  out (") != NULL);
  g_assert_true (strstr (r.err, "  src (") != NULL);
}

static void
test_launch_duration (void)
{
  g_auto (ToolResult) r = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  gint64 elapsed;
  /* a live source never ends by itself: only --duration stops it */
  tool_run (&r, "pkt-launch", "--duration=400ms", "testsrc", "is-live=true", "rate=1000", "!",
            "fakesink");
  elapsed = g_get_monotonic_time () - t0;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (strstr (r.err, "Duration reached") != NULL);
  g_assert_cmpint (elapsed, >=, 400 * 1000);
  g_assert_cmpint (elapsed, <, 10 * G_USEC_PER_SEC);
}

/* ---- pkt-launch: signals ------------------------------------------------------------- */

/* Reads the child's stderr until a line contains @needle (or it ends). */
static gboolean
wait_for_line (GDataInputStream *in, const char *needle, GString *seen)
{
  for (;;) {
    g_autoptr (GError) error = NULL;
    g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
    if (!line)
      return FALSE;
    g_string_append_printf (seen, "%s\n", line);
    if (strstr (line, needle))
      return TRUE;
  }
}

static void
read_rest (GDataInputStream *in, GString *seen)
{
  for (;;) {
    g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
    if (!line)
      return;
    g_string_append_printf (seen, "%s\n", line);
  }
}

/* Counts the records of a classic pcap file (what a reader finds in it). */
static guint64
pcap_count_records (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0, off = 24;
  guint64 n = 0;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, >=, 24);
  guint32 magic;
  memcpy (&magic, data, 4);
  gboolean swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  g_assert_true (swap || magic == 0xa1b2c3d4 || magic == 0xa1b23c4d);
  while (off + 16 <= len) {
    guint32 incl;
    memcpy (&incl, data + off + 8, 4);
    if (swap)
      incl = GUINT32_SWAP_LE_BE (incl);
    g_assert_cmpuint (off + 16 + incl, <=, len); /* no truncated record: flushed */
    off += 16 + incl;
    n++;
  }
  g_assert_cmpuint (off, ==, len);
  return n;
}

static void
test_launch_sigint_flushes (void)
{
  g_autofree char *json = tmp_path ("sigint.json");
  g_autofree char *pcap = tmp_path ("sigint.pcap");
  g_autofree char *opt = g_strdup_printf ("--stats-json=%s", json);
  g_autofree char *loc = g_strdup_printf ("location=%s", pcap);
  gboolean use_pcap = have_element ("pcapsink");
  const char *args_pcap[] = { opt,     "testsrc", "name=src", "is-live=true", "rate=5000", "!",
                              "queue", "!",       "pcapsink", "name=out",     loc,         NULL };
  const char *args_fake[] = { opt,     "testsrc", "name=src", "is-live=true", "rate=5000", "!",
                              "queue", "!",       "fakesink", "name=out",     NULL };
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) p
      = tool_spawn_v (launcher, "pkt-launch", use_pcap ? args_pcap : args_fake);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stderr_pipe (p));
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GHashTable) counters = NULL;

  if (!use_pcap)
    g_test_message ("no pcapsink: checking the flush with fakesink counters only");
  g_assert_true (wait_for_line (in, "PLAYING", seen));
  g_usleep (300 * 1000);
  g_subprocess_send_signal (p, SIGINT);
  read_rest (in, seen);
  g_subprocess_wait (p, NULL, NULL);
  g_test_message ("%s", seen->str);

  g_assert_cmpint (subprocess_status (p), ==, 0);
  g_assert_true (strstr (seen->str, "sending EOS") != NULL);
  g_assert_true (strstr (seen->str, "Got EOS") != NULL);
  /* everything the source produced went through the queue into the sink */
  counters = json_load (json);
  if (!counters)
    return;
  guint64 produced = json_uint (counters, "src", "packets");
  guint64 written = json_uint (counters, "out", "packets");
  g_assert_cmpuint (produced, >, 0);
  g_assert_cmpuint (written, ==, produced);
  if (use_pcap)
    g_assert_cmpuint (pcap_count_records (pcap), ==, written);
}

static void
test_launch_sigint_twice_aborts (void)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* A full queue in front of a sink that takes 20 ms per batch: draining it
   * at EOS takes far longer than the test waits, so the second interrupt
   * lands while the first one's EOS is still on its way. */
  const char *args[]
      = { "testsrc", "is-live=true", "rate=0",         "!", "queue",    "max-size-batches=1000",
          "!",       "identity",     "sleep-us=20000", "!", "fakesink", NULL };
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  gint64 t0;

  p = tool_spawn_v (launcher, "pkt-launch", args);
  in = g_data_input_stream_new (g_subprocess_get_stderr_pipe (p));
  g_assert_true (wait_for_line (in, "PLAYING", seen));
  g_usleep (500 * 1000); /* let the queue fill */
  g_subprocess_send_signal (p, SIGINT);
  g_assert_true (wait_for_line (in, "sending EOS", seen));
  t0 = g_get_monotonic_time ();
  g_subprocess_send_signal (p, SIGINT);
  read_rest (in, seen);
  g_subprocess_wait (p, NULL, NULL);
  g_test_message ("%s", seen->str);

  g_assert_cmpint (subprocess_status (p), ==, 1);
  g_assert_true (strstr (seen->str, "aborting") != NULL);
  g_assert_null (strstr (seen->str, "Got EOS"));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
}

/* ---- pkt-launch --user ---------------------------------------------------------------- */

static guint
proc_uid (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int)pid);
  g_autofree char *text = NULL;
  const char *uid;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return G_MAXUINT;
  uid = strstr (text, "\nUid:");
  if (!uid)
    return G_MAXUINT;
  return (guint)g_ascii_strtoull (uid + 5 + strspn (uid + 5, " \t"), NULL, 10);
}

static void
test_launch_user (void)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  const char *args[] = {
    "--user=nobody", "--duration=3s", "testsrc", "is-live=true", "rate=100", "!", "fakesink", NULL
  };
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  const char *id;
  GPid pid;
  g_auto (ToolResult) bad = { 0 };
  struct passwd *pw;
  guint nobody;

  if (!pkt_test_require_root ())
    return;
  pw = getpwnam ("nobody");
  if (!pw) {
    g_test_skip ("no user \"nobody\"");
    return;
  }
  nobody = pw->pw_uid;
  p = tool_spawn_v (launcher, "pkt-launch", args);
  in = g_data_input_stream_new (g_subprocess_get_stderr_pipe (p));
  id = g_subprocess_get_identifier (p);
  pid = (GPid)g_ascii_strtoll (id, NULL, 10);
  g_assert_true (wait_for_line (in, "PLAYING", seen));
  /* every uid (real, effective, saved) is nobody's now */
  {
    g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_autofree char *uids
        = g_strdup_printf ("\nUid:\t%u\t%u\t%u\t%u\n", nobody, nobody, nobody, nobody);
    g_assert_cmpuint (proc_uid (pid), ==, nobody);
    g_assert_nonnull (strstr (text, uids));
    g_assert_nonnull (strstr (text, "\nCapEff:\t0000000000000000"));
  }
  g_subprocess_send_signal (p, SIGINT);
  read_rest (in, seen);
  g_subprocess_wait (p, NULL, NULL);
  g_assert_cmpint (subprocess_status (p), ==, 0);

  tool_run (&bad, "pkt-launch", "--user=no-such-user-here", "testsrc", "num-packets=1", "!",
            "fakesink");
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_true (strstr (bad.err, "no-such-user-here") != NULL);
}

/* ---- pkt-inspect -------------------------------------------------------------------------- */

static void
test_inspect_list (void)
{
  g_auto (ToolResult) r = { 0 };
  g_auto (GStrv) lines = NULL;
  int desc_col = -1;
  tool_run (&r, "pkt-inspect");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "core:\n") || strstr (r.out, "\ncore:\n"));
  /* one line per element; descriptions start in one column */
  lines = g_strsplit (r.out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *names[] = { "testsrc", "fakesink", "queue", "tee" };
    for (guint j = 0; j < G_N_ELEMENTS (names); j++) {
      PktElementFactory *f = pkt_element_factory_find (names[j]);
      g_autofree char *prefix = g_strdup_printf ("  %s ", names[j]);
      const char *d;
      if (!g_str_has_prefix (lines[i], prefix))
        continue;
      g_assert_nonnull (f);
      g_assert_nonnull (strstr (lines[i], pkt_element_factory_get_classification (f)));
      d = strstr (lines[i], pkt_element_factory_get_description (f));
      g_assert_nonnull (d);
      if (desc_col < 0)
        desc_col = d - lines[i];
      g_assert_cmpint (d - lines[i], ==, desc_col);
    }
  }
  g_assert_cmpint (desc_col, >, 0);
  g_assert_nonnull (strstr (r.out, " elements in "));
}

static void
test_inspect_describe (void)
{
  g_auto (ToolResult) r = { 0 };
  g_auto (ToolResult) q = { 0 };
  tool_run (&r, "pkt-inspect", "fakesink");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Classification"));
  g_assert_nonnull (strstr (r.out, "Pad templates:\n  sink "));
  g_assert_nonnull (strstr (r.out, "packets"));
  g_assert_nonnull (strstr (r.out, "always"));
  g_assert_nonnull (strstr (r.out, "Statistics"));
  g_assert_nonnull (strstr (r.out, "statistic"));
  g_assert_nonnull (strstr (r.out, "writable: "));
  g_assert_nonnull (strstr (r.out, "Signals:"));

  /* an enum property lists its nicks */
  tool_run (&q, "pkt-inspect", "queue");
  g_assert_cmpint (q.status, ==, 0);
  g_assert_nonnull (strstr (q.out, "leaky"));
  g_assert_nonnull (strstr (q.out, " upstream "));
  g_assert_nonnull (strstr (q.out, " downstream "));
  g_assert_nonnull (strstr (q.out, "range: "));
  g_assert_nonnull (strstr (q.out, "default: "));
}

static void
test_inspect_request_pads (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-inspect", "tee");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "request"));
  g_assert_nonnull (strstr (r.out, "%u"));
}

static void
test_inspect_unknown (void)
{
  g_auto (ToolResult) r = { 0 };
  tool_run (&r, "pkt-inspect", "fakesnk");
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "No such element \"fakesnk\", did you mean \"fakesink\"?"));
}

/* The tools find the build tree's plugins with no environment help. */
static void
test_inspect_build_tree_plugins (void)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  const char *args[] = { NULL };
  g_autoptr (GSubprocess) p = NULL;
  g_auto (ToolResult) with_env = { 0 };
  g_auto (ToolResult) without = { 0 };

  tool_run (&with_env, "pkt-inspect");
  g_subprocess_launcher_unsetenv (launcher, "PKT_PLUGIN_PATH");
  p = tool_spawn_v (launcher, "pkt-inspect", args);
  tool_finish (p, &without);
  g_assert_cmpint (without.status, ==, 0);
  g_assert_cmpstr (without.out, ==, with_env.out);
}

/* ---- docs/elements.md is what pkt-inspect --markdown writes now ------------------------------ */

/* Splits a reference into its header and one section per plugin (at the
 * "<!-- plugin: NAME -->" markers). */
static GHashTable *
split_sections (const char *md, char **header)
{
  GHashTable *sections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *marker = "\n<!-- plugin: ";
  const char *p = strstr (md, marker);
  *header = g_strndup (md, p ? (gsize)(p - md) : strlen (md));
  while (p) {
    const char *name = p + strlen (marker);
    const char *name_end = strstr (name, " -->");
    const char *next = strstr (p + 1, marker);
    g_assert_nonnull (name_end);
    g_hash_table_insert (sections, g_strndup (name, name_end - name),
                         g_strndup (p, next ? (gsize)(next - p) : strlen (p)));
    p = next;
  }
  return sections;
}

static void
show_diff (const char *committed, const char *fresh_text)
{
  g_autofree char *fresh = tmp_path ("elements.md");
  const char *argv[] = { "diff", "-u", committed, fresh, NULL };
  g_autofree char *out = NULL;
  int status;
  g_file_set_contents (fresh, fresh_text, -1, NULL);
  out = pkt_test_spawn (argv, &status, NULL);
  if (out)
    g_printerr ("%s\n", out);
}

static void
test_elements_md_up_to_date (void)
{
  const char *src = g_getenv ("PKT_SOURCE_ROOT");
  g_autofree char *committed_path = g_build_filename (src, "docs", "elements.md", NULL);
  g_autofree char *inspect = tool_path ("pkt-inspect");
  g_autofree char *regen = g_strdup_printf ("%s --markdown > %s", inspect, committed_path);
  g_autofree char *committed = NULL;
  g_autofree char *h_old = NULL, *h_new = NULL;
  g_autoptr (GHashTable) old_sections = NULL, new_sections = NULL;
  g_auto (ToolResult) r = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  gboolean ok = TRUE;

  tool_run (&r, "pkt-inspect", "--markdown");
  g_assert_cmpint (r.status, ==, 0);
  if (!g_file_get_contents (committed_path, &committed, NULL, NULL)) {
    g_printerr ("docs/elements.md is missing; generate it with:\n  %s\n", regen);
    g_test_fail ();
    return;
  }
  old_sections = split_sections (committed, &h_old);
  new_sections = split_sections (r.out, &h_new);
  ok = g_strcmp0 (h_old, h_new) == 0;
  g_hash_table_iter_init (&iter, new_sections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (g_hash_table_lookup (old_sections, key), value) != 0) {
      g_printerr ("docs/elements.md: plugin %s differs from pkt-inspect --markdown\n", (char *)key);
      ok = FALSE;
    }
  /* A plugin this build lacks (an optional dependency is missing) cannot be
   * checked here; every plugin that is built must match. */
  g_hash_table_iter_init (&iter, old_sections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (new_sections, key))
      g_test_message ("plugin %s is not built here: its section is not checked", (char *)key);

  if (!ok) {
    show_diff (committed_path, r.out);
    g_printerr ("docs/elements.md is out of date. Regenerate it with:\n  %s\n", regen);
    g_test_fail ();
  }
}

int
main (int argc, char **argv)
{
  int ret;
  g_autoptr (GError) error = NULL;
  pkt_test_init (&argc, &argv);

  tmpdir = g_dir_make_tmp ("pkt-tools-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/tools/launch/eos-exit-0", test_launch_eos);
  g_test_add_func ("/tools/launch/verbose", test_launch_verbose);
  g_test_add_func ("/tools/launch/one-argument", test_launch_one_argument);
  g_test_add_func ("/tools/launch/error-exit-1", test_launch_error_at_ready);
  g_test_add_func ("/tools/launch/error-streaming-exit-1", test_launch_error_streaming);
  g_test_add_func ("/tools/launch/bad-description-exit-2", test_launch_bad_description);
  g_test_add_func ("/tools/launch/bad-value-exit-2", test_launch_bad_value);
  g_test_add_func ("/tools/launch/bad-options-exit-2", test_launch_bad_options);
  g_test_add_func ("/tools/launch/file-variables", test_launch_file_variables);
  g_test_add_func ("/tools/launch/stats-json", test_launch_stats_json);
  g_test_add_func ("/tools/launch/stats-json-escaping", test_launch_stats_json_escaping);
  g_test_add_func ("/tools/launch/stats-text", test_launch_stats_text);
  g_test_add_func ("/tools/launch/duration", test_launch_duration);
  g_test_add_func ("/tools/launch/sigint-flushes", test_launch_sigint_flushes);
  g_test_add_func ("/tools/launch/sigint-twice-aborts", test_launch_sigint_twice_aborts);
  g_test_add_func ("/tools/launch/user", test_launch_user);
  g_test_add_func ("/tools/inspect/list", test_inspect_list);
  g_test_add_func ("/tools/inspect/describe", test_inspect_describe);
  g_test_add_func ("/tools/inspect/request-pads", test_inspect_request_pads);
  g_test_add_func ("/tools/inspect/unknown", test_inspect_unknown);
  g_test_add_func ("/tools/inspect/build-tree-plugins", test_inspect_build_tree_plugins);
  g_test_add_func ("/tools/inspect/elements-md-up-to-date", test_elements_md_up_to_date);
  ret = g_test_run ();

  {
    const char *argv_rm[] = { "rm", "-rf", tmpdir, NULL };
    g_spawn_sync (NULL, (char **)argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
  g_free (tmpdir);
  return ret;
}
