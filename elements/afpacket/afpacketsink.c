/* pktpipe — afpacketsink: send frames through a TPACKET_V2 TX ring, one
 * sendto() per batch, byte-exact, with POLLOUT backpressure.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "afpacket.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_FRAME_SIZE  2048
#define DEFAULT_FRAME_COUNT 4096
/* Where frame data starts in a TPACKET_V2 TX slot (no PACKET_TX_HAS_OFF). */
#define TX_DATA_OFF (TPACKET2_HDRLEN - sizeof (struct sockaddr_ll))

struct _PktAfpacketSink {
  PktSink parent;

  char *iface;
  char *netns;
  guint frame_size;
  guint frame_count;
  guint64 rate;
  gboolean qdisc_bypass;
  PktAfpacketOnFull on_full;

  int fd;
  PktAfpacketIface info;
  guint8 *map;
  gsize map_size;
  guint block_size;
  guint frames_per_block;
  guint n_frames;
  guint cur;
  guint unflushed;
  guint max_len;
  gboolean warned_reject;
  gint64 rate_start_ns;
  guint64 rate_count;

  guint64 sent;
  guint64 bytes;
  guint64 dropped;
  guint64 rejected;
  guint64 retransmitted;
};

G_DECLARE_FINAL_TYPE (PktAfpacketSink, pkt_afpacket_sink, PKT, AFPACKET_SINK, PktSink)
G_DEFINE_FINAL_TYPE (PktAfpacketSink, pkt_afpacket_sink, PKT_TYPE_SINK)

enum {
  PROP_0,
  PROP_IFACE,
  PROP_NETNS,
  PROP_FRAME_SIZE,
  PROP_FRAME_COUNT,
  PROP_QDISC_BYPASS,
  PROP_ON_FULL,
  PROP_RATE,
  PROP_SENT,
  PROP_BYTES,
  PROP_DROPPED,
  PROP_REJECTED,
  PROP_RETRANSMITTED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

#define ELEM(s) PKT_ELEMENT (s)

static inline struct tpacket2_hdr *
frame_at (PktAfpacketSink *self, guint i)
{
  return (struct tpacket2_hdr *)(self->map + (gsize)(i / self->frames_per_block) * self->block_size
                                 + (gsize)(i % self->frames_per_block) * self->frame_size);
}

static inline guint32
frame_status (struct tpacket2_hdr *h)
{
  return __atomic_load_n (&h->tp_status, __ATOMIC_ACQUIRE);
}

static gboolean
pkt_afpacket_sink_start (PktSink *sink, GError **error)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (sink);
  long page = sysconf (_SC_PAGESIZE);
  struct tpacket_req req = { 0 };
  struct sockaddr_ll sll = { .sll_family = AF_PACKET };
  int v;

  if (!self->iface || !*self->iface || g_strcmp0 (self->iface, "any") == 0) {
    pkt_element_set_error (ELEM (self), error, PKT_ERROR_SETTINGS,
                           "property 'iface' must name one interface (\"%s\")",
                           self->iface ? self->iface : "");
    return FALSE;
  }
  if (self->frame_size % TPACKET_ALIGNMENT || self->frame_size < TPACKET2_HDRLEN + 64
      || self->frame_size > (guint)page * 64) {
    pkt_element_set_error (ELEM (self), error, PKT_ERROR_SETTINGS,
                           "frame-size %u must be a multiple of %d between %zu and %ld",
                           self->frame_size, TPACKET_ALIGNMENT, (size_t)TPACKET2_HDRLEN + 64,
                           page * 64);
    return FALSE;
  }
  self->fd
      = pkt_afpacket_open_socket (ELEM (self), self->netns, self->iface, FALSE, &self->info, error);
  if (self->fd < 0)
    return FALSE;
  if (self->info.cooked) {
    pkt_element_set_error (ELEM (self), error, PKT_ERROR_UNSUPPORTED,
                           "cannot send on interface '%s': link type %d is not Ethernet or raw IP",
                           self->iface, self->info.hatype);
    return FALSE;
  }

