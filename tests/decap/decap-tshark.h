/* pktpipe decap tests — what we decode vs what tshark decodes, as comparable strings.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each packet becomes one line:
 *   vlan=OUTER/INNER tunnel=TYPE:ID inner=PROTO SRC:SPORT > DST:DPORT
 * built from our descriptor after decapsulation, and independently from
 * tshark's field output (-T fields, all occurrences) using frame.protocols to
 * tell which occurrence of ip.src/tcp.srcport/... is the innermost one. */
#pragma once

#include "decap-test-common.h"

typedef struct {
  guint16 vlan, inner_vlan;
  guint8 tunnel_type;
  guint32 tunnel_id;
  gboolean has_key;
  gboolean has_ports;
  PktFlowKey key;
} DecapTestResult;

/* Runs the same loop as the `decap` element (pkt_decap_one until nothing is
 * left), then reads the flow key. */
static inline void
decap_test_fill_result (PktPacket *p, DecapTestResult *r)
{
  memset (r, 0, sizeof *r);
  pkt_packet_reset_parse (p);
  r->has_key = pkt_packet_get_flow_key (p, &r->key);
  r->has_ports = r->has_key && p->l4_off != PKT_OFFSET_NONE
                 && (r->key.proto == 6 || r->key.proto == 17 || r->key.proto == 1
                     || r->key.proto == 58 || r->key.proto == 132);
  r->vlan = p->vlan_tci & 0x0fff;
  r->inner_vlan = p->inner_vlan_tci & 0x0fff;
  r->tunnel_type = p->tunnel_type;
  r->tunnel_id = p->tunnel_id;
}

static inline void
decap_test_run (PktPacket *p, guint protocols, DecapTestResult *r)
{
  guint depth;
  for (depth = 0; depth < 16; depth++)
    if (pkt_decap_one (p, protocols, NULL, NULL) != PKT_DECAP_RESULT_DONE)
      break;
  decap_test_fill_result (p, r);
}

static inline char *
decap_test_format (guint vlan, guint ivlan, guint ttype, guint32 tid, gboolean has_key,
                   gboolean has_ports, guint proto, const char *src, guint sport, const char *dst,
                   guint dport)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "vlan=%u/%u tunnel=%u:%u ", vlan, ivlan, ttype, tid);
  if (!has_key)
    g_string_append (s, "inner=none");
  else if (has_ports)
    g_string_append_printf (s, "inner=%u %s:%u > %s:%u", proto, src, sport, dst, dport);
  else
    g_string_append_printf (s, "inner=? %s > %s", src, dst);
  return g_string_free (s, FALSE);
}

static inline char *
decap_test_result_string (const DecapTestResult *r)
{
  g_autofree char *src = r->has_key ? decap_test_addr_string (&r->key.src) : NULL;
  g_autofree char *dst = r->has_key ? decap_test_addr_string (&r->key.dst) : NULL;
  return decap_test_format (r->vlan, r->inner_vlan, r->tunnel_type, r->tunnel_id, r->has_key,
                            r->has_ports, r->key.proto, src, r->key.sport, dst, r->key.dport);
}

enum {
  F_PROTOCOLS,
  F_IP_SRC,
  F_IP_DST,
  F_IP6_SRC,
  F_IP6_DST,
  F_TCP_SPORT,
  F_TCP_DPORT,
  F_UDP_SPORT,
  F_UDP_DPORT,
  F_ICMP_TYPE,
  F_ICMP_CODE,
  F_ICMP6_TYPE,
  F_ICMP6_CODE,
  F_SCTP_SPORT,
  F_SCTP_DPORT,
  F_VLAN_ID,
  F_VXLAN_VNI,
  F_GENEVE_VNI,
  F_GTP_TEID,
  F_GRE_KEY,
  F_GRE_CALL_ID,
  F_ERSPAN_SPANID,
  F_MPLS_LABEL,
  F_PPPOE_SESSION,
  F_PBB_ISID,
  F_CFP_FTAG,
  F_IP_FLAGS_MF,
  F_IP_FRAG_OFFSET,
  F_8021AD_ID,
  F_N_FIELDS
};

