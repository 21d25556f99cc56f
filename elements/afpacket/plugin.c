/* pktpipe afpacket plugin: AF_PACKET capture and injection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "afpacket.h"

static gboolean
afpacket_init (PktPlugin *plugin, GError **error)
{
  return pkt_element_register (plugin, "afpacketsrc", PKT_RANK_PRIMARY,
                               pkt_afpacket_src_get_type ())
         && pkt_element_register (plugin, "afpacketsink", PKT_RANK_PRIMARY,
                                  pkt_afpacket_sink_get_type ());
}

PKT_PLUGIN_DEFINE (afpacket, "AF_PACKET capture (TPACKET_V3, fanout, kernel BPF) and injection",
                   afpacket_init);
