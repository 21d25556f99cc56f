/* pktpipe l7 — plugin registration.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7.h"

static gboolean
l7_init (PktPlugin *plugin, GError **error)
{
  return pkt_element_register (plugin, "dnsparse", PKT_RANK_PRIMARY, PKT_TYPE_DNS_PARSE)
         && pkt_element_register (plugin, "tlsparse", PKT_RANK_PRIMARY, PKT_TYPE_TLS_PARSE)
         && pkt_element_register (plugin, "httpparse", PKT_RANK_PRIMARY, PKT_TYPE_HTTP_PARSE)
         && pkt_element_register (plugin, "tcpreassemble", PKT_RANK_PRIMARY,
                                  PKT_TYPE_TCP_REASSEMBLE);
}

PKT_PLUGIN_DEFINE (l7, "Application-layer parsers: DNS, TLS (JA3/JA4)", l7_init);
