/* pktpipe xdp plugin — xdpsink: transmit through an AF_XDP socket.
 *
 * Own UMEM: each frame is copied once into a free UMEM frame, queued on the
 * TX ring; the completion ring gives frames back. umem-from=SRC: the socket
 * shares the xdpsrc's UMEM (XDP_SHARED_UMEM), descriptors point at the
 * received frames themselves, and the batch's lease is held until the
 * kernel completes them, after which the frames return to SRC's fill ring.
 * One sendto per batch, and only when the kernel asks (need_wakeup).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "pkt-xdp.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef enum {
  PKT_XDP_ON_FULL_BLOCK = 0,
  PKT_XDP_ON_FULL_DROP = 1,
} PktXdpOnFull;

static GType
pkt_xdp_on_full_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_XDP_ON_FULL_BLOCK, "Wait for the kernel to complete frames (back-pressure)", "block" },
    { PKT_XDP_ON_FULL_DROP, "Drop what does not fit and count it in tx-dropped", "drop" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktXdpOnFull", values));
  return type;
}

#define PKT_TYPE_XDP_SINK (pkt_xdp_sink_get_type ())
G_DECLARE_FINAL_TYPE (PktXdpSink, pkt_xdp_sink, PKT, XDP_SINK, PktSink)

typedef struct {
  PktLease *lease;
  guint n;
} Inflight;

struct _PktXdpSink {
  PktSink parent;

  char *iface;
  char *netns;
  char *umem_from;
  guint queue;
  PktXdpMode mode;
  PktXdpBind bind;
  gboolean need_wakeup;
  guint frame_size;
  guint frame_count;
  guint tx_size;
  guint comp_size;
  PktXdpOnFull on_full;

  PktXdpUmem *umem;
  gboolean shared;
  struct xsk_socket *xsk;
  struct xsk_ring_prod tx;
  struct xsk_ring_prod fill; /* shared mode: this socket's own (unused) fill ring */
  struct xsk_ring_cons comp; /* shared mode: this socket's own completion ring */
  struct xsk_ring_cons *cq;
  int fd;
  guint outstanding;
  gboolean zerocopy;
  gboolean warned_foreign;

  /* shared mode: leases held until their frames complete, in TX order */
  Inflight *inflight;
  guint if_cap, if_head, if_len;

  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 tx_dropped;
  guint64 tx_oversize;
  guint64 tx_foreign;
  guint64 tx_invalid_descs;
  guint64 tx_kicks;
};

G_DEFINE_TYPE (PktXdpSink, pkt_xdp_sink, PKT_TYPE_SINK)

enum {
  PROP_0,
  PROP_IFACE,
  PROP_NETNS,
  PROP_QUEUE,
  PROP_MODE,
  PROP_BIND,
  PROP_NEED_WAKEUP,
  PROP_FRAME_SIZE,
  PROP_FRAME_COUNT,
  PROP_TX_SIZE,
  PROP_COMP_SIZE,
  PROP_ON_FULL,
  PROP_UMEM_FROM,
  PROP_ZEROCOPY,
  PROP_TX_PACKETS,
  PROP_TX_BYTES,
  PROP_TX_DROPPED,
  PROP_TX_OVERSIZE,
  PROP_TX_FOREIGN,
  PROP_TX_INVALID_DESCS,
  PROP_TX_KICKS,
};

/* ------------------------------------------------------------- TX path */

/* Frames the kernel is done with: back to our free list, or (shared) the
 * oldest held leases are released, in TX order. */
static void
pkt_xdp_sink_reclaim (PktXdpSink *self)
{
  guint32 idx;
  guint n = xsk_ring_cons__peek (self->cq, self->comp_size, &idx);

  if (n == 0)
    return;
  if (!self->shared) {
    PktXdpUmem *u = self->umem;
    for (guint i = 0; i < n; i++)
      u->free_frames[u->n_free_frames++]
          = (guint32)(*xsk_ring_cons__comp_addr (self->cq, idx + i) / u->frame_size);
  } else {
    guint left = n;
    while (left && self->if_len) {
      Inflight *e = &self->inflight[self->if_head];
      guint take = MIN (left, e->n);
      e->n -= take;
      left -= take;
      if (e->n == 0) {
        pkt_lease_unref (e->lease);
        self->if_head = (self->if_head + 1) % self->if_cap;
        self->if_len--;
      }
    }
  }
  xsk_ring_cons__release (self->cq, n);
  self->outstanding -= n;
}

