/* pktpipe xdp plugin — xdpsrc: capture through an AF_XDP socket.
 *
 * One XSK socket on (iface, queue) with its own UMEM. Batches borrow UMEM
 * frames: each pushed list holds a PktXdpLease naming its frames, and the
 * lease's release (any thread, one CAS) puts it on a return stack that this
 * element's streaming thread drains into the fill ring. The XDP program is
 * attached through a bpf_link owned by this process, so the kernel detaches
 * it when we stop, fail or die.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "pkt-xdp.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

/**
 * PktXdpAttach:
 * @PKT_XDP_ATTACH_LINK: we load the program and attach it with a bpf_link
 *   owned by the process (detached by the kernel even after SIGKILL)
 * @PKT_XDP_ATTACH_LIBXDP: libxdp loads its redirect program through its
 *   multi-program dispatcher (coexists with other libxdp programs; needs
 *   bpffs; survives a SIGKILL of the process)
 */
typedef enum {
  PKT_XDP_ATTACH_LINK = 0,
  PKT_XDP_ATTACH_LIBXDP = 1,
} PktXdpAttach;

static GType
pkt_xdp_attach_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_XDP_ATTACH_LINK, "bpf_link owned by this process (gone when it exits)", "link" },
    { PKT_XDP_ATTACH_LIBXDP, "libxdp's dispatcher (shares the interface; may outlive a crash)",
      "libxdp" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktXdpAttach", values));
  return type;
}

/* One XSK socket per bound queue, all on one UMEM. The first socket uses
 * the UMEM's own fill/completion rings; the others (XDP_SHARED_UMEM) get
 * their own, fed from the same pool of free frames. */
typedef struct {
  guint queue;
  struct xsk_socket *xsk;
  struct xsk_ring_cons rx;
  struct xsk_ring_prod fill_own;
  struct xsk_ring_cons comp_own;
  struct xsk_ring_prod *fill;
  int fd;
} PktXdpQueue;

#define PKT_TYPE_XDP_SRC (pkt_xdp_src_get_type ())
G_DECLARE_FINAL_TYPE (PktXdpSrc, pkt_xdp_src, PKT, XDP_SRC, PktSource)

struct _PktXdpSrc {
  PktSource parent;

  /* properties */
  char *iface;
  char *netns;
  guint queue;
  char *queues;
  PktXdpMode mode;
  PktXdpBind bind;
  PktXdpAttach attach;
  gboolean need_wakeup;
  guint busy_poll_usecs;
  guint busy_poll_budget;
  gboolean prefer_busy_poll;
  guint frame_size;
  guint frame_count;
  gboolean hugepages;
  guint rx_size;
  guint fill_size;
  guint batch_size;
  char *program;
  char *xsks_map;
  char *xdp_filter;
  guint heartbeat_ms;
  guint batch_timeout_us;
  gboolean slept; /* the last produce() let a batch build up */

  /* resources (open_lock guards opening: a umem-from sink may open us) */
  GMutex open_lock;
  gboolean opened;
  PktXdpUmem *umem;
  PktXdpQueue *qs;
  guint n_qs;
  guint next_q;
  guint16 bind_flags; /* what the first socket bound with; the others follow */
  guint32 xdp_flags;
  int ifindex;
  PktXdpProg prog;
  PktXdpMode mode_used;
  gboolean zerocopy;
  gint64 last_event_ns;
  gint64 last_stats_ns;

  /* statistics */
  guint64 rx_packets;
  guint64 rx_bytes;
  guint64 rx_dropped;
  guint64 rx_invalid_descs;
  guint64 rx_ring_full;
  guint64 rx_fill_ring_empty;
  guint64 filter_redirected;
  guint64 filter_passed;
  guint64 lease_stalls;
  guint64 kernel_drops;
};

G_DEFINE_TYPE (PktXdpSrc, pkt_xdp_src, PKT_TYPE_SOURCE)

enum {
  PROP_0,
  PROP_IFACE,
  PROP_NETNS,
  PROP_QUEUE,
  PROP_QUEUES,
  PROP_MODE,
  PROP_BIND,
  PROP_ATTACH,
  PROP_NEED_WAKEUP,
  PROP_BUSY_POLL,
  PROP_BUSY_POLL_BUDGET,
  PROP_PREFER_BUSY_POLL,
  PROP_FRAME_SIZE,
  PROP_FRAME_COUNT,
  PROP_HUGEPAGES,
  PROP_RX_SIZE,
  PROP_FILL_SIZE,
  PROP_BATCH_SIZE,
  PROP_PROGRAM,
  PROP_XSKS_MAP,
  PROP_XDP_FILTER,
  PROP_HEARTBEAT,
  PROP_BATCH_TIMEOUT,
  PROP_ACTIVE_MODE,
  PROP_ZEROCOPY,
  PROP_RX_PACKETS,
  PROP_RX_BYTES,
  PROP_RX_DROPPED,
  PROP_RX_INVALID_DESCS,
  PROP_RX_RING_FULL,
  PROP_RX_FILL_RING_EMPTY,
  PROP_FILTER_REDIRECTED,
  PROP_FILTER_PASSED,
  PROP_LEASE_STALLS,
  PROP_KERNEL_DROPS,
  N_PROPS
};

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* ----------------------------------------------------------- statistics */

/* A few syscalls: called from the streaming thread a few times a second,
 * and once more at close so the final numbers are exact. */
