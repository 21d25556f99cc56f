/* pktpipe — pcapsrc: reads pcap and pcapng capture files.
 *
 * Two zero-copy ways, chosen by size (io=auto, measured in docs/pcap.md):
 * large files are read with read() into 1 MiB heap chunks and every batch
 * borrows from its chunk: a chunk is one PktLease shared by the batches that
 * point into it, freed when the element and the last of them have dropped it
 * (a record that straddles a chunk end is moved to the next chunk); that
 * costs a quarter of the CPU of walking a mapping of a large file, whose
 * page-table and TLB work per 4 KiB page dominates. Files up to 32 MiB are
 * mapped (the mapping is one lease): they stay cached, and a looped pass
 * copies nothing. Streams (stdin, pipes) can only be read, and cannot loop.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pktpipe.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap-bpf.h"
#include "pcap-plugin.h"
#include "pcapfile.h"

#define STREAM_CHUNK (1024 * 1024)
/* io=auto maps files up to this size: their pages and page tables stay in
 * the caches, so a looped pass costs no copy; larger files are read */
#define AUTO_MMAP_MAX (32 * 1024 * 1024)

typedef enum {
  PCAP_SRC_IO_AUTO,
  PCAP_SRC_IO_READ,
  PCAP_SRC_IO_MMAP,
} PcapSrcIo;