static const char *const tshark_fields[F_N_FIELDS] = {
  "frame.protocols", "ip.src",        "ip.dst",         "ipv6.src",         "ipv6.dst",
  "tcp.srcport",     "tcp.dstport",   "udp.srcport",    "udp.dstport",      "icmp.type",
  "icmp.code",       "icmpv6.type",   "icmpv6.code",    "sctp.srcport",     "sctp.dstport",
  "vlan.id",         "vxlan.vni",     "geneve.vni",     "gtp.teid",         "gre.key",
  "gre.key.call_id", "erspan.spanid", "mpls.label",     "pppoe.session_id", "ieee8021ah.isid",
  "cfp.ftag",        "ip.flags.mf",   "ip.frag_offset", "ieee8021ad.id",
};

/* occurrence @idx of a comma-aggregated field, or NULL */
static inline const char *
field_occ (char **const *occ, guint field, guint idx)
{
  char **v = occ[field];
  guint n = v ? g_strv_length (v) : 0;
  return idx < n ? v[idx] : NULL;
}

static inline guint64
field_num (char **const *occ, guint field, guint idx)
{
  const char *s = field_occ (occ, field, idx);
  return s && *s ? g_ascii_strtoull (s, NULL, 0) : 0;
}

static inline gboolean
is_ip_entry (const char *e)
{
  return strcmp (e, "ip") == 0 || strcmp (e, "ipv6") == 0;
}

static inline guint
count_before (char **p, guint pos, const char *name)
{
  guint i, n = 0;
  for (i = 0; i < pos; i++)
    if (strcmp (p[i], name) == 0)
      n++;
  return n;
}

/* Tunnel markers of frame.protocols, outermost first, mapped to our types. */
static inline gboolean
tshark_tunnel_at (char **p, guint i, char **const *occ, guint *type, guint32 *id)
{
  const char *e = p[i];
  *id = 0;
  if (strcmp (e, "vxlan") == 0) {
    *type = PKT_TUNNEL_VXLAN;
    *id = (guint32)field_num (occ, F_VXLAN_VNI, count_before (p, i, e));
  } else if (strcmp (e, "geneve") == 0) {
    *type = PKT_TUNNEL_GENEVE;
    *id = (guint32)field_num (occ, F_GENEVE_VNI, count_before (p, i, e));
  } else if (strcmp (e, "gtp") == 0) {
    *type = PKT_TUNNEL_GTPU;
    *id = (guint32)field_num (occ, F_GTP_TEID, count_before (p, i, e));
  } else if (strcmp (e, "gre") == 0) {
    if (p[i + 1] && strcmp (p[i + 1], "erspan") == 0) {
      *type = PKT_TUNNEL_ERSPAN;
      *id = (guint32)field_num (occ, F_ERSPAN_SPANID, count_before (p, i + 1, "erspan"));
    } else {
      *type = PKT_TUNNEL_GRE;
      if (field_occ (occ, F_GRE_CALL_ID, 0))
        *id = (guint32)field_num (occ, F_GRE_CALL_ID, 0);
      else
        *id = (guint32)field_num (occ, F_GRE_KEY, 0);
    }
  } else if (strcmp (e, "mpls") == 0) {
    *type = PKT_TUNNEL_MPLS;
    *id = (guint32)field_num (occ, F_MPLS_LABEL, 0);
  } else if (strcmp (e, "pppoes") == 0) {
    *type = PKT_TUNNEL_PPPOE;
    *id = (guint32)field_num (occ, F_PPPOE_SESSION, 0);
  } else if (strcmp (e, "teredo") == 0) {
    *type = PKT_TUNNEL_TEREDO;
  } else if (strcmp (e, "ayiya") == 0) {
    *type = PKT_TUNNEL_AYIYA;
  } else if (strcmp (e, "ieee8021ah") == 0) {
    *type = PKT_TUNNEL_PBB;
    *id = (guint32)field_num (occ, F_PBB_ISID, 0);
  } else if (strcmp (e, "cfp") == 0) {
    *type = PKT_TUNNEL_OTHER;
    *id = (guint32)field_num (occ, F_CFP_FTAG, 0);
  } else if (is_ip_entry (e) && i > 0 && is_ip_entry (p[i - 1])) {
    *type = PKT_TUNNEL_IPIP;
  } else if (is_ip_entry (e) && i > 0 && strcmp (p[i - 1], "udp") == 0) {
    *type = PKT_TUNNEL_GUE; /* decoded with -d udp.port==N,ip: GUE variant 1 */
  } else {
    return FALSE;
  }
  return TRUE;
}

