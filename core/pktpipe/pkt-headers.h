/* pktpipe — shared header parsing: one bounds-checked parser every element uses.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-batch.h>
#include <pktpipe/pkt-record.h>

G_BEGIN_DECLS

/**
 * PktFlowKey:
 * @src: source address
 * @dst: destination address
 * @sport: source port (ICMP: type)
 * @dport: destination port (ICMP: code)
 * @proto: IP protocol number
 *
 * A 5-tuple as read from a parsed packet.
 */
typedef struct {
  PktAddr src;
  PktAddr dst;
  guint16 sport;
  guint16 dport;
  guint8 proto;
} PktFlowKey;

/* Ethertypes and ports the parser knows (network values, host order). */
#define PKT_ETH_P_IPV4       0x0800
#define PKT_ETH_P_ARP        0x0806
#define PKT_ETH_P_8021Q      0x8100
#define PKT_ETH_P_8021AD     0x88a8
#define PKT_ETH_P_QINQ1      0x9100
#define PKT_ETH_P_IPV6       0x86dd
#define PKT_ETH_P_MPLS_UC    0x8847
#define PKT_ETH_P_MPLS_MC    0x8848
#define PKT_ETH_P_PPPOE_SES  0x8864
#define PKT_ETH_P_TEB        0x6558
#define PKT_ETH_P_ERSPAN2    0x88be
#define PKT_ETH_P_ERSPAN3    0x22eb
#define PKT_ETH_P_PBB_ITAG   0x88e7
#define PKT_ETH_P_FABRICPATH 0x8903
#define PKT_ETH_P_VNTAG      0x8926
#define PKT_ETH_P_PPP        0x880b

#define PKT_PORT_VXLAN       4789
#define PKT_PORT_VXLAN_LINUX 8472
#define PKT_PORT_GENEVE      6081
#define PKT_PORT_GTPU        2152
#define PKT_PORT_GUE         6080
#define PKT_PORT_GUE_KATRAN  9886
#define PKT_PORT_TEREDO      3544
#define PKT_PORT_AYIYA       5072
#define PKT_PORT_MPLS_UDP    6635
#define PKT_PORT_GRE_UDP     4754

/**
 * PktParseFlags:
 * @PKT_PARSE_MPLS_ETHERNET: the payload under an MPLS stack that is not IP
 *   by its first nibble is an Ethernet frame (Ethernet over MPLS)
 * @PKT_PARSE_MPLS_CONTROL_WORD: that Ethernet frame is preceded by a 4-byte
 *   pseudowire control word
 *
 * Options for pkt_packet_parse_full() and pkt_decap_one().
 */
typedef enum {
  PKT_PARSE_MPLS_ETHERNET = 1 << 0,
  PKT_PARSE_MPLS_CONTROL_WORD = 1 << 1,
} PktParseFlags;

/**
 * pkt_packet_parse:
 * @packet: a packet whose @data/@caplen/@linktype are set
 *
 * Parses link, VLAN tags, IPv4/IPv6 (with extension headers) and the
 * transport header; sets l3_off, l4_off, l3_proto, l4_proto, vlan tags and
 * the FRAGMENT/MALFORMED flags, and %PKT_PACKET_FLAG_PARSED. Cheap to call
 * again: returns at once when already parsed.
 *
 * Guarantees when it returns: if l3_off is valid, the whole fixed IP header
 * (IPv4 with its options, IPv6 fixed header) is inside caplen; if l4_off is
 * valid, the fixed transport header is inside caplen (TCP 20 bytes and its
 * data offset, UDP 8, ICMP/ICMPv6 8, SCTP 12). A non-first fragment has a
 * valid l3_off, l4_proto set and l4_off = %PKT_OFFSET_NONE.
 *
 * VLAN tags: vlan_tci/inner_vlan_tci are set from the outermost tagged
 * Ethernet header when vlan_tci is still 0 (so decap and parse agree).
 *
 * Returns: TRUE if an IP header was found
 */
