/* pktpipe decap tests — the shared header parser and decapsulation step on
 * frames built here for every wrapper kind: expected ids, agreement with
 * tshark, every header truncated at every byte (no out-of-bounds read under
 * ASan, counted malformed), link types, fragments, checksums, flow keys.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib/gstdio.h>

#include "pkt-test-util.h"
#include "decap-test-common.h"
#include "decap-tshark.h"
#include "decap-frames.h"
#include "decap-pipeline.h"
#include "decap-reference.h"

static GArray *seeds;

static void
seed_packet (const Seed *s, const guint8 *data, guint len, PktPacket *p)
{
  pkt_packet_init (p, data, len, len, 0, PKT_LINK_ETHERNET);
}

static gint
seed_decap (const Seed *s, PktPacket *p)
{
  PktDecapConfig cfg = { .parse_flags = s->parse_flags };
  return pkt_decap_all (p, PKT_DECAP_ALL, &cfg, 16);
}

/* Each seed: the recorded tunnel type/id and VLANs are what the builder put
 * in, and the front after decap is the innermost IP header's frame. */
static void
test_seeds_expected (void)
{
  for (guint i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    gsize n;
    const guint8 *b = g_bytes_get_data (s->bytes, &n);
    PktPacket p;
    gint depth;
    g_test_message ("seed %s", s->name);
    seed_packet (s, b, (guint)n, &p);
    depth = seed_decap (s, &p);
    g_assert_cmpint (depth, >=, 0);
    g_assert_cmpuint (p.tunnel_type, ==, s->tunnel_type);
    g_assert_cmpuint (p.tunnel_id, ==, s->tunnel_id);
    g_assert_true (pkt_packet_parse (&p));
    g_assert_cmpuint (p.vlan_tci & 0xfff, ==, s->vlan);
    g_assert_cmpuint (p.inner_vlan_tci & 0xfff, ==, s->inner_vlan);
    g_assert_true (p.data + p.l3_off == b + s->inner_l3);
    g_assert_false (p.flags & PKT_PACKET_FLAG_MALFORMED);
    g_assert_cmpuint (p.l4_off, !=, PKT_OFFSET_NONE);
    g_assert_cmpuint (!!(p.flags & PKT_PACKET_FLAG_FRAGMENT), ==, s->fragment);
    if (s->tunnel_type != PKT_TUNNEL_NONE || s->vlan)
      g_assert_cmpint (depth, >, 0);
    /* the descriptor length follows the data pointer */
    g_assert_cmpuint (p.caplen, ==, n - (gsize)(p.data - b));
    g_assert_cmpuint (p.len, ==, p.caplen);
  }
}

/* Our decoding of the built frames equals tshark's, as for real captures. */
static void
test_seeds_tshark (void)
{
  g_autoptr (GPtrArray) frames = g_ptr_array_new ();
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  guint i, k = 0, mismatches = 0;

  if (!pkt_test_require_program ("tshark"))
    return;
  for (i = 0; i < seeds->len; i++)
    if (g_array_index (seeds, Seed, i).tshark)
      g_ptr_array_add (frames, g_array_index (seeds, Seed, i).bytes);
  dir = g_dir_make_tmp ("pkt-decap-XXXXXX", NULL);
  path = g_build_filename (dir, "seeds.pcap", NULL);
  decap_test_write_pcap (path, DLT_EN10MB, frames);
  lines = decap_tshark_lines (path, NULL);
  g_unlink (path);
  g_rmdir (dir);
  g_assert_cmpuint (lines->len, ==, frames->len);
  for (i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    g_autofree char *theirs = NULL, *ours = NULL;
    gsize n;
    const guint8 *b;
    PktPacket p;
    DecapTestResult r;
    if (!s->tshark)
      continue;
    b = g_bytes_get_data (s->bytes, &n);
    seed_packet (s, b, (guint)n, &p);
    seed_decap (s, &p);
    decap_test_fill_result (&p, &r);
    ours = decap_test_result_string (&r);
    theirs = decap_tshark_line_expect (lines->pdata[k++], FALSE);
    g_test_message ("%s: ours   %s", s->name, ours);
    g_test_message ("%s: tshark %s", s->name, theirs);
    if (g_strcmp0 (ours, theirs) != 0)
      mismatches++;
  }
  g_assert_cmpuint (mismatches, ==, 0);
}

