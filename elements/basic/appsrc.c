/* pktpipe — appsrc: the application pushes frames or batches into a pipeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"
#include <string.h>

#define APPSRC_POLL_US      20000
#define APPSRC_HEARTBEAT_US 100000

typedef enum { ITEM_FRAME, ITEM_LIST, ITEM_EOS } AppItemType;

typedef struct {
  AppItemType type;
  GBytes *frame;
  gint64 ts_ns;
  PktBufferList *list;
} AppItem;

/* One arena per batch of pushed frames: the lease owns it. */
typedef struct {
  PktLease lease;
  guint8 bytes[];
} AppArena;

struct _PktAppSrc {
  PktSource parent;
  guint64 max_packets;
  gboolean block;
  gint linktype;
  gboolean is_live;

  GMutex lock;
  GCond cond; /* data available (producer side) and space available */
  GQueue items;
  guint64 queued_packets;
  gboolean flushing;
  gboolean eos_pushed;
  gint64 last_activity_us;

  guint64 st_packets;
  guint64 st_bytes;
  guint64 st_dropped;
  guint64 st_level;
};

G_DEFINE_FINAL_TYPE (PktAppSrc, pkt_app_src, PKT_TYPE_SOURCE)

enum {
  PROP_0,
  PROP_MAX_PACKETS,
  PROP_BLOCK,
  PROP_LINKTYPE,
  PROP_IS_LIVE,
  PROP_PACKETS,
  PROP_BYTES,
  PROP_DROPPED,
  PROP_LEVEL,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { SIGNAL_PUSH_FRAME, SIGNAL_END_OF_STREAM, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
app_item_free (AppItem *it)
{
  if (it->frame)
    g_bytes_unref (it->frame);
  if (it->list)
    pkt_buffer_list_unref (it->list);
  g_free (it);
}

static guint
app_item_packets (const AppItem *it)
{
  return it->type == ITEM_FRAME ? 1 : it->type == ITEM_LIST ? it->list->n_packets : 0;
}

static void
appsrc_publish_level (PktAppSrc *self)
{
  __atomic_store_n (&self->st_level, self->queued_packets, __ATOMIC_RELAXED);
}

/* Waits for room for @n packets (lock held). FALSE: dropped or refused. */
static gboolean
appsrc_wait_space (PktAppSrc *self, guint n)
{
  while (self->max_packets && self->queued_packets > 0
         && self->queued_packets + n > self->max_packets) {
    if (!self->block || self->flushing)
      return FALSE;
    g_cond_wait_until (&self->cond, &self->lock, g_get_monotonic_time () + APPSRC_POLL_US);
    if (self->flushing || _pkt_basic_should_abort (PKT_ELEMENT (self)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
appsrc_enqueue (PktAppSrc *self, AppItem *it)
{
  guint n = app_item_packets (it);
  g_mutex_lock (&self->lock);
  if (self->eos_pushed || !appsrc_wait_space (self, n)) {
    g_mutex_unlock (&self->lock);
    PKT_STAT_ADD_ATOMIC (self->st_dropped, n);
    app_item_free (it);
    return FALSE;
  }
  g_queue_push_tail (&self->items, it);
  self->queued_packets += n;
  appsrc_publish_level (self);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * pkt_app_src_push_frame:
 * @appsrc: an appsrc
 * @frame: the frame bytes (of #PktAppSrc:linktype, Ethernet by default)
 * @ts_ns: timestamp in ns since the epoch, or -1 for the wall clock now
 *
 * Queues one frame (its bytes are copied before it is pushed downstream).
 * Thread-safe. When the queue is full, blocks (#PktAppSrc:block) or drops.
 *
 * Returns: TRUE if queued; FALSE if dropped (counted), after EOS, or while stopping
 */
gboolean
pkt_app_src_push_frame (PktAppSrc *appsrc, GBytes *frame, gint64 ts_ns)
{
  g_return_val_if_fail (PKT_IS_APP_SRC (appsrc), FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);
  AppItem *it = g_new0 (AppItem, 1);
  it->type = ITEM_FRAME;
  it->frame = g_bytes_ref (frame);
  it->ts_ns = ts_ns >= 0 ? ts_ns : g_get_real_time () * 1000;
  return appsrc_enqueue (appsrc, it);
}

/**
 * pkt_app_src_push_data:
 * @appsrc: an appsrc
 * @data: (array length=len): frame bytes
 * @len: their length
 * @ts_ns: timestamp in ns since the epoch, or -1 for the wall clock now
 *
 * As pkt_app_src_push_frame(), from a plain buffer (copied).
 *
 * Returns: TRUE if queued
 */
gboolean
pkt_app_src_push_data (PktAppSrc *appsrc, const guint8 *data, gsize len, gint64 ts_ns)
{
  g_autoptr (GBytes) b = g_bytes_new (data, len);
  return pkt_app_src_push_frame (appsrc, b, ts_ns);
}

/**
 * pkt_app_src_push_list:
 * @appsrc: an appsrc
 * @list: (transfer full): a batch; it is pushed downstream as it is
 *
 * Queues a whole batch (zero-copy: its lease keeps the bytes alive).
 * Batch boundaries are kept.
 *
 * Returns: TRUE if queued; FALSE if dropped (counted), after EOS, or while stopping
 */
gboolean
pkt_app_src_push_list (PktAppSrc *appsrc, PktBufferList *list)
{
  g_return_val_if_fail (PKT_IS_APP_SRC (appsrc), FALSE);
  g_return_val_if_fail (list != NULL, FALSE);
  AppItem *it = g_new0 (AppItem, 1);
  it->type = ITEM_LIST;
  it->list = list;
  return appsrc_enqueue (appsrc, it);
}

/**
 * pkt_app_src_end_of_stream:
 * @appsrc: an appsrc
 *
 * No more data: EOS follows once the queued data was pushed. Thread-safe.
 */
void
pkt_app_src_end_of_stream (PktAppSrc *appsrc)
{
  g_return_if_fail (PKT_IS_APP_SRC (appsrc));
  g_mutex_lock (&appsrc->lock);
  if (!appsrc->eos_pushed) {
    AppItem *it = g_new0 (AppItem, 1);
    it->type = ITEM_EOS;
    g_queue_push_tail (&appsrc->items, it);
    appsrc->eos_pushed = TRUE;
    g_cond_broadcast (&appsrc->cond);
  }
  g_mutex_unlock (&appsrc->lock);
}

/**
 * pkt_app_src_get_queued_packets:
 * @appsrc: an appsrc
 *
 * Returns: packets waiting in the internal queue
 */
guint64
pkt_app_src_get_queued_packets (PktAppSrc *appsrc)
{
  return PKT_STAT_GET (appsrc->st_level);
}

static void
appsrc_clear (PktAppSrc *self)
{
  AppItem *it;
  while ((it = g_queue_pop_head (&self->items))) {
    PKT_STAT_ADD_ATOMIC (self->st_dropped, app_item_packets (it));
    app_item_free (it);
  }
  self->queued_packets = 0;
  appsrc_publish_level (self);
}

/* ---- streaming thread ------------------------------------------------------- */

static void
appsrc_arena_release (PktLease *lease, gpointer user_data)
{
  g_free (lease); /* the lease heads the arena */
}

/* Moves up to one batch of queued frames into one arena (lock held; unlocks). */
static PktBufferList *
appsrc_take_frames (PktAppSrc *self, guint64 *bytes)
{
  AppItem *its[PKT_BUFFER_LIST_DEFAULT_CAPACITY];
  guint n = 0;
  gsize total = 0;
  AppItem *head;
  while (n < G_N_ELEMENTS (its) && (head = g_queue_peek_head (&self->items))
         && head->type == ITEM_FRAME) {
    its[n++] = g_queue_pop_head (&self->items);
    total += g_bytes_get_size (head->frame);
  }
  self->queued_packets -= n;
  appsrc_publish_level (self);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  AppArena *arena = g_malloc (sizeof (AppArena) + total);
  pkt_lease_init (&arena->lease, appsrc_arena_release, NULL);
  PktBufferList *list = pkt_buffer_list_new (PKT_BUFFER_LIST_DEFAULT_CAPACITY);
  gsize off = 0;
  for (guint i = 0; i < n; i++) {
    gsize sz;
    const guint8 *d = g_bytes_get_data (its[i]->frame, &sz);
    if (sz) /* an empty frame has no data pointer to copy from */
      memcpy (arena->bytes + off, d, sz);
    pkt_packet_init (pkt_buffer_list_append (list), arena->bytes + off, (guint32)sz, (guint32)sz,
                     its[i]->ts_ns, (PktLinkType)self->linktype);
    off += sz;
    app_item_free (its[i]);
  }
  pkt_buffer_list_set_lease (list, &arena->lease);
  pkt_lease_unref (&arena->lease);
  *bytes = total;
  return list;
}

static PktFlowReturn
pkt_app_src_produce (PktSource *source)
{
  PktAppSrc *self = PKT_APP_SRC (source);
  g_mutex_lock (&self->lock);
  gint64 deadline = g_get_monotonic_time () + APPSRC_HEARTBEAT_US;
  while (g_queue_is_empty (&self->items) && !pkt_source_is_stopping (source)) {
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  }
  if (pkt_source_is_stopping (source)) {
    g_mutex_unlock (&self->lock);
    return pkt_source_eos_requested (source) ? PKT_FLOW_EOS : PKT_FLOW_FLUSHING;
  }
  AppItem *head = g_queue_peek_head (&self->items);
  if (!head) {
    /* idle */
    g_mutex_unlock (&self->lock);
    gint64 now = g_get_monotonic_time ();
    if (self->is_live && now - self->last_activity_us >= APPSRC_HEARTBEAT_US) {
      self->last_activity_us = now;
      pkt_source_push_heartbeat (source, g_get_real_time () * 1000);
    }
    return PKT_FLOW_OK;
  }
  self->last_activity_us = g_get_monotonic_time ();
  if (head->type == ITEM_EOS) {
    g_queue_pop_head (&self->items);
    g_mutex_unlock (&self->lock);
    app_item_free (head);
    return PKT_FLOW_EOS;
  }
  PktBufferList *list;
  guint64 bytes = 0;
  if (head->type == ITEM_LIST) {
    g_queue_pop_head (&self->items);
    self->queued_packets -= head->list->n_packets;
    appsrc_publish_level (self);
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
    list = g_steal_pointer (&head->list);
    app_item_free (head);
    for (guint i = 0; i < list->n_packets; i++)
      bytes += list->packets[i].len;
  } else {
    list = appsrc_take_frames (self, &bytes); /* unlocks */
  }
  PKT_STAT_ADD (self->st_packets, list->n_packets);
  PKT_STAT_ADD (self->st_bytes, bytes);
  return pkt_source_push (source, list);
}

static void
pkt_app_src_unlock (PktSource *source)
{
  PktAppSrc *self = PKT_APP_SRC (source);
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gboolean
pkt_app_src_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktAppSrc *self = PKT_APP_SRC (element);
  if (t == PKT_STATE_CHANGE_READY_TO_PLAYING) {
    g_mutex_lock (&self->lock);
    self->flushing = FALSE;
    self->last_activity_us = g_get_monotonic_time ();
    g_mutex_unlock (&self->lock);
  } else if (t == PKT_STATE_CHANGE_PLAYING_TO_READY) {
    g_mutex_lock (&self->lock);
    self->flushing = TRUE;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  gboolean ok = PKT_ELEMENT_CLASS (pkt_app_src_parent_class)->change_state (element, t, error);
  if (t == PKT_STATE_CHANGE_PLAYING_TO_READY) {
    /* the streaming thread is gone: what it did not push is lost, counted */
    g_mutex_lock (&self->lock);
    appsrc_clear (self);
    self->eos_pushed = FALSE;
    self->flushing = FALSE;
    g_mutex_unlock (&self->lock);
  }
  return ok;
}

/* ---- GObject ---------------------------------------------------------------- */

static gboolean
appsrc_push_frame_action (PktAppSrc *self, GBytes *frame)
{
  return pkt_app_src_push_frame (self, frame, -1);
}

static void
pkt_app_src_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktAppSrc *self = PKT_APP_SRC (object);
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_MAX_PACKETS:
      self->max_packets = g_value_get_uint64 (value);
      break;
    case PROP_BLOCK:
      self->block = g_value_get_boolean (value);
      break;
    case PROP_LINKTYPE:
      self->linktype = g_value_get_enum (value);
      break;
    case PROP_IS_LIVE:
      self->is_live = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
pkt_app_src_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktAppSrc *self = PKT_APP_SRC (object);
  switch (id) {
    case PROP_MAX_PACKETS:
      g_value_set_uint64 (value, self->max_packets);
      break;
    case PROP_BLOCK:
      g_value_set_boolean (value, self->block);
      break;
    case PROP_LINKTYPE:
      g_value_set_enum (value, self->linktype);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, self->is_live);
      break;
    case PROP_PACKETS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_packets));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_bytes));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_dropped));
      break;
    case PROP_LEVEL:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_level));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_app_src_finalize (GObject *object)
{
  PktAppSrc *self = PKT_APP_SRC (object);
  AppItem *it;
  while ((it = g_queue_pop_head (&self->items)))
    app_item_free (it);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (pkt_app_src_parent_class)->finalize (object);
}

static void
pkt_app_src_init (PktAppSrc *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->items);
  self->max_packets = 65536;
  self->block = TRUE;
  self->linktype = PKT_LINK_ETHERNET;
}

static void
pkt_app_src_class_init (PktAppSrcClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktSourceClass *sclass = PKT_SOURCE_CLASS (klass);
  oclass->set_property = pkt_app_src_set_property;
  oclass->get_property = pkt_app_src_get_property;
  oclass->finalize = pkt_app_src_finalize;
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_app_src_change_state;
  sclass->produce = pkt_app_src_produce;
  sclass->unlock = pkt_app_src_unlock;

  props[PROP_MAX_PACKETS] = g_param_spec_uint64 (
      "max-packets", "Max packets", "Packets the internal queue holds at most (0 = no limit)", 0,
      G_MAXUINT64, 65536, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_BLOCK] = g_param_spec_boolean (
      "block", "Block", "When the queue is full, block the pushing thread (else drop, counted)",
      TRUE, PKT_BASIC_RW | PKT_PARAM_MUTABLE_PLAYING);
  props[PROP_LINKTYPE]
      = g_param_spec_enum ("linktype", "Link type", "What pushed frames start with",
                           PKT_TYPE_LINK_TYPE, PKT_LINK_ETHERNET, PKT_BASIC_RW);
  props[PROP_IS_LIVE] = g_param_spec_boolean (
      "is-live", "Live", "Send a HEARTBEAT (wall clock) after 100 ms without data", FALSE,
      PKT_BASIC_RW);
  props[PROP_PACKETS] = PKT_BASIC_STAT ("packets", "Packets pushed downstream");
  props[PROP_BYTES] = PKT_BASIC_STAT ("bytes", "Bytes pushed downstream");
  props[PROP_DROPPED]
      = PKT_BASIC_STAT ("dropped-packets", "Packets dropped: queue full with block=false, pushed "
                                           "after EOS, or still queued when stopped");
  props[PROP_LEVEL] = PKT_BASIC_STAT ("current-level-packets", "Packets queued now");
  g_object_class_install_properties (oclass, N_PROPS, props);

  /**
   * PktAppSrc::push-frame:
   * @appsrc: the element
   * @frame: the frame
   *
   * Action signal for bindings: pkt_app_src_push_frame() stamped with the wall clock.
   *
   * Returns: TRUE if queued
   */
  signals[SIGNAL_PUSH_FRAME] = g_signal_new_class_handler (
      "push-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (appsrc_push_frame_action), NULL, NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_BYTES);
  /**
   * PktAppSrc::end-of-stream:
   * @appsrc: the element
   *
   * Action signal for bindings: pkt_app_src_end_of_stream().
   */
  signals[SIGNAL_END_OF_STREAM] = g_signal_new_class_handler (
      "end-of-stream", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (pkt_app_src_end_of_stream), NULL, NULL, NULL, G_TYPE_NONE, 0);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Application source", "Source/Generic",
                                  "Injects frames or batches pushed by the application", "pktpipe");
}
