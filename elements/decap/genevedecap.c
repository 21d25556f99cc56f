/* pktpipe decap plugin — `genevedecap`: removes outer Ethernet/IP/UDP/Geneve headers (UDP 6081,
 * options skipped) and records the VNI. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGeneveDecap {
  PktDecapBase parent;
  gint64 vni; /* -1 = any */
};

G_DECLARE_FINAL_TYPE (PktGeneveDecap, pkt_geneve_decap, PKT, GENEVE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGeneveDecap, pkt_geneve_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_ID };

static gboolean
pkt_geneve_decap_accept (PktDecapBase *base, const PktTunnelInfo *info)
{
  gint64 want = ((PktGeneveDecap *)base)->vni;
  return want < 0 || (info->has_id && info->id == (guint64)want);
}

static void
pkt_geneve_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      ((PktGeneveDecap *)object)->vni = g_value_get_int64 (value);
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
      g_value_set_int64 (value, ((PktGeneveDecap *)object)->vni);
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
  PKT_DECAP_BASE_CLASS (klass)->accept = pkt_geneve_decap_accept;
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "Geneve decapsulator",
                                 "Removes outer Ethernet/IP/UDP/Geneve headers (UDP 6081, options "
                                 "skipped) and records the VNI",
                                 PKT_DECAP_GENEVE);
  g_object_class_install_property (
      gobject_class, PROP_ID,
      g_param_spec_int64 (
          "vni", "VNI", "Only decapsulate this VNI (-1 = any); others count as unmatched", -1,
          0xffffff, -1, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | PKT_PARAM_MUTABLE_PLAYING));
}

static void
pkt_geneve_decap_init (PktGeneveDecap *self)
{
  self->vni = -1;
}