/* Every seed cut at every length, each cut in its own exact-size heap block
 * so ASan sees any read past the end. Below the end of the innermost IP
 * header decapsulation must say MALFORMED; from there on it must peel as the
 * whole frame does, and parsing flags a transport header cut short. A UDP
 * header counts as read by decapsulation (its ports announce tunnels). */
static void
test_truncation (void)
{
  for (guint i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    gsize n;
    const guint8 *full = g_bytes_get_data (s->bytes, &n);
    guint threshold = s->decap_end;
    for (guint cut = 0; cut <= n; cut++) {
      guint8 *b = g_memdup2 (full, cut ? cut : 1);
      PktPacket p, q;
      gint depth;

      seed_packet (s, b, cut, &p);
      q = p;
      pkt_packet_parse (&q); /* the outer parse alone must stay in bounds too */
      if (cut < 14
          || (cut < s->l4_end && q.l3_off != PKT_OFFSET_NONE && !s->tunnel_type && !s->fragment))
        g_assert_true (q.flags & PKT_PACKET_FLAG_MALFORMED);
      depth = seed_decap (s, &p);
      if (s->fragment) {
        g_free (b);
        continue;
      }
      if (cut < threshold) {
        if (depth != -1)
          g_error ("%s cut at %u of %" G_GSIZE_FORMAT ": decap returned %d, expected malformed",
                   s->name, cut, n, depth);
        g_assert_true (p.flags & PKT_PACKET_FLAG_MALFORMED);
      } else {
        if (depth < 0)
          g_error ("%s cut at %u of %" G_GSIZE_FORMAT ": malformed, expected decapsulation",
                   s->name, cut, n);
        g_assert_cmpuint (p.tunnel_type, ==, s->tunnel_type);
        g_assert_cmpuint (p.tunnel_id, ==, s->tunnel_id);
        g_assert_true (pkt_packet_parse (&p));
        g_assert_true (p.data + p.l3_off == b + s->inner_l3);
        g_assert_cmpuint (!!(p.flags & PKT_PACKET_FLAG_MALFORMED), ==, cut < s->l4_end);
        g_assert_cmpuint (p.l4_off != PKT_OFFSET_NONE, ==, cut >= s->l4_end);
      }
      g_free (b);
    }
  }
}

/* The same cuts through the `decap` element: malformed ones are counted and
 * left untouched (same bytes, same front), the others are decapsulated. */
static void
test_truncation_element (void)
{
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (GPtrArray) out = NULL;
  g_autoptr (PktElement) pipeline = NULL;
  guint64 expect_malformed = 0, expect_decap = 0;
  guint i, k = 0;

  for (i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    gsize n;
    const guint8 *full = g_bytes_get_data (s->bytes, &n);
    if (s->fragment || s->parse_flags)
      continue;
    /* from 1 byte: appsrc cannot take an empty frame (the core test covers 0) */
    for (guint cut = 1; cut <= n; cut++) {
      g_ptr_array_add (frames, g_bytes_new (full, cut));
      if (cut < s->decap_end)
        expect_malformed++;
      else if (s->tunnel_type != PKT_TUNNEL_NONE || s->vlan || strcmp (s->name, "vntag") == 0)
        expect_decap++;
    }
  }
  out = decap_test_pipeline_run ("decap name=d", PKT_LINK_ETHERNET, frames, &pipeline);
  g_assert_cmpuint (out->len, ==, frames->len);
  g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "malformed"), ==, expect_malformed);
  g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "decapsulated"), ==, expect_decap);
  for (i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    gsize n;
    g_bytes_get_data (s->bytes, &n);
    if (s->fragment || s->parse_flags)
      continue;
    for (guint cut = 1; cut <= n; cut++, k++) {
      DecapOut *o = out->pdata[k];
      if (cut < s->decap_end) {
        g_assert_true (g_bytes_equal (o->bytes, frames->pdata[k]));
        g_assert_true (o->p.flags & PKT_PACKET_FLAG_MALFORMED);
        g_assert_cmpuint (o->p.linktype, ==, PKT_LINK_ETHERNET);
      }
    }
  }
  /* drop-malformed removes them, and says so */
  {
    g_autoptr (PktElement) p2 = NULL;
    g_autoptr (GPtrArray) out2 = decap_test_pipeline_run ("decap name=d drop-malformed=true",
                                                          PKT_LINK_ETHERNET, frames, &p2);
    g_assert_cmpuint (out2->len, ==, frames->len - expect_malformed);
    g_assert_cmpuint (pkt_test_get_uint (p2, "d", "dropped"), ==, expect_malformed);
  }
}

