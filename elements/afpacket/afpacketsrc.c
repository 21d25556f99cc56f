/* pktpipe — afpacketsrc: capture from a network interface with a TPACKET_V3
 * ring, zero copy: downstream lists point into the ring blocks, and a block
 * goes back to the kernel when the last list borrowing it is released.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "afpacket.h"

#include <net/if.h> /* before the linux/ headers: glibc's struct ifreq wins */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define DEFAULT_BLOCK_SIZE     (4u << 20)
#define DEFAULT_BLOCK_COUNT    64
#define DEFAULT_FRAME_SIZE     2048
#define DEFAULT_BLOCK_TIMEOUT  60
#define DEFAULT_SNAPLEN        262144
#define DEFAULT_STATS_INTERVAL 1000
/* Headroom the kernel must leave before each frame: room to put a stripped
 * 802.1Q tag back in place (see vlan_reinsert). */
#define VLAN_RESERVE 4
/* take_block(): the block could not be taken now (copy pool exhausted) */
#define FLOW_RETRY ((PktFlowReturn)1)

/* ---- the ring, shared with the leases that outlive the element's hold ---- */

typedef struct _AfpRing AfpRing;

typedef struct {
  PktLease lease; /* re-armed each time the block is taken */
  AfpRing *ring;
  struct tpacket_block_desc *desc;
  gint leased;
} AfpBlock;

typedef struct {
  PktLease lease;
  AfpRing *ring;
  guint8 *mem;
} AfpCopy;

struct _AfpRing {
  gint refcount;
  guint8 *map;
  gsize map_size;
  guint block_size;
  guint n_blocks;
  gint outstanding; /* blocks lent downstream */
  AfpBlock *blocks;
  GMutex pool_lock; /* copy path only: once per copied block */
  GPtrArray *pool;  /* free AfpCopy */
  guint pool_total;
  guint pool_max;
};

static AfpRing *
ring_ref (AfpRing *ring)
{
  g_atomic_int_inc (&ring->refcount);
  return ring;
}

static void
ring_unref (AfpRing *ring)
{
  if (!g_atomic_int_dec_and_test (&ring->refcount))
    return;
  munmap (ring->map, ring->map_size);
  for (guint i = 0; i < ring->pool->len; i++) {
    AfpCopy *c = g_ptr_array_index (ring->pool, i);
    g_free (c->mem);
    g_free (c);
  }
  g_ptr_array_unref (ring->pool);
  g_mutex_clear (&ring->pool_lock);
  g_free (ring->blocks);
  g_free (ring);
}

/* Runs on whichever thread drops the last list of the block: hand the block
 * back to the kernel. The release store orders our reads of the block (and
 * the in-place VLAN/SLL writes) before the kernel may overwrite it. */
