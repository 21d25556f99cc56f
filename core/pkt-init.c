/* pktpipe — library initialisation.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-config.h"
#include <pktpipe/pktpipe.h>
#include "../elements/basic/basic.h"

void _pkt_registry_load_all (void);

static gsize initialized;

/**
 * pkt_init_check:
 * @argc: (inout) (nullable): unused, for symmetry with gst_init
 * @argv: (inout) (array length=argc) (nullable): unused
 * @error: never set today
 *
 * Registers the built-in elements and loads plugins from `PKT_PLUGIN_PATH`
 * (colon-separated folders), the build tree when run from it, and the
 * install folder. Safe to call more than once and from several threads.
 *
 * Returns: TRUE
 */
gboolean
pkt_init_check (int *argc, char ***argv, GError **error)
{
  if (g_once_init_enter (&initialized)) {
    /* make every core type known before plugins or bindings look them up */
    g_type_ensure (PKT_TYPE_PIPELINE);
    g_type_ensure (PKT_TYPE_BUFFER_LIST);
    g_type_ensure (PKT_TYPE_RECORD_LIST);
    g_type_ensure (PKT_TYPE_MESSAGE);
    _pkt_basic_register ();
    _pkt_registry_load_all ();
    g_once_init_leave (&initialized, 1);
  }
  return TRUE;
}

/**
 * pkt_init:
 * @argc: (inout) (nullable): unused
 * @argv: (inout) (array length=argc) (nullable): unused
 *
 * Initialises pktpipe; see pkt_init_check().
 */
void
pkt_init (int *argc, char ***argv)
{
  pkt_init_check (argc, argv, NULL);
}

/**
 * pkt_is_initialized:
 *
 * Returns: whether pkt_init() ran
 */
gboolean
pkt_is_initialized (void)
{
  return g_atomic_pointer_get (&initialized) != 0;
}

/**
 * pkt_version_string:
 *
 * Returns: "pktpipe X.Y.Z"
 */
const char *
pkt_version_string (void)
{
  return "pktpipe " PKT_VERSION;
}
