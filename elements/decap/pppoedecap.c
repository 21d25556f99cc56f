/* pktpipe decap plugin — `pppoedecap`: removes Ethernet, PPPoE session and PPP headers in front of
 * IPv4/IPv6; records the session id. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktPppoeDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktPppoeDecap, pkt_pppoe_decap, PKT, PPPOE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktPppoeDecap, pkt_pppoe_decap, PKT_TYPE_DECAP_BASE)

static void
pkt_pppoe_decap_class_init (PktPppoeDecapClass *klass)
{
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "PPPoE decapsulator",
                                 "Removes Ethernet, PPPoE session and PPP headers in front of "
                                 "IPv4/IPv6; records the session id",
                                 PKT_DECAP_PPPOE);
}

static void
pkt_pppoe_decap_init (PktPppoeDecap *self)
{
}
