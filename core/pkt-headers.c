/* pktpipe — shared header parsing, tunnel headers, decapsulation step, checksums.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every read is preceded by a bounds check against the bytes captured
 * (caplen), and where it matters against the length the enclosing header
 * declares. The hot path (pkt_packet_parse) is one function with gotos
 * between layers: no per-layer function pointers, and the common case
 * (Ethernet, IPv4/IPv6, TCP/UDP) is laid out first. */

#include <string.h>

#include <pktpipe/pkt-headers.h>

#define NEED(n)           G_LIKELY ((gsize)(n) <= (gsize)caplen)
#define IP_PROTO_HOPOPTS  0
#define IP_PROTO_ICMP     1
#define IP_PROTO_IPIP     4
#define IP_PROTO_TCP      6
#define IP_PROTO_UDP      17
#define IP_PROTO_IPV6     41
#define IP_PROTO_ROUTING  43
#define IP_PROTO_FRAGMENT 44
#define IP_PROTO_GRE      47
#define IP_PROTO_AH       51
#define IP_PROTO_ICMPV6   58
#define IP_PROTO_DSTOPTS  60
#define IP_PROTO_SCTP     132

static inline guint16
rd16 (const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32
rd32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static inline gboolean
ethertype_is_tag (guint et)
{
  return et == PKT_ETH_P_8021Q || et == PKT_ETH_P_8021AD || et == PKT_ETH_P_QINQ1
         || et == PKT_ETH_P_VNTAG;
}

/* Address families a DLT_NULL/LOOP header may carry for IPv6 (Linux, BSDs,
 * FreeBSD, Darwin). */
static inline guint16
null_family_to_ethertype (guint32 fam)
{
  switch (fam) {
    case 2:
      return PKT_ETH_P_IPV4;
    case 10:
    case 24:
    case 28:
    case 30:
      return PKT_ETH_P_IPV6;
    default:
      return 0;
  }
}

/* DLT_NULL is host order of the writer: accept both byte orders. */
static guint16
null_header_ethertype (const guint8 *d, gboolean network_order)
{
  guint32 be = rd32 (d);
  guint32 le = GUINT32_SWAP_LE_BE (be);
  if (network_order)
    return null_family_to_ethertype (be);
  return null_family_to_ethertype (le < 0x10000 ? le : be);
}

/* Minimum fixed transport header we guarantee is captured when l4_off is set. */
static inline guint
l4_min_len (guint proto)
{
  switch (proto) {
    case IP_PROTO_TCP:
      return 20;
    case IP_PROTO_UDP:
    case IP_PROTO_ICMP:
    case IP_PROTO_ICMPV6:
      return 8;
    case IP_PROTO_SCTP:
      return 12;
    default:
      return 0;
  }
}

/* Where a frame's link layer leaves off, by link type: the one prologue of
 * pkt_packet_parse() and pkt_decap_one(). */
typedef enum {
  LINK_ETHERNET,  /* an Ethernet header at 0 */
  LINK_TAGS,      /* *et at *off, maybe a VLAN tag (cooked captures) */
  LINK_ETHERTYPE, /* *et at *off, no tags (BSD loopback) */
  LINK_IP,        /* an IP header at 0 (raw IP link types) */
  LINK_TRUNCATED, /* shorter than its link header */
  LINK_UNKNOWN,
} LinkStart;

static inline LinkStart
link_start (const PktPacket *p, guint *off, guint *et)
{
  const guint8 *d = p->data;
  const guint caplen = p->caplen;
  *off = 0;
  switch (p->linktype) {
    case PKT_LINK_ETHERNET:
      return LINK_ETHERNET;
    case PKT_LINK_RAW_IPV4:
    case PKT_LINK_RAW_IPV6:
    case PKT_LINK_RAW_IP:
      return LINK_IP;
    case PKT_LINK_LINUX_SLL:
      if (!NEED (16))
        return LINK_TRUNCATED;
      *et = rd16 (d + 14);
      *off = 16;
      return LINK_TAGS;
    case PKT_LINK_LINUX_SLL2:
      if (!NEED (20))
        return LINK_TRUNCATED;
      *et = rd16 (d);
      *off = 20;
      return LINK_TAGS;
    case PKT_LINK_NULL:
    case PKT_LINK_LOOP:
      if (!NEED (4))
        return LINK_TRUNCATED;
      *et = null_header_ethertype (d, p->linktype == PKT_LINK_LOOP);
      *off = 4;
      return LINK_ETHERTYPE;
    default:
      return LINK_UNKNOWN;
  }
}

static gboolean
parse_impl (PktPacket *p, guint pflags)
{
  const guint8 *d = p->data;
  const guint caplen = p->caplen;
  guint off = 0, et = 0, end, proto;
  guint16 tci[2] = { 0, 0 };
  guint ntci = 0;
  gboolean tags_done = FALSE;
  guint8 flags = p->flags & ~(PKT_PACKET_FLAG_FRAGMENT | PKT_PACKET_FLAG_MALFORMED);
  PktTunnelInfo ti;

  p->l3_off = PKT_OFFSET_NONE;
  p->l4_off = PKT_OFFSET_NONE;
  p->l3_proto = 0;
  p->l4_proto = 0;

  switch (link_start (p, &off, &et)) {
    case LINK_ETHERNET:
      goto ethernet;
    case LINK_TAGS:
      goto tags;
    case LINK_ETHERTYPE:
      goto dispatch;
    case LINK_IP:
      /* raw IPv4/IPv6 links say which; generic raw IP: the version nibble */
      if (p->linktype == PKT_LINK_RAW_IPV4)
        goto ipv4;
      if (p->linktype == PKT_LINK_RAW_IPV6)
        goto ipv6;
      if (!NEED (1))
        goto malformed;
      if ((d[0] >> 4) == 4)
        goto ipv4;
      if ((d[0] >> 4) == 6)
        goto ipv6;
      goto malformed;
    case LINK_TRUNCATED:
      goto malformed;
    case LINK_UNKNOWN:
      goto done;
  }

ethernet:
  if (G_UNLIKELY (!NEED (off + 14)))
    goto malformed;
  et = rd16 (d + off + 12);
  if (G_UNLIKELY (et == PKT_ETH_P_FABRICPATH)) {
    /* 16-byte outer header, then the customer's Ethernet frame */
    off += 16;
    goto ethernet;
  }
  off += 14;

tags:
  while (G_UNLIKELY (ethertype_is_tag (et))) {
    /* 802.1Q: TCI + ethertype; VN-Tag: 4-byte tag + ethertype */
    guint tl = et == PKT_ETH_P_VNTAG ? 6 : 4;
    if (!NEED (off + tl))
      goto malformed;
    if (tl == 4 && !tags_done && ntci < 2)
      tci[ntci++] = rd16 (d + off);
    et = rd16 (d + off + tl - 2);
    off += tl;
  }
  if (ntci)
    tags_done = TRUE;

dispatch:
  if (G_LIKELY (et == PKT_ETH_P_IPV4))
    goto ipv4;
  if (G_LIKELY (et == PKT_ETH_P_IPV6))
    goto ipv6;
  switch (et) {
    case PKT_ETH_P_MPLS_UC:
    case PKT_ETH_P_MPLS_MC:
      switch (pkt_mpls_parse (d + off, caplen - off, pflags, &ti)) {
        case PKT_HEADER_OK:
          off += ti.hdr_len;
          if (ti.inner == PKT_LINK_RAW_IPV4)
            goto ipv4;
          if (ti.inner == PKT_LINK_RAW_IPV6)
            goto ipv6;
          goto ethernet;
        case PKT_HEADER_MALFORMED:
          goto malformed;
        default:
          goto done;
      }
    case PKT_ETH_P_PPPOE_SES:
      switch (pkt_pppoe_parse (d + off, caplen - off, &ti)) {
        case PKT_HEADER_OK:
          off += ti.hdr_len;
          if (ti.inner == PKT_LINK_RAW_IPV4)
            goto ipv4;
          goto ipv6;
        case PKT_HEADER_MALFORMED:
          goto malformed;
        default:
          goto done;
      }
    case PKT_ETH_P_PBB_ITAG:
      off += 4;
      goto ethernet;
    default:
      goto done;
  }

ipv4 : {
  const guint8 *ip;
  guint ihl, tot, frag;
  if (G_UNLIKELY (!NEED (off + 20) || off >= PKT_OFFSET_NONE))
    goto malformed;
  ip = d + off;
  ihl = (guint)(ip[0] & 0x0f) * 4;
  if (G_UNLIKELY ((ip[0] >> 4) != 4 || ihl < 20 || !NEED (off + ihl)))
    goto malformed;
  tot = rd16 (ip + 2);
  /* 0 = unknown (TSO on the capturing host): trust caplen */
  if (G_UNLIKELY (tot != 0 && tot < ihl))
    goto malformed;
  end = caplen;
  if (tot != 0 && off + tot < end)
    end = off + tot;
  p->l3_off = (guint16)off;
  p->l3_proto = 4;
  proto = ip[9];
  p->l4_proto = (guint8)proto;
  frag = rd16 (ip + 6);
  if (G_UNLIKELY (frag & 0x3fff)) {
    flags |= PKT_PACKET_FLAG_FRAGMENT;
    if (frag & 0x1fff)
      goto done; /* only the first fragment carries the transport header */
  }
  off += ihl;
  goto l4;
}

ipv6 : {
  const guint8 *ip;
  guint plen;
  if (G_UNLIKELY (!NEED (off + 40) || off >= PKT_OFFSET_NONE))
    goto malformed;
  ip = d + off;
  if (G_UNLIKELY ((ip[0] >> 4) != 6))
    goto malformed;
  p->l3_off = (guint16)off;
  p->l3_proto = 6;
  plen = rd16 (ip + 4);
  end = caplen;
  if (plen != 0 && off + 40 + plen < end)
    end = off + 40 + plen;
  proto = ip[6];
  off += 40;
  for (;;) {
    guint hl;
    switch (proto) {
      case IP_PROTO_HOPOPTS:
      case IP_PROTO_ROUTING:
      case IP_PROTO_DSTOPTS:
        if (off + 2 > end)
          goto malformed_l4;
        hl = ((guint)d[off + 1] + 1) * 8;
        break;
      case IP_PROTO_AH:
        if (off + 2 > end)
          goto malformed_l4;
        hl = ((guint)d[off + 1] + 2) * 4;
        break;
      case IP_PROTO_FRAGMENT:
        if (off + 8 > end)
          goto malformed_l4;
        flags |= PKT_PACKET_FLAG_FRAGMENT;
        proto = d[off];
        if (rd16 (d + off + 2) & 0xfff8) {
          p->l4_proto = (guint8)proto;
          goto done;
        }
        off += 8;
        continue;
      default:
        goto ipv6_done;
    }
    if (off + hl > end)
      goto malformed_l4;
    proto = d[off];
    off += hl;
  }
ipv6_done:
  p->l4_proto = (guint8)proto;
}

l4 : {
  guint need = l4_min_len (proto);
  if (G_UNLIKELY (off >= PKT_OFFSET_NONE))
    goto done;
  if (G_UNLIKELY (off + need > end))
    goto malformed_l4;
  if (proto == IP_PROTO_TCP && G_UNLIKELY ((d[off + 12] >> 4) < 5))
    flags |= PKT_PACKET_FLAG_MALFORMED;
  p->l4_off = (guint16)off;
  goto done;
}

malformed_l4:
  p->l4_proto = (guint8)proto;
malformed:
  flags |= PKT_PACKET_FLAG_MALFORMED;
done:
  if (ntci && p->vlan_tci == 0) {
    p->vlan_tci = tci[0];
    p->inner_vlan_tci = tci[1];
  }
  p->flags = flags | PKT_PACKET_FLAG_PARSED;
  return p->l3_off != PKT_OFFSET_NONE;
}

gboolean
pkt_packet_parse (PktPacket *packet)
{
  if (G_LIKELY (packet->flags & PKT_PACKET_FLAG_PARSED))
    return packet->l3_off != PKT_OFFSET_NONE;
  return parse_impl (packet, 0);
}

gboolean
pkt_packet_parse_full (PktPacket *packet, guint flags)
{
  if (packet->flags & PKT_PACKET_FLAG_PARSED)
    return packet->l3_off != PKT_OFFSET_NONE;
  return parse_impl (packet, flags);
}

/* ---- flow keys and hashes ---- */

gboolean
pkt_packet_get_flow_key (PktPacket *packet, PktFlowKey *key)
{
  const guint8 *ip, *l4;

  memset (key, 0, sizeof *key);
  if (!pkt_packet_parse (packet))
    return FALSE;
  ip = packet->data + packet->l3_off;
  if (packet->l3_proto == 4) {
    key->src.family = key->dst.family = 4;
    memcpy (key->src.bytes, ip + 12, 4);
    memcpy (key->dst.bytes, ip + 16, 4);
  } else {
    key->src.family = key->dst.family = 6;
    memcpy (key->src.bytes, ip + 8, 16);
    memcpy (key->dst.bytes, ip + 24, 16);
  }
  key->proto = packet->l4_proto;
  if (packet->l4_off == PKT_OFFSET_NONE)
    return TRUE;
  l4 = packet->data + packet->l4_off;
  switch (packet->l4_proto) {
    case IP_PROTO_TCP:
    case IP_PROTO_UDP:
    case IP_PROTO_SCTP:
      key->sport = rd16 (l4);
      key->dport = rd16 (l4 + 2);
      break;
    case IP_PROTO_ICMP:
    case IP_PROTO_ICMPV6:
      key->sport = l4[0];
      key->dport = l4[1];
      break;
    default:
      break;
  }
  return TRUE;
}

static inline guint32
rotl32 (guint32 x, int r)
{
  return (x << r) | (x >> (32 - r));
}

/* murmur3 block mixing and finalizer: cheap and well distributed */
static inline guint32
hash_mix (guint32 h, guint32 w)
{
  w *= 0xcc9e2d51u;
  w = rotl32 (w, 15);
  w *= 0x1b873593u;
  h ^= w;
  h = rotl32 (h, 13);
  return h * 5 + 0xe6546b64u;
}

static inline guint32
hash_final (guint32 h)
{
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static guint32
hash_words (const guint8 *a, const guint8 *b, guint alen, guint32 ports, guint8 proto)
{
  guint32 h = 0x9747b28cu ^ proto;
  guint i;
  for (i = 0; i < alen; i += 4) {
    guint32 wa, wb;
    memcpy (&wa, a + i, 4);
    memcpy (&wb, b + i, 4);
    h = hash_mix (h, wa);
    h = hash_mix (h, wb);
  }
  h = hash_mix (h, ports);
  return hash_final (h ^ alen);
}

static inline guint
addr_len (const PktAddr *a)
{
  return a->family == 6 ? 16 : 4;
}

guint32
pkt_flow_key_hash (const PktFlowKey *key)
{
  return hash_words (key->src.bytes, key->dst.bytes, addr_len (&key->src),
                     ((guint32)key->sport << 16) | key->dport, key->proto);
}

gboolean
pkt_flow_key_is_canonical (const PktFlowKey *key)
{
  int c = memcmp (key->src.bytes, key->dst.bytes, addr_len (&key->src));
  return c < 0 || (c == 0 && key->sport <= key->dport);
}

guint32
pkt_flow_key_hash_symmetric (const PktFlowKey *key)
{
  if (pkt_flow_key_is_canonical (key))
    return pkt_flow_key_hash (key);
  return hash_words (key->dst.bytes, key->src.bytes, addr_len (&key->src),
                     ((guint32)key->dport << 16) | key->sport, key->proto);
}

gboolean
pkt_flow_key_equal (const PktFlowKey *a, const PktFlowKey *b)
{
  return a->src.family == b->src.family && a->proto == b->proto && a->sport == b->sport
         && a->dport == b->dport && memcmp (a->src.bytes, b->src.bytes, addr_len (&a->src)) == 0
         && memcmp (a->dst.bytes, b->dst.bytes, addr_len (&a->src)) == 0;
}

void
pkt_flow_key_reverse (const PktFlowKey *key, PktFlowKey *out)
{
  PktFlowKey tmp = *key;
  tmp.src = key->dst;
  tmp.dst = key->src;
  tmp.sport = key->dport;
  tmp.dport = key->sport;
  *out = tmp;
}

char *
pkt_flow_key_to_string (const PktFlowKey *key)
{
  g_autofree char *s = pkt_addr_to_string (&key->src);
  g_autofree char *d = pkt_addr_to_string (&key->dst);
  if (key->src.family == 6)
    return g_strdup_printf ("%u [%s]:%u -> [%s]:%u", key->proto, s, key->sport, d, key->dport);
  return g_strdup_printf ("%u %s:%u -> %s:%u", key->proto, s, key->sport, d, key->dport);
}

guint32
pkt_packet_hash_symmetric (PktPacket *packet)
{
  PktFlowKey key;

  /* IPv4 with ports: the same value as the generic path, without building a key */
  if (G_LIKELY (pkt_packet_parse (packet)) && packet->l3_proto == 4
      && packet->l4_off != PKT_OFFSET_NONE
      && (packet->l4_proto == IP_PROTO_TCP || packet->l4_proto == IP_PROTO_UDP
          || packet->l4_proto == IP_PROTO_SCTP)) {
    const guint8 *ip = packet->data + packet->l3_off, *l4 = packet->data + packet->l4_off;
    guint32 s = rd32 (ip + 12), d = rd32 (ip + 16), ws, wd;
    guint sp = rd16 (l4), dp = rd16 (l4 + 2);
    guint32 h = 0x9747b28cu ^ packet->l4_proto;
    gboolean canonical = s < d || (s == d && sp <= dp);
    memcpy (&ws, ip + (canonical ? 12 : 16), 4);
    memcpy (&wd, ip + (canonical ? 16 : 12), 4);
    h = hash_mix (h, ws);
    h = hash_mix (h, wd);
    h = hash_mix (h, canonical ? ((guint32)sp << 16 | dp) : ((guint32)dp << 16 | sp));
    return hash_final (h ^ 4);
  }

  if (G_LIKELY (pkt_packet_get_flow_key (packet, &key)))
    return pkt_flow_key_hash_symmetric (&key);
  if (packet->linktype == PKT_LINK_ETHERNET && packet->caplen >= 12) {
    /* order the MAC pair so both directions agree */
    guint8 a[8] = { 0 }, b[8] = { 0 };
    memcpy (a, packet->data, 6);
    memcpy (b, packet->data + 6, 6);
    if (memcmp (a, b, 6) > 0)
      return hash_words (b, a, 8, 0, 0);
    return hash_words (a, b, 8, 0, 0);
  }
  return 0;
}

/* ---- checksums ---- */

guint32
pkt_checksum_add (guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = sum;
  gsize i = 0;
  for (; i + 4 <= len; i += 4)
    acc += rd32 (data + i);
  for (; i + 2 <= len; i += 2)
    acc += rd16 (data + i);
  if (i < len)
    acc += (guint32)data[i] << 8;
  while (acc >> 32)
    acc = (acc & 0xffffffffu) + (acc >> 32);
  return (guint32)acc;
}

guint16
pkt_checksum_fold (guint32 sum)
{
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (guint16)~sum;
}

guint16
pkt_ipv4_header_checksum (const guint8 *ip)
{
  guint ihl = (guint)(ip[0] & 0x0f) * 4;
  guint32 sum = pkt_checksum_add (0, ip, 10);
  sum = pkt_checksum_add (sum, ip + 12, ihl - 12);
  return pkt_checksum_fold (sum);
}

static guint16
l4_checksum (guint32 sum, guint8 proto, const guint8 *l4, gsize len)
{
  guint16 c;
  sum = pkt_checksum_add (sum, l4, len);
  c = pkt_checksum_fold (sum);
  if (c == 0 && proto == IP_PROTO_UDP)
    c = 0xffff;
  return c;
}

guint16
pkt_l4_checksum_ipv4 (const guint8 *src, const guint8 *dst, guint8 proto, const guint8 *l4,
                      gsize len)
{
  guint32 sum = pkt_checksum_add (0, src, 4);
  sum = pkt_checksum_add (sum, dst, 4);
  sum += proto;
  sum += (guint32)len;
  return l4_checksum (sum, proto, l4, len);
}

guint16
pkt_l4_checksum_ipv6 (const guint8 *src, const guint8 *dst, guint8 proto, const guint8 *l4,
                      gsize len)
{
  guint32 sum = pkt_checksum_add (0, src, 16);
  sum = pkt_checksum_add (sum, dst, 16);
  sum += proto;
  sum += (guint32)(len >> 16);
  sum += (guint32)(len & 0xffff);
  return l4_checksum (sum, proto, l4, len);
}

/* ---- tunnel header parsers ---- */

static inline void
info_init (PktTunnelInfo *info, guint8 type)
{
  /* field by field: this runs per packet, a memset call costs more */
  info->hdr_len = 0;
  info->inner = PKT_LINK_UNKNOWN;
  info->tunnel_type = type;
  info->has_id = FALSE;
  info->protocol = 0;
  info->next_proto = 0;
  info->id = 0;
  info->seq = 0;
  info->has_seq = FALSE;
  info->version = 0;
  info->vlan = 0;
}

static inline guint8
link_for_ethertype (guint et)
{
  switch (et) {
    case PKT_ETH_P_IPV4:
      return PKT_LINK_RAW_IPV4;
    case PKT_ETH_P_IPV6:
      return PKT_LINK_RAW_IPV6;
    case PKT_ETH_P_TEB:
      return PKT_LINK_ETHERNET;
    default:
      return PKT_LINK_UNKNOWN;
  }
}

PktHeaderResult
pkt_vxlan_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  info_init (info, PKT_TUNNEL_VXLAN);
  if (len < 8)
    return PKT_HEADER_MALFORMED;
  if (!(data[0] & 0x08)) /* I flag: a valid VNI */
    return PKT_HEADER_NOT_MATCHED;
  info->hdr_len = 8;
  info->id = rd32 (data + 4) >> 8;
  info->has_id = TRUE;
  info->inner = PKT_LINK_ETHERNET;
  info->next_proto = PKT_ETH_P_TEB;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_geneve_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  guint optlen, o;
  info_init (info, PKT_TUNNEL_GENEVE);
  if (len < 8)
    return PKT_HEADER_MALFORMED;
  if ((data[0] >> 6) != 0)
    return PKT_HEADER_NOT_MATCHED;
  optlen = (guint)(data[0] & 0x3f) * 4;
  if (len < 8 + optlen)
    return PKT_HEADER_MALFORMED;
  /* options are TLVs: walk them so an inconsistent length is caught */
  for (o = 8; o < 8 + optlen;) {
    if (o + 4 > 8 + optlen)
      return PKT_HEADER_MALFORMED;
    o += 4 + (guint)(data[o + 3] & 0x1f) * 4;
  }
  if (o != 8 + optlen)
    return PKT_HEADER_MALFORMED;
  info->hdr_len = (guint16)(8 + optlen);
  info->next_proto = rd16 (data + 2);
  info->id = rd32 (data + 4) >> 8;
  info->has_id = TRUE;
  info->inner = link_for_ethertype (info->next_proto);
  if (data[1] & 0x80) /* O: control message, no payload to peel */
    return PKT_HEADER_NOT_MATCHED;
  return info->inner == PKT_LINK_UNKNOWN ? PKT_HEADER_NOT_MATCHED : PKT_HEADER_OK;
}

static PktHeaderResult
inner_ip_by_nibble (const guint8 *data, gsize len, guint off, PktTunnelInfo *info)
{
  if (off >= len)
    return PKT_HEADER_MALFORMED;
  switch (data[off] >> 4) {
    case 4:
      info->inner = PKT_LINK_RAW_IPV4;
      info->next_proto = PKT_ETH_P_IPV4;
      return PKT_HEADER_OK;
    case 6:
      info->inner = PKT_LINK_RAW_IPV6;
      info->next_proto = PKT_ETH_P_IPV6;
      return PKT_HEADER_OK;
    default:
      return PKT_HEADER_NOT_MATCHED;
  }
}

PktHeaderResult
pkt_gtpu_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  guint off = 8, flags, msg_len;
  info_init (info, PKT_TUNNEL_GTPU);
  if (len < 8)
    return PKT_HEADER_MALFORMED;
  flags = data[0];
  if ((flags >> 5) != 1 || !(flags & 0x10)) /* version 1, protocol type GTP */
    return PKT_HEADER_NOT_MATCHED;
  msg_len = rd16 (data + 2);
  info->id = rd32 (data + 4);
  info->has_id = TRUE;
  info->version = 1;
  if (flags & 0x07) {
    guint next;
    if (len < 12)
      return PKT_HEADER_MALFORMED;
    if (flags & 0x02) {
      info->seq = rd16 (data + 8);
      info->has_seq = TRUE;
    }
    next = (flags & 0x04) ? data[11] : 0;
    off = 12;
    while (next != 0) {
      guint elen;
      if (off + 1 > len)
        return PKT_HEADER_MALFORMED;
      elen = (guint)data[off] * 4;
      if (elen == 0 || off + elen > len)
        return PKT_HEADER_MALFORMED;
      next = data[off + elen - 1];
      off += elen;
    }
  }
  if (8 + msg_len < off)
    return PKT_HEADER_MALFORMED;
  info->hdr_len = (guint16)off;
  if (data[1] != 0xff) /* only G-PDU carries user packets */
    return PKT_HEADER_NOT_MATCHED;
  return inner_ip_by_nibble (data, len, off, info);
}