static GBytes *
tcp_ipv4_packet (void)
{
  Frame f = { .b = g_byte_array_new () };
  GBytes *b;
  fr_ipv4 (&f, 6, 5);
  fr_tcp (&f, 1234, 80);
  b = fr_finish (&f);
  g_byte_array_unref (f.b);
  return b;
}

/* The same IPv4/TCP packet behind each link header gives the same key. */
static void
test_linktypes (void)
{
  g_autoptr (GBytes) ip = tcp_ipv4_packet ();
  gsize n;
  const guint8 *d = g_bytes_get_data (ip, &n);
  static const guint8 sll[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 };
  static const guint8 sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1 };
  static const guint8 null_le[4] = { 2, 0, 0, 0 }, null_be[4] = { 0, 0, 0, 2 };
  struct {
    guint8 linktype;
    const guint8 *hdr;
    guint hlen;
  } cases[] = {
    { PKT_LINK_RAW_IPV4, NULL, 0 },  { PKT_LINK_RAW_IP, NULL, 0 },
    { PKT_LINK_LINUX_SLL, sll, 16 }, { PKT_LINK_LINUX_SLL2, sll2, 20 },
    { PKT_LINK_NULL, null_le, 4 },   { PKT_LINK_NULL, null_be, 4 },
    { PKT_LINK_LOOP, null_be, 4 },
  };
  PktFlowKey ref, key;
  PktPacket p;
  g_autofree char *s = NULL;

  pkt_packet_init (&p, d, (guint32)n, (guint32)n, 0, PKT_LINK_RAW_IPV4);
  g_assert_true (pkt_packet_get_flow_key (&p, &ref));
  s = pkt_flow_key_to_string (&ref);
  g_assert_cmpstr (s, ==, "6 10.0.0.1:1234 -> 10.0.0.2:80");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree guint8 *buf = g_malloc (cases[i].hlen + n);
    memcpy (buf, cases[i].hdr ? cases[i].hdr : (const guint8 *)"", cases[i].hlen);
    memcpy (buf + cases[i].hlen, d, n);
    pkt_packet_init (&p, buf, (guint32)(cases[i].hlen + n), (guint32)(cases[i].hlen + n), 0,
                     cases[i].linktype);
    g_assert_true (pkt_packet_get_flow_key (&p, &key));
    g_assert_true (pkt_flow_key_equal (&key, &ref));
    g_assert_cmpuint (p.l3_off, ==, cases[i].hlen);
    g_assert_cmpuint (p.l4_off, ==, cases[i].hlen + 20);
  }
}

