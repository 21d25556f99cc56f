/* pktpipe decap plugin — PktDecapBase: the loop, counters and drop policy
 * every decapsulating element shares, so each element is a few lines.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

#include "decap.h"

typedef struct {
  guint protocols;
  guint max_depth;
  PktDecapConfig config;
  gboolean drop_unmatched;
  gboolean drop_malformed;
  gint64 id_filter; /* only peel the layer with this id (-1 = any) */
  guint64 decapsulated;
  guint64 passed;
  guint64 malformed;
  guint64 dropped;
  guint8 *keep; /* one byte per packet; grows with the largest batch seen */
  guint keep_len;
} PktDecapBasePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktDecapBase, pkt_decap_base, PKT_TYPE_FILTER)

enum {
  PROP_0,
  PROP_DROP_UNMATCHED,
  PROP_DROP_MALFORMED,
  PROP_DECAPSULATED,
  PROP_PASSED,
  PROP_MALFORMED,
  PROP_DROPPED,
};

/* The id of the filter property a subclass installs with
 * pkt_decap_install_id_property(): owned by the subclass, handled by this
 * class's set/get_property (given to a subclass that has none), so the
 * subclasses need no property code for it. Far from this class's own ids. */
#define PROP_ID_FILTER 0x1000

#define PROTOCOLS_UNSET G_MAXUINT
#define PRIV(self)      ((PktDecapBasePrivate *)pkt_decap_base_get_instance_private (self))

/* The id filter of vxlandecap/genevedecap/gtpudecap/gredecap. Without a
 * filter no accept function is passed at all (the common, faster loop). */
static gboolean
accept_id (const PktTunnelInfo *info, gpointer priv)
{
  const gint64 want = __atomic_load_n (&((PktDecapBasePrivate *)priv)->id_filter, __ATOMIC_RELAXED);
  return info->has_id && info->id == (guint64)want;
}

static PktFlowReturn
pkt_decap_base_process (PktFilter *filter, PktBufferList *list)
{
  PktDecapBase *self = (PktDecapBase *)filter;
  PktDecapBasePrivate *priv = PRIV (self);
  const guint n = list->n_packets;
  guint64 count[3] = { 0, 0, 0 };
  guint i, dropped = 0;
  guint8 keep[3];

  keep[PKT_DECAP_OUTCOME_DECAP] = 1;
  keep[PKT_DECAP_OUTCOME_UNMATCHED] = !priv->drop_unmatched;
  keep[PKT_DECAP_OUTCOME_MALFORMED] = !priv->drop_malformed;
  if (G_UNLIKELY (priv->keep_len < n)) { /* per batch, only when a larger list first arrives */
    priv->keep = g_realloc (priv->keep, n);
    priv->keep_len = n;
  }
  count[PKT_DECAP_OUTCOME_DECAP] = pkt_decap_packets (
      list->packets, n, priv->protocols, &priv->config, priv->max_depth,
      __atomic_load_n (&priv->id_filter, __ATOMIC_RELAXED) >= 0 ? accept_id : NULL, priv,
      priv->keep);
  if (count[PKT_DECAP_OUTCOME_DECAP] < n) { /* outcome -> keep flag, in place */
    count[PKT_DECAP_OUTCOME_DECAP] = 0;
    for (i = 0; i < n; i++) {
      const guint8 outcome = priv->keep[i];
      count[outcome]++;
      priv->keep[i] = keep[outcome];
      dropped += !keep[outcome];
    }
  }
  if (count[PKT_DECAP_OUTCOME_DECAP])
    PKT_STAT_ADD (priv->decapsulated, count[PKT_DECAP_OUTCOME_DECAP]);
  if (count[PKT_DECAP_OUTCOME_UNMATCHED] && keep[PKT_DECAP_OUTCOME_UNMATCHED])
    PKT_STAT_ADD (priv->passed, count[PKT_DECAP_OUTCOME_UNMATCHED]);
  if (count[PKT_DECAP_OUTCOME_MALFORMED])
    PKT_STAT_ADD (priv->malformed, count[PKT_DECAP_OUTCOME_MALFORMED]);
  if (dropped) {
    PKT_STAT_ADD (priv->dropped, dropped);
    pkt_filter_compact (list, priv->keep);
  }
  return PKT_FLOW_OK;
}

