/* pktpipe — pcapsink: writes pcap or pcapng files, with rotation.
 *
 * One writev per batch (headers come from a scratch array, packet bytes
 * straight from the descriptors). The file only ever grows by whole
 * records: when a write comes up short (full disk), the file is truncated
 * back to the last complete record, so it stays readable, and an ERROR
 * names the file.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pktpipe.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pcap-plugin.h"
#include "pcapfile.h"

#define CHUNK       256 /* packets per writev */
#define IOV_PER_PKT 4   /* [IDB] header data trailer */
#define HDR_PER_PKT (PCAPNG_IDB_LEN + PCAPNG_EPB_HEADER_LEN + PCAPNG_EPB_TRAILER_MAX)
#define HDR_EXTRA   (PCAPNG_SHB_LEN + PCAPNG_IDB_LEN + PCAP_FILE_HEADER_LEN)

typedef enum {
  PCAP_SINK_FORMAT_AUTO,
  PCAP_SINK_FORMAT_PCAP,
  PCAP_SINK_FORMAT_PCAPNG,
} PcapSinkFormat;

typedef enum {
  PCAP_SINK_NANO,
  PCAP_SINK_MICRO,
} PcapSinkPrecision;

struct _PktPcapSink {
  PktSink parent;

  /* properties */
  char *location;
  PcapSinkFormat format;
  PcapSinkPrecision precision;
  guint snaplen;
  guint64 max_size;
  guint64 rotate_interval;
  guint max_files;

  /* statistics */
  guint64 packets;
  guint64 bytes;
  guint64 unwritable;
  guint64 truncated;
  guint64 files;

  /* state */
  gboolean ng;
  gboolean nsec;
  int fd;
  char *path;           /* current file */
  guint64 seq;          /* files opened so far */
  guint64 pos;          /* bytes of whole records in the current file */
  guint64 file_packets; /* queued or written to the current file */
  guint64 file_written; /* written to the current file */
  gint64 file_start_ts;
  gboolean header_done; /* pcap: file header written; pcapng: SHB written */
  guint32 linktype;     /* pcap: the file's link type */
  gint16 iface_of[256]; /* pcapng: interface id per PktLinkType, -1 = none yet */
  guint n_ifaces;
  gboolean warned_mixed;
  gboolean failed;

  /* per-flush scratch (allocated at READY) */
  guint8 *hdr;
  gsize hdr_used;
  struct iovec *iov;
  guint n_iov;
  guint64 *rec_end;  /* end of each whole record, relative to the flush start */
  guint64 *rec_pkts; /* packets queued up to and including that record */
  guint64 *rec_bytes;
  guint n_rec;
  guint64 flush_len;
  guint64 pend_pkts;
  guint64 pend_bytes;
};

G_DECLARE_FINAL_TYPE (PktPcapSink, pkt_pcap_sink, PKT, PCAP_SINK, PktSink)
G_DEFINE_FINAL_TYPE (PktPcapSink, pkt_pcap_sink, PKT_TYPE_SINK)

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_FORMAT,
  PROP_PRECISION,
  PROP_SNAPLEN,
  PROP_MAX_SIZE,
  PROP_ROTATE_INTERVAL,
  PROP_MAX_FILES,
  PROP_PACKETS,
  PROP_BYTES,
  PROP_UNWRITABLE,
  PROP_TRUNCATED,
  PROP_FILES,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static GType
