/* pktpipe tests — Zeek conn.log comparison helpers (see the header).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow-zeek-compare.h"

#include <pcap/pcap.h>
#include <string.h>
#include <arpa/inet.h>

#include <pktpipe/pkt-headers.h>
#include "defrag.h"
#include "flow-engine.h"
#include "flow.h"

void
conn_row_free (ConnRow *row)
{
  g_hash_table_unref (row->f);
  g_free (row);
}

static const char *
row_get (const ConnRow *r, const char *name)
{
  return g_hash_table_lookup (r->f, name);
}

/* ---------------------------------------------------------------- ours */

static gboolean
collect_field (PktRecord *record, const PktFieldDesc *desc, const PktFieldValue *v, gpointer data)
{
  ConnRow *row = data;
  char *s;
  if (!v->is_set) {
    s = g_strdup ("-");
  } else {
    switch (v->type) {
      case PKT_FIELD_STRING:
        s = g_strdup (*v->v.s ? v->v.s : "(empty)");
        break;
      case PKT_FIELD_UINT:
      case PKT_FIELD_PORT:
        s = g_strdup_printf ("%" G_GUINT64_FORMAT, v->v.u);
        break;
      case PKT_FIELD_INT:
        s = g_strdup_printf ("%" G_GINT64_FORMAT, v->v.i);
        break;
      case PKT_FIELD_TIME:
      case PKT_FIELD_INTERVAL:
        s = g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, v->v.i / 1000000000,
                             (v->v.i % 1000000000) / 1000);
        break;
      case PKT_FIELD_ADDR:
        s = pkt_addr_to_string (v->v.addr);
        break;
      case PKT_FIELD_BOOL:
        s = g_strdup (v->v.b ? "T" : "F");
        break;
      default:
        s = g_strdup ("?");
        break;
    }
  }
  g_hash_table_insert (row->f, g_strdup (desc->name), s);
  return TRUE;
}

static void
on_event (FlowEngine *eng, FlowEventType type, const FlowEntry *entry, guint64 id,
          FlowEndReason reason, gpointer user_data)
{
  GPtrArray *rows = user_data;
  PktRecord *rec = pkt_conn_record_new (entry, id, reason, TRUE);
  ConnRow *row = g_new0 (ConnRow, 1);
  row->f = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  pkt_record_foreach_field (rec, collect_field, row);
  pkt_record_unref (rec);
  g_ptr_array_add (rows, row);
}

static PktLinkType
link_of (int dlt)
{
  switch (dlt) {
    case DLT_EN10MB:
      return PKT_LINK_ETHERNET;
    case DLT_RAW:
    case 14:
    case 101:
      return PKT_LINK_RAW_IP;
    case DLT_NULL:
      return PKT_LINK_NULL;
    case DLT_LINUX_SLL:
      return PKT_LINK_LINUX_SLL;
    default:
      return PKT_LINK_UNKNOWN;
  }
}

static gboolean
is_ip_tunnel (guint8 t)
{
  switch (t) {
    case PKT_TUNNEL_VXLAN:
    case PKT_TUNNEL_GENEVE:
    case PKT_TUNNEL_GTPU:
    case PKT_TUNNEL_GRE:
    case PKT_TUNNEL_ERSPAN:
    case PKT_TUNNEL_GUE:
    case PKT_TUNNEL_IPIP:
    case PKT_TUNNEL_TEREDO:
    case PKT_TUNNEL_AYIYA:
      return TRUE;
    default:
      return FALSE;
  }
}

/* Zeek (without -C) ignores TCP/UDP packets whose checksum is wrong. */
static gboolean
checksum_ok (PktPacket *p)
{
  if (!pkt_packet_parse (p) || p->l4_off == PKT_OFFSET_NONE)
    return TRUE;
  if (p->l4_proto != 6 && p->l4_proto != 17)
    return TRUE;
  const guint8 *l3 = p->data + p->l3_off;
  const guint8 *l4 = p->data + p->l4_off;
  guint32 iplen = p->l3_proto == 4 ? ((l3[2] << 8) | l3[3]) : 40 + ((l3[4] << 8) | l3[5]);
  guint32 l4len = iplen - (p->l4_off - p->l3_off);
  if (p->l4_off + l4len > p->caplen)
    return TRUE; /* cannot tell */
  if (p->l4_proto == 17 && l4[6] == 0 && l4[7] == 0 && p->l3_proto == 4)
    return TRUE;
  guint16 sum = p->l3_proto == 4 ? pkt_l4_checksum_ipv4 (l3 + 12, l3 + 16, p->l4_proto, l4, l4len)
                                 : pkt_l4_checksum_ipv6 (l3 + 8, l3 + 24, p->l4_proto, l4, l4len);
  return sum == 0 || sum == 0xffff;
}

