/* pktpipe tests — network namespaces joined by a veth pair, created and removed by the test.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything goes through `ip` (iproute2) so the namespaces are ordinary named
 * namespaces (/run/netns/<name>) that `ip netns`, tcpdump via `ip netns exec`
 * and the elements' `netns` property can all find. */
#define _GNU_SOURCE
#include "pkt-test-netns.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static gint netns_counter;

/* Runs argv (NULL-terminated, argv[0] searched in PATH). Non-zero exit is an
 * error carrying the command line and its stderr. */
static gboolean
run_argv (const char *const *argv, char **out, GError **error)
{
  g_autofree char *err_text = NULL;
  g_autofree char *out_text = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out_text,
                     &err_text, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_autofree char *cmd = g_strjoinv (" ", (char **)argv);
    g_set_error (error, G_SPAWN_EXIT_ERROR, WIFEXITED (status) ? WEXITSTATUS (status) : 255,
                 "`%s` failed: %s", cmd, err_text ? g_strstrip (err_text) : "");
    return FALSE;
  }
  if (out)
    *out = g_steal_pointer (&out_text);
  return TRUE;
}

#define RUN(error, ...) run_argv ((const char *const[]){ __VA_ARGS__, NULL }, NULL, error)

static void
netns_delete_quiet (const char *name)
{
  if (name)
    run_argv ((const char *const[]){ "ip", "netns", "delete", name, NULL }, NULL, NULL);
}

/* Adds a namespace; a stale one with the same name (left by a crashed run
 * whose pid was reused) is removed first. */
static gboolean
netns_add (const char *name, GError **error)
{
  g_autofree char *path = g_build_filename ("/run/netns", name, NULL);

  if (access (path, F_OK) == 0)
    netns_delete_quiet (name);
  if (!RUN (error, "ip", "netns", "add", name))
    return FALSE;
  /* IPv6 off by default before any interface exists in it: no router
   * solicitations or DAD probes ever disturb the packet counts. */
  return RUN (error, "ip", "netns", "exec", name, "sysctl", "-q", "-w",
              "net.ipv6.conf.default.disable_ipv6=1")
         && RUN (error, "ip", "netns", "exec", name, "sysctl", "-q", "-w",
                 "net.ipv6.conf.all.disable_ipv6=1");
}

static gboolean
netns_setup_side (const char *ns, const char *ifname, const char *cidr, GError **error)
{
  g_autofree char *key = g_strdup_printf ("net.ipv6.conf.%s.disable_ipv6=1", ifname);

  return RUN (error, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", key)
         && RUN (error, "ip", "-n", ns, "addr", "add", cidr, "dev", ifname)
         && RUN (error, "ip", "-n", ns, "link", "set", "dev", ifname, "up")
         && RUN (error, "ip", "-n", ns, "link", "set", "dev", "lo", "up");
}

/* A veth carries traffic only once link-watch has seen the carrier and
 * swapped the noop qdisc for the real one (asynchronous, a few ms to ~1 s):
 * until then everything sent is silently dropped, so wait for state UP. */
static gboolean
netns_wait_up (const char *ns, const char *ifname, GError **error)
{
  for (int i = 0; i < 300; i++) {
    g_autofree char *out = NULL;

    if (!run_argv (
            (const char *const[]){ "ip", "-n", ns, "-o", "link", "show", "dev", ifname, NULL },
            &out, error))
      return FALSE;
    if (strstr (out, "state UP"))
      return TRUE;
    g_usleep (10000);
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s in namespace %s did not come up",
               ifname, ns);
  return FALSE;
}

/* Namespaces of test processes that died without cleaning up (a failed
 * assertion aborts before teardown) are removed here, so they never pile up.
 * Those of live processes (tests running in parallel) are left alone. */
static void
netns_remove_stale (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/run/netns", 0, NULL);
  const char *name;

  if (!dir)
    return;
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *proc = NULL;
    int pid;

    if ((!g_str_has_prefix (name, "pkttA") && !g_str_has_prefix (name, "pkttB"))
        || sscanf (name + 5, "%d_", &pid) != 1 || pid <= 0 || pid == getpid ())
      continue;
    proc = g_strdup_printf ("/proc/%d", pid);
    if (access (proc, F_OK) != 0)
      netns_delete_quiet (name);
  }
}

