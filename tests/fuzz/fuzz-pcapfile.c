/* pktpipe — libFuzzer target: the pcap/pcapng reader (elements/pcap/pcapfile.c).
 * The reader is a pure function over memory, so the input is the file.
 * Each input is read twice: whole (as a mapped file), and as a stream that
 * arrives in two parts (as stdin), and both reads must agree.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcapfile.h"

static guint64
read_all (const guint8 *data, gsize size, gsize split, guint64 *sum)
{
  PcapReader r;
  pcap_reader_init (&r);
  gsize off = 0, avail = split;
  guint64 n = 0;
  for (;;) {
    PcapRecord rec;
    GError *error = NULL;
    PcapReadResult res = pcap_reader_next (&r, data, avail, &off, avail == size, &rec, &error);
    if (res == PCAP_READ_PACKET) {
      /* touch every byte the reader hands out: ASan checks the bounds */
      for (guint32 i = 0; i < rec.caplen; i++)
        *sum += rec.data[i];
      *sum += (guint64)rec.ts_ns + rec.len + pcap_linktype_to_pkt (rec.linktype);
      n++;
      continue;
    }
    if (res == PCAP_READ_NEED_MORE) {
      if (avail == size)
        abort (); /* NEED_MORE is never returned at eof */
      avail = size;
      continue;
    }
    if (res == PCAP_READ_ERROR) {
      if (error == NULL || error->message == NULL)
        abort ();
      g_error_free (error);
    }
    break;
  }
  for (guint i = 0; i < pcap_reader_get_n_linktypes (&r); i++)
    *sum += pcap_reader_get_linktype (&r, i);
  pcap_reader_clear (&r);
  return n;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* copy so that reads past the end hit ASan's redzone */
  guint8 *buf = g_memdup2 (data, size);
  guint64 s1 = 0, s2 = 0;
  guint64 whole = read_all (buf, size, size, &s1);
  gsize split = size ? (buf[size - 1] * (guint64)size) / 256 : 0;
  guint64 streamed = read_all (buf, size, split, &s2);
  if (whole != streamed)
    abort (); /* chunked reading must see the same packets */
  g_free (buf);
  return 0;
}