pcap_sink_format_get_type (void)
{
  static gsize type;
  static const GEnumValue values[] = {
    { PCAP_SINK_FORMAT_AUTO, "pcapng if location ends in .pcapng, else pcap", "auto" },
    { PCAP_SINK_FORMAT_PCAP, "pcap (one link type per file)", "pcap" },
    { PCAP_SINK_FORMAT_PCAPNG, "pcapng (one interface per link type)", "pcapng" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktPcapSinkFormat", values));
  return type;
}

static GType
pcap_sink_precision_get_type (void)
{
  static gsize type;
  static const GEnumValue values[] = {
    { PCAP_SINK_NANO, "nanoseconds", "nano" },
    { PCAP_SINK_MICRO, "microseconds", "micro" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktPcapSinkPrecision", values));
  return type;
}

static gboolean
pcap_sink_rotates (PktPcapSink *self)
{
  return self->max_size != 0 || self->rotate_interval != 0;
}

/* File @seq: location itself without rotation; otherwise the number goes
 * before the extension: dump.pcap → dump.0.pcap, dump.1.pcap, … (with
 * max-files=N the numbers cycle through 0…N-1). */
static char *
pcap_sink_file_name (PktPcapSink *self, guint64 seq)
{
  if (!pcap_sink_rotates (self))
    return g_strdup (self->location);
  guint64 n = self->max_files ? seq % self->max_files : seq;
  const char *slash = strrchr (self->location, '/');
  const char *dot = strrchr (self->location, '.');
  if (dot == NULL || (slash && dot < slash) || dot == (slash ? slash + 1 : self->location))
    return g_strdup_printf ("%s.%" G_GUINT64_FORMAT, self->location, n);
  return g_strdup_printf ("%.*s.%" G_GUINT64_FORMAT "%s", (int)(dot - self->location),
                          self->location, n, dot);
}

/* ---- writing ---- */

static void
flush_reset (PktPcapSink *self)
{
  self->hdr_used = 0;
  self->n_iov = 0;
  self->n_rec = 0;
  self->flush_len = 0;
  self->pend_pkts = 0;
  self->pend_bytes = 0;
}

static void
push_iov (PktPcapSink *self, const void *base, gsize len)
{
  if (len == 0)
    return;
  self->iov[self->n_iov].iov_base = (void *)base;
  self->iov[self->n_iov].iov_len = len;
  self->n_iov++;
  self->flush_len += len;
}

static guint8 *
push_hdr (PktPcapSink *self, gsize len)
{
  guint8 *p = self->hdr + self->hdr_used;
  self->hdr_used += len;
  push_iov (self, p, len);
  return p;
}

/* a whole record (or file header, or IDB) ends here */
static void
mark_record (PktPcapSink *self)
{
  self->rec_end[self->n_rec] = self->flush_len;
  self->rec_pkts[self->n_rec] = self->pend_pkts;
  self->rec_bytes[self->n_rec] = self->pend_bytes;
  self->n_rec++;
}

static void
commit (PktPcapSink *self, guint64 pkts, guint64 bytes)
{
  self->file_written += pkts;
  PKT_STAT_ADD (self->packets, pkts);
  PKT_STAT_ADD (self->bytes, bytes);
}

static void
pcap_sink_fail (PktPcapSink *self, int err, const char *what)
{
  self->failed = TRUE;
  pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_WRITE, NULL,
                     "%s '%s' failed: %s; the file keeps the %" G_GUINT64_FORMAT
                     " packets written before",
                     what, self->path, g_strerror (err), self->file_written);
}

/* Writes the pending iovecs. On a short write, cuts the file back to the
 * last whole record and posts an ERROR naming the file. */
static gboolean
pcap_sink_flush (PktPcapSink *self)
{
  struct iovec *iov = self->iov;
  guint n = self->n_iov;
  guint64 written = 0;
  while (n > 0) {
    ssize_t r = writev (self->fd, iov, MIN (n, IOV_MAX));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      int err = r < 0 ? errno : ENOSPC;
      guint64 keep = 0, pkts = 0, bytes = 0;
      for (guint i = 0; i < self->n_rec && self->rec_end[i] <= written; i++) {
        keep = self->rec_end[i];
        pkts = self->rec_pkts[i];
        bytes = self->rec_bytes[i];
      }
      commit (self, pkts, bytes);
      if (ftruncate (self->fd, self->pos + keep) < 0)
        g_debug ("ftruncate %s: %s", self->path, g_strerror (errno));
      self->pos += keep;
      flush_reset (self);
      pcap_sink_fail (self, err, "writing");
      return FALSE;
    }
    written += r;
    /* skip what was written; adjust a partly written iovec */
    while (n > 0 && (gsize)r >= iov->iov_len) {
      r -= iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0 && r > 0) {
      iov->iov_base = (guint8 *)iov->iov_base + r;
      iov->iov_len -= r;
    }
  }
  self->pos += written;
  commit (self, self->pend_pkts, self->pend_bytes);
  flush_reset (self);
  return TRUE;
}

static void
pcap_sink_add_idb (PktPcapSink *self, guint8 lt_idx, guint32 linktype)
{
  pcapng_write_idb (push_hdr (self, PCAPNG_IDB_LEN), linktype, self->snaplen, self->nsec);
  mark_record (self);
  self->iface_of[lt_idx] = (gint16)self->n_ifaces++;
}

/* pcap: the header goes first, with the first packet's link type */
static void
pcap_sink_add_header (PktPcapSink *self, guint32 linktype)
{
  if (self->ng)
    pcapng_write_shb (push_hdr (self, PCAPNG_SHB_LEN));
  else {
    pcap_write_file_header (push_hdr (self, PCAP_FILE_HEADER_LEN), linktype, self->snaplen,
                            self->nsec);
    self->linktype = linktype;
  }
  mark_record (self);
  self->header_done = TRUE;
}

/* An empty file must still be a valid one: header (and, for pcapng, one
 * Ethernet interface, since libpcap refuses a section without any). */
static gboolean
pcap_sink_finish_file (PktPcapSink *self)
{
  if (self->fd < 0 || self->failed)
    return TRUE;
  if (!self->header_done)
    pcap_sink_add_header (self, PCAP_LINKTYPE_ETHERNET);
  if (self->ng && self->n_ifaces == 0)
    pcap_sink_add_idb (self, PKT_LINK_ETHERNET, PCAP_LINKTYPE_ETHERNET);
  return pcap_sink_flush (self);
}

static gboolean
pcap_sink_open_file (PktPcapSink *self, GError **error)
{
  g_free (self->path);
  self->path = pcap_sink_file_name (self, self->seq);
  self->fd = open (self->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (self->fd < 0) {
    int e = errno;
    g_set_error (error, PKT_ERROR,
                 e == EACCES || e == EPERM ? PKT_ERROR_PERMISSION : PKT_ERROR_WRITE,
                 "%s: cannot open '%s' for writing: %s", pkt_element_get_name (PKT_ELEMENT (self)),
                 self->path, g_strerror (e));
    return FALSE;
  }
  self->seq++;
  PKT_STAT_ADD (self->files, 1);
  self->pos = 0;
  self->file_packets = 0;
  self->file_written = 0;
  self->header_done = FALSE;
  self->n_ifaces = 0;
  memset (self->iface_of, 0xff, sizeof self->iface_of);
  return TRUE;
}

static void
pcap_sink_close_file (PktPcapSink *self)
{
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

static gboolean
pcap_sink_rotate (PktPcapSink *self)
{
  if (!pcap_sink_flush (self) || !pcap_sink_finish_file (self))
    return FALSE;
  pcap_sink_close_file (self);
  g_autoptr (GError) e = NULL;
  if (!pcap_sink_open_file (self, &e)) {
    self->failed = TRUE;
    pkt_element_post_error (PKT_ELEMENT (self), e, NULL);
    return FALSE;
  }
  return TRUE;
}

static gboolean
pcap_sink_need_rotate (PktPcapSink *self, const PktPacket *p, guint64 rec_len)
{
  if (self->file_packets == 0)
    return FALSE;
  if (self->max_size != 0 && self->pos + self->flush_len + rec_len > self->max_size)
    return TRUE;
  return self->rotate_interval != 0
         && p->ts_ns - self->file_start_ts >= (gint64)self->rotate_interval;
}

/* Queues one packet. FALSE on a write error. */
static gboolean
pcap_sink_add_packet (PktPcapSink *self, const PktPacket *p)
{
  guint32 linktype = pcap_linktype_from_pkt (p->linktype);
  guint32 caplen = MIN (p->caplen, self->snaplen);
  guint64 rec_len = self->ng ? PCAPNG_EPB_HEADER_LEN + ((caplen + 3) & ~3u) + 4
                             : PCAP_RECORD_HEADER_LEN + caplen;
  if (pcap_sink_rotates (self) && pcap_sink_need_rotate (self, p, rec_len)
      && !pcap_sink_rotate (self))
    return FALSE;
  if (linktype == PCAP_LINKTYPE_INVALID
      || (!self->ng && self->header_done && linktype != self->linktype)) {
    PKT_STAT_ADD (self->unwritable, 1);
    if (!self->warned_mixed) {
      self->warned_mixed = TRUE;
      pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_FORMAT, NULL,
                           "'%s': a packet of link type %u cannot be written to this %s file "
                           "(link type %s); such packets are counted in 'unwritable' "
                           "(use format=pcapng to keep a mixed stream whole)",
                           self->path, p->linktype, self->ng ? "pcapng" : "pcap",
                           pcap_linktype_get_name (self->linktype));
    }
    return TRUE;
  }
  if (!self->header_done)
    pcap_sink_add_header (self, linktype);
  if (self->file_packets == 0)
    self->file_start_ts = p->ts_ns;
  if (self->ng) {
    if (self->iface_of[p->linktype] < 0)
      pcap_sink_add_idb (self, p->linktype, linktype);
    guint8 *trailer = self->hdr + self->hdr_used + PCAPNG_EPB_HEADER_LEN;
    guint tlen = pcapng_write_epb (push_hdr (self, PCAPNG_EPB_HEADER_LEN), trailer,
                                   (guint32)self->iface_of[p->linktype], p->ts_ns, caplen, p->len,
                                   self->nsec);
    self->hdr_used += PCAPNG_EPB_TRAILER_MAX;
    push_iov (self, p->data, caplen);
    push_iov (self, trailer, tlen);
  } else {
    pcap_write_record_header (push_hdr (self, PCAP_RECORD_HEADER_LEN), p->ts_ns, caplen, p->len,
                              self->nsec);
    push_iov (self, p->data, caplen);
  }
  self->file_packets++;
  self->pend_pkts++;
  self->pend_bytes += caplen;
  mark_record (self);
  if (caplen < p->caplen)
    PKT_STAT_ADD (self->truncated, 1);
  return TRUE;
}

static PktFlowReturn
pcap_sink_render (PktSink *sink, PktBatch *batch)
{
  PktPcapSink *self = PKT_PCAP_SINK (sink);
  if (self->failed)
    return PKT_FLOW_ERROR;
  PktBufferList *list = (PktBufferList *)batch;
  for (guint i = 0; i < list->n_packets; i += CHUNK) {
    guint end = MIN (list->n_packets, i + CHUNK);
    for (guint j = i; j < end; j++)
      if (!pcap_sink_add_packet (self, &list->packets[j]))
        return PKT_FLOW_ERROR;
    if (!pcap_sink_flush (self))
      return PKT_FLOW_ERROR;
  }
  return PKT_FLOW_OK;
}

static gboolean
pcap_sink_event (PktSink *sink, PktEvent *event)
{
  PktPcapSink *self = PKT_PCAP_SINK (sink);
  /* EOS: the file is complete and valid on disk now, not at NULL */
  if (event->type == PKT_EVENT_EOS && !pcap_sink_finish_file (self))
    self->failed = TRUE;
  pkt_event_unref (event);
  return TRUE;
}

static gboolean
pcap_sink_start (PktSink *sink, GError **error)
{
  PktPcapSink *self = PKT_PCAP_SINK (sink);
  if (self->location == NULL || *self->location == '\0') {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "property 'location' is not set");
    return FALSE;
  }
  if (self->max_files != 0 && !pcap_sink_rotates (self)) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "max-files=%u needs max-size or rotate-interval", self->max_files);
    return FALSE;
  }
  self->ng = self->format == PCAP_SINK_FORMAT_PCAPNG
             || (self->format == PCAP_SINK_FORMAT_AUTO
                 && (g_str_has_suffix (self->location, ".pcapng")
                     || g_str_has_suffix (self->location, ".ntar")));
  self->nsec = self->precision == PCAP_SINK_NANO;
  self->packets = self->bytes = self->unwritable = self->truncated = self->files = 0;
  self->seq = 0;
  self->failed = FALSE;
  self->warned_mixed = FALSE;
  self->hdr = g_malloc (CHUNK * HDR_PER_PKT + HDR_EXTRA);
  self->iov = g_new (struct iovec, CHUNK * IOV_PER_PKT + 4);
  self->rec_end = g_new (guint64, CHUNK * 2 + 4);
  self->rec_pkts = g_new (guint64, CHUNK * 2 + 4);
  self->rec_bytes = g_new (guint64, CHUNK * 2 + 4);
  flush_reset (self);
  return pcap_sink_open_file (self, error);
}

