/* pktpipe decap plugin — `gredecap`: removes outer IP/GRE headers (keys, sequence numbers, TEB,
 * PPTP, ERSPAN I/II/III, GRE in UDP) and records the key or ERSPAN session.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGreDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktGreDecap, pkt_gre_decap, PKT, GRE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGreDecap, pkt_gre_decap, PKT_TYPE_DECAP_BASE)

static void
pkt_gre_decap_class_init (PktGreDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  pkt_decap_base_class_set_info (
      PKT_ELEMENT_CLASS (klass), "GRE decapsulator",
      "Removes outer IP/GRE headers (keys, sequence numbers, TEB, PPTP, ERSPAN I/II/III, GRE in "
      "UDP) and records the key or ERSPAN session",
      PKT_DECAP_GRE);
  pkt_decap_install_id_property (
      gobject_class, "key", "Key",
      "Only decapsulate this GRE key or ERSPAN session id (-1 = any); others "
      "count as unmatched",
      G_MAXUINT32);
}

static void
pkt_gre_decap_init (PktGreDecap *self)
{
}
