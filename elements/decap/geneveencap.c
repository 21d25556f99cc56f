/* pktpipe decap plugin — `geneveencap`: wraps Ethernet frames (or raw IP)
 * in Ethernet/IPv4-or-IPv6/UDP/Geneve (RFC 8926) with optional TLV options.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "decap.h"

struct _PktGeneveEncap {
  PktUdpEncapBase parent;
  guint vni;
  char *options;   /* hex text as set */
  guint8 opt[252]; /* parsed at NULL->READY */
  guint opt_len;
  gboolean critical; /* an option has its critical bit */
};

G_DECLARE_FINAL_TYPE (PktGeneveEncap, pkt_geneve_encap, PKT, GENEVE_ENCAP, PktUdpEncapBase)
G_DEFINE_FINAL_TYPE (PktGeneveEncap, pkt_geneve_encap, PKT_TYPE_UDP_ENCAP_BASE)

enum { PROP_0, PROP_VNI, PROP_OPTIONS };

static guint
inner_protocol (const PktPacket *p)
{
  switch (p->linktype) {
    case PKT_LINK_ETHERNET:
      return p->caplen >= 14 ? PKT_ETH_P_TEB : 0;
    case PKT_LINK_RAW_IPV4:
      return PKT_ETH_P_IPV4;
    case PKT_LINK_RAW_IPV6:
      return PKT_ETH_P_IPV6;
    case PKT_LINK_RAW_IP:
      if (p->caplen > 0 && (p->data[0] >> 4) == 4)
        return PKT_ETH_P_IPV4;
      if (p->caplen > 0 && (p->data[0] >> 4) == 6)
        return PKT_ETH_P_IPV6;
      return 0;
    default:
      return 0;
  }
}

static gssize
pkt_geneve_encap_header_size (PktUdpEncapBase *base, PktPacket *p, guint *inner_off)
{
  *inner_off = 0;
  return inner_protocol (p) ? 8 + (gssize)((PktGeneveEncap *)base)->opt_len : -1;
}

static void
pkt_geneve_encap_write_header (PktUdpEncapBase *base, const PktPacket *p, guint inner_off,
                               guint8 *out)
{
  PktGeneveEncap *self = (PktGeneveEncap *)base;
  guint proto = inner_protocol (p);
  out[0] = (guint8)(self->opt_len / 4); /* version 0 */
  out[1] = self->critical ? 0x40 : 0;
  out[2] = (guint8)(proto >> 8);
  out[3] = (guint8)proto;
  out[4] = (guint8)(self->vni >> 16);
  out[5] = (guint8)(self->vni >> 8);
  out[6] = (guint8)self->vni;
  out[7] = 0;
  memcpy (out + 8, self->opt, self->opt_len);
}

/* Options are given as hex (separators ':', ' ', '-' ignored) and must be a
 * well-formed TLV list: class(2) type(1) length(1, 4-byte units) data. */
static gboolean
pkt_geneve_encap_start (PktFilter *filter, GError **error)
{
  PktGeneveEncap *self = (PktGeneveEncap *)filter;
  const char *s = self->options ? self->options : "";
  guint n = 0, o;
  int hi = -1;

  self->critical = FALSE;
  for (; *s; s++) {
    int v = g_ascii_xdigit_value (*s);
    if (*s == ':' || *s == ' ' || *s == '-')
      continue;
    if (v < 0 || n >= sizeof self->opt) {
      pkt_element_set_error (PKT_ELEMENT (filter), error, PKT_ERROR_SETTINGS,
                             "property 'options': '%s' is not hex of at most 252 bytes",
                             self->options);
      return FALSE;
    }
    if (hi < 0) {
      hi = v;
    } else {
      self->opt[n++] = (guint8)(hi << 4 | v);
      hi = -1;
    }
  }
  for (o = 0; hi < 0 && o + 4 <= n; o += 4 + (guint)(self->opt[o + 3] & 0x1f) * 4)
    self->critical |= (self->opt[o + 2] & 0x80) != 0;
  if (hi >= 0 || o != n) {
    pkt_element_set_error (PKT_ELEMENT (filter), error, PKT_ERROR_SETTINGS,
                           "property 'options': '%s' is not a list of Geneve TLV options "
                           "(class, type, length in 4-byte words, data)",
                           self->options);
    return FALSE;
  }
  self->opt_len = n;
  return PKT_FILTER_CLASS (pkt_geneve_encap_parent_class)->start (filter, error);
}

static void
pkt_geneve_encap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktGeneveEncap *self = (PktGeneveEncap *)object;
  if (id == PROP_VNI) {
    self->vni = g_value_get_uint (value);
  } else if (id == PROP_OPTIONS) {
    g_free (self->options);
    self->options = g_value_dup_string (value);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_geneve_encap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktGeneveEncap *self = (PktGeneveEncap *)object;
  if (id == PROP_VNI)
    g_value_set_uint (value, self->vni);
  else if (id == PROP_OPTIONS)
    g_value_set_string (value, self->options);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_geneve_encap_finalize (GObject *object)
{
  g_free (((PktGeneveEncap *)object)->options);
  G_OBJECT_CLASS (pkt_geneve_encap_parent_class)->finalize (object);
}

static void
pkt_geneve_encap_class_init (PktGeneveEncapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktUdpEncapBaseClass *udp_class = PKT_UDP_ENCAP_BASE_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  gobject_class->set_property = pkt_geneve_encap_set_property;
  gobject_class->get_property = pkt_geneve_encap_get_property;
  gobject_class->finalize = pkt_geneve_encap_finalize;
  PKT_FILTER_CLASS (klass)->start = pkt_geneve_encap_start;
  udp_class->default_port = PKT_PORT_GENEVE;
  udp_class->header_size = pkt_geneve_encap_header_size;
  udp_class->write_header = pkt_geneve_encap_write_header;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Geneve encapsulator", "Filter/Encap",
                                  "Wraps Ethernet frames or IP packets in outer "
                                  "Ethernet/IP/UDP/Geneve headers with TLV options",
                                  "pktpipe developers");
  g_object_class_install_property (
      gobject_class, PROP_VNI,
      g_param_spec_uint ("vni", "VNI", "Virtual network identifier", 0, 0xffffff, 0, rw));
  g_object_class_install_property (
      gobject_class, PROP_OPTIONS,
      g_param_spec_string ("options", "Options",
                           "TLV options as hex (class, type, length in 4-byte words, data), e.g. "
                           "'0102 80 01 deadbeef'; at most 252 bytes",
                           NULL, rw));
}

static void
pkt_geneve_encap_init (PktGeneveEncap *self)
{
}
