/* pktpipe tests — a user's own XDP program with its own XSKMAP name.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint (type, BPF_MAP_TYPE_XSKMAP);
  __uint (max_entries, 4);
  __uint (key_size, sizeof (int));
  __uint (value_size, sizeof (int));
} my_xsks SEC (".maps");

SEC ("xdp")
int
user_prog (struct xdp_md *ctx)
{
  return bpf_redirect_map (&my_xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC ("license") = "GPL";
