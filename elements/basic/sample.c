/* pktpipe — sample: keeps 1 packet in N, or each packet with a probability.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"
#include <string.h>

typedef enum {
  PKT_SAMPLE_COUNT,
  PKT_SAMPLE_PROBABILITY,
} PktSampleMode;

static GType
pkt_sample_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_SAMPLE_COUNT, "keep the first of every n packets (deterministic)", "count" },
    { PKT_SAMPLE_PROBABILITY, "keep each packet with probability p (seeded)", "probability" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktSampleMode", values));
  return type;
}

struct _PktSample {
  PktFilter parent;
  PktSampleMode mode;
  guint n;
  gdouble probability;
  guint seed;
  guint64 rng;
  guint64 keep_threshold;
  guint counter;
  guint64 st_passed;
  guint64 st_dropped;
};

G_DECLARE_FINAL_TYPE (PktSample, pkt_sample, PKT, SAMPLE, PktFilter)
G_DEFINE_FINAL_TYPE (PktSample, pkt_sample, PKT_TYPE_FILTER)

enum { PROP_0, PROP_MODE, PROP_N, PROP_PROBABILITY, PROP_SEED, PROP_PASSED, PROP_DROPPED, N_PROPS };
static GParamSpec *props[N_PROPS];

static gboolean
pkt_sample_start (PktFilter *filter, GError **error)
{
  PktSample *self = PKT_SAMPLE (filter);
  guint64 s = self->seed;
  self->rng = _pkt_basic_splitmix64 (&s) | 1;
  self->keep_threshold = self->probability >= 1.0
                             ? G_MAXUINT64
                             : (guint64)(self->probability * 18446744073709551616.0);
  self->counter = 0;
  return TRUE;
}

static PktFlowReturn
pkt_sample_process (PktFilter *filter, PktBufferList *list)
{
  PktSample *self = PKT_SAMPLE (filter);
  guint n = list->n_packets;
  guint8 keep[n > 0 ? n : 1];
  if (self->mode == PKT_SAMPLE_COUNT) {
    for (guint i = 0; i < n; i++) {
      keep[i] = self->counter == 0;
      if (++self->counter == self->n)
        self->counter = 0;
    }
  } else if (self->keep_threshold == G_MAXUINT64) {
    memset (keep, 1, n);
  } else {
    for (guint i = 0; i < n; i++)
      keep[i] = _pkt_basic_xorshift (&self->rng) < self->keep_threshold;
  }
  guint dropped = pkt_filter_compact (list, keep);
  PKT_STAT_ADD (self->st_dropped, dropped);
  PKT_STAT_ADD (self->st_passed, n - dropped);
  return PKT_FLOW_OK;
}

static void
pkt_sample_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktSample *self = PKT_SAMPLE (object);
  switch (id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_N:
      self->n = g_value_get_uint (value);
      break;
    case PROP_PROBABILITY:
      self->probability = g_value_get_double (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_sample_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktSample *self = PKT_SAMPLE (object);
  switch (id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_N:
      g_value_set_uint (value, self->n);
      break;
    case PROP_PROBABILITY:
      g_value_set_double (value, self->probability);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->seed);
      break;
    case PROP_PASSED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_passed));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_sample_init (PktSample *self)
{
  self->n = 10;
  self->probability = 0.1;
}

static void
pkt_sample_class_init (PktSampleClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktFilterClass *fclass = PKT_FILTER_CLASS (klass);
  oclass->set_property = pkt_sample_set_property;
  oclass->get_property = pkt_sample_get_property;
  fclass->start = pkt_sample_start;
  fclass->process = pkt_sample_process;

  props[PROP_MODE]
      = g_param_spec_enum ("mode", "Mode", "How packets are chosen", pkt_sample_mode_get_type (),
                           PKT_SAMPLE_COUNT, PKT_BASIC_RW);
  props[PROP_N] = g_param_spec_uint ("n", "N", "mode=count: keep 1 packet in n", 1, G_MAXUINT, 10,
                                     PKT_BASIC_RW);
  props[PROP_PROBABILITY] = g_param_spec_double ("probability", "Probability",
                                                 "mode=probability: chance of keeping each packet",
                                                 0.0, 1.0, 0.1, PKT_BASIC_RW);
  props[PROP_SEED] = g_param_spec_uint ("seed", "Seed", "mode=probability: random seed", 0,
                                        G_MAXUINT, 0, PKT_BASIC_RW);
  props[PROP_PASSED] = PKT_BASIC_STAT ("passed", "Packets kept");
  props[PROP_DROPPED] = PKT_BASIC_STAT ("dropped", "Packets not sampled");
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Sampler", "Filter/Sample",
                                  "Keeps 1 packet in n, or each with a seeded probability",
                                  "pktpipe");
}
