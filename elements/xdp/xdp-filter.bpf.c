/* pktpipe xdp plugin — redirect matching frames to an AF_XDP socket, pass the rest.
 *
 * Built with `clang -target bpf` at build time and embedded in the plugin.
 * xdpsrc writes the match lists into `pkt_filter_cfg` at NULL->READY. A frame
 * matches when each non-empty list matches (protocol AND port AND address);
 * a match goes to the socket bound to the receiving queue (falling back to
 * XDP_PASS when none is), everything else goes to the kernel stack untouched.
 *
 * This is the one place outside core/pkt-headers.c that parses headers: it
 * runs inside the kernel, where the core's parser cannot.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdp-filter.h"

struct {
  __uint (type, BPF_MAP_TYPE_XSKMAP);
  __uint (max_entries, 256);
  __uint (key_size, sizeof (int));
  __uint (value_size, sizeof (int));
} xsks_map SEC (".maps");

struct {
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, 1);
  __type (key, __u32);
  __type (value, struct pkt_xdp_filter_cfg);
} pkt_filter_cfg SEC (".maps");

struct {
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, PKT_XDP_FILTER_N_STATS);
  __type (key, __u32);
  __type (value, __u64);
} pkt_filter_stats SEC (".maps");

struct vlan_hdr {
  __be16 tci;
  __be16 proto;
};

static __always_inline int
count (__u32 slot, int verdict)
{
  __u64 *c = bpf_map_lookup_elem (&pkt_filter_stats, &slot);
  if (c)
    *c += 1;
  return verdict;
}

static __always_inline int
match_proto (const struct pkt_xdp_filter_cfg *cfg, __u8 proto)
{
  if (cfg->n_protos == 0)
    return 1;
#pragma unroll
  for (int i = 0; i < PKT_XDP_FILTER_MAX_PROTOS; i++)
    if (i < cfg->n_protos && cfg->protos[i] == proto)
      return 1;
  return 0;
}

static __always_inline int
match_ports (const struct pkt_xdp_filter_cfg *cfg, int have_ports, __be16 sport, __be16 dport)
{
  if (cfg->n_ports == 0)
    return 1;
  if (!have_ports)
    return 0;
#pragma unroll
  for (int i = 0; i < PKT_XDP_FILTER_MAX_PORTS; i++)
    if (i < cfg->n_ports && (cfg->ports[i] == sport || cfg->ports[i] == dport))
      return 1;
  return 0;
}

static __always_inline int
match_v4 (const struct pkt_xdp_filter_cfg *cfg, __be32 src, __be32 dst)
{
  if (cfg->n_v4 == 0 && cfg->n_v6 == 0)
    return 1;
#pragma unroll
  for (int i = 0; i < PKT_XDP_FILTER_MAX_V4; i++)
    if (i < cfg->n_v4 && (cfg->v4[i] == src || cfg->v4[i] == dst))
      return 1;
  return 0;
}

static __always_inline int
v6_eq (const __u32 *a, const struct in6_addr *b)
{
  return a[0] == b->in6_u.u6_addr32[0] && a[1] == b->in6_u.u6_addr32[1]
         && a[2] == b->in6_u.u6_addr32[2] && a[3] == b->in6_u.u6_addr32[3];
}

static __always_inline int
match_v6 (const struct pkt_xdp_filter_cfg *cfg, const struct ipv6hdr *ip6)
{
  if (cfg->n_v4 == 0 && cfg->n_v6 == 0)
    return 1;
#pragma unroll
  for (int i = 0; i < PKT_XDP_FILTER_MAX_V6; i++)
    if (i < cfg->n_v6 && (v6_eq (cfg->v6[i], &ip6->saddr) || v6_eq (cfg->v6[i], &ip6->daddr)))
      return 1;
  return 0;
}

SEC ("xdp")
int
pkt_xdp_filter (struct xdp_md *ctx)
{
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  __u32 key = 0;
  const struct pkt_xdp_filter_cfg *cfg = bpf_map_lookup_elem (&pkt_filter_cfg, &key);
  struct ethhdr *eth = data;
  void *l3;
  __be16 proto;
  __u8 l4proto;
  void *l4;
  int addr_ok;
  int first_frag = 1;

  if (!cfg || (void *)(eth + 1) > end)
    return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);
  proto = eth->h_proto;
  l3 = eth + 1;
#pragma unroll
  for (int i = 0; i < 2; i++) {
    if (proto != bpf_htons (ETH_P_8021Q) && proto != bpf_htons (ETH_P_8021AD))
      break;
    struct vlan_hdr *vh = l3;
    if ((void *)(vh + 1) > end)
      return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);
    proto = vh->proto;
    l3 = vh + 1;
  }

  if (proto == bpf_htons (ETH_P_IP)) {
    struct iphdr *ip = l3;
    if ((void *)(ip + 1) > end || ip->ihl < 5)
      return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);
    l4proto = ip->protocol;
    l4 = (__u8 *)ip + ip->ihl * 4;
    addr_ok = match_v4 (cfg, ip->saddr, ip->daddr);
    /* only the first fragment carries ports */
    if (ip->frag_off & bpf_htons (0x1fff))
      first_frag = 0;
  } else if (proto == bpf_htons (ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = l3;
    if ((void *)(ip6 + 1) > end)
      return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);
    l4proto = ip6->nexthdr;
    l4 = ip6 + 1;
    addr_ok = match_v6 (cfg, ip6);
  } else {
    return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);
  }

  if (!addr_ok || !match_proto (cfg, l4proto))
    return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);

  __be16 sport = 0, dport = 0;
  int have_ports = 0;
  if (first_frag
      && (l4proto == IPPROTO_TCP || l4proto == IPPROTO_UDP || l4proto == IPPROTO_SCTP
          || l4proto == IPPROTO_UDPLITE)) {
    __be16 *ports = l4;
    if ((void *)(ports + 2) <= end) {
      sport = ports[0];
      dport = ports[1];
      have_ports = 1;
    }
  }
  if (!match_ports (cfg, have_ports, sport, dport))
    return count (PKT_XDP_FILTER_STAT_PASSED, XDP_PASS);

  /* XDP_PASS when no socket is bound to this queue: the stack still sees it */
  int verdict = bpf_redirect_map (&xsks_map, ctx->rx_queue_index, XDP_PASS);
  return count (verdict == XDP_REDIRECT ? PKT_XDP_FILTER_STAT_REDIRECTED
                                        : PKT_XDP_FILTER_STAT_PASSED,
                verdict);
}

char _license[] SEC ("license") = "Dual BSD/GPL";