static void
block_release (PktLease *lease, gpointer user_data)
{
  AfpBlock *b = user_data;
  AfpRing *ring = b->ring;

  __atomic_store_n (&b->desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  g_atomic_int_set (&b->leased, 0);
  g_atomic_int_dec_and_test (&ring->outstanding);
  ring_unref (ring);
}

static void
copy_release (PktLease *lease, gpointer user_data)
{
  AfpCopy *c = user_data;
  AfpRing *ring = c->ring;

  g_mutex_lock (&ring->pool_lock);
  g_ptr_array_add (ring->pool, c);
  g_mutex_unlock (&ring->pool_lock);
  ring_unref (ring);
}

static AfpCopy *
ring_copy_get (AfpRing *ring)
{
  AfpCopy *c = NULL;

  g_mutex_lock (&ring->pool_lock);
  if (ring->pool->len > 0) {
    c = g_ptr_array_steal_index_fast (ring->pool, ring->pool->len - 1);
  } else if (ring->pool_total < ring->pool_max) {
    c = g_new0 (AfpCopy, 1);
    c->ring = ring;
    c->mem = g_malloc (ring->block_size);
    ring->pool_total++;
  }
  g_mutex_unlock (&ring->pool_lock);
  return c;
}

/* ---- the element ------------------------------------------------------------ */

struct _PktAfpacketSrc {
  PktSource parent;

  /* properties */
  char *iface;
  char *netns;
  char *filter;
  guint block_size;
  guint block_count;
  guint frame_size;
  guint block_timeout;
  guint snaplen;
  guint busy_poll;
  guint busy_poll_budget;
  guint fanout_group;
  guint fanout_flags;
  guint max_borrowed;
  guint stats_interval;
  gboolean fill_rxhash;
  gboolean promiscuous;
  gboolean ignore_outgoing;
  gboolean prefer_busy_poll;
  gboolean mlock;
  PktAfpacketDirection direction;
  PktAfpacketFanout fanout;
  PktAfpacketTimestamping timestamping;

  /* runtime */
  GMutex lock; /* fd vs. property readers, filter swaps */
  int fd;
  int bpf_fd;
  PktAfpacketIface info;
  AfpRing *ring;
  guint cur;
  guint max_borrowed_eff;
  guint64 last_seq;
  gint64 next_stats_us;
  gint64 last_block_us;
  gboolean ring_locked;

  /* statistics (PKT_PARAM_STAT) */
  guint64 packets;
  guint64 bytes;
  guint64 kernel_packets;
  guint64 kernel_drops;
  guint64 freeze_count;
  guint64 seq_gaps;
  guint64 blocks;
  guint64 copied_blocks;
};

G_DECLARE_FINAL_TYPE (PktAfpacketSrc, pkt_afpacket_src, PKT, AFPACKET_SRC, PktSource)
G_DEFINE_FINAL_TYPE (PktAfpacketSrc, pkt_afpacket_src, PKT_TYPE_SOURCE)

enum {
  PROP_0,
  PROP_IFACE,
  PROP_NETNS,
  PROP_FILTER,
  PROP_BLOCK_SIZE,
  PROP_BLOCK_COUNT,
  PROP_FRAME_SIZE,
  PROP_BLOCK_TIMEOUT,
  PROP_FILL_RXHASH,
  PROP_SNAPLEN,
  PROP_PROMISCUOUS,
  PROP_IGNORE_OUTGOING,
  PROP_DIRECTION,
  PROP_BUSY_POLL,
  PROP_PREFER_BUSY_POLL,
  PROP_BUSY_POLL_BUDGET,
  PROP_TIMESTAMPING,
  PROP_MLOCK,
  PROP_FANOUT,
  PROP_FANOUT_GROUP,
  PROP_FANOUT_FLAGS,
  PROP_MAX_BORROWED,
  PROP_STATS_INTERVAL,
  /* statistics */
  PROP_PACKETS,
  PROP_BYTES,
  PROP_KERNEL_PACKETS,
  PROP_KERNEL_DROPS,
  PROP_FREEZE_COUNT,
  PROP_SEQ_GAPS,
  PROP_BLOCKS,
  PROP_COPIED_BLOCKS,
  PROP_BORROWED_BLOCKS,
  PROP_RING_LOCKED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

#define SELF_ELEMENT(s) PKT_ELEMENT (s)

/* PACKET_STATISTICS resets the kernel's counters on each read: keep running
 * totals so that any number of readers lose nothing. Caller holds lock. */
static void
stats_refresh_locked (PktAfpacketSrc *self)
{
  struct tpacket_stats_v3 st = { 0 };
  socklen_t len = sizeof st;

  if (self->fd < 0 || getsockopt (self->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
    return;
  PKT_STAT_ADD (self->kernel_packets, st.tp_packets);
  PKT_STAT_ADD (self->kernel_drops, st.tp_drops);
  PKT_STAT_ADD (self->freeze_count, st.tp_freeze_q_cnt);
}

static void
stats_refresh (PktAfpacketSrc *self)
{
  g_mutex_lock (&self->lock);
  stats_refresh_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
stats_post (PktAfpacketSrc *self)
{
  GVariantDict d;

  stats_refresh (self);
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "iface", "s", self->iface);
  g_variant_dict_insert (&d, "packets", "t", PKT_STAT_GET (self->packets));
  g_variant_dict_insert (&d, "bytes", "t", PKT_STAT_GET (self->bytes));
  g_variant_dict_insert (&d, "kernel-drops", "t", PKT_STAT_GET (self->kernel_drops));
  g_variant_dict_insert (&d, "freeze-count", "t", PKT_STAT_GET (self->freeze_count));
  g_variant_dict_insert (&d, "seq-gaps", "t", PKT_STAT_GET (self->seq_gaps));
  g_variant_dict_insert (&d, "blocks", "t", PKT_STAT_GET (self->blocks));
  g_variant_dict_insert (&d, "copied-blocks", "t", PKT_STAT_GET (self->copied_blocks));
  pkt_element_post_message (
      SELF_ELEMENT (self),
      pkt_message_new_payload (PKT_MESSAGE_STATS, SELF_ELEMENT (self), g_variant_dict_end (&d)));
}

static gboolean
check_settings (PktAfpacketSrc *self, GError **error)
{
  long page = sysconf (_SC_PAGESIZE);

  if (!self->iface || !*self->iface) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "property 'iface' is not set (an interface name or \"any\")");
    return FALSE;
  }
  if (self->block_size % (guint)page != 0) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "block-size %u is not a multiple of the page size (%ld)",
                           self->block_size, page);
    return FALSE;
  }
  if (self->frame_size % TPACKET_ALIGNMENT != 0 || self->frame_size < TPACKET3_HDRLEN) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "frame-size %u must be a multiple of %d and at least %zu",
                           self->frame_size, TPACKET_ALIGNMENT, (size_t)TPACKET3_HDRLEN);
    return FALSE;
  }
  if (self->block_size < self->frame_size) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "block-size %u is smaller than frame-size %u", self->block_size,
                           self->frame_size);
    return FALSE;
  }
  if (self->max_borrowed >= self->block_count) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "max-borrowed-blocks %u must be smaller than block-count %u",
                           self->max_borrowed, self->block_count);
    return FALSE;
  }
  if (self->direction == PKT_AFPACKET_DIRECTION_OUT && self->ignore_outgoing) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "direction=out contradicts ignore-outgoing=true");
    return FALSE;
  }
  if (self->fanout == PKT_AFPACKET_FANOUT_NONE && self->fanout_flags != 0) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "fanout-flags need a fanout mode (fanout=hash, …)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
sockopt (PktAfpacketSrc *self, int level, int name, const void *val, socklen_t len,
         const char *what, GError **error)
{
  if (setsockopt (self->fd, level, name, val, len) == 0)
    return TRUE;
  int e = errno;
  pkt_element_set_error (SELF_ELEMENT (self), error,
                         e == EPERM ? PKT_ERROR_PERMISSION : PKT_ERROR_RESOURCE,
                         "interface '%s': cannot set %s: %s%s", self->iface, what, g_strerror (e),
                         e == EPERM ? " (needs CAP_NET_ADMIN; grant it with `setcap "
                                      "cap_net_raw,cap_net_admin+ep PROGRAM`)"
                                    : "");
  return FALSE;
}

