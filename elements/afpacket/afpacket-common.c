/* pktpipe afpacket plugin — what afpacketsrc and afpacketsink share: opening a
 * packet socket (inside another network namespace), classic BPF filters
 * compiled by libpcap, and the symmetric-hash eBPF fanout program.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "afpacket.h"

#include <net/if.h> /* before the linux/ headers: glibc's struct ifreq wins */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- enum types ------------------------------------------------------------ */

GType
pkt_afpacket_fanout_get_type (void)
{
  static gsize type;
  static const GEnumValue values[]
      = { { PKT_AFPACKET_FANOUT_NONE, "No fanout: this socket sees every packet", "none" },
          { PKT_AFPACKET_FANOUT_HASH, "Kernel flow hash (skb hash)", "hash" },
          { PKT_AFPACKET_FANOUT_LB, "Round robin", "lb" },
          { PKT_AFPACKET_FANOUT_CPU, "By receiving CPU", "cpu" },
          { PKT_AFPACKET_FANOUT_ROLLOVER, "Fill one socket, then the next", "rollover" },
          { PKT_AFPACKET_FANOUT_RANDOM, "Random", "random" },
          { PKT_AFPACKET_FANOUT_QM, "By recorded RX queue", "qm" },
          { PKT_AFPACKET_FANOUT_SYMMETRIC,
            "Symmetric 5-tuple hash (eBPF program): both directions of a flow on one socket",
            "symmetric" },
          { 0, NULL, NULL } };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktAfpacketFanout", values));
  return (GType)type;
}

GType
pkt_afpacket_fanout_flags_get_type (void)
{
  static gsize type;
  static const GFlagsValue values[]
      = { { PKT_AFPACKET_FANOUT_FLAG_ROLLOVER, "Roll over to the next socket when this one is full",
            "rollover" },
          { PKT_AFPACKET_FANOUT_FLAG_DEFRAG, "Reassemble IP fragments before fanout", "defrag" },
          { PKT_AFPACKET_FANOUT_FLAG_IGNORE_OUTGOING, "Do not fan out outgoing packets",
            "ignore-outgoing" },
          { 0, NULL, NULL } };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_flags_register_static ("PktAfpacketFanoutFlags", values));
  return (GType)type;
}

GType
pkt_afpacket_direction_get_type (void)
{
  static gsize type;
  static const GEnumValue values[]
      = { { PKT_AFPACKET_DIRECTION_BOTH, "Received and sent packets", "both" },
          { PKT_AFPACKET_DIRECTION_IN, "Received packets only", "in" },
          { PKT_AFPACKET_DIRECTION_OUT, "Sent packets only", "out" },
          { 0, NULL, NULL } };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktAfpacketDirection", values));
  return (GType)type;
}

GType
pkt_afpacket_timestamping_get_type (void)
{
  static gsize type;
  static const GEnumValue values[]
      = { { PKT_AFPACKET_TS_SOFTWARE, "Kernel software time stamps", "software" },
          { PKT_AFPACKET_TS_HARDWARE, "NIC hardware time stamps (software where unsupported)",
            "hardware" },
          { 0, NULL, NULL } };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktAfpacketTimestamping", values));
  return (GType)type;
}

GType
pkt_afpacket_on_full_get_type (void)
{
  static gsize type;
  static const GEnumValue values[]
      = { { PKT_AFPACKET_ON_FULL_BLOCK, "Wait for room in the TX ring (never drop)", "block" },
          { PKT_AFPACKET_ON_FULL_DROP, "Drop the packet and count it", "drop" },
          { 0, NULL, NULL } };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktAfpacketOnFull", values));
  return (GType)type;
}

/* ---- sockets ----------------------------------------------------------------- */

static void
iface_classify (PktAfpacketIface *info)
{
  switch (info->hatype) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK: /* Linux lo carries a (zeroed) Ethernet header */
    case ARPHRD_IEEE802:
      info->dlt = DLT_EN10MB;
      info->linktype = PKT_LINK_ETHERNET;
      break;
    case ARPHRD_NONE:
    case ARPHRD_RAWIP:
    case ARPHRD_TUNNEL:
    case ARPHRD_TUNNEL6:
    case ARPHRD_SIT:
    case ARPHRD_IPGRE:
      /* No link header: SOCK_RAW data starts at the IP header. */
      info->no_mac = TRUE;
      info->dlt = DLT_RAW;
      info->linktype = PKT_LINK_RAW_IP;
      break;
    default:
      info->cooked = TRUE;
      info->dlt = DLT_LINUX_SLL;
      info->linktype = PKT_LINK_LINUX_SLL;
      break;
  }
}

