/* pktpipe tests — xdpsrc and xdpsink on veth pairs in namespaces the test creates.
 *
 * Frames are sent with a raw AF_PACKET socket from the peer namespace; the
 * elements open their sockets inside the namespace through their `netns`
 * property (setns), so bpffs and the test's mount namespace stay untouched.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pktpipe/pkt-app.h>
#include "pkt-test-netns.h"
#include "pkt-test-util.h"

#define N_FRAMES 300

/* ------------------------------------------------------------- frames */

static guint16
ip_checksum (const guint8 *p, gsize len)
{
  guint32 sum = 0;
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32)(p[i] << 8 | p[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16)~sum;
}

static void
parse_mac (const char *text, guint8 *mac)
{
  g_assert_cmpint (sscanf (text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
                           &mac[3], &mac[4], &mac[5]),
                   ==, 6);
}

/* An Ethernet/IPv4/UDP frame from A to B; the payload starts with @seq and
 * continues with a pattern derived from it, so any corruption shows. */
static GBytes *
make_frame (const PktTestNetns *ns, guint16 dport, guint seq, gsize len)
{
  guint8 *f = g_malloc0 (len);
  gsize ip_len = len - 14, udp_len = ip_len - 20;

  parse_mac (ns->mac_b, f);
  parse_mac (ns->mac_a, f + 6);
  f[12] = 0x08;
  f[13] = 0x00;
  guint8 *ip = f + 14;
  ip[0] = 0x45;
  ip[2] = (guint8)(ip_len >> 8);
  ip[3] = (guint8)ip_len;
  ip[4] = (guint8)(seq >> 8);
  ip[5] = (guint8)seq;
  ip[8] = 64;
  ip[9] = 17;
  inet_pton (AF_INET, ns->ip_a, ip + 12);
  inet_pton (AF_INET, ns->ip_b, ip + 16);
  guint16 c = ip_checksum (ip, 20);
  ip[10] = (guint8)(c >> 8);
  ip[11] = (guint8)c;
  guint8 *udp = ip + 20;
  udp[0] = 0x9c;
  udp[1] = 0x40; /* 40000 */
  udp[2] = (guint8)(dport >> 8);
  udp[3] = (guint8)dport;
  udp[4] = (guint8)(udp_len >> 8);
  udp[5] = (guint8)udp_len; /* checksum 0: none (IPv4) */
  guint8 *pl = udp + 8;
  pl[0] = (guint8)(seq >> 24);
  pl[1] = (guint8)(seq >> 16);
  pl[2] = (guint8)(seq >> 8);
  pl[3] = (guint8)seq;
  for (gsize i = 4; i < udp_len - 8; i++)
    pl[i] = (guint8)(seq * 7 + i);
  return g_bytes_new_take (f, len);
}

static GPtrArray *
make_frames (const PktTestNetns *ns, guint16 dport, guint first, guint n)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (a, make_frame (ns, dport, first + i, 60 + ((first + i) * 37) % 1400));
  return a;
}

static int
open_packet_socket (const char *netns, const char *ifname, gboolean rx)
{
  GError *error = NULL;
  int old;
  g_assert_true (pkt_netns_enter (netns, &old, &error));
  g_assert_no_error (error);
  int fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, rx ? htons (ETH_P_ALL) : 0);
  g_assert_cmpint (fd, >=, 0);
  struct sockaddr_ll sll = { .sll_family = AF_PACKET,
                             .sll_protocol = rx ? htons (ETH_P_ALL) : 0,
                             .sll_ifindex = (int)if_nametoindex (ifname) };
  g_assert_cmpint (sll.sll_ifindex, >, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&sll, sizeof sll), ==, 0);
  if (rx) {
    /* the test reads only after sending everything */
    int size = 32 << 20;
    g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size), ==, 0);
  }
  pkt_netns_leave (old);
  return fd;
}

/* Paced so that neither the veth ring nor the backlog overflows. */
static void
send_frames (const char *netns, const char *ifname, GPtrArray *frames)
{
  int fd = open_packet_socket (netns, ifname, FALSE);
  for (guint i = 0; i < frames->len; i++) {
    gsize len;
    const guint8 *d = g_bytes_get_data (frames->pdata[i], &len);
    g_assert_cmpint (send (fd, d, len, 0), ==, (gssize)len);
    if (i % 32 == 31)
      g_usleep (2000);
  }
  close (fd);
}