GPtrArray *
flow_test_run_trace (const char *path, const TraceOptions *opts, GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline_with_tstamp_precision (path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (!pc) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", path, errbuf);
    return NULL;
  }
  PktLinkType lt = link_of (pcap_datalink (pc));
  FlowConfig cfg;
  flow_config_init (&cfg);
  cfg.max_flows = 4096;
  if (opts && opts->key_vlan)
    cfg.key_with |= FLOW_KEY_WITH_VLAN;
  guint8 ports[8192];
  flow_server_ports_set_default (ports);
  cfg.server_ports = ports;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)conn_row_free);
  FlowEngine *outer = flow_engine_new (&cfg);
  FlowEngine *inner = flow_engine_new (&cfg);
  flow_engine_set_callback (outer, on_event, rows, 1u << FLOW_EVENT_ENDED);
  flow_engine_set_callback (inner, on_event, rows, 1u << FLOW_EVENT_ENDED);
  struct pcap_pkthdr *h;
  const u_char *data;
  int rc;
  PktDefrag *defrag
      = opts && opts->defrag ? pkt_defrag_new (8192, 0, 30 * G_GINT64_CONSTANT (1000000000)) : NULL;
  while ((rc = pcap_next_ex (pc, &h, &data)) == 1) {
    gint64 ts = (gint64)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
    PktPacket p;
    g_autofree guint8 *whole = NULL;
    pkt_packet_init (&p, data, h->caplen, h->len, ts, lt);
    if (defrag) {
      gsize len = 0;
      pkt_packet_parse (&p);
      PktDefragResult r = pkt_defrag_push (defrag, &p, &whole, &len);
      pkt_defrag_expire (defrag, ts);
      if (r == PKT_DEFRAG_HELD)
        continue;
      if (r == PKT_DEFRAG_DONE)
        pkt_packet_init (&p, whole, (guint32)len, (guint32)len, ts, lt);
    }
    if (opts && opts->zeek_checksums && !checksum_ok (&p))
      continue;
    if (opts && opts->decap) {
      PktPacket q = p;
      pkt_decap_all (&q, PKT_DECAP_ALL, NULL, 8);
      if (is_ip_tunnel (q.tunnel_type)) {
        /* Zeek logs the carrier's connection and the inner one */
        flow_engine_process (outer, &p);
        flow_engine_process (inner, &q);
      } else {
        flow_engine_process (outer, &q);
      }
    } else {
      flow_engine_process (outer, &p);
    }
  }
  pcap_close (pc);
  pkt_defrag_free (defrag);
  flow_engine_end_all (outer, FLOW_END_EOS);
  flow_engine_end_all (inner, FLOW_END_EOS);
  flow_engine_free (outer);
  flow_engine_free (inner);
  return rows;
}

/* ---------------------------------------------------------------- Zeek's */

GPtrArray *
flow_test_read_conn_log (const char *path, const char *header, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)conn_row_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_auto (GStrv) fields = header ? g_strsplit (header, " ", -1) : NULL;
  for (guint i = 0; lines[i]; i++) {
    const char *l = lines[i];
    if (g_str_has_prefix (l, "#fields\t")) {
      g_strfreev (fields);
      fields = g_strsplit (l + 8, "\t", -1);
      continue;
    }
    if (!fields && !*l)
      continue;
    if (*l == '#' || !*l)
      continue;
    if (!fields) {
      /* zeek-cut -m output: the first line names the columns */
      fields = g_strsplit (l, "\t", -1);
      continue;
    }
    g_auto (GStrv) vals = g_strsplit (l, "\t", -1);
    ConnRow *row = g_new0 (ConnRow, 1);
    row->f = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (guint j = 0; fields[j] && vals[j]; j++)
      g_hash_table_insert (row->f, g_strdup (fields[j]), g_strdup (vals[j]));
    g_ptr_array_add (rows, row);
  }
  return rows;
}

/* ---------------------------------------------------------------- compare */

static const char *const tuple_fields[]
    = { "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto" };
static const char *const count_fields[]
    = { "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes" };
static const char *const byte_fields[] = { "orig_bytes", "resp_bytes" };
static const char *const state_fields[] = { "conn_state", "history" };

/* The connection's identity without direction, so that a flipped
 * originator still pairs up (and shows as a difference). */
static char *
pair_key (const ConnRow *r)
{
  const char *a = row_get (r, "id.orig_h"), *ap = row_get (r, "id.orig_p");
  const char *b = row_get (r, "id.resp_h"), *bp = row_get (r, "id.resp_p");
  const char *proto = row_get (r, "proto");
  if (!a || !b)
    return NULL;
  g_autofree char *x = g_strdup_printf ("%s|%s", a, ap ? ap : "");
  g_autofree char *y = g_strdup_printf ("%s|%s", b, bp ? bp : "");
  if (strcmp (x, y) > 0) {
    char *t = x;
    x = y;
    y = t;
  }
  return g_strdup_printf ("%s|%s|%s", x, y, proto ? proto : "");
}

