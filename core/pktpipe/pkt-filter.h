/* pktpipe — PktFilter: one sink pad, one src pad, in-place processing.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-element.h>

G_BEGIN_DECLS

#define PKT_TYPE_FILTER (pkt_filter_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktFilter, pkt_filter, PKT, FILTER, PktElement)

/**
 * PktFilterClass:
 * @parent_class: parent
 * @start: NULL→READY (optional): check settings, acquire
 * @stop: READY→NULL (optional): release
 * @process: transform @list in place. Descriptors are writable (the base
 *   made the list writable before the call); frame bytes are not. Packets to
 *   drop are compacted out (pkt_filter_compact() helps). Return OK to push
 *   the result downstream (skipped if empty), or another #PktFlowReturn.
 * @sink_event: an event from upstream; the default forwards it (chain up)
 * @passthrough: (nullable): when it returns TRUE for a batch, the base pushes
 *   the batch unmodified without calling @process or making it writable
 */
struct _PktFilterClass {
  PktElementClass parent_class;

  gboolean (*start) (PktFilter *self, GError **error);
  void (*stop) (PktFilter *self);
  PktFlowReturn (*process) (PktFilter *self, PktBufferList *list);
  gboolean (*sink_event) (PktFilter *self, PktEvent *event);

  /*< private >*/
  gpointer padding[8];
};

PktPad *pkt_filter_get_src_pad (PktFilter *self);
PktPad *pkt_filter_get_sink_pad (PktFilter *self);

/* pkt_filter_compact: documented in pkt-filter.c */
guint pkt_filter_compact (PktBufferList *list, const guint8 *keep);

G_END_DECLS