static void
pkt_xdp_src_update_stats (PktXdpSrc *self)
{
  struct xdp_statistics sum = { 0 };
  guint n_ok = 0;

  for (guint i = 0; i < self->n_qs; i++) {
    struct xdp_statistics st = { 0 };
    socklen_t len = sizeof st;
    if (self->qs[i].fd < 0 || getsockopt (self->qs[i].fd, SOL_XDP, XDP_STATISTICS, &st, &len))
      continue;
    sum.rx_dropped += st.rx_dropped;
    sum.rx_invalid_descs += st.rx_invalid_descs;
    sum.rx_ring_full += st.rx_ring_full;
    sum.rx_fill_ring_empty_descs += st.rx_fill_ring_empty_descs;
    n_ok++;
  }
  if (n_ok) {
    __atomic_store_n (&self->rx_dropped, sum.rx_dropped, __ATOMIC_RELAXED);
    __atomic_store_n (&self->rx_invalid_descs, sum.rx_invalid_descs, __ATOMIC_RELAXED);
    __atomic_store_n (&self->rx_ring_full, sum.rx_ring_full, __ATOMIC_RELAXED);
    __atomic_store_n (&self->rx_fill_ring_empty, sum.rx_fill_ring_empty_descs, __ATOMIC_RELAXED);
    /* copy mode counts an empty fill ring in rx_dropped too, a full RX
     * ring only in rx_ring_full: together they are every lost frame */
    __atomic_store_n (&self->kernel_drops, sum.rx_dropped + sum.rx_ring_full, __ATOMIC_RELAXED);
  }
  if (self->prog.stats_map_fd >= 0) {
    int ncpu = libbpf_num_possible_cpus ();
    guint64 sums[PKT_XDP_FILTER_N_STATS] = { 0 };
    g_autofree guint64 *vals = g_new0 (guint64, MAX (ncpu, 1));
    for (guint32 k = 0; k < PKT_XDP_FILTER_N_STATS && ncpu > 0; k++)
      if (bpf_map_lookup_elem (self->prog.stats_map_fd, &k, vals) == 0)
        for (int c = 0; c < ncpu; c++)
          sums[k] += vals[c];
    __atomic_store_n (&self->filter_redirected, sums[PKT_XDP_FILTER_STAT_REDIRECTED],
                      __ATOMIC_RELAXED);
    __atomic_store_n (&self->filter_passed, sums[PKT_XDP_FILTER_STAT_PASSED], __ATOMIC_RELAXED);
  }
}

/* ------------------------------------------------------------- open/close */

static gboolean
is_pow2 (guint v)
{
  return v && !(v & (v - 1));
}

static gboolean
pkt_xdp_src_check_settings (PktXdpSrc *self, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));

  if (!self->iface || !*self->iface) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s: property 'iface' is not set", name);
    return FALSE;
  }
  if (!is_pow2 (self->frame_size) || self->frame_size < 2048
      || self->frame_size > (guint)sysconf (_SC_PAGESIZE)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: frame-size %u must be a power of two between 2048 and the page size", name,
                 self->frame_size);
    return FALSE;
  }
  if (!is_pow2 (self->rx_size) || !is_pow2 (self->fill_size)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: rx-size (%u) and fill-size (%u) must be powers of two", name, self->rx_size,
                 self->fill_size);
    return FALSE;
  }
  if (self->frame_count < 2 * self->batch_size) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: frame-count %u must be at least twice batch-size %u", name, self->frame_count,
                 self->batch_size);
    return FALSE;
  }
  if (self->xdp_filter && *self->xdp_filter && self->program && *self->program) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: set either 'program' (your own object) or 'xdp-filter' (the built-in "
                 "filter program), not both",
                 name);
    return FALSE;
  }
  if (self->attach == PKT_XDP_ATTACH_LIBXDP
      && ((self->program && *self->program) || (self->xdp_filter && *self->xdp_filter))) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: attach=libxdp uses libxdp's redirect program only; 'program' and "
                 "'xdp-filter' need attach=link",
                 name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
pkt_xdp_src_load_program (PktXdpSrc *self, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));
  g_autofree char *what = NULL;
  PktXdpProgKind kind = PKT_XDP_PROG_DEFAULT;
  struct pkt_xdp_filter_cfg cfg;

  if (self->xdp_filter && *self->xdp_filter) {
    kind = PKT_XDP_PROG_FILTER;
    if (!pkt_xdp_filter_parse (self->xdp_filter, &cfg, error)) {
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
    what = g_strdup_printf ("%s: the xdp-filter program for interface '%s'", name, self->iface);
  } else if (self->program && *self->program) {
    kind = PKT_XDP_PROG_FILE;
    what = g_strdup_printf ("%s: XDP program '%s' for interface '%s'", name, self->program,
                            self->iface);
  } else {
    what = g_strdup_printf ("%s: libxdp's redirect program for interface '%s'", name, self->iface);
  }
  if (!pkt_xdp_prog_load (&self->prog, kind, self->program, self->xsks_map, what, error))
    return FALSE;
  if (kind == PKT_XDP_PROG_FILTER) {
    guint32 key = 0;
    if (self->prog.cfg_map_fd < 0
        || bpf_map_update_elem (self->prog.cfg_map_fd, &key, &cfg, BPF_ANY) < 0) {
      pkt_xdp_set_errno_error (error, errno, "%s: cannot write the xdp-filter settings", name);
      return FALSE;
    }
  }
  return TRUE;
}

static int pkt_xdp_src_create_socket_once (PktXdpSrc *self, PktXdpQueue *q, guint16 bind_flags,
                                           guint32 xdp_flags);

/* The kernel releases a closed AF_XDP socket's hold on its queue from a
 * workqueue, so a pipeline restarted right after stopping can see EBUSY
 * for a few milliseconds. Retry briefly before calling the queue taken. */
static int
pkt_xdp_src_create_socket (PktXdpSrc *self, PktXdpQueue *q, guint16 bind_flags, guint32 xdp_flags)
{
  int ret = pkt_xdp_src_create_socket_once (self, q, bind_flags, xdp_flags);
  for (int i = 0; ret == -EBUSY && i < 50; i++) {
    g_usleep (10 * 1000);
    ret = pkt_xdp_src_create_socket_once (self, q, bind_flags, xdp_flags);
  }
  return ret;
}