/* In copy mode the kernel sends a bounded number of frames per syscall and
 * says EAGAIN for the rest, so keep kicking while it does. */
static gboolean
pkt_xdp_sink_kick (PktXdpSink *self)
{
  for (guint i = 0; i < 64; i++) {
    if (self->need_wakeup && !xsk_ring_prod__needs_wakeup (&self->tx))
      return TRUE;
    PKT_STAT_ADD (self->tx_kicks, 1);
    if (sendto (self->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
      return TRUE;
    if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS) {
      pkt_xdp_sink_reclaim (self);
      continue;
    }
    if (errno == ENETDOWN)
      return TRUE;
    pkt_element_error (
        PKT_ELEMENT (self), PKT_ERROR_WRITE, NULL, "%s: transmit on '%s' queue %u failed: %s",
        pkt_element_get_name (PKT_ELEMENT (self)), self->iface, self->queue, g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

static guint
pkt_xdp_sink_room (PktXdpSink *self, guint want)
{
  guint room = xsk_prod_nb_free (&self->tx, want);

  room = MIN (room, want);
  if (!self->shared)
    room = MIN (room, self->umem->n_free_frames);
  else
    room = MIN (room, self->if_cap - self->if_len > 0 ? want : 0);
  return room;
}

/* The ring (or our frames) is full: wait for completions (block) or tell
 * the caller to drop (0). Returns the room there is now. */
static guint
pkt_xdp_sink_wait_room (PktXdpSink *self, guint want, PktFlowReturn *ret)
{
  guint room;

  for (;;) {
    if (!pkt_xdp_sink_kick (self)) {
      *ret = PKT_FLOW_ERROR;
      return 0;
    }
    pkt_xdp_sink_reclaim (self);
    room = pkt_xdp_sink_room (self, want);
    if (room || self->on_full == PKT_XDP_ON_FULL_DROP)
      return room;
    if (pkt_element_is_flushing (PKT_ELEMENT (self))) {
      *ret = PKT_FLOW_FLUSHING;
      return 0;
    }
    struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };
    poll (&pfd, 1, 10);
  }
}

static guint
pkt_xdp_sink_fill_copy (PktXdpSink *self, PktBufferList *list, guint *pos, guint room,
                        guint64 *bytes)
{
  PktXdpUmem *u = self->umem;
  guint32 idx = 0;
  guint k = 0;

  xsk_ring_prod__reserve (&self->tx, room, &idx);
  while (k < room && *pos < list->n_packets) {
    const PktPacket *p = &list->packets[(*pos)++];
    if (G_UNLIKELY (p->caplen > u->frame_size)) {
      PKT_STAT_ADD (self->tx_oversize, 1);
      continue;
    }
    guint32 f = u->free_frames[--u->n_free_frames];
    guint64 addr = (guint64)f * u->frame_size;
    memcpy (u->area + addr, p->data, p->caplen);
    *xsk_ring_prod__tx_desc (&self->tx, idx + k)
        = (struct xdp_desc){ .addr = addr, .len = p->caplen };
    *bytes += p->caplen;
    k++;
  }
  /* oversize frames skipped: give back the reserved slots we did not use */
  self->tx.cached_prod -= room - k;
  return k;
}

static guint
pkt_xdp_sink_fill_shared (PktXdpSink *self, PktBufferList *list, guint *pos, guint room,
                          guint64 *bytes)
{
  PktXdpUmem *u = self->umem;
  guint32 idx = 0;
  guint k = 0;

  xsk_ring_prod__reserve (&self->tx, room, &idx);
  while (k < room && *pos < list->n_packets) {
    const PktPacket *p = &list->packets[(*pos)++];
    guint64 addr = (guint64)(p->data - u->area);
    /* a frame's bytes must stay inside its own chunk */
    if (G_UNLIKELY (p->caplen > u->frame_size - addr % u->frame_size)) {
      PKT_STAT_ADD (self->tx_oversize, 1);
      continue;
    }
    *xsk_ring_prod__tx_desc (&self->tx, idx + k)
        = (struct xdp_desc){ .addr = addr, .len = p->caplen };
    *bytes += p->caplen;
    k++;
  }
  self->tx.cached_prod -= room - k;
  if (k) {
    Inflight *e = &self->inflight[(self->if_head + self->if_len) % self->if_cap];
    e->lease = pkt_lease_ref (list->lease);
    e->n = k;
    self->if_len++;
  }
  return k;
}

static PktFlowReturn
pkt_xdp_sink_render (PktSink *sink, PktBatch *batch)
{
  PktXdpSink *self = PKT_XDP_SINK (sink);
  PktBufferList *list = (PktBufferList *)batch;
  PktFlowReturn ret = PKT_FLOW_OK;
  guint64 bytes = 0, sent = 0;
  guint pos = 0;

  if (self->shared && G_UNLIKELY (!pkt_xdp_lease_from (list->lease, self->umem))) {
    /* not frames of our UMEM and we own no frames to copy into */
    PKT_STAT_ADD (self->tx_foreign, list->n_packets);
    if (!self->warned_foreign) {
      self->warned_foreign = TRUE;
      pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                           "%s: umem-from=%s only sends frames received by that source; other "
                           "frames are dropped (counted in tx-foreign)",
                           pkt_element_get_name (PKT_ELEMENT (self)), self->umem_from);
    }
    return PKT_FLOW_OK;
  }
  pkt_xdp_sink_reclaim (self);
  while (pos < list->n_packets) {
    guint want = list->n_packets - pos;
    guint room = pkt_xdp_sink_room (self, want);
    if (!room)
      room = pkt_xdp_sink_wait_room (self, want, &ret);
    if (!room) {
      if (ret == PKT_FLOW_OK) /* on-full=drop */
        PKT_STAT_ADD (self->tx_dropped, want);
      break;
    }
    guint k = self->shared ? pkt_xdp_sink_fill_shared (self, list, &pos, room, &bytes)
                           : pkt_xdp_sink_fill_copy (self, list, &pos, room, &bytes);
    xsk_ring_prod__submit (&self->tx, k);
    self->outstanding += k;
    sent += k;
  }
  if (sent && !pkt_xdp_sink_kick (self))
    ret = PKT_FLOW_ERROR;
  PKT_STAT_ADD (self->tx_packets, sent);
  PKT_STAT_ADD (self->tx_bytes, bytes);
  return ret;
}

/* EOS: let the kernel finish what is queued (bounded wait) so that every
 * counted frame has really left. */
static void
pkt_xdp_sink_drain (PktXdpSink *self, gint64 timeout_us)
{
  gint64 end = g_get_monotonic_time () + timeout_us;

  while (self->outstanding && g_get_monotonic_time () < end) {
    pkt_xdp_sink_kick (self);
    pkt_xdp_sink_reclaim (self);
    if (self->outstanding) {
      struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };
      poll (&pfd, 1, 1);
    }
  }
}

static gboolean
pkt_xdp_sink_event (PktSink *sink, PktEvent *event)
{
  PktXdpSink *self = PKT_XDP_SINK (sink);

  if (event->type == PKT_EVENT_EOS && self->xsk)
    pkt_xdp_sink_drain (self, G_USEC_PER_SEC);
  pkt_event_unref (event);
  return TRUE;
}

/* ------------------------------------------------------------ open/close */

static PktElement *
pkt_xdp_sink_find_element (PktXdpSink *self, const char *name)
{
  for (PktElement *p = pkt_element_get_parent (PKT_ELEMENT (self)); p;
       p = pkt_element_get_parent (p)) {
    PktElement *e = PKT_IS_BIN (p) ? pkt_bin_get_by_name (PKT_BIN (p), name) : NULL;
    if (e)
      return e;
  }
  return NULL;
}

static gboolean
pkt_xdp_sink_get_umem (PktXdpSink *self, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));

  if (self->umem_from && *self->umem_from) {
    PktElement *src = pkt_xdp_sink_find_element (self, self->umem_from);
    if (!src) {
      g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_FOUND,
                   "%s: umem-from: no element named '%s' in the pipeline", name, self->umem_from);
      return FALSE;
    }
    self->umem = pkt_xdp_src_share_umem (src, error);
    if (!self->umem) {
      g_prefix_error (error, "%s: umem-from=%s: ", name, self->umem_from);
      return FALSE;
    }
    self->shared = TRUE;
    self->cq = &self->comp;
    self->if_cap = self->tx_size + self->comp_size;
    self->inflight = g_new0 (Inflight, self->if_cap);
    return TRUE;
  }
  self->umem = pkt_xdp_umem_new (self->frame_size, self->frame_count, 64, self->comp_size, FALSE, 1,
                                 error);
  if (!self->umem) {
    g_prefix_error (error, "%s: interface '%s' queue %u: ", name, self->iface, self->queue);
    return FALSE;
  }
  self->cq = &self->umem->comp;
  return TRUE;
}