static inline gboolean
is_tag_entry (const char *e)
{
  return strcmp (e, "vlan") == 0 || strcmp (e, "ieee8021ad") == 0;
}

static inline guint
tag_value (char **p, guint i, char **const *occ)
{
  return (guint)field_num (occ, strcmp (p[i], "vlan") == 0 ? F_VLAN_ID : F_8021AD_ID,
                           count_before (p, i, p[i]));
}

static inline char *
tshark_line_to_expect (char **cols, gboolean drop_ip_before_ipv6)
{
  char **occ[F_N_FIELDS] = { 0 };
  g_auto (GStrv) p = NULL;
  guint i, n, stop, inner = G_MAXUINT, l4 = G_MAXUINT, ttype = 0, vlan = 0, ivlan = 0;
  guint32 tid = 0;
  gboolean outer_fragment = FALSE;
  char *res;

  for (i = 0; i < F_N_FIELDS && cols[i]; i++)
    occ[i] = *cols[i] ? g_strsplit (cols[i], ",", -1) : NULL;
  p = g_strsplit (cols[F_PROTOCOLS], ":", -1);
  n = g_strv_length (p);
  if (drop_ip_before_ipv6) { /* "-d udp.port==N,ip" shows IPv6 as ip:ipv6 */
    guint j = 0;
    for (i = 0; i < n; i++) {
      if (strcmp (p[i], "ip") == 0 && i + 1 < n && strcmp (p[i + 1], "ipv6") == 0 && i > 0
          && strcmp (p[i - 1], "udp") == 0) {
        g_free (p[i]);
        continue;
      }
      p[j++] = p[i];
    }
    p[j] = NULL;
    n = j;
  }
  /* everything after an ICMP header is a quoted packet, not a layer */
  for (stop = 0; stop < n; stop++)
    if (strcmp (p[stop], "icmp") == 0 || strcmp (p[stop], "icmpv6") == 0)
      break;
  /* an outer IPv4 fragment is not decapsulated (no reassembly) */
  for (i = 0; i < n; i++) {
    if (strcmp (p[i], "ip") == 0) {
      outer_fragment = field_num (occ, F_IP_FLAGS_MF, 0) || field_num (occ, F_IP_FRAG_OFFSET, 0);
      break;
    }
    if (strcmp (p[i], "ipv6") == 0) {
      outer_fragment = i + 1 < n && strcmp (p[i + 1], "ipv6.fraghdr") == 0;
      break;
    }
  }
  /* the innermost IP header: the last one no other link layer follows */
  for (i = 0; i < stop; i++) {
    guint j;
    gboolean more_link = FALSE;
    if (!is_ip_entry (p[i]))
      continue;
    for (j = i + 1; j < stop; j++)
      if (strcmp (p[j], "eth") == 0)
        more_link = TRUE;
    if (!more_link || outer_fragment)
      inner = i;
    if (outer_fragment)
      break;
  }
  if (inner != G_MAXUINT) {
    for (i = inner + 1; i < stop; i++)
      if (strcmp (p[i], "eth") == 0)
        inner = G_MAXUINT;
  }
  /* the outermost tunnel that has a packet inside; tshark shows an 802.1ah
   * I-tag inside its ieee8021ad entry, only the I-SID field tells */
  if (field_occ (occ, F_PBB_ISID, 0)) {
    ttype = PKT_TUNNEL_PBB;
    tid = (guint32)field_num (occ, F_PBB_ISID, 0);
  }
  for (i = 0; i < stop && !outer_fragment && ttype == 0; i++) {
    guint t;
    guint32 id;
    gboolean payload = FALSE;
    guint j;
    if (!tshark_tunnel_at (p, i, occ, &t, &id))
      continue;
    for (j = i + 1; j < n; j++)
      if (is_ip_entry (p[j]) || strcmp (p[j], "eth") == 0)
        payload = TRUE;
    if (t == PKT_TUNNEL_IPIP || t == PKT_TUNNEL_GUE)
      payload = TRUE;
    if (!payload)
      continue;
    ttype = t;
    tid = id;
    break;
  }
  /* VLAN ids: the first run of tags (one Ethernet header); 802.1ad S-tags
   * are their own protocol in tshark */
  for (i = 0; i < n; i++) {
    if (is_tag_entry (p[i])) {
      vlan = tag_value (p, i, occ);
      if (i + 2 < n && strcmp (p[i + 1], "ethertype") == 0 && is_tag_entry (p[i + 2]))
        ivlan = tag_value (p, i + 2, occ);
      break;
    }
  }
  if (inner != G_MAXUINT) {
    for (i = inner + 1; i < n && !is_ip_entry (p[i]); i++) {
      if (strcmp (p[i], "tcp") == 0 || strcmp (p[i], "udp") == 0 || strcmp (p[i], "icmp") == 0
          || strcmp (p[i], "icmpv6") == 0 || strcmp (p[i], "sctp") == 0) {
        l4 = i;
        break;
      }
    }
  }
  if (inner == G_MAXUINT) {
    res = decap_test_format (vlan, ivlan, ttype, tid, FALSE, FALSE, 0, NULL, 0, NULL, 0);
  } else {
    gboolean v6 = strcmp (p[inner], "ipv6") == 0;
    guint k = count_before (p, inner, p[inner]);
    const char *src = field_occ (occ, v6 ? F_IP6_SRC : F_IP_SRC, k);
    const char *dst = field_occ (occ, v6 ? F_IP6_DST : F_IP_DST, k);
    guint proto = 0, sp = 0, dp = 0;
    if (l4 != G_MAXUINT) {
      const char *e = p[l4];
      guint m = count_before (p, l4, e);
      guint fs = F_TCP_SPORT;
      proto = 6;
      if (strcmp (e, "udp") == 0) {
        fs = F_UDP_SPORT;
        proto = 17;
      } else if (strcmp (e, "icmp") == 0) {
        fs = F_ICMP_TYPE;
        proto = 1;
      } else if (strcmp (e, "icmpv6") == 0) {
        fs = F_ICMP6_TYPE;
        proto = 58;
      } else if (strcmp (e, "sctp") == 0) {
        fs = F_SCTP_SPORT;
        proto = 132;
      }
      sp = (guint)field_num (occ, fs, m);
      dp = (guint)field_num (occ, fs + 1, m);
    }
    res = decap_test_format (vlan, ivlan, ttype, tid, TRUE, l4 != G_MAXUINT, proto,
                             src ? src : "(none)", sp, dst ? dst : "(none)", dp);
  }
  for (i = 0; i < F_N_FIELDS; i++)
    g_strfreev (occ[i]);
  return res;
}

