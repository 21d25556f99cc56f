/* pktpipe tests — flow tracking accuracy against Zeek's conn.log.
 *
 * Each Zeek test trace in ../shared/testdata goes through the flow engine
 * (the code behind flowtrack) with the options Zeek ran with (TEST.zeek),
 * and every connection is compared with Zeek's: 5-tuple, proto, packets,
 * IP bytes, payload bytes, conn_state, history. A trace must agree exactly
 * except for the differences listed with it here and in docs/flows.md.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "flow-zeek-compare.h"
#ifndef FLOW_STANDALONE
#include "pkt-test-util.h"
#endif

typedef struct {
  const char *name;
  const char *pcap;
  const char *log;
  TraceOptions opts;
  /* deliberate, documented differences: how many Zeek connections may
   * differ in a compared field, and why (docs/flows.md) */
  guint allowed_diffs;
  guint allowed_missing;
  guint allowed_extra;
  const char *why;
  const char *fields; /* column names of a log written by zeek-cut without -m */
} Trace;

#define E "expected/"
static const Trace traces[] = {
  { "q-in-q", "zeek-q-in-q.pcap", E "zeek-q-in-q/zeek/core.q-in-q/conn.log", { 0 } },
  { "q-in-q-vlan-logging",
    "zeek-q-in-q.pcap",
    E "zeek-q-in-q/zeek/scripts.policy.protocols.conn.vlan-logging/conn.log",
    { 0 } },
  { "mixed-vlan-mpls",
    "zeek-mixed-vlan-mpls.pcap",
    E "zeek-mixed-vlan-mpls/zeek/core.vlan-mpls/conn.log",
    { .decap = TRUE } },
  { "vxlan",
    "zeek-tunnels-vxlan.pcap",
    E "zeek-tunnels-vxlan/zeek/core.tunnels.vxlan/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE },
    1,
    0,
    0,
    "ICMP history 'X' is written by a Zeek script for tunnelled ICMP; flowtrack keeps ICMP "
    "history empty" },
  { "geneve-ipv6",
    "zeek-tunnels-geneve-ipv6.pcap",
    E "zeek-tunnels-geneve-ipv6/zeek/core.tunnels.geneve-ipv6/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "geneve-many-options",
    "zeek-tunnels-geneve-many-options.pcap",
    E "zeek-tunnels-geneve-many-options/zeek/core.tunnels.geneve-many-options/conn.log",
    { .decap = TRUE } },
  { "gtp1-outer-fragments",
    "zeek-gtp1-gn-normal-incl-fragmentation.pcap",
    E "zeek-gtp1-gn-normal-incl-fragmentation/zeek/core.tunnels.gtp.outer_ip_frag/conn.log",
    { .decap = TRUE, .defrag = TRUE },
    1,
    0,
    0,
    "responder datagrams whose fragments are not all in the capture: Zeek's reassembler logs the "
    "hole "
    "as a gap (g); flowtrack reports gaps from ACKs only (docs/flows.md, difference 2)" },
  { "gtp7-ipv6",
    "zeek-gtp7-ipv6.pcap",
    E "zeek-gtp7-ipv6/zeek/core.tunnels.gtp.inner_ipv6/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "gtp6-opt-header",
    "zeek-gtp6-gtp-0x32.pcap",
    E "zeek-gtp6-gtp-0x32/zeek/core.tunnels.gtp.opt_header/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "gtp3-false-gtp",
    "zeek-gtp3-false-gtp.pcap",
    E "zeek-gtp3-false-gtp/zeek/core.tunnels.gtp.false_gtp/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "gre-sample",
    "zeek-gre-sample.pcap",
    E "zeek-gre-sample/zeek/core.tunnels.gre/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "gre-over-udp",
    "zeek-gre-over-udp-4754.pcap",
    E "zeek-gre-over-udp-4754/zeek/core.tunnels.gre-over-udp/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "erspanI",
    "zeek-erspanI.pcap",
    E "zeek-erspanI/zeek/core.erspanI/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "erspanII",
    "zeek-erspanII.pcap",
    E "zeek-erspanII/zeek/core.erspanII/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "erspanIII",
    "zeek-erspanIII.pcap",
    E "zeek-erspanIII/zeek/core.erspanIII/conn.log",
    { .decap = TRUE, .zeek_checksums = TRUE } },
  { "missing-syn",
    "zeek-tcp-missing-syn.pcap",
    E "zeek-tcp-missing-syn/zeek/core.tcp.missing-syn/conn.log",
    { 0 } },
  { "history-flip",
    "zeek-tcp-missing-syn.pcap",
    E "zeek-tcp-missing-syn/zeek/core.history-flip/conn.log",
    { 0 } },
  { "flip-without-syn",
    "zeek-tcp-http-on-irc-port-missing-syn.pcapng",
    E "zeek-tcp-http-on-irc-port-missing-syn/zeek/core.tcp.flip-without-syn/conn.log",
    { .zeek_checksums = TRUE } },
  { "one-sided",
    "zeek-tcp-one-sided-2745.pcap",
    E "zeek-tcp-one-sided-2745/zeek/core.conn-size-flip/conn.log.one-sided",
    { 0 } },
  { "pop3",
    "zeek-pop3.pcap",
    E "zeek-pop3/zeek/scripts.base.protocols.pop3.basic/conn.log",
    { .zeek_checksums = TRUE } },
  { "wikipedia",
    "zeek-wikipedia.pcap",
    E "zeek-wikipedia/zeek/opt.basic/conn.log",
    { .zeek_checksums = TRUE } },
  { "wikipedia-rxmit",
    "zeek-wikipedia.pcap",
    E "zeek-wikipedia/zeek/core.tcp.rxmit-history/conn-2.log",
    { 0 } },
  { "ssh",
    "zeek-ssh.pcap",
    E "zeek-ssh/zeek/scripts.base.protocols.ssh.basic/conn.log",
    { .zeek_checksums = TRUE } },
  { "handshake-reorder",
    "zeek-tcp-handshake-reorder.pcap",
    E "zeek-tcp-handshake-reorder/zeek/scripts.policy.protocols.conn.community-id-logging-flipped/"
      "conn.log.cut",
    { 0 },
    0,
    0,
    0,
    NULL,
    "id.orig_h id.orig_p id.resp_h id.resp_p proto service community_id" },
  { "pcapng-multi-interface",
    "zeek-pcapng-multi-interface.pcapng",
    E "zeek-pcapng-multi-interface/zeek/core.pcapng-pktsrc/conn.log",
    { 0 } },
  { "retransmit-fast009",
    "zeek-tcp-retransmit-fast009.pcap",
    E "zeek-tcp-retransmit-fast009/zeek/core.tcp.rxmit-history/conn-1.log",
    { 0 },
    1,
    0,
    0,
    "Zeek's reassembler reports every byte of this connection as missed (missed_bytes = "
    "orig_bytes + resp_bytes) and logs G/g; all data is in the capture and flowtrack sees no gap" },
  { "retransmit-timeout",
    "zeek-tcp-retransmit-timeout.pcapng",
    E "zeek-tcp-retransmit-timeout/zeek/core.expire-all-timers/conn-all.log",
    { 0 } },
};

