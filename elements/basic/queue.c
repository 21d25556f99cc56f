/* pktpipe — queue: a thread boundary. A bounded ring of batches (and the
 * events between them, in order) drained by the queue's own thread.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One mutex per batch (never per packet); each side signals the other only
 * when it is known to be waiting, so a busy pipeline takes no futex syscall.
 * Blocked waits (leaky=no) wake every 20 ms to notice a pipeline that is
 * being stopped from the sources down. */
#include "basic.h"

#define QUEUE_POLL_US 20000

typedef enum {
  PKT_QUEUE_LEAKY_NO,
  PKT_QUEUE_LEAKY_UPSTREAM,
  PKT_QUEUE_LEAKY_DOWNSTREAM,
} PktQueueLeaky;

static GType
pkt_queue_leaky_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { PKT_QUEUE_LEAKY_NO, "block upstream while full", "no" },
    { PKT_QUEUE_LEAKY_UPSTREAM, "drop the incoming batch while full", "upstream" },
    { PKT_QUEUE_LEAKY_DOWNSTREAM, "drop the oldest queued batches to make room", "downstream" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("PktQueueLeaky", values));
  return type;
}

typedef struct {
  PktBatch *batch; /* NULL: an event, or a batch dropped by leaky=downstream */
  PktEvent *event;
  guint n_packets;
} QueueItem;

struct _PktQueue {
  PktElement parent;
  PktPad *sinkpad;
  PktPad *srcpad;

  guint max_batches;
  guint64 max_packets;
  PktQueueLeaky leaky;

  GMutex lock;
  GCond data_cond;
  GCond space_cond;
  QueueItem *ring;
  guint ring_cap;
  guint head;
  guint count;
  guint level_batches;
  guint64 level_packets;
  gboolean consumer_waiting;
  gboolean producer_waiting;
  gboolean flushing;
  PktFlowReturn srcresult; /* what downstream last said, returned upstream */
  GThread *thread;

  guint64 st_packets;
  guint64 st_dropped_packets;
  guint64 st_dropped_batches;
  guint64 st_level_packets;
  guint64 st_level_batches;
};

G_DECLARE_FINAL_TYPE (PktQueue, pkt_queue, PKT, QUEUE, PktElement)
G_DEFINE_FINAL_TYPE (PktQueue, pkt_queue, PKT_TYPE_ELEMENT)

enum {
  PROP_0,
  PROP_MAX_BATCHES,
  PROP_MAX_PACKETS,
  PROP_LEAKY,
  PROP_PACKETS,
  PROP_DROPPED_PACKETS,
  PROP_DROPPED_BATCHES,
  PROP_LEVEL_PACKETS,
  PROP_LEVEL_BATCHES,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static const PktPadTemplate sink_template
    = { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };
static const PktPadTemplate src_template
    = { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };

/* ---- ring (lock held) ------------------------------------------------------ */

static void
queue_publish_level (PktQueue *self)
{
  __atomic_store_n (&self->st_level_packets, self->level_packets, __ATOMIC_RELAXED);
  __atomic_store_n (&self->st_level_batches, (guint64)self->level_batches, __ATOMIC_RELAXED);
}

static void
queue_push_item (PktQueue *self, QueueItem item)
{
  if (G_UNLIKELY (self->count == self->ring_cap)) {
    /* events do not count against the bounds: grow (rare) */
    guint cap = MAX (16, self->ring_cap * 2);
    QueueItem *ring = g_new (QueueItem, cap);
    for (guint i = 0; i < self->count; i++)
      ring[i] = self->ring[(self->head + i) % self->ring_cap];
    g_free (self->ring);
    self->ring = ring;
    self->ring_cap = cap;
    self->head = 0;
  }
  self->ring[(self->head + self->count) % self->ring_cap] = item;
  self->count++;
  if (item.batch) {
    self->level_batches++;
    self->level_packets += item.n_packets;
    queue_publish_level (self);
  }
  if (self->consumer_waiting)
    g_cond_signal (&self->data_cond);
}

static QueueItem
queue_pop_item (PktQueue *self)
{
  QueueItem item = self->ring[self->head];
  self->head = (self->head + 1) % self->ring_cap;
  self->count--;
  if (item.batch) {
    self->level_batches--;
    self->level_packets -= item.n_packets;
    queue_publish_level (self);
  }
  if (self->producer_waiting)
    g_cond_broadcast (&self->space_cond);
  return item;
}

static void
queue_count_drop (PktQueue *self, guint n_packets)
{
  PKT_STAT_ADD_ATOMIC (self->st_dropped_packets, n_packets);
  PKT_STAT_ADD_ATOMIC (self->st_dropped_batches, 1);
}

/* leaky=downstream: drop the oldest queued batch; events stay. */
static gboolean
queue_drop_oldest (PktQueue *self)
{
  for (guint i = 0; i < self->count; i++) {
    QueueItem *it = &self->ring[(self->head + i) % self->ring_cap];
    if (!it->batch)
      continue;
    queue_count_drop (self, it->n_packets);
    pkt_batch_unref (it->batch);
    it->batch = NULL;
    self->level_batches--;
    self->level_packets -= it->n_packets;
    queue_publish_level (self);
    return TRUE;
  }
  return FALSE;
}

/* Drops every queued batch (counted) and event. */
static void
queue_clear (PktQueue *self)
{
  while (self->count > 0) {
    QueueItem it = queue_pop_item (self);
    if (it.batch) {
      queue_count_drop (self, it.n_packets);
      pkt_batch_unref (it.batch);
    }
    if (it.event)
      pkt_event_unref (it.event);
  }
}

static inline gboolean
queue_is_full (PktQueue *self, guint n_packets)
{
  if (self->level_batches == 0)
    return FALSE; /* one batch always fits, even a huge one */
  if (self->max_batches && self->level_batches >= self->max_batches)
    return TRUE;
  return self->max_packets && self->level_packets + n_packets > self->max_packets;
}

/* ---- upstream side ---------------------------------------------------------- */

static PktFlowReturn
pkt_queue_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  PktQueue *self = (PktQueue *)parent;
  guint n = ((PktBufferList *)batch)->n_packets;
  PktFlowReturn ret = PKT_FLOW_OK;
  g_mutex_lock (&self->lock);
  while (!self->flushing && self->srcresult == PKT_FLOW_OK && queue_is_full (self, n)) {
    if (self->leaky == PKT_QUEUE_LEAKY_UPSTREAM) {
      queue_count_drop (self, n);
      g_mutex_unlock (&self->lock);
      pkt_batch_unref (batch);
      return PKT_FLOW_OK;
    }
    if (self->leaky == PKT_QUEUE_LEAKY_DOWNSTREAM) {
      if (!queue_drop_oldest (self))
        break;
      continue;
    }
    self->producer_waiting = TRUE;
    g_cond_wait_until (&self->space_cond, &self->lock, g_get_monotonic_time () + QUEUE_POLL_US);
    self->producer_waiting = FALSE;
    if (_pkt_basic_should_abort (parent)) {
      ret = PKT_FLOW_FLUSHING;
      break;
    }
  }
  if (self->flushing)
    ret = PKT_FLOW_FLUSHING;
  else if (ret == PKT_FLOW_OK && self->srcresult != PKT_FLOW_OK)
    ret = self->srcresult;
  if (ret != PKT_FLOW_OK) {
    g_mutex_unlock (&self->lock);
    pkt_batch_unref (batch);
    return ret;
  }
  queue_push_item (self, (QueueItem){ .batch = batch, .n_packets = n });
  g_mutex_unlock (&self->lock);
  return PKT_FLOW_OK;
}