PktHeaderResult
pkt_gre_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  guint flags, proto, ver, off = 4;
  info_init (info, PKT_TUNNEL_GRE);
  if (len < 4)
    return PKT_HEADER_MALFORMED;
  flags = rd16 (data);
  proto = rd16 (data + 2);
  ver = flags & 0x7;
  info->version = (guint8)ver;
  info->next_proto = (guint16)proto;
  if (ver == 0) {
    if (flags & 0xc000) /* checksum and/or routing: checksum + offset */
      off += 4;
    if (flags & 0x2000) {
      if (off + 4 > len)
        return PKT_HEADER_MALFORMED;
      info->id = rd32 (data + off);
      info->has_id = TRUE;
      off += 4;
    }
    if (flags & 0x1000) {
      if (off + 4 > len)
        return PKT_HEADER_MALFORMED;
      info->seq = rd32 (data + off);
      info->has_seq = TRUE;
      off += 4;
    }
    if (flags & 0x4000) { /* RFC 1701 source route entries, ended by an empty one */
      for (;;) {
        guint sre_len;
        if (off + 4 > len)
          return PKT_HEADER_MALFORMED;
        sre_len = data[off + 3];
        off += 4 + sre_len;
        if (sre_len == 0)
          break;
      }
    }
  } else if (ver == 1) { /* enhanced GRE (PPTP): key = payload length + call id */
    if (!(flags & 0x2000) || proto != PKT_ETH_P_PPP)
      return PKT_HEADER_NOT_MATCHED;
    if (off + 4 > len)
      return PKT_HEADER_MALFORMED;
    info->id = rd16 (data + off + 2);
    info->has_id = TRUE;
    off += 4;
    if (flags & 0x1000) {
      if (off + 4 > len)
        return PKT_HEADER_MALFORMED;
      info->seq = rd32 (data + off);
      info->has_seq = TRUE;
      off += 4;
    }
    if (flags & 0x0080)
      off += 4;
  } else {
    return PKT_HEADER_NOT_MATCHED;
  }
  if (off > len)
    return PKT_HEADER_MALFORMED;

  switch (proto) {
    case PKT_ETH_P_IPV4:
    case PKT_ETH_P_IPV6:
    case PKT_ETH_P_TEB:
      info->inner = link_for_ethertype (proto);
      break;
    case PKT_ETH_P_ERSPAN2:
      info->tunnel_type = PKT_TUNNEL_ERSPAN;
      info->inner = PKT_LINK_ETHERNET;
      if (!(flags & 0x1000)) { /* type I: no ERSPAN header */
        info->version = 1;
        info->has_id = FALSE;
        break;
      }
      if (off + 8 > len)
        return PKT_HEADER_MALFORMED;
      if ((data[off] >> 4) != 1)
        return PKT_HEADER_NOT_MATCHED;
      info->version = 2;
      info->vlan = rd16 (data + off) & 0x0fff;
      info->id = rd16 (data + off + 2) & 0x03ff;
      info->has_id = TRUE;
      off += 8;
      break;
    case PKT_ETH_P_ERSPAN3: {
      guint32 w;
      info->tunnel_type = PKT_TUNNEL_ERSPAN;
      if (off + 12 > len)
        return PKT_HEADER_MALFORMED;
      if ((data[off] >> 4) != 2)
        return PKT_HEADER_NOT_MATCHED;
      info->version = 3;
      info->vlan = rd16 (data + off) & 0x0fff;
      info->id = rd16 (data + off + 2) & 0x03ff;
      info->has_id = TRUE;
      w = rd32 (data + off + 8);
      off += 12 + ((w & 1) ? 8 : 0); /* O: platform specific subheader */
      if (off > len)
        return PKT_HEADER_MALFORMED;
      switch ((w >> 10) & 0x1f) {
        case 0:
          info->inner = PKT_LINK_ETHERNET;
          break;
        case 2:
          info->hdr_len = (guint16)off;
          return inner_ip_by_nibble (data, len, off, info);
        default:
          return PKT_HEADER_NOT_MATCHED;
      }
      break;
    }
    case PKT_ETH_P_MPLS_UC:
    case PKT_ETH_P_MPLS_MC:
      break; /* caller continues with the label stack */
    case PKT_ETH_P_PPP: {
      guint pp;
      if (off + 1 > len)
        return PKT_HEADER_MALFORMED;
      if (data[off] == 0xff) { /* address and control fields */
        if (off + 2 > len)
          return PKT_HEADER_MALFORMED;
        if (data[off + 1] == 0x03)
          off += 2;
      }
      if (off + 1 > len)
        return PKT_HEADER_MALFORMED;
      if (data[off] & 1) { /* protocol field compression */
        pp = data[off];
        off += 1;
      } else {
        if (off + 2 > len)
          return PKT_HEADER_MALFORMED;
        pp = rd16 (data + off);
        off += 2;
      }
      info->hdr_len = (guint16)off;
      if (pp == 0x21)
        info->inner = PKT_LINK_RAW_IPV4;
      else if (pp == 0x57)
        info->inner = PKT_LINK_RAW_IPV6;
      else
        return PKT_HEADER_NOT_MATCHED;
      return PKT_HEADER_OK;
    }
    default:
      info->hdr_len = (guint16)off;
      return PKT_HEADER_NOT_MATCHED;
  }
  info->hdr_len = (guint16)off;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_gue_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  guint hlen;
  info_init (info, PKT_TUNNEL_GUE);
  if (len < 1)
    return PKT_HEADER_MALFORMED;
  switch (data[0] >> 6) {
    case 1: /* variant 1: the IP header itself */
      info->version = 1;
      return inner_ip_by_nibble (data, len, 0, info);
    case 0:
      break;
    default:
      return PKT_HEADER_NOT_MATCHED;
  }
  if (len < 4)
    return PKT_HEADER_MALFORMED;
  hlen = 4 + (guint)(data[0] & 0x1f) * 4;
  if (len < hlen)
    return PKT_HEADER_MALFORMED;
  info->hdr_len = (guint16)hlen;
  info->next_proto = data[1];
  if (data[0] & 0x20) /* C: control message */
    return PKT_HEADER_NOT_MATCHED;
  if (data[1] == IP_PROTO_IPIP)
    info->inner = PKT_LINK_RAW_IPV4;
  else if (data[1] == IP_PROTO_IPV6)
    info->inner = PKT_LINK_RAW_IPV6;
  else
    return PKT_HEADER_NOT_MATCHED;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_mpls_parse (const guint8 *data, gsize len, guint flags, PktTunnelInfo *info)
{
  guint off = 0;
  gboolean first = TRUE;
  info_init (info, PKT_TUNNEL_MPLS);
  for (;;) {
    guint32 w;
    if (off + 4 > len)
      return PKT_HEADER_MALFORMED;
    w = rd32 (data + off);
    if (first) {
      info->id = w >> 12;
      info->has_id = TRUE;
      first = FALSE;
    }
    off += 4;
    if (w & 0x100) /* bottom of stack */
      break;
  }
  info->hdr_len = (guint16)MIN (off, G_MAXUINT16);
  if (off + 1 > len)
    return PKT_HEADER_MALFORMED;
  switch (data[off] >> 4) {
    case 4:
      info->inner = PKT_LINK_RAW_IPV4;
      return PKT_HEADER_OK;
    case 6:
      info->inner = PKT_LINK_RAW_IPV6;
      return PKT_HEADER_OK;
    case 0:
      if (flags & PKT_PARSE_MPLS_CONTROL_WORD) {
        if (off + 4 > len)
          return PKT_HEADER_MALFORMED;
        off += 4;
      }
      break;
    default:
      break;
  }
  if (!(flags & PKT_PARSE_MPLS_ETHERNET))
    return PKT_HEADER_NOT_MATCHED;
  info->hdr_len = (guint16)MIN (off, G_MAXUINT16);
  info->inner = PKT_LINK_ETHERNET;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_pppoe_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  guint pp;
  info_init (info, PKT_TUNNEL_PPPOE);
  if (len < 8)
    return PKT_HEADER_MALFORMED;
  if (data[0] != 0x11 || data[1] != 0x00) /* version 1 type 1, session data */
    return PKT_HEADER_NOT_MATCHED;
  info->id = rd16 (data + 2);
  info->has_id = TRUE;
  info->hdr_len = 8;
  pp = rd16 (data + 6);
  if (pp == 0x0021)
    info->inner = PKT_LINK_RAW_IPV4;
  else if (pp == 0x0057)
    info->inner = PKT_LINK_RAW_IPV6;
  else
    return PKT_HEADER_NOT_MATCHED;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_teredo_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  gsize off = 0;
  info_init (info, PKT_TUNNEL_TEREDO);
  if (len < 2)
    return PKT_HEADER_MALFORMED;
  if (rd16 (data) == 0x0001) { /* authentication indicator */
    if (len < 4)
      return PKT_HEADER_MALFORMED;
    off = 4 + (gsize)data[2] + data[3] + 8 + 1;
    if (off + 2 > len)
      return PKT_HEADER_MALFORMED;
  }
  if (rd16 (data + off) == 0x0000) /* origin indication */
    off += 8;
  if (off + 1 > len)
    return PKT_HEADER_MALFORMED;
  if ((data[off] >> 4) != 6)
    return PKT_HEADER_NOT_MATCHED;
  info->hdr_len = (guint16)off;
  info->inner = PKT_LINK_RAW_IPV6;
  info->next_proto = PKT_ETH_P_IPV6;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_ayiya_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  gsize hdr;
  info_init (info, PKT_TUNNEL_AYIYA);
  if (len < 8)
    return PKT_HEADER_MALFORMED;
  hdr = 8 + ((gsize)1 << (data[0] >> 4)) + (gsize)(data[1] >> 4) * 4;
  if (hdr > len)
    return PKT_HEADER_MALFORMED;
  info->hdr_len = (guint16)hdr;
  info->next_proto = data[3];
  if ((data[2] & 0x0f) != 1) /* opcode forward */
    return PKT_HEADER_NOT_MATCHED;
  if (data[3] == IP_PROTO_IPV6)
    info->inner = PKT_LINK_RAW_IPV6;
  else if (data[3] == IP_PROTO_IPIP)
    info->inner = PKT_LINK_RAW_IPV4;
  else
    return PKT_HEADER_NOT_MATCHED;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_pbb_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  info_init (info, PKT_TUNNEL_PBB);
  if (len < 4 + 14)
    return PKT_HEADER_MALFORMED;
  info->id = rd32 (data) & 0x00ffffff;
  info->has_id = TRUE;
  info->hdr_len = 4;
  info->inner = PKT_LINK_ETHERNET;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_fabricpath_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  info_init (info, PKT_TUNNEL_OTHER);
  if (len < 16 + 14)
    return PKT_HEADER_MALFORMED;
  if (rd16 (data + 12) != PKT_ETH_P_FABRICPATH)
    return PKT_HEADER_NOT_MATCHED;
  info->id = rd16 (data + 14) >> 6; /* FTag */
  info->has_id = TRUE;
  info->hdr_len = 16;
  info->inner = PKT_LINK_ETHERNET;
  return PKT_HEADER_OK;
}

