/* pktpipe decap plugin — `vlantag`: pushes an 802.1Q/802.1ad tag onto
 * Ethernet frames. In access mode only untagged frames are tagged (tagged
 * ones pass unchanged and are counted in 'passed'); in trunk mode every frame
 * gets a new outermost tag (a tagged frame becomes QinQ).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "decap.h"

typedef enum {
  PKT_VLAN_TAG_ACCESS,
  PKT_VLAN_TAG_TRUNK,
} PktVlanTagMode;

struct _PktVlanTag {
  PktEncapBase parent;
  guint vid, pcp, tpid;
  PktVlanTagMode mode;
};

G_DECLARE_FINAL_TYPE (PktVlanTag, pkt_vlan_tag, PKT, VLAN_TAG, PktEncapBase)
G_DEFINE_FINAL_TYPE (PktVlanTag, pkt_vlan_tag, PKT_TYPE_ENCAP_BASE)

enum { PROP_0, PROP_VID, PROP_PCP, PROP_TPID, PROP_MODE };

static GType
pkt_vlan_tag_mode_get_type (void)
{
  static gsize type;
  static const GEnumValue values[] = {
    { PKT_VLAN_TAG_ACCESS, "Tag untagged frames only", "access" },
    { PKT_VLAN_TAG_TRUNK, "Push a new outer tag on every frame", "trunk" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktVlanTagMode", values));
  return (GType)type;
}

static gboolean
is_tagged (const PktPacket *p)
{
  guint et = ((guint)p->data[12] << 8) | p->data[13];
  return et == PKT_ETH_P_8021Q || et == PKT_ETH_P_8021AD || et == PKT_ETH_P_QINQ1;
}

static gssize
pkt_vlan_tag_frame_size (PktEncapBase *base, PktPacket *p)
{
  PktVlanTag *self = (PktVlanTag *)base;
  if (p->linktype != PKT_LINK_ETHERNET || p->caplen < 14)
    return -1;
  if (self->mode == PKT_VLAN_TAG_ACCESS && is_tagged (p))
    return -1;
  return (gssize)p->caplen + 4;
}

static void
pkt_vlan_tag_build (PktEncapBase *base, const PktPacket *p, guint8 *out, gsize size)
{
  PktVlanTag *self = (PktVlanTag *)base;
  guint tci = (self->pcp << 13) | self->vid;
  memcpy (out, p->data, 12);
  out[12] = (guint8)(self->tpid >> 8);
  out[13] = (guint8)self->tpid;
  out[14] = (guint8)(tci >> 8);
  out[15] = (guint8)tci;
  memcpy (out + 16, p->data + 12, p->caplen - 12);
}

static gboolean
pkt_vlan_tag_start (PktFilter *filter, GError **error)
{
  PktVlanTag *self = (PktVlanTag *)filter;
  if (self->tpid != PKT_ETH_P_8021Q && self->tpid != PKT_ETH_P_8021AD
      && self->tpid != PKT_ETH_P_QINQ1) {
    pkt_element_set_error (PKT_ELEMENT (filter), error, PKT_ERROR_SETTINGS,
                           "property 'tpid': 0x%04x is not a VLAN tag type (0x8100, 0x88a8, "
                           "0x9100)",
                           self->tpid);
    return FALSE;
  }
  return TRUE;
}

static void
pkt_vlan_tag_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktVlanTag *self = (PktVlanTag *)object;
  switch (id) {
    case PROP_VID:
      self->vid = g_value_get_uint (value);
      break;
    case PROP_PCP:
      self->pcp = g_value_get_uint (value);
      break;
    case PROP_TPID:
      self->tpid = g_value_get_uint (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_vlan_tag_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktVlanTag *self = (PktVlanTag *)object;
  switch (id) {
    case PROP_VID:
      g_value_set_uint (value, self->vid);
      break;
    case PROP_PCP:
      g_value_set_uint (value, self->pcp);
      break;
    case PROP_TPID:
      g_value_set_uint (value, self->tpid);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_vlan_tag_class_init (PktVlanTagClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  gobject_class->set_property = pkt_vlan_tag_set_property;
  gobject_class->get_property = pkt_vlan_tag_get_property;
  PKT_FILTER_CLASS (klass)->start = pkt_vlan_tag_start;
  PKT_ENCAP_BASE_CLASS (klass)->frame_size = pkt_vlan_tag_frame_size;
  PKT_ENCAP_BASE_CLASS (klass)->build = pkt_vlan_tag_build;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "VLAN tagger", "Filter/Encap",
                                  "Pushes an 802.1Q/802.1ad tag onto Ethernet frames",
                                  "pktpipe developers");
  g_object_class_install_property (
      gobject_class, PROP_VID,
      g_param_spec_uint ("vid", "VLAN id", "VLAN identifier of the new tag", 0, 4095, 1, rw));
  g_object_class_install_property (
      gobject_class, PROP_PCP,
      g_param_spec_uint ("pcp", "Priority", "Priority code point of the new tag", 0, 7, 0, rw));
  g_object_class_install_property (
      gobject_class, PROP_TPID,
      g_param_spec_uint ("tpid", "TPID",
                         "Tag protocol identifier: 0x8100 (802.1Q, 33024), 0x88a8 (802.1ad, "
                         "34984) or 0x9100 (37120)",
                         0, 65535, PKT_ETH_P_8021Q, rw));
  g_object_class_install_property (
      gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
                         "access: tag untagged frames, pass tagged ones; trunk: push a new outer "
                         "tag on every frame",
                         pkt_vlan_tag_mode_get_type (), PKT_VLAN_TAG_ACCESS, rw));
}

static void
pkt_vlan_tag_init (PktVlanTag *self)
{
  self->vid = 1;
  self->tpid = PKT_ETH_P_8021Q;
}