  /* Block = smallest power-of-two page multiple holding one frame. */
  self->block_size = (guint)page;
  while (self->block_size < self->frame_size)
    self->block_size <<= 1;
  self->frames_per_block = self->block_size / self->frame_size;
  req.tp_block_size = self->block_size;
  req.tp_frame_size = self->frame_size;
  req.tp_block_nr = (self->frame_count + self->frames_per_block - 1) / self->frames_per_block;
  req.tp_frame_nr = req.tp_block_nr * self->frames_per_block;
  self->n_frames = req.tp_frame_nr;

  v = TPACKET_V2;
  if (setsockopt (self->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0)
    goto sockopt_failed;
  /* A frame the kernel finds malformed is skipped instead of wedging the
   * ring (without PACKET_LOSS the ring stops at it for good). Every check
   * the kernel makes is made first in render(), so this never hides loss. */
  v = 1;
  if (setsockopt (self->fd, SOL_PACKET, PACKET_LOSS, &v, sizeof v) < 0)
    goto sockopt_failed;
  v = self->qdisc_bypass;
  if (v && setsockopt (self->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof v) < 0)
    goto sockopt_failed;
  if (setsockopt (self->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0) {
    pkt_element_set_error (ELEM (self), error, PKT_ERROR_RESOURCE,
                           "interface '%s': cannot allocate a TX ring of %u frames of %u bytes: %s",
                           self->iface, req.tp_frame_nr, self->frame_size, g_strerror (errno));
    return FALSE;
  }
  self->map_size = (gsize)req.tp_block_nr * self->block_size;
  self->map
      = mmap (NULL, self->map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, self->fd, 0);
  if (self->map == MAP_FAILED) {
    self->map = NULL;
    pkt_element_set_error (ELEM (self), error, PKT_ERROR_RESOURCE,
                           "interface '%s': cannot map the TX ring: %s", self->iface,
                           g_strerror (errno));
    return FALSE;
  }
  /* Protocol 0: a send-only socket; it receives nothing (not even its own
   * frames), so it costs the receive path nothing. */
  sll.sll_ifindex = self->info.ifindex;
  sll.sll_protocol = 0;
  if (bind (self->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    pkt_element_set_error (ELEM (self), error, PKT_ERROR_RESOURCE,
                           "cannot bind to interface '%s': %s", self->iface, g_strerror (errno));
    return FALSE;
  }
  /* What the kernel accepts (tpacket_snd): link header + MTU, +4 for a
   * tagged frame, and what fits the slot. */
  self->max_len = self->info.mtu + (self->info.no_mac ? 0 : ETH_HLEN);
  self->cur = 0;
  self->unflushed = 0;
  self->warned_reject = FALSE;
  self->rate_start_ns = 0;
  self->rate_count = 0;
  return TRUE;

sockopt_failed:
  pkt_element_set_error (ELEM (self), error, PKT_ERROR_RESOURCE,
                         "interface '%s': cannot configure the TX socket: %s", self->iface,
                         g_strerror (errno));
  return FALSE;
}

static void
pkt_afpacket_sink_stop (PktSink *sink)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (sink);

  if (self->map)
    munmap (self->map, self->map_size);
  self->map = NULL;
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

static void
reject (PktAfpacketSink *self, const PktPacket *p, const char *why)
{
  PKT_STAT_ADD (self->rejected, 1);
  if (!self->warned_reject) {
    /* One warning per run: the counter tells how many followed. */
    self->warned_reject = TRUE;
    pkt_element_warning (ELEM (self), PKT_ERROR_FORMAT, NULL,
                         "interface '%s': frame of %u bytes rejected: %s (counted in 'rejected')",
                         self->iface, p->caplen, why);
  }
}

/* One sendto() for everything queued. Returns FALSE on a fatal error. */
static gboolean
flush (PktAfpacketSink *self)
{
  for (int tries = 0; self->unflushed > 0; tries++) {
    if (sendto (self->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0) {
      self->unflushed = 0;
      return TRUE;
    }
    if (errno == ENOBUFS) {
      /* The device (or its qdisc) dropped the frame being sent. The
       * kernel marks that frame SEND_REQUEST again and keeps its cursor
       * on it (tpacket_snd), so the next sendto() sends it again, in
       * order. Count it and back off briefly. */
      PKT_STAT_ADD (self->retransmitted, 1);
    } else if (errno != EAGAIN && errno != EINTR) {
      pkt_element_error (ELEM (self), PKT_ERROR_WRITE, NULL, "interface '%s': send failed: %s%s",
                         self->iface, g_strerror (errno),
                         errno == ENETDOWN || errno == ENXIO ? " (interface down or removed)" : "");
      return FALSE;
    }
    if (pkt_element_is_flushing (ELEM (self)))
      return TRUE;
    struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };
    poll (&pfd, 1, tries < 100 ? 1 : 10);
  }
  return TRUE;
}

/* Waits until slot @cur is free. Returns OK, or FLUSHING/ERROR. */
static PktFlowReturn
wait_slot (PktAfpacketSink *self, struct tpacket2_hdr *h)
{
  if (!flush (self))
    return PKT_FLOW_ERROR;
  while (frame_status (h) & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) {
    struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };

    if (pkt_element_is_flushing (ELEM (self)))
      return PKT_FLOW_FLUSHING;
    if (poll (&pfd, 1, 100) > 0 && (pfd.revents & POLLERR)) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      pkt_element_error (ELEM (self), PKT_ERROR_WRITE, NULL, "interface '%s': %s", self->iface,
                         g_strerror (err ? err : ENETDOWN));
      return PKT_FLOW_ERROR;
    }
    /* the kernel stopped on a frame the device dropped: send again */
    if (frame_status (h) & TP_STATUS_SEND_REQUEST) {
      self->unflushed = MAX (self->unflushed, 1u);
      if (!flush (self))
        return PKT_FLOW_ERROR;
    }
  }
  return PKT_FLOW_OK;
}

static void
pace (PktAfpacketSink *self)
{
  gint64 now, due;

  now = g_get_monotonic_time () * 1000;
  if (self->rate_start_ns == 0 || now - self->rate_start_ns > G_GINT64_CONSTANT (1000000000) * 10) {
    self->rate_start_ns = now;
    self->rate_count = 0;
  }
  due = self->rate_start_ns
        + (gint64)(self->rate_count * G_GUINT64_CONSTANT (1000000000) / self->rate);
  if (due > now) {
    struct timespec ts = { (due - now) / 1000000000, (due - now) % 1000000000 };
    flush (self);
    nanosleep (&ts, NULL);
  }
  self->rate_count++;
}

static PktFlowReturn
pkt_afpacket_sink_render (PktSink *sink, PktBatch *batch)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (sink);
  PktBufferList *list = (PktBufferList *)batch;
  const guint room = self->frame_size - (guint)TX_DATA_OFF;
  guint64 sent = 0, bytes = 0;
  PktFlowReturn ret = PKT_FLOW_OK;