PktHeaderResult
pkt_vntag_parse (const guint8 *data, gsize len, PktTunnelInfo *info)
{
  info_init (info, PKT_TUNNEL_OTHER);
  if (len < 6)
    return PKT_HEADER_MALFORMED;
  info->id = rd16 (data) & 0x3fff; /* destination virtual interface */
  info->has_id = TRUE;
  info->hdr_len = 6; /* the tag and the next ethertype */
  info->next_proto = rd16 (data + 4);
  return PKT_HEADER_OK;
}

/* ---- decapsulation ---- */

/* Layers found inside IP: without one of them there is no need to look past L2. */
#define PKT_DECAP_IP_LEVEL                                                                         \
  (PKT_DECAP_MPLS | PKT_DECAP_VXLAN | PKT_DECAP_GENEVE | PKT_DECAP_GTPU | PKT_DECAP_GRE            \
   | PKT_DECAP_GUE | PKT_DECAP_IPIP | PKT_DECAP_TEREDO | PKT_DECAP_AYIYA)

/* The descriptor update of one peeled layer: @data moves to @off (checked
 * by the caller), the outermost tags and tunnel are remembered. */
static inline void
move_front (PktPacket *p, guint off, guint linktype, guint tunnel_type, guint32 tunnel_id,
            const guint16 *tci, guint ntci)
{
  p->data += off;
  p->caplen -= off;
  p->len = p->len > off ? p->len - off : p->caplen;
  p->linktype = (guint8)linktype;
  if (ntci && p->vlan_tci == 0) {
    p->vlan_tci = tci[0];
    p->inner_vlan_tci = tci[1];
  }
  if (tunnel_type != PKT_TUNNEL_NONE && p->tunnel_type == PKT_TUNNEL_NONE) {
    p->tunnel_type = (guint8)tunnel_type;
    p->tunnel_id = tunnel_id;
  }
  pkt_packet_reset_parse (p);
}