static GType
pcap_src_io_get_type (void)
{
  static gsize type;
  static const GEnumValue values[] = {
    { PCAP_SRC_IO_AUTO, "mmap for files up to 32 MiB, read for larger ones", "auto" },
    { PCAP_SRC_IO_READ, "read() into leased 1 MiB chunks", "read" },
    { PCAP_SRC_IO_MMAP, "map the file; batches borrow from the mapping", "mmap" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktPcapSrcIo", values));
  return type;
}

/* Memory packets borrow: a file mapping or a heap chunk. */
typedef struct {
  PktLease lease;
  guint8 *data;
  gsize len;   /* bytes valid */
  gsize alloc; /* bytes allocated (heap) */
  gboolean mapped;
} PcapMem;

static void
pcap_mem_release (PktLease *lease, gpointer user_data)
{
  PcapMem *m = (PcapMem *)lease;
  if (m->mapped)
    munmap (m->data, m->len);
  else
    g_free (m->data);
  g_free (m);
}

static PcapMem *
pcap_mem_new_heap (gsize alloc)
{
  PcapMem *m = g_new0 (PcapMem, 1);
  pkt_lease_init (&m->lease, pcap_mem_release, NULL);
  m->data = g_malloc (alloc);
  m->alloc = alloc;
  return m;
}

struct _PktPcapSrc {
  PktSource parent;

  /* properties */
  char *location;
  guint loop;
  char *pace;
  char *filter;
  guint64 start_packet;
  guint64 stop_packet;
  guint64 start_time;
  guint64 stop_time;
  gboolean copy;
  int io; /* PcapSrcIo */
  guint batch_size;

  /* statistics */
  guint64 packets;
  guint64 bytes;
  guint64 filtered;

  /* state */
  int fd;
  gboolean stream;   /* read in chunks (not mapped) */
  gboolean seekable; /* a regular file: passes can restart (loop) */
  gboolean stream_eof;
  PcapMem *mem;
  PcapReader reader;
  gsize offset;
  double speed; /* 0 = as fast as possible */
  gboolean have_filter;
  PcapBpf bpf;
  guint pass;
  guint64 recno;         /* record number in this pass, 1-based */
  gint64 first_ts;       /* first record's time in this pass */
  gint64 min_ts, max_ts; /* earliest and latest record time in this pass */
  gint64 ts_shift;       /* added to every timestamp (loops stay monotonic) */
  gboolean have_first;
  gint64 pace_wall0; /* monotonic µs when pacing started */
  gint64 pace_ts0;   /* shifted packet time at pace_wall0 */
  gboolean pass_done;
  gboolean warned_truncated;
  gboolean warned_shift; /* the time shift of a later pass would overflow */
};

G_DECLARE_FINAL_TYPE (PktPcapSrc, pkt_pcap_src, PKT, PCAP_SRC, PktSource)
G_DEFINE_FINAL_TYPE (PktPcapSrc, pkt_pcap_src, PKT_TYPE_SOURCE)

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_LOOP,
  PROP_PACE,
  PROP_FILTER,
  PROP_START_PACKET,
  PROP_STOP_PACKET,
  PROP_START_TIME,
  PROP_STOP_TIME,
  PROP_COPY,
  PROP_IO,
  PROP_BATCH_SIZE,
  PROP_PACKETS,
  PROP_BYTES,
  PROP_FILTERED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static const char *
display_name (PktPcapSrc *self)
{
  return g_strcmp0 (self->location, "-") == 0 ? "stdin" : self->location;
}

/* "fast" → 0, "realtime" → 1, "2" / "2x" / "0.5" → factor; -1 if invalid */
static double
parse_pace (const char *pace)
{
  if (pace == NULL || g_ascii_strcasecmp (pace, "fast") == 0)
    return 0;
  if (g_ascii_strcasecmp (pace, "realtime") == 0)
    return 1;
  char *end = NULL;
  double v = g_ascii_strtod (pace, &end);
  if (end == pace || v <= 0 || v > 1e6)
    return -1;
  if (*end == 'x' || *end == 'X')
    end++;
  return *end == '\0' ? v : -1;
}

/* ---- opening ---- */

static gint
errno_to_code (int err)
{
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return PKT_ERROR_NOT_FOUND;
    case EACCES:
    case EPERM:
      return PKT_ERROR_PERMISSION;
    default:
      return PKT_ERROR_READ;
  }
}

static gboolean
pcap_src_open (PktPcapSrc *self, GError **error)
{
  if (g_strcmp0 (self->location, "-") == 0)
    self->fd = STDIN_FILENO;
  else
    self->fd = open (self->location, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0) {
    int e = errno;
    pkt_element_set_error (PKT_ELEMENT (self), error, errno_to_code (e), "cannot open '%s': %s",
                           self->location, g_strerror (e));
    return FALSE;
  }
  struct stat st;
  if (fstat (self->fd, &st) < 0 || S_ISDIR (st.st_mode)) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_READ, "cannot read '%s': %s",
                           display_name (self),
                           S_ISDIR (st.st_mode) ? "is a directory" : g_strerror (errno));
    return FALSE;
  }
  self->seekable = S_ISREG (st.st_mode);
  if (self->seekable && st.st_size == 0) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_FORMAT,
                           "'%s' is not a capture file: the file is empty", display_name (self));
    return FALSE;
  }
  gboolean map = self->io == PCAP_SRC_IO_MMAP
                 || (self->io == PCAP_SRC_IO_AUTO && st.st_size <= AUTO_MMAP_MAX);
  self->stream = !self->seekable || !map;
  if (self->stream) {
    self->mem = pcap_mem_new_heap (STREAM_CHUNK);
    return TRUE;
  }
  void *addr = mmap (NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, self->fd, 0);
  if (addr == MAP_FAILED) {
    int e = errno;
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_RESOURCE, "cannot map '%s': %s",
                           self->location, g_strerror (e));
    return FALSE;
  }
  /* the whole file is read front to back */
  madvise (addr, st.st_size, MADV_SEQUENTIAL);
  self->mem = g_new0 (PcapMem, 1);
  pkt_lease_init (&self->mem->lease, pcap_mem_release, NULL);
  self->mem->data = addr;
  self->mem->len = self->mem->alloc = st.st_size;
  self->mem->mapped = TRUE;
  /* the mapping keeps the file alive; the descriptor is not needed */
  close (self->fd);
  self->fd = -1;
  return TRUE;
}

