/* pktpipe fuzz — the xdp-filter= text parser of xdpsrc (elements/xdp/xdp-common.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "pkt-xdp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct pkt_xdp_filter_cfg cfg;
  GError *error = NULL;
  char *text = g_strndup ((const char *)data, size);

  if (pkt_xdp_filter_parse (text, &cfg, &error)) {
    /* whatever parsed fits the BPF program's fixed lists */
    g_assert (cfg.n_protos <= PKT_XDP_FILTER_MAX_PROTOS);
    g_assert (cfg.n_ports <= PKT_XDP_FILTER_MAX_PORTS);
    g_assert (cfg.n_v4 <= PKT_XDP_FILTER_MAX_V4);
    g_assert (cfg.n_v6 <= PKT_XDP_FILTER_MAX_V6);
  } else {
    g_assert (error != NULL);
    g_error_free (error);
  }
  g_free (text);
  return 0;
}