PktTestNetns *
pkt_test_netns_new (GError **error)
{
  g_autoptr (PktTestNetns) ns = g_new0 (PktTestNetns, 1);
  guint n = (guint)g_atomic_int_add (&netns_counter, 1);
  guint subnet = n % 250 + 1;
  g_autofree char *cidr_a = NULL, *cidr_b = NULL;

  ns->ns_a = g_strdup_printf ("pkttA%d_%u", (int)getpid (), n);
  ns->ns_b = g_strdup_printf ("pkttB%d_%u", (int)getpid (), n);
  ns->if_a = g_strdup ("vethA");
  ns->if_b = g_strdup ("vethB");
  /* Locally administered, fixed per pair: tests can predict them. */
  ns->mac_a = g_strdup_printf ("02:70:6b:%02x:%02x:0a", (subnet >> 8) & 0xff, subnet & 0xff);
  ns->mac_b = g_strdup_printf ("02:70:6b:%02x:%02x:0b", (subnet >> 8) & 0xff, subnet & 0xff);
  ns->ip_a = g_strdup_printf ("10.199.%u.1", subnet);
  ns->ip_b = g_strdup_printf ("10.199.%u.2", subnet);
  cidr_a = g_strdup_printf ("%s/24", ns->ip_a);
  cidr_b = g_strdup_printf ("%s/24", ns->ip_b);
  if (n == 0)
    netns_remove_stale ();

  if (!netns_add (ns->ns_a, error))
    return NULL;
  if (!netns_add (ns->ns_b, error))
    return NULL;
  /* Both ends are created directly inside their namespaces, never in ours. */
  if (!RUN (error, "ip", "link", "add", ns->if_a, "netns", ns->ns_a, "address", ns->mac_a, "type",
            "veth", "peer", "name", ns->if_b, "netns", ns->ns_b, "address", ns->mac_b))
    return NULL;
  if (!netns_setup_side (ns->ns_a, ns->if_a, cidr_a, error)
      || !netns_setup_side (ns->ns_b, ns->if_b, cidr_b, error))
    return NULL;
  if (!netns_wait_up (ns->ns_a, ns->if_a, error) || !netns_wait_up (ns->ns_b, ns->if_b, error))
    return NULL;
  return g_steal_pointer (&ns);
}

/* Another veth pair between the two namespaces, @queues RX and TX queues
 * per end (0: the kernel's default), both ends up. */
gboolean
pkt_test_netns_add_veth (PktTestNetns *ns, const char *if_a, const char *if_b, guint queues,
                         GError **error)
{
  g_autofree char *q = g_strdup_printf ("%u", queues ? queues : 1);
  if (!RUN (error, "ip", "link", "add", if_a, "netns", ns->ns_a, "numtxqueues", q, "numrxqueues", q,
            "type", "veth", "peer", "name", if_b, "netns", ns->ns_b, "numtxqueues", q,
            "numrxqueues", q))
    return FALSE;
  if (!RUN (error, "ip", "-n", ns->ns_a, "link", "set", if_a, "up")
      || !RUN (error, "ip", "-n", ns->ns_b, "link", "set", if_b, "up"))
    return FALSE;
  return netns_wait_up (ns->ns_a, if_a, error) && netns_wait_up (ns->ns_b, if_b, error);
}

void
pkt_test_netns_free (PktTestNetns *ns)
{
  if (!ns)
    return;
  /* Deleting a namespace destroys its veth end, and with it the peer. */
  netns_delete_quiet (ns->ns_a);
  netns_delete_quiet (ns->ns_b);
  g_free (ns->ns_a);
  g_free (ns->ns_b);
  g_free (ns->if_a);
  g_free (ns->if_b);
  g_free (ns->mac_a);
  g_free (ns->mac_b);
  g_free (ns->ip_a);
  g_free (ns->ip_b);
  g_free (ns);
}

int
pkt_test_netns_exec (const char *ns, const char *const *argv, char **out, GError **error)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  g_autofree char *out_text = NULL;
  int status = 0;

  g_ptr_array_add (full, (char *)"ip");
  g_ptr_array_add (full, (char *)"netns");
  g_ptr_array_add (full, (char *)"exec");
  g_ptr_array_add (full, (char *)ns);
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (full, (char *)argv[i]);
  g_ptr_array_add (full, NULL);

  if (!g_spawn_sync (NULL, (char **)full->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out_text,
                     NULL, &status, error))
    return -1;
  if (out)
    *out = g_steal_pointer (&out_text);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}