static gboolean
pkt_queue_sink_event (PktPad *pad, PktElement *parent, PktEvent *event)
{
  PktQueue *self = (PktQueue *)parent;
  g_mutex_lock (&self->lock);
  if (event->type == PKT_EVENT_FLUSH) {
    /* drop what is held (counted), then let FLUSH follow what was pushed */
    queue_clear (self);
    if (self->srcresult == PKT_FLOW_EOS)
      self->srcresult = PKT_FLOW_OK;
  }
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    pkt_event_unref (event);
    return FALSE;
  }
  queue_push_item (self, (QueueItem){ .event = event });
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ---- downstream side: the queue's thread ------------------------------------ */

static gpointer
pkt_queue_loop (gpointer data)
{
  PktQueue *self = data;
  g_mutex_lock (&self->lock);
  for (;;) {
    while (self->count == 0 && !self->flushing) {
      self->consumer_waiting = TRUE;
      g_cond_wait (&self->data_cond, &self->lock);
      self->consumer_waiting = FALSE;
    }
    if (self->flushing)
      break;
    QueueItem it = queue_pop_item (self);
    PktFlowReturn srcresult = self->srcresult;
    g_mutex_unlock (&self->lock);

    if (it.event) {
      pkt_pad_push_event (self->srcpad, it.event);
    } else if (it.batch && srcresult != PKT_FLOW_OK) {
      /* downstream refused more: what is still queued is lost, counted */
      queue_count_drop (self, it.n_packets);
      pkt_batch_unref (it.batch);
    } else if (it.batch) {
      PKT_STAT_ADD (self->st_packets, it.n_packets);
      PktFlowReturn r = pkt_pad_push (self->srcpad, it.batch);
      if (G_UNLIKELY (r != PKT_FLOW_OK)) {
        g_mutex_lock (&self->lock);
        if (!self->flushing)
          self->srcresult = r;
        if (self->producer_waiting)
          g_cond_broadcast (&self->space_cond);
        g_mutex_unlock (&self->lock);
        if (r == PKT_FLOW_NOT_LINKED)
          pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_NOT_LINKED, NULL,
                             "%s: src pad is not linked",
                             pkt_element_get_name (PKT_ELEMENT (self)));
      }
    }
    g_mutex_lock (&self->lock);
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* ---- state ------------------------------------------------------------------ */

static gboolean
pkt_queue_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktQueue *self = PKT_QUEUE (element);
  switch (t) {
    case PKT_STATE_CHANGE_NULL_TO_READY:
      if (self->max_batches == 0 && self->max_packets == 0) {
        pkt_element_set_error (element, error, PKT_ERROR_SETTINGS,
                               "max-size-batches and max-size-packets are both 0: a queue must "
                               "be bounded");
        return FALSE;
      }
      break;
    case PKT_STATE_CHANGE_READY_TO_PLAYING: {
      g_mutex_lock (&self->lock);
      self->flushing = FALSE;
      self->srcresult = PKT_FLOW_OK;
      g_mutex_unlock (&self->lock);
      if (!PKT_ELEMENT_CLASS (pkt_queue_parent_class)->change_state (element, t, error))
        return FALSE;
      g_autofree char *name = g_strdup_printf ("q:%s", pkt_element_get_name (element));
      self->thread = g_thread_try_new (name, pkt_queue_loop, self, error);
      return self->thread != NULL;
    }
    case PKT_STATE_CHANGE_PLAYING_TO_READY:
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      g_cond_broadcast (&self->data_cond);
      g_cond_broadcast (&self->space_cond);
      g_mutex_unlock (&self->lock);
      if (self->thread)
        g_thread_join (g_steal_pointer (&self->thread));
      g_mutex_lock (&self->lock);
      queue_clear (self);
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }
  return PKT_ELEMENT_CLASS (pkt_queue_parent_class)->change_state (element, t, error);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
pkt_queue_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktQueue *self = PKT_QUEUE (object);
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_MAX_BATCHES:
      self->max_batches = g_value_get_uint (value);
      break;
    case PROP_MAX_PACKETS:
      self->max_packets = g_value_get_uint64 (value);
      break;
    case PROP_LEAKY:
      self->leaky = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_cond_broadcast (&self->space_cond);
  g_mutex_unlock (&self->lock);
}

