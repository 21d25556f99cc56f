/* pktpipe — the bus: a thread-safe message queue with a GSource for a
 * GMainContext and a blocking pop for programs without a main loop.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-bus.h>

struct _PktBus {
  GObject parent;
  GMutex lock;
  GCond cond;
  GQueue queue;
  GPtrArray *sources; /* BusSource*, for wakeups */
  GSource *signal_watch;
  guint signal_watch_count;
};

G_DEFINE_FINAL_TYPE (PktBus, pkt_bus, G_TYPE_OBJECT)

enum { SIG_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  GSource source;
  PktBus *bus;
} BusSource;

static void
pkt_bus_finalize (GObject *object)
{
  PktBus *self = PKT_BUS (object);
  g_queue_clear_full (&self->queue, (GDestroyNotify)pkt_message_unref);
  g_ptr_array_unref (self->sources);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (pkt_bus_parent_class)->finalize (object);
}

static void
pkt_bus_class_init (PktBusClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pkt_bus_finalize;
  /**
   * PktBus::message:
   * @bus: the bus
   * @message: the message
   *
   * Emitted from the main context for every message once
   * pkt_bus_add_signal_watch() was called. The detail is the message
   * type's name (`message::error`).
   */
  signals[SIG_MESSAGE]
      = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, PKT_TYPE_MESSAGE);
}

static void
pkt_bus_init (PktBus *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
  self->sources = g_ptr_array_new ();
}

/**
 * pkt_bus_new:
 *
 * Returns: (transfer full): a new bus
 */
PktBus *
pkt_bus_new (void)
{
  return g_object_new (PKT_TYPE_BUS, NULL);
}

/**
 * pkt_bus_post:
 * @bus: the bus
 * @message: (transfer full): the message
 *
 * Thread-safe. Wakes every watch and a blocked pkt_bus_pop().
 */
void
pkt_bus_post (PktBus *bus, PktMessage *message)
{
  g_mutex_lock (&bus->lock);
  g_queue_push_tail (&bus->queue, message);
  g_cond_broadcast (&bus->cond);
  for (guint i = 0; i < bus->sources->len; i++)
    g_source_set_ready_time (g_ptr_array_index (bus->sources, i), 0);
  g_mutex_unlock (&bus->lock);
}

/**
 * pkt_bus_pop_filtered:
 * @bus: the bus
 * @timeout_us: how long to wait: 0 = don't, -1 = forever
 * @types: a mask of #PktMessageType; other messages are dropped while waiting
 *
 * Returns: (transfer full) (nullable): the first matching message, or NULL on timeout
 */
PktMessage *
pkt_bus_pop_filtered (PktBus *bus, gint64 timeout_us, guint types)
{
  gint64 deadline = timeout_us > 0 ? g_get_monotonic_time () + timeout_us : 0;
  PktMessage *m = NULL;
  g_mutex_lock (&bus->lock);
  for (;;) {
    while ((m = g_queue_pop_head (&bus->queue)) != NULL) {
      if (m->type & types)
        goto out;
      pkt_message_unref (m);
    }
    m = NULL;
    if (timeout_us == 0)
      break;
    if (timeout_us < 0)
      g_cond_wait (&bus->cond, &bus->lock);
    else if (!g_cond_wait_until (&bus->cond, &bus->lock, deadline))
      break;
  }
out:
  g_mutex_unlock (&bus->lock);
  return m;
}

/**
 * pkt_bus_pop:
 * @bus: the bus
 * @timeout_us: 0 = don't wait, -1 = forever
 *
 * Returns: (transfer full) (nullable): the next message or NULL on timeout
 */
PktMessage *
pkt_bus_pop (PktBus *bus, gint64 timeout_us)
{
  return pkt_bus_pop_filtered (bus, timeout_us, G_MAXUINT);
}

/**
 * pkt_bus_have_pending:
 * @bus: the bus
 *
 * Returns: whether a message is queued
 */
