/* pktpipe — basic enums and forward declarations shared by every core header.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _PktElement PktElement;
typedef struct _PktPad PktPad;
typedef struct _PktBin PktBin;
typedef struct _PktPipeline PktPipeline;
typedef struct _PktBus PktBus;

/**
 * PktFlowReturn:
 * @PKT_FLOW_OK: the batch was accepted
 * @PKT_FLOW_EOS: downstream wants no more data
 * @PKT_FLOW_FLUSHING: the element is shutting down (state change in progress)
 * @PKT_FLOW_NOT_LINKED: the pad has no peer
 * @PKT_FLOW_ERROR: a fatal error was posted on the bus
 *
 * What a chain function tells the element that pushed into it.
 */
typedef enum {
  PKT_FLOW_OK = 0,
  PKT_FLOW_EOS = -1,
  PKT_FLOW_FLUSHING = -2,
  PKT_FLOW_NOT_LINKED = -3,
  PKT_FLOW_ERROR = -5,
} PktFlowReturn;

/**
 * PktState:
 * @PKT_STATE_NULL: nothing acquired
 * @PKT_STATE_READY: everything that can fail is acquired (sockets, rings, files, BPF)
 * @PKT_STATE_PLAYING: streaming threads run
 */
typedef enum {
  PKT_STATE_NULL = 0,
  PKT_STATE_READY = 1,
  PKT_STATE_PLAYING = 2,
} PktState;

/**
 * PktStateChange:
 * @PKT_STATE_CHANGE_NULL_TO_READY: acquire resources
 * @PKT_STATE_CHANGE_READY_TO_PLAYING: start threads
 * @PKT_STATE_CHANGE_PLAYING_TO_READY: stop threads
 * @PKT_STATE_CHANGE_READY_TO_NULL: release resources
 */
typedef enum {
  PKT_STATE_CHANGE_NULL_TO_READY = (PKT_STATE_NULL << 3) | PKT_STATE_READY,
  PKT_STATE_CHANGE_READY_TO_PLAYING = (PKT_STATE_READY << 3) | PKT_STATE_PLAYING,
  PKT_STATE_CHANGE_PLAYING_TO_READY = (PKT_STATE_PLAYING << 3) | PKT_STATE_READY,
  PKT_STATE_CHANGE_READY_TO_NULL = (PKT_STATE_READY << 3) | PKT_STATE_NULL,
} PktStateChange;

/**
 * PktPadDirection:
 * @PKT_PAD_SRC: the pad pushes batches out
 * @PKT_PAD_SINK: the pad receives batches
 */
typedef enum {
  PKT_PAD_SRC = 1,
  PKT_PAD_SINK = 2,
} PktPadDirection;

/**
 * PktPadKind:
 * @PKT_PAD_KIND_PACKETS: the pad carries #PktBufferList batches
 * @PKT_PAD_KIND_RECORDS: the pad carries #PktRecordList batches
 */
typedef enum {
  PKT_PAD_KIND_PACKETS = 1,
  PKT_PAD_KIND_RECORDS = 2,
} PktPadKind;

/**
 * PktPadPresence:
 * @PKT_PAD_ALWAYS: the pad exists as soon as the element does
 * @PKT_PAD_REQUEST: the pad is created on request (`tee.src_%u`)
 */
typedef enum {
  PKT_PAD_ALWAYS = 0,
  PKT_PAD_REQUEST = 1,
} PktPadPresence;

/**
 * PktLinkType:
 * @PKT_LINK_ETHERNET: data starts with an Ethernet header
 * @PKT_LINK_RAW_IPV4: data starts with an IPv4 header
 * @PKT_LINK_RAW_IPV6: data starts with an IPv6 header
 * @PKT_LINK_RAW_IP: data starts with an IPv4 or IPv6 header (version nibble tells)
 * @PKT_LINK_LINUX_SLL: Linux cooked capture v1
 * @PKT_LINK_LINUX_SLL2: Linux cooked capture v2
 * @PKT_LINK_NULL: BSD loopback (4-byte host-order family)
 * @PKT_LINK_LOOP: OpenBSD loopback (4-byte network-order family)
 * @PKT_LINK_UNKNOWN: not known
 *
 * What the first byte of #PktPacket.data is. Values are the pcap LINKTYPE_
 * numbers truncated to 8 bits where they fit, so files map onto them.
 */