/* Stream mode: makes room after the unread tail and reads once.
 * Returns 1 when bytes arrived, 0 at EOF, -1 on error, 2 on timeout. */
static int
pcap_src_fill (PktPcapSrc *self, int timeout_ms, GError **error)
{
  PcapMem *m = self->mem;
  if (m->len == m->alloc) {
    /* full: move the incomplete record to a new chunk (batches keep the old) */
    gsize tail = m->len - self->offset;
    gsize alloc = MAX ((gsize)STREAM_CHUNK, tail * 2);
    PcapMem *n = pcap_mem_new_heap (alloc);
    memcpy (n->data, m->data + self->offset, tail);
    n->len = tail;
    pkt_lease_unref (&m->lease);
    self->mem = m = n;
    self->offset = 0;
  }
  if (timeout_ms >= 0 && !self->seekable) {
    struct pollfd fds[2]
        = { { .fd = self->fd, .events = POLLIN },
            { .fd = pkt_source_get_wakeup_fd (PKT_SOURCE (self)), .events = POLLIN } };
    int n = poll (fds, fds[1].fd >= 0 ? 2 : 1, timeout_ms);
    if (n == 0 || (n > 0 && !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))))
      return 2;
  }
  ssize_t n;
  do
    n = read (self->fd, m->data + m->len, m->alloc - m->len);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int e = errno;
    g_set_error (error, PKT_ERROR, PKT_ERROR_READ, "%s: reading '%s' failed: %s",
                 pkt_element_get_name (PKT_ELEMENT (self)), display_name (self), g_strerror (e));
    return -1;
  }
  if (n == 0) {
    self->stream_eof = TRUE;
    return 0;
  }
  m->len += n;
  return 1;
}

/* Checks that pktpipe knows @linktype and compiles the filter for it.
 * Returns 0, or a PktError code with *@msg set. */
static gint
pcap_src_prepare_linktype (PktPcapSrc *self, guint32 linktype, char **msg)
{
  PktLinkType lt = pcap_linktype_to_pkt (linktype);
  if (lt == PKT_LINK_UNKNOWN) {
    *msg = g_strdup_printf ("'%s': unsupported link type %u", display_name (self), linktype);
    return PKT_ERROR_FORMAT;
  }
  if (!self->have_filter)
    return 0;
  g_autoptr (GError) e = NULL;
  if (!pcap_bpf_prepare (&self->bpf, lt, &e)) {
    *msg = g_strdup_printf ("'%s': %s", display_name (self), e->message);
    return PKT_ERROR_SETTINGS;
  }
  return 0;
}

/* Reads the header and every block up to the first packet, so that garbage,
 * unknown link types and bad filters fail at READY. */
static gboolean
pcap_src_preflight (PktPcapSrc *self, GError **error)
{
  PcapReader probe;
  pcap_reader_init (&probe);
  PcapRecord rec;
  g_autoptr (GError) e = NULL;
  PcapReadResult res;
  for (;;) {
    gsize off = 0;
    res = pcap_reader_next (&probe, self->mem->data, self->mem->len, &off,
                            !self->stream || self->stream_eof, &rec, &e);
    if (res != PCAP_READ_NEED_MORE)
      break;
    pcap_reader_clear (&probe);
    pcap_reader_init (&probe);
    if (self->mem->len == self->mem->alloc) {
      /* a header larger than a chunk: grow the first chunk */
      PcapMem *n = pcap_mem_new_heap (self->mem->alloc * 2);
      memcpy (n->data, self->mem->data, self->mem->len);
      n->len = self->mem->len;
      pkt_lease_unref (&self->mem->lease);
      self->mem = n;
    }
    if (pcap_src_fill (self, -1, error) < 0) {
      pcap_reader_clear (&probe);
      return FALSE;
    }
  }
  gboolean ok = TRUE;
  if (res == PCAP_READ_ERROR) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_FORMAT,
                           "'%s' is not a valid capture file: %s", display_name (self), e->message);
    ok = FALSE;
  }
  guint n = pcap_reader_get_n_linktypes (&probe);
  /* no interface yet (an empty pcapng): still check the filter's syntax */
  for (guint i = 0; ok && i < MAX (n, 1); i++) {
    guint32 lt = n ? pcap_reader_get_linktype (&probe, i) : PCAP_LINKTYPE_ETHERNET;
    g_autofree char *msg = NULL;
    gint code = pcap_src_prepare_linktype (self, lt, &msg);
    if (code != 0) {
      pkt_element_set_error (PKT_ELEMENT (self), error, code, "%s", msg);
      ok = FALSE;
    }
  }
  pcap_reader_clear (&probe);
  return ok;
}

