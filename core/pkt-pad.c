/* pktpipe — pads.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-element.h>

struct _PktPad {
  GInitiallyUnowned parent;
  char *name;
  PktPadDirection direction;
  PktPadKind kind;
  PktPadPresence presence;
  const PktPadTemplate *templ;
  PktElement *parent_element; /* weak: the element owns the pad */
  PktPad *peer;               /* weak: unlinked before either goes away */
  PktPadChainFunction chain;
  PktPadEventFunction event;
};

G_DEFINE_FINAL_TYPE (PktPad, pkt_pad, G_TYPE_INITIALLY_UNOWNED)

static void
pkt_pad_finalize (GObject *object)
{
  PktPad *self = PKT_PAD (object);
  g_free (self->name);
  G_OBJECT_CLASS (pkt_pad_parent_class)->finalize (object);
}

static void
pkt_pad_class_init (PktPadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pkt_pad_finalize;
}

static void
pkt_pad_init (PktPad *self)
{
  self->event = pkt_pad_event_default;
}

/**
 * pkt_pad_new:
 * @name: pad name
 * @direction: src or sink
 * @kind: packets or records
 *
 * Returns: (transfer floating): a new pad
 */
PktPad *
pkt_pad_new (const char *name, PktPadDirection direction, PktPadKind kind)
{
  PktPad *pad = g_object_new (PKT_TYPE_PAD, NULL);
  pad->name = g_strdup (name);
  pad->direction = direction;
  pad->kind = kind;
  return pad;
}

/**
 * pkt_pad_new_from_template:
 * @templ: a template (static storage)
 * @name: (nullable): the name; NULL uses the template's name
 *
 * Returns: (transfer floating): a new pad
 */
PktPad *
pkt_pad_new_from_template (const PktPadTemplate *templ, const char *name)
{
  PktPad *pad = pkt_pad_new (name ? name : templ->name_template, templ->direction, templ->kind);
  pad->presence = templ->presence;
  pad->templ = templ;
  return pad;
}

void
_pkt_pad_set_template (PktPad *pad, const PktPadTemplate *templ)
{
  g_return_if_fail (pad->peer == NULL);
  pad->templ = templ;
  pad->presence = templ->presence;
  pad->kind = templ->kind;
  pad->direction = templ->direction;
}

/**
 * pkt_pad_get_name:
 * @pad: a pad
 *
 * Returns: its name
 */
const char *
pkt_pad_get_name (PktPad *pad)
{
  return pad->name;
}

/**
 * pkt_pad_get_direction:
 * @pad: a pad
 *
 * Returns: its direction
 */
PktPadDirection
pkt_pad_get_direction (PktPad *pad)
{
  return pad->direction;
}

/**
 * pkt_pad_get_kind:
 * @pad: a pad
 *
 * Returns: what it carries
 */
PktPadKind
pkt_pad_get_kind (PktPad *pad)
{
  return pad->kind;
}

/**
 * pkt_pad_get_presence:
 * @pad: a pad
 *
 * Returns: always or request
 */
PktPadPresence
pkt_pad_get_presence (PktPad *pad)
{
  return pad->presence;
}

/**
 * pkt_pad_get_parent_element:
 * @pad: a pad
 *
 * Returns: (transfer none) (nullable): the element owning it
 */
PktElement *
pkt_pad_get_parent_element (PktPad *pad)
{
  return pad->parent_element;
}

void
_pkt_pad_set_parent (PktPad *pad, PktElement *parent)
{
  pad->parent_element = parent;
}

/**
 * pkt_pad_get_peer:
 * @pad: a pad
 *
 * Returns: (transfer none) (nullable): the linked pad
 */
PktPad *
pkt_pad_get_peer (PktPad *pad)
{
  return pad->peer;
}

/**
 * pkt_pad_is_linked:
 * @pad: a pad
 *
 * Returns: whether it has a peer
 */
gboolean
pkt_pad_is_linked (PktPad *pad)
{
  return pad->peer != NULL;
}

/**
 * pkt_pad_set_chain_function: (skip)
 * @pad: a sink pad
 * @func: receives batches
 */
void
pkt_pad_set_chain_function (PktPad *pad, PktPadChainFunction func)
{
  pad->chain = func;
}

/**
 * pkt_pad_set_event_function: (skip)
 * @pad: a pad
 * @func: receives events
 */
void
pkt_pad_set_event_function (PktPad *pad, PktPadEventFunction func)
{
  pad->event = func;
}

/**
 * pkt_pad_kind_get_name:
 * @kind: a kind
 *
 * Returns: `packets` or `records`
 */
