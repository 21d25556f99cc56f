/* pktpipe decap plugin — `gueencap`: wraps IP packets in
 * Ethernet/IPv4-or-IPv6/UDP/GUE. Variant 0 adds the 4-byte GUE header
 * (protocol 4 or 41); variant 1 puts the IP header straight after UDP. An
 * Ethernet frame loses its link header: GUE carries IP.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGueEncap {
  PktUdpEncapBase parent;
  guint variant;
};

G_DECLARE_FINAL_TYPE (PktGueEncap, pkt_gue_encap, PKT, GUE_ENCAP, PktUdpEncapBase)
G_DEFINE_FINAL_TYPE (PktGueEncap, pkt_gue_encap, PKT_TYPE_UDP_ENCAP_BASE)

enum { PROP_0, PROP_VARIANT };

static gssize
pkt_gue_encap_header_size (PktUdpEncapBase *base, PktPacket *p, guint *inner_off)
{
  if (!pkt_packet_parse (p))
    return -1;
  *inner_off = p->l3_off;
  return ((PktGueEncap *)base)->variant == 0 ? 4 : 0;
}

static void
pkt_gue_encap_write_header (PktUdpEncapBase *base, const PktPacket *p, guint inner_off, guint8 *out)
{
  if (((PktGueEncap *)base)->variant != 0)
    return;
  out[0] = 0; /* version 0, not control, no extension fields */
  out[1] = p->l3_proto == 4 ? 4 : 41;
  out[2] = out[3] = 0;
}

static void
pkt_gue_encap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_VARIANT)
    ((PktGueEncap *)object)->variant = g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_gue_encap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_VARIANT)
    g_value_set_uint (value, ((PktGueEncap *)object)->variant);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_gue_encap_class_init (PktGueEncapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktUdpEncapBaseClass *udp_class = PKT_UDP_ENCAP_BASE_CLASS (klass);
  gobject_class->set_property = pkt_gue_encap_set_property;
  gobject_class->get_property = pkt_gue_encap_get_property;
  udp_class->default_port = PKT_PORT_GUE;
  udp_class->header_size = pkt_gue_encap_header_size;
  udp_class->write_header = pkt_gue_encap_write_header;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "GUE encapsulator", "Filter/Encap",
                                  "Wraps IP packets in outer Ethernet/IP/UDP/GUE headers",
                                  "pktpipe developers");
  g_object_class_install_property (
      gobject_class, PROP_VARIANT,
      g_param_spec_uint ("variant", "Variant",
                         "GUE variant: 0 = GUE header with protocol, 1 = IP directly in UDP", 0, 1,
                         0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
pkt_gue_encap_init (PktGueEncap *self)
{
}
