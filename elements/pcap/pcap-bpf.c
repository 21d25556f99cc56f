/* pktpipe — per-link-type BPF programs compiled by libpcap.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pcap-bpf.h"
#include "pcapfile.h"

#include <gio/gio.h>
#include <string.h>

void
pcap_bpf_init (PcapBpf *bpf, const char *expr)
{
  memset (bpf, 0, sizeof *bpf);
  bpf->expr = g_strdup (expr);
}

void
pcap_bpf_clear (PcapBpf *bpf)
{
  for (guint i = 0; i < G_N_ELEMENTS (bpf->prog); i++)
    if (bpf->state[i] == PCAP_BPF_OK)
      pcap_freecode (&bpf->prog[i]);
  g_free (bpf->expr);
  memset (bpf, 0, sizeof *bpf);
}

gboolean
pcap_bpf_prepare (PcapBpf *bpf, PktLinkType lt, GError **error)
{
  guint8 idx = (guint8)lt;
  if (bpf->state[idx] == PCAP_BPF_OK)
    return TRUE;
  guint32 linktype = pcap_linktype_from_pkt (lt);
  if (linktype == PCAP_LINKTYPE_INVALID) {
    bpf->state[idx] = PCAP_BPF_FAILED;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "filter '%s': packets of link type %u cannot be filtered", bpf->expr, idx);
    return FALSE;
  }
  /* pcap_open_dead allocates nothing that touches the system; snaplen only
   * sets what the program returns on a match */
  pcap_t *p = pcap_open_dead (pcap_linktype_to_dlt (linktype), 262144);
  if (p == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "filter '%s': pcap_open_dead failed",
                 bpf->expr);
    return FALSE;
  }
  gboolean ok = pcap_compile (p, &bpf->prog[idx], bpf->expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "filter '%s' does not compile for link type %s: %s", bpf->expr,
                 pcap_linktype_get_name (linktype), pcap_geterr (p));
  pcap_close (p);
  bpf->state[idx] = ok ? PCAP_BPF_OK : PCAP_BPF_FAILED;
  return ok;
}
