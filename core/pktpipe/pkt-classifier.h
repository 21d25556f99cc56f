/* pktpipe — PktClassifier: one input, N request outputs, one output index per packet.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-element.h>

G_BEGIN_DECLS

#define PKT_TYPE_CLASSIFIER (pkt_classifier_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktClassifier, pkt_classifier, PKT, CLASSIFIER, PktElement)

/**
 * PKT_CLASSIFY_DROP:
 *
 * Returned by a classifier's classify function to drop the packet (counted).
 */
#define PKT_CLASSIFY_DROP G_MAXUINT

/**
 * PktClassifierClass:
 * @parent_class: parent
 * @classify: the output index (0 … n_outputs-1) for one packet, or
 *   %PKT_CLASSIFY_DROP. Called per packet: no allocation, no lock.
 * @start: optional, NULL→READY
 *
 * The base splits each batch into one list per output (descriptors copied,
 * the lease shared), as FastClick's ClassifyElement or VPP's next-node
 * arrays, and pushes each non-empty one. Outputs are `src_%u` request pads.
 */
struct _PktClassifierClass {
  PktElementClass parent_class;

  guint (*classify) (PktClassifier *self, const PktPacket *packet, guint n_outputs);
  gboolean (*start) (PktClassifier *self, GError **error);

  /*< private >*/
  gpointer padding[8];
};

guint pkt_classifier_get_n_outputs (PktClassifier *self);
guint64 pkt_classifier_get_dropped (PktClassifier *self);

G_END_DECLS
