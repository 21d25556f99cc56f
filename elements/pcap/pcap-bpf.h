/* pktpipe — tcpdump expressions compiled with libpcap, one program per link
 * type, run in user space with bpf_filter(). Shared by pcapsrc and bpffilter.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <pcap/pcap.h>
#include <pktpipe/pkt-types.h>

G_BEGIN_DECLS

typedef enum {
  PCAP_BPF_UNTRIED = 0,
  PCAP_BPF_OK,
  PCAP_BPF_FAILED,
} PcapBpfState;

typedef struct {
  char *expr;
  /* indexed by PktLinkType (an 8-bit value): no lookup, no lock per packet */
  guint8 state[256];
  struct bpf_program prog[256];
} PcapBpf;

void pcap_bpf_init (PcapBpf *bpf, const char *expr);
void pcap_bpf_clear (PcapBpf *bpf);

/* Compiles the expression for @lt (once). Returns FALSE with libpcap's
 * message in @error when it does not compile for that link type. */
gboolean pcap_bpf_prepare (PcapBpf *bpf, PktLinkType lt, GError **error);

/* TRUE if the packet passes. The program for @lt must have been prepared
 * successfully. */
static inline gboolean
pcap_bpf_match (const PcapBpf *bpf, guint8 lt, const guint8 *data, guint32 caplen, guint32 len)
{
  return bpf_filter (bpf->prog[lt].bf_insns, data, len, caplen) != 0;
}

G_END_DECLS