static int
pkt_xdp_sink_create_socket (PktXdpSink *self, guint16 bind_flags)
{
  struct xsk_socket_config cfg = {
    .rx_size = 0,
    .tx_size = self->tx_size,
    .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, /* TX needs no XDP program */
    .xdp_flags = 0,
    .bind_flags = bind_flags | (self->need_wakeup ? XDP_USE_NEED_WAKEUP : 0),
  };
  int ret;

  if (self->shared)
    ret = xsk_socket__create_shared (&self->xsk, self->iface, self->queue, self->umem->umem, NULL,
                                     &self->tx, &self->fill, &self->comp, &cfg);
  else
    ret = xsk_socket__create (&self->xsk, self->iface, self->queue, self->umem->umem, NULL,
                              &self->tx, &cfg);
  if (ret)
    self->xsk = NULL;
  return ret;
}

static gboolean
pkt_xdp_sink_open (PktXdpSink *self, GError **error)
{
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));
  int nq, ret = -EINVAL;
  struct xdp_options opts = { 0 };
  socklen_t len = sizeof opts;

  if (!if_nametoindex (self->iface)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_FOUND, "%s: interface '%s' does not exist%s%s",
                 name, self->iface, self->netns ? " in network namespace " : "",
                 self->netns ? self->netns : "");
    return FALSE;
  }
  nq = pkt_xdp_queue_count (self->iface);
  if (nq > 0 && self->queue >= (guint)nq) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: queue %u is out of range: interface '%s' has %d queue%s", name, self->queue,
                 self->iface, nq, nq == 1 ? "" : "s");
    return FALSE;
  }
  if (!pkt_xdp_sink_get_umem (self, error))
    return FALSE;
  if (self->bind != PKT_XDP_BIND_COPY)
    ret = pkt_xdp_sink_create_socket (self, XDP_ZEROCOPY);
  if (self->bind == PKT_XDP_BIND_COPY || (ret && self->bind == PKT_XDP_BIND_AUTO))
    ret = pkt_xdp_sink_create_socket (self, XDP_COPY);
  if (ret) {
    pkt_xdp_set_errno_error (
        error, ret, "%s: cannot bind an AF_XDP socket to interface '%s' queue %u for TX (%s)%s",
        name, self->iface, self->queue, self->shared ? "shared UMEM" : "own UMEM",
        ret == -EPERM        ? " (needs CAP_NET_RAW and CAP_NET_ADMIN)"
        : ret == -EOPNOTSUPP ? " (the driver does not support zero-copy; use bind=copy)"
                             : "");
    return FALSE;
  }
  self->fd = xsk_socket__fd (self->xsk);
  if (getsockopt (self->fd, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0)
    self->zerocopy = !!(opts.flags & XDP_OPTIONS_ZEROCOPY);
  return TRUE;
}