/* IPv4: only the first fragment carries the transport header. */
static void
test_fragments (void)
{
  g_autoptr (GBytes) ip = tcp_ipv4_packet ();
  gsize n = g_bytes_get_size (ip);
  g_autofree guint8 *b = g_memdup2 (g_bytes_get_data (ip, NULL), n);
  PktPacket p;
  PktFlowKey key;

  b[6] = 0x20; /* MF, offset 0: first fragment */
  pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_RAW_IPV4);
  g_assert_true (pkt_packet_parse (&p));
  g_assert_true (p.flags & PKT_PACKET_FLAG_FRAGMENT);
  g_assert_cmpuint (p.l4_off, ==, 20);
  b[6] = 0x00;
  b[7] = 0x10; /* offset 128 bytes, last fragment */
  pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_RAW_IPV4);
  g_assert_true (pkt_packet_get_flow_key (&p, &key));
  g_assert_true (p.flags & PKT_PACKET_FLAG_FRAGMENT);
  g_assert_cmpuint (p.l4_off, ==, PKT_OFFSET_NONE);
  g_assert_cmpuint (p.l4_proto, ==, 6);
  g_assert_cmpuint (key.sport, ==, 0);
  g_assert_false (p.flags & PKT_PACKET_FLAG_MALFORMED);
}

static void
test_checksums (void)
{
  /* the IPv4 header example from RFC 1071 discussions (checksum 0xb861) */
  static const guint8 hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                  0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
  g_assert_cmpuint (pkt_ipv4_header_checksum (hdr), ==, 0xb861);
  /* a checksummed UDP datagram sums to zero including its checksum */
  for (guint i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    gsize n;
    const guint8 *b = g_bytes_get_data (s->bytes, &n);
    PktPacket p;
    const guint8 *ip, *udp;
    guint32 sum;
    guint ulen;
    pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
    if (!pkt_packet_parse (&p) || p.l4_proto != 17 || p.l4_off == PKT_OFFSET_NONE)
      continue;
    ip = b + p.l3_off;
    udp = b + p.l4_off;
    ulen = (guint)(n - p.l4_off);
    if (p.l3_proto == 4) {
      g_assert_cmpuint (pkt_checksum_fold (pkt_checksum_add (0, ip, (ip[0] & 0xfu) * 4)), ==, 0);
      sum = pkt_checksum_add (pkt_checksum_add (0, ip + 12, 8), udp, ulen);
    } else {
      sum = pkt_checksum_add (pkt_checksum_add (0, ip + 8, 32), udp, ulen);
    }
    sum += 17 + ulen;
    g_assert_cmpuint (pkt_checksum_fold (sum), ==, 0);
  }
}

static void
test_flow_keys (void)
{
  g_autoptr (GBytes) ip = tcp_ipv4_packet ();
  gsize n = g_bytes_get_size (ip);
  g_autofree guint8 *rev = g_memdup2 (g_bytes_get_data (ip, NULL), n);
  const guint8 *fwd = g_bytes_get_data (ip, NULL);
  PktPacket a, b;
  PktFlowKey ka, kb, kr;
  guint8 tmp[4];

  /* swap addresses and ports */
  memcpy (tmp, rev + 12, 4);
  memcpy (rev + 12, rev + 16, 4);
  memcpy (rev + 16, tmp, 4);
  memcpy (tmp, rev + 20, 2);
  memcpy (rev + 20, rev + 22, 2);
  memcpy (rev + 22, tmp, 2);
  pkt_packet_init (&a, fwd, (guint32)n, (guint32)n, 0, PKT_LINK_RAW_IPV4);
  pkt_packet_init (&b, rev, (guint32)n, (guint32)n, 0, PKT_LINK_RAW_IPV4);
  g_assert_cmpuint (pkt_packet_hash_symmetric (&a), ==, pkt_packet_hash_symmetric (&b));
  g_assert_true (pkt_packet_get_flow_key (&a, &ka));
  g_assert_true (pkt_packet_get_flow_key (&b, &kb));
  g_assert_false (pkt_flow_key_equal (&ka, &kb));
  pkt_flow_key_reverse (&ka, &kr);
  g_assert_true (pkt_flow_key_equal (&kr, &kb));
  g_assert_cmpuint (pkt_flow_key_is_canonical (&ka), !=, pkt_flow_key_is_canonical (&kb));
  g_assert_cmpuint (pkt_flow_key_hash (&ka), !=, pkt_flow_key_hash (&kb));
  g_assert_cmpuint (pkt_flow_key_hash_symmetric (&ka), ==, pkt_packet_hash_symmetric (&a));
  /* different flows hash apart (a weak but real check) */
  rev[23] ^= 1;
  pkt_packet_init (&b, rev, (guint32)n, (guint32)n, 0, PKT_LINK_RAW_IPV4);
  g_assert_cmpuint (pkt_packet_hash_symmetric (&a), !=, pkt_packet_hash_symmetric (&b));
}

