/* pktpipe — PktClassifier: splits each batch across request outputs.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-classifier.h>

typedef struct {
  PktPad *sinkpad;
  GPtrArray *outputs; /* PktPad*, in index order */
  guint64 dropped;
  gint eos_sent;
} PktClassifierPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktClassifier, pkt_classifier, PKT_TYPE_ELEMENT)

enum { PROP_0, PROP_DROPPED, PROP_N_OUTPUTS, N_PROPS };
static GParamSpec *props[N_PROPS];

static const PktPadTemplate sink_template
    = { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };
static const PktPadTemplate src_template
    = { "src_%u", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_REQUEST };

#define MAX_OUTPUTS 256

static PktFlowReturn
flush_output (PktClassifierPrivate *priv, PktBufferList **outs, guint i, PktLease *lease)
{
  PktBufferList *l = outs[i];
  outs[i] = NULL;
  if (!l)
    return PKT_FLOW_OK;
  pkt_buffer_list_set_lease (l, lease);
  return pkt_pad_push (priv->outputs->pdata[i], &l->batch);
}

static PktFlowReturn
classifier_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktClassifier *self = (PktClassifier *)parent;
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (self);
  PktClassifierClass *klass = PKT_CLASSIFIER_GET_CLASS (self);
  PktBufferList *in = (PktBufferList *)batch;
  guint n = priv->outputs->len;
  PktBufferList *outs[MAX_OUTPUTS] = { NULL };
  PktFlowReturn ret = PKT_FLOW_OK;
  guint64 dropped = 0;
  guint n_eos = 0;

  for (guint i = 0; i < in->n_packets; i++) {
    guint o = klass->classify (self, &in->packets[i], n);
    if (G_UNLIKELY (o >= n)) {
      dropped++;
      continue;
    }
    if (!outs[o])
      outs[o] = pkt_buffer_list_new (0);
    outs[o]->packets[outs[o]->n_packets++] = in->packets[i];
    if (G_UNLIKELY (pkt_buffer_list_is_full (outs[o]))) {
      PktFlowReturn r = flush_output (priv, outs, o, in->lease);
      if (r != PKT_FLOW_OK && r != PKT_FLOW_EOS)
        ret = r;
    }
  }
  for (guint o = 0; o < n; o++) {
    PktFlowReturn r = flush_output (priv, outs, o, in->lease);
    if (r == PKT_FLOW_EOS)
      n_eos++;
    else if (r != PKT_FLOW_OK)
      ret = r;
  }
  if (dropped)
    PKT_STAT_ADD (priv->dropped, dropped);
  pkt_buffer_list_unref (in);
  /* EOS upstream only when every branch wants no more */
  if (ret == PKT_FLOW_OK && n > 0 && n_eos == n)
    ret = PKT_FLOW_EOS;
  return ret;
}

static PktPad *
pkt_classifier_request_new_pad (PktElement *element, const PktPadTemplate *templ, const char *name,
                                GError **error)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (PKT_CLASSIFIER (element));
  if (priv->outputs->len >= MAX_OUTPUTS) {
    pkt_element_set_error (element, error, PKT_ERROR_SETTINGS, "at most %u outputs", MAX_OUTPUTS);
    return NULL;
  }
  PktPad *pad = pkt_pad_new_from_template (templ, name);
  pkt_element_add_pad (element, pad);
  g_ptr_array_add (priv->outputs, pad);
  return pad;
}

static void
pkt_classifier_release_pad (PktElement *element, PktPad *pad)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (PKT_CLASSIFIER (element));
  g_ptr_array_remove (priv->outputs, pad);
  pkt_element_remove_pad (element, pad);
}

static gboolean
pkt_classifier_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktClassifier *self = PKT_CLASSIFIER (element);
  PktClassifierClass *klass = PKT_CLASSIFIER_GET_CLASS (self);
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (self);
  if (t == PKT_STATE_CHANGE_NULL_TO_READY) {
    if (priv->outputs->len == 0) {
      pkt_element_set_error (element, error, PKT_ERROR_NOT_LINKED,
                             "no output: request at least one src_%%u pad");
      return FALSE;
    }
    if (klass->start && !klass->start (self, error))
      return FALSE;
  }
  return PKT_ELEMENT_CLASS (pkt_classifier_parent_class)->change_state (element, t, error);
}

static void
pkt_classifier_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (PKT_CLASSIFIER (object));
  switch (prop_id) {
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (priv->dropped));
      break;
    case PROP_N_OUTPUTS:
      g_value_set_uint (value, priv->outputs->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_classifier_finalize (GObject *object)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (PKT_CLASSIFIER (object));
  g_ptr_array_unref (priv->outputs);
  G_OBJECT_CLASS (pkt_classifier_parent_class)->finalize (object);
}

static void
pkt_classifier_class_init (PktClassifierClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  oclass->get_property = pkt_classifier_get_property;
  oclass->finalize = pkt_classifier_finalize;
  eclass->change_state = pkt_classifier_change_state;
  eclass->request_new_pad = pkt_classifier_request_new_pad;
  eclass->release_pad = pkt_classifier_release_pad;
  pkt_element_class_add_pad_template (eclass, &sink_template);
  pkt_element_class_add_pad_template (eclass, &src_template);

  props[PROP_DROPPED] = g_param_spec_uint64 (
      "dropped", "Dropped", "Packets the classifier sent to no output", 0, G_MAXUINT64, 0,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  props[PROP_N_OUTPUTS]
      = g_param_spec_uint ("n-outputs", "Outputs", "Number of src_%u pads", 0, MAX_OUTPUTS, 0,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oclass, N_PROPS, props);
}

static void
pkt_classifier_init (PktClassifier *self)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (self);
  priv->outputs = g_ptr_array_new ();
  priv->sinkpad = pkt_pad_new_from_template (&sink_template, NULL);
  pkt_pad_set_chain_function (priv->sinkpad, classifier_chain);
  pkt_element_add_pad (PKT_ELEMENT (self), priv->sinkpad);
}

/**
 * pkt_classifier_get_n_outputs:
 * @self: a classifier
 *
 * Returns: the number of outputs
 */
guint
pkt_classifier_get_n_outputs (PktClassifier *self)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (self);
  return priv->outputs->len;
}

/**
 * pkt_classifier_get_dropped:
 * @self: a classifier
 *
 * Returns: packets sent to no output
 */
guint64
pkt_classifier_get_dropped (PktClassifier *self)
{
  PktClassifierPrivate *priv = pkt_classifier_get_instance_private (self);
  return PKT_STAT_GET (priv->dropped);
}
