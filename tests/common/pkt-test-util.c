/* pktpipe tests — shared helpers.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-test-util.h"
#include <sys/wait.h>
#include <unistd.h>

void
pkt_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  pkt_init (argc, argv);
}

char *
pkt_test_testdata_path (const char *relpath)
{
  const char *root = g_getenv ("PKT_TESTDATA");
  if (!root || !g_file_test (root, G_FILE_TEST_IS_DIR)) {
    g_autofree char *msg = g_strdup_printf (
        "reference captures not found (PKT_TESTDATA=%s): ../shared/testdata is absent",
        root ? root : "(unset)");
    g_test_skip (msg);
    return NULL;
  }
  char *path = g_build_filename (root, relpath, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_autofree char *msg = g_strdup_printf ("%s is missing from the reference captures", relpath);
    g_test_skip (msg);
    g_free (path);
    return NULL;
  }
  return path;
}

char *
pkt_test_source_path (const char *relpath)
{
  const char *root = g_getenv ("PKT_SOURCE_ROOT");
  return g_build_filename (root ? root : ".", relpath, NULL);
}

gboolean
pkt_test_require_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("needs root (CAP_NET_ADMIN + CAP_NET_RAW) for namespaces and raw sockets");
  return FALSE;
}

gboolean
pkt_test_require_program (const char *program)
{
  g_autofree char *p = g_find_program_in_path (program);
  if (p)
    return TRUE;
  g_autofree char *msg
      = g_strdup_printf ("%s is not installed (scripts/install-deps.sh installs it)", program);
  g_test_skip (msg);
  return FALSE;
}

gboolean
pkt_test_run_pipeline (PktElement *pipeline, guint timeout_ms, GError **error)
{
  return pkt_pipeline_run (PKT_PIPELINE (pipeline), (gint64)timeout_ms * 1000, error);
}

PktElement *
pkt_test_run (const char *desc, guint timeout_ms, GError **error)
{
  PktElement *p = pkt_parse_launch (desc, error);
  if (!p)
    return NULL;
  g_object_ref_sink (p);
  if (!pkt_test_run_pipeline (p, timeout_ms, error)) {
    g_object_unref (p);
    return NULL;
  }
  return p;
}

guint64
pkt_test_get_uint (PktElement *pipeline, const char *element, const char *property)
{
  PktElement *e = pkt_bin_get_by_name (PKT_BIN (pipeline), element);
  g_assert_nonnull (e);
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), property);
  g_assert_nonnull (ps);
  g_auto (GValue) v = G_VALUE_INIT;
  g_value_init (&v, ps->value_type);
  g_object_get_property (G_OBJECT (e), property, &v);
  switch (G_TYPE_FUNDAMENTAL (ps->value_type)) {
    case G_TYPE_UINT64:
      return g_value_get_uint64 (&v);
    case G_TYPE_INT64:
      return (guint64)g_value_get_int64 (&v);
    case G_TYPE_UINT:
      return g_value_get_uint (&v);
    case G_TYPE_INT:
      return (guint64)g_value_get_int (&v);
    case G_TYPE_ULONG:
      return g_value_get_ulong (&v);
    case G_TYPE_LONG:
      return (guint64)g_value_get_long (&v);
    default:
      g_assert_not_reached ();
  }
  return 0;
}

char *
pkt_test_spawn (const char *const *argv, int *exit_status, GError **error)
{
  char *out = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, error))
    return NULL;
  if (exit_status)
    *exit_status = g_spawn_check_wait_status (status, NULL)
                       ? 0
                       : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  return out;
}

GByteArray *
pkt_test_pcap_new (void)
{
  const guint32 gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 /* DLT_EN10MB */ };
  GByteArray *pcap = g_byte_array_new ();
  g_byte_array_append (pcap, (const guint8 *)gh, sizeof gh);
  return pcap;
}

void
pkt_test_pcap_add (GByteArray *pcap, guint32 sec, guint32 usec, const guint8 *frame, guint len)
{
  const guint32 rh[4] = { sec, usec, len, len };
  g_byte_array_append (pcap, (const guint8 *)rh, sizeof rh);
  g_byte_array_append (pcap, frame, len);
}