/* Frames from an AF_PACKET socket, outgoing ones skipped. */
static GPtrArray *
recv_frames (int fd, guint want, gint64 timeout_us)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  gint64 end = g_get_monotonic_time () + timeout_us;
  guint8 buf[4096];

  while (a->len < want && g_get_monotonic_time () < end) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    struct sockaddr_ll from;
    socklen_t fl = sizeof from;
    if (poll (&pfd, 1, 50) <= 0)
      continue;
    gssize n = recvfrom (fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    /* only our UDP frames (sport 40000): the stack may answer with ARP/ICMP */
    if (n > 42 && from.sll_pkttype != PACKET_OUTGOING && buf[12] == 0x08 && buf[13] == 0
        && buf[23] == 17 && buf[34] == 0x9c && buf[35] == 0x40)
      g_ptr_array_add (a, g_bytes_new (buf, (gsize)n));
  }
  return a;
}

static void
assert_frames_equal (GPtrArray *got, GPtrArray *want)
{
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    if (!g_bytes_equal (got->pdata[i], want->pdata[i])) {
      g_autofree char *msg
          = g_strdup_printf ("frame %u differs (got %zu bytes, want %zu)", i,
                             g_bytes_get_size (got->pdata[i]), g_bytes_get_size (want->pdata[i]));
      g_test_fail_printf ("%s", msg);
      return;
    }
}

/* ------------------------------------------------------- pipelines */

static PktElement *
start_pipeline (const char *desc)
{
  GError *error = NULL;
  PktElement *p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  pkt_element_set_state (p, PKT_STATE_PLAYING, &error);
  g_assert_no_error (error);
  return p;
}

static void
assert_no_bus_error (PktElement *p)
{
  PktMessage *m
      = pkt_bus_pop_filtered (pkt_pipeline_get_bus (PKT_PIPELINE (p)), 0, PKT_MESSAGE_ERROR);
  if (m) {
    g_test_fail_printf ("bus error: %s", m->error ? m->error->message : "?");
    pkt_message_unref (m);
  }
}

static void
stop_pipeline (PktElement *p)
{
  GError *error = NULL;
  pkt_element_set_state (p, PKT_STATE_NULL, &error);
  g_assert_no_error (error);
  g_object_unref (p);
}

static PktAppSink *
get_appsink (PktElement *p, const char *name)
{
  PktElement *e = pkt_bin_get_by_name (PKT_BIN (p), name);
  g_assert_true (e && PKT_IS_APP_SINK (e));
  return PKT_APP_SINK (e);
}

/* Pulls until @want frames arrived (copies them out) or the time is up. */
static GPtrArray *
collect (PktAppSink *sink, guint want, gint64 timeout_us)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  gint64 end = g_get_monotonic_time () + timeout_us;

  while (a->len < want && g_get_monotonic_time () < end) {
    PktBufferList *l = pkt_app_sink_pull (sink, 50000);
    if (!l)
      continue;
    for (guint i = 0; i < l->n_packets; i++)
      g_ptr_array_add (a, g_bytes_new (l->packets[i].data, l->packets[i].caplen));
    pkt_buffer_list_unref (l);
  }
  return a;
}

/* --------------------------------------------------------- `ip link` */

static char *
ip_link (const char *netns, const char *ifname, gboolean stats)
{
  GError *error = NULL;
  const char *argv[]
      = { "ip", "-n", netns, "-d", stats ? "-s" : "-d", "-j", "link", "show", "dev", ifname, NULL };
  int status = 0;
  char *out = pkt_test_spawn (argv, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return out;
}

static gboolean
has_xdp (const char *netns, const char *ifname)
{
  g_autofree char *out = ip_link (netns, ifname, FALSE);
  return strstr (out, "\"xdp\"") != NULL;
}

static guint64
iface_rx_packets (const char *netns, const char *ifname)
{
  g_autofree char *out = ip_link (netns, ifname, TRUE);
  g_autoptr (GRegex) re = g_regex_new ("\"rx\":\\{\"bytes\":\\d+,\"packets\":(\\d+)", 0, 0, NULL);
  g_autoptr (GMatchInfo) mi = NULL;
  g_assert_true (g_regex_match (re, out, 0, &mi));
  g_autofree char *n = g_match_info_fetch (mi, 1);
  return g_ascii_strtoull (n, NULL, 10);
}

static PktTestNetns *
netns_new (void)
{
  GError *error = NULL;
  PktTestNetns *ns = pkt_test_netns_new (&error);
  g_assert_no_error (error);
  return ns;
}

/* ------------------------------------------------------------- tests */

static void
rx_test (const char *mode)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autoptr (GPtrArray) frames = make_frames (ns, 7000, 0, N_FRAMES);
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=src netns=%s iface=%s mode=%s ! appsink name=sink", ns->ns_b, ns->if_b, mode);
  guint64 if_before = iface_rx_packets (ns->ns_b, ns->if_b);
  PktElement *p = start_pipeline (desc);

  g_assert_true (has_xdp (ns->ns_b, ns->if_b));
  GValue v = G_VALUE_INIT;
  g_object_get_property (G_OBJECT (pkt_bin_get_by_name (PKT_BIN (p), "src")), "active-mode",
                         (g_value_init (&v, G_TYPE_STRING), &v));
  g_assert_cmpstr (g_value_get_string (&v), ==, mode);
  g_value_unset (&v);

  send_frames (ns->ns_a, ns->if_a, frames);
  g_autoptr (GPtrArray) got = collect (get_appsink (p, "sink"), N_FRAMES, 5 * G_USEC_PER_SEC);
  assert_frames_equal (got, frames);
  g_usleep (300000); /* one stats refresh */
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "rx-packets"), ==, N_FRAMES);
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "rx-dropped"), ==, 0);
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "kernel-drops"), ==, 0);
  /* the interface counted exactly what we sent, and we received all of it */
  g_assert_cmpuint (iface_rx_packets (ns->ns_b, ns->if_b) - if_before, ==, N_FRAMES);
  assert_no_bus_error (p);
  stop_pipeline (p);
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

