/* pktpipe xdp plugin — UMEM with lock-free frame leases, XDP programs
 * attached through bpf_links, and small helpers shared by xdpsrc and xdpsink.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "pkt-xdp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "xdp-filter-bpf.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* ------------------------------------------------------------------ enums */

GType
pkt_xdp_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_XDP_MODE_AUTO, "Native (driver) mode, else skb mode with a warning", "auto" },
    { PKT_XDP_MODE_SKB, "Generic XDP (after the skb is built; works everywhere)", "skb" },
    { PKT_XDP_MODE_NATIVE, "Driver XDP (before any skb; needs driver support)", "native" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktXdpMode", values));
  return type;
}

GType
pkt_xdp_bind_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_XDP_BIND_AUTO, "Zero-copy when the driver supports it, else copy", "auto" },
    { PKT_XDP_BIND_COPY, "The kernel copies frames into the UMEM", "copy" },
    { PKT_XDP_BIND_ZEROCOPY, "The NIC uses the UMEM directly (driver support needed)",
      "zero-copy" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktXdpBind", values));
  return type;
}

const char *
pkt_xdp_mode_to_string (PktXdpMode mode)
{
  switch (mode) {
    case PKT_XDP_MODE_SKB:
      return "skb";
    case PKT_XDP_MODE_NATIVE:
      return "native";
    default:
      return "auto";
  }
}

/* ---------------------------------------------------------------- errors */

void
pkt_xdp_set_errno_error (GError **error, int err, const char *fmt, ...)
{
  va_list ap;
  int code;

  if (err < 0)
    err = -err;
  switch (err) {
    case EPERM:
    case EACCES:
      code = PKT_ERROR_PERMISSION;
      break;
    case ENODEV:
    case ENOENT:
    case ENXIO:
      code = PKT_ERROR_NOT_FOUND;
      break;
    case EOPNOTSUPP:
      code = PKT_ERROR_UNSUPPORTED;
      break;
    default:
      code = PKT_ERROR_RESOURCE;
  }
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PKT_ERROR, code, "%s: %s", msg, g_strerror (err));
}

/* libbpf/libxdp print through one callback; while a program loads we keep
 * what they say so the GError can quote it (the verifier log is separate). */
static G_LOCK_DEFINE (log_capture);
static GString *log_capture;

static int
pkt_xdp_libbpf_print (enum libbpf_print_level level, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);

  if (log_capture && level <= LIBBPF_INFO)
    g_string_append (log_capture, msg);
  g_strchomp (msg);
  if (level == LIBBPF_WARN)
    g_info ("libbpf: %s", msg);
  else
    g_debug ("libbpf: %s", msg);
  return 0;
}

static int
pkt_xdp_libxdp_print (enum libxdp_print_level level, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);

  if (log_capture && level <= LIBXDP_INFO)
    g_string_append (log_capture, msg);
  g_strchomp (msg);
  g_debug ("libxdp: %s", msg);
  return 0;
}

void
pkt_xdp_log_capture_begin (void)
{
  G_LOCK (log_capture);
  log_capture = g_string_new (NULL);
  libbpf_set_print (pkt_xdp_libbpf_print);
  libxdp_set_print (pkt_xdp_libxdp_print);
}

char *
pkt_xdp_log_capture_end (void)
{
  char *text = g_string_free (log_capture, FALSE);

  log_capture = NULL;
  G_UNLOCK (log_capture);
  g_strstrip (text);
  return text;
}

/* ---------------------------------------------------------------- helpers */

/* Number of queues an XSK may bind to, from ethtool (in the current netns);
 * -1 when the driver does not say. */
int
pkt_xdp_queue_count (const char *iface)
{
  struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
  struct ifreq ifr = { 0 };
  int fd, n = -1;

  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  g_strlcpy (ifr.ifr_name, iface, sizeof ifr.ifr_name);
  ifr.ifr_data = (void *)&ch;
  if (ioctl (fd, SIOCETHTOOL, &ifr) == 0)
    n = (int)MAX (ch.rx_count + ch.combined_count, ch.tx_count + ch.combined_count);
  close (fd);
  return n > 0 ? n : -1;
}

