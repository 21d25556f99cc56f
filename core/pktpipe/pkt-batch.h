/* pktpipe — batches, leases and packet descriptors.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-types.h>

G_BEGIN_DECLS

/**
 * PktLease:
 * @refcount: atomic reference count
 *
 * Who owns the bytes a batch points at. The release function runs exactly
 * once, on whichever thread drops the last reference. A source embeds one
 * lease per ring block (or UMEM frame set) and re-arms it with
 * pkt_lease_init() when the kernel hands the block back, so leasing
 * allocates nothing.
 */
typedef struct _PktLease PktLease;

/**
 * PktLeaseReleaseFunc:
 * @lease: the lease whose last reference was dropped
 * @user_data: the data given to pkt_lease_init()
 *
 * Returns the leased memory to its owner. Runs once, on any thread; must be
 * cheap and must not block.
 */
typedef void (*PktLeaseReleaseFunc) (PktLease *lease, gpointer user_data);

struct _PktLease {
  gint refcount;
  /*< private >*/
  PktLeaseReleaseFunc release;
  gpointer user_data;
};

GType pkt_lease_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_LEASE (pkt_lease_get_type ())

void pkt_lease_init (PktLease *lease, PktLeaseReleaseFunc release, gpointer user_data);
PktLease *pkt_lease_new (PktLeaseReleaseFunc release, gpointer user_data);
PktLease *pkt_lease_new_for_memory (gpointer mem, GDestroyNotify free_func);
PktLease *pkt_lease_new_arena (gsize size, PktLease *keep, gpointer *mem);
PktLease *pkt_lease_ref (PktLease *lease);
void pkt_lease_unref (PktLease *lease);

/**
 * PktPacketFlags:
 * @PKT_PACKET_FLAG_PARSED: l3/l4 offsets and l4_proto are valid (see pkt-headers.h)
 * @PKT_PACKET_FLAG_FRAGMENT: the IP packet is a fragment
 * @PKT_PACKET_FLAG_MALFORMED: a header was truncated or inconsistent
 * @PKT_PACKET_FLAG_GAP: stream data before this packet is missing (reassembly)
 * @PKT_PACKET_FLAG_HASH_VALID: @hash holds a flow hash
 * @PKT_PACKET_FLAG_FLOW_VALID: @flow_id and @flow_dir were set by a flow tracker
 */
typedef enum {
  PKT_PACKET_FLAG_PARSED = 1 << 0,
  PKT_PACKET_FLAG_FRAGMENT = 1 << 1,
  PKT_PACKET_FLAG_MALFORMED = 1 << 2,
  PKT_PACKET_FLAG_GAP = 1 << 3,
  PKT_PACKET_FLAG_HASH_VALID = 1 << 4,
  PKT_PACKET_FLAG_FLOW_VALID = 1 << 5,
} PktPacketFlags;

#define PKT_OFFSET_NONE 0xffff

/**
 * PktPacket:
 * @data: (array length=caplen): first byte of the current layer
 * @caplen: bytes available at @data
 * @len: length on the wire of the current layer
 * @ts_ns: capture time, nanoseconds since the Unix epoch
 * @hash: flow hash (kernel rxhash or computed); see %PKT_PACKET_FLAG_HASH_VALID
 * @ifindex: interface the packet was seen on (0 = unknown)
 * @l3_off: offset of the network header from @data, or %PKT_OFFSET_NONE
 * @l4_off: offset of the transport header from @data, or %PKT_OFFSET_NONE
 * @vlan_tci: outer VLAN tag (TCI, 0 = none)
 * @inner_vlan_tci: inner VLAN tag (QinQ), 0 = none
 * @linktype: a #PktLinkType: what @data starts with
 * @direction: a #PktPacketDirection
 * @tunnel_type: a #PktTunnelType: outermost tunnel removed by decap
 * @flags: #PktPacketFlags
 * @tunnel_id: the outermost tunnel's id (VNI, TEID, GRE key, MPLS label)
 * @flow_id: flow identifier set by flowtrack
 * @flow_dir: 0 = originator to responder, 1 = reverse (set by flowtrack)
 * @l4_proto: IP protocol number of the transport header at @l4_off
 * @l3_proto: 4 or 6 when @l3_off is valid
 * @user: free for the application
 *
 * One packet. 64 bytes: one cache line. Decapsulation moves @data and the
 * lengths and never copies bytes.
 */
