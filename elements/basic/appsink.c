/* pktpipe — appsink: the application receives batches (signal or pull).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

#define APPSINK_POLL_US 20000

struct _PktAppSink {
  PktSink parent;
  gboolean emit_signals;
  guint max_batches;
  gboolean drop;

  GMutex lock;
  GCond cond;
  GQueue batches;
  gboolean eos;
  gboolean flushing;

  guint64 st_packets;
  guint64 st_bytes;
  guint64 st_batches;
  guint64 st_dropped_packets;
  guint64 st_dropped_batches;
};

G_DEFINE_FINAL_TYPE (PktAppSink, pkt_app_sink, PKT_TYPE_SINK)

enum {
  PROP_0,
  PROP_EMIT_SIGNALS,
  PROP_MAX_BATCHES,
  PROP_DROP,
  PROP_PACKETS,
  PROP_BYTES,
  PROP_BATCHES,
  PROP_DROPPED_PACKETS,
  PROP_DROPPED_BATCHES,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { SIGNAL_NEW_BATCH, SIGNAL_EOS, N_SIGNALS };
static guint signals[N_SIGNALS];

static PktFlowReturn
pkt_app_sink_render (PktSink *sink, PktBatch *batch)
{
  PktAppSink *self = PKT_APP_SINK (sink);
  PktBufferList *list = (PktBufferList *)batch;
  guint64 bytes = 0;
  for (guint i = 0; i < list->n_packets; i++)
    bytes += list->packets[i].len;
  PKT_STAT_ADD (self->st_packets, list->n_packets);
  PKT_STAT_ADD (self->st_bytes, bytes);
  PKT_STAT_ADD (self->st_batches, 1);

  if (self->emit_signals
      && g_signal_has_handler_pending (self, signals[SIGNAL_NEW_BATCH], 0, TRUE)) {
    g_signal_emit (self, signals[SIGNAL_NEW_BATCH], 0, list);
    return PKT_FLOW_OK;
  }

  g_mutex_lock (&self->lock);
  while (self->max_batches && self->batches.length >= self->max_batches) {
    if (self->drop) {
      PktBufferList *old = g_queue_pop_head (&self->batches);
      PKT_STAT_ADD_ATOMIC (self->st_dropped_packets, old->n_packets);
      PKT_STAT_ADD_ATOMIC (self->st_dropped_batches, 1);
      pkt_buffer_list_unref (old);
      continue;
    }
    g_cond_wait_until (&self->cond, &self->lock, g_get_monotonic_time () + APPSINK_POLL_US);
    if (self->flushing || _pkt_basic_should_abort (PKT_ELEMENT (self))) {
      g_mutex_unlock (&self->lock);
      return PKT_FLOW_FLUSHING;
    }
  }
  g_queue_push_tail (&self->batches, pkt_buffer_list_ref (list));
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return PKT_FLOW_OK;
}

static gboolean
pkt_app_sink_event (PktSink *sink, PktEvent *event)
{
  PktAppSink *self = PKT_APP_SINK (sink);
  if (event->type == PKT_EVENT_EOS) {
    g_mutex_lock (&self->lock);
    self->eos = TRUE;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
    if (self->emit_signals)
      g_signal_emit (self, signals[SIGNAL_EOS], 0);
  } else if (event->type == PKT_EVENT_FLUSH) {
    g_mutex_lock (&self->lock);
    PktBufferList *old;
    while ((old = g_queue_pop_head (&self->batches))) {
      PKT_STAT_ADD_ATOMIC (self->st_dropped_packets, old->n_packets);
      PKT_STAT_ADD_ATOMIC (self->st_dropped_batches, 1);
      pkt_buffer_list_unref (old);
    }
    self->eos = FALSE;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  pkt_event_unref (event);
  return TRUE;
}

/**
 * pkt_app_sink_pull:
 * @appsink: an appsink
 * @timeout_us: how long to wait for a batch: 0 = do not wait, -1 = until a
 *   batch or EOS arrives (or the pipeline stops)
 *
 * Takes the oldest queued batch. Batches queued before the pipeline stopped
 * can still be pulled afterwards.
 *
 * Returns: (transfer full) (nullable): a batch, or NULL on timeout, EOS or stop
 */
PktBufferList *
pkt_app_sink_pull (PktAppSink *appsink, gint64 timeout_us)
{
  g_return_val_if_fail (PKT_IS_APP_SINK (appsink), NULL);
  gint64 deadline = timeout_us > 0 ? g_get_monotonic_time () + timeout_us : 0;
  g_mutex_lock (&appsink->lock);
  while (g_queue_is_empty (&appsink->batches) && !appsink->eos && !appsink->flushing
         && timeout_us != 0) {
    gint64 until = g_get_monotonic_time () + APPSINK_POLL_US;
    if (deadline && until > deadline)
      until = deadline;
    g_cond_wait_until (&appsink->cond, &appsink->lock, until);
    if (deadline && g_get_monotonic_time () >= deadline)
      break;
    if (pkt_element_get_state (PKT_ELEMENT (appsink)) != PKT_STATE_PLAYING)
      break;
  }
  PktBufferList *list = g_queue_pop_head (&appsink->batches);
  if (list)
    g_cond_broadcast (&appsink->cond);
  g_mutex_unlock (&appsink->lock);
  return list;
}

