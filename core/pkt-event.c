/* pktpipe — in-band events.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-event.h>

G_DEFINE_BOXED_TYPE (PktEvent, pkt_event, pkt_event_ref, pkt_event_unref)

/**
 * pkt_event_new:
 * @type: the event type
 *
 * Returns: (transfer full): a new event
 */
PktEvent *
pkt_event_new (PktEventType type)
{
  PktEvent *ev = g_new0 (PktEvent, 1);
  ev->refcount = 1;
  ev->type = type;
  return ev;
}

/**
 * pkt_event_new_heartbeat:
 * @ts_ns: current time, ns since the epoch (the packets' clock)
 *
 * Returns: (transfer full): a HEARTBEAT event
 */
PktEvent *
pkt_event_new_heartbeat (gint64 ts_ns)
{
  PktEvent *ev = pkt_event_new (PKT_EVENT_HEARTBEAT);
  ev->ts_ns = ts_ns;
  return ev;
}

/**
 * pkt_event_ref:
 * @event: an event
 *
 * Returns: (transfer full): @event
 */
PktEvent *
pkt_event_ref (PktEvent *event)
{
  g_atomic_int_inc (&event->refcount);
  return event;
}

/**
 * pkt_event_unref:
 * @event: (transfer full): an event
 */
void
pkt_event_unref (PktEvent *event)
{
  if (g_atomic_int_dec_and_test (&event->refcount)) {
    g_free (event->source);
    g_free (event);
  }
}

/**
 * pkt_event_type_get_name:
 * @type: an event type
 *
 * Returns: its name
 */
const char *
pkt_event_type_get_name (PktEventType type)
{
  switch (type) {
    case PKT_EVENT_STREAM_START:
      return "stream-start";
    case PKT_EVENT_EOS:
      return "eos";
    case PKT_EVENT_FLUSH:
      return "flush";
    case PKT_EVENT_HEARTBEAT:
      return "heartbeat";
  }
  return "unknown";
}
