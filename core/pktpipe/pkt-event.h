/* pktpipe — in-band events.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-types.h>

G_BEGIN_DECLS

/**
 * PktEventType:
 * @PKT_EVENT_STREAM_START: first thing a source sends
 * @PKT_EVENT_EOS: no more data will follow
 * @PKT_EVENT_FLUSH: drop what is held (queues, reassembly)
 * @PKT_EVENT_HEARTBEAT: a live source is idle; carries the current time
 *   so that time-driven elements (flow expiry) keep moving
 */
typedef enum {
  PKT_EVENT_STREAM_START = 1,
  PKT_EVENT_EOS,
  PKT_EVENT_FLUSH,
  PKT_EVENT_HEARTBEAT,
} PktEventType;

/**
 * PktEvent:
 * @refcount: atomic reference count
 * @type: a #PktEventType
 * @ts_ns: the time of a HEARTBEAT (ns since the epoch); 0 otherwise
 * @source: (nullable): name of the source element that sent it
 *
 * Events travel in band, in order with the batches.
 */
typedef struct {
  gint refcount;
  PktEventType type;
  gint64 ts_ns;
  char *source;
} PktEvent;

GType pkt_event_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_EVENT (pkt_event_get_type ())

PktEvent *pkt_event_new (PktEventType type);
PktEvent *pkt_event_new_heartbeat (gint64 ts_ns);
PktEvent *pkt_event_ref (PktEvent *event);
void pkt_event_unref (PktEvent *event);
const char *pkt_event_type_get_name (PktEventType type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktEvent, pkt_event_unref)

G_END_DECLS