gboolean pkt_packet_parse (PktPacket *packet);

/**
 * pkt_packet_parse_full:
 * @packet: a packet
 * @flags: #PktParseFlags
 *
 * As pkt_packet_parse() with options (Ethernet over MPLS).
 *
 * Returns: TRUE if an IP header was found
 */
gboolean pkt_packet_parse_full (PktPacket *packet, guint flags);

/**
 * pkt_packet_reset_parse:
 * @packet: a packet
 *
 * Forgets cached parse results (after @data moved or bytes changed).
 */
static inline void
pkt_packet_reset_parse (PktPacket *packet)
{
  packet->flags &= ~(PKT_PACKET_FLAG_PARSED | PKT_PACKET_FLAG_FRAGMENT | PKT_PACKET_FLAG_MALFORMED
                     | PKT_PACKET_FLAG_HASH_VALID);
  packet->l3_off = PKT_OFFSET_NONE;
  packet->l4_off = PKT_OFFSET_NONE;
  packet->l3_proto = 0;
  packet->l4_proto = 0;
}

/**
 * pkt_packet_get_flow_key:
 * @packet: a packet (parsed on demand)
 * @key: (out caller-allocates): the key
 *
 * Returns: FALSE when the packet has no IP header
 */
gboolean pkt_packet_get_flow_key (PktPacket *packet, PktFlowKey *key);

/**
 * pkt_packet_hash_symmetric:
 * @packet: a packet (parsed on demand)
 *
 * A flow hash that is the same for both directions of a flow (addresses and
 * ports are ordered before hashing). Non-IP packets hash their MAC pair.
 *
 * Returns: the hash
 */
guint32 pkt_packet_hash_symmetric (PktPacket *packet);

/* ---- PktFlowKey helpers ---- */

/**
 * pkt_flow_key_hash:
 * @key: a key
 *
 * Returns: a hash of @key as it is (direction-dependent)
 */
guint32 pkt_flow_key_hash (const PktFlowKey *key);

/**
 * pkt_flow_key_hash_symmetric:
 * @key: a key
 *
 * Returns: the same hash for @key and its reverse (equals
 *   pkt_packet_hash_symmetric() of the packet the key came from)
 */
guint32 pkt_flow_key_hash_symmetric (const PktFlowKey *key);

/**
 * pkt_flow_key_equal:
 * @a: a key
 * @b: a key
 *
 * Returns: whether both keys are the same 5-tuple (same direction)
 */
gboolean pkt_flow_key_equal (const PktFlowKey *a, const PktFlowKey *b);

/**
 * pkt_flow_key_reverse:
 * @key: a key
 * @out: (out caller-allocates): @key with source and destination swapped
 */
void pkt_flow_key_reverse (const PktFlowKey *key, PktFlowKey *out);

/**
 * pkt_flow_key_is_canonical:
 * @key: a key
 *
 * Returns: TRUE when (src, sport) sorts before or equal to (dst, dport); a
 *   flow table stores one orientation and uses this to tell direction
 */
gboolean pkt_flow_key_is_canonical (const PktFlowKey *key);

/**
 * pkt_flow_key_to_string:
 * @key: a key
 *
 * Returns: (transfer full): "proto src:sport -> dst:dport" for logs and tests
 */
char *pkt_flow_key_to_string (const PktFlowKey *key);

/* ---- checksums ---- */

/**
 * pkt_checksum_add:
 * @sum: running 32-bit one's complement accumulator (start with 0)
 * @data: (array length=len): bytes
 * @len: length; an odd length is padded with a zero byte
 *
 * Returns: the new accumulator (not folded)
 */
guint32 pkt_checksum_add (guint32 sum, const guint8 *data, gsize len);

/**
 * pkt_checksum_fold:
 * @sum: an accumulator
 *
 * Returns: the one's complement of the folded sum: the value to store
 */