static gboolean
pcap_src_start (PktSource *source, GError **error)
{
  PktPcapSrc *self = PKT_PCAP_SRC (source);
  if (self->location == NULL || *self->location == '\0') {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "property 'location' is not set");
    return FALSE;
  }
  self->speed = parse_pace (self->pace);
  if (self->speed < 0) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "property 'pace': '%s' is not fast, realtime or a speed factor "
                           "such as 2 or 0.5",
                           self->pace);
    return FALSE;
  }
  if (self->stop_packet != 0 && self->stop_packet < self->start_packet) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "stop-packet %" G_GUINT64_FORMAT
                           " is before start-packet %" G_GUINT64_FORMAT,
                           self->stop_packet, self->start_packet);
    return FALSE;
  }
  if (self->stop_time != 0 && self->stop_time < self->start_time) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "stop-time is before start-time");
    return FALSE;
  }
  if (g_strcmp0 (self->location, "-") == 0 && self->loop != 1) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "loop=%u needs a file: stdin can be read only once", self->loop);
    return FALSE;
  }
  self->have_filter = self->filter != NULL && *self->filter != '\0';
  if (self->have_filter)
    pcap_bpf_init (&self->bpf, self->filter);
  if (!pcap_src_open (self, error) || !pcap_src_preflight (self, error))
    return FALSE;
  if (!self->seekable && self->loop != 1) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "loop=%u needs a regular file: '%s' is a stream", self->loop,
                           display_name (self));
    return FALSE;
  }
  pcap_reader_init (&self->reader);
  self->offset = 0;
  self->pass = 0;
  self->recno = 0;
  self->have_first = FALSE;
  self->ts_shift = 0;
  self->pace_wall0 = 0;
  self->pass_done = FALSE;
  self->warned_truncated = FALSE;
  self->warned_shift = FALSE;
  self->packets = self->bytes = self->filtered = 0;
  return TRUE;
}

static void
pcap_src_stop (PktSource *source)
{
  PktPcapSrc *self = PKT_PCAP_SRC (source);
  if (self->mem) {
    pkt_lease_unref (&self->mem->lease);
    self->mem = NULL;
  }
  if (self->fd > STDIN_FILENO)
    close (self->fd);
  self->fd = -1;
  self->stream_eof = FALSE;
  pcap_reader_clear (&self->reader);
  if (self->have_filter)
    pcap_bpf_clear (&self->bpf);
  self->have_filter = FALSE;
}

/* ---- streaming ---- */

/* End of one pass over the file: loop again, or finish. */
/* Later passes follow the earlier ones in time: the next pass starts 1 µs
 * after this one's latest record. Packet time is 64-bit nanoseconds (up to
 * the year 2262): a file spanning decades looped many times would wrap to
 * negative times, so from that pass on the shift stops growing (time then
 * repeats the last pass's) and a warning says so. */
static void
pcap_src_shift_next_pass (PktPcapSrc *self)
{
  gint64 span, shift, end;
  if (!__builtin_sub_overflow (self->max_ts, self->min_ts, &span)
      && !__builtin_add_overflow (self->ts_shift, span, &shift)
      && !__builtin_add_overflow (shift, 1000, &shift)
      && !__builtin_add_overflow (self->max_ts, shift, &end)) {
    self->ts_shift = shift;
    return;
  }
  if (!self->warned_shift) {
    self->warned_shift = TRUE;
    pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_SETTINGS, NULL,
                         "loop: pass %u of '%s' would end after the year 2262 (64-bit nanosecond "
                         "packet time); it and later passes repeat the previous pass's times",
                         self->pass + 1, display_name (self));
  }
}

