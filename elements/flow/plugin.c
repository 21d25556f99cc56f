/* pktpipe — flow plugin: flowtrack and logsink.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow.h"

static gboolean
flow_plugin_init (PktPlugin *plugin, GError **error)
{
  return pkt_element_register (plugin, "flowtrack", PKT_RANK_PRIMARY, pkt_flow_track_get_type ())
         && pkt_element_register (plugin, "logsink", PKT_RANK_PRIMARY, pkt_log_sink_get_type ());
}

PKT_PLUGIN_DEFINE (flow, "Flow tracking (Zeek conn semantics) and log writers", flow_plugin_init);
