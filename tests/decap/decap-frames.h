/* pktpipe decap tests — a small frame builder and one frame per wrapper kind.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Frames are written byte by byte as the RFCs lay them out (this is the
 * test's own encoder, independent of the parser under test); lengths and
 * checksums are fixed up at the end, innermost first. */
#pragma once

#include <string.h>

#include <pktpipe/pkt-headers.h>

typedef struct {
  GByteArray *b;
  guint ip_off[8];
  gboolean ip_v6[8];
  guint n_ip;
  guint udp_off[8];
  guint udp_ip[8]; /* index of the IP header the UDP header belongs to */
  guint n_udp;
  guint inner_l3; /* offset of the innermost IP header */
  guint inner_l3_len;
  guint l4_end;    /* end of the innermost transport header */
  gboolean l4_udp; /* the innermost transport header is UDP */
} Frame;

static inline void
fr_bytes (Frame *f, const guint8 *b, guint n)
{
  g_byte_array_append (f->b, b, n);
}

static inline void
fr_u8 (Frame *f, guint v)
{
  guint8 b = (guint8)v;
  fr_bytes (f, &b, 1);
}

static inline void
fr_u16 (Frame *f, guint v)
{
  fr_u8 (f, v >> 8);
  fr_u8 (f, v);
}

static inline void
fr_u32 (Frame *f, guint32 v)
{
  fr_u16 (f, v >> 16);
  fr_u16 (f, v & 0xffff);
}

static inline void
fr_zero (Frame *f, guint n)
{
  while (n--)
    fr_u8 (f, 0);
}

static inline void
fr_eth (Frame *f, guint et)
{
  static const guint8 macs[12] = { 0x02, 0, 0, 0, 0, 0xaa, 0x02, 0, 0, 0, 0, 0xbb };
  fr_bytes (f, macs, 12);
  fr_u16 (f, et);
}

static inline void
fr_tag (Frame *f, guint tci, guint next)
{
  fr_u16 (f, tci);
  fr_u16 (f, next);
}

/* IPv4 addresses 10.0.<n>.1 -> 10.0.<n>.2, n = nesting level */
static inline void
fr_ipv4 (Frame *f, guint proto, guint ihl_words)
{
  guint n = f->n_ip;
  f->ip_off[n] = f->b->len;
  f->ip_v6[n] = FALSE;
  f->n_ip++;
  f->inner_l3 = f->b->len;
  f->inner_l3_len = ihl_words * 4;
  fr_u8 (f, 0x40 | ihl_words);
  fr_u8 (f, 0);
  fr_u16 (f, 0); /* total length: fixed up */
  fr_u16 (f, 0x1234);
  fr_u16 (f, 0);
  fr_u8 (f, 64);
  fr_u8 (f, proto);
  fr_u16 (f, 0); /* checksum: fixed up */
  fr_u32 (f, 0x0a000001 | (n << 8));
  fr_u32 (f, 0x0a000002 | (n << 8));
  for (guint i = 5; i < ihl_words; i++)
    fr_u32 (f, 0x01010101); /* NOP options */
}

/* 2001:db8::<n>:1 -> 2001:db8::<n>:2 */
static inline void
fr_ipv6 (Frame *f, guint nh)
{
  guint n = f->n_ip, k;
  f->ip_off[n] = f->b->len;
  f->ip_v6[n] = TRUE;
  f->n_ip++;
  f->inner_l3 = f->b->len;
  f->inner_l3_len = 40;
  fr_u32 (f, 0x60000000);
  fr_u16 (f, 0);
  fr_u8 (f, nh);
  fr_u8 (f, 64);
  for (k = 0; k < 2; k++) {
    fr_u32 (f, 0x20010db8);
    fr_u32 (f, 0);
    fr_u32 (f, n);
    fr_u32 (f, k + 1);
  }
}

static inline void
fr_udp (Frame *f, guint sport, guint dport)
{
  f->udp_off[f->n_udp] = f->b->len;
  f->udp_ip[f->n_udp] = f->n_ip - 1;
  f->n_udp++;
  fr_u16 (f, sport);
  fr_u16 (f, dport);
  fr_u16 (f, 0);
  fr_u16 (f, 0);
  f->l4_end = f->b->len;
  f->l4_udp = TRUE;
}