static void
test_rx_skb (void)
{
  rx_test ("skb");
}

static void
test_rx_native (void)
{
  rx_test ("native");
}

/* a -> (xdpsrc in ns1.B | xdpsink in ns2.A) -> ns2.B, captured there. */
static void
forward_test (gboolean shared)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns1 = netns_new ();
  g_autoptr (PktTestNetns) ns2 = netns_new ();
  g_autoptr (GPtrArray) frames = make_frames (ns1, 7001, 0, N_FRAMES);
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=in netns=%s iface=%s mode=skb ! xdpsink name=out netns=%s iface=%s %s%s",
      ns1->ns_b, ns1->if_b, ns2->ns_a, ns2->if_a, shared ? "umem-from=" : "", shared ? "in" : "");
  int cap = open_packet_socket (ns2->ns_b, ns2->if_b, TRUE);
  PktElement *p = start_pipeline (desc);

  send_frames (ns1->ns_a, ns1->if_a, frames);
  g_autoptr (GPtrArray) got = recv_frames (cap, N_FRAMES, 5 * G_USEC_PER_SEC);
  close (cap);
  assert_frames_equal (got, frames);
  g_assert_cmpuint (pkt_test_get_uint (p, "out", "tx-packets"), ==, N_FRAMES);
  g_assert_cmpuint (pkt_test_get_uint (p, "out", "tx-dropped"), ==, 0);
  g_assert_cmpuint (pkt_test_get_uint (p, "out", "tx-foreign"), ==, 0);
  assert_no_bus_error (p);
  stop_pipeline (p);
  g_assert_false (has_xdp (ns1->ns_b, ns1->if_b));
}

static void
test_forward_copy (void)
{
  forward_test (FALSE);
}

static void
test_forward_shared (void)
{
  forward_test (TRUE);
}

/* Matching frames reach xdpsrc; the others reach a UDP socket in B. */
static void
test_filter (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autoptr (GPtrArray) match = make_frames (ns, 7777, 0, 100);
  g_autoptr (GPtrArray) other = make_frames (ns, 9999, 1000, 50);
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=src netns=%s iface=%s mode=skb xdp-filter='proto=udp port=7777 addr=%s' ! "
      "appsink name=sink",
      ns->ns_b, ns->if_b, ns->ip_b);
  GError *error = NULL;
  int old;
  g_assert_true (pkt_netns_enter (ns->ns_b, &old, &error));
  g_assert_no_error (error);
  int udp = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (9999) };
  g_assert_cmpint (bind (udp, (struct sockaddr *)&sin, sizeof sin), ==, 0);
  pkt_netns_leave (old);
  PktElement *p = start_pipeline (desc);

  send_frames (ns->ns_a, ns->if_a, match);
  send_frames (ns->ns_a, ns->if_a, other);
  g_autoptr (GPtrArray) got = collect (get_appsink (p, "sink"), 100, 5 * G_USEC_PER_SEC);
  assert_frames_equal (got, match);

  /* the rest went to the stack, payload intact */
  guint n_udp = 0;
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (n_udp < 50 && g_get_monotonic_time () < end) {
    guint8 buf[2048];
    struct pollfd pfd = { .fd = udp, .events = POLLIN };
    if (poll (&pfd, 1, 50) <= 0)
      continue;
    gssize n = recv (udp, buf, sizeof buf, 0);
    gsize flen;
    const guint8 *f = g_bytes_get_data (other->pdata[n_udp], &flen);
    g_assert_cmpint (n, ==, (gssize)flen - 42);
    g_assert_cmpmem (buf, n, f + 42, flen - 42);
    n_udp++;
  }
  close (udp);
  g_assert_cmpuint (n_udp, ==, 50);
  /* nothing unexpected reached the socket */
  g_autoptr (GPtrArray) more = collect (get_appsink (p, "sink"), 1, 200000);
  g_assert_cmpuint (more->len, ==, 0);
  g_usleep (300000);
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "filter-redirected"), ==, 100);
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "filter-passed"), >=, 50);
  assert_no_bus_error (p);
  stop_pipeline (p);
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