static gboolean
setup_ring (PktAfpacketSrc *self, GError **error)
{
  struct tpacket_req3 req = {
    .tp_block_size = self->block_size,
    .tp_block_nr = self->block_count,
    .tp_frame_size = self->frame_size,
    .tp_frame_nr = (self->block_size / self->frame_size) * self->block_count,
    .tp_retire_blk_tov = self->block_timeout,
    .tp_sizeof_priv = 0,
    .tp_feature_req_word = self->fill_rxhash ? TP_FT_REQ_FILL_RXHASH : 0,
  };
  gsize size = (gsize)self->block_size * self->block_count;
  int version = TPACKET_V3;
  int reserve = self->info.cooked ? 0 : VLAN_RESERVE;
  AfpRing *ring;
  void *map;

  if (!sockopt (self, SOL_PACKET, PACKET_VERSION, &version, sizeof version, "TPACKET_V3", error)
      || !sockopt (self, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve, "PACKET_RESERVE",
                   error))
    return FALSE;
  if (setsockopt (self->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    int e = errno;
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_RESOURCE,
                           "interface '%s': cannot allocate an RX ring of %u blocks of %u bytes "
                           "(%zu MiB): %s",
                           self->iface, self->block_count, self->block_size, size >> 20,
                           g_strerror (e));
    return FALSE;
  }
  map = MAP_FAILED;
  if (self->mlock)
    map = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, self->fd, 0);
  self->ring_locked = map != MAP_FAILED;
  if (map == MAP_FAILED) {
    /* Locking fails past RLIMIT_MEMLOCK (EAGAIN/ENOMEM/EPERM): the ring
     * still works, pre-faulted instead of pinned. */
    if (self->mlock)
      pkt_element_warning (SELF_ELEMENT (self), PKT_ERROR_RESOURCE, NULL,
                           "interface '%s': cannot lock the %zu MiB ring in memory (%s: raise "
                           "RLIMIT_MEMLOCK or grant CAP_IPC_LOCK); it is pre-faulted instead",
                           self->iface, size >> 20, g_strerror (errno));
    map = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, self->fd, 0);
  }
  if (map == MAP_FAILED) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_RESOURCE,
                           "interface '%s': cannot map the %zu MiB RX ring: %s", self->iface,
                           size >> 20, g_strerror (errno));
    return FALSE;
  }
  ring = g_new0 (AfpRing, 1);
  ring->refcount = 1;
  ring->map = map;
  ring->map_size = size;
  ring->block_size = self->block_size;
  ring->n_blocks = self->block_count;
  ring->blocks = g_new0 (AfpBlock, ring->n_blocks);
  ring->pool = g_ptr_array_new ();
  ring->pool_max = MAX (2u, ring->n_blocks / 2);
  g_mutex_init (&ring->pool_lock);
  for (guint i = 0; i < ring->n_blocks; i++) {
    ring->blocks[i].ring = ring;
    ring->blocks[i].desc = (struct tpacket_block_desc *)(ring->map + (gsize)i * self->block_size);
  }
  self->ring = ring;
  self->cur = 0;
  self->last_seq = 0;
  self->max_borrowed_eff
      = self->max_borrowed ? self->max_borrowed : MAX (1u, self->block_count / 2);
  return TRUE;
}

static gboolean
attach_filter_locked (PktAfpacketSrc *self, const char *expr, GError **error)
{
  struct sock_fprog *prog = pkt_afpacket_filter_compile (SELF_ELEMENT (self), &self->info, expr,
                                                         self->snaplen, self->direction, error);
  int ret;

  if (!prog && error && *error)
    return FALSE;
  if (prog) {
    /* SO_ATTACH_FILTER swaps the program atomically: no packet sees
     * neither or both. */
    ret = setsockopt (self->fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof *prog);
    pkt_afpacket_filter_free (prog);
  } else {
    int dummy = 0;
    ret = setsockopt (self->fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof dummy);
    if (ret < 0 && errno == ENOENT)
      ret = 0;
  }
  if (ret < 0) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_RESOURCE,
                           "interface '%s': cannot attach filter \"%s\": %s", self->iface,
                           expr ? expr : "", g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

static gboolean
setup_timestamping (PktAfpacketSrc *self, GError **error)
{
  struct hwtstamp_config cfg = { .tx_type = HWTSTAMP_TX_OFF, .rx_filter = HWTSTAMP_FILTER_ALL };
  struct ifreq ifr = { 0 };
  int req = SOF_TIMESTAMPING_RAW_HARDWARE;

  if (self->timestamping != PKT_AFPACKET_TS_HARDWARE)
    return TRUE;
  g_strlcpy (ifr.ifr_name, self->iface, sizeof ifr.ifr_name);
  ifr.ifr_data = (void *)&cfg;
  if (self->info.ifindex == 0 || ioctl (self->fd, SIOCSHWTSTAMP, &ifr) < 0) {
    /* Not an error: most virtual NICs have no clock; say so once. */
    pkt_element_warning (SELF_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                         "interface '%s' has no hardware time stamping (%s): using software "
                         "time stamps",
                         self->iface, self->info.ifindex ? g_strerror (errno) : "iface=any");
    return TRUE;
  }
  return sockopt (self, SOL_PACKET, PACKET_TIMESTAMP, &req, sizeof req, "PACKET_TIMESTAMP", error);
}

static gboolean
setup_busy_poll (PktAfpacketSrc *self, GError **error)
{
  int v;

  if (self->busy_poll == 0)
    return TRUE;
  v = (int)self->busy_poll;
  if (!sockopt (self, SOL_SOCKET, SO_BUSY_POLL, &v, sizeof v, "busy-poll (SO_BUSY_POLL)", error))
    return FALSE;
  v = 1;
  if (self->prefer_busy_poll
      && setsockopt (self->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &v, sizeof v) < 0)
    pkt_element_warning (SELF_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                         "prefer-busy-poll: the kernel refused SO_PREFER_BUSY_POLL (%s)",
                         g_strerror (errno));
  v = (int)self->busy_poll_budget;
  if (v > 0 && setsockopt (self->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &v, sizeof v) < 0)
    pkt_element_warning (SELF_ELEMENT (self), PKT_ERROR_UNSUPPORTED, NULL,
                         "busy-poll-budget: the kernel refused SO_BUSY_POLL_BUDGET (%s)",
                         g_strerror (errno));
  return TRUE;
}

static gboolean
setup_fanout (PktAfpacketSrc *self, GError **error)
{
  static const int modes[] = {
    [PKT_AFPACKET_FANOUT_HASH] = PACKET_FANOUT_HASH,
    [PKT_AFPACKET_FANOUT_LB] = PACKET_FANOUT_LB,
    [PKT_AFPACKET_FANOUT_CPU] = PACKET_FANOUT_CPU,
    [PKT_AFPACKET_FANOUT_ROLLOVER] = PACKET_FANOUT_ROLLOVER,
    [PKT_AFPACKET_FANOUT_RANDOM] = PACKET_FANOUT_RND,
    [PKT_AFPACKET_FANOUT_QM] = PACKET_FANOUT_QM,
    [PKT_AFPACKET_FANOUT_SYMMETRIC] = PACKET_FANOUT_EBPF,
  };
  guint group, flags = 0;
  int arg;

  if (self->fanout == PKT_AFPACKET_FANOUT_NONE)
    return TRUE;
  /* Default group: every socket of this process on this interface. */
  group = self->fanout_group ? self->fanout_group
                             : (((guint)getpid () ^ (guint)self->info.ifindex * 40503u) & 0xffff);
  if (self->fanout_flags & PKT_AFPACKET_FANOUT_FLAG_ROLLOVER)
    flags |= PACKET_FANOUT_FLAG_ROLLOVER;
  if (self->fanout_flags & PKT_AFPACKET_FANOUT_FLAG_DEFRAG)
    flags |= PACKET_FANOUT_FLAG_DEFRAG;
  if (self->fanout_flags & PKT_AFPACKET_FANOUT_FLAG_IGNORE_OUTGOING)
    flags |= PACKET_FANOUT_FLAG_IGNORE_OUTGOING;
  arg = (int)(group | ((guint)(modes[self->fanout] | flags) << 16));
  if (setsockopt (self->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) {
    int e = errno;
    pkt_element_set_error (
        SELF_ELEMENT (self), error, PKT_ERROR_RESOURCE,
        "interface '%s': cannot join fanout group %u (%s): %s%s", self->iface, group,
        g_enum_get_value (g_type_class_peek (pkt_afpacket_fanout_get_type ()), self->fanout)
            ->value_nick,
        g_strerror (e), e == EINVAL ? " (the group exists with another mode or interface)" : "");
    return FALSE;
  }
  if (self->fanout == PKT_AFPACKET_FANOUT_SYMMETRIC)
    return sockopt (self, SOL_PACKET, PACKET_FANOUT_DATA, &self->bpf_fd, sizeof self->bpf_fd,
                    "the symmetric fanout program (PACKET_FANOUT_DATA)", error);
  return TRUE;
}

static gboolean
pkt_afpacket_src_start (PktSource *source, GError **error)
{
  PktAfpacketSrc *self = PKT_AFPACKET_SRC (source);
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons (ETH_P_ALL) };
  int one = 1;
  gboolean ok;
  int fd;

  if (!check_settings (self, error))
    return FALSE;
  if (self->fanout == PKT_AFPACKET_FANOUT_SYMMETRIC) {
    self->bpf_fd = pkt_afpacket_symhash_load (SELF_ELEMENT (self), error);
    if (self->bpf_fd < 0)
      return FALSE;
  }
  fd = pkt_afpacket_open_socket (SELF_ELEMENT (self), self->netns, self->iface, TRUE, &self->info,
                                 error);
  if (fd < 0)
    return FALSE;
  g_mutex_lock (&self->lock);
  self->fd = fd;
  g_mutex_unlock (&self->lock);
  if (!self->info.up) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_RESOURCE, "interface '%s' is down",
                           self->iface);
    return FALSE;
  }

  g_mutex_lock (&self->lock);
  /* Filter before bind: no unfiltered packet ever enters the ring. */
  ok = attach_filter_locked (self, self->filter, error);
  g_mutex_unlock (&self->lock);
  if (!ok || !setup_ring (self, error) || !setup_timestamping (self, error)
      || !setup_busy_poll (self, error))
    return FALSE;
  if ((self->ignore_outgoing || self->direction == PKT_AFPACKET_DIRECTION_IN)
      && !sockopt (self, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one,
                   "PACKET_IGNORE_OUTGOING", error))
    return FALSE;

  sll.sll_ifindex = self->info.ifindex;
  if (bind (self->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    pkt_element_set_error (SELF_ELEMENT (self), error, PKT_ERROR_RESOURCE,
                           "cannot bind to interface '%s': %s", self->iface, g_strerror (errno));
    return FALSE;
  }
  if (self->promiscuous && self->info.ifindex > 0) {
    struct packet_mreq mr = { .mr_ifindex = self->info.ifindex, .mr_type = PACKET_MR_PROMISC };
    if (!sockopt (self, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr, "promiscuous mode",
                  error))
      return FALSE;
  }
  if (!setup_fanout (self, error))
    return FALSE;
  self->last_block_us = g_get_monotonic_time ();
  self->next_stats_us = self->last_block_us + (gint64)self->stats_interval * 1000;
  return TRUE;
}