typedef struct {
  const guint8 *data;
  guint32 caplen;
  guint32 len;
  gint64 ts_ns;
  guint32 hash;
  guint32 ifindex;
  guint16 l3_off;
  guint16 l4_off;
  guint16 vlan_tci;
  guint16 inner_vlan_tci;
  guint8 linktype;
  guint8 direction;
  guint8 tunnel_type;
  guint8 flags;
  guint32 tunnel_id;
  guint64 flow_id;
  guint8 flow_dir;
  guint8 l4_proto;
  guint8 l3_proto;
  guint8 reserved;
  guint32 user;
} PktPacket;

#ifndef __GI_SCANNER__
G_STATIC_ASSERT (sizeof (PktPacket) == 64);
#endif

/**
 * PktBatchType:
 * @PKT_BATCH_BUFFER_LIST: a #PktBufferList
 * @PKT_BATCH_RECORD_LIST: a #PktRecordList
 */
typedef enum {
  PKT_BATCH_BUFFER_LIST = 1,
  PKT_BATCH_RECORD_LIST = 2,
} PktBatchType;

/**
 * PktBatch:
 * @refcount: atomic reference count
 * @type: a #PktBatchType
 * @flags: free for the owner
 *
 * The ref-counted base shared by both kinds of batch (as GstMiniObject).
 */
typedef struct _PktBatch PktBatch;
struct _PktBatch {
  gint refcount;
  guint16 type;
  guint16 flags;
  /*< private >*/
  void (*dispose) (PktBatch *batch);
};

PktBatch *pkt_batch_ref (PktBatch *batch);
void pkt_batch_unref (PktBatch *batch);
gboolean pkt_batch_is_writable (const PktBatch *batch);

/**
 * PKT_BUFFER_LIST_DEFAULT_CAPACITY:
 *
 * The capacity of pooled lists: sources split larger units (a 4 MiB ring
 * block) into lists of at most this many packets.
 */
#define PKT_BUFFER_LIST_DEFAULT_CAPACITY 256

/**
 * PktBufferList:
 * @batch: the base
 * @n_packets: packets in use
 * @capacity: slots in @packets
 * @lease: (nullable): what keeps the packet bytes alive
 * @packets: (array length=n_packets): the descriptors, inline
 *
 * A batch of packet descriptors that all borrow memory from one @lease.
 * Lists of the default capacity are recycled through per-thread caches, so
 * steady-state streaming allocates nothing.
 */
typedef struct _PktBufferList PktBufferList;
struct _PktBufferList {
  PktBatch batch;
  guint n_packets;
  guint capacity;
  PktLease *lease;
  /*< private >*/
  gpointer padding[2];
  PktPacket packets[];
};

GType pkt_buffer_list_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_BUFFER_LIST (pkt_buffer_list_get_type ())

PktBufferList *pkt_buffer_list_new (guint capacity);
PktBufferList *pkt_buffer_list_ref (PktBufferList *list);
void pkt_buffer_list_unref (PktBufferList *list);
void pkt_buffer_list_set_lease (PktBufferList *list, PktLease *lease);
PktBufferList *pkt_buffer_list_make_writable (PktBufferList *list);
PktBufferList *pkt_buffer_list_copy (const PktBufferList *list);
PktBufferList *pkt_buffer_list_copy_deep (const PktBufferList *list);
guint pkt_buffer_list_get_length (PktBufferList *list);
PktPacket *pkt_buffer_list_get_packet (PktBufferList *list, guint idx);
GBytes *pkt_buffer_list_get_packet_bytes (PktBufferList *list, guint idx);
PktPacket *pkt_buffer_list_append (PktBufferList *list);
PktBufferList *pkt_buffer_list_new_from_frames (GBytes *const *frames, guint n_frames,
                                                gint64 ts_ns);

/**
 * pkt_buffer_list_is_full:
 * @list: a list
 *
 * Returns: whether no slot is left
 */
static inline gboolean
pkt_buffer_list_is_full (const PktBufferList *list)
{
  return list->n_packets >= list->capacity;
}

#ifndef __GI_SCANNER__
static inline void
pkt_packet_init (PktPacket *p, const guint8 *data, guint32 caplen, guint32 len, gint64 ts_ns,
                 PktLinkType linktype)
{
  *p = (PktPacket){ .data = data,
                    .caplen = caplen,
                    .len = len,
                    .ts_ns = ts_ns,
                    .l3_off = PKT_OFFSET_NONE,
                    .l4_off = PKT_OFFSET_NONE,
                    .linktype = (guint8)linktype };
}
#endif

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktBufferList, pkt_buffer_list_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktLease, pkt_lease_unref)

G_END_DECLS
