/* pktpipe fuzz target — the shared header parser (core/pkt-headers.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: [u8 selector][frame bytes]. The selector picks the link type (low 3
 * bits), the MPLS pseudowire options (bits 3-4) and a decapsulation mask
 * (bits 5-7 drop some protocols). The frame is copied into its own heap block
 * of exactly its size, so AddressSanitizer sees any read past caplen. Every
 * entry point runs: parse, flow key, hashes, each tunnel header parser at
 * every offset of the first 64 bytes, the decap elements' batch loop against
 * the layer-by-layer walk (they must agree), decap steps until nothing is
 * left, and a parse of what remains. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pktpipe/pkt-headers.h>

#include "../decap/decap-reference.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const guint8 linktypes[8] = {
  PKT_LINK_ETHERNET,  PKT_LINK_RAW_IPV4,   PKT_LINK_RAW_IPV6, PKT_LINK_RAW_IP,
  PKT_LINK_LINUX_SLL, PKT_LINK_LINUX_SLL2, PKT_LINK_NULL,     PKT_LINK_LOOP,
};

static void
run_tunnel_parsers (const guint8 *d, gsize n)
{
  PktTunnelInfo ti;
  gsize off;
  for (off = 0; off <= n && off < 64; off++) {
    const guint8 *p = d + off;
    gsize len = n - off;
    pkt_vxlan_parse (p, len, &ti);
    pkt_geneve_parse (p, len, &ti);
    pkt_gtpu_parse (p, len, &ti);
    pkt_gre_parse (p, len, &ti);
    pkt_gue_parse (p, len, &ti);
    pkt_mpls_parse (p, len, 0, &ti);
    pkt_mpls_parse (p, len, PKT_PARSE_MPLS_ETHERNET | PKT_PARSE_MPLS_CONTROL_WORD, &ti);
    pkt_pppoe_parse (p, len, &ti);
    pkt_teredo_parse (p, len, &ti);
    pkt_ayiya_parse (p, len, &ti);
    pkt_pbb_parse (p, len, &ti);
    pkt_fabricpath_parse (p, len, &ti);
    pkt_vntag_parse (p, len, &ti);
    if (ti.hdr_len > len && ti.tunnel_type != PKT_TUNNEL_MPLS)
      abort (); /* a parser claimed bytes that are not there */
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  guint8 sel, *frame;
  gsize n;
  PktPacket p, q;
  PktFlowKey key, rev;
  PktDecapConfig cfg = { 0 };
  guint protocols = PKT_DECAP_ALL, depth;

  if (size < 1)
    return 0;
  sel = data[0];
  n = size - 1;
  frame = malloc (n ? n : 1);
  memcpy (frame, data + 1, n);
  cfg.parse_flags = (sel >> 3) & 3;
  if (sel & 0x20)
    protocols &= ~(PKT_DECAP_VLAN | PKT_DECAP_VNTAG);
  if (sel & 0x40)
    protocols &= ~(PKT_DECAP_VXLAN | PKT_DECAP_GRE | PKT_DECAP_MPLS);
  if (sel & 0x80)
    protocols = PKT_DECAP_VLAN | PKT_DECAP_PPPOE | PKT_DECAP_PBB | PKT_DECAP_FABRICPATH;

  pkt_packet_init (&p, frame, (guint32)n, (guint32)n, 0, linktypes[sel & 7]);
  q = p;
  if (pkt_packet_parse_full (&p, cfg.parse_flags)) {
    if (p.l3_off >= n)
      abort ();
    if (p.l4_off != PKT_OFFSET_NONE && p.l4_off > n)
      abort ();
  }
  if (pkt_packet_get_flow_key (&q, &key)) {
    pkt_flow_key_reverse (&key, &rev);
    if (pkt_flow_key_hash_symmetric (&key) != pkt_flow_key_hash_symmetric (&rev))
      abort ();
  }
  pkt_packet_hash_symmetric (&q);
  run_tunnel_parsers (frame, n);

  pkt_packet_init (&p, frame, (guint32)n, (guint32)n, 0, linktypes[sel & 7]);
  {
    /* the decap elements' batch loop agrees with the layer-by-layer walk */
    char *why = decap_reference_disagreement (&p, cfg.parse_flags, FALSE);
    if (why) {
      fprintf (stderr, "pkt_decap_packets disagrees: %s\n", why);
      abort ();
    }
  }
  for (depth = 0; depth < 16; depth++) {
    PktTunnelInfo ti;
    const guint8 *before = p.data;
    PktDecapResult r = pkt_decap_one (&p, protocols, &cfg, &ti);
    if (r != PKT_DECAP_RESULT_DONE)
      break;
    if (p.data < before || p.data + p.caplen != frame + n)
      abort (); /* decap only ever moves forward inside the frame */
  }
  pkt_packet_parse (&p);
  pkt_packet_get_flow_key (&p, &key);
  free (frame);
  return 0;
}
