/* pktpipe — funnel: N sink_%u inputs merged into one src, one batch at a time.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

struct _PktFunnel {
  PktElement parent;
  PktPad *srcpad;
  GMutex lock; /* serializes pushes and events from the input threads */
  GPtrArray *sinkpads;
  GHashTable *eos_pads;
  gboolean started;
  gboolean eos_sent;
  guint64 st_packets;
  guint64 st_batches;
};

G_DECLARE_FINAL_TYPE (PktFunnel, pkt_funnel, PKT, FUNNEL, PktElement)
G_DEFINE_FINAL_TYPE (PktFunnel, pkt_funnel, PKT_TYPE_ELEMENT)

enum { PROP_0, PROP_PACKETS, PROP_BATCHES, N_PROPS };
static GParamSpec *props[N_PROPS];

static const PktPadTemplate src_template
    = { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };
static const PktPadTemplate sink_template
    = { "sink_%u", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_REQUEST };

static PktFlowReturn
pkt_funnel_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktFunnel *self = (PktFunnel *)parent;
  guint n = ((PktBufferList *)batch)->n_packets;
  g_mutex_lock (&self->lock);
  PKT_STAT_ADD (self->st_packets, n);
  PKT_STAT_ADD (self->st_batches, 1);
  PktFlowReturn r = pkt_pad_push (self->srcpad, batch);
  g_mutex_unlock (&self->lock);
  return r;
}

static gboolean
pkt_funnel_event (PktPad *pad, PktElement *parent, PktEvent *event)
{
  PktFunnel *self = (PktFunnel *)parent;
  gboolean forward = TRUE;
  g_mutex_lock (&self->lock);
  switch (event->type) {
    case PKT_EVENT_STREAM_START:
      /* one stream downstream: the first input starts it */
      forward = !self->started;
      self->started = TRUE;
      break;
    case PKT_EVENT_EOS:
      g_hash_table_add (self->eos_pads, pad);
      forward = !self->eos_sent && g_hash_table_size (self->eos_pads) >= self->sinkpads->len;
      if (forward)
        self->eos_sent = TRUE;
      break;
    default:
      break;
  }
  gboolean ok = TRUE;
  if (forward)
    ok = pkt_pad_push_event (self->srcpad, event);
  else
    pkt_event_unref (event);
  g_mutex_unlock (&self->lock);
  return ok;
}

static PktPad *
pkt_funnel_request_new_pad (PktElement *element, const PktPadTemplate *templ, const char *name,
                            GError **error)
{
  PktFunnel *self = PKT_FUNNEL (element);
  PktPad *pad = pkt_pad_new_from_template (templ, name);
  pkt_pad_set_chain_function (pad, pkt_funnel_chain);
  pkt_pad_set_event_function (pad, pkt_funnel_event);
  pkt_element_add_pad (element, pad);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->sinkpads, pad);
  g_mutex_unlock (&self->lock);
  return pad;
}

static void
pkt_funnel_release_pad (PktElement *element, PktPad *pad)
{
  PktFunnel *self = PKT_FUNNEL (element);
  g_mutex_lock (&self->lock);
  g_ptr_array_remove (self->sinkpads, pad);
  g_hash_table_remove (self->eos_pads, pad);
  g_mutex_unlock (&self->lock);
  pkt_element_remove_pad (element, pad);
}

static gboolean
pkt_funnel_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktFunnel *self = PKT_FUNNEL (element);
  if (t == PKT_STATE_CHANGE_READY_TO_PLAYING) {
    g_mutex_lock (&self->lock);
    g_hash_table_remove_all (self->eos_pads);
    self->started = self->eos_sent = FALSE;
    g_mutex_unlock (&self->lock);
  }
  return PKT_ELEMENT_CLASS (pkt_funnel_parent_class)->change_state (element, t, error);
}

static void
pkt_funnel_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktFunnel *self = PKT_FUNNEL (object);
  switch (id) {
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_packets));
      break;
    case PROP_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_batches));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_funnel_finalize (GObject *object)
{
  PktFunnel *self = PKT_FUNNEL (object);
  g_ptr_array_unref (self->sinkpads);
  g_hash_table_unref (self->eos_pads);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pkt_funnel_parent_class)->finalize (object);
}

static void
pkt_funnel_init (PktFunnel *self)
{
  g_mutex_init (&self->lock);
  self->sinkpads = g_ptr_array_new ();
  self->eos_pads = g_hash_table_new (NULL, NULL);
  self->srcpad = pkt_pad_new_from_template (&src_template, NULL);
  pkt_element_add_pad (PKT_ELEMENT (self), self->srcpad);
}

static void
pkt_funnel_class_init (PktFunnelClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  oclass->get_property = pkt_funnel_get_property;
  oclass->finalize = pkt_funnel_finalize;
  eclass->change_state = pkt_funnel_change_state;
  eclass->request_new_pad = pkt_funnel_request_new_pad;
  eclass->release_pad = pkt_funnel_release_pad;
  pkt_element_class_add_pad_template (eclass, &src_template);
  pkt_element_class_add_pad_template (eclass, &sink_template);

  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets forwarded");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches forwarded");
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (eclass, "Funnel", "Generic/Merge",
                                  "Merges sink_%u inputs into one stream; EOS once all inputs "
                                  "ended",
                                  "pktpipe");
}