gboolean
pkt_bus_have_pending (PktBus *bus)
{
  g_mutex_lock (&bus->lock);
  gboolean r = !g_queue_is_empty (&bus->queue);
  g_mutex_unlock (&bus->lock);
  return r;
}

static gboolean
bus_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  BusSource *bs = (BusSource *)source;
  g_source_set_ready_time (source, -1);
  PktMessage *m = pkt_bus_pop (bs->bus, 0);
  if (!m)
    return G_SOURCE_CONTINUE;
  /* more queued: come back on the next iteration, after other sources */
  if (pkt_bus_have_pending (bs->bus))
    g_source_set_ready_time (source, 0);
  gboolean keep = TRUE;
  if (callback)
    keep = ((PktBusFunc)(void (*) (void))callback) (bs->bus, m, user_data);
  pkt_message_unref (m);
  return keep;
}

static void
bus_source_finalize (GSource *source)
{
  BusSource *bs = (BusSource *)source;
  g_mutex_lock (&bs->bus->lock);
  g_ptr_array_remove (bs->bus->sources, source);
  g_mutex_unlock (&bs->bus->lock);
  g_object_unref (bs->bus);
}

static GSourceFuncs bus_source_funcs = {
  .dispatch = bus_source_dispatch,
  .finalize = bus_source_finalize,
};

/**
 * pkt_bus_create_watch:
 * @bus: the bus
 *
 * Returns: (transfer full): a #GSource whose callback is a #PktBusFunc
 */
GSource *
pkt_bus_create_watch (PktBus *bus)
{
  GSource *source = g_source_new (&bus_source_funcs, sizeof (BusSource));
  BusSource *bs = (BusSource *)source;
  bs->bus = g_object_ref (bus);
  g_source_set_static_name (source, "PktBus");
  g_mutex_lock (&bus->lock);
  g_ptr_array_add (bus->sources, source);
  g_source_set_ready_time (source, g_queue_is_empty (&bus->queue) ? -1 : 0);
  g_mutex_unlock (&bus->lock);
  return source;
}

/**
 * pkt_bus_add_watch:
 * @bus: the bus
 * @func: (scope notified) (closure user_data) (destroy notify): called per message in
 *   the thread-default main context
 * @user_data: user data
 * @notify: (nullable): frees @user_data
 *
 * Returns: the source id
 */
guint
pkt_bus_add_watch (PktBus *bus, PktBusFunc func, gpointer user_data, GDestroyNotify notify)
{
  GSource *source = pkt_bus_create_watch (bus);
  g_source_set_callback (source, (GSourceFunc)(void (*) (void))func, user_data, notify);
  guint id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return id;
}

static gboolean
signal_watch_func (PktBus *bus, PktMessage *message, gpointer user_data)
{
  g_signal_emit (bus, signals[SIG_MESSAGE],
                 g_quark_from_static_string (pkt_message_type_get_name (message->type)), message);
  return G_SOURCE_CONTINUE;
}

/**
 * pkt_bus_add_signal_watch:
 * @bus: the bus
 *
 * Makes the bus emit #PktBus::message in the thread-default main context.
 * Calls nest; each needs a pkt_bus_remove_signal_watch().
 */
void
pkt_bus_add_signal_watch (PktBus *bus)
{
  if (bus->signal_watch_count++ > 0)
    return;
  bus->signal_watch = pkt_bus_create_watch (bus);
  g_source_set_callback (bus->signal_watch, (GSourceFunc)(void (*) (void))signal_watch_func, NULL,
                         NULL);
  g_source_attach (bus->signal_watch, g_main_context_get_thread_default ());
}

/**
 * pkt_bus_remove_signal_watch:
 * @bus: the bus
 */
void
pkt_bus_remove_signal_watch (PktBus *bus)
{
  g_return_if_fail (bus->signal_watch_count > 0);
  if (--bus->signal_watch_count > 0)
    return;
  g_source_destroy (bus->signal_watch);
  g_clear_pointer (&bus->signal_watch, g_source_unref);
}
