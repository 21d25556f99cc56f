/* pktpipe decap plugin — `genevedecap`: removes outer Ethernet/IP/UDP/Geneve headers (UDP 6081,
 * options skipped) and records the VNI. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGeneveDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktGeneveDecap, pkt_geneve_decap, PKT, GENEVE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGeneveDecap, pkt_geneve_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_ID };

static void
pkt_geneve_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      pkt_decap_base_set_id_filter (PKT_DECAP_BASE (object), g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_geneve_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      g_value_set_int64 (value, pkt_decap_base_get_id_filter (PKT_DECAP_BASE (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_geneve_decap_class_init (PktGeneveDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = pkt_geneve_decap_set_property;
  gobject_class->get_property = pkt_geneve_decap_get_property;
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "Geneve decapsulator",
                                 "Removes outer Ethernet/IP/UDP/Geneve headers (UDP 6081, options "
                                 "skipped) and records the VNI",
                                 PKT_DECAP_GENEVE);
  pkt_decap_install_id_property (gobject_class, PROP_ID, "vni", "VNI",
                                 "Only decapsulate this VNI (-1 = any); others count as unmatched",
                                 0xffffff);
}

static void
pkt_geneve_decap_init (PktGeneveDecap *self)
{
}
