/* pktpipe decap tests — reading captures with libpcap, comparing with tshark.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <string.h>

#include <pktpipe/pkt-headers.h>

/* One capture read into memory: frames[i] holds packet i's captured bytes. */
typedef struct {
  GPtrArray *frames; /* GBytes */
  GArray *wirelen;   /* guint32 */
  GArray *ts_ns;     /* gint64 */
  guint8 linktype;   /* PktLinkType */
  int dlt;
} DecapCapture;

static inline guint8
decap_test_linktype_from_dlt (int dlt)
{
  switch (dlt) {
    case DLT_EN10MB:
      return PKT_LINK_ETHERNET;
    case DLT_RAW:
    case 101:
      return PKT_LINK_RAW_IP;
    case DLT_NULL:
      return PKT_LINK_NULL;
    case DLT_LOOP:
      return PKT_LINK_LOOP;
    case DLT_LINUX_SLL:
      return PKT_LINK_LINUX_SLL;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
      return PKT_LINK_LINUX_SLL2;
#endif
    case 228:
      return PKT_LINK_RAW_IPV4;
    case 229:
      return PKT_LINK_RAW_IPV6;
    default:
      return PKT_LINK_UNKNOWN;
  }
}

static inline void
decap_capture_free (DecapCapture *c)
{
  if (!c)
    return;
  g_ptr_array_unref (c->frames);
  g_array_unref (c->wirelen);
  g_array_unref (c->ts_ns);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DecapCapture, decap_capture_free)

/* Reads a whole capture file with libpcap (real file reading, no plugin). */
static inline DecapCapture *
decap_capture_load (const char *path)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline_with_tstamp_precision (path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  DecapCapture *c;

  if (!pc)
    g_error ("pcap_open_offline(%s): %s", path, errbuf);
  c = g_new0 (DecapCapture, 1);
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  c->wirelen = g_array_new (FALSE, FALSE, sizeof (guint32));
  c->ts_ns = g_array_new (FALSE, FALSE, sizeof (gint64));
  c->dlt = pcap_datalink (pc);
  c->linktype = decap_test_linktype_from_dlt (c->dlt);
  while (pcap_next_ex (pc, &h, &bytes) == 1) {
    guint32 wl = h->len;
    gint64 ts = (gint64)h->ts.tv_sec * G_GINT64_CONSTANT (1000000000) + h->ts.tv_usec;
    g_ptr_array_add (c->frames, g_bytes_new (bytes, h->caplen));
    g_array_append_val (c->wirelen, wl);
    g_array_append_val (c->ts_ns, ts);
  }
  pcap_close (pc);
  return c;
}

/* Writes Ethernet frames to a pcap file so tshark can read them. */
static inline void
decap_test_write_pcap (const char *path, int dlt, GPtrArray *frames)
{
  pcap_t *pc = pcap_open_dead (dlt, 65535);
  pcap_dumper_t *dump = pcap_dump_open (pc, path);
  guint i;
  g_assert_nonnull (dump);
  for (i = 0; i < frames->len; i++) {
    gsize n;
    const guint8 *b = g_bytes_get_data (frames->pdata[i], &n);
    struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + i, .tv_usec = 0 },
                             .caplen = (bpf_u_int32)n,
                             .len = (bpf_u_int32)n };
    pcap_dump ((u_char *)dump, &h, b);
  }
  pcap_dump_close (dump);
  pcap_close (pc);
}

static inline char *
decap_test_addr_string (const PktAddr *a)
{
  char buf[INET6_ADDRSTRLEN];
  inet_ntop (a->family == 6 ? AF_INET6 : AF_INET, a->bytes, buf, sizeof buf);
  return g_strdup (buf);
}