static inline void
fr_tcp (Frame *f, guint sport, guint dport)
{
  fr_u16 (f, sport);
  fr_u16 (f, dport);
  fr_u32 (f, 1000);
  fr_u32 (f, 0);
  fr_u16 (f, 0x5002); /* data offset 5, SYN */
  fr_u16 (f, 65535);
  fr_u16 (f, 0);
  fr_u16 (f, 0);
  f->l4_end = f->b->len;
  f->l4_udp = FALSE;
}

static inline void
fr_icmp (Frame *f, guint type, guint code)
{
  fr_u8 (f, type);
  fr_u8 (f, code);
  fr_u16 (f, 0);
  fr_u32 (f, 0x00010001);
  f->l4_end = f->b->len;
  f->l4_udp = FALSE;
}

static inline void
fr_payload (Frame *f, guint n)
{
  for (guint i = 0; i < n; i++)
    fr_u8 (f, 'a' + i % 26);
}

static inline void
fr_fix_udp (Frame *f, guint k)
{
  guint8 *d = f->b->data;
  guint u = f->udp_off[k], ip = f->ip_off[f->udp_ip[k]];
  guint ulen = f->b->len - u;
  guint16 c;
  d[u + 4] = (guint8)(ulen >> 8);
  d[u + 5] = (guint8)ulen;
  d[u + 6] = d[u + 7] = 0;
  if (f->ip_v6[f->udp_ip[k]])
    c = pkt_l4_checksum_ipv6 (d + ip + 8, d + ip + 24, 17, d + u, ulen);
  else
    c = pkt_l4_checksum_ipv4 (d + ip + 12, d + ip + 16, 17, d + u, ulen);
  d[u + 6] = (guint8)(c >> 8);
  d[u + 7] = (guint8)c;
}

static inline void
fr_fix_ip (Frame *f, guint k)
{
  guint8 *d = f->b->data;
  guint o = f->ip_off[k];
  if (f->ip_v6[k]) {
    guint pl = f->b->len - o - 40;
    d[o + 4] = (guint8)(pl >> 8);
    d[o + 5] = (guint8)pl;
  } else {
    guint tl = f->b->len - o;
    guint16 c;
    d[o + 2] = (guint8)(tl >> 8);
    d[o + 3] = (guint8)tl;
    d[o + 10] = d[o + 11] = 0;
    c = pkt_ipv4_header_checksum (d + o);
    d[o + 10] = (guint8)(c >> 8);
    d[o + 11] = (guint8)c;
  }
}

/* Lengths and checksums, from the last header in the frame to the first, so
 * an outer checksum covers the inner headers' final bytes. */
static inline GBytes *
fr_finish (Frame *f)
{
  gint ki = (gint)f->n_ip - 1, ku = (gint)f->n_udp - 1;
  while (ki >= 0 || ku >= 0) {
    if (ku >= 0 && (ki < 0 || f->udp_off[ku] > f->ip_off[ki]))
      fr_fix_udp (f, (guint)ku--);
    else
      fr_fix_ip (f, (guint)ki--);
  }
  return g_byte_array_free_to_bytes (g_byte_array_ref (f->b));
}

typedef struct {
  const char *name;
  guint8 tunnel_type;
  guint32 tunnel_id;
  guint16 vlan, inner_vlan;
  guint parse_flags; /* PktDecapConfig.parse_flags needed */
  gboolean fragment; /* not decapsulated: a fragment */
  gboolean tshark;   /* compare with tshark */
  GBytes *bytes;
  guint inner_l3, inner_l3_len, l4_end;
  guint decap_end; /* decapsulation reads every header up to here */
} Seed;

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

