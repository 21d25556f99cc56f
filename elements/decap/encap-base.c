/* pktpipe decap plugin — PktEncapBase and PktUdpEncapBase.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Encapsulation must not write into frames borrowed from a ring, so every
 * batch gets one new arena (one allocation per batch, none per packet) that
 * holds all rewritten frames. The arena is the batch's new lease; when some
 * packets pass unchanged, the arena also keeps a reference to the old lease,
 * so both memories live exactly as long as the list. */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "decap.h"

typedef struct {
  gboolean drop_unmatched;
  guint64 encapsulated;
  guint64 passed;
  guint64 dropped;
  gssize *sizes;
  guint8 *keep;
  guint cap;
} PktEncapBasePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktEncapBase, pkt_encap_base, PKT_TYPE_FILTER)

enum { PROP_0, PROP_DROP_UNMATCHED, PROP_ENCAPSULATED, PROP_PASSED, PROP_DROPPED };

#define ALIGN8(n) (((n) + 7) & ~(gsize)7)

static PktFlowReturn
pkt_encap_base_process (PktFilter *filter, PktBufferList *list)
{
  PktEncapBase *self = (PktEncapBase *)filter;
  PktEncapBasePrivate *priv = pkt_encap_base_get_instance_private (self);
  PktEncapBaseClass *klass = PKT_ENCAP_BASE_GET_CLASS (self);
  const guint n = list->n_packets;
  gsize total = 0;
  guint i, matched = 0, dropped = 0;
  PktLease *arena;
  gpointer mem;
  guint8 *out;

  if (G_UNLIKELY (priv->cap < n)) {
    priv->sizes = g_renew (gssize, priv->sizes, n);
    priv->keep = g_realloc (priv->keep, n);
    priv->cap = n;
  }
  for (i = 0; i < n; i++) {
    gssize s = klass->frame_size (self, &list->packets[i]);
    priv->sizes[i] = s;
    if (s >= 0) {
      total += ALIGN8 ((gsize)s);
      matched++;
    }
  }
  if (matched == 0) {
    if (priv->drop_unmatched) {
      PKT_STAT_ADD (priv->dropped, n);
      list->n_packets = 0;
    } else {
      PKT_STAT_ADD (priv->passed, n);
    }
    return PKT_FLOW_OK;
  }

  arena = pkt_lease_new_arena (total, matched < n && !priv->drop_unmatched ? list->lease : NULL,
                               &mem);
  out = mem;
  for (i = 0; i < n; i++) {
    PktPacket *p = &list->packets[i];
    gssize s = priv->sizes[i];
    if (s < 0) {
      priv->keep[i] = !priv->drop_unmatched;
      dropped += priv->drop_unmatched;
      continue;
    }
    klass->build (self, p, out, (gsize)s);
    /* the wire length keeps what the capture cut off */
    p->len = (guint32)s + (p->len > p->caplen ? p->len - p->caplen : 0);
    p->data = out;
    p->caplen = (guint32)s;
    p->linktype = PKT_LINK_ETHERNET;
    p->vlan_tci = p->inner_vlan_tci = 0;
    p->tunnel_type = PKT_TUNNEL_NONE;
    p->tunnel_id = 0;
    pkt_packet_reset_parse (p);
    priv->keep[i] = 1;
    out += ALIGN8 ((gsize)s);
  }
  pkt_buffer_list_set_lease (list, arena);
  pkt_lease_unref (arena); /* the list holds it now */
  PKT_STAT_ADD (priv->encapsulated, matched);
  if (matched < n && !priv->drop_unmatched)
    PKT_STAT_ADD (priv->passed, n - matched);
  if (dropped) {
    PKT_STAT_ADD (priv->dropped, dropped);
    pkt_filter_compact (list, priv->keep);
  }
  return PKT_FLOW_OK;
}

static void
pkt_encap_base_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktEncapBasePrivate *priv = pkt_encap_base_get_instance_private (PKT_ENCAP_BASE (object));
  if (id == PROP_DROP_UNMATCHED)
    priv->drop_unmatched = g_value_get_boolean (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_encap_base_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktEncapBasePrivate *priv = pkt_encap_base_get_instance_private (PKT_ENCAP_BASE (object));
  switch (id) {
    case PROP_DROP_UNMATCHED:
      g_value_set_boolean (value, priv->drop_unmatched);
      break;
    case PROP_ENCAPSULATED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->encapsulated));
      break;
    case PROP_PASSED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->passed));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->dropped));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_encap_base_finalize (GObject *object)
{
  PktEncapBasePrivate *priv = pkt_encap_base_get_instance_private (PKT_ENCAP_BASE (object));
  g_free (priv->sizes);
  g_free (priv->keep);
  G_OBJECT_CLASS (pkt_encap_base_parent_class)->finalize (object);
}