static void
pkt_decap_base_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktDecapBasePrivate *priv = PRIV (PKT_DECAP_BASE (object));
  switch (id) {
    case PROP_DROP_UNMATCHED:
      priv->drop_unmatched = g_value_get_boolean (value);
      break;
    case PROP_DROP_MALFORMED:
      priv->drop_malformed = g_value_get_boolean (value);
      break;
    case PROP_ID_FILTER: /* set while PLAYING: read per batch by the streaming thread */
      __atomic_store_n (&priv->id_filter, g_value_get_int64 (value), __ATOMIC_RELAXED);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_decap_base_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktDecapBasePrivate *priv = PRIV (PKT_DECAP_BASE (object));
  switch (id) {
    case PROP_DROP_UNMATCHED:
      g_value_set_boolean (value, priv->drop_unmatched);
      break;
    case PROP_DROP_MALFORMED:
      g_value_set_boolean (value, priv->drop_malformed);
      break;
    case PROP_DECAPSULATED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->decapsulated));
      break;
    case PROP_PASSED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->passed));
      break;
    case PROP_MALFORMED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->malformed));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->dropped));
      break;
    case PROP_ID_FILTER:
      g_value_set_int64 (value, __atomic_load_n (&priv->id_filter, __ATOMIC_RELAXED));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static gboolean
pkt_decap_base_start (PktFilter *filter, GError **error)
{
  PktDecapBasePrivate *priv = PRIV (PKT_DECAP_BASE (filter));
  priv->protocols = pkt_decap_base_get_protocols (PKT_DECAP_BASE (filter));
  if (priv->protocols == 0) {
    pkt_element_set_error (PKT_ELEMENT (filter), error, PKT_ERROR_SETTINGS,
                           "property 'protocols' is empty: nothing to decapsulate");
    return FALSE;
  }
  priv->decapsulated = priv->passed = priv->malformed = priv->dropped = 0;
  return TRUE;
}

static void
pkt_decap_base_finalize (GObject *object)
{
  g_free (PRIV (PKT_DECAP_BASE (object))->keep);
  G_OBJECT_CLASS (pkt_decap_base_parent_class)->finalize (object);
}

static void
pkt_decap_base_class_init (PktDecapBaseClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktFilterClass *filter_class = PKT_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | PKT_PARAM_MUTABLE_PLAYING;
  const GParamFlags stat = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT;

  gobject_class->set_property = pkt_decap_base_set_property;
  gobject_class->get_property = pkt_decap_base_get_property;
  gobject_class->finalize = pkt_decap_base_finalize;
  filter_class->process = pkt_decap_base_process;
  filter_class->start = pkt_decap_base_start;

  g_object_class_install_property (
      gobject_class, PROP_DROP_UNMATCHED,
      g_param_spec_boolean ("drop-unmatched", "Drop unmatched",
                            "Drop packets that carry none of this element's layers (counted in "
                            "'dropped') instead of passing them unchanged",
                            FALSE, rw));
  g_object_class_install_property (
      gobject_class, PROP_DROP_MALFORMED,
      g_param_spec_boolean ("drop-malformed", "Drop malformed",
                            "Drop packets whose headers are truncated or inconsistent (counted in "
                            "'malformed' and 'dropped') instead of passing them unchanged",
                            FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_DECAPSULATED,
                                   g_param_spec_uint64 ("decapsulated", "Decapsulated",
                                                        "Packets with at least one layer removed",
                                                        0, G_MAXUINT64, 0, stat));
  g_object_class_install_property (
      gobject_class, PROP_PASSED,
      g_param_spec_uint64 ("passed", "Passed",
                           "Packets without a matching layer, passed on unchanged", 0, G_MAXUINT64,
                           0, stat));
  g_object_class_install_property (
      gobject_class, PROP_MALFORMED,
      g_param_spec_uint64 ("malformed", "Malformed",
                           "Packets with a truncated or inconsistent header (left unchanged)", 0,
                           G_MAXUINT64, 0, stat));
  g_object_class_install_property (
      gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
                           "Packets removed by drop-unmatched or drop-malformed", 0, G_MAXUINT64, 0,
                           stat));
}