/* Batches held downstream keep their frames: the bytes stay intact while
 * new traffic arrives (the kernel drops, counted, for lack of frames), and
 * releasing them refills the fill ring so capture resumes. */
static void
test_hold_and_release (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=src netns=%s iface=%s mode=skb frame-count=64 fill-size=64 rx-size=64 "
      "batch-size=8 ! appsink name=sink",
      ns->ns_b, ns->if_b);
  PktElement *p = start_pipeline (desc);
  PktAppSink *sink = get_appsink (p, "sink");
  g_autoptr (GPtrArray) first = make_frames (ns, 7002, 0, 64);
  g_autoptr (GPtrArray) held
      = g_ptr_array_new_with_free_func ((GDestroyNotify)pkt_buffer_list_unref);
  guint n_held = 0;

  send_frames (ns->ns_a, ns->if_a, first);
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (n_held < 64 && g_get_monotonic_time () < end) {
    PktBufferList *l = pkt_app_sink_pull (sink, 50000);
    if (l) {
      n_held += l->n_packets;
      g_ptr_array_add (held, l);
    }
  }
  g_test_message ("held %u: rx %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
                  " ring-full %" G_GUINT64_FORMAT " fill-empty %" G_GUINT64_FORMAT,
                  n_held, pkt_test_get_uint (p, "src", "rx-packets"),
                  pkt_test_get_uint (p, "src", "rx-dropped"),
                  pkt_test_get_uint (p, "src", "rx-ring-full"),
                  pkt_test_get_uint (p, "src", "rx-fill-ring-empty"));
  g_assert_cmpuint (n_held, ==, 64);

  /* every frame is held: this traffic finds an empty fill ring */
  g_autoptr (GPtrArray) second = make_frames (ns, 7002, 100, 32);
  send_frames (ns->ns_a, ns->if_a, second);
  g_autoptr (GPtrArray) none = collect (sink, 1, 300000);
  g_assert_cmpuint (none->len, ==, 0);
  g_usleep (300000);
  g_test_message ("all held, 32 more sent: dropped %" G_GUINT64_FORMAT
                  " ring-full %" G_GUINT64_FORMAT " fill-empty %" G_GUINT64_FORMAT,
                  pkt_test_get_uint (p, "src", "rx-dropped"),
                  pkt_test_get_uint (p, "src", "rx-ring-full"),
                  pkt_test_get_uint (p, "src", "rx-fill-ring-empty"));
  /* rx-dropped is the kernel's total; the others say why */
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "rx-dropped"), ==, 32);
  g_assert_cmpuint (pkt_test_get_uint (p, "src", "kernel-drops"), ==, 32);

  /* the held frames were not overwritten */
  guint k = 0;
  for (guint i = 0; i < held->len; i++) {
    PktBufferList *l = held->pdata[i];
    for (guint j = 0; j < l->n_packets; j++, k++) {
      gsize flen;
      const guint8 *f = g_bytes_get_data (first->pdata[k], &flen);
      g_assert_cmpmem (l->packets[j].data, l->packets[j].caplen, f, flen);
    }
  }
  g_ptr_array_set_size (held, 0); /* release: frames go back to the fill ring */

  g_autoptr (GPtrArray) third = make_frames (ns, 7002, 200, 48);
  g_usleep (200000); /* the source refills when it next polls */
  send_frames (ns->ns_a, ns->if_a, third);
  g_autoptr (GPtrArray) got = collect (sink, 48, 3 * G_USEC_PER_SEC);
  assert_frames_equal (got, third);
  assert_no_bus_error (p);
  stop_pipeline (p);
}

/* Nobody pulls: drops are counted, nothing crashes, and stopping with
 * batches still queued downstream frees everything (ASan checks). */
static void
test_stalled_consumer (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=src netns=%s iface=%s mode=skb frame-count=128 fill-size=64 rx-size=64 "
      "batch-size=16 ! appsink name=sink",
      ns->ns_b, ns->if_b);
  PktElement *p = start_pipeline (desc);
  g_autoptr (GPtrArray) frames = make_frames (ns, 7003, 0, 400);

  send_frames (ns->ns_a, ns->if_a, frames);
  g_usleep (400000);
  guint64 rx = pkt_test_get_uint (p, "src", "rx-packets");
  guint64 dropped = pkt_test_get_uint (p, "src", "rx-dropped");
  g_test_message ("ring-full %" G_GUINT64_FORMAT " fill-empty %" G_GUINT64_FORMAT,
                  pkt_test_get_uint (p, "src", "rx-ring-full"),
                  pkt_test_get_uint (p, "src", "rx-fill-ring-empty"));
  g_test_message ("stalled: rx %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
                  " iface rx %" G_GUINT64_FORMAT,
                  rx, dropped, iface_rx_packets (ns->ns_b, ns->if_b));
  g_assert_cmpuint (rx, <=, 128);
  g_assert_cmpuint (dropped, >, 0);
  assert_no_bus_error (p);
  stop_pipeline (p); /* leases still queued in appsink */
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