static void
pkt_xdp_sink_stop (PktSink *sink)
{
  PktXdpSink *self = PKT_XDP_SINK (sink);

  if (self->xsk) {
    struct xdp_statistics st = { 0 };
    socklen_t len = sizeof st;
    if (getsockopt (self->fd, SOL_XDP, XDP_STATISTICS, &st, &len) == 0)
      __atomic_store_n (&self->tx_invalid_descs, st.tx_invalid_descs, __ATOMIC_RELAXED);
    xsk_socket__delete (self->xsk);
    self->xsk = NULL;
  }
  self->fd = -1;
  /* the socket is gone: nothing in flight will complete */
  while (self->if_len) {
    pkt_lease_unref (self->inflight[self->if_head].lease);
    self->if_head = (self->if_head + 1) % self->if_cap;
    self->if_len--;
  }
  g_clear_pointer (&self->inflight, g_free);
  self->if_head = self->if_len = self->if_cap = 0;
  self->outstanding = 0;
  if (self->umem)
    pkt_xdp_umem_unref (g_steal_pointer (&self->umem));
  self->shared = FALSE;
}

static gboolean
pkt_xdp_sink_start (PktSink *sink, GError **error)
{
  PktXdpSink *self = PKT_XDP_SINK (sink);
  const char *name = pkt_element_get_name (PKT_ELEMENT (self));
  int old_ns;
  gboolean ok;

  if (!self->iface || !*self->iface) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s: property 'iface' is not set", name);
    return FALSE;
  }
  if ((self->frame_size & (self->frame_size - 1)) || self->frame_size < 2048
      || self->frame_size > (guint)sysconf (_SC_PAGESIZE) || (self->tx_size & (self->tx_size - 1))
      || (self->comp_size & (self->comp_size - 1))) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: frame-size (2048..page size), tx-size and comp-size must be powers of two",
                 name);
    return FALSE;
  }
  if (self->mode == PKT_XDP_MODE_NATIVE && self->bind == PKT_XDP_BIND_COPY)
    g_debug ("%s: mode=native has no effect on a TX-only socket", name);
  /* the source (umem-from) opens in its own namespace; we open in ours */
  if (!pkt_netns_enter (self->netns, &old_ns, error)) {
    g_prefix_error (error, "%s: ", name);
    return FALSE;
  }
  ok = pkt_xdp_sink_open (self, error);
  pkt_netns_leave (old_ns);
  return ok;
}

