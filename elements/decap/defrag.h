/* pktpipe decap plugin — IPv4/IPv6 fragment reassembly (the engine behind
 * `ipdefrag`; also linked by the flow accuracy tests and a fuzz target).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>

G_BEGIN_DECLS

typedef struct _PktDefrag PktDefrag;

typedef enum {
  PKT_DEFRAG_PASS,      /* not a fragment: use the packet as it is */
  PKT_DEFRAG_HELD,      /* a fragment, kept until its datagram completes */
  PKT_DEFRAG_DONE,      /* the datagram is complete: a new frame was made */
  PKT_DEFRAG_MALFORMED, /* an impossible fragment (bad offsets, too long): not kept */
} PktDefragResult;

typedef struct {
  guint64 fragments;      /* fragments taken in */
  guint64 reassembled;    /* datagrams completed */
  guint64 timeouts;       /* datagrams dropped incomplete after the timeout */
  guint64 evicted;        /* datagrams dropped incomplete at max-datagrams or max-bytes */
  guint64 overlaps;       /* fragments overlapping bytes already held (first wins) */
  guint64 malformed;      /* fragments refused */
  guint64 lost_fragments; /* fragments inside dropped incomplete datagrams */
  guint64 pending;        /* incomplete datagrams held now */
} PktDefragStats; /* written by the streaming thread only (PKT_STAT_ADD), readable anywhere */

PktDefrag *pkt_defrag_new (guint max_datagrams, guint64 max_bytes, guint64 timeout_ns);
void pkt_defrag_free (PktDefrag *d);

/* @p must be parsed (pkt_packet_parse). On DONE, *@frame is a new frame
 * (g_free it): @p's link-layer bytes, the IP header with the fragment
 * fields cleared and lengths and checksum fixed, and the whole payload;
 * *@frame_len its length. Packet time drives the timeout. */
PktDefragResult pkt_defrag_push (PktDefrag *d, const PktPacket *p, guint8 **frame,
                                 gsize *frame_len);

/* Drops datagrams older than the timeout at packet time @now_ns (or all
 * when @now_ns is G_MAXINT64: end of stream). */
void pkt_defrag_expire (PktDefrag *d, gint64 now_ns);

const PktDefragStats *pkt_defrag_get_stats (PktDefrag *d);
guint pkt_defrag_get_pending (PktDefrag *d);

G_END_DECLS