static void
pkt_encap_base_class_init (PktEncapBaseClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags stat = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT;
  gobject_class->set_property = pkt_encap_base_set_property;
  gobject_class->get_property = pkt_encap_base_get_property;
  gobject_class->finalize = pkt_encap_base_finalize;
  PKT_FILTER_CLASS (klass)->process = pkt_encap_base_process;
  g_object_class_install_property (
      gobject_class, PROP_DROP_UNMATCHED,
      g_param_spec_boolean (
          "drop-unmatched", "Drop unmatched",
          "Drop packets this element cannot encapsulate (counted in 'dropped') "
          "instead of passing them unchanged",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | PKT_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ENCAPSULATED,
                                   g_param_spec_uint64 ("encapsulated", "Encapsulated",
                                                        "Packets rewritten with the new header", 0,
                                                        G_MAXUINT64, 0, stat));
  g_object_class_install_property (
      gobject_class, PROP_PASSED,
      g_param_spec_uint64 ("passed", "Passed", "Packets passed on unchanged (not encapsulable)", 0,
                           G_MAXUINT64, 0, stat));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
                                   g_param_spec_uint64 ("dropped", "Dropped",
                                                        "Packets removed by drop-unmatched", 0,
                                                        G_MAXUINT64, 0, stat));
}

static void
pkt_encap_base_init (PktEncapBase *self)
{
}

/* ---- PktUdpEncapBase ---- */

typedef struct {
  char *src, *dst, *src_mac, *dst_mac;
  guint port, sport_min, sport_max, ttl;
  gboolean udp_checksum;
  /* resolved at NULL->READY */
  gboolean ipv6;
  guint8 smac[6], dmac[6];
  guint8 sip[16], dip[16];
  guint16 ip_id;
  guint dport;
} PktUdpEncapBasePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktUdpEncapBase, pkt_udp_encap_base, PKT_TYPE_ENCAP_BASE)

enum {
  UPROP_0,
  UPROP_SRC,
  UPROP_DST,
  UPROP_SRC_MAC,
  UPROP_DST_MAC,
  UPROP_PORT,
  UPROP_SPORT_MIN,
  UPROP_SPORT_MAX,
  UPROP_TTL,
  UPROP_UDP_CHECKSUM,
};

#define UPRIV(self) ((PktUdpEncapBasePrivate *)pkt_udp_encap_base_get_instance_private (self))