  for (guint i = 0; i < list->n_packets; i++) {
    const PktPacket *p = &list->packets[i];
    struct tpacket2_hdr *h;
    guint max = self->max_len;
    guint32 st;

    if (p->linktype != self->info.linktype
        && !(self->info.no_mac
             && (p->linktype == PKT_LINK_RAW_IPV4 || p->linktype == PKT_LINK_RAW_IPV6))) {
      reject (self, p, "its link type does not match the interface");
      continue;
    }
    if (!self->info.no_mac && p->caplen >= 14 && p->data[12] == 0x81 && p->data[13] == 0x00)
      max += 4;
    if (p->caplen > max || p->caplen > room) {
      reject (self, p, p->caplen > room ? "larger than frame-size" : "larger than the MTU");
      continue;
    }
    if (p->caplen < (self->info.no_mac ? 1u : (guint)ETH_HLEN)) {
      reject (self, p, "shorter than a link header");
      continue;
    }
    if (self->rate)
      pace (self);
    h = frame_at (self, self->cur);
    st = frame_status (h);
    if (st & TP_STATUS_WRONG_FORMAT) {
      reject (self, p, "the kernel found the previous frame in this slot malformed");
      st = TP_STATUS_AVAILABLE;
    }
    if (st != TP_STATUS_AVAILABLE) {
      if (self->on_full == PKT_AFPACKET_ON_FULL_DROP) {
        flush (self);
        if (frame_status (h) & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) {
          PKT_STAT_ADD (self->dropped, 1);
          continue;
        }
      } else if ((ret = wait_slot (self, h)) != PKT_FLOW_OK) {
        break;
      }
    }
    memcpy ((guint8 *)h + TX_DATA_OFF, p->data, p->caplen);
    h->tp_len = p->caplen;
    h->tp_snaplen = p->caplen;
    __atomic_store_n (&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
    self->cur = (self->cur + 1) % self->n_frames;
    self->unflushed++;
    sent++;
    bytes += p->caplen;
  }
  if (!flush (self))
    ret = PKT_FLOW_ERROR;
  PKT_STAT_ADD (self->sent, sent);
  PKT_STAT_ADD (self->bytes, bytes);
  return ret;
}

/* EOS: wait (bounded) until the kernel has sent everything queued.
 * @event is (transfer full), as PktSink hands it over. */
static gboolean
pkt_afpacket_sink_event (PktSink *sink, PktEvent *event)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (sink);
  gboolean eos = event->type == PKT_EVENT_EOS;

