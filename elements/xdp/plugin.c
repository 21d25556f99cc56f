/* pktpipe xdp plugin — AF_XDP capture and injection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-xdp.h"

static gboolean
pkt_xdp_plugin_init (PktPlugin *plugin, GError **error)
{
  return pkt_element_register (plugin, "xdpsrc", PKT_RANK_PRIMARY, pkt_xdp_src_get_type ())
         && pkt_element_register (plugin, "xdpsink", PKT_RANK_PRIMARY, pkt_xdp_sink_get_type ());
}

PKT_PLUGIN_DEFINE (xdp, "AF_XDP capture and injection (libxdp)", pkt_xdp_plugin_init);