const char *
pkt_pad_kind_get_name (PktPadKind kind)
{
  return kind == PKT_PAD_KIND_RECORDS ? "records" : "packets";
}

/**
 * pkt_pad_get_full_name:
 * @pad: a pad
 *
 * Returns: (transfer full): `element.pad`
 */
char *
pkt_pad_get_full_name (PktPad *pad)
{
  return g_strdup_printf (
      "%s.%s", pad->parent_element ? pkt_element_get_name (pad->parent_element) : "?", pad->name);
}

/**
 * pkt_pad_link:
 * @src: a src pad
 * @sink: a sink pad
 * @error: a #GError naming both pads when they cannot be linked
 *
 * Returns: TRUE when linked
 */
gboolean
pkt_pad_link (PktPad *src, PktPad *sink, GError **error)
{
  g_autofree char *sn = pkt_pad_get_full_name (src);
  g_autofree char *kn = pkt_pad_get_full_name (sink);
  if (src->direction != PKT_PAD_SRC || sink->direction != PKT_PAD_SINK) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED,
                 "cannot link %s to %s: a link goes from a src pad to a sink pad", sn, kn);
    return FALSE;
  }
  if (src->kind != sink->kind) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED,
                 "cannot link %s (%s) to %s (%s): the pads carry different kinds of batch", sn,
                 pkt_pad_kind_get_name (src->kind), kn, pkt_pad_kind_get_name (sink->kind));
    return FALSE;
  }
  if (src->peer || sink->peer) {
    PktPad *busy = src->peer ? src : sink;
    g_autofree char *bn = pkt_pad_get_full_name (busy);
    g_autofree char *pn = pkt_pad_get_full_name (busy->peer);
    g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED,
                 "cannot link %s to %s: %s is already linked to %s", sn, kn, bn, pn);
    return FALSE;
  }
  if (src->parent_element && src->parent_element == sink->parent_element) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED,
                 "cannot link %s to %s: an element cannot feed itself", sn, kn);
    return FALSE;
  }
  src->peer = sink;
  sink->peer = src;
  return TRUE;
}

/**
 * pkt_pad_unlink:
 * @src: a src pad
 * @sink: its peer
 */
void
pkt_pad_unlink (PktPad *src, PktPad *sink)
{
  if (src->peer == sink && sink->peer == src) {
    src->peer = NULL;
    sink->peer = NULL;
  }
}

/**
 * pkt_pad_push: (skip)
 * @pad: a linked src pad
 * @batch: (transfer full): a batch of the pad's kind
 *
 * Hands @batch to the peer's chain function, on this thread.
 *
 * Returns: what the peer returned
 */
PktFlowReturn
pkt_pad_push (PktPad *pad, PktBatch *batch)
{
  PktPad *peer = pad->peer;
  if (G_UNLIKELY (peer == NULL || peer->chain == NULL)) {
    pkt_batch_unref (batch);
    return PKT_FLOW_NOT_LINKED;
  }
  return peer->chain (peer, peer->parent_element, batch);
}

/**
 * pkt_pad_push_list:
 * @pad: a linked src pad of kind packets
 * @list: (transfer full): the batch
 *
 * Returns: what the peer returned
 */
PktFlowReturn
pkt_pad_push_list (PktPad *pad, PktBufferList *list)
{
  return pkt_pad_push (pad, &list->batch);
}

/**
 * pkt_pad_push_records:
 * @pad: a linked src pad of kind records
 * @list: (transfer full): the batch
 *
 * Returns: what the peer returned
 */
PktFlowReturn
pkt_pad_push_records (PktPad *pad, PktRecordList *list)
{
  return pkt_pad_push (pad, &list->batch);
}

/**
 * pkt_pad_push_event:
 * @pad: a src pad
 * @event: (transfer full): the event
 *
 * Returns: whether the peer handled it (FALSE when unlinked)
 */
gboolean
pkt_pad_push_event (PktPad *pad, PktEvent *event)
{
  PktPad *peer = pad->peer;
  if (peer == NULL || peer->event == NULL) {
    pkt_event_unref (event);
    return FALSE;
  }
  return peer->event (peer, peer->parent_element, event);
}

/**
 * pkt_pad_event_default: (skip)
 * @pad: a sink pad
 * @parent: its element
 * @event: (transfer full): the event
 *
 * Forwards the event out of every src pad of @parent.
 *
 * Returns: TRUE if every src pad took it
 */
gboolean
pkt_pad_event_default (PktPad *pad, PktElement *parent, PktEvent *event)
{
  return pkt_element_forward_event (parent, event);
}