/* Moves the front of @p to @off. The payload's fixed header must be there:
 * a tunnel whose inner header is cut short is malformed, not peeled. */
static PktDecapResult
peel (PktPacket *p, guint off, guint linktype, const PktTunnelInfo *ti, const guint16 *tci,
      guint ntci, PktTunnelInfo *out)
{
  const guint8 *d = p->data;
  guint avail;
  if (off > p->caplen)
    goto malformed;
  avail = p->caplen - off;
  switch (linktype) {
    case PKT_LINK_ETHERNET:
      if (avail < 14)
        goto malformed;
      break;
    case PKT_LINK_RAW_IPV4:
      if (avail < 20 || (d[off] >> 4) != 4)
        goto malformed;
      break;
    case PKT_LINK_RAW_IPV6:
      if (avail < 40 || (d[off] >> 4) != 6)
        goto malformed;
      break;
    default:
      goto malformed;
  }
  move_front (p, off, linktype, ti->tunnel_type, ti->has_id ? ti->id : 0, tci, ntci);
  if (out)
    *out = *ti;
  return PKT_DECAP_RESULT_DONE;
malformed:
  p->flags |= PKT_PACKET_FLAG_MALFORMED;
  return PKT_DECAP_RESULT_MALFORMED;
}

static PktDecapResult
header_result (PktHeaderResult r)
{
  return r == PKT_HEADER_MALFORMED ? PKT_DECAP_RESULT_MALFORMED : PKT_DECAP_RESULT_NONE;
}