typedef enum {
  PKT_LINK_NULL = 0,
  PKT_LINK_ETHERNET = 1,
  PKT_LINK_RAW_IP = 101 & 0xff,
  PKT_LINK_LOOP = 108 & 0xff,
  PKT_LINK_LINUX_SLL = 113 & 0xff,
  PKT_LINK_RAW_IPV4 = 228 & 0xff,
  PKT_LINK_RAW_IPV6 = 229 & 0xff,
  PKT_LINK_LINUX_SLL2 = 276 & 0xff, /* 276 & 0xff = 20, unused by pcap */
  PKT_LINK_UNKNOWN = 255,
} PktLinkType;

/**
 * PktPacketDirection:
 * @PKT_DIR_UNKNOWN: not known
 * @PKT_DIR_IN: received by the host
 * @PKT_DIR_OUT: sent by the host
 */
typedef enum {
  PKT_DIR_UNKNOWN = 0,
  PKT_DIR_IN = 1,
  PKT_DIR_OUT = 2,
} PktPacketDirection;

/**
 * PktTunnelType:
 * @PKT_TUNNEL_NONE: no tunnel
 * @PKT_TUNNEL_VXLAN: VXLAN (id is the VNI)
 * @PKT_TUNNEL_GENEVE: Geneve (id is the VNI)
 * @PKT_TUNNEL_GTPU: GTP-U (id is the TEID)
 * @PKT_TUNNEL_GRE: GRE (id is the key, if any)
 * @PKT_TUNNEL_ERSPAN: ERSPAN (id is the session id)
 * @PKT_TUNNEL_GUE: Generic UDP Encapsulation
 * @PKT_TUNNEL_IPIP: IP in IP
 * @PKT_TUNNEL_MPLS: MPLS (id is the outermost label)
 * @PKT_TUNNEL_PPPOE: PPPoE session (id is the session id)
 * @PKT_TUNNEL_TEREDO: Teredo
 * @PKT_TUNNEL_AYIYA: AYIYA
 * @PKT_TUNNEL_PBB: 802.1ah (id is the I-SID)
 * @PKT_TUNNEL_OTHER: another wrapper
 */
typedef enum {
  PKT_TUNNEL_NONE = 0,
  PKT_TUNNEL_VXLAN,
  PKT_TUNNEL_GENEVE,
  PKT_TUNNEL_GTPU,
  PKT_TUNNEL_GRE,
  PKT_TUNNEL_ERSPAN,
  PKT_TUNNEL_GUE,
  PKT_TUNNEL_IPIP,
  PKT_TUNNEL_MPLS,
  PKT_TUNNEL_PPPOE,
  PKT_TUNNEL_TEREDO,
  PKT_TUNNEL_AYIYA,
  PKT_TUNNEL_PBB,
  PKT_TUNNEL_OTHER,
} PktTunnelType;

/**
 * PKT_PARAM_STAT:
 *
 * A #GParamFlags bit marking a read-only property as a statistic (a
 * counter). `pkt-launch --stats` prints every such property of every
 * element, `--stats-json` writes them, `pkt-inspect` lists them apart.
 */
#define PKT_PARAM_STAT (1 << G_PARAM_USER_SHIFT)

/**
 * PKT_PARAM_MUTABLE_PLAYING:
 *
 * A #GParamFlags bit: the property may be changed while PLAYING (otherwise
 * it is only read at NULL→READY).
 */
#define PKT_PARAM_MUTABLE_PLAYING (1 << (G_PARAM_USER_SHIFT + 1))

/* Counters are written by one streaming thread and read by any: relaxed
 * atomics keep reads tear-free without a lock or a fence on the hot path. */
#define PKT_STAT_ADD(field, n)                                                                     \
  __atomic_store_n (&(field), __atomic_load_n (&(field), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define PKT_STAT_ADD_ATOMIC(field, n) __atomic_fetch_add (&(field), (n), __ATOMIC_RELAXED)
#define PKT_STAT_GET(field)           __atomic_load_n (&(field), __ATOMIC_RELAXED)

G_END_DECLS
