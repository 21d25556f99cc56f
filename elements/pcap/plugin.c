/* pktpipe — pcap plugin: capture files and BPF filters.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pktpipe.h>
#include "pcap-plugin.h"

static gboolean
pcap_plugin_init (PktPlugin *plugin, GError **error)
{
  return pkt_element_register (plugin, "pcapsrc", PKT_RANK_PRIMARY, pkt_pcap_src_get_type ())
         && pkt_element_register (plugin, "pcapsink", PKT_RANK_PRIMARY, pkt_pcap_sink_get_type ())
         && pkt_element_register (plugin, "bpffilter", PKT_RANK_PRIMARY,
                                  pkt_bpf_filter_get_type ());
}

PKT_PLUGIN_DEFINE (pcap, "Capture files (pcap, pcapng) and tcpdump filters", pcap_plugin_init);
