/* pktpipe — PktSink: consumes batches, reports EOS to the pipeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-bin.h>
#include <pktpipe/pkt-sink.h>

typedef struct {
  PktPad *sinkpad;
  gint eos;
} PktSinkPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktSink, pkt_sink, PKT_TYPE_ELEMENT)

static void pkt_sink_constructed (GObject *object);

static const PktPadTemplate packets_template
    = { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };
static const PktPadTemplate records_template
    = { "sink", PKT_PAD_SINK, PKT_PAD_KIND_RECORDS, PKT_PAD_ALWAYS };

static PktFlowReturn
sink_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktSink *self = (PktSink *)parent;
  PktFlowReturn ret;
  if (G_UNLIKELY (pkt_element_is_flushing (parent)))
    ret = PKT_FLOW_FLUSHING;
  else
    ret = PKT_SINK_GET_CLASS (self)->render (self, batch);
  pkt_batch_unref (batch);
  return ret;
}

static gboolean
sink_event (PktPad *pad, PktElement *parent, PktEvent *event)
{
  PktSink *self = (PktSink *)parent;
  PktSinkPrivate *priv = pkt_sink_get_instance_private (self);
  PktSinkClass *klass = PKT_SINK_GET_CLASS (self);
  gboolean is_eos = event->type == PKT_EVENT_EOS;
  gboolean ok = klass->event ? klass->event (self, pkt_event_ref (event)) : TRUE;
  pkt_event_unref (event);
  if (is_eos && !g_atomic_int_exchange (&priv->eos, 1))
    pkt_element_post_eos (parent);
  return ok;
}

static gboolean
pkt_sink_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktSink *self = PKT_SINK (element);
  PktSinkPrivate *priv = pkt_sink_get_instance_private (self);
  PktSinkClass *klass = PKT_SINK_GET_CLASS (self);
  switch (t) {
    case PKT_STATE_CHANGE_NULL_TO_READY:
      if (klass->start && !klass->start (self, error)) {
        if (klass->stop)
          klass->stop (self);
        return FALSE;
      }
      break;
    case PKT_STATE_CHANGE_READY_TO_PLAYING:
      g_atomic_int_set (&priv->eos, 0);
      break;
    case PKT_STATE_CHANGE_READY_TO_NULL:
      if (klass->stop)
        klass->stop (self);
      break;
    default:
      break;
  }
  return PKT_ELEMENT_CLASS (pkt_sink_parent_class)->change_state (element, t, error);
}

static PktFlowReturn
pkt_sink_real_render (PktSink *self, PktBatch *batch)
{
  return PKT_FLOW_OK;
}

static void
pkt_sink_class_init (PktSinkClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = pkt_sink_constructed;
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_sink_change_state;
  klass->render = pkt_sink_real_render;
  klass->pad_kind = PKT_PAD_KIND_PACKETS;
  pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), &packets_template);
}

/* A subclass picks its pad kind in class_init, but while our instance_init
 * runs GObject still presents PktSinkClass, not the subclass's class. The
 * pad's kind is therefore settled in constructed(), when the real class is
 * known; the class's template is fixed the first time (pkt-inspect reads it). */
static void
pkt_sink_constructed (GObject *object)
{
  PktSinkPrivate *priv = pkt_sink_get_instance_private (PKT_SINK (object));
  PktSinkClass *klass = PKT_SINK_GET_CLASS (object);
  const PktPadTemplate *templ
      = klass->pad_kind == PKT_PAD_KIND_RECORDS ? &records_template : &packets_template;
  if (pkt_element_class_get_pad_template (PKT_ELEMENT_CLASS (klass), "sink") != templ)
    pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), templ);
  if (pkt_pad_get_kind (priv->sinkpad) != templ->kind)
    _pkt_pad_set_template (priv->sinkpad, templ);
  G_OBJECT_CLASS (pkt_sink_parent_class)->constructed (object);
}

static void
pkt_sink_init (PktSink *self)
{
  PktSinkPrivate *priv = pkt_sink_get_instance_private (self);
  priv->sinkpad = pkt_pad_new_from_template (&packets_template, NULL);
  pkt_pad_set_chain_function (priv->sinkpad, sink_chain);
  pkt_pad_set_event_function (priv->sinkpad, sink_event);
  pkt_element_add_pad (PKT_ELEMENT (self), priv->sinkpad);
  pkt_element_set_flags (PKT_ELEMENT (self), PKT_ELEMENT_FLAG_SINK);
}

/**
 * pkt_sink_class_set_pad_kind:
 * @klass: a sink class, in its class_init
 * @kind: what its `sink` pad carries
 *
 * Sets @klass->pad_kind and the matching `sink` pad template, so that
 * pkt-inspect shows the right kind without creating an element.
 */
void
pkt_sink_class_set_pad_kind (PktSinkClass *klass, PktPadKind kind)
{
  klass->pad_kind = kind;
  pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), kind == PKT_PAD_KIND_RECORDS
                                                                     ? &records_template
                                                                     : &packets_template);
}

/**
 * pkt_sink_get_sink_pad:
 * @self: a sink
 *
 * Returns: (transfer none): its pad
 */
PktPad *
pkt_sink_get_sink_pad (PktSink *self)
{
  PktSinkPrivate *priv = pkt_sink_get_instance_private (self);
  return priv->sinkpad;
}

/**
 * pkt_sink_is_eos:
 * @self: a sink
 *
 * Returns: whether EOS arrived in this run
 */
gboolean
pkt_sink_is_eos (PktSink *self)
{
  PktSinkPrivate *priv = pkt_sink_get_instance_private (self);
  return g_atomic_int_get (&priv->eos);
}