gboolean
pkt_xdp_ensure_bpffs (char **why)
{
  struct statfs st;

  if (statfs ("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
    return TRUE;
  if (mount ("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") == 0)
    return TRUE;
  if (why)
    *why = g_strdup_printf ("bpffs is not mounted on /sys/fs/bpf and mounting it failed: %s",
                            g_strerror (errno));
  return FALSE;
}

/* ------------------------------------------------------------------- UMEM */

/* A stack head value no lease pointer can have: the source has closed. */
#define LEASES_CLOSED ((PktXdpLease *)(guintptr)1)

static void
pkt_xdp_lease_release (PktLease *lease, gpointer user_data)
{
  PktXdpLease *xl = user_data;
  PktXdpUmem *umem = xl->umem;
  PktXdpLease *head = __atomic_load_n (&umem->returned, __ATOMIC_RELAXED);

  do {
    if (head == LEASES_CLOSED) {
      /* the source is gone: nobody will refill; account and maybe free */
      if (__atomic_sub_fetch (&umem->pending, 1, __ATOMIC_ACQ_REL) == 0)
        pkt_xdp_umem_unref (umem);
      return;
    }
    xl->next = head;
  } while (!__atomic_compare_exchange_n (&umem->returned, &head, xl, TRUE, __ATOMIC_RELEASE,
                                         __ATOMIC_RELAXED));
}

void
pkt_xdp_lease_arm (PktXdpLease *lease)
{
  pkt_lease_init (&lease->lease, pkt_xdp_lease_release, lease);
}

PktXdpLease *
pkt_xdp_lease_from (PktLease *lease, PktXdpUmem *umem)
{
  if (!lease || lease->release != pkt_xdp_lease_release)
    return NULL;
  if (umem && ((PktXdpLease *)lease)->umem != umem)
    return NULL;
  return (PktXdpLease *)lease;
}

static gsize
round_up (gsize v, gsize to)
{
  return (v + to - 1) / to * to;
}

PktXdpUmem *
pkt_xdp_umem_new (guint frame_size, guint frame_count, guint fill_size, guint comp_size,
                  gboolean hugepages, guint batch_size, GError **error)
{
  struct xsk_umem_config cfg = {
    .fill_size = fill_size,
    .comp_size = comp_size,
    .frame_size = frame_size,
    .frame_headroom = 0,
    .flags = 0,
  };
  PktXdpUmem *u = g_new0 (PktXdpUmem, 1);
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
  int ret;

  u->refcount = 1;
  u->frame_size = frame_size;
  u->frame_count = frame_count;
  u->batch_size = batch_size;
  u->hugepages = hugepages;
  u->size = (gsize)frame_size * frame_count;
  if (hugepages) {
    u->size = round_up (u->size, 2 << 20);
    flags |= MAP_HUGETLB;
  }
  u->area = mmap (NULL, u->size, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (u->area == MAP_FAILED) {
    u->area = NULL;
    pkt_xdp_set_errno_error (error, errno, "cannot allocate a %" G_GSIZE_FORMAT "-byte UMEM%s",
                             u->size,
                             hugepages ? " in huge pages (is vm.nr_hugepages large enough?)" : "");
    pkt_xdp_umem_unref (u);
    return NULL;
  }
  ret = xsk_umem__create (&u->umem, u->area, u->size, &u->fill, &u->comp, &cfg);
  if (ret) {
    u->umem = NULL;
    pkt_xdp_set_errno_error (error, ret, "cannot register the UMEM (%u frames of %u bytes)%s",
                             frame_count, frame_size,
                             ret == -EPERM    ? " (AF_XDP needs CAP_NET_RAW, CAP_NET_ADMIN)"
                             : ret == -ENOMEM ? " (RLIMIT_MEMLOCK too low?)"
                                              : "");
    pkt_xdp_umem_unref (u);
    return NULL;
  }

  u->free_frames = g_new (guint32, frame_count);
  for (guint i = 0; i < frame_count; i++)
    u->free_frames[i] = frame_count - 1 - i;
  u->n_free_frames = frame_count;

  /* One lease per frame: small (the frame list lives in frame_next), and
   * a batch holding a single frame can never exhaust them. */
  u->n_leases = frame_count;
  u->lease_mem = g_new0 (PktXdpLease, u->n_leases);
  u->frame_next = g_new0 (guint32, frame_count);
  for (guint i = 0; i < u->n_leases; i++) {
    PktXdpLease *l = &u->lease_mem[i];
    l->umem = u;
    l->next = u->free_leases;
    u->free_leases = l;
  }
  u->n_free_leases = u->n_leases;
  return u;
}

PktXdpUmem *
pkt_xdp_umem_ref (PktXdpUmem *umem)
{
  g_atomic_int_inc (&umem->refcount);
  return umem;
}

void
pkt_xdp_umem_unref (PktXdpUmem *umem)
{
  if (!g_atomic_int_dec_and_test (&umem->refcount))
    return;
  if (umem->umem) {
    int ret = xsk_umem__delete (umem->umem);
    if (ret)
      g_warning ("xdp: UMEM still in use by a socket (%s); leaking it", g_strerror (-ret));
  }
  if (umem->area)
    munmap (umem->area, umem->size);
  g_free (umem->free_frames);
  g_free (umem->frame_next);
  g_free (umem->lease_mem);
  g_free (umem);
}

static void
pkt_xdp_umem_free_chain (PktXdpUmem *umem, const PktXdpLease *l)
{
  guint32 f = l->first_frame;

  for (guint i = 0; i < l->n_frames; i++) {
    umem->free_frames[umem->n_free_frames++] = f;
    f = umem->frame_next[f];
  }
}

/* Owner thread: take back every released lease and its frames. */
guint
pkt_xdp_umem_reclaim (PktXdpUmem *umem)
{
  PktXdpLease *l = __atomic_exchange_n (&umem->returned, NULL, __ATOMIC_ACQUIRE);
  guint n = 0;

  while (l) {
    PktXdpLease *next = l->next;
    pkt_xdp_umem_free_chain (umem, l);
    n += l->n_frames;
    l->next = umem->free_leases;
    umem->free_leases = l;
    umem->n_free_leases++;
    l = next;
  }
  return n;
}

/* Owner thread: give at most @max free frames to the kernel through @fill. */
guint
pkt_xdp_umem_refill (PktXdpUmem *umem, struct xsk_ring_prod *fill, guint max)
{
  guint32 idx;
  guint n = MIN (umem->n_free_frames, max);

  if (n == 0)
    return 0;
  n = MIN (n, xsk_prod_nb_free (fill, n));
  if (n == 0 || xsk_ring_prod__reserve (fill, n, &idx) != n)
    return 0;
  for (guint i = 0; i < n; i++) {
    guint32 f = umem->free_frames[--umem->n_free_frames];
    *xsk_ring_prod__fill_addr (fill, idx + i) = (guint64)f * umem->frame_size;
  }
  xsk_ring_prod__submit (fill, n);
  return n;
}

PktXdpLease *
pkt_xdp_umem_lease_get (PktXdpUmem *umem)
{
  PktXdpLease *l = umem->free_leases;

  if (!l) {
    pkt_xdp_umem_reclaim (umem);
    l = umem->free_leases;
    if (!l)
      return NULL;
  }
  umem->free_leases = l->next;
  umem->n_free_leases--;
  l->next = NULL;
  l->n_frames = 0;
  return l;
}

/* Owner thread: a lease taken but never handed out (its frames are given back). */
void
pkt_xdp_umem_lease_put (PktXdpUmem *umem, PktXdpLease *l)
{
  pkt_xdp_umem_free_chain (umem, l);
  l->next = umem->free_leases;
  umem->free_leases = l;
  umem->n_free_leases++;
}

/* The source stops. Leases still held downstream keep the UMEM (memory and
 * libxdp object) alive: they share one reference, dropped by whichever
 * releases last. Each holder decrements `pending` once it sees the CLOSED
 * head; the closer adds the number it counted as outstanding; the side that
 * brings the sum to zero drops the reference, so it happens exactly once. */
void
pkt_xdp_umem_close (PktXdpUmem *umem)
{
  PktXdpLease *l = __atomic_exchange_n (&umem->returned, LEASES_CLOSED, __ATOMIC_ACQ_REL);
  guint returned = 0;
  gint outstanding;

  if (l == LEASES_CLOSED)
    return;
  for (; l; l = l->next)
    returned++;
  outstanding = (gint)(umem->n_leases - umem->n_free_leases - returned);
  pkt_xdp_umem_ref (umem);
  if (__atomic_add_fetch (&umem->pending, outstanding, __ATOMIC_ACQ_REL) == 0)
    pkt_xdp_umem_unref (umem);
}

/* --------------------------------------------------------------- programs */

gboolean
pkt_xdp_filter_available (void)
{
  return PKT_XDP_HAVE_FILTER;
}

static gboolean
pkt_xdp_prog_open (PktXdpProg *prog, PktXdpProgKind kind, const char *file, GError **error)
{
  long err;

  switch (kind) {
    case PKT_XDP_PROG_DEFAULT: {
      struct xdp_program *xp = xdp_program__find_file ("xsk_def_xdp_prog.o", NULL, NULL);
      err = libxdp_get_error (xp);
      if (!err) {
        prog->xdp_prog = xp;
        prog->obj = xdp_program__bpf_obj (xp);
        return TRUE;
      }
      /* Our filter with empty lists redirects everything, as libxdp's does. */
      g_debug ("xdp: libxdp's xsk_def_xdp_prog.o not found (%s); using the built-in program",
               g_strerror ((int)-err));
      if (!PKT_XDP_HAVE_FILTER) {
        pkt_xdp_set_errno_error (error, (int)err,
                                 "libxdp's redirect program xsk_def_xdp_prog.o was not found "
                                 "(set LIBXDP_OBJECT_PATH)");
        return FALSE;
      }
      kind = PKT_XDP_PROG_FILTER;
    }
      /* fall through */
    case PKT_XDP_PROG_FILTER: {
      LIBBPF_OPTS (bpf_object_open_opts, opts, .object_name = "pkt_xdp_filter");
      if (!PKT_XDP_HAVE_FILTER) {
        g_set_error (error, PKT_ERROR, PKT_ERROR_UNSUPPORTED,
                     "this build has no xdp-filter program (clang was missing at build time)");
        return FALSE;
      }
      prog->obj = bpf_object__open_mem (pkt_xdp_filter_obj, sizeof pkt_xdp_filter_obj, &opts);
      break;
    }
    case PKT_XDP_PROG_FILE:
      prog->obj = bpf_object__open_file (file, NULL);
      break;
  }
  err = libbpf_get_error (prog->obj);
  if (err) {
    prog->obj = NULL;
    pkt_xdp_set_errno_error (error, (int)err, "cannot open BPF object '%s'",
                             kind == PKT_XDP_PROG_FILE ? file : "xdp-filter (built in)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
pkt_xdp_prog_find_maps (PktXdpProg *prog, const char *xsks_map, const char *what, GError **error)
{
  struct bpf_map *m = bpf_object__find_map_by_name (prog->obj, xsks_map);

  if (!m || bpf_map__type (m) != BPF_MAP_TYPE_XSKMAP) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s has no XSKMAP named '%s' (set xsks-map to the map the program redirects "
                 "into)",
                 what, xsks_map);
    return FALSE;
  }
  prog->xsks_map_fd = bpf_map__fd (m);
  m = bpf_object__find_map_by_name (prog->obj, "pkt_filter_cfg");
  prog->cfg_map_fd = m ? bpf_map__fd (m) : -1;
  m = bpf_object__find_map_by_name (prog->obj, "pkt_filter_stats");
  prog->stats_map_fd = m ? bpf_map__fd (m) : -1;
  return TRUE;
}

/* Opens and loads a program; on failure the GError quotes libbpf and the
 * verifier's last lines. */
gboolean
pkt_xdp_prog_load (PktXdpProg *prog, PktXdpProgKind kind, const char *file, const char *xsks_map,
                   const char *what, GError **error)
{
  struct bpf_program *p;
  gsize log_size = 256 * 1024;
  g_autofree char *log = g_malloc0 (log_size);
  g_autofree char *said = NULL;
  int ret;

  *prog = (PktXdpProg){
    .prog_fd = -1, .link_fd = -1, .xsks_map_fd = -1, .cfg_map_fd = -1, .stats_map_fd = -1
  };
  pkt_xdp_log_capture_begin ();
  if (!pkt_xdp_prog_open (prog, kind, file, error)) {
    g_free (pkt_xdp_log_capture_end ());
    g_prefix_error (error, "%s: ", what);
    return FALSE;
  }
  p = bpf_object__next_program (prog->obj, NULL);
  if (!p) {
    g_free (pkt_xdp_log_capture_end ());
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s contains no BPF program", what);
    pkt_xdp_prog_close (prog);
    return FALSE;
  }
  /* the user's section name may not say "xdp" */
  bpf_program__set_type (p, BPF_PROG_TYPE_XDP);
  bpf_program__set_expected_attach_type (p, BPF_XDP);
  bpf_program__set_log_buf (p, log, log_size);
  ret = bpf_object__load (prog->obj);
  said = pkt_xdp_log_capture_end ();
  if (ret) {
    gsize len = strlen (g_strstrip (log));
    const char *tail = len > 1500 ? log + len - 1500 : log;
    if (*tail) /* the verifier said no: its last lines are the reason */
      g_set_error (error, PKT_ERROR, PKT_ERROR_RESOURCE,
                   "%s was rejected by the BPF verifier (%s); verifier log ends with:\n%s", what,
                   g_strerror (-ret), tail);
    else
      pkt_xdp_set_errno_error (error, ret, "%s could not be loaded%s%s%s", what,
                               ret == -EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "",
                               *said ? "; " : "", said);
    pkt_xdp_prog_close (prog);
    return FALSE;
  }
  prog->prog_fd = bpf_program__fd (p);
  if (!pkt_xdp_prog_find_maps (prog, xsks_map ? xsks_map : "xsks_map", what, error)) {
    pkt_xdp_prog_close (prog);
    return FALSE;
  }
  return TRUE;
}

static int
pkt_xdp_link_create (int prog_fd, int ifindex, PktXdpMode mode)
{
  LIBBPF_OPTS (bpf_link_create_opts, opts,
               .flags = mode == PKT_XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
  int fd = bpf_link_create (prog_fd, ifindex, BPF_XDP, &opts);

  if (fd < 0)
    return -errno;
  fcntl (fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

static const char *
pkt_xdp_attach_hint (int err, PktXdpMode mode)
{
  switch (-err) {
    case EOPNOTSUPP:
      return mode == PKT_XDP_MODE_NATIVE ? " (the driver has no native XDP support; use mode=skb)"
                                         : " (no XDP support in this mode)";
    case EBUSY:
    case EEXIST:
      return " (another XDP program is attached: see `ip link`, detach it with "
             "`ip link set dev IFACE xdp off`)";
    case EPERM:
      return " (needs CAP_NET_ADMIN and CAP_BPF)";
    default:
      return "";
  }
}

/* Attaches through a bpf_link: the link belongs to our file descriptor, so
 * the kernel detaches the program when the process exits or is killed; no
 * XDP program outlives the pipeline. */
gboolean
pkt_xdp_prog_attach (PktXdpProg *prog, PktElement *element, int ifindex, const char *iface,
                     PktXdpMode mode, GError **error)
{
  PktXdpMode try = mode == PKT_XDP_MODE_SKB ? PKT_XDP_MODE_SKB : PKT_XDP_MODE_NATIVE;
  int fd = pkt_xdp_link_create (prog->prog_fd, ifindex, try);

  if (fd < 0 && mode == PKT_XDP_MODE_AUTO && fd != -EPERM && fd != -EBUSY && fd != -EEXIST) {
    pkt_element_warning (element, PKT_ERROR_UNSUPPORTED, NULL,
                         "%s: native XDP on interface '%s' failed (%s); falling back to skb "
                         "(generic) mode, which is slower",
                         pkt_element_get_name (element), iface, g_strerror (-fd));
    try = PKT_XDP_MODE_SKB;
    fd = pkt_xdp_link_create (prog->prog_fd, ifindex, try);
  }
  if (fd < 0) {
    pkt_xdp_set_errno_error (error, fd,
                             "%s: cannot attach the XDP program to interface '%s' in %s mode%s",
                             pkt_element_get_name (element), iface, pkt_xdp_mode_to_string (try),
                             pkt_xdp_attach_hint (fd, try));
    return FALSE;
  }
  prog->link_fd = fd;
  prog->ifindex = ifindex;
  prog->mode = try;
  return TRUE;
}

void
pkt_xdp_prog_close (PktXdpProg *prog)
{
  if (prog->link_fd >= 0)
    close (prog->link_fd); /* detaches: the link is not pinned */
  prog->link_fd = -1;
  if (prog->xdp_prog)
    xdp_program__close (prog->xdp_prog);
  else if (prog->obj)
    bpf_object__close (prog->obj);
  prog->xdp_prog = NULL;
  prog->obj = NULL;
  prog->prog_fd = prog->xsks_map_fd = prog->cfg_map_fd = prog->stats_map_fd = -1;
}

/* ------------------------------------------------------- filter parsing */

static gboolean
parse_proto (const char *v, guint8 *out)
{
  static const struct {
    const char *name;
    guint8 num;
  } names[] = { { "tcp", 6 },    { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 },   { "icmpv6", 58 },
                { "sctp", 132 }, { "gre", 47 }, { "esp", 50 }, { "udplite", 136 } };
  guint64 n;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (v, names[i].name) == 0) {
      *out = names[i].num;
      return TRUE;
    }
  if (g_ascii_string_to_unsigned (v, 10, 0, 255, &n, NULL)) {
    *out = (guint8)n;
    return TRUE;
  }
  return FALSE;
}

static gboolean
filter_add (struct pkt_xdp_filter_cfg *cfg, const char *key, const char *v, GError **error)
{
  guint64 n;

  if (g_str_equal (key, "proto") || g_str_equal (key, "protocol")) {
    if (cfg->n_protos >= PKT_XDP_FILTER_MAX_PROTOS || !parse_proto (v, &cfg->protos[cfg->n_protos]))
      goto bad;
    cfg->n_protos++;
  } else if (g_str_equal (key, "port")) {
    if (cfg->n_ports >= PKT_XDP_FILTER_MAX_PORTS
        || !g_ascii_string_to_unsigned (v, 10, 0, 65535, &n, NULL))
      goto bad;
    cfg->ports[cfg->n_ports++] = htons ((guint16)n);
  } else if (g_str_equal (key, "addr") || g_str_equal (key, "host")) {
    if (strchr (v, ':')) {
      if (cfg->n_v6 >= PKT_XDP_FILTER_MAX_V6 || inet_pton (AF_INET6, v, cfg->v6[cfg->n_v6]) != 1)
        goto bad;
      cfg->n_v6++;
    } else {
      if (cfg->n_v4 >= PKT_XDP_FILTER_MAX_V4 || inet_pton (AF_INET, v, &cfg->v4[cfg->n_v4]) != 1)
        goto bad;
      cfg->n_v4++;
    }
  } else {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "xdp-filter: unknown key '%s' (use proto=, port=, addr=)", key);
    return FALSE;
  }
  return TRUE;
bad:
  g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
               "xdp-filter: bad or too many values for '%s' at '%s' (at most %d protocols, %d "
               "ports, %d IPv4 and %d IPv6 addresses)",
               key, v, PKT_XDP_FILTER_MAX_PROTOS, PKT_XDP_FILTER_MAX_PORTS, PKT_XDP_FILTER_MAX_V4,
               PKT_XDP_FILTER_MAX_V6);
  return FALSE;
}

/* "proto=udp,tcp port=53,5353 addr=10.0.0.1,fd00::1": terms separated by
 * spaces or ';', values by ','. Lists AND together; values in a list OR. */
gboolean
pkt_xdp_filter_parse (const char *text, struct pkt_xdp_filter_cfg *cfg, GError **error)
{
  g_auto (GStrv) terms = g_strsplit_set (text, " ;\t", -1);

  memset (cfg, 0, sizeof *cfg);
  for (guint i = 0; terms[i]; i++) {
    char *eq;
    if (!*terms[i])
      continue;
    eq = strchr (terms[i], '=');
    if (!eq) {
      /* a bare protocol name: "udp" */
      if (!filter_add (cfg, "proto", terms[i], error))
        return FALSE;
      continue;
    }
    *eq = '\0';
    g_auto (GStrv) vals = g_strsplit (eq + 1, ",", -1);
    for (guint j = 0; vals[j]; j++)
      if (*vals[j] && !filter_add (cfg, terms[i], vals[j], error))
        return FALSE;
  }
  return TRUE;
}
