/* pktpipe decap plugin — `gtpudecap`: removes outer IP/UDP/GTP-U headers (UDP 2152, extension
 * headers skipped) and records the TEID. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGtpuDecap {
  PktDecapBase parent;
  gint64 teid; /* -1 = any */
};

G_DECLARE_FINAL_TYPE (PktGtpuDecap, pkt_gtpu_decap, PKT, GTPU_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGtpuDecap, pkt_gtpu_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_ID };

static gboolean
pkt_gtpu_decap_accept (PktDecapBase *base, const PktTunnelInfo *info)
{
  gint64 want = ((PktGtpuDecap *)base)->teid;
  return want < 0 || (info->has_id && info->id == (guint64)want);
}

static void
pkt_gtpu_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      ((PktGtpuDecap *)object)->teid = g_value_get_int64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_gtpu_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      g_value_set_int64 (value, ((PktGtpuDecap *)object)->teid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_gtpu_decap_class_init (PktGtpuDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = pkt_gtpu_decap_set_property;
  gobject_class->get_property = pkt_gtpu_decap_get_property;
  PKT_DECAP_BASE_CLASS (klass)->accept = pkt_gtpu_decap_accept;
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "GTP-U decapsulator",
                                 "Removes outer IP/UDP/GTP-U headers (UDP 2152, extension headers "
                                 "skipped) and records the TEID",
                                 PKT_DECAP_GTPU);
  g_object_class_install_property (
      gobject_class, PROP_ID,
      g_param_spec_int64 (
          "teid", "TEID",
          "Only decapsulate this tunnel endpoint id (-1 = any); others count as unmatched", -1,
          G_MAXUINT32, -1, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | PKT_PARAM_MUTABLE_PLAYING));
}

static void
pkt_gtpu_decap_init (PktGtpuDecap *self)
{
  self->teid = -1;
}