static gboolean
pcap_src_next_pass (PktPcapSrc *self)
{
  self->pass++;
  if (!self->seekable || (self->loop != 0 && self->pass >= self->loop))
    return FALSE;
  if (self->stream) {
    /* read the file again from the start, into a fresh chunk (batches
     * still point into the current one) */
    if (lseek (self->fd, 0, SEEK_SET) < 0) {
      pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_READ, NULL,
                         "cannot rewind '%s' for the next pass: %s", display_name (self),
                         g_strerror (errno));
      return FALSE;
    }
    pkt_lease_unref (&self->mem->lease);
    self->mem = pcap_mem_new_heap (STREAM_CHUNK);
    self->stream_eof = FALSE;
  }
  if (self->have_first)
    pcap_src_shift_next_pass (self);
  pcap_reader_clear (&self->reader);
  pcap_reader_init (&self->reader);
  self->offset = 0;
  self->recno = 0;
  self->have_first = FALSE;
  return TRUE;
}

/* Copies the frames of @list into one heap block leased by the list
 * (copy=true: for comparison with the zero-copy default). */
static void
pcap_src_copy_out (PktBufferList *list)
{
  gsize total = 0;
  for (guint i = 0; i < list->n_packets; i++)
    total += list->packets[i].caplen;
  guint8 *arena = g_malloc (MAX (total, 1));
  gsize pos = 0;
  for (guint i = 0; i < list->n_packets; i++) {
    PktPacket *p = &list->packets[i];
    memcpy (arena + pos, p->data, p->caplen);
    p->data = arena + pos;
    pos += p->caplen;
  }
  PktLease *lease = pkt_lease_new_for_memory (arena, g_free);
  pkt_buffer_list_set_lease (list, lease);
  pkt_lease_unref (lease);
}

/* How long (µs) until the packet at @ts is due when pacing; <= 0 = now. */
static gint64
pcap_src_pace_wait (PktPcapSrc *self, gint64 ts)
{
  gint64 now = g_get_monotonic_time ();
  if (self->pace_wall0 == 0) {
    self->pace_wall0 = now;
    self->pace_ts0 = ts;
  }
  gint64 due = self->pace_wall0 + (gint64)((double)(ts - self->pace_ts0) / 1000.0 / self->speed);
  return due - now;
}

typedef enum {
  STEP_ADDED,
  STEP_SKIPPED,
  STEP_HOLD, /* pacing: the packet is not due yet */
  STEP_ERROR,
} StepResult;

