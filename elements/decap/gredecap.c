/* pktpipe decap plugin — `gredecap`: removes outer IP/GRE headers (keys, sequence numbers, TEB,
 * PPTP, ERSPAN I/II/III, GRE in UDP) and records the key or ERSPAN session.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

struct _PktGreDecap {
  PktDecapBase parent;
};

G_DECLARE_FINAL_TYPE (PktGreDecap, pkt_gre_decap, PKT, GRE_DECAP, PktDecapBase)
G_DEFINE_FINAL_TYPE (PktGreDecap, pkt_gre_decap, PKT_TYPE_DECAP_BASE)

enum { PROP_0, PROP_ID };

static void
pkt_gre_decap_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      pkt_decap_base_set_id_filter (PKT_DECAP_BASE (object), g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_gre_decap_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id) {
    case PROP_ID:
      g_value_set_int64 (value, pkt_decap_base_get_id_filter (PKT_DECAP_BASE (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_gre_decap_class_init (PktGreDecapClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = pkt_gre_decap_set_property;
  gobject_class->get_property = pkt_gre_decap_get_property;
  pkt_decap_base_class_set_info (
      PKT_ELEMENT_CLASS (klass), "GRE decapsulator",
      "Removes outer IP/GRE headers (keys, sequence numbers, TEB, PPTP, ERSPAN I/II/III, GRE in "
      "UDP) and records the key or ERSPAN session",
      PKT_DECAP_GRE);
  pkt_decap_install_id_property (
      gobject_class, PROP_ID, "key", "Key",
      "Only decapsulate this GRE key or ERSPAN session id (-1 = any); others "
      "count as unmatched",
      G_MAXUINT32);
}

static void
pkt_gre_decap_init (PktGreDecap *self)
{
}
