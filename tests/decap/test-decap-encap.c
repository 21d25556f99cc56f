/* pktpipe decap tests — encapsulation elements: encap -> decap gives back
 * the identical inner frame for every encap element and both outer
 * families; tshark decodes what we built without error and with good IPv4
 * header and UDP checksums; settings errors name the property.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib/gstdio.h>

#include "pkt-test-util.h"
#include "decap-test-common.h"
#include "decap-frames.h"
#include "decap-pipeline.h"

typedef struct {
  const char *encap;  /* element and its own settings */
  const char *decap;  /* the matching decap element */
  guint8 tunnel_type; /* recorded by decap */
  guint32 tunnel_id;
  gboolean ip_only;     /* the tunnel carries IP: the inner frame loses its Ethernet header */
  const char *id_field; /* tshark field holding the id, or NULL */
  const char *decode_as;
} Case;

static const Case cases[] = {
  { "vxlanencap vni=4242", "vxlandecap", PKT_TUNNEL_VXLAN, 4242, FALSE, "vxlan.vni", NULL },
  { "geneveencap vni=77 options=0102800200000001deadbeef", "genevedecap", PKT_TUNNEL_GENEVE, 77,
    FALSE, "geneve.vni", NULL },
  { "gueencap variant=0", "guedecap", PKT_TUNNEL_GUE, 0, TRUE, NULL, NULL },
  { "gueencap variant=1", "guedecap", PKT_TUNNEL_GUE, 0, TRUE, NULL, "udp.port==6080,ip" },
};

static const char *const families[] = {
  "src=192.0.2.1 dst=192.0.2.2",
  "src=2001:db8::1 dst=2001:db8::2",
};

/* Inner frames: IPv4/TCP, IPv6/UDP, tagged IPv4/ICMP, and a runt that no
 * element can encapsulate (passed unchanged while the others are rewritten
 * in the same batch: the old lease must outlive the list). */
static GPtrArray *
inner_frames (void)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint i = 0; i < 12; i++) {
    Frame f = { .b = g_byte_array_new () };
    switch (i % 3) {
      case 0:
        fr_eth (&f, ETH_IPV4);
        fr_ipv4 (&f, 6, 5);
        fr_tcp (&f, 1000 + i, 80);
        fr_payload (&f, 20 + i);
        break;
      case 1:
        fr_eth (&f, ETH_IPV6);
        fr_ipv6 (&f, 17);
        fr_udp (&f, 2000 + i, 9999);
        fr_payload (&f, 7 * i);
        break;
      default:
        fr_eth (&f, 0x8100);
        fr_tag (&f, 33, ETH_IPV4);
        fr_ipv4 (&f, 1, 5);
        fr_icmp (&f, 8, 0);
        fr_payload (&f, 3);
        break;
    }
    g_ptr_array_add (frames, fr_finish (&f));
    g_byte_array_unref (f.b);
  }
  g_ptr_array_add (frames, g_bytes_new ("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 10));
  return frames;
}

/* The part of an inner frame that a tunnel carrying IP keeps. */
static GBytes *
ip_part (GBytes *frame)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (frame, &n);
  PktPacket p;
  pkt_packet_init (&p, d, (guint32)n, (guint32)n, 0, PKT_LINK_ETHERNET);
  if (!pkt_packet_parse (&p))
    return NULL;
  return g_bytes_new (d + p.l3_off, n - p.l3_off);
}

static void
test_round_trip (void)
{
  g_autoptr (GPtrArray) frames = inner_frames ();
  guint c, fam, i;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    for (fam = 0; fam < G_N_ELEMENTS (families); fam++) {
      g_autofree char *desc = g_strdup_printf ("%s name=e %s ! %s name=d", cases[c].encap,
                                               families[fam], cases[c].decap);
      g_autoptr (PktElement) pipeline = NULL;
      g_autoptr (GPtrArray) out = NULL;
      guint runts = 0;
      g_test_message ("%s", desc);
      out = decap_test_pipeline_run (desc, PKT_LINK_ETHERNET, frames, &pipeline);
      g_assert_cmpuint (out->len, ==, frames->len);
      for (i = 0; i < frames->len; i++) {
        DecapOut *o = out->pdata[i];
        g_autoptr (GBytes) want = cases[c].ip_only ? ip_part (frames->pdata[i]) : NULL;
        if (!want && g_bytes_get_size (frames->pdata[i]) == 10) {
          /* the runt passed through both elements untouched */
          g_assert_true (g_bytes_equal (o->bytes, frames->pdata[i]));
          runts++;
          continue;
        }
        g_assert_true (g_bytes_equal (o->bytes, want ? want : frames->pdata[i]));
        g_assert_cmpuint (o->p.tunnel_type, ==, cases[c].tunnel_type);
        g_assert_cmpuint (o->p.tunnel_id, ==, cases[c].tunnel_id);
        g_assert_cmpuint (o->p.linktype, ==,
                          cases[c].ip_only
                              ? (((const guint8 *)g_bytes_get_data (o->bytes, NULL))[0] >> 4 == 4
                                     ? PKT_LINK_RAW_IPV4
                                     : PKT_LINK_RAW_IPV6)
                              : PKT_LINK_ETHERNET);
      }
      g_assert_cmpuint (runts, ==, 1);
      g_assert_cmpuint (pkt_test_get_uint (pipeline, "e", "encapsulated"), ==, frames->len - 1);
      g_assert_cmpuint (pkt_test_get_uint (pipeline, "e", "passed"), ==, 1);
      g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "decapsulated"), ==, frames->len - 1);
      /* a 10-byte "Ethernet" frame is a truncated link header for decap */
      g_assert_cmpuint (pkt_test_get_uint (pipeline, "d", "malformed"), ==, 1);
    }
  }
}

