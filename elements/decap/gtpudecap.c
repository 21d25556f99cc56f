/* pktpipe decap plugin — `gtpudecap`: removes outer IP/UDP/GTP-U headers (UDP 2152, extension
 * headers skipped) and records the TEID. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGtpuDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktGtpuDecap, pkt_gtpu_decap, PKT, GTPU_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGtpuDecap, pkt_gtpu_decap, PKT_TYPE_DECAP_BASE)

static void
pkt_gtpu_decap_class_init (PktGtpuDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "GTP-U decapsulator",
                                 "Removes outer IP/UDP/GTP-U headers (UDP 2152, extension headers "
                                 "skipped) and records the TEID",
                                 PKT_DECAP_GTPU);
  pkt_decap_install_id_property (
      gobject_class, "teid", "TEID",
      "Only decapsulate this tunnel endpoint id (-1 = any); others count as unmatched",
      G_MAXUINT32);
}

static void
pkt_gtpu_decap_init (PktGtpuDecap *self)
{
}