/* Builds every seed frame; returns an array of Seed (free bytes with seeds_free). */
static inline GArray *
seeds_build (void)
{
  GArray *seeds = g_array_new (FALSE, TRUE, sizeof (Seed));
  Frame f;
  Seed s;

#define BEGIN(nm, tt, tid, v, iv)                                                                  \
  memset (&f, 0, sizeof f);                                                                        \
  f.b = g_byte_array_new ();                                                                       \
  s = (Seed){                                                                                      \
    .name = nm, .tunnel_type = tt, .tunnel_id = tid, .vlan = v, .inner_vlan = iv, .tshark = TRUE   \
  };
#define END()                                                                                      \
  s.bytes = fr_finish (&f);                                                                        \
  s.inner_l3 = f.inner_l3;                                                                         \
  s.inner_l3_len = f.inner_l3_len;                                                                 \
  s.l4_end = f.l4_end;                                                                             \
  s.decap_end = f.l4_udp ? f.l4_end : f.inner_l3 + f.inner_l3_len;                                 \
  g_byte_array_unref (f.b);                                                                        \
  g_array_append_val (seeds, s);

  BEGIN ("qinq", PKT_TUNNEL_NONE, 0, 100, 200);
  fr_eth (&f, 0x88a8);
  fr_tag (&f, 100, 0x8100);
  fr_tag (&f, 200, ETH_IPV4);
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 1234, 80);
  fr_payload (&f, 10);
  END ();

  BEGIN ("mpls", PKT_TUNNEL_MPLS, 1000, 0, 0);
  fr_eth (&f, 0x8847);
  fr_u32 (&f, (1000u << 12) | 64);
  fr_u32 (&f, (2000u << 12) | 0x100 | 64);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 5353, 53);
  fr_payload (&f, 12);
  END ();

  BEGIN ("mpls-pw-cw", PKT_TUNNEL_MPLS, 77, 0, 0);
  s.parse_flags = PKT_PARSE_MPLS_ETHERNET | PKT_PARSE_MPLS_CONTROL_WORD;
  s.tshark = FALSE; /* tshark needs a decode-as for the pseudowire */
  fr_eth (&f, 0x8847);
  fr_u32 (&f, (77u << 12) | 0x100 | 64);
  fr_u32 (&f, 0); /* control word */
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 40000, 443);
  END ();

  BEGIN ("vxlan", PKT_TUNNEL_VXLAN, 0x123456, 7, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 50000, 4789);
  fr_u32 (&f, 0x08000000);
  fr_u32 (&f, 0x12345600);
  fr_eth (&f, 0x8100);
  fr_tag (&f, 7, ETH_IPV6);
  fr_ipv6 (&f, 6);
  fr_tcp (&f, 2222, 22);
  fr_payload (&f, 5);
  END ();

  BEGIN ("geneve-options", PKT_TUNNEL_GENEVE, 77, 0, 0);
  fr_eth (&f, ETH_IPV6);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 50001, 6081);
  fr_u8 (&f, 3); /* 12 bytes of options */
  fr_u8 (&f, 0);
  fr_u16 (&f, 0x6558);
  fr_u32 (&f, 77u << 8);
  fr_u16 (&f, 0x0102); /* option: class, type, len 1 word */
  fr_u8 (&f, 0x01);
  fr_u8 (&f, 1);
  fr_u32 (&f, 0xdeadbeef);
  fr_u16 (&f, 0xffff); /* option with no data */
  fr_u8 (&f, 0x02);
  fr_u8 (&f, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 1, 5);
  fr_icmp (&f, 8, 0);
  END ();

  BEGIN ("gtpu-ext", PKT_TUNNEL_GTPU, 0xdeadbeef, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 2152, 2152);
  fr_u8 (&f, 0x36); /* v1, PT, E, S */
  fr_u8 (&f, 0xff);
  fr_u16 (&f, 0); /* length: set below */
  fr_u32 (&f, 0xdeadbeef);
  fr_u16 (&f, 42); /* sequence */
  fr_u8 (&f, 0);
  fr_u8 (&f, 0x85); /* PDU session container */
  fr_u8 (&f, 2);    /* 8 bytes */
  fr_u8 (&f, 0x10);
  fr_u8 (&f, 0x05);
  fr_zero (&f, 4);
  fr_u8 (&f, 0); /* no more extension headers */
  {
    guint gtp = f.b->len - 20;
    fr_ipv6 (&f, 17);
    fr_udp (&f, 1000, 2000);
    fr_payload (&f, 3);
    f.b->data[gtp + 2] = (guint8)((f.b->len - gtp - 8) >> 8);
    f.b->data[gtp + 3] = (guint8)(f.b->len - gtp - 8);
  }
  END ();

  BEGIN ("gre-key-seq", PKT_TUNNEL_GRE, 0x1234, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 47, 5);
  fr_u16 (&f, 0x3000); /* K, S */
  fr_u16 (&f, ETH_IPV4);
  fr_u32 (&f, 0x1234);
  fr_u32 (&f, 99);
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 3333, 80);
  END ();

  BEGIN ("erspan2", PKT_TUNNEL_ERSPAN, 0x155, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 47, 5);
  fr_u16 (&f, 0x1000); /* S */
  fr_u16 (&f, 0x88be);
  fr_u32 (&f, 7);
  fr_u16 (&f, 0x1000 | 23); /* version 1, vlan 23 */
  fr_u16 (&f, 0x155);       /* session */
  fr_u32 (&f, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 7, 7);
  END ();

  BEGIN ("erspan3", PKT_TUNNEL_ERSPAN, 0x3ff, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 47, 5);
  fr_u16 (&f, 0x1000);
  fr_u16 (&f, 0x22eb);
  fr_u32 (&f, 8);
  fr_u16 (&f, 0x2000 | 5); /* version 2, vlan 5 */
  fr_u16 (&f, 0x3ff);
  fr_u32 (&f, 123456);     /* timestamp */
  fr_u32 (&f, 0x00000001); /* SGT 0, FT 0 (Ethernet), O: platform subheader follows */
  fr_u32 (&f, 0x0c000000); /* platform id 3 */
  fr_u32 (&f, 0);
  fr_eth (&f, ETH_IPV6);
  fr_ipv6 (&f, 6);
  fr_tcp (&f, 1, 2);
  END ();

  BEGIN ("gue0", PKT_TUNNEL_GUE, 0, 0, 0);
  s.tshark = FALSE; /* tshark has no GUE dissector */
  fr_eth (&f, ETH_IPV6);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 40000, 6080);
  fr_u8 (&f, 0x01); /* variant 0, 1 word of extension fields */
  fr_u8 (&f, 4);
  fr_u16 (&f, 0);
  fr_u32 (&f, 0);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 53, 53);
  END ();

  BEGIN ("gue1", PKT_TUNNEL_GUE, 0, 0, 0);
  s.tshark = FALSE;
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 40000, 9886);
  fr_ipv6 (&f, 6);
  fr_tcp (&f, 4000, 80);
  END ();

  BEGIN ("4in6", PKT_TUNNEL_IPIP, 0, 0, 0);
  fr_eth (&f, ETH_IPV6);
  fr_ipv6 (&f, 4);
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 5000, 25);
  END ();

  BEGIN ("6in4", PKT_TUNNEL_IPIP, 0, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 41, 5);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 5001, 123);
  END ();

  BEGIN ("pppoe", PKT_TUNNEL_PPPOE, 0x1234, 5, 0);
  fr_eth (&f, 0x8100);
  fr_tag (&f, 5, 0x8864);
  fr_u8 (&f, 0x11);
  fr_u8 (&f, 0);
  fr_u16 (&f, 0x1234);
  fr_u16 (&f, 0); /* payload length: set below */
  fr_u16 (&f, 0x0021);
  {
    guint pl = f.b->len - 4;
    fr_ipv4 (&f, 6, 5);
    fr_tcp (&f, 6000, 80);
    f.b->data[pl] = (guint8)((f.b->len - pl - 2) >> 8);
    f.b->data[pl + 1] = (guint8)(f.b->len - pl - 2);
  }
  END ();

  BEGIN ("teredo", PKT_TUNNEL_TEREDO, 0, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 3544, 40000);
  fr_u16 (&f, 0x0001); /* authentication: id 2 bytes, auth 3 bytes */
  fr_u8 (&f, 2);
  fr_u8 (&f, 3);
  fr_payload (&f, 5);
  fr_zero (&f, 8);     /* nonce */
  fr_u8 (&f, 0);       /* confirmation */
  fr_u16 (&f, 0x0000); /* origin indication */
  fr_u16 (&f, 0xffff ^ 3544);
  fr_u32 (&f, ~0xc0000201u);
  fr_ipv6 (&f, 58);
  fr_icmp (&f, 128, 0);
  END ();

  BEGIN ("ayiya", PKT_TUNNEL_AYIYA, 0, 0, 0);
  fr_eth (&f, ETH_IPV6);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 5072, 5072);
  fr_u8 (&f, 0x41); /* identity 2^4 = 16 bytes, type 1 */
  fr_u8 (&f, 0x52); /* signature 5 words, SHA1 */
  fr_u8 (&f, 0x21); /* auth method 2, opcode 1 (forward) */
  fr_u8 (&f, 41);
  fr_u32 (&f, 1700000000);
  fr_payload (&f, 16);
  fr_zero (&f, 20);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 7000, 7001);
  END ();

  BEGIN ("pbb", PKT_TUNNEL_PBB, 0xabcdef, 300, 0);
  fr_eth (&f, 0x88a8);
  fr_tag (&f, 300, 0x88e7);
  fr_u32 (&f, 0xabcdef);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 7777, 80);
  END ();

  BEGIN ("fabricpath", PKT_TUNNEL_OTHER, 0x155, 0, 0);
  fr_eth (&f, 0x8903);
  fr_u16 (&f, (0x155u << 6) | 0x3f); /* FTag, TTL */
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 1, 2);
  END ();

  BEGIN ("vntag", PKT_TUNNEL_NONE, 0, 0, 0);
  fr_eth (&f, 0x8926);
  fr_u32 (&f, 0x00050006);
  fr_u16 (&f, ETH_IPV4);
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 8000, 80);
  END ();

  BEGIN ("ipv6-ext-fragment", PKT_TUNNEL_NONE, 0, 0, 0);
  s.fragment = TRUE;
  fr_eth (&f, ETH_IPV6);
  fr_ipv6 (&f, 0);
  fr_u8 (&f, 43); /* hop-by-hop: 8 bytes */
  fr_u8 (&f, 0);
  fr_u16 (&f, 0x0104);
  fr_u32 (&f, 0);
  fr_u8 (&f, 60); /* routing: 24 bytes */
  fr_u8 (&f, 2);
  fr_u8 (&f, 0);
  fr_u8 (&f, 0);
  fr_zero (&f, 20);
  fr_u8 (&f, 44); /* destination options: 8 bytes */
  fr_u8 (&f, 0);
  fr_u16 (&f, 0x0104);
  fr_u32 (&f, 0);
  fr_u8 (&f, 51); /* fragment: first, more follow */
  fr_u8 (&f, 0);
  fr_u16 (&f, 0x0001);
  fr_u32 (&f, 0x11223344);
  fr_u8 (&f, 6); /* AH: (1 + 2) * 4 = 12 bytes */
  fr_u8 (&f, 1);
  fr_u16 (&f, 0);
  fr_u32 (&f, 0x100);
  fr_u32 (&f, 1);
  fr_tcp (&f, 9000, 80);
  END ();

  BEGIN ("gre-udp-ipv4-options", PKT_TUNNEL_GRE, 0, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 7);
  fr_udp (&f, 40000, 4754);
  fr_u16 (&f, 0);
  fr_u16 (&f, ETH_IPV6);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 1, 53);
  END ();

  BEGIN ("pptp", PKT_TUNNEL_GRE, 0x4242, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 47, 5);
  fr_u16 (&f, 0x3001); /* K, S, version 1 */
  fr_u16 (&f, 0x880b);
  fr_u16 (&f, 0); /* payload length: set below */
  fr_u16 (&f, 0x4242);
  fr_u32 (&f, 1);
  fr_u16 (&f, 0xff03);
  fr_u16 (&f, 0x0021);
  {
    guint pl = f.b->len - 12; /* the payload length field */
    fr_ipv4 (&f, 1, 5);
    fr_icmp (&f, 8, 0);
    f.b->data[pl] = (guint8)((f.b->len - pl - 8) >> 8);
    f.b->data[pl + 1] = (guint8)(f.b->len - pl - 8);
  }
  END ();

  BEGIN ("mpls-udp", PKT_TUNNEL_MPLS, 16, 0, 0);
  fr_eth (&f, ETH_IPV4);
  fr_ipv4 (&f, 17, 5);
  fr_udp (&f, 40000, 6635);
  fr_u32 (&f, (16u << 12) | 0x100 | 255);
  fr_ipv6 (&f, 17);
  fr_udp (&f, 1, 2);
  END ();

#undef BEGIN
#undef END
  return seeds;
}

static inline void
seeds_free (GArray *seeds)
{
  for (guint i = 0; i < seeds->len; i++)
    g_bytes_unref (g_array_index (seeds, Seed, i).bytes);
  g_array_unref (seeds);
}
