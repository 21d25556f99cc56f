/* pktpipe fuzz target — the decap plugin's elements.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: [u8 element][u8 flags] then frames, each [u16 length][bytes]. The
 * frames become one batch whose packets each own an exact-size heap block;
 * the chosen element (decap with all protocols, or one of the specific
 * decap elements, an encap element, or ipdefrag, whose held fragments carry
 * over from one input to the next) processes the batch in place, as its
 * sink pad would. Outputs are then parsed, and each packet must still lie
 * inside the memory it came from (decap) or in the element's arena (encap). */

#include <stdlib.h>
#include <string.h>

#include "decap.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const char *const names[] = {
  "decap",     "vlandecap",  "mplsdecap",   "vxlandecap", "genevedecap",
  "gtpudecap", "gredecap",   "guedecap",    "ipipdecap",  "pppoedecap",
  "vlantag",   "vxlanencap", "geneveencap", "gueencap",   "ipdefrag",
};

static PktElement *elements[G_N_ELEMENTS (names)];

static GType
type_for (guint i)
{
  GType (*const get[]) (void) = {
    pkt_decap_get_type,        pkt_vlan_decap_get_type,   pkt_mpls_decap_get_type,
    pkt_vxlan_decap_get_type,  pkt_geneve_decap_get_type, pkt_gtpu_decap_get_type,
    pkt_gre_decap_get_type,    pkt_gue_decap_get_type,    pkt_ipip_decap_get_type,
    pkt_pppoe_decap_get_type,  pkt_vlan_tag_get_type,     pkt_vxlan_encap_get_type,
    pkt_geneve_encap_get_type, pkt_gue_encap_get_type,    pkt_ip_defrag_get_type,
  };
  return get[i]();
}

static PktElement *
element (guint i)
{
  if (!elements[i]) {
    GError *error = NULL;
    elements[i] = g_object_ref_sink (g_object_new (type_for (i), "name", names[i], NULL));
    if (i == 2 || i == 0)
      g_object_set (elements[i], "mpls-ethernet", TRUE, NULL);
    if (i == 12)
      g_object_set (elements[i], "options", "0102800200000001deadbeef", NULL);
    if (!pkt_element_set_state (elements[i], PKT_STATE_READY, &error))
      g_error ("%s: %s", names[i], error->message);
  }
  return elements[i];
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  PktBufferList *list;
  PktElement *el;
  guint8 *frames[64];
  guint n = 0, i;
  gsize off = 2;

  if (size < 2)
    return 0;
  el = element (data[0] % G_N_ELEMENTS (names));
  list = pkt_buffer_list_new (PKT_BUFFER_LIST_DEFAULT_CAPACITY);
  while (off + 2 <= size && n < G_N_ELEMENTS (frames)) {
    gsize len = (gsize)data[off] << 8 | data[off + 1];
    off += 2;
    len = MIN (len, size - off);
    frames[n] = malloc (len ? len : 1);
    memcpy (frames[n], data + off, len);
    pkt_packet_init (pkt_buffer_list_append (list), frames[n], (guint32)len, (guint32)len,
                     (gint64)n, (data[1] & 1) ? PKT_LINK_RAW_IP : PKT_LINK_ETHERNET);
    off += len;
    n++;
  }
  {
    /* frames are freed after the batch is gone, as a ring block would be
     * handed back after its lease */
    PktLease *lease = pkt_lease_new (NULL, NULL);
    pkt_buffer_list_set_lease (list, lease);
    pkt_lease_unref (lease);
  }
  PKT_FILTER_GET_CLASS (el)->process (PKT_FILTER (el), list);
  for (i = 0; i < list->n_packets; i++) {
    PktPacket *p = &list->packets[i];
    PktFlowKey key;
    pkt_packet_get_flow_key (p, &key);
    if (p->caplen && p->data[p->caplen - 1] == 0x5a)
      p->user++; /* reads the last byte: ASan checks it is still valid memory */
  }
  pkt_buffer_list_unref (list);
  for (i = 0; i < n; i++)
    free (frames[i]);
  return 0;
}
