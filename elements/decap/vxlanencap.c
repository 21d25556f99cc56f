/* pktpipe decap plugin — `vxlanencap`: wraps Ethernet frames in
 * Ethernet/IPv4-or-IPv6/UDP/VXLAN (RFC 7348) for injection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktVxlanEncap {
  PktUdpEncapBase parent;
  guint vni;
};

G_DECLARE_FINAL_TYPE (PktVxlanEncap, pkt_vxlan_encap, PKT, VXLAN_ENCAP, PktUdpEncapBase)
G_DEFINE_FINAL_TYPE (PktVxlanEncap, pkt_vxlan_encap, PKT_TYPE_UDP_ENCAP_BASE)

enum { PROP_0, PROP_VNI };

/* VXLAN carries Ethernet only: raw IP input is not encapsulated. */
static gssize
pkt_vxlan_encap_header_size (PktUdpEncapBase *base, PktPacket *p, guint *inner_off)
{
  *inner_off = 0;
  return p->linktype == PKT_LINK_ETHERNET && p->caplen >= 14 ? 8 : -1;
}

static void
pkt_vxlan_encap_write_header (PktUdpEncapBase *base, const PktPacket *p, guint inner_off,
                              guint8 *out)
{
  guint vni = ((PktVxlanEncap *)base)->vni;
  out[0] = 0x08; /* I: the VNI is valid */
  out[1] = out[2] = out[3] = 0;
  out[4] = (guint8)(vni >> 16);
  out[5] = (guint8)(vni >> 8);
  out[6] = (guint8)vni;
  out[7] = 0;
}

static void
pkt_vxlan_encap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_VNI)
    ((PktVxlanEncap *)object)->vni = g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_vxlan_encap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_VNI)
    g_value_set_uint (value, ((PktVxlanEncap *)object)->vni);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_vxlan_encap_class_init (PktVxlanEncapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktUdpEncapBaseClass *udp_class = PKT_UDP_ENCAP_BASE_CLASS (klass);
  gobject_class->set_property = pkt_vxlan_encap_set_property;
  gobject_class->get_property = pkt_vxlan_encap_get_property;
  udp_class->default_port = PKT_PORT_VXLAN;
  udp_class->header_size = pkt_vxlan_encap_header_size;
  udp_class->write_header = pkt_vxlan_encap_write_header;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "VXLAN encapsulator", "Filter/Encap",
                                  "Wraps Ethernet frames in outer Ethernet/IP/UDP/VXLAN headers",
                                  "pktpipe developers");
  g_object_class_install_property (gobject_class, PROP_VNI,
                                   g_param_spec_uint ("vni", "VNI", "VXLAN network identifier", 0,
                                                      0xffffff, 0,
                                                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
pkt_vxlan_encap_init (PktVxlanEncap *self)
{
}
