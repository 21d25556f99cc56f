/* pktpipe — the pipeline: a top-level bin with a bus and EOS aggregation.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-bin.h>
#include <pktpipe/pkt-source.h>

struct _PktPipeline {
  PktBin parent;
  PktBus *bus;
  GMutex eos_lock;
  GHashTable *eos_sinks; /* sinks that reported EOS this run */
  guint n_sinks;
  gboolean eos_posted;
};

G_DEFINE_FINAL_TYPE (PktPipeline, pkt_pipeline, PKT_TYPE_BIN)

static void
collect_recursive (PktBin *bin, GPtrArray *out)
{
  for (GList *l = pkt_bin_get_children (bin); l; l = l->next) {
    g_ptr_array_add (out, l->data);
    if (PKT_IS_BIN (l->data))
      collect_recursive (l->data, out);
  }
}

static GPtrArray *
all_elements (PktPipeline *self)
{
  GPtrArray *a = g_ptr_array_new ();
  collect_recursive (PKT_BIN (self), a);
  return a;
}

/* Every always pad must be linked: an unlinked one would silently lose data
 * (src) or never receive any (sink). Request pads exist only when linked. */
static gboolean
check_links (PktPipeline *self, GError **error)
{
  g_autoptr (GPtrArray) els = all_elements (self);
  for (guint i = 0; i < els->len; i++) {
    PktElement *e = els->pdata[i];
    if (PKT_IS_BIN (e))
      continue;
    for (GList *p = pkt_element_get_pads (e); p; p = p->next) {
      PktPad *pad = p->data;
      if (pkt_pad_is_linked (pad) || pkt_pad_get_presence (pad) != PKT_PAD_ALWAYS)
        continue;
      g_autofree char *n = pkt_pad_get_full_name (pad);
      g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED,
                   "pad %s (%s %s) is not linked: every %s pad must be linked to something", n,
                   pkt_pad_get_direction (pad) == PKT_PAD_SRC ? "src" : "sink",
                   pkt_pad_kind_get_name (pkt_pad_get_kind (pad)),
                   pkt_pad_get_direction (pad) == PKT_PAD_SRC ? "src" : "sink");
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
pkt_pipeline_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktPipeline *self = PKT_PIPELINE (element);
  if (t == PKT_STATE_CHANGE_NULL_TO_READY && !check_links (self, error))
    return FALSE;
  if (t == PKT_STATE_CHANGE_READY_TO_PLAYING) {
    g_autoptr (GPtrArray) els = all_elements (self);
    g_mutex_lock (&self->eos_lock);
    g_hash_table_remove_all (self->eos_sinks);
    self->eos_posted = FALSE;
    self->n_sinks = 0;
    for (guint i = 0; i < els->len; i++)
      if (pkt_element_get_flags (els->pdata[i]) & PKT_ELEMENT_FLAG_SINK)
        self->n_sinks++;
    g_mutex_unlock (&self->eos_lock);
  }
  return PKT_ELEMENT_CLASS (pkt_pipeline_parent_class)->change_state (element, t, error);
}

static void
pkt_pipeline_finalize (GObject *object)
{
  PktPipeline *self = PKT_PIPELINE (object);
  g_clear_object (&self->bus);
  g_hash_table_unref (self->eos_sinks);
  g_mutex_clear (&self->eos_lock);
  G_OBJECT_CLASS (pkt_pipeline_parent_class)->finalize (object);
}

static void
pkt_pipeline_class_init (PktPipelineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pkt_pipeline_finalize;
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_pipeline_change_state;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Pipeline", "Generic/Bin",
                                  "A top-level bin with a bus", "pktpipe");
}

static void
pkt_pipeline_init (PktPipeline *self)
{
  self->bus = pkt_bus_new ();
  g_mutex_init (&self->eos_lock);
  self->eos_sinks = g_hash_table_new (NULL, NULL);
}

/**
 * pkt_pipeline_new:
 * @name: (nullable): its name
 *
 * Returns: (transfer floating): a new pipeline
 */
PktElement *
pkt_pipeline_new (const char *name)
{
  return g_object_new (PKT_TYPE_PIPELINE, "name", name ? name : "pipeline0", NULL);
}

/**
 * pkt_pipeline_get_bus:
 * @pipeline: a pipeline
 *
 * Returns: (transfer none): its bus
 */
PktBus *
pkt_pipeline_get_bus (PktPipeline *pipeline)
{
  return pipeline->bus;
}

