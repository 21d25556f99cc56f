/* pktpipe decap plugin — `mplsdecap`: removes the link header and the whole
 * MPLS label stack (over Ethernet, or over UDP 6635); the payload is IP by
 * its first nibble, or Ethernet (with or without a control word) by property.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktMplsDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktMplsDecap, pkt_mpls_decap, PKT, MPLS_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktMplsDecap, pkt_mpls_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_ETHERNET, PROP_CONTROL_WORD };

static guint
prop_flag (guint id)
{
  return id == PROP_ETHERNET ? PKT_PARSE_MPLS_ETHERNET : PKT_PARSE_MPLS_CONTROL_WORD;
}

static void
pkt_mpls_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktDecapConfig *cfg = pkt_decap_base_get_config (PKT_DECAP_BASE (object));
  if (id == PROP_ETHERNET || id == PROP_CONTROL_WORD)
    pkt_decap_config_set_flag (cfg, prop_flag (id), g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_mpls_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktDecapConfig *cfg = pkt_decap_base_get_config (PKT_DECAP_BASE (object));
  if (id == PROP_ETHERNET || id == PROP_CONTROL_WORD)
    g_value_set_boolean (value, !!(cfg->parse_flags & prop_flag (id)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pkt_mpls_decap_class_init (PktMplsDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = pkt_mpls_decap_set_property;
  gobject_class->get_property = pkt_mpls_decap_get_property;
  pkt_decap_base_class_set_info (
      PKT_ELEMENT_CLASS (klass), "MPLS decapsulator",
      "Removes MPLS label stacks (Ethernet, UDP 6635) and records the outermost label",
      PKT_DECAP_MPLS);
  pkt_decap_install_mpls_properties (gobject_class, PROP_ETHERNET, PROP_CONTROL_WORD);
}

static void
pkt_mpls_decap_init (PktMplsDecap *self)
{
}
