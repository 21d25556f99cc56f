/* pktpipe xdp plugin — configuration shared by xdp-filter.bpf.c and xdpsrc.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Fixed-size lists keep the BPF program's loops bounded (the verifier
 * needs a constant trip count). An empty list matches everything. */
#define PKT_XDP_FILTER_MAX_PROTOS 8
#define PKT_XDP_FILTER_MAX_PORTS  16
#define PKT_XDP_FILTER_MAX_V4     16
#define PKT_XDP_FILTER_MAX_V6     8

struct pkt_xdp_filter_cfg {
  __u32 n_protos;
  __u32 n_ports;
  __u32 n_v4;
  __u32 n_v6;
  __u8 protos[PKT_XDP_FILTER_MAX_PROTOS];
  __u16 ports[PKT_XDP_FILTER_MAX_PORTS]; /* network byte order */
  __u32 v4[PKT_XDP_FILTER_MAX_V4];       /* network byte order */
  __u32 v6[PKT_XDP_FILTER_MAX_V6][4];    /* network byte order */
};

/* slots of the per-CPU counter map */
enum {
  PKT_XDP_FILTER_STAT_REDIRECTED = 0,
  PKT_XDP_FILTER_STAT_PASSED = 1,
  PKT_XDP_FILTER_N_STATS = 2,
};
