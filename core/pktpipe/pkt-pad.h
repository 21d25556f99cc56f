/* pktpipe — pads: typed, directed connection points of an element.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-batch.h>
#include <pktpipe/pkt-event.h>
#include <pktpipe/pkt-record.h>

G_BEGIN_DECLS

#define PKT_TYPE_PAD (pkt_pad_get_type ())
G_DECLARE_FINAL_TYPE (PktPad, pkt_pad, PKT, PAD, GInitiallyUnowned)

/**
 * PktPadChainFunction:
 * @pad: the sink pad
 * @parent: the element that owns @pad
 * @batch: (transfer full): a #PktBufferList or #PktRecordList, by the pad's kind
 *
 * Receives one batch; owns it afterwards.
 *
 * Returns: a #PktFlowReturn
 */
typedef PktFlowReturn (*PktPadChainFunction) (PktPad *pad, PktElement *parent, PktBatch *batch);

/**
 * PktPadEventFunction:
 * @pad: the pad receiving the event
 * @parent: the element that owns @pad
 * @event: (transfer full): the event
 *
 * Returns: TRUE if the event was handled
 */
typedef gboolean (*PktPadEventFunction) (PktPad *pad, PktElement *parent, PktEvent *event);

/**
 * PktPadTemplate:
 * @name_template: `src`, `sink`, `src_%u`
 * @direction: src or sink
 * @kind: packets or records
 * @presence: always or request
 *
 * Describes the pads a class can have; `pkt-inspect` prints them.
 */
typedef struct {
  const char *name_template;
  PktPadDirection direction;
  PktPadKind kind;
  PktPadPresence presence;
} PktPadTemplate;

PktPad *pkt_pad_new (const char *name, PktPadDirection direction, PktPadKind kind);
PktPad *pkt_pad_new_from_template (const PktPadTemplate *templ, const char *name);
const char *pkt_pad_get_name (PktPad *pad);
PktPadDirection pkt_pad_get_direction (PktPad *pad);
PktPadKind pkt_pad_get_kind (PktPad *pad);
PktPadPresence pkt_pad_get_presence (PktPad *pad);
PktElement *pkt_pad_get_parent_element (PktPad *pad);
PktPad *pkt_pad_get_peer (PktPad *pad);
gboolean pkt_pad_is_linked (PktPad *pad);
void pkt_pad_set_chain_function (PktPad *pad, PktPadChainFunction func);
void pkt_pad_set_event_function (PktPad *pad, PktPadEventFunction func);
gboolean pkt_pad_link (PktPad *src, PktPad *sink, GError **error);
void pkt_pad_unlink (PktPad *src, PktPad *sink);
char *pkt_pad_get_full_name (PktPad *pad);
const char *pkt_pad_kind_get_name (PktPadKind kind);

/* Hot path: no GObject machinery, no locks. The peer is fixed while PLAYING. */
PktFlowReturn pkt_pad_push (PktPad *pad, PktBatch *batch);
PktFlowReturn pkt_pad_push_list (PktPad *pad, PktBufferList *list);
PktFlowReturn pkt_pad_push_records (PktPad *pad, PktRecordList *list);
gboolean pkt_pad_push_event (PktPad *pad, PktEvent *event);
gboolean pkt_pad_event_default (PktPad *pad, PktElement *parent, PktEvent *event);

/* internal, used by PktElement */
void _pkt_pad_set_parent (PktPad *pad, PktElement *parent);
void _pkt_pad_set_template (PktPad *pad, const PktPadTemplate *templ);

G_END_DECLS
