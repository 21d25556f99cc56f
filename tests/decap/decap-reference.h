/* pktpipe decap tests — the decap elements' contract written the plain way,
 * and a check that pkt_decap_packets() (with its straight path for the
 * common VXLAN shape) gives exactly the same result.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by tests/decap/test-decap-headers.c and tests/fuzz/fuzz-headers.c. */
#pragma once

#include <string.h>

#include <pktpipe/pkt-headers.h>

/* Layer by layer with pkt_decap_one(): all layers or none; a malformed
 * header or a vetoed layer leaves the packet as it came. */
static inline guint8
decap_reference_layers (PktPacket *p, guint protocols, const PktDecapConfig *cfg, guint max_depth,
                        PktDecapAcceptFunc accept, gpointer user_data)
{
  const PktPacket saved = *p;
  PktTunnelInfo ti;
  guint depth;
  for (depth = 0; depth < max_depth; depth++) {
    PktDecapResult r = pkt_decap_one (p, protocols, cfg, &ti);
    if (r == PKT_DECAP_RESULT_NONE)
      break;
    if (r == PKT_DECAP_RESULT_MALFORMED) {
      *p = saved;
      p->flags |= PKT_PACKET_FLAG_MALFORMED;
      return PKT_DECAP_OUTCOME_MALFORMED;
    }
    if (accept && !accept (&ti, user_data)) {
      *p = saved;
      return PKT_DECAP_OUTCOME_UNMATCHED;
    }
  }
  return depth > 0 ? PKT_DECAP_OUTCOME_DECAP : PKT_DECAP_OUTCOME_UNMATCHED;
}

/* An accept function that writes down every layer it is shown (so both
 * ways must show the same layers in the same order) and vetoes odd ids. */
static inline gboolean
decap_reference_accept (const PktTunnelInfo *ti, gpointer user_data)
{
  g_string_append_printf (user_data, "[%u %u %u %u %u %u %u %u]", ti->tunnel_type, ti->protocol,
                          ti->id, ti->has_id, ti->hdr_len, ti->inner, ti->next_proto, ti->version);
  return (ti->id & 1) == 0;
}

static const guint decap_reference_protocols[] = {
  PKT_DECAP_ALL,
  PKT_DECAP_VXLAN,
  PKT_DECAP_ALL & ~PKT_DECAP_VXLAN,
  PKT_DECAP_VXLAN | PKT_DECAP_VLAN,
  PKT_DECAP_ALL & ~PKT_DECAP_IPIP,
  PKT_DECAP_ALL & ~PKT_DECAP_GRE,
  PKT_DECAP_VLAN,
};

/* Runs pkt_decap_packets() and the reference on copies of @p under every
 * combination of protocols, depth (1, 2, 8), accept (none, vetoing) and
 * VXLAN port option (84), or with @quick the first three protocol sets and
 * depths 1 and 8 (24); returns NULL when all agree, else a description of
 * the first disagreement (free it). */
static inline char *
decap_reference_disagreement (const PktPacket *p, guint parse_flags, gboolean quick)
{
  static const guint depths[] = { 1, 8, 2 };
  const guint n_protocols = quick ? 3 : G_N_ELEMENTS (decap_reference_protocols);
  const guint n_depths = quick ? 2 : G_N_ELEMENTS (depths);
  for (guint pi = 0; pi < n_protocols; pi++)
    for (guint di = 0; di < n_depths; di++)
      for (guint ai = 0; ai < 2; ai++)
        for (guint port = 0; port < 2; port++) {
          const guint protocols = decap_reference_protocols[pi];
          PktDecapConfig cfg = { .parse_flags = parse_flags, .vxlan_port = port ? 4790 : 0 };
          PktPacket a = *p, b = *p;
          g_autoptr (GString) seen_a = g_string_new (NULL);
          g_autoptr (GString) seen_b = g_string_new (NULL);
          guint8 oa, ob;
          guint peeled;
          oa = decap_reference_layers (&a, protocols, &cfg, depths[di],
                                       ai ? decap_reference_accept : NULL, seen_a);
          peeled = pkt_decap_packets (&b, 1, protocols, &cfg, depths[di],
                                      ai ? decap_reference_accept : NULL, seen_b, &ob);
          if (oa != ob || memcmp (&a, &b, sizeof a) != 0 || !g_string_equal (seen_a, seen_b)
              || peeled != (ob == PKT_DECAP_OUTCOME_DECAP))
            return g_strdup_printf ("protocols 0x%x depth %u accept %u vxlan-port %u: outcome %u "
                                    "vs %u, front +%td vs +%td, layers %s vs %s",
                                    protocols, depths[di], ai, cfg.vxlan_port, oa, ob,
                                    a.data - p->data, b.data - p->data, seen_a->str, seen_b->str);
        }
  return NULL;
}