static inline void
wr16 (guint8 *p, guint v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static inline void
wr32 (guint8 *p, guint32 v)
{
  wr16 (p, v >> 16);
  wr16 (p + 2, v & 0xffff);
}

static gssize
udp_encap_frame_size (PktEncapBase *base, PktPacket *p)
{
  PktUdpEncapBase *self = (PktUdpEncapBase *)base;
  PktUdpEncapBasePrivate *priv = UPRIV (self);
  guint inner_off = 0;
  gssize hdr = PKT_UDP_ENCAP_BASE_GET_CLASS (self)->header_size (self, p, &inner_off);
  if (hdr < 0 || inner_off > p->caplen)
    return -1;
  /* ECMP entropy: the same inner flow always leaves by the same source port */
  p->hash = pkt_packet_hash_symmetric (p);
  return 14 + (priv->ipv6 ? 40 : 20) + 8 + hdr + (p->caplen - inner_off);
}

static void
udp_encap_build (PktEncapBase *base, const PktPacket *p, guint8 *out, gsize size)
{
  PktUdpEncapBase *self = (PktUdpEncapBase *)base;
  PktUdpEncapBasePrivate *priv = UPRIV (self);
  PktUdpEncapBaseClass *klass = PKT_UDP_ENCAP_BASE_GET_CLASS (self);
  guint inner_off = 0;
  gssize hdr = klass->header_size (self, (PktPacket *)p, &inner_off);
  guint iplen = priv->ipv6 ? 40 : 20;
  guint8 *ip = out + 14, *udp = ip + iplen;
  gsize udplen = size - 14 - iplen;
  guint range = priv->sport_max - priv->sport_min + 1;
  guint16 csum = 0;

  memcpy (out, priv->dmac, 6);
  memcpy (out + 6, priv->smac, 6);
  wr16 (out + 12, priv->ipv6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IPV4);
  if (priv->ipv6) {
    wr32 (ip, 0x60000000u);
    wr16 (ip + 4, (guint)udplen);
    ip[6] = 17;
    ip[7] = (guint8)priv->ttl;
    memcpy (ip + 8, priv->sip, 16);
    memcpy (ip + 24, priv->dip, 16);
  } else {
    ip[0] = 0x45;
    ip[1] = 0;
    wr16 (ip + 2, (guint)(iplen + udplen));
    wr16 (ip + 4, priv->ip_id++);
    wr16 (ip + 6, 0x4000); /* DF: tunnels must not be fragmented on the way */
    ip[8] = (guint8)priv->ttl;
    ip[9] = 17;
    memcpy (ip + 12, priv->sip, 4);
    memcpy (ip + 16, priv->dip, 4);
    wr16 (ip + 10, pkt_ipv4_header_checksum (ip));
  }
  wr16 (udp, priv->sport_min + p->hash % range);
  wr16 (udp + 2, priv->dport);
  wr16 (udp + 4, (guint)udplen);
  wr16 (udp + 6, 0);
  klass->write_header (self, p, inner_off, udp + 8);
  memcpy (udp + 8 + hdr, p->data + inner_off, p->caplen - inner_off);
  if (priv->ipv6)
    csum = pkt_l4_checksum_ipv6 (priv->sip, priv->dip, 17, udp, udplen);
  else if (priv->udp_checksum)
    csum = pkt_l4_checksum_ipv4 (priv->sip, priv->dip, 17, udp, udplen);
  wr16 (udp + 6, csum);
}

static gboolean
parse_mac (const char *s, guint8 *mac)
{
  guint v[6];
  int i;
  if (!s || sscanf (s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6
      || strlen (s) != 17)
    return FALSE;
  for (i = 0; i < 6; i++)
    mac[i] = (guint8)v[i];
  return TRUE;
}

/* Settings are checked before anything runs: bad addresses name the property. */
static gboolean
udp_encap_start (PktFilter *filter, GError **error)
{
  PktUdpEncapBase *self = PKT_UDP_ENCAP_BASE (filter);
  PktUdpEncapBasePrivate *priv = UPRIV (self);
  PktElement *el = PKT_ELEMENT (filter);
  gboolean s6, d6;

  s6 = inet_pton (AF_INET6, priv->src, priv->sip) == 1;
  if (!s6 && inet_pton (AF_INET, priv->src, priv->sip) != 1) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "property 'src': '%s' is not an IPv4 or IPv6 address", priv->src);
    return FALSE;
  }
  d6 = inet_pton (AF_INET6, priv->dst, priv->dip) == 1;
  if (!d6 && inet_pton (AF_INET, priv->dst, priv->dip) != 1) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "property 'dst': '%s' is not an IPv4 or IPv6 address", priv->dst);
    return FALSE;
  }
  if (s6 != d6) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "properties 'src' (%s) and 'dst' (%s) are not the same address family",
                           priv->src, priv->dst);
    return FALSE;
  }
  priv->ipv6 = s6;
  priv->dport = priv->port ? priv->port : PKT_UDP_ENCAP_BASE_GET_CLASS (self)->default_port;
  if (priv->ipv6 && !priv->udp_checksum) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "property 'udp-checksum': it cannot be disabled with an IPv6 outer "
                           "header (dst %s): IPv6 requires UDP checksums",
                           priv->dst);
    return FALSE;
  }
  if (!parse_mac (priv->src_mac, priv->smac)) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "property 'src-mac': '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
                           priv->src_mac);
    return FALSE;
  }
  if (!parse_mac (priv->dst_mac, priv->dmac)) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "property 'dst-mac': '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
                           priv->dst_mac);
    return FALSE;
  }
  if (priv->sport_min > priv->sport_max) {
    pkt_element_set_error (el, error, PKT_ERROR_SETTINGS,
                           "properties 'sport-min' (%u) and 'sport-max' (%u): empty range",
                           priv->sport_min, priv->sport_max);
    return FALSE;
  }
  return TRUE;
}

static char **
str_prop (PktUdpEncapBasePrivate *priv, guint id)
{
  switch (id) {
    case UPROP_SRC:
      return &priv->src;
    case UPROP_DST:
      return &priv->dst;
    case UPROP_SRC_MAC:
      return &priv->src_mac;
    case UPROP_DST_MAC:
      return &priv->dst_mac;
    default:
      return NULL;
  }
}

static guint *
uint_prop (PktUdpEncapBasePrivate *priv, guint id)
{
  switch (id) {
    case UPROP_PORT:
      return &priv->port;
    case UPROP_SPORT_MIN:
      return &priv->sport_min;
    case UPROP_SPORT_MAX:
      return &priv->sport_max;
    case UPROP_TTL:
      return &priv->ttl;
    default:
      return NULL;
  }
}