static StepResult
pcap_src_take (PktPcapSrc *self, PktBufferList *list, const PcapRecord *rec, gint64 *wait_us)
{
  self->recno++;
  if (!self->have_first) {
    self->have_first = TRUE;
    self->first_ts = self->min_ts = self->max_ts = rec->ts_ns;
  }
  self->min_ts = MIN (self->min_ts, rec->ts_ns);
  self->max_ts = MAX (self->max_ts, rec->ts_ns);
  if (self->recno < self->start_packet)
    return STEP_SKIPPED;
  if (self->stop_packet != 0 && self->recno > self->stop_packet) {
    self->pass_done = TRUE;
    return STEP_SKIPPED;
  }
  gint64 rel = rec->ts_ns - self->first_ts;
  if (self->start_time != 0 && rel < (gint64)self->start_time)
    return STEP_SKIPPED;
  if (self->stop_time != 0 && rel > (gint64)self->stop_time) {
    self->pass_done = TRUE;
    return STEP_SKIPPED;
  }
  PktLinkType lt = pcap_linktype_to_pkt (rec->linktype);
  if (G_UNLIKELY (lt == PKT_LINK_UNKNOWN
                  || (self->have_filter && self->bpf.state[lt] != PCAP_BPF_OK))) {
    g_autofree char *msg = NULL;
    gint code = pcap_src_prepare_linktype (self, rec->linktype, &msg);
    if (code != 0) {
      pkt_element_error (PKT_ELEMENT (self), code, NULL,
                         "%s (interface %u, packet %" G_GUINT64_FORMAT ")", msg, rec->iface,
                         self->recno);
      return STEP_ERROR;
    }
  }
  gint64 ts = rec->ts_ns + self->ts_shift;
  if (self->speed > 0) {
    *wait_us = pcap_src_pace_wait (self, ts);
    if (*wait_us > 0) {
      self->recno--; /* seen again when due */
      return STEP_HOLD;
    }
  }
  if (self->have_filter && !pcap_bpf_match (&self->bpf, lt, rec->data, rec->caplen, rec->len)) {
    PKT_STAT_ADD (self->filtered, 1);
    return STEP_SKIPPED;
  }
  PktPacket *p = pkt_buffer_list_append (list);
  pkt_packet_init (p, rec->data, rec->caplen, rec->len, ts, lt);
  p->ifindex = rec->iface + 1; /* pcapng interface id + 1; 0 means unknown */
  PKT_STAT_ADD (self->packets, 1);
  PKT_STAT_ADD (self->bytes, rec->caplen);
  return STEP_ADDED;
}

static PktFlowReturn
pcap_src_push (PktPcapSrc *self, PktBufferList *list, PktFlowReturn ret)
{
  if (list->n_packets == 0) {
    pkt_buffer_list_unref (list);
    return ret;
  }
  if (self->copy)
    pcap_src_copy_out (list);
  PktFlowReturn r = pkt_source_push (PKT_SOURCE (self), list);
  return r != PKT_FLOW_OK ? r : ret;
}

static void
pcap_src_sleep (PktPcapSrc *self, gint64 wait_us)
{
  int fd = pkt_source_get_wakeup_fd (PKT_SOURCE (self));
  int ms = (int)MIN ((wait_us + 999) / 1000, 100);
  if (fd >= 0) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    poll (&pfd, 1, ms);
  } else
    g_usleep ((gulong)ms * 1000);
}

static PktFlowReturn
pcap_src_produce (PktSource *source)
{
  PktPcapSrc *self = PKT_PCAP_SRC (source);
  PktBufferList *list = pkt_buffer_list_new (self->batch_size);
  pkt_buffer_list_set_lease (list, &self->mem->lease);
  while (list->n_packets < self->batch_size) {
    PcapRecord rec;
    g_autoptr (GError) e = NULL;
    gboolean eof = !self->stream || self->stream_eof;
    PcapReadResult res = pcap_reader_next (&self->reader, self->mem->data, self->mem->len,
                                           &self->offset, eof, &rec, &e);
    if (res == PCAP_READ_PACKET) {
      gint64 wait_us = 0;
      StepResult step = pcap_src_take (self, list, &rec, &wait_us);
      if (step == STEP_ERROR) {
        pkt_buffer_list_unref (list);
        return PKT_FLOW_ERROR;
      }
      if (step == STEP_HOLD) {
        self->offset = rec.offset;
        self->reader.n_records--;
        if (list->n_packets == 0)
          pcap_src_sleep (self, wait_us);
        return pcap_src_push (self, list, PKT_FLOW_OK);
      }
      if (!self->pass_done)
        continue;
      res = PCAP_READ_EOF;
    }
    if (res == PCAP_READ_NEED_MORE) {
      /* a stream: hand over what we have before blocking on the reader */
      if (list->n_packets > 0)
        return pcap_src_push (self, list, PKT_FLOW_OK);
      pkt_buffer_list_unref (list);
      GError *err = NULL;
      if (pcap_src_fill (self, 100, &err) < 0) {
        pkt_element_post_error (PKT_ELEMENT (self), err, NULL);
        g_error_free (err);
        return PKT_FLOW_ERROR;
      }
      return PKT_FLOW_OK;
    }
    if (res == PCAP_READ_ERROR) {
      pkt_buffer_list_unref (list);
      pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_FORMAT, NULL,
                         "'%s' is corrupt after packet %" G_GUINT64_FORMAT ": %s",
                         display_name (self), self->reader.n_records, e->message);
      return PKT_FLOW_ERROR;
    }
    if (res == PCAP_READ_TRUNCATED && !self->warned_truncated) {
      self->warned_truncated = TRUE;
      pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_FORMAT, NULL,
                           "'%s' is truncated: the record at offset %" G_GSIZE_FORMAT
                           " (after packet %" G_GUINT64_FORMAT ") is incomplete; it is skipped",
                           display_name (self), self->offset, self->reader.n_records);
    }
    /* EOF, TRUNCATED, or the stop point was reached */
    self->pass_done = FALSE;
    if (!pcap_src_next_pass (self))
      return pcap_src_push (self, list, PKT_FLOW_EOS);
    if (self->stream) /* a new chunk: this list's lease is the old one */
      return pcap_src_push (self, list, PKT_FLOW_OK);
    /* the lease is the same mapping: keep filling this list */
  }
  return pcap_src_push (self, list, PKT_FLOW_OK);
}

