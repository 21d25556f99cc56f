/* pktpipe decap plugin — `vlandecap`: removes 802.1Q/802.1ad tags (any number) in front of
 * IPv4/IPv6 and records the outer two VLAN ids. Frames whose tags are followed by something other
 * than IP keep their tags (they cannot be removed without copying the MAC addresses).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktVlanDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktVlanDecap, pkt_vlan_decap, PKT, VLAN_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktVlanDecap, pkt_vlan_decap, PKT_TYPE_DECAP_BASE)

static void
pkt_vlan_decap_class_init (PktVlanDecapClass *klass)
{
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "VLAN decapsulator",
                                 "Removes 802.1Q/802.1ad tags (any number) in front of IPv4/IPv6 "
                                 "and records the outer two VLAN ids",
                                 PKT_DECAP_VLAN);
}

static void
pkt_vlan_decap_init (PktVlanDecap *self)
{
}
