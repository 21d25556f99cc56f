/* pktpipe decap tests — each decap element on real captures and built
 * frames: it peels exactly one layer of its kind (the same step as the core
 * decap function that the tshark comparison validates), counts, filters by
 * id, drops on request, and `decap` honours protocols= and max-depth.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "pkt-test-util.h"
#include "decap-test-common.h"
#include "decap-frames.h"
#include "decap-pipeline.h"

typedef struct {
  const char *element;
  guint protocols;
  const char *file; /* a capture, or a seed name prefixed with "seed:" */
  guint min_decap;
} ElemCase;

static const ElemCase elem_cases[] = {
  { "vlandecap", PKT_DECAP_VLAN, "pcaps/zeek-q-in-q.pcap", 4 },          /* + 1 ARP: tags stay */
  { "vlandecap", PKT_DECAP_VLAN, "pcaps/tcpdump-802.1ad-QinQ.pcap", 0 }, /* ARP: tags stay */
  { "mplsdecap", PKT_DECAP_MPLS, "pcaps/zeek-mixed-vlan-mpls.pcap", 11 },
  { "mplsdecap", PKT_DECAP_MPLS, "pcaps/tcpdump-mpls-over-udp.pcap", 2 },
  { "vxlandecap", PKT_DECAP_VXLAN, "pcaps/zeek-tunnels-vxlan.pcap", 10 },
  { "vxlandecap", PKT_DECAP_VXLAN, "pcaps/ndpi-vxlan.pcap", 127 },
  { "genevedecap", PKT_DECAP_GENEVE, "pcaps/zeek-tunnels-geneve-many-options.pcap", 10 },
  { "genevedecap", PKT_DECAP_GENEVE, "pcaps/zeek-tunnels-geneve-ipv6.pcap", 2 },
  { "gtpudecap", PKT_DECAP_GTPU, "pcaps/zeek-gtp6-gtp-0x32.pcap", 31 },
  { "gtpudecap", PKT_DECAP_GTPU, "pcaps/zeek-gtp3-false-gtp.pcap", 0 },
  { "gredecap", PKT_DECAP_GRE, "pcaps/zeek-gre-sample.pcap", 40 },
  { "gredecap", PKT_DECAP_GRE, "pcaps/zeek-erspanIII.pcap", 2 },
  { "gredecap", PKT_DECAP_GRE, "pcaps/zeek-gre-over-udp-4754.pcap", 14 },
  { "guedecap", PKT_DECAP_GUE, "pcaps/katran-xdpdecap-gue.pcap", 10 },
  { "ipipdecap", PKT_DECAP_IPIP, "seed:4in6", 1 },
  { "ipipdecap", PKT_DECAP_IPIP, "seed:6in4", 1 },
  { "pppoedecap", PKT_DECAP_PPPOE, "seed:pppoe", 1 },
};

static GArray *seeds;

/* Frames of a capture or of one built seed; NULL after a skip. */
static GPtrArray *
case_frames (const char *file, guint8 *linktype)
{
  *linktype = PKT_LINK_ETHERNET;
  if (g_str_has_prefix (file, "seed:")) {
    GPtrArray *f = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
    for (guint i = 0; i < seeds->len; i++)
      if (strcmp (g_array_index (seeds, Seed, i).name, file + 5) == 0)
        g_ptr_array_add (f, g_bytes_ref (g_array_index (seeds, Seed, i).bytes));
    g_assert_cmpuint (f->len, ==, 1);
    return f;
  } else {
    g_autofree char *path = pkt_test_testdata_path (file);
    DecapCapture *c;
    GPtrArray *f;
    if (!path)
      return NULL;
    c = decap_capture_load (path);
    *linktype = c->linktype;
    f = g_ptr_array_ref (c->frames);
    decap_capture_free (c);
    return f;
  }
}