/* What we build, tshark decodes: good outer IPv4 header checksum, good UDP
 * checksums, nothing malformed, no error-level expert info, the right id;
 * and the outer UDP source port follows the inner flow. */
static void
test_tshark_verifies (void)
{
  g_autoptr (GPtrArray) frames = inner_frames ();
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (GArray) which = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *dir = NULL, *path = NULL, *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  guint c, fam, i, k = 0, sports[64];
  int status;

  if (!pkt_test_require_program ("tshark"))
    return;
  g_ptr_array_remove_index (frames, frames->len - 1); /* no runt: it is not ours */
  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    for (fam = 0; fam < G_N_ELEMENTS (families); fam++) {
      g_autofree char *desc = g_strdup_printf ("%s %s", cases[c].encap, families[fam]);
      g_autoptr (GPtrArray) enc = decap_test_pipeline_run (desc, PKT_LINK_ETHERNET, frames, NULL);
      g_assert_cmpuint (enc->len, ==, frames->len);
      for (i = 0; i < enc->len; i++) {
        DecapOut *o = enc->pdata[i];
        const guint8 *d = g_bytes_get_data (o->bytes, NULL);
        guint udp = fam == 0 ? 34 : 54, sport = (guint)(d[udp] << 8 | d[udp + 1]);
        guint code = c * 2 + fam;
        g_assert_cmpuint (sport, >=, 49152);
        g_ptr_array_add (all, g_bytes_ref (o->bytes));
        g_array_append_val (which, code);
        /* the port depends on the inner flow only: the same under both
         * outer families, and different flows spread over the range */
        if (fam == 0)
          sports[i] = sport;
        else
          g_assert_cmpuint (sport, ==, sports[i]);
        if (i >= 3 && fam == 0 && i % 3 != 2) /* the ICMP frames are one flow */
          g_assert_cmpuint (sport, !=, sports[i - 3]);
      }
    }
  }
  dir = g_dir_make_tmp ("pkt-encap-XXXXXX", NULL);
  path = g_build_filename (dir, "encap.pcap", NULL);
  decap_test_write_pcap (path, DLT_EN10MB, all);
  {
    const char *argv[] = { "tshark", "-n",
                           "-r",     path,
                           "-o",     "udp.check_checksum:TRUE",
                           "-o",     "ip.check_checksum:TRUE",
                           "-T",     "fields",
                           "-E",     "separator=/t",
                           "-E",     "occurrence=a",
                           "-E",     "aggregator=,",
                           "-e",     "ip.checksum.status",
                           "-e",     "udp.checksum.status",
                           "-e",     "_ws.malformed",
                           "-e",     "_ws.expert.severity",
                           "-e",     "vxlan.vni",
                           "-e",     "geneve.vni",
                           "-e",     "frame.protocols",
                           NULL };
    out = pkt_test_spawn (argv, &status, &error);
  }
  g_unlink (path);
  g_rmdir (dir);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i] && *lines[i]; i++, k++) {
    g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
    guint code = g_array_index (which, guint, k);
    const Case *cs = &cases[code / 2];
    g_auto (GStrv) ipst = g_strsplit (f[0], ",", -1);
    g_auto (GStrv) udpst = g_strsplit (f[1], ",", -1);
    g_test_message ("%s family %u: %s", cs->encap, code % 2, lines[i]);
    g_assert_cmpuint (g_strv_length (f), >=, 7);
    if (code % 2 == 0)
      g_assert_cmpstr (ipst[0], ==, "1"); /* outer IPv4 header checksum: good */
    g_assert_cmpstr (udpst[0], ==, "1");  /* outer UDP checksum: good */
    for (guint j = 0; ipst[j]; j++)
      g_assert_cmpstr (ipst[j], ==, "1");
    for (guint j = 0; udpst[j]; j++)
      g_assert_cmpstr (udpst[j], ==, "1");
    g_assert_cmpstr (f[2], ==, "");
    g_assert_null (strstr (f[3], "8388608")); /* PI_ERROR */
    if (cs->id_field) {
      const char *id = strcmp (cs->id_field, "vxlan.vni") == 0 ? f[4] : f[5];
      g_assert_cmpuint (g_ascii_strtoull (id, NULL, 0), ==,
                        cs->tunnel_id); /* tshark: 0x.. or decimal */
      g_assert_nonnull (
          strstr (f[6], strcmp (cs->id_field, "vxlan.vni") == 0 ? ":vxlan:eth:" : ":geneve:eth:"));
    }
  }
  g_assert_cmpuint (k, ==, all->len);
}