/* A pipeline process killed with SIGKILL leaves no program: the bpf_link
 * belonged to its file table. */
static void
test_detach_after_kill (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *desc
      = g_strdup_printf ("xdpsrc netns=%s iface=%s mode=native ! fakesink", ns->ns_b, ns->if_b);
  int pipefd[2];
  g_assert_cmpint (pipe (pipefd), ==, 0);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    close (pipefd[0]);
    PktElement *p = pkt_parse_launch (desc, NULL);
    char ok = p && pkt_element_set_state (p, PKT_STATE_PLAYING, NULL) ? 'y' : 'n';
    if (write (pipefd[1], &ok, 1) != 1)
      _exit (2);
    for (;;)
      pause ();
  }
  close (pipefd[1]);
  char ok = 0;
  g_assert_cmpint (read (pipefd[0], &ok, 1), ==, 1);
  close (pipefd[0]);
  g_assert_cmpint (ok, ==, 'y');
  g_assert_true (has_xdp (ns->ns_b, ns->if_b));
  kill (pid, SIGKILL);
  int status;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  /* link release runs when the last fd closes: at exit, but give the
   * kernel's deferred fput a moment */
  gboolean gone = FALSE;
  for (int i = 0; i < 100 && !gone; i++) {
    gone = !has_xdp (ns->ns_b, ns->if_b);
    if (!gone)
      g_usleep (10000);
  }
  g_assert_true (gone);
}