/**
 * pkt_app_sink_is_eos:
 * @appsink: an appsink
 *
 * Returns: TRUE when EOS arrived and every batch before it was pulled
 */
gboolean
pkt_app_sink_is_eos (PktAppSink *appsink)
{
  g_return_val_if_fail (PKT_IS_APP_SINK (appsink), FALSE);
  g_mutex_lock (&appsink->lock);
  gboolean eos = appsink->eos && g_queue_is_empty (&appsink->batches);
  g_mutex_unlock (&appsink->lock);
  return eos;
}

/**
 * pkt_app_sink_get_queued_batches:
 * @appsink: an appsink
 *
 * Returns: batches waiting to be pulled
 */
guint
pkt_app_sink_get_queued_batches (PktAppSink *appsink)
{
  g_mutex_lock (&appsink->lock);
  guint n = appsink->batches.length;
  g_mutex_unlock (&appsink->lock);
  return n;
}

static gboolean
pkt_app_sink_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktAppSink *self = PKT_APP_SINK (element);
  if (t == PKT_STATE_CHANGE_READY_TO_PLAYING) {
    g_mutex_lock (&self->lock);
    g_queue_clear_full (&self->batches, (GDestroyNotify)pkt_buffer_list_unref);
    self->eos = FALSE;
    self->flushing = FALSE;
    g_mutex_unlock (&self->lock);
  } else if (t == PKT_STATE_CHANGE_PLAYING_TO_READY) {
    g_mutex_lock (&self->lock);
    self->flushing = TRUE;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  return PKT_ELEMENT_CLASS (pkt_app_sink_parent_class)->change_state (element, t, error);
}

static void
pkt_app_sink_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktAppSink *self = PKT_APP_SINK (object);
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_EMIT_SIGNALS:
      self->emit_signals = g_value_get_boolean (value);
      break;
    case PROP_MAX_BATCHES:
      self->max_batches = g_value_get_uint (value);
      break;
    case PROP_DROP:
      self->drop = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
pkt_app_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktAppSink *self = PKT_APP_SINK (object);
  switch (id) {
    case PROP_EMIT_SIGNALS:
      g_value_set_boolean (value, self->emit_signals);
      break;
    case PROP_MAX_BATCHES:
      g_value_set_uint (value, self->max_batches);
      break;
    case PROP_DROP:
      g_value_set_boolean (value, self->drop);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_packets));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_bytes));
      break;
    case PROP_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_batches));
      break;
    case PROP_DROPPED_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped_packets));
      break;
    case PROP_DROPPED_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped_batches));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_app_sink_finalize (GObject *object)
{
  PktAppSink *self = PKT_APP_SINK (object);
  g_queue_clear_full (&self->batches, (GDestroyNotify)pkt_buffer_list_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (pkt_app_sink_parent_class)->finalize (object);
}

static void
pkt_app_sink_init (PktAppSink *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->batches);
  self->max_batches = 64;
}

static void
pkt_app_sink_class_init (PktAppSinkClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktSinkClass *sclass = PKT_SINK_CLASS (klass);
  oclass->set_property = pkt_app_sink_set_property;
  oclass->get_property = pkt_app_sink_get_property;
  oclass->finalize = pkt_app_sink_finalize;
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_app_sink_change_state;
  sclass->pad_kind = PKT_PAD_KIND_PACKETS;
  sclass->render = pkt_app_sink_render;
  sclass->event = pkt_app_sink_event;

  props[PROP_EMIT_SIGNALS] = g_param_spec_boolean (
      "emit-signals", "Emit signals",
      "Emit new-batch for every batch (then batches are not queued for pull) and eos", FALSE,
      PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_MAX_BATCHES] = g_param_spec_uint (
      "max-batches", "Max batches", "Batches queued for pull at most (0 = no limit)", 0, G_MAXUINT,
      64, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_DROP] = g_param_spec_boolean (
      "drop", "Drop", "When full, drop the oldest batch (counted) instead of blocking upstream",
      FALSE, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets received");
  props[PROP_BYTES] = PKT_BASIC_STAT ("bytes", "Bytes received");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches received");
  props[PROP_DROPPED_PACKETS] = PKT_BASIC_STAT ("dropped-packets", "Packets dropped (drop=true)");
  props[PROP_DROPPED_BATCHES] = PKT_BASIC_STAT ("dropped-batches", "Batches dropped (drop=true)");
  g_object_class_install_properties (oclass, N_PROPS, props);

  /**
   * PktAppSink::new-batch:
   * @appsink: the element
   * @batch: the batch (borrowed: ref it to keep it)
   *
   * Emitted on the streaming thread when #PktAppSink:emit-signals is set.
   */
  signals[SIGNAL_NEW_BATCH]
      = g_signal_new ("new-batch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, PKT_TYPE_BUFFER_LIST | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * PktAppSink::eos:
   * @appsink: the element
   *
   * Emitted on the streaming thread when EOS arrives and #PktAppSink:emit-signals is set.
   */
  signals[SIGNAL_EOS] = g_signal_new ("eos", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                      NULL, NULL, G_TYPE_NONE, 0);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Application sink", "Sink/Generic",
                                  "Hands batches to the application (signal or pull)", "pktpipe");
}
