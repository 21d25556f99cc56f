/* pktpipe tests — network namespaces joined by a veth pair, created and removed by the test.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PktTestNetns:
 * @ns_a: namespace name of side A (`pkttA<pid><n>`)
 * @ns_b: namespace name of side B
 * @if_a: veth name in A (`vethA`)
 * @if_b: veth name in B (`vethB`)
 * @mac_a: MAC of @if_a as text
 * @mac_b: MAC of @if_b as text
 *
 * Two namespaces with one veth pair between them; both ends up, IPv4
 * 10.199.N.1/24 (A) and .2 (B) only inside the namespaces, IPv6 off (no
 * router solicitations to disturb packet counts).
 */
typedef struct {
  char *ns_a, *ns_b;
  char *if_a, *if_b;
  char *mac_a, *mac_b;
  char *ip_a, *ip_b;
} PktTestNetns;

PktTestNetns *pkt_test_netns_new (GError **error);
void pkt_test_netns_free (PktTestNetns *ns);
/* another veth pair between the namespaces (@queues per end, 0 = default), up */
gboolean pkt_test_netns_add_veth (PktTestNetns *ns, const char *if_a, const char *if_b,
                                  guint queues, GError **error);
/* runs argv inside namespace @ns (via `ip netns exec`); returns exit status */
int pkt_test_netns_exec (const char *ns, const char *const *argv, char **out, GError **error);
/* to open a socket inside a namespace: the library's pkt_netns_enter/leave */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktTestNetns, pkt_test_netns_free)

G_END_DECLS