static gboolean
iface_query (PktElement *element, int fd, const char *iface, const char *netns,
             PktAfpacketIface *info, GError **error)
{
  struct ifreq ifr = { 0 };

  g_strlcpy (ifr.ifr_name, iface, sizeof ifr.ifr_name);
  if (ioctl (fd, SIOCGIFHWADDR, &ifr) < 0) {
    pkt_element_set_error (element, error, PKT_ERROR_RESOURCE, "interface '%s': SIOCGIFHWADDR: %s",
                           iface, g_strerror (errno));
    return FALSE;
  }
  info->hatype = ifr.ifr_hwaddr.sa_family;
  if (ioctl (fd, SIOCGIFMTU, &ifr) == 0)
    info->mtu = (guint)ifr.ifr_mtu;
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) == 0)
    info->up = (ifr.ifr_flags & IFF_UP) != 0;
  iface_classify (info);
  return TRUE;
}

static int
socket_open (PktElement *element, int type, const char *iface, GError **error)
{
  int fd = socket (AF_PACKET, type | SOCK_CLOEXEC, 0);

  if (fd < 0) {
    int e = errno;
    if (e == EPERM || e == EACCES)
      pkt_element_set_error (element, error, PKT_ERROR_PERMISSION,
                             "cannot open a packet socket on '%s': missing CAP_NET_RAW (%s); run "
                             "as root or grant it with `setcap cap_net_raw,cap_net_admin+ep "
                             "PROGRAM`",
                             iface, g_strerror (e));
    else
      pkt_element_set_error (element, error, PKT_ERROR_RESOURCE,
                             "cannot open a packet socket on '%s': %s", iface, g_strerror (e));
  }
  return fd;
}

int
pkt_afpacket_open_socket (PktElement *element, const char *netns, const char *iface,
                          gboolean want_cooked, PktAfpacketIface *info, GError **error)
{
  int old, fd = -1;

  memset (info, 0, sizeof *info);
  info->name = iface;
  if (!pkt_netns_enter (netns, &old, error)) {
    g_prefix_error (error, "%s: ", pkt_element_get_name (element));
    return -1;
  }

  if (g_strcmp0 (iface, "any") == 0) {
    /* All interfaces: their link headers differ, so present every frame in
     * Linux cooked form, as libpcap and tcpdump -i any do. */
    info->cooked = TRUE;
    info->dlt = DLT_LINUX_SLL;
    info->linktype = PKT_LINK_LINUX_SLL;
    info->up = TRUE;
    fd = socket_open (element, SOCK_DGRAM, iface, error);
    goto out;
  }
  info->ifindex = (int)if_nametoindex (iface);
  if (info->ifindex == 0) {
    pkt_element_set_error (element, error, PKT_ERROR_NOT_FOUND, "no such interface '%s'%s%s%s",
                           iface, netns && *netns ? " in network namespace '" : "",
                           netns && *netns ? netns : "", netns && *netns ? "'" : "");
    goto out;
  }
  fd = socket_open (element, SOCK_RAW, iface, error);
  if (fd < 0)
    goto out;
  if (!iface_query (element, fd, iface, netns, info, error)) {
    close (fd);
    fd = -1;
    goto out;
  }
  if (want_cooked && info->cooked) {
    close (fd);
    fd = socket_open (element, SOCK_DGRAM, iface, error);
  }
out:
  pkt_netns_leave (old);
  return fd;
}

char *
pkt_afpacket_ifname (int fd, int ifindex)
{
  struct ifreq ifr = { 0 };

  ifr.ifr_ifindex = ifindex;
  if (fd < 0 || ioctl (fd, SIOCGIFNAME, &ifr) < 0)
    return NULL;
  return g_strdup (ifr.ifr_name);
}

/* ---- classic BPF filters ------------------------------------------------------ */