void
_pkt_pipeline_sink_eos (PktPipeline *pipeline, PktElement *sink)
{
  gboolean post = FALSE;
  g_mutex_lock (&pipeline->eos_lock);
  g_hash_table_add (pipeline->eos_sinks, sink);
  if (!pipeline->eos_posted && g_hash_table_size (pipeline->eos_sinks) >= pipeline->n_sinks) {
    pipeline->eos_posted = TRUE;
    post = TRUE;
  }
  g_mutex_unlock (&pipeline->eos_lock);
  if (post)
    pkt_bus_post (pipeline->bus, pkt_message_new_eos (PKT_ELEMENT (pipeline)));
}

/**
 * pkt_pipeline_send_eos:
 * @pipeline: a playing pipeline
 *
 * Asks every source to finish: each sends EOS after its current batch, so
 * files are completed and flows flushed (what Ctrl-C does in pkt-launch).
 */
void
pkt_pipeline_send_eos (PktPipeline *pipeline)
{
  g_autoptr (GPtrArray) els = all_elements (pipeline);
  for (guint i = 0; i < els->len; i++)
    if (PKT_IS_SOURCE (els->pdata[i]))
      pkt_source_request_eos (els->pdata[i]);
}

/**
 * pkt_pipeline_run:
 * @pipeline: a pipeline in NULL
 * @timeout_us: give up after this long (then EOS is sent and awaited for
 *   one more second); -1 = no limit
 * @error: the first ERROR message's error
 *
 * Plays the pipeline until EOS or an error, then sets it to NULL. For
 * programs without a main loop. WARNING messages are printed to stderr;
 * other messages are consumed.
 *
 * Returns: TRUE on EOS
 */
gboolean
pkt_pipeline_run (PktPipeline *pipeline, gint64 timeout_us, GError **error)
{
  PktElement *el = PKT_ELEMENT (pipeline);
  if (!pkt_element_set_state (el, PKT_STATE_PLAYING, error)) {
    pkt_element_set_state (el, PKT_STATE_NULL, NULL);
    return FALSE;
  }
  gboolean ok = FALSE;
  gint64 deadline = timeout_us >= 0 ? g_get_monotonic_time () + timeout_us : G_MAXINT64;
  gboolean eos_sent = FALSE;
  for (;;) {
    gint64 now = g_get_monotonic_time ();
    gint64 wait = deadline == G_MAXINT64 ? -1 : MAX (deadline - now, 0);
    g_autoptr (PktMessage) m = pkt_bus_pop_filtered (
        pipeline->bus, wait, PKT_MESSAGE_EOS | PKT_MESSAGE_ERROR | PKT_MESSAGE_WARNING);
    if (m && m->type == PKT_MESSAGE_WARNING) {
      /* nobody else reads this bus: a warning (something lost or degraded)
       * must still reach a person */
      g_printerr ("WARNING from %s: %s\n", m->src_name ? m->src_name : "pipeline",
                  m->error ? m->error->message : "");
      continue;
    }
    if (m && m->type == PKT_MESSAGE_EOS) {
      ok = TRUE;
      break;
    }
    if (m && m->type == PKT_MESSAGE_ERROR) {
      g_propagate_error (error, g_error_copy (m->error));
      break;
    }
    if (!eos_sent) {
      pkt_pipeline_send_eos (pipeline);
      eos_sent = TRUE;
      deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
      continue;
    }
    g_set_error (error, PKT_ERROR, PKT_ERROR_FAILED, "%s: no EOS within the time limit",
                 pkt_element_get_name (el));
    break;
  }
  pkt_element_set_state (el, PKT_STATE_NULL, NULL);
  return ok;
}

/**
 * pkt_pipeline_get_stats:
 * @pipeline: a pipeline
 *
 * Returns: (transfer floating): a{sv} keyed by element name, each an a{sv}
 *   of that element's counters (see pkt_element_get_stats())
 */
GVariant *
pkt_pipeline_get_stats (PktPipeline *pipeline)
{
  g_autoptr (GPtrArray) els = all_elements (pipeline);
  GVariantDict dict;
  g_variant_dict_init (&dict, NULL);
  for (guint i = 0; i < els->len; i++) {
    if (PKT_IS_BIN (els->pdata[i]))
      continue;
    g_variant_dict_insert_value (&dict, pkt_element_get_name (els->pdata[i]),
                                 pkt_element_get_stats (els->pdata[i]));
  }
  return g_variant_dict_end (&dict);
}