  pkt_event_unref (event);
  if (!eos || self->fd < 0)
    return TRUE;
  flush (self);
  for (int waited = 0; waited < 2000; waited++) {
    gboolean busy = FALSE;
    for (guint i = 0; i < self->n_frames && !busy; i++)
      busy
          = (frame_status (frame_at (self, i)) & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) != 0;
    if (!busy)
      break;
    flush (self);
    g_usleep (1000);
  }
  return TRUE;
}

static void
pkt_afpacket_sink_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_free (self->iface);
      self->iface = g_value_dup_string (value);
      break;
    case PROP_NETNS:
      g_free (self->netns);
      self->netns = g_value_dup_string (value);
      break;
    case PROP_FRAME_SIZE:
      self->frame_size = g_value_get_uint (value);
      break;
    case PROP_FRAME_COUNT:
      self->frame_count = g_value_get_uint (value);
      break;
    case PROP_QDISC_BYPASS:
      self->qdisc_bypass = g_value_get_boolean (value);
      break;
    case PROP_ON_FULL:
      self->on_full = g_value_get_enum (value);
      break;
    case PROP_RATE:
      self->rate = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_afpacket_sink_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (object);

  switch (prop_id) {
    case PROP_IFACE:
      g_value_set_string (value, self->iface);
      break;
    case PROP_NETNS:
      g_value_set_string (value, self->netns);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_uint (value, self->frame_size);
      break;
    case PROP_FRAME_COUNT:
      g_value_set_uint (value, self->frame_count);
      break;
    case PROP_QDISC_BYPASS:
      g_value_set_boolean (value, self->qdisc_bypass);
      break;
    case PROP_ON_FULL:
      g_value_set_enum (value, self->on_full);
      break;
    case PROP_RATE:
      g_value_set_uint64 (value, self->rate);
      break;
    case PROP_SENT:
      g_value_set_uint64 (value, PKT_STAT_GET (self->sent));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->bytes));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->dropped));
      break;
    case PROP_REJECTED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->rejected));
      break;
    case PROP_RETRANSMITTED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->retransmitted));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_afpacket_sink_finalize (GObject *object)
{
  PktAfpacketSink *self = PKT_AFPACKET_SINK (object);

  pkt_afpacket_sink_stop (PKT_SINK (self));
  g_free (self->iface);
  g_free (self->netns);
  G_OBJECT_CLASS (pkt_afpacket_sink_parent_class)->finalize (object);
}