static inline gboolean
is_port (guint sport, guint dport, guint port)
{
  return sport == port || dport == port;
}

/* Which UDP tunnel a port pair announces, restricted to @protocols. */
static inline guint
udp_tunnel_kind (guint sport, guint dport, guint protocols, const PktDecapConfig *cfg)
{
  if ((protocols & PKT_DECAP_VXLAN)
      && (dport == PKT_PORT_VXLAN || dport == PKT_PORT_VXLAN_LINUX
          || (cfg->vxlan_port && dport == cfg->vxlan_port)))
    return PKT_DECAP_VXLAN;
  if ((protocols & PKT_DECAP_GENEVE) && dport == PKT_PORT_GENEVE)
    return PKT_DECAP_GENEVE;
  if ((protocols & PKT_DECAP_GTPU) && is_port (sport, dport, PKT_PORT_GTPU))
    return PKT_DECAP_GTPU;
  if ((protocols & PKT_DECAP_GUE)
      && (dport == PKT_PORT_GUE || dport == PKT_PORT_GUE_KATRAN
          || (cfg->gue_port && dport == cfg->gue_port)))
    return PKT_DECAP_GUE;
  if ((protocols & PKT_DECAP_TEREDO) && is_port (sport, dport, PKT_PORT_TEREDO))
    return PKT_DECAP_TEREDO;
  if ((protocols & PKT_DECAP_AYIYA) && is_port (sport, dport, PKT_PORT_AYIYA))
    return PKT_DECAP_AYIYA;
  if ((protocols & PKT_DECAP_MPLS) && dport == PKT_PORT_MPLS_UDP)
    return PKT_DECAP_MPLS;
  if ((protocols & PKT_DECAP_GRE) && dport == PKT_PORT_GRE_UDP)
    return PKT_DECAP_GRE;
  return 0;
}

/* GRE's payload may be an MPLS stack: peel it in the same step. */
static PktDecapResult
peel_gre (PktPacket *p, guint off, guint end, PktTunnelInfo *ti, guint pflags, const guint16 *tci,
          guint ntci, PktTunnelInfo *out)
{
  PktHeaderResult r = pkt_gre_parse (p->data + off, end - off, ti);
  if (r != PKT_HEADER_OK)
    return header_result (r);
  off += ti->hdr_len;
  if (ti->inner == PKT_LINK_UNKNOWN) { /* MPLS */
    PktTunnelInfo m;
    r = pkt_mpls_parse (p->data + off, end - off, pflags, &m);
    if (r != PKT_HEADER_OK)
      return header_result (r);
    off += m.hdr_len;
    ti->inner = m.inner;
  }
  ti->protocol = PKT_DECAP_GRE;
  return peel (p, off, ti->inner, ti, tci, ntci, out);
}