/* Ethernet over MPLS is only peeled when asked for; then the control word
 * is skipped and the parser reaches the inner IP header too. */
static void
test_mpls_pseudowire (void)
{
  const Seed *s = NULL;
  gsize n;
  const guint8 *b;
  PktPacket p;
  PktTunnelInfo ti;
  PktDecapConfig cfg = { .parse_flags = PKT_PARSE_MPLS_ETHERNET | PKT_PARSE_MPLS_CONTROL_WORD };

  for (guint i = 0; i < seeds->len; i++)
    if (strcmp (g_array_index (seeds, Seed, i).name, "mpls-pw-cw") == 0)
      s = &g_array_index (seeds, Seed, i);
  g_assert_nonnull (s);
  b = g_bytes_get_data (s->bytes, &n);
  pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
  g_assert_cmpint (pkt_decap_one (&p, PKT_DECAP_ALL, NULL, NULL), ==, PKT_DECAP_RESULT_NONE);
  g_assert_false (pkt_packet_parse (&p));
  pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
  g_assert_true (pkt_packet_parse_full (&p, cfg.parse_flags));
  g_assert_cmpuint (p.l3_off, ==, s->inner_l3);
  pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
  g_assert_cmpint (pkt_decap_one (&p, PKT_DECAP_MPLS, &cfg, &ti), ==, PKT_DECAP_RESULT_DONE);
  g_assert_cmpuint (ti.protocol, ==, PKT_DECAP_MPLS);
  g_assert_cmpuint (p.linktype, ==, PKT_LINK_ETHERNET);
  g_assert_true (p.data == b + 14 + 4 + 4);
  g_assert_cmpuint (p.tunnel_id, ==, 77);
}

/* A tunnel the mask does not include is not peeled, nor is anything inside. */
static void
test_protocol_mask (void)
{
  for (guint i = 0; i < seeds->len; i++) {
    const Seed *s = &g_array_index (seeds, Seed, i);
    gsize n;
    const guint8 *b = g_bytes_get_data (s->bytes, &n);
    PktPacket p;
    PktTunnelInfo ti;
    PktDecapResult r;
    if (s->tunnel_type == PKT_TUNNEL_NONE || s->parse_flags)
      continue;
    pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
    r = pkt_decap_one (&p, PKT_DECAP_ALL, NULL, &ti);
    g_assert_cmpint (r, ==, PKT_DECAP_RESULT_DONE);
    /* everything but the layer that was peeled first (and VLAN) */
    pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
    r = pkt_decap_one (&p, PKT_DECAP_ALL & ~ti.protocol & ~PKT_DECAP_VLAN, NULL, NULL);
    g_assert_cmpint (r, ==, PKT_DECAP_RESULT_NONE);
    g_assert_true (p.data == b);
    g_assert_cmpuint (p.tunnel_type, ==, PKT_TUNNEL_NONE);
  }
}

/* VXLAN frames of the shapes pkt_decap_packets() takes a straight path for,
 * and of the shapes next to them it must leave to the general walk. */
