/* pktpipe — PktSource: owns the src pad and one streaming thread.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-source.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct {
  PktPad *srcpad;
  GThread *thread;
  gint stopping;
  gint eos_requested;
  int wakeup_fd;
  PktFlowReturn last_push;
} PktSourcePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktSource, pkt_source, PKT_TYPE_ELEMENT)

static const PktPadTemplate src_template
    = { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS };

static void
wakeup (PktSourcePrivate *priv)
{
  guint64 one = 1;
  if (priv->wakeup_fd >= 0 && write (priv->wakeup_fd, &one, sizeof one) < 0) {
    /* the counter is saturated: the fd is readable anyway */
  }
}

static gpointer
streaming_thread (gpointer data)
{
  PktSource *self = data;
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  PktSourceClass *klass = PKT_SOURCE_GET_CLASS (self);
  gboolean send_eos = FALSE;

  pkt_pad_push_event (priv->srcpad, pkt_event_new (PKT_EVENT_STREAM_START));
  for (;;) {
    if (g_atomic_int_get (&priv->stopping))
      break;
    if (g_atomic_int_get (&priv->eos_requested)) {
      send_eos = TRUE;
      break;
    }
    PktFlowReturn ret = klass->produce (self);
    if (ret == PKT_FLOW_OK && priv->last_push == PKT_FLOW_OK)
      continue;
    if (ret == PKT_FLOW_OK)
      ret = priv->last_push;
    if (ret == PKT_FLOW_EOS) {
      send_eos = TRUE;
    } else if (ret == PKT_FLOW_NOT_LINKED) {
      pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_NOT_LINKED, NULL,
                         "downstream is not linked: stopping");
    }
    break; /* ERROR (already posted), FLUSHING (stopping) */
  }
  if (send_eos)
    pkt_pad_push_event (priv->srcpad, pkt_event_new (PKT_EVENT_EOS));
  return NULL;
}

static gboolean
pkt_source_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktSource *self = PKT_SOURCE (element);
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  PktSourceClass *klass = PKT_SOURCE_GET_CLASS (self);

  switch (t) {
    case PKT_STATE_CHANGE_NULL_TO_READY:
      priv->wakeup_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (klass->start && !klass->start (self, error)) {
        if (klass->stop)
          klass->stop (self);
        close (priv->wakeup_fd);
        priv->wakeup_fd = -1;
        return FALSE;
      }
      break;
    case PKT_STATE_CHANGE_READY_TO_PLAYING:
      g_atomic_int_set (&priv->stopping, 0);
      g_atomic_int_set (&priv->eos_requested, 0);
      priv->last_push = PKT_FLOW_OK;
      if (!PKT_ELEMENT_CLASS (pkt_source_parent_class)->change_state (element, t, error))
        return FALSE;
      priv->thread = g_thread_new (pkt_element_get_name (element), streaming_thread, self);
      return TRUE;
    case PKT_STATE_CHANGE_PLAYING_TO_READY:
      g_atomic_int_set (&priv->stopping, 1);
      wakeup (priv);
      if (klass->unlock)
        klass->unlock (self);
      if (priv->thread)
        g_thread_join (g_steal_pointer (&priv->thread));
      break;
    case PKT_STATE_CHANGE_READY_TO_NULL:
      if (klass->stop)
        klass->stop (self);
      if (priv->wakeup_fd >= 0)
        close (priv->wakeup_fd);
      priv->wakeup_fd = -1;
      break;
  }
  return PKT_ELEMENT_CLASS (pkt_source_parent_class)->change_state (element, t, error);
}

static void
pkt_source_class_init (PktSourceClass *klass)
{
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_source_change_state;
  pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), &src_template);
}

static void
pkt_source_init (PktSource *self)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  priv->wakeup_fd = -1;
  priv->srcpad = pkt_pad_new_from_template (&src_template, NULL);
  pkt_element_add_pad (PKT_ELEMENT (self), priv->srcpad);
  pkt_element_set_flags (PKT_ELEMENT (self), PKT_ELEMENT_FLAG_SOURCE);
}

/**
 * pkt_source_push:
 * @self: the source (called from its streaming thread)
 * @list: (transfer full): a batch
 *
 * Returns: what downstream returned; FLUSHING when stopping
 */
PktFlowReturn
pkt_source_push (PktSource *self, PktBufferList *list)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  if (G_UNLIKELY (g_atomic_int_get (&priv->stopping))) {
    pkt_buffer_list_unref (list);
    return PKT_FLOW_FLUSHING;
  }
  PktFlowReturn ret = pkt_pad_push (priv->srcpad, &list->batch);
  if (G_UNLIKELY (ret != PKT_FLOW_OK))
    priv->last_push = ret;
  return ret;
}

/**
 * pkt_source_push_event:
 * @self: the source
 * @event: (transfer full): an event
 *
 * Returns: whether downstream handled it
 */
gboolean
pkt_source_push_event (PktSource *self, PktEvent *event)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  return pkt_pad_push_event (priv->srcpad, event);
}

/**
 * pkt_source_push_heartbeat:
 * @self: the source
 * @ts_ns: the current time on the packets' clock
 *
 * Returns: OK (heartbeats cannot fail)
 */
PktFlowReturn
pkt_source_push_heartbeat (PktSource *self, gint64 ts_ns)
{
  pkt_source_push_event (self, pkt_event_new_heartbeat (ts_ns));
  return PKT_FLOW_OK;
}

/**
 * pkt_source_get_src_pad:
 * @self: the source
 *
 * Returns: (transfer none): the src pad
 */
PktPad *
pkt_source_get_src_pad (PktSource *self)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  return priv->srcpad;
}

/**
 * pkt_source_is_stopping:
 * @self: the source
 *
 * Returns: TRUE when produce() should return promptly (stop or EOS requested)
 */
gboolean
pkt_source_is_stopping (PktSource *self)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  return g_atomic_int_get (&priv->stopping) || g_atomic_int_get (&priv->eos_requested);
}

/**
 * pkt_source_get_wakeup_fd:
 * @self: the source
 *
 * An eventfd that becomes readable when the source must stop or finish;
 * poll it beside your socket. Valid from READY on. Do not read it.
 *
 * Returns: the fd, or -1 in NULL
 */
int
pkt_source_get_wakeup_fd (PktSource *self)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  return priv->wakeup_fd;
}

/**
 * pkt_source_request_eos:
 * @self: the source
 *
 * Thread-safe: after the current produce() returns, the source sends EOS
 * and its thread ends.
 */
void
pkt_source_request_eos (PktSource *self)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  g_atomic_int_set (&priv->eos_requested, 1);
  wakeup (priv);
  PktSourceClass *klass = PKT_SOURCE_GET_CLASS (self);
  if (klass->unlock)
    klass->unlock (self);
}

/**
 * pkt_source_eos_requested:
 * @self: the source
 *
 * Returns: whether pkt_source_request_eos() was called this run
 */
gboolean
pkt_source_eos_requested (PktSource *self)
{
  PktSourcePrivate *priv = pkt_source_get_instance_private (self);
  return g_atomic_int_get (&priv->eos_requested);
}