/* The layer-by-layer walk: every link type, tag, label and tunnel. */
static inline PktDecapResult
decap_general (PktPacket *p, guint protocols, const PktDecapConfig *cfg, PktTunnelInfo *out)
{
  const guint8 *d = p->data;
  const guint caplen = p->caplen;
  guint off = 0, et = 0, tag_kinds = 0, ntci = 0, proto, end;
  guint tag_off = 0, tag_et = 0;
  guint16 tci[2] = { 0, 0 };
  PktTunnelInfo ti;
  PktHeaderResult r;
  PktDecapResult res = PKT_DECAP_RESULT_NONE;

  switch (link_start (p, &off, &et)) {
    case LINK_ETHERNET:
      goto ethernet;
    case LINK_TAGS:
      goto tags;
    case LINK_ETHERTYPE:
      goto dispatch;
    case LINK_IP:
      goto ip;
    case LINK_TRUNCATED:
      goto malformed;
    case LINK_UNKNOWN:
      return PKT_DECAP_RESULT_NONE;
  }

ethernet:
  if (!NEED (off + 14))
    goto malformed;
  et = rd16 (d + off + 12);
  if (G_UNLIKELY (et == PKT_ETH_P_FABRICPATH)) {
    r = pkt_fabricpath_parse (d + off, caplen - off, &ti);
    if (r != PKT_HEADER_OK)
      goto header_fail;
    if (protocols & PKT_DECAP_FABRICPATH) {
      ti.protocol = PKT_DECAP_FABRICPATH;
      return peel (p, off + ti.hdr_len, PKT_LINK_ETHERNET, &ti, tci, ntci, out);
    }
    off += ti.hdr_len;
    goto ethernet;
  }
  off += 14;

tags:
  while (ethertype_is_tag (et)) {
    guint tl = et == PKT_ETH_P_VNTAG ? 6 : 4;
    if (!NEED (off + tl))
      goto malformed;
    if (tl == 6) {
      tag_kinds |= PKT_DECAP_VNTAG;
    } else {
      tag_kinds |= PKT_DECAP_VLAN;
      if (ntci < 2)
        tci[ntci++] = rd16 (d + off);
    }
    et = rd16 (d + off + tl - 2);
    off += tl;
  }

dispatch:
  if (G_LIKELY (et == PKT_ETH_P_IPV4 || et == PKT_ETH_P_IPV6))
    goto l3;
  switch (et) {
    case PKT_ETH_P_IPV4:
    case PKT_ETH_P_IPV6:
    l3:
      if (tag_kinds & protocols) {
        /* Peel the tags now, unless a tunnel inside IP may be peeled along
         * with them in this same step (one walk instead of two). */
        tag_off = off;
        tag_et = et;
        if (protocols & PKT_DECAP_IP_LEVEL)
          goto ip_at;
        goto none;
      }
      goto ip_at;
    case PKT_ETH_P_MPLS_UC:
    case PKT_ETH_P_MPLS_MC:
      if (!(protocols & PKT_DECAP_MPLS))
        return PKT_DECAP_RESULT_NONE;
      r = pkt_mpls_parse (d + off, caplen - off, cfg->parse_flags, &ti);
      if (r != PKT_HEADER_OK)
        goto header_fail;
      ti.protocol = PKT_DECAP_MPLS;
      return peel (p, off + ti.hdr_len, ti.inner, &ti, tci, ntci, out);
    case PKT_ETH_P_PPPOE_SES:
      if (!(protocols & PKT_DECAP_PPPOE))
        return PKT_DECAP_RESULT_NONE;
      r = pkt_pppoe_parse (d + off, caplen - off, &ti);
      if (r != PKT_HEADER_OK)
        goto header_fail;
      ti.protocol = PKT_DECAP_PPPOE;
      return peel (p, off + ti.hdr_len, ti.inner, &ti, tci, ntci, out);
    case PKT_ETH_P_PBB_ITAG:
      r = pkt_pbb_parse (d + off, caplen - off, &ti);
      if (r != PKT_HEADER_OK)
        goto header_fail;
      if (protocols & PKT_DECAP_PBB) {
        ti.protocol = PKT_DECAP_PBB;
        return peel (p, off + ti.hdr_len, PKT_LINK_ETHERNET, &ti, tci, ntci, out);
      }
      off += ti.hdr_len;
      tag_kinds = 0; /* the customer frame's tags are its own layer */
      goto ethernet;
    default:
      return PKT_DECAP_RESULT_NONE;
  }

ip:
  if (!NEED (1))
    goto malformed;
ip_at:
  if (!(protocols & PKT_DECAP_IP_LEVEL))
    goto none;
  if (!NEED (off + 1))
    goto malformed;
  if ((d[off] >> 4) == 4) {
    guint ihl, tot;
    if (!NEED (off + 20))
      goto malformed;
    ihl = (guint)(d[off] & 0x0f) * 4;
    tot = rd16 (d + off + 2);
    if (ihl < 20 || !NEED (off + ihl) || (tot != 0 && tot < ihl))
      goto malformed;
    if (rd16 (d + off + 6) & 0x3fff) /* fragment: nothing to peel without reassembly */
      goto none;
    end = (tot != 0 && off + tot < caplen) ? off + tot : caplen;
    proto = d[off + 9];
    off += ihl;
  } else if ((d[off] >> 4) == 6) {
    guint plen;
    if (!NEED (off + 40))
      goto malformed;
    plen = rd16 (d + off + 4);
    end = (plen != 0 && off + 40 + plen < caplen) ? off + 40 + plen : caplen;
    proto = d[off + 6];
    off += 40;
    for (;;) {
      guint hl;
      if (proto == IP_PROTO_HOPOPTS || proto == IP_PROTO_ROUTING || proto == IP_PROTO_DSTOPTS
          || proto == IP_PROTO_AH) {
        if (off + 2 > end)
          goto malformed;
        hl = proto == IP_PROTO_AH ? ((guint)d[off + 1] + 2) * 4 : ((guint)d[off + 1] + 1) * 8;
        if (off + hl > end)
          goto malformed;
        proto = d[off];
        off += hl;
      } else if (proto == IP_PROTO_FRAGMENT) {
        goto none;
      } else {
        break;
      }
    }
  } else {
    return p->linktype == PKT_LINK_ETHERNET ? PKT_DECAP_RESULT_MALFORMED : PKT_DECAP_RESULT_NONE;
  }

  switch (proto) {
    case IP_PROTO_IPIP:
    case IP_PROTO_IPV6:
      if (!(protocols & PKT_DECAP_IPIP))
        goto none;
      info_init (&ti, PKT_TUNNEL_IPIP);
      ti.protocol = PKT_DECAP_IPIP;
      ti.inner = proto == IP_PROTO_IPIP ? PKT_LINK_RAW_IPV4 : PKT_LINK_RAW_IPV6;
      if (end < off + (proto == IP_PROTO_IPIP ? 20 : 40))
        goto malformed;
      return peel (p, off, ti.inner, &ti, tci, ntci, out);
    case IP_PROTO_GRE:
      if (!(protocols & PKT_DECAP_GRE))
        goto none;
      res = peel_gre (p, off, end, &ti, cfg->parse_flags, tci, ntci, out);
      goto finish;
    case IP_PROTO_UDP: {
      guint sport, dport, kind, u;
      if (off + 8 > end)
        goto malformed;
      sport = rd16 (d + off);
      dport = rd16 (d + off + 2);
      kind = udp_tunnel_kind (sport, dport, protocols, cfg);
      if (kind == 0)
        goto none;
      u = off + 8;
      switch (kind) {
        case PKT_DECAP_VXLAN:
          r = pkt_vxlan_parse (d + u, end - u, &ti);
          break;
        case PKT_DECAP_GENEVE:
          r = pkt_geneve_parse (d + u, end - u, &ti);
          break;
        case PKT_DECAP_GTPU:
          r = pkt_gtpu_parse (d + u, end - u, &ti);
          break;
        case PKT_DECAP_GUE:
          r = pkt_gue_parse (d + u, end - u, &ti);
          break;
        case PKT_DECAP_TEREDO:
          r = pkt_teredo_parse (d + u, end - u, &ti);
          break;
        case PKT_DECAP_AYIYA:
          r = pkt_ayiya_parse (d + u, end - u, &ti);
          break;
        case PKT_DECAP_MPLS:
          r = pkt_mpls_parse (d + u, end - u, cfg->parse_flags, &ti);
          break;
        default: /* GRE in UDP */
          res = peel_gre (p, u, end, &ti, cfg->parse_flags, tci, ntci, out);
          goto finish;
      }
      if (r != PKT_HEADER_OK)
        goto header_fail;
      ti.protocol = kind;
      res = peel (p, u + ti.hdr_len, ti.inner, &ti, tci, ntci, out);
      goto finish;
    }
    default:
      goto none;
  }

none:
  if (tag_off) {
    ti = (PktTunnelInfo){ .protocol = tag_kinds & protocols, .inner = PKT_LINK_UNKNOWN };
    ti.hdr_len = (guint16)MIN (tag_off, G_MAXUINT16);
    ti.next_proto = (guint16)tag_et;
    return peel (p, tag_off, link_for_ethertype (tag_et), &ti, tci, ntci, out);
  }
  return PKT_DECAP_RESULT_NONE;
header_fail:
  if (r == PKT_HEADER_NOT_MATCHED)
    goto none;
  res = header_result (r);
finish:
  if (res == PKT_DECAP_RESULT_MALFORMED)
    p->flags |= PKT_PACKET_FLAG_MALFORMED;
  return res;
malformed:
  /* a header we would have had to cross is cut short */
  p->flags |= PKT_PACKET_FLAG_MALFORMED;
  return PKT_DECAP_RESULT_MALFORMED;
}

/* ---- the common case in a straight line ----
 *
 * Monitoring traffic is mostly one shape: Ethernet, a tag or two, IPv4 (or
 * IPv6 without extension headers), UDP to the VXLAN port, VXLAN; and inside
 * it an untagged IPv4 or IPv6 frame with nothing more to peel. The general
 * walk answers both questions (peel what? anything left?) through its
 * layer-by-layer dispatch; vxlan_match_fast() and nothing_to_peel_fast()
 * answer them for that shape alone, comparing 8-byte words against
 * patterns after one length check. Each says "no" to anything else, every
 * malformed or doubtful length included, and the general walk then
 * decides: they never give an answer the general walk would not
 * (/decap/headers/batch-agrees checks that both agree on every seed and
 * VXLAN shape, cut at every length and with bytes changed, and on real
 * captures; fuzz-headers aborts on any disagreement). */

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define BYTE_AT(x, i) ((guint64)(x) << (8 * (i)))
#else
#define BYTE_AT(x, i) ((guint64)(x) << (8 * (7 - (i))))
#endif
/* a big-endian 16-bit field at byte @i of a word loaded with ld64() */
#define BE16_AT(x, i) (BYTE_AT ((x) >> 8, i) | BYTE_AT ((x)&0xff, (i) + 1))
/* a 16-bit field as loaded from the wire by ld16() */
#define NET16(x) GUINT16_TO_BE (x)

static inline guint64
ld64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline guint16
ld16 (const guint8 *p)
{
  guint16 v;
  memcpy (&v, p, sizeof v);
  return v;
}

/* The word at 2 bytes before an IPv4 header (the ethertype): ethertype
 * IPv4, version 4 and no options. */
#define IPV4_AT2_MASK (BE16_AT (0xffff, 0) | BYTE_AT (0xff, 2))
#define IPV4_AT2_PAT  (BE16_AT (PKT_ETH_P_IPV4, 0) | BYTE_AT (0x45, 2))
/* The word at an IPv4 header's byte 6: flags/fragment offset, TTL, protocol */
#define FRAG_MASK        BE16_AT (0x3fff, 0)
#define FRAG_PROTO_MASK  (FRAG_MASK | BYTE_AT (0xff, 3))
#define PROTO_AT6(w)     ((guint)(((w) >> (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 24 : 32)) & 0xff))
#define UNFRAGMENTED_UDP BYTE_AT (IP_PROTO_UDP, 3)

/* Which UDP ports might carry a tunnel: a 1024-bit filter indexed by the
 * port as loaded from the wire, & 1023 (ports of every enabled tunnel,
 * either direction). A port not in it is no tunnel port; one in it is
 * checked exactly by udp_tunnel_kind(). */
typedef struct {
  guint64 bits[16];
} PortFilter;

