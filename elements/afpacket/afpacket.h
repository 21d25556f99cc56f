/* pktpipe afpacket plugin — private declarations shared by afpacketsrc and afpacketsink.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>
#include <linux/filter.h>
#include <sys/socket.h>

G_BEGIN_DECLS

GType pkt_afpacket_src_get_type (void);
GType pkt_afpacket_sink_get_type (void);

/* Enum and flags types of afpacketsrc properties (nicks are the values a
 * pipeline description uses: fanout=symmetric, fanout-flags=rollover+defrag). */
typedef enum {
  PKT_AFPACKET_FANOUT_NONE,
  PKT_AFPACKET_FANOUT_HASH,
  PKT_AFPACKET_FANOUT_LB,
  PKT_AFPACKET_FANOUT_CPU,
  PKT_AFPACKET_FANOUT_ROLLOVER,
  PKT_AFPACKET_FANOUT_RANDOM,
  PKT_AFPACKET_FANOUT_QM,
  PKT_AFPACKET_FANOUT_SYMMETRIC,
} PktAfpacketFanout;

typedef enum {
  PKT_AFPACKET_FANOUT_FLAG_ROLLOVER = 1 << 0,
  PKT_AFPACKET_FANOUT_FLAG_DEFRAG = 1 << 1,
  PKT_AFPACKET_FANOUT_FLAG_IGNORE_OUTGOING = 1 << 2,
} PktAfpacketFanoutFlags;

typedef enum {
  PKT_AFPACKET_DIRECTION_BOTH,
  PKT_AFPACKET_DIRECTION_IN,
  PKT_AFPACKET_DIRECTION_OUT,
} PktAfpacketDirection;

typedef enum {
  PKT_AFPACKET_TS_SOFTWARE,
  PKT_AFPACKET_TS_HARDWARE,
} PktAfpacketTimestamping;

typedef enum {
  PKT_AFPACKET_ON_FULL_BLOCK,
  PKT_AFPACKET_ON_FULL_DROP,
} PktAfpacketOnFull;

GType pkt_afpacket_fanout_get_type (void);
GType pkt_afpacket_fanout_flags_get_type (void);
GType pkt_afpacket_direction_get_type (void);
GType pkt_afpacket_timestamping_get_type (void);
GType pkt_afpacket_on_full_get_type (void);

/* What an interface looks like to a packet socket. */
typedef struct {
  const char *name; /* the element's iface string */
  int ifindex;      /* 0 for "any" */
  int hatype;       /* ARPHRD_* */
  guint mtu;
  gboolean up;
  gboolean cooked; /* SOCK_DGRAM + synthesized Linux cooked (SLL) header */
  gboolean no_mac; /* SOCK_RAW but the device has no link header (tun, wireguard) */
  int dlt;         /* pcap DLT_* the filter is compiled for */
  PktLinkType linktype;
} PktAfpacketIface;

/* Opens an AF_PACKET socket (SOCK_RAW; SOCK_DGRAM for cooked capture when
 * @want_cooked) inside network namespace @netns (NULL or
 * "" = ours) and resolves @iface there. The calling thread enters the
 * namespace only for the duration of the call. Errors name the interface,
 * the namespace and the missing capability. */
int pkt_afpacket_open_socket (PktElement *element, const char *netns, const char *iface,
                              gboolean want_cooked, PktAfpacketIface *info, GError **error);

/* Name of interface @ifindex as seen by socket @fd ("?" if gone); g_free. */
char *pkt_afpacket_ifname (int fd, int ifindex);

/* Compiles @expr (NULL/"" = accept all) for @info's link type, applying
 * @snaplen and the direction prefix; cooked sockets get libpcap's offset
 * fixup. Returns NULL for "no filter needed". */
struct sock_fprog *pkt_afpacket_filter_compile (PktElement *element, const PktAfpacketIface *info,
                                                const char *expr, guint snaplen,
                                                PktAfpacketDirection direction, GError **error);
void pkt_afpacket_filter_free (struct sock_fprog *prog);

/* Loads the symmetric-flow-hash fanout program; returns its fd or -1. */
int pkt_afpacket_symhash_load (PktElement *element, GError **error);

/* How many bytes of the Linux cooked (SLL v1) header precede cooked frames. */
#define PKT_AFPACKET_SLL_HDR_LEN 16

G_END_DECLS
