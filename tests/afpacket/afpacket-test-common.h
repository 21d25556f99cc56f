/* pktpipe afpacket tests — helpers: a frame source, a collecting sink, frame
 * builders and pipeline plumbing shared by the afpacket test programs.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pkt-test-netns.h"
#include "pkt-test-util.h"

G_BEGIN_DECLS

/* A source that pushes a fixed list of frames, then EOS. */
#define TEST_TYPE_FRAME_SRC (test_frame_src_get_type ())
G_DECLARE_FINAL_TYPE (TestFrameSrc, test_frame_src, TEST, FRAME_SRC, PktSource)
struct _TestFrameSrc {
  PktSource parent;
  GPtrArray *frames; /* GBytes */
  guint next;
  guint batch; /* frames per list (default 64) */
};
PktElement *test_frame_src_new (GPtrArray *frames);

/* A sink that copies every packet it sees; optionally holds the batches. */
typedef struct {
  GBytes *bytes;
  guint8 linktype;
  guint8 direction;
  guint16 vlan_tci;
  guint32 ifindex;
  gint64 ts_ns;
} TestPacket;

#define TEST_TYPE_COLLECT (test_collect_get_type ())
G_DECLARE_FINAL_TYPE (TestCollect, test_collect, TEST, COLLECT, PktSink)
struct _TestCollect {
  PktSink parent;
  GMutex lock;
  GArray *packets; /* TestPacket */
  gboolean hold;   /* keep a ref on every batch until test_collect_release () */
  GPtrArray *held; /* PktBufferList */
  guint heartbeats;
};
PktElement *test_collect_new (void);
guint test_collect_count (TestCollect *c);
void test_collect_release (TestCollect *c);

/* Frame with a sequence number: Ethernet (dst 02:00:00:00:00:99, a MAC no
 * one owns) / IPv4 @src_ip → @dst_ip / UDP @sport → @dport / payload
 * "pktpipe" + seq (be32) + filler, @frame_len bytes in total (>= 60). */
GBytes *test_udp_frame (guint32 seq, const char *src_mac, guint32 src_ip, guint32 dst_ip,
                        guint16 sport, guint16 dport, guint frame_len);
/* The sequence number of a frame made by test_udp_frame (or -1). */
gint64 test_frame_seq (GBytes *frame);
guint32 test_ip (const char *dotted);

/* A pipeline of @first linked in order with the NULL-terminated rest. */
PktElement *test_pipeline_chain (PktElement *first, ...) G_GNUC_NULL_TERMINATED;
PktElement *test_make (const char *factory, const char *name, const char *first_prop,
                       ...) G_GNUC_NULL_TERMINATED;
/* First ERROR on the bus within @timeout_ms (transfer full) or NULL. */
PktMessage *test_pop_error (PktElement *pipeline, guint timeout_ms);
/* Waits for EOS (asserting no ERROR comes first). */
void test_wait_eos (PktElement *pipeline, guint timeout_ms);
/* Sends @frames from @ns/@ifname through afpacketsink; returns 'sent'. */
guint64 test_send_frames (const char *ns, const char *ifname, GPtrArray *frames);
/* The same, paced at @rate packets per second (afpacketsink rate=). */
guint64 test_send_frames_rate (const char *ns, const char *ifname, GPtrArray *frames, guint64 rate);
/* Polls @cond until TRUE or @timeout_ms; returns the last value. */
gboolean test_wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);
guint64 test_get_u64 (PktElement *element, const char *property);
/* Writes @frames to a pcap file (LINKTYPE_ETHERNET). */
void test_write_pcap (const char *path, GPtrArray *frames);

G_END_DECLS