static inline void
port_filter_add (PortFilter *f, guint port)
{
  const guint i = NET16 (port) & 1023;
  f->bits[i >> 6] |= G_GUINT64_CONSTANT (1) << (i & 63);
}

static inline gboolean
port_filter_has (const PortFilter *f, guint16 wire_port)
{
  const guint i = wire_port & 1023;
  return (f->bits[i >> 6] >> (i & 63)) & 1;
}

static void
port_filter_init (PortFilter *f, guint protocols, const PktDecapConfig *cfg)
{
  static const struct {
    guint protocol;
    guint16 port;
  } ports[] = {
    { PKT_DECAP_VXLAN, PKT_PORT_VXLAN },   { PKT_DECAP_VXLAN, PKT_PORT_VXLAN_LINUX },
    { PKT_DECAP_GENEVE, PKT_PORT_GENEVE }, { PKT_DECAP_GTPU, PKT_PORT_GTPU },
    { PKT_DECAP_GUE, PKT_PORT_GUE },       { PKT_DECAP_GUE, PKT_PORT_GUE_KATRAN },
    { PKT_DECAP_TEREDO, PKT_PORT_TEREDO }, { PKT_DECAP_AYIYA, PKT_PORT_AYIYA },
    { PKT_DECAP_MPLS, PKT_PORT_MPLS_UDP }, { PKT_DECAP_GRE, PKT_PORT_GRE_UDP },
  };
  guint i;
  memset (f, 0, sizeof *f);
  for (i = 0; i < G_N_ELEMENTS (ports); i++)
    if (protocols & ports[i].protocol)
      port_filter_add (f, ports[i].port);
  if ((protocols & PKT_DECAP_VXLAN) && cfg->vxlan_port)
    port_filter_add (f, cfg->vxlan_port);
  if ((protocols & PKT_DECAP_GUE) && cfg->gue_port)
    port_filter_add (f, cfg->gue_port);
}

#define ETH_IPV4_UDP_LEN (14 + 20 + 8)

/* Whether an IP payload of protocol @proto carries nothing @protocols
 * would peel; for UDP, the ports at @udp (inside the frame and the IP
 * length: the caller checked). */
static G_ALWAYS_INLINE inline gboolean
payload_has_nothing (guint proto, const guint8 *udp, guint protocols, const PktDecapConfig *cfg,
                     const PortFilter *ports)
{
  guint16 sport, dport;
  switch (proto) {
    case IP_PROTO_UDP:
      sport = ld16 (udp);
      dport = ld16 (udp + 2);
      if (G_LIKELY (!port_filter_has (ports, sport) && !port_filter_has (ports, dport)))
        return TRUE;
      return udp_tunnel_kind (GUINT16_FROM_BE (sport), GUINT16_FROM_BE (dport), protocols, cfg)
             == 0;
    case IP_PROTO_IPIP:
    case IP_PROTO_IPV6:
      return !(protocols & PKT_DECAP_IPIP);
    case IP_PROTO_GRE:
      return !(protocols & PKT_DECAP_GRE);
    default:
      return TRUE;
  }
}

/* Untagged Ethernet, IPv6 whose next header is the transport (extension
 * headers: the general walk), carrying nothing @protocols would peel. */
static inline gboolean
nothing_to_peel_ipv6 (const guint8 *d, guint caplen, guint protocols, const PktDecapConfig *cfg,
                      const PortFilter *ports)
{
  guint nh, plen;
  if (caplen < 14 + 40 + 8 || (d[14] >> 4) != 6)
    return FALSE;
  nh = d[20];
  if (nh == IP_PROTO_HOPOPTS || nh == IP_PROTO_ROUTING || nh == IP_PROTO_FRAGMENT
      || nh == IP_PROTO_DSTOPTS || nh == IP_PROTO_AH)
    return FALSE;
  /* a payload length that ends inside the UDP header: malformed, to the
   * general walk (0 = jumbogram/TSO: unknown) */
  plen = rd16 (d + 18);
  if (nh == IP_PROTO_UDP && plen != 0 && plen < 8 && 14 + 40 + plen < caplen)
    return FALSE;
  return payload_has_nothing (nh, d + 54, protocols, cfg, ports);
}

/* Untagged Ethernet, IPv4 without options or IPv6 without extension
 * headers, carrying nothing @protocols would peel (an IPv4 fragment carries
 * nothing to peel either). */
static G_ALWAYS_INLINE inline gboolean
nothing_to_peel_fast (const guint8 *d, guint caplen, guint protocols, const PktDecapConfig *cfg,
                      const PortFilter *ports)
{
  guint tot;
  guint64 w;

  if (caplen < ETH_IPV4_UDP_LEN)
    return FALSE;
  if ((ld64 (d + 12) & IPV4_AT2_MASK) != IPV4_AT2_PAT)
    return ld16 (d + 12) == NET16 (PKT_ETH_P_IPV6)
           && nothing_to_peel_ipv6 (d, caplen, protocols, cfg, ports);
  /* a total length below the UDP header's end (0 = TSO: unknown) needs
   * the general walk's closer look */
  tot = rd16 (d + 16);
  if (G_UNLIKELY (tot - 1 < 20 + 8 - 1))
    return FALSE;
  w = ld64 (d + 20);
  if (G_LIKELY ((w & FRAG_PROTO_MASK) == UNFRAGMENTED_UDP)) /* the common case first */
    return payload_has_nothing (IP_PROTO_UDP, d + 34, protocols, cfg, ports);
  if (w & FRAG_MASK)
    return TRUE;
  return payload_has_nothing (PROTO_AT6 (w), d + 34, protocols, cfg, ports);
}

typedef struct {
  guint vxlan; /* offset of the VXLAN header */
  guint16 tci[2];
  guint ntci;
} VxlanMatch;

static inline gboolean
is_vlan_tag (guint16 wire_et)
{
  return wire_et == NET16 (PKT_ETH_P_8021Q) || wire_et == NET16 (PKT_ETH_P_8021AD)
         || wire_et == NET16 (PKT_ETH_P_QINQ1);
}

/* The word at an 802.1Q-tagged frame's ethertype: the tag, then IPv4
 * version 4 without options (the TCI is not compared); the same for IPv6
 * (version 6). */
#define TAG_IPV4_MASK (BE16_AT (0xffff, 0) | BE16_AT (0xffff, 4) | BYTE_AT (0xff, 6))
#define TAG_IPV4_PAT                                                                               \
  (BE16_AT (PKT_ETH_P_8021Q, 0) | BE16_AT (PKT_ETH_P_IPV4, 4) | BYTE_AT (0x45, 6))
#define TAG_IPV6_MASK (BE16_AT (0xffff, 0) | BE16_AT (0xffff, 4) | BYTE_AT (0xf0, 6))
#define TAG_IPV6_PAT                                                                               \
  (BE16_AT (PKT_ETH_P_8021Q, 0) | BE16_AT (PKT_ETH_P_IPV6, 4) | BYTE_AT (0x60, 6))
#define IPV6_AT2_MASK (BE16_AT (0xffff, 0) | BYTE_AT (0xf0, 2))
#define IPV6_AT2_PAT  (BE16_AT (PKT_ETH_P_IPV6, 0) | BYTE_AT (0x60, 2))
/* The word at a UDP header's destination port: the VXLAN port, then the
 * VXLAN flags with I (a valid VNI) set. */
#define VXLAN_AT_DPORT_MASK (BE16_AT (0xffff, 0) | BYTE_AT (0x08, 6))
#define VXLAN_AT_DPORT_PAT  (BE16_AT (PKT_PORT_VXLAN, 0) | BYTE_AT (0x08, 6))

/* Where the IP header of an Ethernet frame with 0-2 VLAN tags starts, for
 * the IP header whose first byte and ethertype match @pat under @mask
 * (@tag_pat: the same behind one 802.1Q tag); 0 when it has no such header.
 * The common shapes first: one 802.1Q tag, no tag. */
static G_ALWAYS_INLINE inline guint
ip_offset_fast (const guint8 *d, VxlanMatch *m, guint64 tag_mask, guint64 tag_pat, guint64 mask,
                guint64 pat)
{
  const guint64 w = ld64 (d + 12);
  if (G_LIKELY ((w & tag_mask) == tag_pat)) {
    m->ntci = 1;
    m->tci[0] = rd16 (d + 14);
    m->tci[1] = 0;
    return 18;
  }
  m->tci[0] = m->tci[1] = 0;
  if ((w & mask) == pat) {
    m->ntci = 0;
    return 14;
  }
  if (!is_vlan_tag (ld16 (d + 12)))
    return 0;
  m->tci[0] = rd16 (d + 14);
  if ((ld64 (d + 16) & mask) == pat) {
    m->ntci = 1;
    return 18;
  }
  if (is_vlan_tag (ld16 (d + 16)) && (ld64 (d + 20) & mask) == pat) {
    m->ntci = 2;
    m->tci[1] = rd16 (d + 18);
    return 22;
  }
  return 0;
}

/* The UDP header of an IPv4 (no options, not a fragment) or IPv6 (no
 * extension headers) packet at @off whose length covers UDP and VXLAN
 * headers; 0 when it is anything else. */
