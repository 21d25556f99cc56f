/* pktpipe decap tests — real captures: after decapsulation the inner 5-tuple,
 * the VLAN ids and the outermost tunnel id equal what tshark decodes from
 * the same file, packet for packet.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib/gstdio.h>

#include "pkt-test-util.h"
#include "decap-test-common.h"
#include "decap-tshark.h"
#include "decap-pipeline.h"

typedef struct {
  const char *file;
  const char *decode_as; /* tshark -d, or NULL */
  guint min_tunnelled;   /* at least this many packets must have had a tunnel peeled */
} Capture;

static const Capture captures[] = {
  { "pcaps/zeek-q-in-q.pcap", NULL, 0 },
  { "pcaps/zeek-http-vlan-0.pcap", NULL, 0 },
  { "pcaps/zeek-mixed-vlan-mpls.pcap", NULL, 1 },
  { "pcaps/zeek-tunnels-vxlan.pcap", NULL, 1 },
  { "pcaps/zeek-tunnels-vxlan-triple-v2.pcap", NULL, 1 },
  { "pcaps/zeek-tunnels-geneve-ipv6.pcap", NULL, 1 },
  { "pcaps/zeek-tunnels-geneve-many-options.pcap", NULL, 1 },
  { "pcaps/zeek-gtp1-gn-normal-incl-fragmentation.pcap", NULL, 1 },
  { "pcaps/zeek-gtp7-ipv6.pcap", NULL, 1 },
  { "pcaps/zeek-gtp6-gtp-0x32.pcap", NULL, 1 },
  { "pcaps/zeek-gtp3-false-gtp.pcap", NULL, 0 },
  { "pcaps/zeek-gre-sample.pcap", NULL, 1 },
  { "pcaps/zeek-gre-over-udp-4754.pcap", NULL, 1 },
  { "pcaps/zeek-erspanI.pcap", NULL, 1 },
  { "pcaps/zeek-erspanII.pcap", NULL, 1 },
  { "pcaps/zeek-erspanIII.pcap", NULL, 1 },
  { "pcaps/sv-geneve-decoder.pcap", NULL, 1 },
  { "pcaps/sv-decode-erspan-typeII-01.pcap", NULL, 1 },
  { "pcaps/tcpdump-vxlan.pcap", NULL, 1 },
  { "pcaps/tcpdump-802.1ad-QinQ.pcap", NULL, 0 },
  { "pcaps/tcpdump-mpls-over-udp.pcap", "udp.port==6635,mpls", 1 },
  { "pcaps/tcpdump-pptp.pcap", NULL, 0 },
  { "pcaps/ndpi-vxlan.pcap", NULL, 1 },
  /* tshark has no GUE dissector: variant 1 is IP straight after UDP */
  { "pcaps/katran-xdpdecap-gue.pcap", "udp.port==9886,ip", 1 },
};

/* tshark takes seconds to start: decode every capture in one run, from one
 * merged file (all are Ethernet), and split its output by packet counts. */
static GPtrArray *expected[G_N_ELEMENTS (captures)];

static GPtrArray *
expect_for (const Capture *cap)
{
  guint idx = (guint)(cap - captures), i, j, k = 0;
  g_autoptr (GPtrArray) all_frames = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *dir = NULL, *merged = NULL;
  guint counts[G_N_ELEMENTS (captures)];

  if (expected[idx])
    return expected[idx];
  all_frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (i = 0; i < G_N_ELEMENTS (captures); i++) {
    g_autofree char *path = g_build_filename (g_getenv ("PKT_TESTDATA"), captures[i].file, NULL);
    g_autoptr (DecapCapture) c = decap_capture_load (path);
    g_assert_cmpint (c->dlt, ==, DLT_EN10MB);
    counts[i] = c->frames->len;
    for (j = 0; j < c->frames->len; j++)
      g_ptr_array_add (all_frames, g_bytes_ref (c->frames->pdata[j]));
  }
  dir = g_dir_make_tmp ("pkt-decap-XXXXXX", NULL);
  merged = g_build_filename (dir, "all.pcap", NULL);
  decap_test_write_pcap (merged, DLT_EN10MB, all_frames);
  lines = decap_tshark_lines (
      merged, (const char *const[]){ "udp.port==6635,mpls", "udp.port==9886,ip", NULL });
  g_unlink (merged);
  g_rmdir (dir);
  g_assert_cmpuint (lines->len, ==, all_frames->len);
  for (i = 0; i < G_N_ELEMENTS (captures); i++) {
    gboolean gue = captures[i].decode_as && g_str_has_suffix (captures[i].decode_as, ",ip");
    expected[i] = g_ptr_array_new_with_free_func (g_free);
    for (j = 0; j < counts[i]; j++, k++)
      g_ptr_array_add (expected[i], decap_tshark_line_expect (lines->pdata[k], gue));
  }
  return expected[idx];
}