static void
pkt_queue_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktQueue *self = PKT_QUEUE (object);
  switch (id) {
    case PROP_MAX_BATCHES:
      g_value_set_uint (value, self->max_batches);
      break;
    case PROP_MAX_PACKETS:
      g_value_set_uint64 (value, self->max_packets);
      break;
    case PROP_LEAKY:
      g_value_set_enum (value, self->leaky);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_packets));
      break;
    case PROP_DROPPED_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped_packets));
      break;
    case PROP_DROPPED_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped_batches));
      break;
    case PROP_LEVEL_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_level_packets));
      break;
    case PROP_LEVEL_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_level_batches));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_queue_finalize (GObject *object)
{
  PktQueue *self = PKT_QUEUE (object);
  queue_clear (self);
  g_free (self->ring);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->data_cond);
  g_cond_clear (&self->space_cond);
  G_OBJECT_CLASS (pkt_queue_parent_class)->finalize (object);
}

static void
pkt_queue_init (PktQueue *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->data_cond);
  g_cond_init (&self->space_cond);
  self->max_batches = 64;
  self->flushing = TRUE;
  self->sinkpad = pkt_pad_new_from_template (&sink_template, NULL);
  pkt_pad_set_chain_function (self->sinkpad, pkt_queue_chain);
  pkt_pad_set_event_function (self->sinkpad, pkt_queue_sink_event);
  pkt_element_add_pad (PKT_ELEMENT (self), self->sinkpad);
  self->srcpad = pkt_pad_new_from_template (&src_template, NULL);
  pkt_element_add_pad (PKT_ELEMENT (self), self->srcpad);
}

static void
pkt_queue_class_init (PktQueueClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  oclass->set_property = pkt_queue_set_property;
  oclass->get_property = pkt_queue_get_property;
  oclass->finalize = pkt_queue_finalize;
  eclass->change_state = pkt_queue_change_state;
  pkt_element_class_add_pad_template (eclass, &sink_template);
  pkt_element_class_add_pad_template (eclass, &src_template);

  props[PROP_MAX_BATCHES] = g_param_spec_uint (
      "max-size-batches", "Max batches", "Queued batches at most (0 = no limit)", 0, G_MAXUINT, 64,
      PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_MAX_PACKETS] = g_param_spec_uint64 (
      "max-size-packets", "Max packets", "Queued packets at most (0 = no limit)", 0, G_MAXUINT64, 0,
      PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_LEAKY]
      = g_param_spec_enum ("leaky", "Leaky", "What to do when full", pkt_queue_leaky_get_type (),
                           PKT_QUEUE_LEAKY_NO, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets pushed downstream");
  props[PROP_DROPPED_PACKETS] = PKT_BASIC_STAT ("dropped-packets", "Packets dropped");
  props[PROP_DROPPED_BATCHES] = PKT_BASIC_STAT ("dropped-batches", "Batches dropped");
  props[PROP_LEVEL_PACKETS] = PKT_BASIC_STAT ("current-level-packets", "Packets queued now");
  props[PROP_LEVEL_BATCHES] = PKT_BASIC_STAT ("current-level-batches", "Batches queued now");
  g_object_class_install_properties (oclass, N_PROPS, props);

  pkt_element_class_set_metadata (eclass, "Queue", "Generic",
                                  "Thread boundary: a bounded queue of batches with its own "
                                  "streaming thread",
                                  "pktpipe");
}
