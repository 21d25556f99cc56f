/* pktpipe decap plugin — `vxlandecap`: removes outer Ethernet/IP/UDP/VXLAN headers (UDP 4789 and
 * 8472) and records the VNI. SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktVxlanDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktVxlanDecap, pkt_vxlan_decap, PKT, VXLAN_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktVxlanDecap, pkt_vxlan_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_PORT };

static void
pkt_vxlan_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_PORT:
      pkt_decap_base_get_config (PKT_DECAP_BASE (object))->vxlan_port
          = (guint16)g_value_get_uint (value);
      break;
    default: /* vni: the base's id filter */
      G_OBJECT_CLASS (pkt_vxlan_decap_parent_class)->set_property (object, id, value, pspec);
  }
}

static void
pkt_vxlan_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_PORT:
      g_value_set_uint (value, pkt_decap_base_get_config (PKT_DECAP_BASE (object))->vxlan_port);
      break;
    default:
      G_OBJECT_CLASS (pkt_vxlan_decap_parent_class)->get_property (object, id, value, pspec);
  }
}

static void
pkt_vxlan_decap_class_init (PktVxlanDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = pkt_vxlan_decap_set_property;
  gobject_class->get_property = pkt_vxlan_decap_get_property;
  pkt_decap_base_class_set_info (
      PKT_ELEMENT_CLASS (klass), "VXLAN decapsulator",
      "Removes outer Ethernet/IP/UDP/VXLAN headers (UDP 4789 and 8472) and records the VNI",
      PKT_DECAP_VXLAN);
  pkt_decap_install_id_property (gobject_class, "vni", "VNI",
                                 "Only decapsulate this VNI (-1 = any); others count as unmatched",
                                 0xffffff);
  g_object_class_install_property (
      gobject_class, PROP_PORT,
      g_param_spec_uint (
          "port", "Port",
          "Another UDP destination port carrying VXLAN besides 4789 and 8472 (0 = none)", 0, 65535,
          0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
pkt_vxlan_decap_init (PktVxlanDecap *self)
{
}