static guint
compare_lines (const char *file, const char *who, GPtrArray *ours, GPtrArray *theirs)
{
  guint i, mismatches = 0;
  for (i = 0; i < ours->len; i++) {
    if (g_strcmp0 (ours->pdata[i], theirs->pdata[i]) != 0) {
      g_test_message ("%s packet %u: %-6s %s", file, i + 1, who, (char *)ours->pdata[i]);
      g_test_message ("%s packet %u: tshark %s", file, i + 1, (char *)theirs->pdata[i]);
      mismatches++;
    }
  }
  return mismatches;
}

static void
test_capture (gconstpointer data)
{
  const Capture *cap = data;
  g_autofree char *path = pkt_test_testdata_path (cap->file);
  g_autoptr (DecapCapture) c = NULL;
  g_autoptr (GPtrArray) ours = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) theirs = NULL;
  guint i, tunnelled = 0, mismatches = 0;

  if (!path || !pkt_test_require_program ("tshark"))
    return;
  c = decap_capture_load (path);
  g_assert_cmpuint (c->frames->len, >, 0);
  for (i = 0; i < c->frames->len; i++) {
    gsize n;
    const guint8 *b = g_bytes_get_data (c->frames->pdata[i], &n);
    PktPacket p;
    DecapTestResult r;
    pkt_packet_init (&p, b, (guint32)n, g_array_index (c->wirelen, guint32, i), 0, c->linktype);
    decap_test_run (&p, PKT_DECAP_ALL, &r);
    if (r.tunnel_type != PKT_TUNNEL_NONE)
      tunnelled++;
    g_ptr_array_add (ours, decap_test_result_string (&r));
  }
  theirs = g_ptr_array_ref (expect_for (cap));
  g_assert_cmpuint (theirs->len, ==, ours->len);
  mismatches += compare_lines (cap->file, "core", ours, theirs);

  /* the same through the real element */
  {
    g_autoptr (PktElement) pipeline = NULL;
    g_autoptr (GPtrArray) out
        = decap_test_pipeline_run ("decap name=d", c->linktype, c->frames, &pipeline);
    g_autoptr (GPtrArray) elem = g_ptr_array_new_with_free_func (g_free);
    g_assert_cmpuint (out->len, ==, c->frames->len);
    for (i = 0; i < out->len; i++) {
      DecapOut *o = out->pdata[i];
      DecapTestResult r;
      decap_test_fill_result (&o->p, &r);
      g_ptr_array_add (elem, decap_test_result_string (&r));
    }
    mismatches += compare_lines (cap->file, "decap", elem, theirs);
    g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "decapsulated")
                          + pkt_test_get_uint (pipeline, "d", "passed"),
                      ==, c->frames->len);
    g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "malformed"), ==, 0);
  }
  g_test_message ("%s: %u packets, %u tunnelled, %u mismatches", cap->file, ours->len, tunnelled,
                  mismatches);
  g_assert_cmpuint (mismatches, ==, 0);
  g_assert_cmpuint (tunnelled, >=, cap->min_tunnelled);
}

int
main (int argc, char **argv)
{
  guint i;
  pkt_test_init (&argc, &argv);
  g_test_set_nonfatal_assertions ();
  for (i = 0; i < G_N_ELEMENTS (captures); i++) {
    g_autofree char *name = g_strdup_printf ("/decap/tshark/%s", captures[i].file + 6);
    g_test_add_data_func (name, &captures[i], test_capture);
  }
  {
    int ret = g_test_run ();
    for (i = 0; i < G_N_ELEMENTS (captures); i++)
      if (expected[i])
        g_ptr_array_unref (expected[i]);
    return ret;
  }
}