static guint
field_diffs (const ConnRow *z, const ConnRow *o, const char *const *names, guint n, GString *out)
{
  guint d = 0;
  for (guint i = 0; i < n; i++) {
    const char *zv = row_get (z, names[i]);
    if (!zv)
      continue; /* a cut log without the column */
    const char *ov = row_get (o, names[i]);
    if (g_strcmp0 (zv, ov) != 0) {
      d++;
      if (out)
        g_string_append_printf (out, " %s=%s(zeek)/%s(ours)", names[i], zv, ov ? ov : "?");
    }
  }
  return d;
}

static guint
row_distance (const ConnRow *z, const ConnRow *o)
{
  return field_diffs (z, o, tuple_fields, 5, NULL) * 100
         + field_diffs (z, o, count_fields, 4, NULL) * 10
         + field_diffs (z, o, state_fields, 2, NULL) + field_diffs (z, o, byte_fields, 2, NULL);
}

static char *
row_label (const ConnRow *r)
{
  return g_strdup_printf ("%s %s:%s > %s:%s", row_get (r, "proto") ? row_get (r, "proto") : "?",
                          row_get (r, "id.orig_h"), row_get (r, "id.orig_p"),
                          row_get (r, "id.resp_h"), row_get (r, "id.resp_p"));
}

void
flow_test_compare (GPtrArray *zeek, GPtrArray *ours, CompareResult *res)
{
  memset (res, 0, sizeof *res);
  res->diffs = g_string_new (NULL);
  res->zeek_conns = zeek->len;
  gboolean has_proto = zeek->len && row_get (zeek->pdata[0], "proto");
  if (!has_proto) {
    /* cut logs without proto: compare addresses and ports only */
    for (guint i = 0; i < zeek->len; i++)
      g_hash_table_insert (((ConnRow *)zeek->pdata[i])->f, g_strdup ("proto"), g_strdup ("?"));
    for (guint i = 0; i < ours->len; i++)
      if (g_strcmp0 (row_get (ours->pdata[i], "proto"), "tcp") == 0)
        g_hash_table_insert (((ConnRow *)ours->pdata[i])->f, g_strdup ("proto"), g_strdup ("?"));
  }
  /* Zeek logs TCP, UDP and ICMP connections only */
  GPtrArray *mine = g_ptr_array_new ();
  for (guint i = 0; i < ours->len; i++) {
    const char *p = row_get (ours->pdata[i], "proto");
    if (g_strcmp0 (p, "tcp") == 0 || g_strcmp0 (p, "udp") == 0 || g_strcmp0 (p, "icmp") == 0
        || g_strcmp0 (p, "?") == 0)
      g_ptr_array_add (mine, ours->pdata[i]);
  }
  res->our_conns = mine->len;
  gboolean *used = g_new0 (gboolean, mine->len);
  for (guint i = 0; i < zeek->len; i++) {
    ConnRow *z = zeek->pdata[i];
    g_autofree char *zk = pair_key (z);
    gint best = -1;
    guint best_d = G_MAXUINT;
    for (guint j = 0; j < mine->len; j++) {
      if (used[j])
        continue;
      ConnRow *o = mine->pdata[j];
      g_autofree char *ok = pair_key (o);
      if (g_strcmp0 (zk, ok) != 0)
        continue;
      guint d = row_distance (z, o);
      if (d < best_d) {
        best_d = d;
        best = (gint)j;
      }
    }
    g_autofree char *label = row_label (z);
    gboolean is_tcp
        = g_strcmp0 (row_get (z, "proto"), "tcp") == 0 || (row_get (z, "history") && !has_proto);
    if (is_tcp)
      res->tcp_conns++;
    if (best < 0) {
      g_string_append_printf (res->diffs, "  missing: %s (zeek: %s %s)\n", label,
                              row_get (z, "conn_state"), row_get (z, "history"));
      continue;
    }
    used[best] = TRUE;
    ConnRow *o = mine->pdata[best];
    GString *d = g_string_new (NULL);
    guint td = field_diffs (z, o, tuple_fields, 5, d);
    guint cd = field_diffs (z, o, count_fields, 4, d);
    guint bd = field_diffs (z, o, byte_fields, 2, d);
    guint sd = field_diffs (z, o, state_fields, 2, d);
    if (td == 0)
      res->tuple_matched++;
    if (td == 0 && cd == 0)
      res->counts_agree++;
    if (td == 0 && bd == 0)
      res->bytes_agree++;
    if (is_tcp && td == 0 && sd == 0)
      res->tcp_state_agree++;
    if (td + cd + bd + sd == 0)
      res->full_agree++;
    else
      g_string_append_printf (res->diffs, "  differs: %s:%s\n", label, d->str);
    g_string_free (d, TRUE);
  }
  for (guint j = 0; j < mine->len; j++) {
    if (used[j])
      continue;
    g_autofree char *label = row_label (mine->pdata[j]);
    g_string_append_printf (
        res->diffs, "  extra: %s (ours: %s %s pkts %s/%s)\n", label,
        row_get (mine->pdata[j], "conn_state"), row_get (mine->pdata[j], "history"),
        row_get (mine->pdata[j], "orig_pkts"), row_get (mine->pdata[j], "resp_pkts"));
  }
  g_free (used);
  g_ptr_array_unref (mine);
}
