/* pktpipe decap plugin — `decap`: peels every known layer down to the
 * innermost payload (protocols= chooses which, max-depth bounds nesting).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktDecap, pkt_decap, PKT, DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktDecap, pkt_decap, PKT_TYPE_DECAP_BASE)

enum {
  PROP_0,
  PROP_PROTOCOLS,
  PROP_MAX_DEPTH,
  PROP_MPLS_ETHERNET,
  PROP_MPLS_CONTROL_WORD,
  PROP_VXLAN_PORT,
  PROP_GUE_PORT
};

GType
pkt_decap_protocols_get_type (void)
{
  static gsize type;
  static const GFlagsValue values[] = {
    { PKT_DECAP_VLAN, "802.1Q/802.1ad tags", "vlan" },
    { PKT_DECAP_MPLS, "MPLS label stacks (Ethernet, UDP 6635)", "mpls" },
    { PKT_DECAP_VXLAN, "VXLAN (UDP 4789, 8472)", "vxlan" },
    { PKT_DECAP_GENEVE, "Geneve (UDP 6081)", "geneve" },
    { PKT_DECAP_GTPU, "GTP-U (UDP 2152)", "gtpu" },
    { PKT_DECAP_GRE, "GRE, ERSPAN, GRE in UDP 4754", "gre" },
    { PKT_DECAP_GUE, "GUE (UDP 6080, 9886)", "gue" },
    { PKT_DECAP_IPIP, "IP in IP (4in4, 6in4, 4in6, 6in6)", "ipip" },
    { PKT_DECAP_PPPOE, "PPPoE sessions", "pppoe" },
    { PKT_DECAP_TEREDO, "Teredo (UDP 3544)", "teredo" },
    { PKT_DECAP_AYIYA, "AYIYA (UDP 5072)", "ayiya" },
    { PKT_DECAP_PBB, "802.1ah provider backbone bridging", "pbb" },
    { PKT_DECAP_FABRICPATH, "Cisco FabricPath", "fabricpath" },
    { PKT_DECAP_VNTAG, "Cisco VN-Tag", "vntag" },
    { PKT_DECAP_ALL, "All of them", "all" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type)) {
    GType t = g_flags_register_static ("PktDecapProtocolFlags", values);
    g_once_init_leave (&type, t);
  }
  return (GType)type;
}

static void
pkt_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktDecapBase *base = PKT_DECAP_BASE (object);
  PktDecapConfig *cfg = pkt_decap_base_get_config (base);
  switch (id) {
    case PROP_PROTOCOLS:
      pkt_decap_base_set_protocols (base, g_value_get_flags (value));
      break;
    case PROP_MAX_DEPTH:
      pkt_decap_base_set_max_depth (base, g_value_get_uint (value));
      break;
    case PROP_MPLS_ETHERNET:
      pkt_decap_config_set_flag (cfg, PKT_PARSE_MPLS_ETHERNET, g_value_get_boolean (value));
      break;
    case PROP_MPLS_CONTROL_WORD:
      pkt_decap_config_set_flag (cfg, PKT_PARSE_MPLS_CONTROL_WORD, g_value_get_boolean (value));
      break;
    case PROP_VXLAN_PORT:
      cfg->vxlan_port = (guint16)g_value_get_uint (value);
      break;
    case PROP_GUE_PORT:
      cfg->gue_port = (guint16)g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktDecapBase *base = PKT_DECAP_BASE (object);
  PktDecapConfig *cfg = pkt_decap_base_get_config (base);
  switch (id) {
    case PROP_PROTOCOLS:
      g_value_set_flags (value, pkt_decap_base_get_protocols (base));
      break;
    case PROP_MAX_DEPTH:
      g_value_set_uint (value, pkt_decap_base_get_max_depth (base));
      break;
    case PROP_MPLS_ETHERNET:
      g_value_set_boolean (value, !!(cfg->parse_flags & PKT_PARSE_MPLS_ETHERNET));
      break;
    case PROP_MPLS_CONTROL_WORD:
      g_value_set_boolean (value, !!(cfg->parse_flags & PKT_PARSE_MPLS_CONTROL_WORD));
      break;
    case PROP_VXLAN_PORT:
      g_value_set_uint (value, cfg->vxlan_port);
      break;
    case PROP_GUE_PORT:
      g_value_set_uint (value, cfg->gue_port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_decap_class_init (PktDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  gobject_class->set_property = pkt_decap_set_property;
  gobject_class->get_property = pkt_decap_get_property;
  pkt_decap_base_class_set_info (PKT_ELEMENT_CLASS (klass), "Decapsulator",
                                 "Peels VLAN, MPLS, PPPoE, PBB, FabricPath, VN-Tag, VXLAN, Geneve, "
                                 "GTP-U, GRE/ERSPAN, GUE, IP-in-IP, Teredo and AYIYA layers",
                                 PKT_DECAP_ALL);
  g_object_class_install_property (
      gobject_class, PROP_PROTOCOLS,
      g_param_spec_flags ("protocols", "Protocols", "Layers to remove (joined with +)",
                          PKT_TYPE_DECAP_PROTOCOLS, PKT_DECAP_ALL, rw));
  g_object_class_install_property (
      gobject_class, PROP_MAX_DEPTH,
      g_param_spec_uint ("max-depth", "Maximum depth",
                         "Remove at most this many layers per packet (a VLAN tag stack counts as "
                         "one; tags in front of a tunnel go with it)",
                         1, 64, 8, rw));
  pkt_decap_install_mpls_properties (gobject_class, PROP_MPLS_ETHERNET, PROP_MPLS_CONTROL_WORD);
  g_object_class_install_property (
      gobject_class, PROP_VXLAN_PORT,
      g_param_spec_uint ("vxlan-port", "VXLAN port",
                         "Another UDP destination port carrying VXLAN besides 4789 and 8472 "
                         "(0 = none)",
                         0, 65535, 0, rw));
  g_object_class_install_property (
      gobject_class, PROP_GUE_PORT,
      g_param_spec_uint ("gue-port", "GUE port",
                         "Another UDP destination port carrying GUE besides 6080 and 9886 "
                         "(0 = none)",
                         0, 65535, 0, rw));
}

static void
pkt_decap_init (PktDecap *self)
{
  pkt_decap_base_set_max_depth (PKT_DECAP_BASE (self), 8);
}
