/* pktpipe — bus messages.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-types.h>

G_BEGIN_DECLS

/**
 * PktMessageType:
 * @PKT_MESSAGE_ERROR: fatal error (GError + debug text + source element)
 * @PKT_MESSAGE_WARNING: something was lost or degraded, streaming goes on
 * @PKT_MESSAGE_INFO: informational
 * @PKT_MESSAGE_EOS: every sink got EOS (posted once, by the pipeline)
 * @PKT_MESSAGE_STATE_CHANGED: an element changed state
 * @PKT_MESSAGE_STATS: periodic counters of an element (payload: a{sv})
 * @PKT_MESSAGE_ELEMENT: element-specific payload (a{sv})
 */
typedef enum {
  PKT_MESSAGE_ERROR = 1 << 0,
  PKT_MESSAGE_WARNING = 1 << 1,
  PKT_MESSAGE_INFO = 1 << 2,
  PKT_MESSAGE_EOS = 1 << 3,
  PKT_MESSAGE_STATE_CHANGED = 1 << 4,
  PKT_MESSAGE_STATS = 1 << 5,
  PKT_MESSAGE_ELEMENT = 1 << 6,
} PktMessageType;

/**
 * PktMessage:
 * @refcount: atomic reference count
 * @type: a #PktMessageType
 * @src: (nullable): the element that posted it
 * @src_name: (nullable): the element's name (kept even if @src is gone)
 * @error: (nullable): for ERROR/WARNING/INFO
 * @debug: (nullable): extra text for ERROR/WARNING/INFO
 * @payload: (nullable): a{sv} for STATS and ELEMENT; for STATE_CHANGED
 *   `old`, `new` (int32)
 * @ts_ns: when it was posted (monotonic, ns)
 */
typedef struct {
  gint refcount;
  PktMessageType type;
  PktElement *src;
  char *src_name;
  GError *error;
  char *debug;
  GVariant *payload;
  gint64 ts_ns;
} PktMessage;

GType pkt_message_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_MESSAGE (pkt_message_get_type ())

PktMessage *pkt_message_new (PktMessageType type, PktElement *src);
PktMessage *pkt_message_new_error (PktElement *src, const GError *error, const char *debug);
PktMessage *pkt_message_new_warning (PktElement *src, const GError *error, const char *debug);
PktMessage *pkt_message_new_eos (PktElement *src);
PktMessage *pkt_message_new_payload (PktMessageType type, PktElement *src, GVariant *payload);
PktMessage *pkt_message_ref (PktMessage *message);
void pkt_message_unref (PktMessage *message);
const char *pkt_message_type_get_name (PktMessageType type);
PktMessageType pkt_message_get_message_type (PktMessage *message);
const char *pkt_message_get_src_name (PktMessage *message);
GError *pkt_message_get_error (PktMessage *message);
GVariant *pkt_message_get_payload (PktMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktMessage, pkt_message_unref)

G_END_DECLS