/* vlantag: trunk pushes a tag on every frame, access only on untagged ones;
 * vlandecap takes it off again and reports the id. */
static void
test_vlantag (void)
{
  g_autoptr (GPtrArray) frames = inner_frames ();
  g_autoptr (PktElement) trunk = NULL, access = NULL;
  g_autoptr (GPtrArray) out = NULL, out2 = NULL;
  guint i;

  g_ptr_array_remove_index (frames, frames->len - 1);
  out = decap_test_pipeline_run ("vlantag name=e vid=100 pcp=3 mode=trunk ! vlandecap name=d",
                                 PKT_LINK_ETHERNET, frames, &trunk);
  for (i = 0; i < out->len; i++) {
    DecapOut *o = out->pdata[i];
    g_autoptr (GBytes) want = ip_part (frames->pdata[i]);
    g_assert_true (g_bytes_equal (o->bytes, want));
    g_assert_cmpuint (o->p.vlan_tci, ==, (3 << 13) | 100);
    /* a frame that was tagged already became QinQ: its own tag is inner */
    g_assert_cmpuint (o->p.inner_vlan_tci & 0xfff, ==, i % 3 == 2 ? 33 : 0);
  }
  g_assert_cmpuint (pkt_test_get_uint (trunk, "e", "encapsulated"), ==, frames->len);

  out2 = decap_test_pipeline_run ("vlantag name=e vid=100 tpid=34984", PKT_LINK_ETHERNET, frames,
                                  &access);
  for (i = 0; i < out2->len; i++) {
    DecapOut *o = out2->pdata[i];
    const guint8 *d = g_bytes_get_data (o->bytes, NULL);
    if (i % 3 == 2) {
      g_assert_true (g_bytes_equal (o->bytes, frames->pdata[i]));
    } else {
      g_assert_cmpuint (g_bytes_get_size (o->bytes), ==, g_bytes_get_size (frames->pdata[i]) + 4);
      g_assert_cmpuint (d[12] << 8 | d[13], ==, 0x88a8);
      g_assert_cmpuint ((d[14] << 8 | d[15]) & 0xfff, ==, 100);
    }
  }
  g_assert_cmpuint (pkt_test_get_uint (access, "e", "passed"), ==, frames->len / 3);
}

static void
expect_start_error (const char *desc, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PktElement) pipeline = pkt_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_object_ref_sink (pipeline);
  g_assert_false (pkt_element_set_state (pipeline, PKT_STATE_READY, &error));
  g_assert_error (error, PKT_ERROR, PKT_ERROR_SETTINGS);
  g_test_message ("%s: %s", desc, error->message);
  g_assert_nonnull (strstr (error->message, needle));
  pkt_element_set_state (pipeline, PKT_STATE_NULL, NULL);
}

static void
test_settings_errors (void)
{
  expect_start_error ("appsrc ! geneveencap options=zz ! fakesink", "'options'");
  expect_start_error ("appsrc ! geneveencap options=01020001 ! fakesink", "'options'");
  expect_start_error ("appsrc ! vxlanencap src=192.0.2.1 dst=2001:db8::1 ! fakesink", "'src'");
  expect_start_error ("appsrc ! vxlanencap dst=nowhere ! fakesink", "'dst'");
  expect_start_error ("appsrc ! gueencap src=::1 dst=::2 udp-checksum=false ! fakesink",
                      "'udp-checksum'");
  expect_start_error ("appsrc ! vxlanencap src-mac=01:02 ! fakesink", "'src-mac'");
  expect_start_error ("appsrc ! vlantag tpid=2048 ! fakesink", "'tpid'");
  expect_start_error ("appsrc ! vxlanencap sport-min=60000 sport-max=50000 ! fakesink",
                      "'sport-min'");
  expect_start_error ("appsrc ! decap protocols=0 ! fakesink", "'protocols'");
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  g_test_add_func ("/decap/encap/round-trip", test_round_trip);
  g_test_add_func ("/decap/encap/tshark-verifies", test_tshark_verifies);
  g_test_add_func ("/decap/encap/vlantag", test_vlantag);
  g_test_add_func ("/decap/encap/settings-errors", test_settings_errors);
  return g_test_run ();
}