static CompareResult totals;

static char *
data_path (const char *rel)
{
#ifdef FLOW_STANDALONE
  const char *root = g_getenv ("PKT_TESTDATA");
  return g_build_filename (root ? root : "../shared/testdata", rel, NULL);
#else
  return pkt_test_testdata_path (rel);
#endif
}

static void
test_trace (gconstpointer data)
{
  const Trace *t = data;
  g_autofree char *rel = g_strconcat ("pcaps/", t->pcap, NULL);
  g_autofree char *pcap = data_path (rel);
  g_autofree char *log = data_path (t->log);
  if (!pcap || !log)
    return;
  if (!g_file_test (pcap, G_FILE_TEST_EXISTS) || !g_file_test (log, G_FILE_TEST_EXISTS)) {
    g_test_skip ("reference data not found");
    return;
  }
  GError *err = NULL;
  g_autoptr (GPtrArray) zeek = flow_test_read_conn_log (log, t->fields, &err);
  g_assert_no_error (err);
  g_autoptr (GPtrArray) ours = flow_test_run_trace (pcap, &t->opts, &err);
  g_assert_no_error (err);
  CompareResult r;
  flow_test_compare (zeek, ours, &r);
  guint missing = r.zeek_conns - r.tuple_matched;
  guint extra = r.our_conns > r.tuple_matched ? r.our_conns - r.tuple_matched : 0;
  guint differ = r.tuple_matched - r.full_agree;
  g_test_message ("%s: zeek %u ours %u | tuple %u counts %u bytes %u | tcp %u state+history %u "
                  "| exact %u\n%s",
                  t->name, r.zeek_conns, r.our_conns, r.tuple_matched, r.counts_agree,
                  r.bytes_agree, r.tcp_conns, r.tcp_state_agree, r.full_agree, r.diffs->str);
  if (g_getenv ("FLOW_ZEEK_VERBOSE"))
    g_printerr ("%-24s zeek %3u ours %3u tuple %3u counts %3u bytes %3u tcp %3u/%3u exact %3u\n%s",
                t->name, r.zeek_conns, r.our_conns, r.tuple_matched, r.counts_agree, r.bytes_agree,
                r.tcp_state_agree, r.tcp_conns, r.full_agree, r.diffs->str);
  totals.zeek_conns += r.zeek_conns;
  totals.our_conns += r.our_conns;
  totals.tuple_matched += r.tuple_matched;
  totals.counts_agree += r.counts_agree;
  totals.bytes_agree += r.bytes_agree;
  totals.tcp_conns += r.tcp_conns;
  totals.tcp_state_agree += r.tcp_state_agree;
  totals.full_agree += r.full_agree;
  gboolean ok
      = missing <= t->allowed_missing && extra <= t->allowed_extra && differ <= t->allowed_diffs;
  if (!ok)
    g_test_fail_printf ("%s disagrees with Zeek beyond its documented differences "
                        "(missing %u, extra %u, differing %u):\n%s",
                        t->name, missing, extra, differ, r.diffs->str);
  g_string_free (r.diffs, TRUE);
}