static int
pkt_xdp_src_create_socket_once (PktXdpSrc *self, PktXdpQueue *q, guint16 bind_flags,
                                guint32 xdp_flags)
{
  struct xsk_socket_config cfg = {
    .rx_size = self->rx_size,
    .tx_size = 0,
    .libxdp_flags = self->attach == PKT_XDP_ATTACH_LINK ? XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD : 0,
    .xdp_flags = xdp_flags,
    .bind_flags = bind_flags | (self->need_wakeup ? XDP_USE_NEED_WAKEUP : 0),
  };
  int ret;

  if (q == &self->qs[0]) {
    ret = xsk_socket__create (&q->xsk, self->iface, q->queue, self->umem->umem, &q->rx, NULL, &cfg);
    q->fill = &self->umem->fill;
  } else {
    ret = xsk_socket__create_shared (&q->xsk, self->iface, q->queue, self->umem->umem, &q->rx, NULL,
                                     &q->fill_own, &q->comp_own, &cfg);
    q->fill = &q->fill_own;
  }
  if (ret)
    q->xsk = NULL;
  else
    q->fd = xsk_socket__fd (q->xsk);
  return ret;
}

/* bind=auto tries zero-copy first; for attach=libxdp, mode=auto also tries
 * native before skb (libxdp attaches while creating the socket). */
static const char *
pkt_xdp_bind_hint (int ret)
{
  return ret == -EPERM        ? " (needs CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF)"
         : ret == -EOPNOTSUPP ? " (the driver does not support this bind mode; try bind=copy)"
         : ret == -EBUSY      ? " (another AF_XDP socket is bound to this queue)"
         : ret == -EINVAL     ? " (queue out of range?)"
                              : "";
}

static gboolean
pkt_xdp_src_open_first_socket (PktXdpSrc *self, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));
  PktXdpBind binds[2] = { self->bind, PKT_XDP_BIND_COPY };
  guint n_binds = self->bind == PKT_XDP_BIND_AUTO ? 2 : 1;
  PktXdpMode modes[2] = { self->mode == PKT_XDP_MODE_SKB ? PKT_XDP_MODE_SKB : PKT_XDP_MODE_NATIVE,
                          PKT_XDP_MODE_SKB };
  guint n_modes = self->attach == PKT_XDP_ATTACH_LIBXDP && self->mode == PKT_XDP_MODE_AUTO ? 2 : 1;
  int ret = -EINVAL;

  if (self->bind == PKT_XDP_BIND_AUTO)
    binds[0] = PKT_XDP_BIND_ZEROCOPY;
  for (guint m = 0; m < n_modes; m++) {
    guint32 xdp_flags
        = XDP_FLAGS_UPDATE_IF_NOEXIST
          | (modes[m] == PKT_XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
    for (guint b = 0; b < n_binds; b++) {
      guint16 bf = binds[b] == PKT_XDP_BIND_ZEROCOPY ? XDP_ZEROCOPY : XDP_COPY;
      ret = pkt_xdp_src_create_socket (self, &self->qs[0], bf, xdp_flags);
      if (ret == 0) {
        self->mode_used = modes[m];
        self->bind_flags = bf;
        self->xdp_flags = xdp_flags;
        if (m > 0)
          pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                               "%s: native XDP on '%s' is not available; using skb mode", name,
                               self->iface);
        return TRUE;
      }
      if (ret == -EPERM || ret == -EBUSY)
        break;
    }
  }
  pkt_xdp_set_errno_error (
      error, ret,
      "%s: cannot bind an AF_XDP socket to interface '%s' queue %u (mode %s, bind %s)%s", name,
      self->iface, self->qs[0].queue, pkt_xdp_mode_to_string (self->mode),
      self->bind == PKT_XDP_BIND_ZEROCOPY ? "zero-copy"
      : self->bind == PKT_XDP_BIND_COPY   ? "copy"
                                          : "auto",
      pkt_xdp_bind_hint (ret));
  return FALSE;
}

static gboolean
pkt_xdp_src_open_sockets (PktXdpSrc *self, GError **error)
{
  if (!pkt_xdp_src_open_first_socket (self, error))
    return FALSE;
  for (guint i = 1; i < self->n_qs; i++) {
    int ret = pkt_xdp_src_create_socket (self, &self->qs[i], self->bind_flags, self->xdp_flags);
    if (ret) {
      pkt_xdp_set_errno_error (
          error, ret,
          "%s: cannot bind an AF_XDP socket to interface '%s' queue %u (mode %s, shared UMEM)%s",
          pkt_element_get_name (PKT_ELEMENT (self)), self->iface, self->qs[i].queue,
          pkt_xdp_mode_to_string (self->mode_used), pkt_xdp_bind_hint (ret));
      return FALSE;
    }
  }
  return TRUE;
}

/* queues: "" = the `queue` property; "all" = every queue ethtool reports;
 * else a comma list. */
static gboolean
pkt_xdp_src_resolve_queues (PktXdpSrc *self, int nq, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));

  if (!self->queues || !*self->queues) {
    g_array_append_val (ids, self->queue);
  } else if (g_ascii_strcasecmp (self->queues, "all") == 0) {
    if (nq <= 0) {
      g_set_error (error, PKT_ERROR, PKT_ERROR_UNSUPPORTED,
                   "%s: queues=all: interface '%s' does not report its queue count (ethtool "
                   "channels); list them: queues=0,1,...",
                   name, self->iface);
      return FALSE;
    }
    for (guint i = 0; i < (guint)nq; i++)
      g_array_append_val (ids, i);
  } else {
    g_auto (GStrv) parts = g_strsplit (self->queues, ",", -1);
    for (guint i = 0; parts[i]; i++) {
      guint64 v;
      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, 4095, &v, NULL)) {
        g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                     "%s: queues='%s': expected 'all' or a list of queue numbers", name,
                     self->queues);
        return FALSE;
      }
      guint q = (guint)v;
      g_array_append_val (ids, q);
    }
  }
  for (guint i = 0; i < ids->len; i++) {
    guint q = g_array_index (ids, guint, i);
    if (nq > 0 && q >= (guint)nq) {
      g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                   "%s: queue %u is out of range: interface '%s' has %d queue%s (mode %s)", name, q,
                   self->iface, nq, nq == 1 ? "" : "s", pkt_xdp_mode_to_string (self->mode));
      return FALSE;
    }
  }
  self->n_qs = ids->len;
  self->qs = g_new0 (PktXdpQueue, self->n_qs);
  for (guint i = 0; i < self->n_qs; i++) {
    self->qs[i].queue = g_array_index (ids, guint, i);
    self->qs[i].fd = -1;
  }
  return TRUE;
}