static void
test_element (gconstpointer data)
{
  const ElemCase *ec = data;
  g_autofree char *desc = g_strdup_printf ("%s name=d", ec->element);
  g_autoptr (PktElement) pipeline = NULL;
  g_autoptr (GPtrArray) frames = NULL, out = NULL;
  guint8 linktype;
  guint i, decapsulated = 0, passed = 0;

  frames = case_frames (ec->file, &linktype);
  if (!frames)
    return;
  out = decap_test_pipeline_run (desc, linktype, frames, &pipeline);
  g_assert_cmpuint (out->len, ==, frames->len);
  for (i = 0; i < frames->len; i++) {
    DecapOut *o = out->pdata[i];
    gsize n;
    const guint8 *b = g_bytes_get_data (frames->pdata[i], &n);
    PktPacket p;
    PktDecapResult r;
    pkt_packet_init (&p, b, (guint32)n, (guint32)n, 0, linktype);
    r = pkt_decap_one (&p, ec->protocols, NULL, NULL);
    g_assert_cmpint (r, !=, PKT_DECAP_RESULT_MALFORMED);
    if (r == PKT_DECAP_RESULT_DONE) {
      decapsulated++;
      /* the element moved the front to the same place, copying nothing */
      g_assert_cmpuint (o->p.caplen, ==, p.caplen);
      g_assert_cmpmem (o->p.data, o->p.caplen, p.data, p.caplen);
      g_assert_cmpuint (o->p.linktype, ==, p.linktype);
      g_assert_cmpuint (o->p.tunnel_type, ==, p.tunnel_type);
      g_assert_cmpuint (o->p.tunnel_id, ==, p.tunnel_id);
      g_assert_cmpuint (o->p.vlan_tci, ==, p.vlan_tci);
      g_assert_cmpuint (o->p.inner_vlan_tci, ==, p.inner_vlan_tci);
      g_assert_true (o->p.linktype == PKT_LINK_ETHERNET || o->p.linktype == PKT_LINK_RAW_IPV4
                     || o->p.linktype == PKT_LINK_RAW_IPV6);
      g_assert_false (o->p.flags & PKT_PACKET_FLAG_PARSED);
    } else {
      passed++;
      g_assert_true (g_bytes_equal (o->bytes, frames->pdata[i]));
      g_assert_cmpuint (o->p.linktype, ==, linktype);
      g_assert_cmpuint (o->p.tunnel_type, ==, PKT_TUNNEL_NONE);
    }
  }
  g_assert_cmpuint (decapsulated, >=, ec->min_decap);
  g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "decapsulated"), ==, decapsulated);
  g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "passed"), ==, passed);
  g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "malformed"), ==, 0);

  /* drop-unmatched keeps only what was decapsulated, and counts the rest */
  {
    g_autoptr (PktElement) p2 = NULL;
    g_autofree char *d2 = g_strdup_printf ("%s name=d drop-unmatched=true", ec->element);
    g_autoptr (GPtrArray) out2 = decap_test_pipeline_run (d2, linktype, frames, &p2);
    g_assert_cmpuint (out2->len, ==, decapsulated);
    g_assert_cmpuint (pkt_test_get_uint (p2, "d", "dropped"), ==, passed);
    g_assert_cmpuint (pkt_test_get_uint (p2, "d", "passed"), ==, 0);
  }
}

static guint64
run_count (const char *desc, const char *file, const char *counter)
{
  guint8 linktype;
  g_autoptr (GPtrArray) frames = case_frames (file, &linktype);
  g_autoptr (PktElement) pipeline = NULL;
  g_autoptr (GPtrArray) out = NULL;
  if (!frames)
    return G_MAXUINT64;
  out = decap_test_pipeline_run (desc, linktype, frames, &pipeline);
  return pkt_test_get_uint (pipeline, "d", counter);
}

