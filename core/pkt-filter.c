/* pktpipe — PktFilter: in-place batch processing between one sink and one src pad.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-filter.h>
#include <string.h>

typedef struct {
  PktPad *sinkpad;
  PktPad *srcpad;
} PktFilterPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktFilter, pkt_filter, PKT_TYPE_ELEMENT)

static const PktPadTemplate sink_template
    = { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };
static const PktPadTemplate src_template
    = { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };

static PktFlowReturn
filter_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktFilter *self = (PktFilter *)parent;
  PktFilterPrivate *priv = pkt_filter_get_instance_private (self);
  PktBufferList *list = pkt_buffer_list_make_writable ((PktBufferList *)batch);
  PktFlowReturn ret = PKT_FILTER_GET_CLASS (self)->process (self, list);
  if (G_UNLIKELY (ret != PKT_FLOW_OK) || list->n_packets == 0) {
    pkt_buffer_list_unref (list);
    return ret;
  }
  return pkt_pad_push (priv->srcpad, &list->batch);
}

static gboolean
filter_event (PktPad *pad, PktElement *parent, PktEvent *event)
{
  return PKT_FILTER_GET_CLASS (parent)->sink_event (PKT_FILTER (parent), event);
}

static gboolean
pkt_filter_real_sink_event (PktFilter *self, PktEvent *event)
{
  PktFilterPrivate *priv = pkt_filter_get_instance_private (self);
  return pkt_pad_push_event (priv->srcpad, event);
}

static PktFlowReturn
pkt_filter_real_process (PktFilter *self, PktBufferList *list)
{
  return PKT_FLOW_OK;
}

static gboolean
pkt_filter_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktFilter *self = PKT_FILTER (element);
  PktFilterClass *klass = PKT_FILTER_GET_CLASS (self);
  if (t == PKT_STATE_CHANGE_NULL_TO_READY && klass->start && !klass->start (self, error)) {
    if (klass->stop)
      klass->stop (self);
    return FALSE;
  }
  if (t == PKT_STATE_CHANGE_READY_TO_NULL && klass->stop)
    klass->stop (self);
  return PKT_ELEMENT_CLASS (pkt_filter_parent_class)->change_state (element, t, error);
}

static void
pkt_filter_class_init (PktFilterClass *klass)
{
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_filter_change_state;
  klass->process = pkt_filter_real_process;
  klass->sink_event = pkt_filter_real_sink_event;
  pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), &sink_template);
  pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), &src_template);
}

static void
pkt_filter_init (PktFilter *self)
{
  PktFilterPrivate *priv = pkt_filter_get_instance_private (self);
  priv->sinkpad = pkt_pad_new_from_template (&sink_template, NULL);
  pkt_pad_set_chain_function (priv->sinkpad, filter_chain);
  pkt_pad_set_event_function (priv->sinkpad, filter_event);
  pkt_element_add_pad (PKT_ELEMENT (self), priv->sinkpad);
  priv->srcpad = pkt_pad_new_from_template (&src_template, NULL);
  pkt_element_add_pad (PKT_ELEMENT (self), priv->srcpad);
}

/**
 * pkt_filter_get_src_pad:
 * @self: a filter
 *
 * Returns: (transfer none): the src pad
 */
PktPad *
pkt_filter_get_src_pad (PktFilter *self)
{
  PktFilterPrivate *priv = pkt_filter_get_instance_private (self);
  return priv->srcpad;
}

/**
 * pkt_filter_get_sink_pad:
 * @self: a filter
 *
 * Returns: (transfer none): the sink pad
 */
PktPad *
pkt_filter_get_sink_pad (PktFilter *self)
{
  PktFilterPrivate *priv = pkt_filter_get_instance_private (self);
  return priv->sinkpad;
}

/**
 * pkt_filter_compact: (skip)
 * @list: a writable list
 * @keep: one byte per packet, non-zero to keep it
 *
 * Removes the packets whose @keep byte is 0, preserving order.
 *
 * Returns: how many packets were removed
 */
guint
pkt_filter_compact (PktBufferList *list, const guint8 *keep)
{
  guint w = 0;
  for (guint r = 0; r < list->n_packets; r++) {
    if (!keep[r])
      continue;
    if (w != r)
      list->packets[w] = list->packets[r];
    w++;
  }
  guint removed = list->n_packets - w;
  list->n_packets = w;
  return removed;
}
