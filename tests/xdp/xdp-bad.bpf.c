/* pktpipe tests — an XDP program the verifier must reject (reads past
 * data_end without a bounds check), to test that xdpsrc quotes the log.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint (type, BPF_MAP_TYPE_XSKMAP);
  __uint (max_entries, 4);
  __uint (key_size, sizeof (int));
  __uint (value_size, sizeof (int));
} xsks_map SEC (".maps");

SEC ("xdp")
int
bad_prog (struct xdp_md *ctx)
{
  unsigned char *data = (unsigned char *)(long)ctx->data;
  if (data[20] == 42) /* no check against data_end */
    return XDP_DROP;
  return bpf_redirect_map (&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC ("license") = "GPL";