static void
pkt_xdp_src_set_busy_poll (PktXdpSrc *self, int fd)
{
  int v;

  if (!self->busy_poll_usecs)
    return;
  v = (int)self->busy_poll_usecs;
  if (setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL, &v, sizeof v) < 0)
    goto fail;
  v = (int)self->busy_poll_budget;
  if (setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &v, sizeof v) < 0)
    goto fail;
  v = self->prefer_busy_poll;
  if (setsockopt (fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &v, sizeof v) < 0)
    goto fail;
  return;
fail:
  pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                       "%s: busy polling on '%s' not enabled: %s",
                       pkt_element_get_name (PKT_ELEMENT (self)), self->iface, g_strerror (errno));
}

/* Free frames are split evenly between the queues' fill rings, so that a
 * busy queue cannot starve the others. */
static void
pkt_xdp_src_refill (PktXdpSrc *self)
{
  PktXdpUmem *umem = self->umem;

  if (self->n_qs == 1) {
    pkt_xdp_umem_refill (umem, self->qs[0].fill, umem->n_free_frames);
    return;
  }
  guint share = MAX (umem->n_free_frames / self->n_qs, 1);
  for (guint i = 0; i < self->n_qs && umem->n_free_frames; i++)
    pkt_xdp_umem_refill (umem, self->qs[(self->next_q + i) % self->n_qs].fill, share);
}

static void pkt_xdp_src_close (PktXdpSrc *self);

static gboolean
pkt_xdp_src_open_in_netns (PktXdpSrc *self, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));
  int nq;
  guint32 opts_len;
  struct xdp_options opts = { 0 };

  self->ifindex = (int)if_nametoindex (self->iface);
  if (!self->ifindex) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_FOUND, "%s: interface '%s' does not exist%s%s",
                 name, self->iface, self->netns ? " in network namespace " : "",
                 self->netns ? self->netns : "");
    return FALSE;
  }
  nq = pkt_xdp_queue_count (self->iface);
  if (!pkt_xdp_src_resolve_queues (self, nq, error))
    return FALSE;
  if (self->attach == PKT_XDP_ATTACH_LINK) {
    if (!pkt_xdp_src_load_program (self, error))
      return FALSE;
  } else {
    g_autofree char *why = NULL;
    if (!pkt_xdp_ensure_bpffs (&why))
      pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                           "%s: %s; libxdp falls back to attaching its program without its "
                           "dispatcher (no other XDP program can share '%s')",
                           name, why, self->iface);
  }
  self->umem = pkt_xdp_umem_new (self->frame_size, self->frame_count, self->fill_size,
                                 XSK_RING_CONS__DEFAULT_NUM_DESCS, self->hugepages,
                                 self->batch_size, error);
  if (!self->umem) {
    g_prefix_error (error, "%s: interface '%s' queue %u (mode %s): ", name, self->iface,
                    self->qs[0].queue, pkt_xdp_mode_to_string (self->mode));
    return FALSE;
  }
  pkt_xdp_log_capture_begin ();
  gboolean ok = pkt_xdp_src_open_sockets (self, error);
  g_autofree char *said = pkt_xdp_log_capture_end ();
  if (!ok) {
    if (*said && error && *error) {
      char *msg = g_strconcat ((*error)->message, "; libxdp: ", said, NULL);
      g_free ((*error)->message);
      (*error)->message = msg;
    }
    return FALSE;
  }
  opts_len = sizeof opts;
  if (getsockopt (self->qs[0].fd, SOL_XDP, XDP_OPTIONS, &opts, &opts_len) == 0)
    self->zerocopy = !!(opts.flags & XDP_OPTIONS_ZEROCOPY);
  for (guint i = 0; i < self->n_qs; i++)
    pkt_xdp_src_set_busy_poll (self, self->qs[i].fd);

  if (self->attach == PKT_XDP_ATTACH_LINK) {
    /* bind first, then attach: a redirect never finds an empty map slot */
    if (!pkt_xdp_prog_attach (&self->prog, PKT_ELEMENT (self), self->ifindex, self->iface,
                              self->mode, error))
      return FALSE;
    self->mode_used = self->prog.mode;
    for (guint i = 0; i < self->n_qs; i++) {
      int key = (int)self->qs[i].queue;
      if (bpf_map_update_elem (self->prog.xsks_map_fd, &key, &self->qs[i].fd, BPF_ANY) < 0) {
        pkt_xdp_set_errno_error (error, errno,
                                 "%s: cannot insert the socket for '%s' queue %u into the XSKMAP",
                                 name, self->iface, self->qs[i].queue);
        return FALSE;
      }
    }
  }
  pkt_xdp_src_refill (self);
  return TRUE;
}

static gboolean
pkt_xdp_src_open (PktXdpSrc *self, GError **error)
{
  gboolean ok = TRUE;
  int old_ns;

  g_mutex_lock (&self->open_lock);
  if (self->opened)
    goto out;
  ok = pkt_xdp_src_check_settings (self, error);
  if (!ok)
    goto out;
  if (!pkt_netns_enter (self->netns, &old_ns, error)) {
    g_prefix_error (error, "%s: ", pkt_element_get_name (PKT_ELEMENT (self)));
    ok = FALSE;
    goto out;
  }
  ok = pkt_xdp_src_open_in_netns (self, error);
  pkt_netns_leave (old_ns);
  self->opened = TRUE;
  if (!ok) {
    g_mutex_unlock (&self->open_lock);
    pkt_xdp_src_close (self);
    return FALSE;
  }
  self->last_event_ns = now_ns ();
out:
  g_mutex_unlock (&self->open_lock);
  return ok;
}