static void
udp_encap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktUdpEncapBasePrivate *priv = UPRIV (PKT_UDP_ENCAP_BASE (object));
  char **s = str_prop (priv, id);
  guint *u = uint_prop (priv, id);
  if (s) {
    g_free (*s);
    *s = g_value_dup_string (value);
  } else if (u) {
    *u = g_value_get_uint (value);
  } else if (id == UPROP_UDP_CHECKSUM) {
    priv->udp_checksum = g_value_get_boolean (value);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
udp_encap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktUdpEncapBasePrivate *priv = UPRIV (PKT_UDP_ENCAP_BASE (object));
  char **s = str_prop (priv, id);
  guint *u = uint_prop (priv, id);
  if (s)
    g_value_set_string (value, *s);
  else if (u)
    g_value_set_uint (value, *u);
  else if (id == UPROP_UDP_CHECKSUM)
    g_value_set_boolean (value, priv->udp_checksum);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
udp_encap_finalize (GObject *object)
{
  PktUdpEncapBasePrivate *priv = UPRIV (PKT_UDP_ENCAP_BASE (object));
  g_free (priv->src);
  g_free (priv->dst);
  g_free (priv->src_mac);
  g_free (priv->dst_mac);
  G_OBJECT_CLASS (pkt_udp_encap_base_parent_class)->finalize (object);
}

static void
pkt_udp_encap_base_class_init (PktUdpEncapBaseClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  gobject_class->set_property = udp_encap_set_property;
  gobject_class->get_property = udp_encap_get_property;
  gobject_class->finalize = udp_encap_finalize;
  PKT_FILTER_CLASS (klass)->start = udp_encap_start;
  PKT_ENCAP_BASE_CLASS (klass)->frame_size = udp_encap_frame_size;
  PKT_ENCAP_BASE_CLASS (klass)->build = udp_encap_build;

  g_object_class_install_property (
      gobject_class, UPROP_SRC,
      g_param_spec_string (
          "src", "Source address",
          "Outer IPv4 or IPv6 source address (its family chooses the outer header)", "192.0.2.1",
          rw));
  g_object_class_install_property (
      gobject_class, UPROP_DST,
      g_param_spec_string ("dst", "Destination address",
                           "Outer destination address (same family as src)", "192.0.2.2", rw));
  g_object_class_install_property (gobject_class, UPROP_SRC_MAC,
                                   g_param_spec_string ("src-mac", "Source MAC",
                                                        "Outer Ethernet source address",
                                                        "02:00:00:00:00:01", rw));
  g_object_class_install_property (gobject_class, UPROP_DST_MAC,
                                   g_param_spec_string ("dst-mac", "Destination MAC",
                                                        "Outer Ethernet destination address",
                                                        "02:00:00:00:00:02", rw));
  g_object_class_install_property (
      gobject_class, UPROP_PORT,
      g_param_spec_uint ("port", "Destination port",
                         "Outer UDP destination port (0 = the protocol's standard port)", 0, 65535,
                         0, rw));
  g_object_class_install_property (
      gobject_class, UPROP_SPORT_MIN,
      g_param_spec_uint ("sport-min", "Source port minimum",
                         "Lowest outer UDP source port; the port is chosen by the inner flow hash",
                         1, 65535, 49152, rw));
  g_object_class_install_property (gobject_class, UPROP_SPORT_MAX,
                                   g_param_spec_uint ("sport-max", "Source port maximum",
                                                      "Highest outer UDP source port", 1, 65535,
                                                      65535, rw));
  g_object_class_install_property (
      gobject_class, UPROP_TTL,
      g_param_spec_uint ("ttl", "TTL", "Outer IPv4 TTL / IPv6 hop limit", 1, 255, 64, rw));
  g_object_class_install_property (
      gobject_class, UPROP_UDP_CHECKSUM,
      g_param_spec_boolean ("udp-checksum", "UDP checksum",
                            "Compute the outer UDP checksum (always on, and required, for IPv6)",
                            TRUE, rw));
}

static void
pkt_udp_encap_base_init (PktUdpEncapBase *self)
{
  PktUdpEncapBasePrivate *priv = UPRIV (self);
  priv->src = g_strdup ("192.0.2.1");
  priv->dst = g_strdup ("192.0.2.2");
  priv->src_mac = g_strdup ("02:00:00:00:00:01");
  priv->dst_mac = g_strdup ("02:00:00:00:00:02");
  priv->sport_min = 49152;
  priv->sport_max = 65535;
  priv->ttl = 64;
  priv->udp_checksum = TRUE;
}
