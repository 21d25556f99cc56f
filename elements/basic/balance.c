/* pktpipe — balance: splits one stream over N branches by symmetric flow hash
 * (both directions of a flow on one branch, order kept within a flow) or
 * round-robin per packet.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

typedef enum {
  PKT_BALANCE_HASH,
  PKT_BALANCE_ROUND_ROBIN,
} PktBalanceMode;

static GType
pkt_balance_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_BALANCE_HASH, "symmetric 5-tuple hash: a flow's two directions share a branch", "hash" },
    { PKT_BALANCE_ROUND_ROBIN, "one packet per branch in turn (flows are spread)", "round-robin" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktBalanceMode", values));
  return type;
}

struct _PktBalance {
  PktClassifier parent;
  PktBalanceMode mode;
  guint next;
};

G_DECLARE_FINAL_TYPE (PktBalance, pkt_balance, PKT, BALANCE, PktClassifier)
G_DEFINE_FINAL_TYPE (PktBalance, pkt_balance, PKT_TYPE_CLASSIFIER)

enum { PROP_0, PROP_MODE, N_PROPS };
static GParamSpec *props[N_PROPS];

static guint
pkt_balance_classify (PktClassifier *classifier, const PktPacket *packet, guint n_outputs)
{
  PktBalance *self = (PktBalance *)classifier;
  if (self->mode == PKT_BALANCE_HASH) {
    /* hash a private copy: the descriptor may be shared with another branch */
    PktPacket p = *packet;
    guint32 h = pkt_packet_hash_symmetric (&p);
    return (guint)(((guint64)h * n_outputs) >> 32);
  }
  guint out = self->next;
  if (++self->next >= n_outputs)
    self->next = 0;
  return out < n_outputs ? out : 0;
}

static gboolean
pkt_balance_start (PktClassifier *classifier, GError **error)
{
  PKT_BALANCE (classifier)->next = 0;
  return TRUE;
}

static void
pkt_balance_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktBalance *self = PKT_BALANCE (object);
  switch (id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_balance_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktBalance *self = PKT_BALANCE (object);
  switch (id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_balance_init (PktBalance *self)
{
}

static void
pkt_balance_class_init (PktBalanceClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktClassifierClass *cclass = PKT_CLASSIFIER_CLASS (klass);
  oclass->set_property = pkt_balance_set_property;
  oclass->get_property = pkt_balance_get_property;
  cclass->classify = pkt_balance_classify;
  cclass->start = pkt_balance_start;

  props[PROP_MODE]
      = g_param_spec_enum ("mode", "Mode", "How packets are spread over src_%u",
                           pkt_balance_mode_get_type (), PKT_BALANCE_HASH, PKT_BASIC_RW);
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Load balancer", "Generic/Split",
                                  "Spreads packets over N branches by symmetric flow hash or "
                                  "round-robin",
                                  "pktpipe");
}