/* An id filter peels only its own tunnel; the others pass unchanged. */
static void
test_id_filters (void)
{
  const char *vx = "pcaps/zeek-tunnels-vxlan.pcap"; /* VNI 123 */
  const char *gtp = "pcaps/zeek-gtp6-gtp-0x32.pcap";
  if (run_count ("vxlandecap name=d vni=123", vx, "decapsulated") == G_MAXUINT64)
    return;
  g_assert_cmpuint (run_count ("vxlandecap name=d vni=123", vx, "decapsulated"), ==, 10);
  g_assert_cmpuint (run_count ("vxlandecap name=d vni=124", vx, "decapsulated"), ==, 0);
  g_assert_cmpuint (run_count ("vxlandecap name=d vni=124", vx, "passed"), ==, 10);
  g_assert_cmpuint (run_count ("vxlandecap name=d vni=124 drop-unmatched=true", vx, "dropped"), ==,
                    10);
  g_assert_cmpuint (run_count ("genevedecap name=d vni=1", "seed:geneve-options", "passed"), ==, 1);
  g_assert_cmpuint (run_count ("genevedecap name=d vni=77", "seed:geneve-options", "decapsulated"),
                    ==, 1);
  g_assert_cmpuint (run_count ("gredecap name=d key=4660", "seed:gre-key-seq", "decapsulated"), ==,
                    1);
  g_assert_cmpuint (run_count ("gredecap name=d key=4661", "seed:gre-key-seq", "passed"), ==, 1);
  g_assert_cmpuint (run_count ("gtpudecap name=d teid=1", gtp, "decapsulated"), ==, 0);
  g_assert_cmpuint (run_count ("gtpudecap name=d teid=3735928559", "seed:gtpu-ext", "decapsulated"),
                    ==, 1);
}

/* max-depth bounds nesting: the triple VXLAN capture keeps its inner layers
 * at depth 1; the outermost VNI is recorded either way. */
static void
test_max_depth (void)
{
  guint8 linktype;
  g_autoptr (GPtrArray) frames = case_frames ("pcaps/zeek-tunnels-vxlan-triple-v2.pcap", &linktype);
  g_autoptr (GPtrArray) one = NULL, all = NULL;
  gsize n;
  if (!frames)
    return;
  g_bytes_get_data (frames->pdata[0], &n);
  one = decap_test_pipeline_run ("decap max-depth=1", linktype, frames, NULL);
  all = decap_test_pipeline_run ("decap", linktype, frames, NULL);
  g_assert_cmpuint (((DecapOut *)one->pdata[0])->p.caplen, ==, n - 50);
  g_assert_cmpuint (((DecapOut *)all->pdata[0])->p.caplen, ==, n - 3 * 50);
  g_assert_cmpuint (((DecapOut *)one->pdata[0])->p.tunnel_id, ==,
                    ((DecapOut *)all->pdata[0])->p.tunnel_id);
  g_assert_cmpuint (((DecapOut *)one->pdata[0])->p.linktype, ==, PKT_LINK_ETHERNET);
}

/* protocols= chooses the layers: without vxlan a VXLAN capture passes whole. */
static void
test_protocols_property (void)
{
  const char *vx = "pcaps/zeek-tunnels-vxlan.pcap";
  if (run_count ("decap name=d protocols=vlan+gre", vx, "passed") == G_MAXUINT64)
    return;
  g_assert_cmpuint (run_count ("decap name=d protocols=vlan+gre", vx, "passed"), ==, 10);
  g_assert_cmpuint (run_count ("decap name=d protocols=vxlan", vx, "decapsulated"), ==, 10);
  g_assert_cmpuint (
      run_count ("decap name=d protocols=mpls mpls-ethernet=true mpls-control-word=true",
                 "seed:mpls-pw-cw", "decapsulated"),
      ==, 1);
  g_assert_cmpuint (run_count ("mplsdecap name=d", "seed:mpls-pw-cw", "passed"), ==, 1);
}

int
main (int argc, char **argv)
{
  int ret;
  pkt_test_init (&argc, &argv);
  seeds = seeds_build ();
  for (guint i = 0; i < G_N_ELEMENTS (elem_cases); i++) {
    const char *f = strrchr (elem_cases[i].file, '/');
    g_autofree char *name = g_strdup_printf ("/decap/elements/%s/%s", elem_cases[i].element,
                                             f ? f + 1 : elem_cases[i].file + 5);
    g_test_add_data_func (name, &elem_cases[i], test_element);
  }
  g_test_add_func ("/decap/elements/id-filters", test_id_filters);
  g_test_add_func ("/decap/elements/max-depth", test_max_depth);
  g_test_add_func ("/decap/elements/protocols", test_protocols_property);
  ret = g_test_run ();
  seeds_free (seeds);
  return ret;
}
