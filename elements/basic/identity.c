/* pktpipe — identity: passes batches through, counting; test knobs for drops,
 * slowness and errors.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

struct _PktIdentity {
  PktFilter parent;
  gdouble drop_probability;
  guint seed;
  guint sleep_us;
  guint64 error_after;
  guint64 rng;
  guint64 drop_threshold; /* drop when rng < threshold */
  guint64 st_packets;
  guint64 st_batches;
  guint64 st_dropped;
};

G_DECLARE_FINAL_TYPE (PktIdentity, pkt_identity, PKT, IDENTITY, PktFilter)
G_DEFINE_FINAL_TYPE (PktIdentity, pkt_identity, PKT_TYPE_FILTER)

enum {
  PROP_0,
  PROP_DROP_PROBABILITY,
  PROP_SEED,
  PROP_SLEEP_US,
  PROP_ERROR_AFTER,
  PROP_PACKETS,
  PROP_BATCHES,
  PROP_DROPPED,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static gboolean
pkt_identity_start (PktFilter *filter, GError **error)
{
  PktIdentity *self = PKT_IDENTITY (filter);
  guint64 s = self->seed;
  self->rng = _pkt_basic_splitmix64 (&s) | 1;
  self->drop_threshold = self->drop_probability >= 1.0
                             ? G_MAXUINT64
                             : (guint64)(self->drop_probability * 18446744073709551616.0);
  return TRUE;
}

static void
identity_drop_random (PktIdentity *self, PktBufferList *list)
{
  guint8 keep[list->n_packets > 0 ? list->n_packets : 1];
  for (guint i = 0; i < list->n_packets; i++)
    keep[i] = _pkt_basic_xorshift (&self->rng) >= self->drop_threshold;
  PKT_STAT_ADD (self->st_dropped, pkt_filter_compact (list, keep));
}

static PktFlowReturn
pkt_identity_process (PktFilter *filter, PktBufferList *list)
{
  PktIdentity *self = PKT_IDENTITY (filter);
  guint64 before = PKT_STAT_GET (self->st_packets);
  PKT_STAT_ADD (self->st_packets, list->n_packets);
  PKT_STAT_ADD (self->st_batches, 1);
  if (G_UNLIKELY (self->error_after && before + list->n_packets >= self->error_after)) {
    pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_FAILED, "error-after reached",
                       "%s: failing on purpose after %" G_GUINT64_FORMAT " packets",
                       pkt_element_get_name (PKT_ELEMENT (self)), self->error_after);
    return PKT_FLOW_ERROR;
  }
  if (G_UNLIKELY (self->drop_threshold))
    identity_drop_random (self, list);
  if (G_UNLIKELY (self->sleep_us))
    g_usleep (self->sleep_us);
  return PKT_FLOW_OK;
}

static void
pkt_identity_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktIdentity *self = PKT_IDENTITY (object);
  switch (id) {
    case PROP_DROP_PROBABILITY:
      self->drop_probability = g_value_get_double (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_uint (value);
      break;
    case PROP_SLEEP_US:
      self->sleep_us = g_value_get_uint (value);
      break;
    case PROP_ERROR_AFTER:
      self->error_after = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_identity_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktIdentity *self = PKT_IDENTITY (object);
  switch (id) {
    case PROP_DROP_PROBABILITY:
      g_value_set_double (value, self->drop_probability);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->seed);
      break;
    case PROP_SLEEP_US:
      g_value_set_uint (value, self->sleep_us);
      break;
    case PROP_ERROR_AFTER:
      g_value_set_uint64 (value, self->error_after);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_packets));
      break;
    case PROP_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_batches));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_identity_init (PktIdentity *self)
{
}

static void
pkt_identity_class_init (PktIdentityClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktFilterClass *fclass = PKT_FILTER_CLASS (klass);
  oclass->set_property = pkt_identity_set_property;
  oclass->get_property = pkt_identity_get_property;
  fclass->start = pkt_identity_start;
  fclass->process = pkt_identity_process;

  props[PROP_DROP_PROBABILITY] = g_param_spec_double (
      "drop-probability", "Drop probability", "Probability of dropping each packet (for tests)",
      0.0, 1.0, 0.0, PKT_BASIC_RW);
  props[PROP_SEED] = g_param_spec_uint ("seed", "Seed", "Seed of the drop decisions", 0, G_MAXUINT,
                                        0, PKT_BASIC_RW);
  props[PROP_SLEEP_US] = g_param_spec_uint (
      "sleep-us", "Sleep", "Microseconds to sleep per batch, to simulate a slow element", 0,
      10000000, 0, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_ERROR_AFTER] = g_param_spec_uint64 (
      "error-after", "Error after",
      "Post an ERROR and stop once this many packets went through (0 = never; for tests)", 0,
      G_MAXUINT64, 0, PKT_BASIC_RW);
  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets received");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches received");
  props[PROP_DROPPED] = PKT_BASIC_STAT ("dropped", "Packets dropped by drop-probability");
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Identity", "Filter",
                                  "Passes packets through unchanged, counting them", "pktpipe");
}