guint16 pkt_checksum_fold (guint32 sum);

/**
 * pkt_ipv4_header_checksum:
 * @ip: an IPv4 header of IHL*4 bytes (its checksum field is ignored)
 *
 * Returns: the header checksum to store (host order)
 */
guint16 pkt_ipv4_header_checksum (const guint8 *ip);

/**
 * pkt_l4_checksum_ipv4:
 * @src: 4-byte source address
 * @dst: 4-byte destination address
 * @proto: IP protocol
 * @l4: the transport header and payload, checksum field zeroed
 * @len: its length
 *
 * Returns: the TCP/UDP checksum to store (host order). For UDP a computed
 *   0 must be sent as 0xffff; this function already does that when @proto is 17.
 */
guint16 pkt_l4_checksum_ipv4 (const guint8 *src, const guint8 *dst, guint8 proto, const guint8 *l4,
                              gsize len);

/**
 * pkt_l4_checksum_ipv6:
 * @src: 16-byte source address
 * @dst: 16-byte destination address
 * @proto: upper-layer protocol
 * @l4: the transport header and payload, checksum field zeroed
 * @len: its length
 *
 * Returns: the checksum to store (host order); UDP 0 becomes 0xffff
 */
guint16 pkt_l4_checksum_ipv6 (const guint8 *src, const guint8 *dst, guint8 proto, const guint8 *l4,
                              gsize len);

/* ---- tunnel headers ---- */

/**
 * PktHeaderResult:
 * @PKT_HEADER_OK: a header was parsed; the #PktTunnelInfo is filled
 * @PKT_HEADER_NOT_MATCHED: the bytes are well formed but carry nothing to
 *   peel (GTP echo, PPPoE LCP, GRE over an unknown protocol...)
 * @PKT_HEADER_MALFORMED: truncated or inconsistent
 */
typedef enum {
  PKT_HEADER_OK = 0,
  PKT_HEADER_NOT_MATCHED = 1,
  PKT_HEADER_MALFORMED = 2,
} PktHeaderResult;

/**
 * PktDecapProtocols:
 * @PKT_DECAP_VLAN: 802.1Q / 802.1ad tags (QinQ: any number)
 * @PKT_DECAP_MPLS: MPLS label stacks, over Ethernet and over UDP 6635
 * @PKT_DECAP_VXLAN: VXLAN (UDP 4789 and 8472)
 * @PKT_DECAP_GENEVE: Geneve (UDP 6081)
 * @PKT_DECAP_GTPU: GTP-U (UDP 2152)
 * @PKT_DECAP_GRE: GRE (keys, sequence numbers, TEB, PPTP, ERSPAN I/II/III,
 *   GRE in UDP 4754)
 * @PKT_DECAP_GUE: GUE variants 0 and 1 (UDP 6080 and 9886)
 * @PKT_DECAP_IPIP: IPv4/IPv6 in IPv4/IPv6
 * @PKT_DECAP_PPPOE: PPPoE sessions
 * @PKT_DECAP_TEREDO: Teredo (UDP 3544)
 * @PKT_DECAP_AYIYA: AYIYA (UDP 5072)
 * @PKT_DECAP_PBB: 802.1ah provider backbone bridging
 * @PKT_DECAP_FABRICPATH: Cisco FabricPath
 * @PKT_DECAP_VNTAG: Cisco VN-Tag
 * @PKT_DECAP_ALL: all of them
 *
 * Which layers pkt_decap_one() peels.
 */