/* tshark's raw field lines for every packet of @path. */
static inline GPtrArray *
decap_tshark_lines (const char *path, const char *const *decode_as)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *res = g_ptr_array_new_with_free_func (g_free);
  int status = 0;
  guint i;
  const char *const fixed[] = { "tshark", "-n",
                                "-r",     path,
                                "-o",     "ip.defragment:FALSE",
                                "-o",     "ipv6.defragment:FALSE",
                                "-T",     "fields",
                                "-E",     "separator=/t",
                                "-E",     "occurrence=a",
                                "-E",     "aggregator=," };

  for (i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (char *)fixed[i]);
  for (i = 0; decode_as && decode_as[i]; i++) {
    g_ptr_array_add (argv, "-d");
    g_ptr_array_add (argv, (char *)decode_as[i]);
  }
  for (i = 0; i < F_N_FIELDS; i++) {
    g_ptr_array_add (argv, "-e");
    g_ptr_array_add (argv, (char *)tshark_fields[i]);
  }
  g_ptr_array_add (argv, NULL);
  out = pkt_test_spawn ((const char *const *)argv->pdata, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i]; i++)
    if (*lines[i])
      g_ptr_array_add (res, g_strdup (lines[i]));
  return res;
}

/* The expected line for one tshark field line. */
static inline char *
decap_tshark_line_expect (const char *line, gboolean gue_decode_as)
{
  g_auto (GStrv) cols = g_strsplit (line, "\t", -1);
  g_assert_cmpuint (g_strv_length (cols), >=, F_N_FIELDS);
  return tshark_line_to_expect (cols, gue_decode_as);
}
