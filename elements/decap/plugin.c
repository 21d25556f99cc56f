/* pktpipe decap plugin — decapsulation and encapsulation elements.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

static gboolean
decap_plugin_init (PktPlugin *plugin, GError **error)
{
  static const struct {
    const char *name;
    GType (*get_type) (void);
  } elements[] = {
    { "decap", pkt_decap_get_type },
    { "vlandecap", pkt_vlan_decap_get_type },
    { "mplsdecap", pkt_mpls_decap_get_type },
    { "vxlandecap", pkt_vxlan_decap_get_type },
    { "genevedecap", pkt_geneve_decap_get_type },
    { "gtpudecap", pkt_gtpu_decap_get_type },
    { "gredecap", pkt_gre_decap_get_type },
    { "guedecap", pkt_gue_decap_get_type },
    { "ipipdecap", pkt_ipip_decap_get_type },
    { "pppoedecap", pkt_pppoe_decap_get_type },
    { "vlantag", pkt_vlan_tag_get_type },
    { "vxlanencap", pkt_vxlan_encap_get_type },
    { "geneveencap", pkt_geneve_encap_get_type },
    { "gueencap", pkt_gue_encap_get_type },
    { "ipdefrag", pkt_ip_defrag_get_type },
  };
  guint i;
  for (i = 0; i < G_N_ELEMENTS (elements); i++)
    if (!pkt_element_register (plugin, elements[i].name, PKT_RANK_PRIMARY, elements[i].get_type ()))
      return FALSE;
  return TRUE;
}

PKT_PLUGIN_DEFINE (decap,
                   "Decapsulation (VLAN, MPLS, VXLAN, Geneve, GTP-U, GRE/ERSPAN, GUE, "
                   "IP-in-IP, PPPoE, Teredo, AYIYA, PBB, FabricPath, VN-Tag) and "
                   "encapsulation (VLAN, VXLAN, Geneve, GUE), IP defragmentation",
                   decap_plugin_init);