static void
expect_start_error (const char *desc, gint code, const char *const *needles, const PktTestNetns *ns)
{
  GError *error = NULL;
  PktElement *p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  g_assert_false (pkt_element_set_state (p, PKT_STATE_PLAYING, &error));
  g_assert_nonnull (error);
  g_test_message ("%s -> %s", desc, error->message);
  g_assert_error (error, PKT_ERROR, code);
  for (guint i = 0; needles[i]; i++)
    if (!strstr (error->message, needles[i]))
      g_test_fail_printf ("error '%s' does not mention '%s'", error->message, needles[i]);
  g_clear_error (&error);
  pkt_element_set_state (p, PKT_STATE_NULL, NULL);
  g_object_unref (p);
  if (ns)
    g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

static void
test_errors (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *d1 = g_strdup_printf ("xdpsrc netns=%s iface=nosuch0 ! fakesink", ns->ns_b);
  expect_start_error (d1, PKT_ERROR_NOT_FOUND, (const char *const[]){ "nosuch0", NULL }, ns);

  g_autofree char *d2
      = g_strdup_printf ("xdpsrc netns=%s iface=%s queue=7 ! fakesink", ns->ns_b, ns->if_b);
  expect_start_error (d2, PKT_ERROR_SETTINGS,
                      (const char *const[]){ "queue 7", ns->if_b, "out of range", NULL }, ns);

  /* loopback has no driver XDP */
  g_autofree char *d3
      = g_strdup_printf ("xdpsrc netns=%s iface=lo mode=native ! fakesink", ns->ns_b);
  expect_start_error (d3, PKT_ERROR_UNSUPPORTED, (const char *const[]){ "'lo'", "native", NULL },
                      NULL);

  g_autofree char *d4 = g_strdup_printf (
      "xdpsrc netns=%s iface=%s program=/nonexistent/prog.o ! fakesink", ns->ns_b, ns->if_b);
  expect_start_error (d4, PKT_ERROR_NOT_FOUND, (const char *const[]){ "/nonexistent/prog.o", NULL },
                      ns);

  g_autofree char *bad
      = g_build_filename (g_getenv ("PKT_BUILD_ROOT"), "tests", "xdp", "xdp-bad.bpf.o", NULL);
  g_autofree char *d5
      = g_strdup_printf ("xdpsrc netns=%s iface=%s program=%s ! fakesink", ns->ns_b, ns->if_b, bad);
  /* the verifier's own words are quoted */
  expect_start_error (d5, PKT_ERROR_RESOURCE,
                      (const char *const[]){ "xdp-bad.bpf.o", ns->if_b, "verifier",
                                             "invalid access to packet", NULL },
                      ns);

  g_autofree char *d6 = g_strdup_printf (
      "xdpsrc netns=%s iface=%s xdp-filter='port=99999' ! fakesink", ns->ns_b, ns->if_b);
  expect_start_error (d6, PKT_ERROR_SETTINGS, (const char *const[]){ "99999", NULL }, ns);

  /* a second capture on the same queue: socket busy */
  g_autofree char *ok
      = g_strdup_printf ("xdpsrc netns=%s iface=%s mode=skb ! fakesink", ns->ns_b, ns->if_b);
  PktElement *p = start_pipeline (ok);
  g_autofree char *d7
      = g_strdup_printf ("xdpsrc netns=%s iface=%s mode=skb ! fakesink", ns->ns_b, ns->if_b);
  expect_start_error (d7, PKT_ERROR_RESOURCE, (const char *const[]){ ns->if_b, "queue 0", NULL },
                      NULL);
  g_assert_true (has_xdp (ns->ns_b, ns->if_b)); /* the first one's stays */
  stop_pipeline (p);
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

/* Without CAP_NET_ADMIN/CAP_BPF/CAP_NET_RAW the error says which are needed. */
static void
test_no_capabilities (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *desc
      = g_strdup_printf ("xdpsrc netns=%s iface=%s mode=skb ! fakesink", ns->ns_b, ns->if_b);
  int pipefd[2];
  g_assert_cmpint (pipe (pipefd), ==, 0);
  pid_t pid = fork ();
  if (pid == 0) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = { { 0 } };
    /* keep CAP_SYS_ADMIN so setns into the test namespace still works */
    d[0].effective = d[0].permitted = 1u << CAP_SYS_ADMIN;
    GError *error = NULL;
    close (pipefd[0]);
    if (syscall (SYS_capset, &h, d) != 0)
      _exit (3);
    PktElement *p = pkt_parse_launch (desc, NULL);
    gboolean started = pkt_element_set_state (p, PKT_STATE_PLAYING, &error);
    g_autofree char *msg
        = g_strdup_printf ("%d|%s", started ? -1 : error->code, error ? error->message : "");
    if (write (pipefd[1], msg, strlen (msg)) < 0)
      _exit (2);
    _exit (0);
  }
  close (pipefd[1]);
  char buf[4096] = { 0 };
  gssize n = 0, r;
  while ((r = read (pipefd[0], buf + n, sizeof buf - 1 - (gsize)n)) > 0)
    n += r;
  close (pipefd[0]);
  int status;
  waitpid (pid, &status, 0);
  g_test_message ("unprivileged: %s", buf);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_assert_cmpint (atoi (buf), ==, PKT_ERROR_PERMISSION);
  g_assert_nonnull (strstr (buf, "CAP_"));
  g_assert_nonnull (strstr (buf, ns->if_b));
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

/* program=FILE.o with its own map name */
static void
test_user_program (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *obj
      = g_build_filename (g_getenv ("PKT_BUILD_ROOT"), "tests", "xdp", "xdp-user.bpf.o", NULL);
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=src netns=%s iface=%s mode=skb program=%s xsks-map=my_xsks ! appsink "
      "name=sink",
      ns->ns_b, ns->if_b, obj);
  g_autoptr (GPtrArray) frames = make_frames (ns, 7004, 0, 50);
  PktElement *p = start_pipeline (desc);
  send_frames (ns->ns_a, ns->if_a, frames);
  g_autoptr (GPtrArray) got = collect (get_appsink (p, "sink"), 50, 3 * G_USEC_PER_SEC);
  assert_frames_equal (got, frames);
  stop_pipeline (p);
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));

  /* a wrong map name is a settings error naming it */
  g_autofree char *bad
      = g_strdup_printf ("xdpsrc netns=%s iface=%s mode=skb program=%s xsks-map=nomap ! fakesink",
                         ns->ns_b, ns->if_b, obj);
  expect_start_error (bad, PKT_ERROR_SETTINGS, (const char *const[]){ "nomap", NULL }, ns);
}

/* Transmit from our own UMEM (one copy), on-full=drop counting. */
static void
test_sink_copy (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autoptr (GPtrArray) frames = make_frames (ns, 7005, 0, N_FRAMES);
  g_autofree char *desc
      = g_strdup_printf ("appsrc name=in ! xdpsink name=out netns=%s iface=%s", ns->ns_a, ns->if_a);
  int cap = open_packet_socket (ns->ns_b, ns->if_b, TRUE);
  PktElement *p = start_pipeline (desc);
  PktAppSrc *in = PKT_APP_SRC (pkt_bin_get_by_name (PKT_BIN (p), "in"));
  for (guint i = 0; i < frames->len; i++) {
    g_assert_true (pkt_app_src_push_frame (in, frames->pdata[i], 0));
    if (i % 32 == 31)
      g_usleep (2000);
  }
  g_autoptr (GPtrArray) got = recv_frames (cap, N_FRAMES, 5 * G_USEC_PER_SEC);
  close (cap);
  assert_frames_equal (got, frames);
  g_assert_cmpuint (pkt_test_get_uint (p, "out", "tx-packets"), ==, N_FRAMES);
  assert_no_bus_error (p);
  stop_pipeline (p);
}