/* -------------------------------------------------------------- GObject */

static void
pkt_xdp_sink_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PktXdpSink *self = PKT_XDP_SINK (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_free (self->iface);
      self->iface = g_value_dup_string (value);
      break;
    case PROP_NETNS:
      g_free (self->netns);
      self->netns = g_value_dup_string (value);
      break;
    case PROP_UMEM_FROM:
      g_free (self->umem_from);
      self->umem_from = g_value_dup_string (value);
      break;
    case PROP_QUEUE:
      self->queue = g_value_get_uint (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_BIND:
      self->bind = g_value_get_enum (value);
      break;
    case PROP_NEED_WAKEUP:
      self->need_wakeup = g_value_get_boolean (value);
      break;
    case PROP_FRAME_SIZE:
      self->frame_size = g_value_get_uint (value);
      break;
    case PROP_FRAME_COUNT:
      self->frame_count = g_value_get_uint (value);
      break;
    case PROP_TX_SIZE:
      self->tx_size = g_value_get_uint (value);
      break;
    case PROP_COMP_SIZE:
      self->comp_size = g_value_get_uint (value);
      break;
    case PROP_ON_FULL:
      self->on_full = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_xdp_sink_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PktXdpSink *self = PKT_XDP_SINK (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_value_set_string (value, self->iface);
      break;
    case PROP_NETNS:
      g_value_set_string (value, self->netns);
      break;
    case PROP_UMEM_FROM:
      g_value_set_string (value, self->umem_from);
      break;
    case PROP_QUEUE:
      g_value_set_uint (value, self->queue);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_BIND:
      g_value_set_enum (value, self->bind);
      break;
    case PROP_NEED_WAKEUP:
      g_value_set_boolean (value, self->need_wakeup);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_uint (value, self->frame_size);
      break;
    case PROP_FRAME_COUNT:
      g_value_set_uint (value, self->frame_count);
      break;
    case PROP_TX_SIZE:
      g_value_set_uint (value, self->tx_size);
      break;
    case PROP_COMP_SIZE:
      g_value_set_uint (value, self->comp_size);
      break;
    case PROP_ON_FULL:
      g_value_set_enum (value, self->on_full);
      break;
    case PROP_ZEROCOPY:
      g_value_set_boolean (value, self->zerocopy);
      break;
    case PROP_TX_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_packets));
      break;
    case PROP_TX_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_bytes));
      break;
    case PROP_TX_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_dropped));
      break;
    case PROP_TX_OVERSIZE:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_oversize));
      break;
    case PROP_TX_FOREIGN:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_foreign));
      break;
    case PROP_TX_INVALID_DESCS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_invalid_descs));
      break;
    case PROP_TX_KICKS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->tx_kicks));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_xdp_sink_finalize (GObject *object)
{
  PktXdpSink *self = PKT_XDP_SINK (object);

  pkt_xdp_sink_stop (PKT_SINK (self));
  g_free (self->iface);
  g_free (self->netns);
  g_free (self->umem_from);
  G_OBJECT_CLASS (pkt_xdp_sink_parent_class)->finalize (object);
}

