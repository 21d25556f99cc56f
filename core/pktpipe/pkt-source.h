/* pktpipe — PktSource: base class of elements that produce batches.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-element.h>

G_BEGIN_DECLS

#define PKT_TYPE_SOURCE (pkt_source_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktSource, pkt_source, PKT, SOURCE, PktElement)

/**
 * PktSourceClass:
 * @parent_class: parent
 * @start: NULL→READY: check settings, then acquire (sockets, rings, files)
 * @stop: READY→NULL: release; called also after a failed @start
 * @produce: called in a loop on the streaming thread; pushes zero or more
 *   batches with pkt_source_push() and returns OK to be called again, EOS
 *   when done (the base sends the EOS event), or ERROR after posting an error
 *   with pkt_element_error(). Block at most ~100 ms, or poll
 *   pkt_source_get_wakeup_fd(), so that stopping is prompt.
 * @unlock: wake a blocking @produce (stop requested); optional
 *
 * The base owns the single `src` pad (packets) and the streaming thread,
 * sends STREAM_START before the first batch and EOS after the last.
 */
struct _PktSourceClass {
  PktElementClass parent_class;

  gboolean (*start) (PktSource *self, GError **error);
  void (*stop) (PktSource *self);
  PktFlowReturn (*produce) (PktSource *self);
  void (*unlock) (PktSource *self);

  /*< private >*/
  gpointer padding[8];
};

PktFlowReturn pkt_source_push (PktSource *self, PktBufferList *list);
gboolean pkt_source_push_event (PktSource *self, PktEvent *event);
PktFlowReturn pkt_source_push_heartbeat (PktSource *self, gint64 ts_ns);
PktPad *pkt_source_get_src_pad (PktSource *self);
gboolean pkt_source_is_stopping (PktSource *self);
int pkt_source_get_wakeup_fd (PktSource *self);
void pkt_source_request_eos (PktSource *self);
gboolean pkt_source_eos_requested (PktSource *self);

G_END_DECLS