static void
pkt_decap_base_init (PktDecapBase *self)
{
  PktDecapBasePrivate *priv = PRIV (self);
  /* the subclass's class is not in place yet during this init: the default
   * protocols are taken from it lazily (see pkt_decap_base_get_protocols) */
  priv->protocols = PROTOCOLS_UNSET;
  priv->max_depth = 1;
  priv->id_filter = -1;
}

/* The id filter as a property of the subclass @klass (vni, teid, key; -1 =
 * any), handled by this class's set/get_property: a subclass with no other
 * property needs no property code. One per subclass. */
void
pkt_decap_install_id_property (GObjectClass *klass, const char *name, const char *nick,
                               const char *blurb, gint64 max)
{
  /* GObject does not inherit set/get_property: a subclass without its own
   * takes this class's, which handle PROP_ID_FILTER (one with its own
   * chains up for it) */
  if (!klass->set_property) {
    klass->set_property = pkt_decap_base_set_property;
    klass->get_property = pkt_decap_base_get_property;
  }
  g_object_class_install_property (
      klass, PROP_ID_FILTER,
      g_param_spec_int64 (name, nick, blurb, -1, max, -1,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | PKT_PARAM_MUTABLE_PLAYING));
}

void
pkt_decap_base_class_set_info (PktElementClass *klass, const char *long_name,
                               const char *description, guint protocols)
{
  PKT_DECAP_BASE_CLASS (klass)->protocols = protocols;
  pkt_element_class_set_metadata (klass, long_name, "Filter/Decap", description,
                                  "pktpipe developers");
}

void
pkt_decap_base_set_protocols (PktDecapBase *self, guint protocols)
{
  PRIV (self)->protocols = protocols & PKT_DECAP_ALL;
}

guint
pkt_decap_base_get_protocols (PktDecapBase *self)
{
  PktDecapBasePrivate *priv = PRIV (self);
  if (priv->protocols == PROTOCOLS_UNSET)
    return PKT_DECAP_BASE_GET_CLASS (self)->protocols;
  return priv->protocols;
}

void
pkt_decap_config_set_flag (PktDecapConfig *cfg, guint flag, gboolean on)
{
  cfg->parse_flags = (cfg->parse_flags & ~flag) | (on ? flag : 0);
}

void
pkt_decap_base_set_max_depth (PktDecapBase *self, guint depth)
{
  PRIV (self)->max_depth = depth;
}

guint
pkt_decap_base_get_max_depth (PktDecapBase *self)
{
  return PRIV (self)->max_depth;
}

PktDecapConfig *
pkt_decap_base_get_config (PktDecapBase *self)
{
  return &PRIV (self)->config;
}

/* Properties that tune the MPLS and UDP-port decisions */
void
pkt_decap_install_mpls_properties (GObjectClass *klass, guint prop_ethernet, guint prop_cw)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  g_object_class_install_property (
      klass, prop_ethernet,
      g_param_spec_boolean ("mpls-ethernet", "MPLS Ethernet",
                            "Under an MPLS stack, a payload whose first nibble is not 4 or 6 is an "
                            "Ethernet frame (Ethernet over MPLS pseudowire)",
                            FALSE, rw));
  g_object_class_install_property (
      klass, prop_cw,
      g_param_spec_boolean ("mpls-control-word", "MPLS control word",
                            "The pseudowire payload starts with a 4-byte control word (first "
                            "nibble 0) that is skipped",
                            FALSE, rw));
}