/* ---- GObject ---- */

static void
pcap_src_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktPcapSrc *self = PKT_PCAP_SRC (object);
  switch (id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_LOOP:
      self->loop = g_value_get_uint (value);
      break;
    case PROP_PACE:
      g_free (self->pace);
      self->pace = g_value_dup_string (value);
      break;
    case PROP_FILTER:
      g_free (self->filter);
      self->filter = g_value_dup_string (value);
      break;
    case PROP_START_PACKET:
      self->start_packet = g_value_get_uint64 (value);
      break;
    case PROP_STOP_PACKET:
      self->stop_packet = g_value_get_uint64 (value);
      break;
    case PROP_START_TIME:
      self->start_time = g_value_get_uint64 (value);
      break;
    case PROP_STOP_TIME:
      self->stop_time = g_value_get_uint64 (value);
      break;
    case PROP_COPY:
      self->copy = g_value_get_boolean (value);
      break;
    case PROP_IO:
      self->io = g_value_get_enum (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pcap_src_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktPcapSrc *self = PKT_PCAP_SRC (object);
  switch (id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_LOOP:
      g_value_set_uint (value, self->loop);
      break;
    case PROP_PACE:
      g_value_set_string (value, self->pace);
      break;
    case PROP_FILTER:
      g_value_set_string (value, self->filter);
      break;
    case PROP_START_PACKET:
      g_value_set_uint64 (value, self->start_packet);
      break;
    case PROP_STOP_PACKET:
      g_value_set_uint64 (value, self->stop_packet);
      break;
    case PROP_START_TIME:
      g_value_set_uint64 (value, self->start_time);
      break;
    case PROP_STOP_TIME:
      g_value_set_uint64 (value, self->stop_time);
      break;
    case PROP_COPY:
      g_value_set_boolean (value, self->copy);
      break;
    case PROP_IO:
      g_value_set_enum (value, self->io);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->packets));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->bytes));
      break;
    case PROP_FILTERED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->filtered));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pcap_src_finalize (GObject *object)
{
  PktPcapSrc *self = PKT_PCAP_SRC (object);
  pcap_src_stop (PKT_SOURCE (self));
  g_free (self->location);
  g_free (self->pace);
  g_free (self->filter);
  G_OBJECT_CLASS (pkt_pcap_src_parent_class)->finalize (object);
}

static void
pkt_pcap_src_init (PktPcapSrc *self)
{
  self->fd = -1;
  self->loop = 1;
  self->pace = g_strdup ("fast");
  self->batch_size = PKT_BUFFER_LIST_DEFAULT_CAPACITY;
}

