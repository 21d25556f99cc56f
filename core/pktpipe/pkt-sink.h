/* pktpipe — PktSink: base class of elements that consume batches.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-element.h>

G_BEGIN_DECLS

#define PKT_TYPE_SINK (pkt_sink_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktSink, pkt_sink, PKT, SINK, PktElement)

/**
 * PktSinkClass:
 * @parent_class: parent
 * @pad_kind: what the `sink` pad carries (default packets; set it in class_init
 *   with pkt_sink_class_set_pad_kind(), which also sets the pad template)
 * @start: NULL→READY: check settings, acquire (files, sockets)
 * @stop: READY→NULL: release; called also after a failed @start
 * @render: consume one batch (a #PktBufferList or a #PktRecordList by
 *   @pad_kind); borrowed: ref it to keep it
 * @event: an event arrived (transfer full: the subclass unrefs it); EOS is
 *   also reported to the pipeline by the base after this returns (flush
 *   files here)
 */
struct _PktSinkClass {
  PktElementClass parent_class;

  PktPadKind pad_kind;
  gboolean (*start) (PktSink *self, GError **error);
  void (*stop) (PktSink *self);
  PktFlowReturn (*render) (PktSink *self, PktBatch *batch);
  gboolean (*event) (PktSink *self, PktEvent *event);

  /*< private >*/
  gpointer padding[8];
};

void pkt_sink_class_set_pad_kind (PktSinkClass *klass, PktPadKind kind);
PktPad *pkt_sink_get_sink_pad (PktSink *self);
gboolean pkt_sink_is_eos (PktSink *self);

G_END_DECLS