/* HEARTBEAT events flow while the interface is idle. A bare sink pad
 * stands in for a downstream element. */
static gint n_heartbeats;
static gint64 last_heartbeat_ns;

static gboolean
count_heartbeat (PktPad *pad, PktElement *parent, PktEvent *event)
{
  if (event->type == PKT_EVENT_HEARTBEAT) {
    g_atomic_int_inc (&n_heartbeats);
    last_heartbeat_ns = event->ts_ns;
  }
  pkt_event_unref (event);
  return TRUE;
}

static PktFlowReturn
drop_batch (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  pkt_batch_unref (batch);
  return PKT_FLOW_OK;
}

static void
test_heartbeat (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc name=src netns=%s iface=%s mode=skb heartbeat-interval=100", ns->ns_b, ns->if_b);
  GError *error = NULL;
  PktElement *p = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (p);
  PktPad *probe = pkt_pad_new ("probe", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS);
  pkt_pad_set_event_function (probe, count_heartbeat);
  pkt_pad_set_chain_function (probe, drop_batch);
  PktElement *src = pkt_bin_get_by_name (PKT_BIN (p), "src");
  g_assert_true (pkt_pad_link (pkt_element_get_static_pad (src, "src"), probe, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&n_heartbeats, 0);
  g_assert_true (pkt_element_set_state (p, PKT_STATE_PLAYING, &error));
  g_usleep (550000);
  gint n = g_atomic_int_get (&n_heartbeats);
  g_test_message ("%d heartbeats in 550 ms", n);
  g_assert_cmpint (n, >=, 3);
  g_assert_cmpint (n, <=, 6);
  gint64 now = g_get_real_time () * 1000;
  g_assert_cmpint (ABS (now - last_heartbeat_ns), <, 1000000000);
  pkt_element_set_state (p, PKT_STATE_NULL, NULL);
  pkt_pad_unlink (pkt_element_get_static_pad (src, "src"), probe);
  g_object_unref (g_object_ref_sink (probe));
  g_object_unref (p);
}

/* attach=libxdp: libxdp's dispatcher attaches through netlink, so a normal
 * stop detaches but a SIGKILL leaves the program behind. That is why
 * attach=link is the default; this test pins the documented behaviour.
 * The children run in a private mount namespace: bpffs is mounted there,
 * never on the host. */
static pid_t
spawn_libxdp_pipeline (const char *desc, gboolean stop_after, int *result_fd)
{
  int pipefd[2];
  g_assert_cmpint (pipe (pipefd), ==, 0);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    GError *error = NULL;
    close (pipefd[0]);
    if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
      _exit (3);
    PktElement *p = pkt_parse_launch (desc, &error);
    char ok = p && pkt_element_set_state (p, PKT_STATE_PLAYING, &error) ? 'y' : 'n';
    if (stop_after && ok == 'y')
      ok = pkt_element_set_state (p, PKT_STATE_NULL, &error) ? 's' : 'n';
    g_autofree char *msg = g_strdup_printf ("%c%s", ok, error ? error->message : "");
    if (write (pipefd[1], msg, strlen (msg)) < 0 || stop_after || ok != 'y')
      _exit (0);
    for (;;)
      pause ();
  }
  close (pipefd[1]);
  *result_fd = pipefd[0];
  return pid;
}

static char
read_result (int fd)
{
  char buf[2048] = { 0 };
  gssize n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n > 1)
    g_test_message ("child: %s", buf + 1);
  return n > 0 ? buf[0] : 0;
}

static void
test_libxdp_attach (void)
{
  if (!pkt_test_require_root ())
    return;
  g_autoptr (PktTestNetns) ns = netns_new ();
  g_autofree char *desc = g_strdup_printf (
      "xdpsrc netns=%s iface=%s mode=skb attach=libxdp ! fakesink", ns->ns_b, ns->if_b);
  int fd, status;
  char r = 0;

  /* normal stop: detached */
  pid_t pid = spawn_libxdp_pipeline (desc, TRUE, &fd);
  r = read_result (fd);
  waitpid (pid, &status, 0);
  g_assert_cmpint (r, ==, 's');
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));

  /* SIGKILL: libxdp's program stays attached */
  pid = spawn_libxdp_pipeline (desc, FALSE, &fd);
  r = read_result (fd);
  if (r != 'y')
    waitpid (pid, &status, 0);
  g_assert_cmpint (r, ==, 'y');
  g_assert_true (has_xdp (ns->ns_b, ns->if_b));
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_usleep (100000);
  gboolean left = has_xdp (ns->ns_b, ns->if_b);
  g_test_message ("attach=libxdp after SIGKILL: program %s", left ? "remains" : "gone");
  g_assert_true (left);
  /* the namespace goes away with the test; detach anyway for clarity */
  const char *off[]
      = { "ip", "-n", ns->ns_b, "link", "set", "dev", ns->if_b, "xdpgeneric", "off", NULL };
  g_free (pkt_test_spawn (off, &status, NULL));
  g_assert_false (has_xdp (ns->ns_b, ns->if_b));
}