/* Reverse order of open: detach the program (no new frames are redirected),
 * close the socket, then hand the UMEM to the leases still out. */
static void
pkt_xdp_src_close (PktXdpSrc *self)
{
  g_mutex_lock (&self->open_lock);
  if (self->opened) {
    pkt_xdp_src_update_stats (self);
    pkt_xdp_prog_close (&self->prog);
    /* libxdp detaches its program by ifindex through netlink, which
     * resolves in the calling thread's namespace: be in the right one */
    int old_ns;
    if (!pkt_netns_enter (self->netns, &old_ns, NULL))
      g_warning ("%s: network namespace '%s' is gone; closing the sockets from here",
                 pkt_element_get_name (PKT_ELEMENT (self)), self->netns);
    /* shared sockets first: the first one's fd is the UMEM's */
    for (guint i = self->n_qs; i-- > 0;)
      if (self->qs[i].xsk)
        xsk_socket__delete (self->qs[i].xsk);
    pkt_netns_leave (old_ns);
    g_clear_pointer (&self->qs, g_free);
    self->n_qs = 0;
    self->next_q = 0;
    if (self->umem) {
      pkt_xdp_umem_close (self->umem);
      pkt_xdp_umem_unref (g_steal_pointer (&self->umem));
    }
    self->opened = FALSE;
  }
  g_mutex_unlock (&self->open_lock);
}

PktXdpUmem *
pkt_xdp_src_share_umem (PktElement *src, GError **error)
{
  PktXdpSrc *self;

  if (!PKT_IS_XDP_SRC (src)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "element '%s' is not an xdpsrc",
                 pkt_element_get_name (src));
    return NULL;
  }
  self = PKT_XDP_SRC (src);
  if (!pkt_xdp_src_open (self, error))
    return NULL;
  return pkt_xdp_umem_ref (self->umem);
}

/* --------------------------------------------------------------- PktSource */

static gboolean
pkt_xdp_src_start (PktSource *source, GError **error)
{
  return pkt_xdp_src_open (PKT_XDP_SRC (source), error);
}

static void
pkt_xdp_src_stop (PktSource *source)
{
  pkt_xdp_src_close (PKT_XDP_SRC (source));
}

/* Nothing to read: kick the kernel if it asked, wait up to 100 ms, and send
 * a HEARTBEAT once per heartbeat interval without traffic. */