static void
pcap_sink_stop (PktSink *sink)
{
  PktPcapSink *self = PKT_PCAP_SINK (sink);
  /* stopped without EOS: still leave a valid file */
  if (self->hdr)
    pcap_sink_finish_file (self);
  pcap_sink_close_file (self);
  g_clear_pointer (&self->hdr, g_free);
  g_clear_pointer (&self->iov, g_free);
  g_clear_pointer (&self->rec_end, g_free);
  g_clear_pointer (&self->rec_pkts, g_free);
  g_clear_pointer (&self->rec_bytes, g_free);
}

/* ---- GObject ---- */

static void
pcap_sink_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktPcapSink *self = PKT_PCAP_SINK (object);
  switch (id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_FORMAT:
      self->format = g_value_get_enum (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    case PROP_SNAPLEN:
      self->snaplen = g_value_get_uint (value);
      break;
    case PROP_MAX_SIZE:
      self->max_size = g_value_get_uint64 (value);
      break;
    case PROP_ROTATE_INTERVAL:
      self->rotate_interval = g_value_get_uint64 (value);
      break;
    case PROP_MAX_FILES:
      self->max_files = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pcap_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktPcapSink *self = PKT_PCAP_SINK (object);
  switch (id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_SNAPLEN:
      g_value_set_uint (value, self->snaplen);
      break;
    case PROP_MAX_SIZE:
      g_value_set_uint64 (value, self->max_size);
      break;
    case PROP_ROTATE_INTERVAL:
      g_value_set_uint64 (value, self->rotate_interval);
      break;
    case PROP_MAX_FILES:
      g_value_set_uint (value, self->max_files);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->packets));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->bytes));
      break;
    case PROP_UNWRITABLE:
      g_value_set_uint64 (value, PKT_STAT_GET (self->unwritable));
      break;
    case PROP_TRUNCATED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->truncated));
      break;
    case PROP_FILES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->files));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pcap_sink_finalize (GObject *object)
{
  PktPcapSink *self = PKT_PCAP_SINK (object);
  pcap_sink_stop (PKT_SINK (self));
  g_free (self->location);
  g_free (self->path);
  G_OBJECT_CLASS (pkt_pcap_sink_parent_class)->finalize (object);
}