/* Sends from a thread pinned to @cpu with PACKET_QDISC_BYPASS: the kernel
 * then picks TX queue cpu % n, and veth delivers on the same RX queue. */
static void
send_frames_on_cpu (const char *netns, const char *ifname, GPtrArray *frames, int cpu)
{
  cpu_set_t set, old;
  int one = 1;

  g_assert_cmpint (sched_getaffinity (0, sizeof old, &old), ==, 0);
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  g_assert_cmpint (sched_setaffinity (0, sizeof set, &set), ==, 0);
  int fd = open_packet_socket (netns, ifname, FALSE);
  g_assert_cmpint (setsockopt (fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one), ==, 0);
  for (guint i = 0; i < frames->len; i++) {
    gsize len;
    const guint8 *d = g_bytes_get_data (frames->pdata[i], &len);
    g_assert_cmpint (send (fd, d, len, 0), ==, (gssize)len);
    if (i % 32 == 31)
      g_usleep (2000);
  }
  close (fd);
  sched_setaffinity (0, sizeof old, &old);
}

static guint
multiqueue_run (const PktTestNetns *ns, const char *queues, GPtrArray *q0, GPtrArray *q1)
{
  g_autofree char *desc
      = g_strdup_printf ("xdpsrc name=src netns=%s iface=vmqB mode=native %s%s ! appsink name=sink",
                         ns->ns_b, queues ? "queues=" : "", queues ? queues : "");
  PktElement *p = start_pipeline (desc);
  send_frames_on_cpu (ns->ns_a, "vmqA", q0, 0);
  send_frames_on_cpu (ns->ns_a, "vmqA", q1, 1);
  g_autoptr (GPtrArray) got
      = collect (get_appsink (p, "sink"), q0->len + q1->len, 2 * G_USEC_PER_SEC);
  assert_no_bus_error (p);
  stop_pipeline (p);
  g_assert_false (has_xdp (ns->ns_b, "vmqB"));
  return got->len;
}

/* queues=all: one socket per queue on one UMEM; frames arriving on either
 * queue are captured. Control: queue 0 alone misses queue 1's frames. */
static void
test_multiqueue (void)
{
  if (!pkt_test_require_root ())
    return;
  if (g_get_num_processors () < 2) {
    g_test_skip ("needs 2 CPUs to steer frames onto two queues");
    return;
  }
  g_autoptr (PktTestNetns) ns = netns_new ();
  GError *error = NULL;
  g_assert_true (pkt_test_netns_add_veth (ns, "vmqA", "vmqB", 2, &error));
  g_assert_no_error (error);
  g_autoptr (GPtrArray) q0 = make_frames (ns, 7010, 0, 64);
  g_autoptr (GPtrArray) q1 = make_frames (ns, 7011, 100, 64);

  guint only0 = multiqueue_run (ns, NULL, q0, q1);
  g_test_message ("queue 0 only: %u of 128", only0);
  g_assert_cmpuint (only0, <, 128); /* the frames really were spread */
  guint all = multiqueue_run (ns, "all", q0, q1);
  g_test_message ("queues=all: %u of 128", all);
  g_assert_cmpuint (all, ==, 128);
  guint list = multiqueue_run (ns, "0,1", q0, q1);
  g_assert_cmpuint (list, ==, 128);
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  g_test_add_func ("/xdp/rx/skb", test_rx_skb);
  g_test_add_func ("/xdp/rx/native", test_rx_native);
  g_test_add_func ("/xdp/forward/copy", test_forward_copy);
  g_test_add_func ("/xdp/forward/shared-umem", test_forward_shared);
  g_test_add_func ("/xdp/filter", test_filter);
  g_test_add_func ("/xdp/lease/hold-and-release", test_hold_and_release);
  g_test_add_func ("/xdp/lease/stalled-consumer", test_stalled_consumer);
  g_test_add_func ("/xdp/detach/after-kill", test_detach_after_kill);
  g_test_add_func ("/xdp/errors", test_errors);
  g_test_add_func ("/xdp/errors/no-capabilities", test_no_capabilities);
  g_test_add_func ("/xdp/program/user", test_user_program);
  g_test_add_func ("/xdp/sink/copy", test_sink_copy);
  g_test_add_func ("/xdp/heartbeat", test_heartbeat);
  g_test_add_func ("/xdp/rx/multiqueue", test_multiqueue);
  g_test_add_func ("/xdp/detach/libxdp-attach", test_libxdp_attach);
  return g_test_run ();
}