static PktFlowReturn
pkt_xdp_src_idle (PktXdpSrc *self, gint64 now)
{
  struct pollfd pfd[self->n_qs + 1];
  int timeout = (int)MIN (100, self->heartbeat_ms ? self->heartbeat_ms : 100);

  for (guint i = 0; i < self->n_qs; i++) {
    PktXdpQueue *q = &self->qs[i];
    pfd[i] = (struct pollfd){ .fd = q->fd, .events = POLLIN };
    if (self->busy_poll_usecs || (self->need_wakeup && xsk_ring_prod__needs_wakeup (q->fill)))
      recvfrom (q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
  }
  pfd[self->n_qs]
      = (struct pollfd){ .fd = pkt_source_get_wakeup_fd (PKT_SOURCE (self)), .events = POLLIN };
  if (self->busy_poll_usecs)
    timeout = 0; /* the recvfrom above polled the NIC already */
  poll (pfd, self->n_qs + 1, timeout);
  now = now_ns ();
  if (now - self->last_stats_ns > 250 * G_GINT64_CONSTANT (1000000)) {
    pkt_xdp_src_update_stats (self);
    self->last_stats_ns = now;
  }
  if (self->heartbeat_ms
      && now - self->last_event_ns >= (gint64)self->heartbeat_ms * G_GINT64_CONSTANT (1000000)) {
    self->last_event_ns = now;
    return pkt_source_push_heartbeat (PKT_SOURCE (self), now);
  }
  return PKT_FLOW_OK;
}

static PktFlowReturn
pkt_xdp_src_produce (PktSource *source)
{
  PktXdpSrc *self = PKT_XDP_SRC (source);
  PktXdpUmem *umem = self->umem;
  PktXdpLease *lease;
  PktBufferList *list;
  guint32 idx;
  guint64 bytes = 0;
  gint64 now;
  guint n;

  PktXdpQueue *q = NULL;

  pkt_xdp_umem_reclaim (umem);
  pkt_xdp_src_refill (self);
  n = 0;
  /* round robin over the queues: one batch from the next one that has data */
  for (guint k = 0; k < self->n_qs && n == 0; k++) {
    q = &self->qs[(self->next_q + k) % self->n_qs];
    n = xsk_ring_cons__peek (&q->rx, self->batch_size, &idx);
  }
  if (n == 0)
    return pkt_xdp_src_idle (self, 0);
  if (n < self->batch_size && self->batch_timeout_us && !self->slept) {
    /* A short batch: frames trickle in about as fast as we take them, and
     * taking them one by one costs a ring round trip (cache lines shared
     * with the producing CPU) and a push per frame. Let a batch build up
     * once (like a TPACKET_V3 block timeout), then take what is there. */
    struct timespec ts = { 0, (long)self->batch_timeout_us * 1000 };
    xsk_ring_cons__cancel (&q->rx, n);
    self->slept = TRUE;
    nanosleep (&ts, NULL);
    return PKT_FLOW_OK;
  }
  self->slept = FALSE;
  self->next_q = (guint)(q - self->qs + 1) % self->n_qs;

  lease = pkt_xdp_umem_lease_get (umem);
  if (G_UNLIKELY (!lease)) {
    /* every lease is held downstream: wait for one to come back */
    xsk_ring_cons__cancel (&q->rx, n);
    PKT_STAT_ADD (self->lease_stalls, 1);
    struct pollfd pfd = { .fd = pkt_source_get_wakeup_fd (source), .events = POLLIN };
    poll (&pfd, 1, 1);
    return PKT_FLOW_OK;
  }

  now = now_ns ();
  list = pkt_buffer_list_new (PKT_BUFFER_LIST_DEFAULT_CAPACITY);
  guint32 prev = 0;
  for (guint i = 0; i < n; i++) {
    const struct xdp_desc *d = xsk_ring_cons__rx_desc (&q->rx, idx + i);
    PktPacket *p = &list->packets[i];
    guint32 f = (guint32)(d->addr / umem->frame_size);
    pkt_packet_init (p, xsk_umem__get_data (umem->area, d->addr), d->len, d->len, now,
                     PKT_LINK_ETHERNET);
    p->ifindex = (guint32)self->ifindex;
    p->direction = PKT_DIR_IN;
    if (i == 0)
      lease->first_frame = f;
    else
      umem->frame_next[prev] = f;
    prev = f;
    bytes += d->len;
  }
  xsk_ring_cons__release (&q->rx, n);
  list->n_packets = n;
  lease->n_frames = n;
  pkt_xdp_lease_arm (lease);
  list->lease = &lease->lease; /* hands over the armed reference: no extra atomic */
  PKT_STAT_ADD (self->rx_packets, n);
  PKT_STAT_ADD (self->rx_bytes, bytes);
  self->last_event_ns = now;
  if (G_UNLIKELY (now - self->last_stats_ns > 250 * G_GINT64_CONSTANT (1000000))) {
    pkt_xdp_src_update_stats (self);
    self->last_stats_ns = now;
  }
  return pkt_source_push (source, list);
}

/* -------------------------------------------------------------- GObject */

static void
pkt_xdp_src_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PktXdpSrc *self = PKT_XDP_SRC (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_free (self->iface);
      self->iface = g_value_dup_string (value);
      break;
    case PROP_NETNS:
      g_free (self->netns);
      self->netns = g_value_dup_string (value);
      break;
    case PROP_QUEUE:
      self->queue = g_value_get_uint (value);
      break;
    case PROP_QUEUES:
      g_free (self->queues);
      self->queues = g_value_dup_string (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_BIND:
      self->bind = g_value_get_enum (value);
      break;
    case PROP_ATTACH:
      self->attach = g_value_get_enum (value);
      break;
    case PROP_NEED_WAKEUP:
      self->need_wakeup = g_value_get_boolean (value);
      break;
    case PROP_BUSY_POLL:
      self->busy_poll_usecs = g_value_get_uint (value);
      break;
    case PROP_BUSY_POLL_BUDGET:
      self->busy_poll_budget = g_value_get_uint (value);
      break;
    case PROP_PREFER_BUSY_POLL:
      self->prefer_busy_poll = g_value_get_boolean (value);
      break;
    case PROP_FRAME_SIZE:
      self->frame_size = g_value_get_uint (value);
      break;
    case PROP_FRAME_COUNT:
      self->frame_count = g_value_get_uint (value);
      break;
    case PROP_HUGEPAGES:
      self->hugepages = g_value_get_boolean (value);
      break;
    case PROP_RX_SIZE:
      self->rx_size = g_value_get_uint (value);
      break;
    case PROP_FILL_SIZE:
      self->fill_size = g_value_get_uint (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_PROGRAM:
      g_free (self->program);
      self->program = g_value_dup_string (value);
      break;
    case PROP_XSKS_MAP:
      g_free (self->xsks_map);
      self->xsks_map = g_value_dup_string (value);
      break;
    case PROP_XDP_FILTER:
      g_free (self->xdp_filter);
      self->xdp_filter = g_value_dup_string (value);
      break;
    case PROP_HEARTBEAT:
      self->heartbeat_ms = g_value_get_uint (value);
      break;
    case PROP_BATCH_TIMEOUT:
      self->batch_timeout_us = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_xdp_src_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PktXdpSrc *self = PKT_XDP_SRC (object);

  if ((prop_id >= PROP_RX_DROPPED && prop_id <= PROP_FILTER_PASSED)
      || prop_id == PROP_KERNEL_DROPS) {
    /* the streaming thread refreshes these, but it may be blocked downstream */
    g_mutex_lock (&self->open_lock);
    if (self->opened)
      pkt_xdp_src_update_stats (self);
    g_mutex_unlock (&self->open_lock);
  }
  switch (prop_id) {
    case PROP_IFACE:
      g_value_set_string (value, self->iface);
      break;
    case PROP_NETNS:
      g_value_set_string (value, self->netns);
      break;
    case PROP_QUEUE:
      g_value_set_uint (value, self->queue);
      break;
    case PROP_QUEUES:
      g_value_set_string (value, self->queues);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_BIND:
      g_value_set_enum (value, self->bind);
      break;
    case PROP_ATTACH:
      g_value_set_enum (value, self->attach);
      break;
    case PROP_NEED_WAKEUP:
      g_value_set_boolean (value, self->need_wakeup);
      break;
    case PROP_BUSY_POLL:
      g_value_set_uint (value, self->busy_poll_usecs);
      break;
    case PROP_BUSY_POLL_BUDGET:
      g_value_set_uint (value, self->busy_poll_budget);
      break;
    case PROP_PREFER_BUSY_POLL:
      g_value_set_boolean (value, self->prefer_busy_poll);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_uint (value, self->frame_size);
      break;
    case PROP_FRAME_COUNT:
      g_value_set_uint (value, self->frame_count);
      break;
    case PROP_HUGEPAGES:
      g_value_set_boolean (value, self->hugepages);
      break;
    case PROP_RX_SIZE:
      g_value_set_uint (value, self->rx_size);
      break;
    case PROP_FILL_SIZE:
      g_value_set_uint (value, self->fill_size);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_PROGRAM:
      g_value_set_string (value, self->program);
      break;
    case PROP_XSKS_MAP:
      g_value_set_string (value, self->xsks_map);
      break;
    case PROP_XDP_FILTER:
      g_value_set_string (value, self->xdp_filter);
      break;
    case PROP_HEARTBEAT:
      g_value_set_uint (value, self->heartbeat_ms);
      break;
    case PROP_BATCH_TIMEOUT:
      g_value_set_uint (value, self->batch_timeout_us);
      break;
    case PROP_ACTIVE_MODE:
      g_value_set_string (value, self->opened ? pkt_xdp_mode_to_string (self->mode_used) : NULL);
      break;
    case PROP_ZEROCOPY:
      g_value_set_boolean (value, self->zerocopy);
      break;
    case PROP_RX_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rx_packets));
      break;
    case PROP_RX_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rx_bytes));
      break;
    case PROP_RX_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rx_dropped));
      break;
    case PROP_RX_INVALID_DESCS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rx_invalid_descs));
      break;
    case PROP_RX_RING_FULL:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rx_ring_full));
      break;
    case PROP_RX_FILL_RING_EMPTY:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rx_fill_ring_empty));
      break;
    case PROP_FILTER_REDIRECTED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->filter_redirected));
      break;
    case PROP_FILTER_PASSED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->filter_passed));
      break;
    case PROP_LEASE_STALLS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->lease_stalls));
      break;
    case PROP_KERNEL_DROPS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->kernel_drops));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_xdp_src_dispose (GObject *object)
{
  /* a umem-from sink may have opened us although we never reached READY */
  pkt_xdp_src_close (PKT_XDP_SRC (object));
  G_OBJECT_CLASS (pkt_xdp_src_parent_class)->dispose (object);
}