static GPtrArray *
vxlan_shapes (void)
{
  static const guint tags[][3]
      = { { 0 }, { 0x8100 }, { 0x88a8, 0x8100 }, { 0x9100, 0x8100, 0x8100 } };
  static const guint dports[] = { 4789, 8472, 4790, 6081 };
  static const guint inner[] = { 6, 17, 47, 4, 1 };
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  /* outer IPv6: fewer combinations (0-1 tags, ports 4789 and 4790) */
  for (guint outer6 = 0; outer6 < 2; outer6++)
    for (guint t = 0; t < (outer6 ? 2 : G_N_ELEMENTS (tags)); t++)
      for (guint d = 0; d < G_N_ELEMENTS (dports); d += outer6 ? 2 : 1)
        for (guint i = 0; i < G_N_ELEMENTS (inner); i++)
          for (guint variant = 0; variant < 4; variant++) {
            /* variant bit 0: UDP inside goes to 4789 (VXLAN in VXLAN);
             * bit 1: the inner frame is IPv6 (ICMP becomes a hop-by-hop
             * header in front of UDP, IP-in-IP 4in6) */
            const gboolean nested = variant & 1, v6 = variant & 2;
            Frame f;
            guint k;
            memset (&f, 0, sizeof f);
            f.b = g_byte_array_new ();
            for (k = 0; k < 3 && tags[t][k]; k++)
              ;
            fr_eth (&f, k ? tags[t][0] : outer6 ? 0x86dd : 0x0800);
            for (guint j = 0; j < k; j++)
              fr_tag (&f, 100 + j, j + 1 < k ? tags[t][j + 1] : outer6 ? 0x86dd : 0x0800);
            if (outer6)
              fr_ipv6 (&f, 17);
            else
              fr_ipv4 (&f, 17, 5);
            fr_udp (&f, 40000 + i, dports[d]);
            fr_u32 (&f, 0x08000000);
            fr_u32 (&f, (0x1000u + d * 4 + variant) << 8);
            fr_eth (&f, v6 ? 0x86dd : 0x0800);
            if (v6 && inner[i] == 1) { /* hop-by-hop options, then UDP */
              fr_ipv6 (&f, 0);
              fr_u8 (&f, 17);
              fr_zero (&f, 7);
            } else if (v6) {
              fr_ipv6 (&f, inner[i]);
            } else {
              fr_ipv4 (&f, inner[i], 5);
            }
            if (inner[i] == 17 && nested) {
              fr_udp (&f, 1000, 4789);
              fr_u32 (&f, 0x08000000);
              fr_u32 (&f, 0x2000u << 8);
              fr_eth (&f, 0x0800);
              fr_ipv4 (&f, 6, 5);
              fr_tcp (&f, 1000, 80);
            } else if (inner[i] == 17 || (v6 && inner[i] == 1)) {
              fr_udp (&f, 1000, nested ? 2152 : 53);
            } else if (inner[i] == 6) {
              fr_tcp (&f, 1000, 80);
            } else if (inner[i] == 4) {
              fr_ipv4 (&f, 6, 5);
            }
            fr_payload (&f, 30);
            g_ptr_array_add (frames, fr_finish (&f));
            g_byte_array_unref (f.b);
          }
  return frames;
}

static void
assert_batch_agrees (const char *name, const guint8 *b, guint n, guint parse_flags, gboolean quick)
{
  PktPacket p;
  g_autofree char *why = NULL;
  pkt_packet_init (&p, b, n, n, 0, PKT_LINK_ETHERNET);
  why = decap_reference_disagreement (&p, parse_flags, quick);
  if (why)
    g_error ("%s (%u bytes): %s", name, n, why);
}

/* pkt_decap_packets() (the decap elements' loop, with a straight path for
 * Ethernet/tags/IPv4/UDP/VXLAN) gives the same front, descriptor, outcome
 * and layers shown to accept as pkt_decap_one() layer by layer: for every
 * seed and VXLAN shape, cut at every length and with bytes of its first 96
 * changed one at a time (under 84 option combinations, the changed ones
 * under 24). */