static void
test_summary (void)
{
  if (totals.zeek_conns == 0) {
    g_test_skip ("no traces ran");
    return;
  }
  double tcp = totals.tcp_conns ? 100.0 * totals.tcp_state_agree / totals.tcp_conns : 100.0;
  double tup = 100.0 * totals.tuple_matched / totals.zeek_conns;
  double cnt = 100.0 * totals.counts_agree / totals.zeek_conns;
  g_printerr ("\nZeek agreement over %zu traces: %u connections; 5-tuple %.1f%%, packet and IP "
              "byte counts %.1f%%, payload bytes %.1f%%, TCP conn_state+history %u/%u = %.1f%%, "
              "all fields %.1f%%\n",
              G_N_ELEMENTS (traces), totals.zeek_conns, tup, cnt,
              100.0 * totals.bytes_agree / totals.zeek_conns, totals.tcp_state_agree,
              totals.tcp_conns, tcp, 100.0 * totals.full_agree / totals.zeek_conns);
  g_assert_cmpfloat (tcp, >=, 95.0);
}

int
main (int argc, char **argv)
{
#ifdef FLOW_STANDALONE
  g_test_init (&argc, &argv, NULL);
#else
  pkt_test_init (&argc, &argv);
#endif
  for (guint i = 0; i < G_N_ELEMENTS (traces); i++) {
    g_autofree char *path = g_strdup_printf ("/flow/zeek/%s", traces[i].name);
    g_test_add_data_func (path, &traces[i], test_trace);
  }
  g_test_add_func ("/flow/zeek/~summary", test_summary);
  return g_test_run ();
}
