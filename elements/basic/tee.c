/* pktpipe — tee: every batch to every src_%u branch (a reference each; a
 * branch that writes descriptors gets its own copy through make_writable).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

struct _PktTee {
  PktElement parent;
  PktPad *sinkpad;
  GPtrArray *srcpads;   /* changed only outside PLAYING */
  gboolean *branch_eos; /* per src pad, written by the streaming thread */
  guint n_branch_eos;
  guint64 st_packets;
  guint64 st_batches;
};

G_DECLARE_FINAL_TYPE (PktTee, pkt_tee, PKT, TEE, PktElement)
G_DEFINE_FINAL_TYPE (PktTee, pkt_tee, PKT_TYPE_ELEMENT)

enum { PROP_0, PROP_PACKETS, PROP_BATCHES, N_PROPS };
static GParamSpec *props[N_PROPS];

static const PktPadTemplate sink_template
    = { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };
static const PktPadTemplate src_template
    = { "src_%u", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_REQUEST };

static PktFlowReturn
pkt_tee_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktTee *self = (PktTee *)parent;
  guint n = self->srcpads->len;
  gint last = -1;
  PKT_STAT_ADD (self->st_packets, ((PktBufferList *)batch)->n_packets);
  PKT_STAT_ADD (self->st_batches, 1);
  for (guint i = 0; i < n; i++)
    if (!self->branch_eos[i])
      last = (gint)i;
  if (last < 0) {
    pkt_batch_unref (batch);
    return n ? PKT_FLOW_EOS : PKT_FLOW_NOT_LINKED;
  }
  gboolean any_ok = FALSE, all_not_linked = TRUE;
  PktFlowReturn fatal = PKT_FLOW_OK;
  for (guint i = 0; i <= (guint)last; i++) {
    if (self->branch_eos[i])
      continue;
    /* one ref per branch; the last branch gets ours */
    PktBatch *b = i == (guint)last ? batch : pkt_batch_ref (batch);
    PktFlowReturn r = pkt_pad_push (self->srcpads->pdata[i], b);
    if (r == PKT_FLOW_OK) {
      any_ok = TRUE;
      all_not_linked = FALSE;
    } else if (r == PKT_FLOW_EOS) {
      self->branch_eos[i] = TRUE;
      self->n_branch_eos++;
      all_not_linked = FALSE;
    } else if (r != PKT_FLOW_NOT_LINKED) {
      fatal = r;
      all_not_linked = FALSE;
    }
  }
  if (fatal != PKT_FLOW_OK)
    return fatal;
  if (any_ok)
    return PKT_FLOW_OK;
  if (self->n_branch_eos == n)
    return PKT_FLOW_EOS;
  return all_not_linked ? PKT_FLOW_NOT_LINKED : PKT_FLOW_OK;
}

static PktPad *
pkt_tee_request_new_pad (PktElement *element, const PktPadTemplate *templ, const char *name,
                         GError **error)
{
  PktTee *self = PKT_TEE (element);
  PktPad *pad = pkt_pad_new_from_template (templ, name);
  pkt_element_add_pad (element, pad);
  g_ptr_array_add (self->srcpads, pad);
  return pad;
}

static void
pkt_tee_release_pad (PktElement *element, PktPad *pad)
{
  PktTee *self = PKT_TEE (element);
  g_ptr_array_remove (self->srcpads, pad);
  pkt_element_remove_pad (element, pad);
}

static gboolean
pkt_tee_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktTee *self = PKT_TEE (element);
  if (t == PKT_STATE_CHANGE_READY_TO_PLAYING) {
    g_free (self->branch_eos);
    self->branch_eos = g_new0 (gboolean, MAX (self->srcpads->len, 1));
    self->n_branch_eos = 0;
  }
  return PKT_ELEMENT_CLASS (pkt_tee_parent_class)->change_state (element, t, error);
}

static void
pkt_tee_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktTee *self = PKT_TEE (object);
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
pkt_tee_finalize (GObject *object)
{
  PktTee *self = PKT_TEE (object);
  g_ptr_array_unref (self->srcpads);
  g_free (self->branch_eos);
  G_OBJECT_CLASS (pkt_tee_parent_class)->finalize (object);
}

static void
pkt_tee_init (PktTee *self)
{
  self->srcpads = g_ptr_array_new ();
  self->branch_eos = g_new0 (gboolean, 1);
  self->sinkpad = pkt_pad_new_from_template (&sink_template, NULL);
  pkt_pad_set_chain_function (self->sinkpad, pkt_tee_chain);
  pkt_pad_set_event_function (self->sinkpad, pkt_pad_event_default);
  pkt_element_add_pad (PKT_ELEMENT (self), self->sinkpad);
}

static void
pkt_tee_class_init (PktTeeClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  oclass->get_property = pkt_tee_get_property;
  oclass->finalize = pkt_tee_finalize;
  eclass->change_state = pkt_tee_change_state;
  eclass->request_new_pad = pkt_tee_request_new_pad;
  eclass->release_pad = pkt_tee_release_pad;
  pkt_element_class_add_pad_template (eclass, &sink_template);
  pkt_element_class_add_pad_template (eclass, &src_template);

  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets received (each goes to every branch)");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches received");
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (eclass, "Tee", "Generic/Split",
                                  "Sends every batch to every src_%u branch (zero-copy)",
                                  "pktpipe");
}