static void
pkt_afpacket_sink_init (PktAfpacketSink *self)
{
  self->fd = -1;
  self->frame_size = DEFAULT_FRAME_SIZE;
  self->frame_count = DEFAULT_FRAME_COUNT;
  self->qdisc_bypass = FALSE;
  self->on_full = PKT_AFPACKET_ON_FULL_BLOCK;
}

#define RW   (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define STAT (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_afpacket_sink_class_init (PktAfpacketSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktSinkClass *sink_class = PKT_SINK_CLASS (klass);

  gobject_class->set_property = pkt_afpacket_sink_set_property;
  gobject_class->get_property = pkt_afpacket_sink_get_property;
  gobject_class->finalize = pkt_afpacket_sink_finalize;
  sink_class->pad_kind = PKT_PAD_KIND_PACKETS;
  sink_class->start = pkt_afpacket_sink_start;
  sink_class->stop = pkt_afpacket_sink_stop;
  sink_class->render = pkt_afpacket_sink_render;
  sink_class->event = pkt_afpacket_sink_event;

  props[PROP_IFACE] = g_param_spec_string ("iface", "Interface", "Interface to send on", NULL, RW);
  props[PROP_NETNS] = g_param_spec_string ("netns", "Network namespace",
                                           "Network namespace to open the socket in (a name as `ip "
                                           "netns` lists, or a path); empty: ours",
                                           NULL, RW);
  props[PROP_FRAME_SIZE] = g_param_spec_uint (
      "frame-size", "Frame size", "TX ring slot in bytes; the largest frame is 32 bytes less", 128,
      1u << 22, DEFAULT_FRAME_SIZE, RW);
  props[PROP_FRAME_COUNT] = g_param_spec_uint ("frame-count", "Frame count", "Slots in the TX ring",
                                               16, 1u << 20, DEFAULT_FRAME_COUNT, RW);
  props[PROP_QDISC_BYPASS] = g_param_spec_boolean (
      "qdisc-bypass", "Bypass qdisc",
      "Hand frames straight to the driver (PACKET_QDISC_BYPASS): faster, no traffic shaping", FALSE,
      RW);
  props[PROP_ON_FULL]
      = g_param_spec_enum ("on-full", "On full", "What to do when the TX ring is full",
                           pkt_afpacket_on_full_get_type (), PKT_AFPACKET_ON_FULL_BLOCK, RW);
  props[PROP_RATE] = g_param_spec_uint64 (
      "rate", "Rate", "Send at most this many packets per second; 0 = as fast as possible", 0,
      G_MAXUINT64, 0, RW);
  props[PROP_SENT] = g_param_spec_uint64 ("sent", "Sent", "Frames handed to the kernel", 0,
                                          G_MAXUINT64, 0, STAT);
  props[PROP_BYTES]
      = g_param_spec_uint64 ("bytes", "Bytes", "Bytes of sent frames", 0, G_MAXUINT64, 0, STAT);
  props[PROP_DROPPED] = g_param_spec_uint64 (
      "dropped", "Dropped", "Frames dropped because the ring was full (on-full=drop)", 0,
      G_MAXUINT64, 0, STAT);
  props[PROP_REJECTED] = g_param_spec_uint64 (
      "rejected", "Rejected",
      "Frames not sent: larger than the MTU or frame-size, or of another link type", 0, G_MAXUINT64,
      0, STAT);
  props[PROP_RETRANSMITTED] = g_param_spec_uint64 (
      "retransmitted", "Retransmitted",
      "Times the device or qdisc dropped a frame (ENOBUFS) and the kernel sent it again", 0,
      G_MAXUINT64, 0, STAT);
  g_object_class_install_properties (gobject_class, N_PROPS, props);

  pkt_element_class_set_metadata (
      PKT_ELEMENT_CLASS (klass), "AF_PACKET sink", "Sink/Network",
      "Sends frames on a network interface through a TPACKET TX ring (batched, byte-exact)",
      "pktpipe");
}
