/* pktpipe — pcap plugin: element types.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

GType pkt_pcap_src_get_type (void);
GType pkt_pcap_sink_get_type (void);
GType pkt_bpf_filter_get_type (void);

G_END_DECLS