static void
pkt_xdp_src_finalize (GObject *object)
{
  PktXdpSrc *self = PKT_XDP_SRC (object);

  g_free (self->iface);
  g_free (self->netns);
  g_free (self->queues);
  g_free (self->program);
  g_free (self->xsks_map);
  g_free (self->xdp_filter);
  g_mutex_clear (&self->open_lock);
  G_OBJECT_CLASS (pkt_xdp_src_parent_class)->finalize (object);
}

#define RW   (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define STAT (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_xdp_src_install_stats (GObjectClass *oc)
{
  static const struct {
    guint id;
    const char *name, *blurb;
  } stats[] = {
    { PROP_RX_PACKETS, "rx-packets", "Frames received" },
    { PROP_RX_BYTES, "rx-bytes", "Bytes received" },
    { PROP_RX_DROPPED, "rx-dropped",
      "Frames the kernel dropped (XDP_STATISTICS total; the next three say why)" },
    { PROP_RX_INVALID_DESCS, "rx-invalid-descs", "Frames dropped for an invalid descriptor" },
    { PROP_RX_RING_FULL, "rx-ring-full",
      "Drops because the RX ring was full (the source fell behind)" },
    { PROP_RX_FILL_RING_EMPTY, "rx-fill-ring-empty",
      "Times the kernel found no frame in the fill ring (frames held downstream)" },
    { PROP_FILTER_REDIRECTED, "filter-redirected",
      "Frames the xdp-filter program redirected to the socket" },
    { PROP_FILTER_PASSED, "filter-passed",
      "Frames the xdp-filter program passed to the kernel stack" },
    { PROP_KERNEL_DROPS, "kernel-drops",
      "Frames lost at the socket: rx-dropped + rx-ring-full (the fill-ring count is "
      "inside rx-dropped)" },
    { PROP_LEASE_STALLS, "lease-stalls",
      "Times every batch lease was held downstream and the source waited" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (stats); i++)
    g_object_class_install_property (oc, stats[i].id,
                                     g_param_spec_uint64 (stats[i].name, stats[i].name,
                                                          stats[i].blurb, 0, G_MAXUINT64, 0, STAT));
}

static void
pkt_xdp_src_class_init (PktXdpSrcClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PktSourceClass *sc = PKT_SOURCE_CLASS (klass);

  oc->set_property = pkt_xdp_src_set_property;
  oc->get_property = pkt_xdp_src_get_property;
  oc->dispose = pkt_xdp_src_dispose;
  oc->finalize = pkt_xdp_src_finalize;
  sc->start = pkt_xdp_src_start;
  sc->stop = pkt_xdp_src_stop;
  sc->produce = pkt_xdp_src_produce;

  g_object_class_install_property (
      oc, PROP_IFACE,
      g_param_spec_string ("iface", "Interface", "Network interface to capture on", NULL, RW));
  g_object_class_install_property (
      oc, PROP_NETNS,
      g_param_spec_string ("netns", "Network namespace",
                           "Open the socket inside this network namespace (a name under "
                           "/run/netns or a path); empty = the current one",
                           NULL, RW));
  g_object_class_install_property (
      oc, PROP_QUEUE,
      g_param_spec_uint ("queue", "Queue", "RX queue to bind the socket to", 0, 4095, 0, RW));
  g_object_class_install_property (
      oc, PROP_QUEUES,
      g_param_spec_string ("queues", "Queues",
                           "Several queues, one socket each on one UMEM: 'all' or '0,2,3' "
                           "(overrides 'queue')",
                           NULL, RW));
  g_object_class_install_property (
      oc, PROP_MODE,
      g_param_spec_enum ("mode", "XDP mode", "Where the XDP program runs", pkt_xdp_mode_get_type (),
                         PKT_XDP_MODE_AUTO, RW));
  g_object_class_install_property (
      oc, PROP_BIND,
      g_param_spec_enum ("bind", "Bind mode", "Copy or zero-copy socket", pkt_xdp_bind_get_type (),
                         PKT_XDP_BIND_AUTO, RW));
  g_object_class_install_property (
      oc, PROP_ATTACH,
      g_param_spec_enum ("attach", "Attach", "Who attaches the XDP program",
                         pkt_xdp_attach_get_type (), PKT_XDP_ATTACH_LINK, RW));
  g_object_class_install_property (
      oc, PROP_NEED_WAKEUP,
      g_param_spec_boolean ("need-wakeup", "Need wakeup",
                            "Let the kernel say when it needs a syscall (XDP_USE_NEED_WAKEUP)",
                            TRUE, RW));
  g_object_class_install_property (
      oc, PROP_BUSY_POLL,
      g_param_spec_uint ("busy-poll", "Busy poll", "SO_BUSY_POLL in microseconds (0 = interrupts)",
                         0, 1000000, 0, RW));
  g_object_class_install_property (oc, PROP_BUSY_POLL_BUDGET,
                                   g_param_spec_uint ("busy-poll-budget", "Busy poll budget",
                                                      "SO_BUSY_POLL_BUDGET: frames per busy poll",
                                                      1, 65535, 64, RW));
  g_object_class_install_property (
      oc, PROP_PREFER_BUSY_POLL,
      g_param_spec_boolean ("prefer-busy-poll", "Prefer busy poll",
                            "SO_PREFER_BUSY_POLL (needs napi_defer_hard_irqs)", FALSE, RW));
  g_object_class_install_property (oc, PROP_FRAME_SIZE,
                                   g_param_spec_uint ("frame-size", "Frame size",
                                                      "UMEM frame size (2048 or 4096)", 2048, 65536,
                                                      4096, RW));
  g_object_class_install_property (
      oc, PROP_FRAME_COUNT,
      g_param_spec_uint ("frame-count", "Frame count", "UMEM frames", 64, 1 << 22, 32768, RW));
  g_object_class_install_property (oc, PROP_HUGEPAGES,
                                   g_param_spec_boolean ("hugepages", "Huge pages",
                                                         "Allocate the UMEM in 2 MiB huge pages",
                                                         FALSE, RW));
  g_object_class_install_property (oc, PROP_RX_SIZE,
                                   g_param_spec_uint ("rx-size", "RX ring size",
                                                      "RX ring entries (power of two)", 64, 1 << 16,
                                                      8192, RW));
  g_object_class_install_property (oc, PROP_FILL_SIZE,
                                   g_param_spec_uint ("fill-size", "Fill ring size",
                                                      "Fill ring entries (power of two)", 64,
                                                      1 << 16, 8192, RW));
  g_object_class_install_property (oc, PROP_BATCH_SIZE,
                                   g_param_spec_uint ("batch-size", "Batch size",
                                                      "Frames per pushed batch at most", 1,
                                                      PKT_BUFFER_LIST_DEFAULT_CAPACITY, 256, RW));
  g_object_class_install_property (
      oc, PROP_PROGRAM,
      g_param_spec_string ("program", "Program",
                           "Your XDP object file (FILE.o); empty = libxdp's redirect program", NULL,
                           RW));
  g_object_class_install_property (oc, PROP_XSKS_MAP,
                                   g_param_spec_string ("xsks-map", "XSK map",
                                                        "Name of the XSKMAP in 'program'",
                                                        "xsks_map", RW));
  g_object_class_install_property (
      oc, PROP_XDP_FILTER,
      g_param_spec_string ("xdp-filter", "XDP filter",
                           "Redirect only matching frames, pass the rest to the stack: "
                           "'proto=udp,tcp port=53 addr=10.0.0.1,fd00::1'",
                           NULL, RW));
  g_object_class_install_property (
      oc, PROP_BATCH_TIMEOUT,
      g_param_spec_uint ("batch-timeout", "Batch timeout",
                         "Microseconds to let a batch fill after a wakeup that found only a few "
                         "frames (0 = push at once: lowest latency, most wakeups)",
                         0, 100000, 1000, RW));
  g_object_class_install_property (
      oc, PROP_HEARTBEAT,
      g_param_spec_uint ("heartbeat-interval", "Heartbeat interval",
                         "Milliseconds without traffic between HEARTBEAT events (0 = none)", 0,
                         3600000, 1000, RW));
  g_object_class_install_property (oc, PROP_ACTIVE_MODE,
                                   g_param_spec_string ("active-mode", "Active mode",
                                                        "XDP mode in use (skb or native)", NULL,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (
      oc, PROP_ZEROCOPY,
      g_param_spec_boolean ("zero-copy", "Zero copy", "Whether the socket is bound zero-copy",
                            FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  pkt_xdp_src_install_stats (oc);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "AF_XDP source", "Source/Network",
                                  "Captures frames through an AF_XDP socket (zero-copy batches)",
                                  "pktpipe");
}

static void
pkt_xdp_src_init (PktXdpSrc *self)
{
  g_mutex_init (&self->open_lock);
  self->need_wakeup = TRUE;
  self->busy_poll_budget = 64;
  self->frame_size = 4096;
  /* 128 MiB of UMEM and 8192-entry rings: at 1 Mpps the thread may be
   * off-CPU for ~8 ms without a drop (afpacketsrc's default ring is 256 MiB) */
  self->frame_count = 32768;
  self->rx_size = 8192;
  self->fill_size = 8192;
  self->batch_size = 256;
  self->xsks_map = g_strdup ("xsks_map");
  self->heartbeat_ms = 1000;
  /* measured on veth: 1 ms cuts the capturer's CPU per packet ~4x against
   * 100 us (docs/performance.md); afpacketsrc's block timeout is 60 ms */
  self->batch_timeout_us = 1000;
  self->prog = (PktXdpProg){
    .prog_fd = -1, .link_fd = -1, .xsks_map_fd = -1, .cfg_map_fd = -1, .stats_map_fd = -1
  };
}