#define RW   (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define STAT (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT)

static void
pkt_pcap_src_class_init (PktPcapSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktSourceClass *source_class = PKT_SOURCE_CLASS (klass);

  gobject_class->set_property = pcap_src_set_property;
  gobject_class->get_property = pcap_src_get_property;
  gobject_class->finalize = pcap_src_finalize;
  source_class->start = pcap_src_start;
  source_class->stop = pcap_src_stop;
  source_class->produce = pcap_src_produce;

  props[PROP_LOCATION] = g_param_spec_string (
      "location", "Location", "Capture file to read (pcap or pcapng), or '-' for stdin", NULL, RW);
  props[PROP_LOOP]
      = g_param_spec_uint ("loop", "Loop",
                           "Read the file this many times (0 = forever); later passes are shifted "
                           "in time to follow the earlier ones",
                           0, G_MAXUINT, 1, RW);
  props[PROP_PACE]
      = g_param_spec_string ("pace", "Pace",
                             "Replay speed: 'fast' (as fast as possible), 'realtime', or a factor "
                             "of real time such as 2 or 0.5",
                             "fast", RW);
  props[PROP_FILTER]
      = g_param_spec_string ("filter", "Filter",
                             "tcpdump expression: only matching packets are read (compiled by "
                             "libpcap for each link type of the file)",
                             NULL, RW);
  props[PROP_START_PACKET]
      = g_param_spec_uint64 ("start-packet", "Start packet",
                             "First packet to read (numbered from 1 like tcpdump -# "
                             "and tshark; 0 = from the start)",
                             0, G_MAXUINT64, 0, RW);
  props[PROP_STOP_PACKET] = g_param_spec_uint64 ("stop-packet", "Stop packet",
                                                 "Last packet to read, inclusive (0 = to the end)",
                                                 0, G_MAXUINT64, 0, RW);
  props[PROP_START_TIME]
      = g_param_spec_uint64 ("start-time", "Start time",
                             "Skip packets earlier than this time after the file's first "
                             "packet (ns; 0 = from the start)",
                             0, G_MAXINT64, 0, RW);
  props[PROP_STOP_TIME]
      = g_param_spec_uint64 ("stop-time", "Stop time",
                             "Stop at packets later than this time after the file's first "
                             "packet (ns; 0 = to the end)",
                             0, G_MAXINT64, 0, RW);
  props[PROP_COPY]
      = g_param_spec_boolean ("copy", "Copy",
                              "Copy packets out of the file's chunk or mapping into heap batches "
                              "instead of borrowing it (slower; for comparison)",
                              FALSE, RW);
  props[PROP_IO] = g_param_spec_enum (
      "io", "I/O", "How a regular file is read; batches borrow the memory either way",
      pcap_src_io_get_type (), PCAP_SRC_IO_AUTO, RW);
  props[PROP_BATCH_SIZE]
      = g_param_spec_uint ("batch-size", "Batch size", "Packets per batch", 1,
                           PKT_BUFFER_LIST_DEFAULT_CAPACITY, PKT_BUFFER_LIST_DEFAULT_CAPACITY, RW);
  props[PROP_PACKETS]
      = g_param_spec_uint64 ("packets", "Packets", "Packets pushed", 0, G_MAXUINT64, 0, STAT);
  props[PROP_BYTES]
      = g_param_spec_uint64 ("bytes", "Bytes", "Captured bytes pushed", 0, G_MAXUINT64, 0, STAT);
  props[PROP_FILTERED] = g_param_spec_uint64 ("filtered", "Filtered",
                                              "Packets dropped because they do not match 'filter'",
                                              0, G_MAXUINT64, 0, STAT);
  g_object_class_install_properties (gobject_class, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Capture file source", "Source/File",
                                  "Reads pcap and pcapng capture files", "pktpipe developers");
}