static void
test_batch_agrees (void)
{
  g_autoptr (GPtrArray) shapes = vxlan_shapes ();
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  guint checked = 0;
  for (guint i = 0; i < seeds->len; i++)
    g_ptr_array_add (all, g_array_index (seeds, Seed, i).bytes);
  for (guint i = 0; i < shapes->len; i++)
    g_ptr_array_add (all, shapes->pdata[i]);
  for (guint i = 0; i < all->len; i++) {
    const guint parse_flags = i < seeds->len ? g_array_index (seeds, Seed, i).parse_flags : 0;
    const char *name = i < seeds->len ? g_array_index (seeds, Seed, i).name : "vxlan-shape";
    gsize n;
    const guint8 *full = g_bytes_get_data (all->pdata[i], &n);
    for (guint cut = 0; cut <= n; cut++) {
      g_autofree guint8 *b = g_memdup2 (full, cut ? cut : 1); /* exact size, for ASan */
      assert_batch_agrees (name, b, cut, parse_flags, FALSE);
      checked++;
    }
    for (guint off = 0; off < MIN (n, 96); off++) {
      /* set to values that sit on length and type boundaries, or a bit flipped */
      static const guint8 sets[] = { 0x00, 0xff, 0x01, 0x0c, 0x14, 0x1c, 0x24, 0x45 };
      static const guint8 flips[] = { 0x08, 0x40, 0x01, 0x80 };
      g_autofree guint8 *b = g_memdup2 (full, n);
      for (guint k = 0; k < G_N_ELEMENTS (sets) + G_N_ELEMENTS (flips); k++) {
        b[off] = k < G_N_ELEMENTS (sets) ? sets[k] : full[off] ^ flips[k - G_N_ELEMENTS (sets)];
        assert_batch_agrees (name, b, (guint)n, parse_flags, TRUE);
        checked++;
      }
    }
  }
  g_test_message ("%u frames agree", checked);
  g_assert_cmpuint (checked, >, 10000);
}

/* The same on every frame of the real tunnel captures. */
static void
test_batch_agrees_captures (void)
{
  static const char *files[] = {
    "pcaps/zeek-tunnels-vxlan.pcap",
    "pcaps/zeek-tunnels-vxlan-triple-v2.pcap",
    "pcaps/tcpdump-vxlan.pcap",
    "pcaps/ndpi-vxlan.pcap",
    "pcaps/zeek-q-in-q.pcap",
    "pcaps/zeek-mixed-vlan-mpls.pcap",
    "pcaps/zeek-tunnels-geneve-ipv6.pcap",
    "pcaps/zeek-gre-sample.pcap",
    "pcaps/zeek-gtp1-gn-normal-incl-fragmentation.pcap",
    "pcaps/tcpdump-802.1ad-QinQ.pcap",
  };
  guint frames = 0;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = pkt_test_testdata_path (files[i]);
    g_autoptr (DecapCapture) c = NULL;
    if (!path)
      return; /* skipped, saying why */
    c = decap_capture_load (path);
    for (guint j = 0; j < c->frames->len; j++) {
      gsize n;
      const guint8 *b = g_bytes_get_data (c->frames->pdata[j], &n);
      assert_batch_agrees (files[i], b, (guint)n, 0, FALSE);
      frames++;
    }
  }
  g_test_message ("%u captured frames agree", frames);
  g_assert_cmpuint (frames, >, 100);
}

int
main (int argc, char **argv)
{
  int ret;
  pkt_test_init (&argc, &argv);
  seeds = seeds_build ();
  g_test_add_func ("/decap/headers/seeds-expected", test_seeds_expected);
  g_test_add_func ("/decap/headers/seeds-tshark", test_seeds_tshark);
  g_test_add_func ("/decap/headers/truncation", test_truncation);
  g_test_add_func ("/decap/headers/truncation-element", test_truncation_element);
  g_test_add_func ("/decap/headers/linktypes", test_linktypes);
  g_test_add_func ("/decap/headers/fragments", test_fragments);
  g_test_add_func ("/decap/headers/checksums", test_checksums);
  g_test_add_func ("/decap/headers/flow-keys", test_flow_keys);
  g_test_add_func ("/decap/headers/mpls-pseudowire", test_mpls_pseudowire);
  g_test_add_func ("/decap/headers/protocol-mask", test_protocol_mask);
  g_test_add_func ("/decap/headers/batch-agrees", test_batch_agrees);
  g_test_add_func ("/decap/headers/batch-agrees-captures", test_batch_agrees_captures);
  ret = g_test_run ();
  seeds_free (seeds);
  return ret;
}