static void
pkt_afpacket_src_stop (PktSource *source)
{
  PktAfpacketSrc *self = PKT_AFPACKET_SRC (source);

  g_mutex_lock (&self->lock);
  if (self->fd >= 0) {
    stats_refresh_locked (self);
    if (self->ring && g_atomic_int_get (&self->ring->outstanding) > 0) {
      /* Lists still borrow blocks: the mapping (and with it the socket)
       * lives until they are released. Stop it from receiving meanwhile. */
      struct sock_filter drop = BPF_STMT (BPF_RET | BPF_K, 0);
      struct sock_fprog prog = { .len = 1, .filter = &drop };
      setsockopt (self->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
    }
    close (self->fd);
    self->fd = -1;
  }
  g_mutex_unlock (&self->lock);
  if (self->ring)
    ring_unref (g_steal_pointer (&self->ring));
  if (self->bpf_fd >= 0)
    close (self->bpf_fd);
  self->bpf_fd = -1;
}

/* The kernel strips the 802.1Q tag into tp_vlan_tci; put it back in the
 * frame, in place, so downstream sees the wire bytes: the 12 address bytes
 * move 4 bytes into the headroom reserved by PACKET_RESERVE. */
static inline const guint8 *
vlan_reinsert (guint8 *data, guint32 *caplen, guint32 *len, const struct tpacket3_hdr *h)
{
  guint16 tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid
                     ? h->hv1.tp_vlan_tpid
                     : ETH_P_8021Q;
  guint8 *out = data - 4;

  memmove (out, data, 12);
  out[12] = tpid >> 8;
  out[13] = tpid & 0xff;
  out[14] = h->hv1.tp_vlan_tci >> 8;
  out[15] = h->hv1.tp_vlan_tci & 0xff;
  *caplen += 4;
  *len += 4;
  return out;
}

/* Cooked mode: write a Linux SLL v1 header in the headroom before the
 * network header (as libpcap does), so the bytes read as LINKTYPE_LINUX_SLL. */
static inline const guint8 *
sll_prepend (guint8 *data, guint32 *caplen, guint32 *len, const struct sockaddr_ll *sll)
{
  guint8 *out = data - PKT_AFPACKET_SLL_HDR_LEN;
  guint16 halen = MIN (sll->sll_halen, 8);

  out[0] = 0;
  out[1] = sll->sll_pkttype;
  out[2] = sll->sll_hatype >> 8;
  out[3] = sll->sll_hatype & 0xff;
  out[4] = 0;
  out[5] = (guint8)halen;
  memset (out + 6, 0, 8);
  memcpy (out + 6, sll->sll_addr, halen);
  memcpy (out + 14, &sll->sll_protocol, 2);
  *caplen += PKT_AFPACKET_SLL_HDR_LEN;
  *len += PKT_AFPACKET_SLL_HDR_LEN;
  return out;
}

/* Splits one block (@base: the ring block or its copy) into lists of at
 * most 256 packets that all hold @lease, and pushes them. */
static PktFlowReturn
push_block (PktAfpacketSrc *self, guint8 *base, PktLease *lease)
{
  struct tpacket_block_desc *bd = (struct tpacket_block_desc *)base;
  guint n = bd->hdr.bh1.num_pkts;
  guint8 *p = base + bd->hdr.bh1.offset_to_first_pkt;
  const gboolean cooked = self->info.cooked, no_mac = self->info.no_mac;
  const guint8 linktype = (guint8)self->info.linktype;
  const guint8 hash_flag = self->fill_rxhash ? PKT_PACKET_FLAG_HASH_VALID : 0;
  PktBufferList *list = NULL;
  PktFlowReturn ret = PKT_FLOW_OK;
  guint64 bytes = 0;
  guint done = 0;

  for (guint i = 0; i < n; i++) {
    struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
    /* The kernel just wrote these lines on another CPU: each header read
     * is a cache miss. Frames are laid out back to back, so fetch a few
     * frames ahead by address (harmless past the block's end: the ring is
     * one mapping and prefetches do not fault). */
    __builtin_prefetch (p + 1024);
    __builtin_prefetch (p + 1088);
    __builtin_prefetch (p + 1152);
    const struct sockaddr_ll *sll
        = (const struct sockaddr_ll *)(p + TPACKET_ALIGN (sizeof (struct tpacket3_hdr)));
    guint8 *data = p + h->tp_mac;
    guint32 caplen = h->tp_snaplen, len = h->tp_len;
    const guint8 *out = data;
    guint16 vlan_tci = 0;
    PktPacket *pk;

    if (cooked) {
      out = sll_prepend (data, &caplen, &len, sll);
      if (h->tp_status & TP_STATUS_VLAN_VALID)
        vlan_tci = h->hv1.tp_vlan_tci;
    } else if ((h->tp_status & TP_STATUS_VLAN_VALID) && !no_mac && caplen >= 12) {
      vlan_tci = h->hv1.tp_vlan_tci;
      out = vlan_reinsert (data, &caplen, &len, h);
    }
    if (!list) {
      list = pkt_buffer_list_new (PKT_BUFFER_LIST_DEFAULT_CAPACITY);
      pkt_buffer_list_set_lease (list, lease);
    }
    pk = &list->packets[list->n_packets++];
    pkt_packet_init (pk, out, caplen, len,
                     (gint64)h->tp_sec * G_GINT64_CONSTANT (1000000000) + h->tp_nsec, linktype);
    pk->hash = h->hv1.tp_rxhash;
    pk->flags = hash_flag;
    pk->ifindex = (guint32)sll->sll_ifindex;
    pk->direction = sll->sll_pkttype == PACKET_OUTGOING ? PKT_DIR_OUT : PKT_DIR_IN;
    pk->vlan_tci = vlan_tci;
    bytes += len;
    p += h->tp_next_offset;
    if (list->n_packets == list->capacity || i + 1 == n) {
      done = i + 1;
      ret = pkt_source_push (PKT_SOURCE (self), g_steal_pointer (&list));
      if (ret != PKT_FLOW_OK)
        break;
    }
  }
  if (list)
    pkt_buffer_list_unref (list);
  PKT_STAT_ADD (self->packets, done);
  PKT_STAT_ADD (self->bytes, bytes);
  return ret;
}

/* Bytes of block @bd in use: header plus every packet up to its end. */
static gsize
block_used_len (struct tpacket_block_desc *bd, gsize block_size)
{
  gsize len = bd->hdr.bh1.blk_len;
  return len > 0 && len <= block_size ? len : block_size;
}

static PktFlowReturn
take_block (PktAfpacketSrc *self, AfpBlock *b)
{
  AfpRing *ring = self->ring;
  struct tpacket_block_desc *bd = b->desc;
  guint64 seq = bd->hdr.bh1.seq_num;
  PktFlowReturn ret;

  if (self->last_seq && seq > self->last_seq + 1)
    PKT_STAT_ADD (self->seq_gaps, seq - self->last_seq - 1);
  self->last_seq = seq;

  if ((guint)g_atomic_int_get (&ring->outstanding) >= self->max_borrowed_eff) {
    /* A slow branch holds too much of the ring: copy this block out and
     * give it back at once, so the kernel never stalls on us. */
    AfpCopy *c = ring_copy_get (ring);
    if (!c)
      return FLOW_RETRY; /* pool exhausted: caller waits */
    memcpy (c->mem, bd, block_used_len (bd, ring->block_size));
    __atomic_store_n (&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    pkt_lease_init (&c->lease, copy_release, c);
    ring_ref (ring);
    PKT_STAT_ADD (self->copied_blocks, 1);
    ret = push_block (self, c->mem, &c->lease);
    pkt_lease_unref (&c->lease);
    return ret;
  }
  g_atomic_int_set (&b->leased, 1);
  g_atomic_int_inc (&ring->outstanding);
  ring_ref (ring);
  pkt_lease_init (&b->lease, block_release, b);
  ret = push_block (self, (guint8 *)bd, &b->lease);
  pkt_lease_unref (&b->lease);
  return ret;
}

static PktFlowReturn
report_socket_error (PktAfpacketSrc *self)
{
  int err = 0;
  socklen_t len = sizeof err;
  g_autofree char *name = NULL;

  getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (self->info.ifindex > 0)
    name = pkt_afpacket_ifname (self->fd, self->info.ifindex);
  if (self->info.ifindex > 0 && !name)
    pkt_element_error (SELF_ELEMENT (self), PKT_ERROR_READ, g_strerror (err),
                       "interface '%s' was removed while capturing", self->iface);
  else
    pkt_element_error (SELF_ELEMENT (self), PKT_ERROR_READ, NULL,
                       "interface '%s' went down while capturing (%s)", self->iface,
                       g_strerror (err ? err : ENETDOWN));
  return PKT_FLOW_ERROR;
}

/* Waits for the socket or the stop request, at most @timeout_ms.
 * @for_kernel: we wait for the kernel to retire our current block (else we
 * wait for downstream to release memory, and POLLIN means nothing).
 *
 * TPACKET_V3 poll() reports POLLIN while the block before the kernel's
 * current one is still user-owned — which it is for as long as downstream
 * holds it. Then poll() would return at once and this loop would spin, so
 * the socket is only watched for errors and the wait is a short sleep. */
static PktFlowReturn
wait_for_block (PktAfpacketSrc *self, int timeout_ms, gboolean for_kernel)
{
  AfpRing *ring = self->ring;
  const AfpBlock *prev = &ring->blocks[(self->cur + ring->n_blocks - 1) % ring->n_blocks];
  gboolean prev_held = !for_kernel || g_atomic_int_get (&prev->leased);
  struct pollfd pfd[2] = {
    { .fd = self->fd, .events = prev_held ? 0 : POLLIN },
    { .fd = pkt_source_get_wakeup_fd (PKT_SOURCE (self)), .events = POLLIN },
  };
  int n = poll (pfd, 2, prev_held ? MIN (timeout_ms, 1) : timeout_ms);
  gint64 now;

  if (n < 0 && errno != EINTR) {
    pkt_element_error (SELF_ELEMENT (self), PKT_ERROR_READ, NULL, "interface '%s': poll: %s",
                       self->iface, g_strerror (errno));
    return PKT_FLOW_ERROR;
  }
  if (pfd[1].revents)
    return pkt_source_eos_requested (PKT_SOURCE (self)) ? PKT_FLOW_EOS : PKT_FLOW_FLUSHING;
  if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
    return report_socket_error (self);
  now = g_get_monotonic_time ();
  if (!(pfd[0].revents & POLLIN)
      && now - self->last_block_us >= (gint64)self->block_timeout * 1000) {
    /* Idle: let time-driven elements downstream move on. */
    self->last_block_us = now;
    return pkt_source_push_heartbeat (PKT_SOURCE (self), g_get_real_time () * 1000);
  }
  return PKT_FLOW_OK;
}

static PktFlowReturn
pkt_afpacket_src_produce (PktSource *source)
{
  PktAfpacketSrc *self = PKT_AFPACKET_SRC (source);
  AfpBlock *b = &self->ring->blocks[self->cur];
  PktFlowReturn ret;
  gint64 now;

  if (self->stats_interval > 0) {
    now = g_get_monotonic_time ();
    if (now >= self->next_stats_us) {
      self->next_stats_us = now + (gint64)self->stats_interval * 1000;
      stats_post (self);
    }
  }
  /* Still lent downstream from the previous lap: the kernel is stuck on
   * this block as well (counting drops). Wait for the release. */
  if (g_atomic_int_get (&b->leased))
    return wait_for_block (self, 2, FALSE);
  if (!(__atomic_load_n (&b->desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
    return wait_for_block (self, (int)MIN (self->block_timeout, 100u), TRUE);

  ret = take_block (self, b);
  if (ret == FLOW_RETRY)
    return wait_for_block (self, 2, FALSE);
  PKT_STAT_ADD (self->blocks, 1);
  self->last_block_us = g_get_monotonic_time ();
  self->cur = (self->cur + 1) % self->ring->n_blocks;
  return ret;
}

/* ---- properties ----------------------------------------------------------------- */

static void
set_filter_live (PktAfpacketSrc *self, const GValue *value)
{
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&self->lock);
  if (self->fd >= 0 && !attach_filter_locked (self, g_value_get_string (value), &error)) {
    /* Keep the old program (and the old text, so the property tells
     * what actually runs). */
    g_mutex_unlock (&self->lock);
    pkt_element_warning (SELF_ELEMENT (self), PKT_ERROR_SETTINGS, NULL, "filter not changed: %s",
                         error->message);
    return;
  }
  g_free (self->filter);
  self->filter = g_value_dup_string (value);
  g_mutex_unlock (&self->lock);
}

static void
pkt_afpacket_src_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  PktAfpacketSrc *self = PKT_AFPACKET_SRC (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_free (self->iface);
      self->iface = g_value_dup_string (value);
      break;
    case PROP_NETNS:
      g_free (self->netns);
      self->netns = g_value_dup_string (value);
      break;
    case PROP_FILTER:
      set_filter_live (self, value);
      break;
    case PROP_BLOCK_SIZE:
      self->block_size = g_value_get_uint (value);
      break;
    case PROP_BLOCK_COUNT:
      self->block_count = g_value_get_uint (value);
      break;
    case PROP_FRAME_SIZE:
      self->frame_size = g_value_get_uint (value);
      break;
    case PROP_BLOCK_TIMEOUT:
      self->block_timeout = g_value_get_uint (value);
      break;
    case PROP_FILL_RXHASH:
      self->fill_rxhash = g_value_get_boolean (value);
      break;
    case PROP_SNAPLEN:
      self->snaplen = g_value_get_uint (value);
      break;
    case PROP_PROMISCUOUS:
      self->promiscuous = g_value_get_boolean (value);
      break;
    case PROP_IGNORE_OUTGOING:
      self->ignore_outgoing = g_value_get_boolean (value);
      break;
    case PROP_DIRECTION:
      self->direction = g_value_get_enum (value);
      break;
    case PROP_BUSY_POLL:
      self->busy_poll = g_value_get_uint (value);
      break;
    case PROP_PREFER_BUSY_POLL:
      self->prefer_busy_poll = g_value_get_boolean (value);
      break;
    case PROP_BUSY_POLL_BUDGET:
      self->busy_poll_budget = g_value_get_uint (value);
      break;
    case PROP_TIMESTAMPING:
      self->timestamping = g_value_get_enum (value);
      break;
    case PROP_MLOCK:
      self->mlock = g_value_get_boolean (value);
      break;
    case PROP_FANOUT:
      self->fanout = g_value_get_enum (value);
      break;
    case PROP_FANOUT_GROUP:
      self->fanout_group = g_value_get_uint (value);
      break;
    case PROP_FANOUT_FLAGS:
      self->fanout_flags = g_value_get_flags (value);
      break;
    case PROP_MAX_BORROWED:
      self->max_borrowed = g_value_get_uint (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_afpacket_src_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PktAfpacketSrc *self = PKT_AFPACKET_SRC (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_value_set_string (value, self->iface);
      break;
    case PROP_NETNS:
      g_value_set_string (value, self->netns);
      break;
    case PROP_FILTER:
      g_mutex_lock (&self->lock);
      g_value_set_string (value, self->filter);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_BLOCK_SIZE:
      g_value_set_uint (value, self->block_size);
      break;
    case PROP_BLOCK_COUNT:
      g_value_set_uint (value, self->block_count);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_uint (value, self->frame_size);
      break;
    case PROP_BLOCK_TIMEOUT:
      g_value_set_uint (value, self->block_timeout);
      break;
    case PROP_FILL_RXHASH:
      g_value_set_boolean (value, self->fill_rxhash);
      break;
    case PROP_SNAPLEN:
      g_value_set_uint (value, self->snaplen);
      break;
    case PROP_PROMISCUOUS:
      g_value_set_boolean (value, self->promiscuous);
      break;
    case PROP_IGNORE_OUTGOING:
      g_value_set_boolean (value, self->ignore_outgoing);
      break;
    case PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;
    case PROP_BUSY_POLL:
      g_value_set_uint (value, self->busy_poll);
      break;
    case PROP_PREFER_BUSY_POLL:
      g_value_set_boolean (value, self->prefer_busy_poll);
      break;
    case PROP_BUSY_POLL_BUDGET:
      g_value_set_uint (value, self->busy_poll_budget);
      break;
    case PROP_TIMESTAMPING:
      g_value_set_enum (value, self->timestamping);
      break;
    case PROP_MLOCK:
      g_value_set_boolean (value, self->mlock);
      break;
    case PROP_FANOUT:
      g_value_set_enum (value, self->fanout);
      break;
    case PROP_FANOUT_GROUP:
      g_value_set_uint (value, self->fanout_group);
      break;
    case PROP_FANOUT_FLAGS:
      g_value_set_flags (value, self->fanout_flags);
      break;
    case PROP_MAX_BORROWED:
      g_value_set_uint (value, self->max_borrowed);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint (value, self->stats_interval);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->packets));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->bytes));
      break;
    case PROP_KERNEL_PACKETS:
      stats_refresh (self);
      g_value_set_uint64 (value, PKT_STAT_GET (self->kernel_packets));
      break;
    case PROP_KERNEL_DROPS:
      stats_refresh (self);
      g_value_set_uint64 (value, PKT_STAT_GET (self->kernel_drops));
      break;
    case PROP_FREEZE_COUNT:
      stats_refresh (self);
      g_value_set_uint64 (value, PKT_STAT_GET (self->freeze_count));
      break;
    case PROP_SEQ_GAPS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->seq_gaps));
      break;
    case PROP_BLOCKS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->blocks));
      break;
    case PROP_COPIED_BLOCKS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->copied_blocks));
      break;
    case PROP_BORROWED_BLOCKS: {
      /* self->ring is only replaced by state changes (not concurrent with
       * a property read in any sane program) */
      AfpRing *ring = self->ring;
      g_value_set_uint64 (value, ring ? (guint64)g_atomic_int_get (&ring->outstanding) : 0);
      break;
    }
    case PROP_RING_LOCKED:
      g_value_set_boolean (value, self->ring_locked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_afpacket_src_finalize (GObject *object)
{
  PktAfpacketSrc *self = PKT_AFPACKET_SRC (object);

  pkt_afpacket_src_stop (PKT_SOURCE (self));
  g_free (self->iface);
  g_free (self->netns);
  g_free (self->filter);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pkt_afpacket_src_parent_class)->finalize (object);
}

