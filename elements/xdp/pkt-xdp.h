/* pktpipe xdp plugin — private declarations shared by xdpsrc and xdpsink.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>
#include <linux/types.h>
#include <xdp/xsk.h>

#include "xdp-filter.h"

G_BEGIN_DECLS

GType pkt_xdp_src_get_type (void);
GType pkt_xdp_sink_get_type (void);

/**
 * PktXdpMode:
 * @PKT_XDP_MODE_AUTO: native (driver) mode, else skb mode with a WARNING
 * @PKT_XDP_MODE_SKB: generic XDP, after the kernel built an skb
 * @PKT_XDP_MODE_NATIVE: in the driver, before any skb
 */
typedef enum {
  PKT_XDP_MODE_AUTO = 0,
  PKT_XDP_MODE_SKB = 1,
  PKT_XDP_MODE_NATIVE = 2,
} PktXdpMode;

/**
 * PktXdpBind:
 * @PKT_XDP_BIND_AUTO: zero-copy when the driver supports it, else copy
 * @PKT_XDP_BIND_COPY: the kernel copies frames into the UMEM
 * @PKT_XDP_BIND_ZEROCOPY: the NIC DMAs into the UMEM (fails without driver support)
 */
typedef enum {
  PKT_XDP_BIND_AUTO = 0,
  PKT_XDP_BIND_COPY = 1,
  PKT_XDP_BIND_ZEROCOPY = 2,
} PktXdpBind;

GType pkt_xdp_mode_get_type (void);
GType pkt_xdp_bind_get_type (void);
const char *pkt_xdp_mode_to_string (PktXdpMode mode);

/* ---- UMEM shared by a source, its leases and (umem-from) a sink ---- */

typedef struct _PktXdpUmem PktXdpUmem;

/**
 * PktXdpLease:
 *
 * One batch's claim on UMEM frames. Preallocated in a pool owned by the
 * UMEM, one per frame (a batch holds at least one frame, so leases never
 * run out while frames are free); released (last unref of the list) from
 * any thread onto a lock-free return stack that the owning source drains
 * into its fill ring. The batch's frame indices are chained through the
 * UMEM's frame_next array, which only the source thread touches.
 */
typedef struct _PktXdpLease PktXdpLease;
struct _PktXdpLease {
  PktLease lease; /* first: a PktLease* is a PktXdpLease* */
  PktXdpUmem *umem;
  PktXdpLease *next;
  guint n_frames;
  guint32 first_frame; /* chain continues in umem->frame_next */
};

struct _PktXdpUmem {
  gint refcount;
  guint8 *area;
  gsize size;
  gboolean hugepages;
  guint frame_size;
  guint frame_count;
  guint batch_size;
  struct xsk_umem *umem;
  struct xsk_ring_prod fill;
  struct xsk_ring_cons comp;

  /* owner (streaming) thread only */
  guint32 *free_frames;
  guint n_free_frames;
  PktXdpLease *free_leases;
  guint n_free_leases;

  /* any thread */
  PktXdpLease *returned; /* MPSC stack, pushed with CAS, drained with exchange */
  gint pending;          /* leases still out after close (see pkt_xdp_umem_close) */

  PktXdpLease *lease_mem;
  guint32 *frame_next;
  guint n_leases;
};

PktXdpUmem *pkt_xdp_umem_new (guint frame_size, guint frame_count, guint fill_size, guint comp_size,
                              gboolean hugepages, guint batch_size, GError **error);
PktXdpUmem *pkt_xdp_umem_ref (PktXdpUmem *umem);
void pkt_xdp_umem_unref (PktXdpUmem *umem);
guint pkt_xdp_umem_reclaim (PktXdpUmem *umem);
guint pkt_xdp_umem_refill (PktXdpUmem *umem, struct xsk_ring_prod *fill, guint max);
PktXdpLease *pkt_xdp_umem_lease_get (PktXdpUmem *umem);
void pkt_xdp_umem_lease_put (PktXdpUmem *umem, PktXdpLease *lease);
void pkt_xdp_umem_close (PktXdpUmem *umem);
PktXdpLease *pkt_xdp_lease_from (PktLease *lease, PktXdpUmem *umem);
void pkt_xdp_lease_arm (PktXdpLease *lease);

/* ---- XDP programs, attached through a bpf_link the process owns ---- */

typedef enum {
  PKT_XDP_PROG_DEFAULT, /* libxdp's xsk_def_xdp_prog.o */
  PKT_XDP_PROG_FILTER,  /* our xdp-filter.bpf.c */
  PKT_XDP_PROG_FILE,    /* the user's object */
} PktXdpProgKind;

typedef struct {
  struct bpf_object *obj;
  void *xdp_prog; /* struct xdp_program* when found through libxdp */
  int prog_fd;
  int link_fd;
  int xsks_map_fd;
  int cfg_map_fd;
  int stats_map_fd;
  int ifindex;
  PktXdpMode mode; /* the mode actually attached */
} PktXdpProg;

gboolean pkt_xdp_prog_load (PktXdpProg *prog, PktXdpProgKind kind, const char *file,
                            const char *xsks_map, const char *what, GError **error);
gboolean pkt_xdp_prog_attach (PktXdpProg *prog, PktElement *element, int ifindex, const char *iface,
                              PktXdpMode mode, GError **error);
void pkt_xdp_prog_close (PktXdpProg *prog);
gboolean pkt_xdp_filter_parse (const char *text, struct pkt_xdp_filter_cfg *cfg, GError **error);
gboolean pkt_xdp_filter_available (void);

/* ---- xdpsrc services for xdpsink umem-from= ---- */

/* Opens @src (if its own NULL->READY has not yet: bins start sinks first)
 * and returns a reference to its UMEM, or NULL with @error. */
PktXdpUmem *pkt_xdp_src_share_umem (PktElement *src, GError **error);

/* ---- helpers ---- */

int pkt_xdp_queue_count (const char *iface);
gboolean pkt_xdp_ensure_bpffs (char **why);
void pkt_xdp_log_capture_begin (void);
char *pkt_xdp_log_capture_end (void);
void pkt_xdp_set_errno_error (GError **error, int err, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
