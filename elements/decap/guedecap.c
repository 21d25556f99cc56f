/* pktpipe decap plugin — `guedecap`: removes outer IP/UDP/GUE headers
 * (variant 0 with its extension fields, variant 1 where IP follows UDP
 * directly) on UDP 6080, 9886 or a configured port.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGueDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktGueDecap, pkt_gue_decap, PKT, GUE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGueDecap, pkt_gue_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_PORT };

static void
pkt_gue_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_PORT)
    pkt_decap_base_get_config (PKT_DECAP_BASE (object))->gue_port
        = (guint16)g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_gue_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_PORT)
    g_value_set_uint (value, pkt_decap_base_get_config (PKT_DECAP_BASE (object))->gue_port);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_gue_decap_class_init (PktGueDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = pkt_gue_decap_set_property;
  gobject_class->get_property = pkt_gue_decap_get_property;
  pkt_decap_base_class_set_info (
      PKT_ELEMENT_CLASS (klass), "GUE decapsulator",
      "Removes outer IP/UDP/GUE headers (variants 0 and 1, UDP 6080 and 9886)", PKT_DECAP_GUE);
  g_object_class_install_property (
      gobject_class, PROP_PORT,
      g_param_spec_uint (
          "port", "Port",
          "Another UDP destination port carrying GUE besides 6080 and 9886 (0 = none)", 0, 65535, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
pkt_gue_decap_init (PktGueDecap *self)
{
}