static void
pkt_afpacket_src_init (PktAfpacketSrc *self)
{
  g_mutex_init (&self->lock);
  self->fd = -1;
  self->bpf_fd = -1;
  self->block_size = DEFAULT_BLOCK_SIZE;
  self->block_count = DEFAULT_BLOCK_COUNT;
  self->frame_size = DEFAULT_FRAME_SIZE;
  self->block_timeout = DEFAULT_BLOCK_TIMEOUT;
  self->snaplen = DEFAULT_SNAPLEN;
  self->fill_rxhash = TRUE;
  self->promiscuous = TRUE;
  self->mlock = TRUE;
  self->stats_interval = DEFAULT_STATS_INTERVAL;
}

#define RW   (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define STAT (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_afpacket_src_class_init (PktAfpacketSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktSourceClass *source_class = PKT_SOURCE_CLASS (klass);

  gobject_class->set_property = pkt_afpacket_src_set_property;
  gobject_class->get_property = pkt_afpacket_src_get_property;
  gobject_class->finalize = pkt_afpacket_src_finalize;
  source_class->start = pkt_afpacket_src_start;
  source_class->stop = pkt_afpacket_src_stop;
  source_class->produce = pkt_afpacket_src_produce;

  props[PROP_IFACE] = g_param_spec_string (
      "iface", "Interface",
      "Interface to capture from, or \"any\" (all interfaces, Linux cooked frames)", NULL, RW);
  props[PROP_NETNS] = g_param_spec_string (
      "netns", "Network namespace",
      "Network namespace to open the socket in: a name as `ip netns` lists, or a path such as "
      "/proc/PID/ns/net (empty: ours)",
      NULL, RW);
  props[PROP_FILTER] = g_param_spec_string (
      "filter", "Filter",
      "tcpdump filter expression, compiled with libpcap and run in the kernel; can be changed "
      "while playing (the swap is atomic)",
      NULL, RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_BLOCK_SIZE]
      = g_param_spec_uint ("block-size", "Block size",
                           "Bytes per ring block: a multiple of the page size, at least frame-size",
                           4096, 1u << 30, DEFAULT_BLOCK_SIZE, RW);
  props[PROP_BLOCK_COUNT] = g_param_spec_uint ("block-count", "Block count", "Blocks in the ring",
                                               2, 65536, DEFAULT_BLOCK_COUNT, RW);
  props[PROP_FRAME_SIZE] = g_param_spec_uint (
      "frame-size", "Frame size",
      "Nominal frame slot in bytes (TPACKET_V3 packs frames; this only sizes the request)", 64,
      1u << 20, DEFAULT_FRAME_SIZE, RW);
  props[PROP_BLOCK_TIMEOUT] = g_param_spec_uint (
      "block-timeout", "Block timeout",
      "A partly filled block is handed over after this long, in milliseconds (ms); also the "
      "idle heartbeat period",
      1, 60000, DEFAULT_BLOCK_TIMEOUT, RW);
  props[PROP_FILL_RXHASH] = g_param_spec_boolean (
      "fill-rxhash", "Fill rxhash",
      "Ask the kernel for the flow hash of every packet (PktPacket.hash)", TRUE, RW);
  props[PROP_SNAPLEN] = g_param_spec_uint ("snaplen", "Snapshot length",
                                           "Capture at most this many bytes per packet", 16,
                                           DEFAULT_SNAPLEN, DEFAULT_SNAPLEN, RW);
  props[PROP_PROMISCUOUS]
      = g_param_spec_boolean ("promiscuous", "Promiscuous",
                              "Put the interface in promiscuous mode while capturing", TRUE, RW);
  props[PROP_IGNORE_OUTGOING] = g_param_spec_boolean (
      "ignore-outgoing", "Ignore outgoing",
      "Do not capture packets this host sends (PACKET_IGNORE_OUTGOING)", FALSE, RW);
  props[PROP_DIRECTION]
      = g_param_spec_enum ("direction", "Direction", "Which packets to capture",
                           pkt_afpacket_direction_get_type (), PKT_AFPACKET_DIRECTION_BOTH, RW);
  props[PROP_BUSY_POLL] = g_param_spec_uint (
      "busy-poll", "Busy poll",
      "Busy-poll the device queue for this long (us) before sleeping (SO_BUSY_POLL); 0 = off", 0,
      G_MAXINT, 0, RW);
  props[PROP_PREFER_BUSY_POLL]
      = g_param_spec_boolean ("prefer-busy-poll", "Prefer busy poll",
                              "SO_PREFER_BUSY_POLL where the kernel has it", FALSE, RW);
  props[PROP_BUSY_POLL_BUDGET] = g_param_spec_uint (
      "busy-poll-budget", "Busy poll budget",
      "Packets per busy-poll round (SO_BUSY_POLL_BUDGET); 0 = kernel default", 0, 65535, 0, RW);
  props[PROP_TIMESTAMPING]
      = g_param_spec_enum ("timestamping", "Time stamping", "Time stamp source",
                           pkt_afpacket_timestamping_get_type (), PKT_AFPACKET_TS_SOFTWARE, RW);
  props[PROP_MLOCK] = g_param_spec_boolean (
      "mlock", "Lock ring",
      "Lock the ring in memory (MAP_LOCKED); falls back to MAP_POPULATE past RLIMIT_MEMLOCK", TRUE,
      RW);
  props[PROP_FANOUT] = g_param_spec_enum (
      "fanout", "Fanout", "Share the interface's packets among the sockets of one fanout group",
      pkt_afpacket_fanout_get_type (), PKT_AFPACKET_FANOUT_NONE, RW);
  props[PROP_FANOUT_GROUP] = g_param_spec_uint (
      "fanout-group", "Fanout group", "Fanout group id; 0 = one group per process and interface", 0,
      65535, 0, RW);
  props[PROP_FANOUT_FLAGS] = g_param_spec_flags ("fanout-flags", "Fanout flags", "Fanout options",
                                                 pkt_afpacket_fanout_flags_get_type (), 0, RW);
  props[PROP_MAX_BORROWED] = g_param_spec_uint (
      "max-borrowed-blocks", "Max borrowed blocks",
      "Blocks lent downstream at once before new blocks are copied out instead; 0 = half the ring",
      0, 65535, 0, RW);
  props[PROP_STATS_INTERVAL]
      = g_param_spec_uint ("stats-interval", "Stats interval",
                           "Post a STATS bus message this often, in milliseconds (ms); 0 = never",
                           0, G_MAXUINT, DEFAULT_STATS_INTERVAL, RW);

  props[PROP_PACKETS] = g_param_spec_uint64 ("packets", "Packets", "Packets delivered downstream",
                                             0, G_MAXUINT64, 0, STAT);
  props[PROP_BYTES] = g_param_spec_uint64 ("bytes", "Bytes", "Wire bytes of delivered packets", 0,
                                           G_MAXUINT64, 0, STAT);
  props[PROP_KERNEL_PACKETS] = g_param_spec_uint64 (
      "kernel-packets", "Kernel packets",
      "Packets the kernel offered the socket (delivered + dropped)", 0, G_MAXUINT64, 0, STAT);
  props[PROP_KERNEL_DROPS] = g_param_spec_uint64 (
      "kernel-drops", "Kernel drops", "Packets the kernel dropped because the ring was full", 0,
      G_MAXUINT64, 0, STAT);
  props[PROP_FREEZE_COUNT] = g_param_spec_uint64 (
      "freeze-count", "Freeze count", "Times the ring was frozen (all blocks in user space)", 0,
      G_MAXUINT64, 0, STAT);
  props[PROP_SEQ_GAPS] = g_param_spec_uint64 ("seq-gaps", "Sequence gaps",
                                              "Blocks missing from the block sequence numbers", 0,
                                              G_MAXUINT64, 0, STAT);
  props[PROP_BLOCKS]
      = g_param_spec_uint64 ("blocks", "Blocks", "Ring blocks consumed", 0, G_MAXUINT64, 0, STAT);
  props[PROP_COPIED_BLOCKS] = g_param_spec_uint64 (
      "copied-blocks", "Copied blocks",
      "Blocks copied out because too many were borrowed downstream", 0, G_MAXUINT64, 0, STAT);
  props[PROP_BORROWED_BLOCKS] = g_param_spec_uint64 (
      "borrowed-blocks", "Borrowed blocks", "Ring blocks lent downstream right now (a gauge)", 0,
      G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_RING_LOCKED] = g_param_spec_boolean (
      "ring-locked", "Ring locked",
      "Whether the ring is locked in memory (mlock=true and RLIMIT_MEMLOCK allowed it)", FALSE,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (gobject_class, N_PROPS, props);

  pkt_element_class_set_metadata (
      PKT_ELEMENT_CLASS (klass), "AF_PACKET source", "Source/Network",
      "Captures from a network interface through a zero-copy TPACKET_V3 ring (fanout, kernel BPF)",
      "pktpipe");
}
