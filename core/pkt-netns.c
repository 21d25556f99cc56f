/* pktpipe — network namespaces: enter one on the calling thread, come back.
 * A socket keeps the namespace it was created in, so an element enters the
 * namespace only to open its socket and returns at once; the rest of the
 * program never leaves its own namespace.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include <pktpipe/pkt-element.h>
#include <pktpipe/pkt-netns.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

/**
 * pkt_netns_enter:
 * @netns: (nullable): a name under /run/netns (as `ip netns` lists), or a
 *   path such as /proc/PID/ns/net; NULL or empty: stay where we are
 * @saved_fd: (out): what pkt_netns_leave() needs; -1 when nothing was entered
 * @error: names the namespace and, for EPERM, the capability (CAP_SYS_ADMIN)
 *
 * Moves the calling thread (only it) into @netns.
 *
 * Returns: TRUE on success
 */
gboolean
pkt_netns_enter (const char *netns, int *saved_fd, GError **error)
{
  *saved_fd = -1;
  if (!netns || !*netns)
    return TRUE;
  g_autofree char *path
      = netns[0] == '/' ? g_strdup (netns) : g_build_filename ("/run/netns", netns, NULL);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    g_set_error (error, PKT_ERROR, e == ENOENT ? PKT_ERROR_NOT_FOUND : PKT_ERROR_PERMISSION,
                 "network namespace '%s' (%s): %s", netns, path, g_strerror (e));
    return FALSE;
  }
  int old = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (old < 0 || setns (fd, CLONE_NEWNET) < 0) {
    int e = errno;
    close (fd);
    if (old >= 0)
      close (old);
    g_set_error (error, PKT_ERROR, e == EPERM ? PKT_ERROR_PERMISSION : PKT_ERROR_RESOURCE,
                 "cannot enter network namespace '%s': %s%s", netns, g_strerror (e),
                 e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
    return FALSE;
  }
  close (fd);
  *saved_fd = old;
  return TRUE;
}

/**
 * pkt_netns_leave:
 * @saved_fd: what pkt_netns_enter() gave; -1 does nothing
 *
 * Returns the calling thread to the namespace it was in.
 */
void
pkt_netns_leave (int saved_fd)
{
  if (saved_fd < 0)
    return;
  /* Failing to return would leave this thread in a foreign namespace, and
   * every later socket of the program in the wrong place: that is fatal. */
  if (setns (saved_fd, CLONE_NEWNET) < 0)
    g_error ("pktpipe: cannot return to the original network namespace: %s", g_strerror (errno));
  close (saved_fd);
}