typedef enum {
  PKT_DECAP_VLAN = 1 << 0,
  PKT_DECAP_MPLS = 1 << 1,
  PKT_DECAP_VXLAN = 1 << 2,
  PKT_DECAP_GENEVE = 1 << 3,
  PKT_DECAP_GTPU = 1 << 4,
  PKT_DECAP_GRE = 1 << 5,
  PKT_DECAP_GUE = 1 << 6,
  PKT_DECAP_IPIP = 1 << 7,
  PKT_DECAP_PPPOE = 1 << 8,
  PKT_DECAP_TEREDO = 1 << 9,
  PKT_DECAP_AYIYA = 1 << 10,
  PKT_DECAP_PBB = 1 << 11,
  PKT_DECAP_FABRICPATH = 1 << 12,
  PKT_DECAP_VNTAG = 1 << 13,
  PKT_DECAP_ALL = (1 << 14) - 1,
} PktDecapProtocols;

/**
 * PktTunnelInfo:
 * @hdr_len: bytes from the start of the parsed header to its payload
 * @inner: a #PktLinkType: what the payload is (%PKT_LINK_ETHERNET,
 *   %PKT_LINK_RAW_IPV4, %PKT_LINK_RAW_IPV6), or %PKT_LINK_UNKNOWN with
 *   @next_proto telling (an ethertype: MPLS, PPP)
 * @tunnel_type: a #PktTunnelType
 * @has_id: whether @id is meaningful (a GRE key is optional)
 * @protocol: the #PktDecapProtocols bit of the layer (set by pkt_decap_one())
 * @next_proto: ethertype (or IP protocol for GUE/AYIYA) of the payload
 * @id: VNI, TEID, GRE key, ERSPAN session, MPLS label, PPPoE session, I-SID
 * @seq: GRE sequence number / GTP sequence number, when @has_seq
 * @has_seq: whether @seq is meaningful
 * @version: ERSPAN type (1, 2, 3), GUE variant, GRE version
 * @vlan: ERSPAN original VLAN (0 = none)
 *
 * What a tunnel header parser found.
 */
typedef struct {
  guint16 hdr_len;
  guint8 inner;
  guint8 tunnel_type;
  gboolean has_id;
  guint protocol;
  guint16 next_proto;
  guint32 id;
  guint32 seq;
  gboolean has_seq;
  guint8 version;
  guint16 vlan;
} PktTunnelInfo;

/* Each parser reads the header at @data (the first byte after the UDP
 * header, after the GRE protocol field's owner, ...), never beyond @len. */
PktHeaderResult pkt_vxlan_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_geneve_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_gtpu_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_gre_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_gue_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_mpls_parse (const guint8 *data, gsize len, guint flags, PktTunnelInfo *info);
PktHeaderResult pkt_pppoe_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_teredo_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
PktHeaderResult pkt_ayiya_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
/* @data at the I-TAG TCI (after the 0x88e7 ethertype) */
PktHeaderResult pkt_pbb_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
/* @data at the start of the FabricPath frame (outer MACs) */
PktHeaderResult pkt_fabricpath_parse (const guint8 *data, gsize len, PktTunnelInfo *info);
/* @data at the VN-Tag (after the 0x8926 ethertype); hdr_len covers tag and next ethertype */
PktHeaderResult pkt_vntag_parse (const guint8 *data, gsize len, PktTunnelInfo *info);

/**
 * PktDecapConfig:
 * @parse_flags: #PktParseFlags (Ethernet over MPLS)
 * @gue_port: UDP port of GUE besides 6080 and 9886 (0 = none)
 * @vxlan_port: UDP port of VXLAN besides 4789 and 8472 (0 = none)
 *
 * Options of pkt_decap_one(); NULL means defaults (all zero).
 */
typedef struct {
  guint parse_flags;
  guint16 gue_port;
  guint16 vxlan_port;
} PktDecapConfig;

/**
 * PktDecapResult:
 * @PKT_DECAP_RESULT_NONE: nothing of @protocols at the front; unchanged
 * @PKT_DECAP_RESULT_DONE: one layer peeled
 * @PKT_DECAP_RESULT_MALFORMED: a header of @protocols is truncated or
 *   inconsistent; the packet is unchanged and flagged MALFORMED
 */