static G_ALWAYS_INLINE inline guint
udp_offset_fast (const guint8 *d, guint caplen, guint off, gboolean v6)
{
  guint len;
  if (!v6) {
    if ((ld64 (d + off + 6) & FRAG_PROTO_MASK) != UNFRAGMENTED_UDP)
      return 0;
    len = rd16 (d + off + 2); /* total length: header included */
    if (len != 0 && len < 20 + 8 + 8 && off + len < caplen)
      return 0; /* malformed: the general walk says so */
    return off + 20;
  }
  if (d[off + 6] != IP_PROTO_UDP)
    return 0;
  len = rd16 (d + off + 4); /* payload length */
  if (len != 0 && len < 8 + 8 && off + 40 + len < caplen)
    return 0;
  return off + 40;
}

/* Ethernet (0-2 tags), IPv4 without options or fragmentation or IPv6
 * without extension headers, UDP to a VXLAN port, VXLAN with a VNI, and a
 * whole inner Ethernet header. The caller has checked that VXLAN is among
 * the protocols. */
static G_ALWAYS_INLINE inline gboolean
vxlan_match_fast (const guint8 *d, guint caplen, const PktDecapConfig *cfg, VxlanMatch *m)
{
  guint off, u;
  guint64 w;

  /* the longest IPv4 shape (two tags) is inside the bytes checked */
  if (caplen < 2 * 4 + ETH_IPV4_UDP_LEN + 8 + 14)
    return FALSE;
  if ((off = ip_offset_fast (d, m, TAG_IPV4_MASK, TAG_IPV4_PAT, IPV4_AT2_MASK, IPV4_AT2_PAT)))
    u = udp_offset_fast (d, caplen, off, FALSE);
  else if (caplen >= 2 * 4 + 14 + 40 + 8 + 8 + 14
           && (off
               = ip_offset_fast (d, m, TAG_IPV6_MASK, TAG_IPV6_PAT, IPV6_AT2_MASK, IPV6_AT2_PAT)))
    u = udp_offset_fast (d, caplen, off, TRUE);
  else
    return FALSE;
  if (!u)
    return FALSE;
  w = ld64 (d + u + 2);
  if (G_UNLIKELY ((w & VXLAN_AT_DPORT_MASK) != VXLAN_AT_DPORT_PAT)) {
    const guint16 dport = ld16 (d + u + 2);
    if (!(d[u + 8] & 0x08)
        || !(dport == NET16 (PKT_PORT_VXLAN_LINUX)
             || (cfg->vxlan_port && dport == NET16 (cfg->vxlan_port))))
      return FALSE;
  }
  m->vxlan = u + 8;
  return TRUE;
}

PktDecapResult
pkt_decap_one (PktPacket *p, guint protocols, const PktDecapConfig *config, PktTunnelInfo *out)
{
  static const PktDecapConfig defaults = { 0 };
  return decap_general (p, protocols, config ? config : &defaults, out);
}

/* The rest of a packet's layers, from @depth on, the general way; @orig is
 * the packet as it came, put back when a layer is malformed or vetoed.
 * Out of line: the straight path in decap_layers() keeps its registers. */
static G_GNUC_NO_INLINE guint8
decap_layers_general (PktPacket *p, const PktPacket *orig, guint depth, guint protocols,
                      const PktDecapConfig *cfg, guint max_depth, PktDecapAcceptFunc accept,
                      gpointer user_data)
{
  const PktPacket saved = *orig;
  PktTunnelInfo ti;
  PktTunnelInfo *tip = accept ? &ti : NULL;

  for (; depth < max_depth; depth++) {
    PktDecapResult r = decap_general (p, protocols, cfg, tip);
    if (G_LIKELY (r == PKT_DECAP_RESULT_NONE))
      break;
    if (G_UNLIKELY (r == PKT_DECAP_RESULT_MALFORMED)) {
      *p = saved;
      p->flags |= PKT_PACKET_FLAG_MALFORMED;
      return PKT_DECAP_OUTCOME_MALFORMED;
    }
    if (accept && !accept (&ti, user_data)) {
      *p = saved;
      return PKT_DECAP_OUTCOME_UNMATCHED;
    }
  }
  return depth > 0 ? PKT_DECAP_OUTCOME_DECAP : PKT_DECAP_OUTCOME_UNMATCHED;
}

static G_GNUC_NO_INLINE gboolean
vxlan_accept (const guint8 *vxlan, PktDecapAcceptFunc accept, gpointer user_data)
{
  PktTunnelInfo ti;
  pkt_vxlan_parse (vxlan, 8, &ti);
  ti.protocol = PKT_DECAP_VXLAN;
  return accept (&ti, user_data);
}

/* One packet of pkt_decap_packets(): all its layers or none. @vxlan is
 * whether VXLAN is among @protocols, @deeper whether @max_depth > 1: the
 * common loop passes them (and a NULL @accept) as constants. */
static G_ALWAYS_INLINE inline guint8
decap_layers (PktPacket *p, guint protocols, const PktDecapConfig *cfg, const PortFilter *ports,
              gboolean vxlan, gboolean deeper, guint max_depth, PktDecapAcceptFunc accept,
              gpointer user_data)
{
  VxlanMatch m;

  if (G_LIKELY (p->linktype == PKT_LINK_ETHERNET)) {
    if (vxlan && vxlan_match_fast (p->data, p->caplen, cfg, &m)) {
      const guint inner = m.vxlan + 8;
      const guint32 vni = rd32 (p->data + m.vxlan + 4) >> 8;
      PktPacket orig;
      if (accept && !vxlan_accept (p->data + m.vxlan, accept, user_data))
        return PKT_DECAP_OUTCOME_UNMATCHED;
      if (!deeper
          || nothing_to_peel_fast (p->data + inner, p->caplen - inner, protocols, cfg, ports)) {
        move_front (p, inner, PKT_LINK_ETHERNET, PKT_TUNNEL_VXLAN, vni, m.tci, m.ntci);
        return PKT_DECAP_OUTCOME_DECAP;
      }
      orig = *p;
      move_front (p, inner, PKT_LINK_ETHERNET, PKT_TUNNEL_VXLAN, vni, m.tci, m.ntci);
      return decap_layers_general (p, &orig, 1, protocols, cfg, max_depth, accept, user_data);
    }
    if (nothing_to_peel_fast (p->data, p->caplen, protocols, cfg, ports))
      return PKT_DECAP_OUTCOME_UNMATCHED;
  }
  return decap_layers_general (p, p, 0, protocols, cfg, max_depth, accept, user_data);
}

#define DECAP_PREFETCH_AHEAD 4

/* A few packets ahead: headers are usually cold (ring or file pages), and
 * a tunnelled frame's inner headers start in its second cache line. */
static inline void
decap_prefetch (const PktPacket *p)
{
  /* a prefetch never faults: no need to check the second line exists */
  __builtin_prefetch (p->data);
  __builtin_prefetch (p->data + 64);
}

guint
pkt_decap_packets (PktPacket *packets, guint n, guint protocols, const PktDecapConfig *config,
                   guint max_depth, PktDecapAcceptFunc accept, gpointer user_data, guint8 *outcomes)
{
  static const PktDecapConfig defaults = { 0 };
  const PktDecapConfig *cfg = config ? config : &defaults;
  const gboolean vxlan = (protocols & PKT_DECAP_VXLAN) != 0;
  PortFilter ports;
  guint i, unpeeled = 0, any_other = 0;

  port_filter_init (&ports, protocols, cfg);
  for (i = 0; i < MIN (n, DECAP_PREFETCH_AHEAD); i++)
    decap_prefetch (&packets[i]);
  if (vxlan && max_depth > 1 && !accept) { /* `decap` with its defaults: constants inlined */
    for (i = 0; i < n; i++) {
      if (G_LIKELY (i + DECAP_PREFETCH_AHEAD < n))
        decap_prefetch (&packets[i + DECAP_PREFETCH_AHEAD]);
      outcomes[i]
          = decap_layers (&packets[i], protocols, cfg, &ports, TRUE, TRUE, max_depth, NULL, NULL);
      any_other |= outcomes[i]; /* PKT_DECAP_OUTCOME_DECAP is 0 */
    }
    if (G_LIKELY (!any_other))
      return n;
    for (i = 0; i < n; i++)
      unpeeled += outcomes[i] != PKT_DECAP_OUTCOME_DECAP;
    return n - unpeeled;
  }
  for (i = 0; i < n; i++) {
    if (G_LIKELY (i + DECAP_PREFETCH_AHEAD < n))
      decap_prefetch (&packets[i + DECAP_PREFETCH_AHEAD]);
    outcomes[i] = decap_layers (&packets[i], protocols, cfg, &ports, vxlan, max_depth > 1,
                                max_depth, accept, user_data);
    unpeeled += outcomes[i] != PKT_DECAP_OUTCOME_DECAP;
  }
  return n - unpeeled;
}

gint
pkt_decap_all (PktPacket *packet, guint protocols, const PktDecapConfig *config, guint max_depth)
{
  guint n = 0;
  while (n < max_depth) {
    PktDecapResult r = pkt_decap_one (packet, protocols, config, NULL);
    if (r == PKT_DECAP_RESULT_NONE)
      break;
    if (r == PKT_DECAP_RESULT_MALFORMED)
      return -1;
    n++;
  }
  return (gint)n;
}