#define RW   (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define STAT (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_xdp_sink_class_init (PktXdpSinkClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PktSinkClass *sc = PKT_SINK_CLASS (klass);
  static const struct {
    guint id;
    const char *name, *blurb;
  } stats[] = {
    { PROP_TX_PACKETS, "tx-packets", "Frames queued for transmission" },
    { PROP_TX_BYTES, "tx-bytes", "Bytes queued for transmission" },
    { PROP_TX_DROPPED, "tx-dropped", "Frames dropped because the TX ring was full (on-full=drop)" },
    { PROP_TX_OVERSIZE, "tx-oversize", "Frames dropped because they do not fit a UMEM frame" },
    { PROP_TX_FOREIGN, "tx-foreign",
      "Frames dropped with umem-from because they did not come from that source" },
    { PROP_TX_INVALID_DESCS, "tx-invalid-descs", "Descriptors the kernel rejected" },
    { PROP_TX_KICKS, "tx-kicks", "sendto() calls made to start transmission" },
  };

  oc->set_property = pkt_xdp_sink_set_property;
  oc->get_property = pkt_xdp_sink_get_property;
  oc->finalize = pkt_xdp_sink_finalize;
  sc->start = pkt_xdp_sink_start;
  sc->stop = pkt_xdp_sink_stop;
  sc->render = pkt_xdp_sink_render;
  sc->event = pkt_xdp_sink_event;

  g_object_class_install_property (
      oc, PROP_IFACE,
      g_param_spec_string ("iface", "Interface", "Network interface to send on", NULL, RW));
  g_object_class_install_property (
      oc, PROP_NETNS,
      g_param_spec_string ("netns", "Network namespace",
                           "Open the socket inside this network namespace (a name under "
                           "/run/netns or a path)",
                           NULL, RW));
  g_object_class_install_property (
      oc, PROP_QUEUE, g_param_spec_uint ("queue", "Queue", "TX queue", 0, 4095, 0, RW));
  g_object_class_install_property (
      oc, PROP_MODE,
      g_param_spec_enum ("mode", "XDP mode",
                         "Accepted for symmetry with xdpsrc: a TX-only socket needs no XDP "
                         "program, so the mode does not change transmission",
                         pkt_xdp_mode_get_type (), PKT_XDP_MODE_AUTO, RW));
  g_object_class_install_property (
      oc, PROP_BIND,
      g_param_spec_enum ("bind", "Bind mode", "Copy or zero-copy socket", pkt_xdp_bind_get_type (),
                         PKT_XDP_BIND_AUTO, RW));
  g_object_class_install_property (
      oc, PROP_NEED_WAKEUP,
      g_param_spec_boolean ("need-wakeup", "Need wakeup",
                            "Call sendto only when the kernel asks (XDP_USE_NEED_WAKEUP)", TRUE,
                            RW));
  g_object_class_install_property (oc, PROP_FRAME_SIZE,
                                   g_param_spec_uint ("frame-size", "Frame size",
                                                      "UMEM frame size (own UMEM)", 2048, 65536,
                                                      4096, RW));
  g_object_class_install_property (oc, PROP_FRAME_COUNT,
                                   g_param_spec_uint ("frame-count", "Frame count",
                                                      "UMEM frames (own UMEM)", 64, 1 << 22, 4096,
                                                      RW));
  g_object_class_install_property (oc, PROP_TX_SIZE,
                                   g_param_spec_uint ("tx-size", "TX ring size",
                                                      "TX ring entries (power of two)", 64, 1 << 16,
                                                      2048, RW));
  g_object_class_install_property (oc, PROP_COMP_SIZE,
                                   g_param_spec_uint ("comp-size", "Completion ring size",
                                                      "Completion ring entries (power of two)", 64,
                                                      1 << 16, 2048, RW));
  g_object_class_install_property (
      oc, PROP_ON_FULL,
      g_param_spec_enum ("on-full", "On full", "What to do when the TX ring is full",
                         pkt_xdp_on_full_get_type (), PKT_XDP_ON_FULL_BLOCK, RW));
  g_object_class_install_property (
      oc, PROP_UMEM_FROM,
      g_param_spec_string ("umem-from", "UMEM from",
                           "Name of an xdpsrc whose UMEM to share: forward its frames without "
                           "copying (XDP_SHARED_UMEM)",
                           NULL, RW));
  g_object_class_install_property (
      oc, PROP_ZEROCOPY,
      g_param_spec_boolean ("zero-copy", "Zero copy", "Whether the socket is bound zero-copy",
                            FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  for (guint i = 0; i < G_N_ELEMENTS (stats); i++)
    g_object_class_install_property (oc, stats[i].id,
                                     g_param_spec_uint64 (stats[i].name, stats[i].name,
                                                          stats[i].blurb, 0, G_MAXUINT64, 0, STAT));

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "AF_XDP sink", "Sink/Network",
                                  "Transmits frames through an AF_XDP socket", "pktpipe");
}

static void
pkt_xdp_sink_init (PktXdpSink *self)
{
  self->fd = -1;
  self->need_wakeup = TRUE;
  self->frame_size = 4096;
  self->frame_count = 4096;
  self->tx_size = 2048;
  self->comp_size = 2048;
}
