/* pktpipe decap plugin — `genevedecap`: removes outer Ethernet/IP/UDP/Geneve headers (UDP 6081,
 * options skipped) and records the VNI. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGeneveDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktGeneveDecap, pkt_geneve_decap, PKT, GENEVE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGeneveDecap, pkt_geneve_decap, PKT_TYPE_DECAP_BASE)

static void
pkt_geneve_decap_class_init (PktGeneveDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "Geneve decapsulator",
                                 "Removes outer Ethernet/IP/UDP/Geneve headers (UDP 6081, options "
                                 "skipped) and records the VNI",
                                 PKT_DECAP_GENEVE);
  pkt_decap_install_id_property (gobject_class, "vni", "VNI",
                                 "Only decapsulate this VNI (-1 = any); others count as unmatched",
                                 0xffffff);
}

static void
pkt_geneve_decap_init (PktGeneveDecap *self)
{
}