/* The kernel runs a cooked (SOCK_DGRAM) socket's filter on the network
 * header, while libpcap compiled it for a Linux cooked header in front: move
 * loads past the header back by its length and turn the two header fields
 * the kernel knows into ancillary loads (what libpcap itself does). */
static gboolean
filter_fix_cooked (struct sock_filter *insn, guint n)
{
  for (guint i = 0; i < n; i++) {
    struct sock_filter *p = &insn[i];
    guint16 cls = BPF_CLASS (p->code), mode = BPF_MODE (p->code);

    if (cls == BPF_RET && BPF_RVAL (p->code) == BPF_K) {
      if (p->k > PKT_AFPACKET_SLL_HDR_LEN)
        p->k -= PKT_AFPACKET_SLL_HDR_LEN;
      continue;
    }
    if ((cls != BPF_LD && cls != BPF_LDX)
        || (mode != BPF_ABS && mode != BPF_IND && mode != BPF_MSH))
      continue;
    if (p->k >= PKT_AFPACKET_SLL_HDR_LEN) {
      p->k -= PKT_AFPACKET_SLL_HDR_LEN;
      continue;
    }
    if (mode != BPF_ABS || BPF_SIZE (p->code) != BPF_H)
      return FALSE;
    if (p->k == 0)
      p->k = (guint32)(SKF_AD_OFF + SKF_AD_PKTTYPE);
    else if (p->k == 2)
      p->k = (guint32)(SKF_AD_OFF + SKF_AD_HATYPE);
    else if (p->k == 14)
      p->k = (guint32)(SKF_AD_OFF + SKF_AD_PROTOCOL);
    else
      return FALSE;
  }
  return TRUE;
}

void
pkt_afpacket_filter_free (struct sock_fprog *prog)
{
  if (!prog)
    return;
  g_free (prog->filter);
  g_free (prog);
}

struct sock_fprog *
pkt_afpacket_filter_compile (PktElement *element, const PktAfpacketIface *info, const char *expr,
                             guint snaplen, PktAfpacketDirection direction, GError **error)
{
  struct bpf_program bp = { 0 };
  struct sock_fprog *prog;
  guint prefix = direction == PKT_AFPACKET_DIRECTION_OUT ? 3 : 0;
  pcap_t *p;

  if ((!expr || !*expr) && snaplen >= 262144 && prefix == 0)
    return NULL;

  p = pcap_open_dead (info->dlt, (int)MIN (snaplen, 262144u));
  if (!p) {
    pkt_element_set_error (element, error, PKT_ERROR_RESOURCE, "libpcap: pcap_open_dead failed");
    return NULL;
  }
  if (pcap_compile (p, &bp, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
    pkt_element_set_error (element, error, PKT_ERROR_SETTINGS,
                           "filter \"%s\" is not valid on interface '%s' (link type %s): %s", expr,
                           info->name, pcap_datalink_val_to_name (info->dlt), pcap_geterr (p));
    pcap_close (p);
    return NULL;
  }
  pcap_close (p);

  prog = g_new0 (struct sock_fprog, 1);
  prog->len = (unsigned short)(bp.bf_len + prefix);
  prog->filter = g_new0 (struct sock_filter, prog->len);
  if (prefix) {
    /* Sent packets only: the kernel knows the packet type, libpcap does not. */
    prog->filter[0] = (struct sock_filter)BPF_STMT (BPF_LD | BPF_B | BPF_ABS,
                                                    (guint32)(SKF_AD_OFF + SKF_AD_PKTTYPE));
    prog->filter[1]
        = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 1, 0);
    prog->filter[2] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, 0);
  }
  /* struct bpf_insn and struct sock_filter have the same layout. */
  memcpy (prog->filter + prefix, bp.bf_insns, bp.bf_len * sizeof (struct sock_filter));
  pcap_freecode (&bp);

  if (info->cooked && !filter_fix_cooked (prog->filter + prefix, prog->len - prefix)) {
    pkt_element_set_error (element, error, PKT_ERROR_SETTINGS,
                           "filter \"%s\" reads cooked-header fields the kernel cannot provide "
                           "on interface '%s' (only packet type, link type and protocol are "
                           "available)",
                           expr, info->name);
    pkt_afpacket_filter_free (prog);
    return NULL;
  }
  return prog;
}
