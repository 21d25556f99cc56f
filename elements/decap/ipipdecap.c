/* pktpipe decap plugin — `ipipdecap`: removes the outer header of IPv4/IPv6 in IPv4/IPv6 (protocols
 * 4 and 41). SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktIpipDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktIpipDecap, pkt_ipip_decap, PKT, IPIP_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktIpipDecap, pkt_ipip_decap, PKT_TYPE_DECAP_BASE)

static void
pkt_ipip_decap_class_init (PktIpipDecapClass *klass)
{
  pkt_decap_base_class_set_info (
      PKT_ELEMENT_CLASS (klass), "IP-in-IP decapsulator",
      "Removes the outer header of IPv4/IPv6 in IPv4/IPv6 (protocols 4 and 41)", PKT_DECAP_IPIP);
}

static void
pkt_ipip_decap_init (PktIpipDecap *self)
{
}