typedef enum {
  PKT_DECAP_RESULT_NONE = 0,
  PKT_DECAP_RESULT_DONE = 1,
  PKT_DECAP_RESULT_MALFORMED = 2,
} PktDecapResult;

/**
 * pkt_decap_one:
 * @packet: a packet (any link type)
 * @protocols: #PktDecapProtocols to peel
 * @config: (nullable): options
 * @info: (out caller-allocates) (optional): the peeled layer
 *
 * Peels the outermost wrapper of a kind in @protocols: moves @data past it,
 * shrinks caplen/len, sets linktype to what is now at the front (Ethernet,
 * raw IPv4 or raw IPv6), records VLAN tags and, when the packet has no
 * tunnel yet, the tunnel type and id; resets the cached parse results. The
 * outer link, IP and UDP headers of a tunnel go with it. Fragments are not
 * peeled (a later reassembler may). Bytes are never copied or written.
 *
 * Returns: a #PktDecapResult
 */
PktDecapResult pkt_decap_one (PktPacket *packet, guint protocols, const PktDecapConfig *config,
                              PktTunnelInfo *info);

/**
 * PktDecapAcceptFunc:
 * @info: the layer about to be peeled
 * @user_data: what was given to pkt_decap_packets()
 *
 * Asked for each layer pkt_decap_packets() peels.
 *
 * Returns: FALSE to leave the packet as it came (unmatched)
 */
typedef gboolean (*PktDecapAcceptFunc) (const PktTunnelInfo *info, gpointer user_data);

/**
 * PktDecapOutcome:
 * @PKT_DECAP_OUTCOME_DECAP: at least one layer peeled
 * @PKT_DECAP_OUTCOME_UNMATCHED: nothing to peel, or a layer vetoed: unchanged
 * @PKT_DECAP_OUTCOME_MALFORMED: a header on the way is truncated or
 *   inconsistent: unchanged but flagged %PKT_PACKET_FLAG_MALFORMED
 *
 * What pkt_decap_packets() did to one packet.
 */
typedef enum {
  PKT_DECAP_OUTCOME_DECAP = 0,
  PKT_DECAP_OUTCOME_UNMATCHED = 1,
  PKT_DECAP_OUTCOME_MALFORMED = 2,
} PktDecapOutcome;

/**
 * pkt_decap_packets: (skip)
 * @packets: (array length=n): packets of a batch
 * @n: how many
 * @protocols: #PktDecapProtocols to peel
 * @config: (nullable): options
 * @max_depth: at most this many layers per packet
 * @accept: (nullable): asked for every layer before it is peeled
 * @user_data: passed to @accept
 * @outcomes: (array length=n): receives a #PktDecapOutcome per packet
 *
 * The loop of the decap elements: peels up to @max_depth layers off each
 * packet, all or nothing: when a deeper header is malformed or @accept
 * vetoes a layer, the packet is left exactly as it came. The common shape
 * (Ethernet, tags, IPv4 or IPv6, UDP, VXLAN, an inner IPv4 or IPv6 frame)
 * takes a straight path that gives the same result as pkt_decap_one()
 * layer by layer.
 *
 * Returns: how many packets had at least one layer peeled
 */
guint pkt_decap_packets (PktPacket *packets, guint n, guint protocols, const PktDecapConfig *config,
                         guint max_depth, PktDecapAcceptFunc accept, gpointer user_data,
                         guint8 *outcomes);

/**
 * pkt_decap_all:
 * @packet: a packet
 * @protocols: #PktDecapProtocols
 * @config: (nullable): options
 * @max_depth: at most this many layers
 *
 * Calls pkt_decap_one() until nothing is left to peel.
 *
 * Returns: layers peeled, or -1 if a header was malformed (the layers
 *   before it stay peeled)
 */
gint pkt_decap_all (PktPacket *packet, guint protocols, const PktDecapConfig *config,
                    guint max_depth);

G_END_DECLS