static void
pkt_pcap_sink_init (PktPcapSink *self)
{
  self->fd = -1;
  self->snaplen = 262144;
}

#define RW   (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define STAT (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_pcap_sink_class_init (PktPcapSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktSinkClass *sink_class = PKT_SINK_CLASS (klass);

  gobject_class->set_property = pcap_sink_set_property;
  gobject_class->get_property = pcap_sink_get_property;
  gobject_class->finalize = pcap_sink_finalize;
  sink_class->start = pcap_sink_start;
  sink_class->stop = pcap_sink_stop;
  sink_class->render = pcap_sink_render;
  sink_class->event = pcap_sink_event;

  props[PROP_LOCATION]
      = g_param_spec_string ("location", "Location",
                             "File to write; with rotation, files are named dump.0.pcap, "
                             "dump.1.pcap, ... from location=dump.pcap",
                             NULL, RW);
  props[PROP_FORMAT] = g_param_spec_enum ("format", "Format",
                                          "File format (auto: pcapng if location ends in .pcapng)",
                                          pcap_sink_format_get_type (), PCAP_SINK_FORMAT_AUTO, RW);
  props[PROP_PRECISION] = g_param_spec_enum ("timestamp-precision", "Timestamp precision",
                                             "Timestamp resolution written",
                                             pcap_sink_precision_get_type (), PCAP_SINK_NANO, RW);
  props[PROP_SNAPLEN] = g_param_spec_uint ("snaplen", "Snapshot length",
                                           "Write at most this many bytes of each packet", 1,
                                           PCAP_MAX_RECORD, 262144, RW);
  props[PROP_MAX_SIZE]
      = g_param_spec_uint64 ("max-size", "Maximum size",
                             "Start a new file before one would grow beyond this many "
                             "bytes (like tcpdump -C; 0 = no limit)",
                             0, G_MAXUINT64, 0, RW);
  props[PROP_ROTATE_INTERVAL] = g_param_spec_uint64 (
      "rotate-interval", "Rotate interval",
      "Start a new file when a packet is this much later "
      "(packet time, ns) than the file's first one (like tcpdump -G; 0 = never)",
      0, G_MAXINT64, 0, RW);
  props[PROP_MAX_FILES]
      = g_param_spec_uint ("max-files", "Maximum files",
                           "Keep a ring of this many files, overwriting the oldest "
                           "(like tcpdump -W; 0 = unlimited)",
                           0, G_MAXINT32, 0, RW);
  props[PROP_PACKETS] = g_param_spec_uint64 (
      "packets", "Packets", "Packets written (whole records on disk)", 0, G_MAXUINT64, 0, STAT);
  props[PROP_BYTES]
      = g_param_spec_uint64 ("bytes", "Bytes", "Packet bytes written", 0, G_MAXUINT64, 0, STAT);
  props[PROP_UNWRITABLE] = g_param_spec_uint64 (
      "unwritable", "Unwritable", "Packets dropped: their link type cannot go in the file", 0,
      G_MAXUINT64, 0, STAT);
  props[PROP_TRUNCATED] = g_param_spec_uint64 ("truncated", "Truncated", "Packets cut to snaplen",
                                               0, G_MAXUINT64, 0, STAT);
  props[PROP_FILES]
      = g_param_spec_uint64 ("files", "Files", "Files opened", 0, G_MAXUINT64, 0, STAT);
  g_object_class_install_properties (gobject_class, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Capture file sink", "Sink/File",
                                  "Writes pcap or pcapng capture files, with rotation",
                                  "pktpipe developers");
}
