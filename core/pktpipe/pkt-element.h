/* pktpipe — the element base class.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <pktpipe/pkt-pad.h>
#include <pktpipe/pkt-message.h>

G_BEGIN_DECLS

#define PKT_TYPE_ELEMENT (pkt_element_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktElement, pkt_element, PKT, ELEMENT, GInitiallyUnowned)

const char *pkt_state_get_name (PktState state);

/**
 * PktElementFlags:
 * @PKT_ELEMENT_FLAG_SOURCE: the element produces data (owns a streaming thread)
 * @PKT_ELEMENT_FLAG_SINK: the element consumes data; the pipeline waits for its EOS
 */
typedef enum {
  PKT_ELEMENT_FLAG_SOURCE = 1 << 0,
  PKT_ELEMENT_FLAG_SINK = 1 << 1,
} PktElementFlags;

/**
 * PktElementClass:
 * @parent_class: parent
 * @change_state: acquire (NULL→READY), start (READY→PLAYING), stop, release.
 *   Chain up: the base class walks pads. Going down must be safe from any state.
 * @request_new_pad: create a request pad from @templ
 * @release_pad: remove a request pad
 * @collect_stats: add counters not exposed as %PKT_PARAM_STAT properties
 */
struct _PktElementClass {
  GInitiallyUnownedClass parent_class;

  gboolean (*change_state) (PktElement *self, PktStateChange transition, GError **error);
  PktPad *(*request_new_pad) (PktElement *self, const PktPadTemplate *templ, const char *name,
                              GError **error);
  void (*release_pad) (PktElement *self, PktPad *pad);
  void (*collect_stats) (PktElement *self, GVariantDict *dict);

  /*< private >*/
  const char *long_name;
  const char *classification;
  const char *description;
  const char *author;
  GPtrArray *pad_templates;
  gpointer padding[8];
};

/**
 * PKT_ERROR:
 *
 * Error domain of errors that elements post.
 */
#define PKT_ERROR (pkt_error_quark ())
GQuark pkt_error_quark (void);

/**
 * PktError:
 * @PKT_ERROR_FAILED: generic failure
 * @PKT_ERROR_SETTINGS: property values are inconsistent or impossible
 * @PKT_ERROR_NOT_FOUND: an interface, file or object does not exist
 * @PKT_ERROR_PERMISSION: a privilege or capability is missing
 * @PKT_ERROR_RESOURCE: a socket, ring, map or file could not be set up
 * @PKT_ERROR_READ: reading data failed
 * @PKT_ERROR_WRITE: writing data failed
 * @PKT_ERROR_FORMAT: input data is malformed
 * @PKT_ERROR_NOT_LINKED: a pad has no peer
 * @PKT_ERROR_STATE: operation not allowed in this state
 * @PKT_ERROR_UNSUPPORTED: the kernel or hardware lacks a feature
 */
typedef enum {
  PKT_ERROR_FAILED,
  PKT_ERROR_SETTINGS,
  PKT_ERROR_NOT_FOUND,
  PKT_ERROR_PERMISSION,
  PKT_ERROR_RESOURCE,
  PKT_ERROR_READ,
  PKT_ERROR_WRITE,
  PKT_ERROR_FORMAT,
  PKT_ERROR_NOT_LINKED,
  PKT_ERROR_STATE,
  PKT_ERROR_UNSUPPORTED,
} PktError;

/* class setup */
void pkt_element_class_set_metadata (PktElementClass *klass, const char *long_name,
                                     const char *classification, const char *description,
                                     const char *author);
void pkt_element_class_add_pad_template (PktElementClass *klass, const PktPadTemplate *templ);
const PktPadTemplate *pkt_element_class_get_pad_template (PktElementClass *klass, const char *name);
GPtrArray *pkt_element_class_get_pad_templates (PktElementClass *klass);
const char *pkt_element_class_get_description (PktElementClass *klass);
const char *pkt_element_class_get_classification (PktElementClass *klass);
const char *pkt_element_class_get_long_name (PktElementClass *klass);

/* instance */
const char *pkt_element_get_name (PktElement *self);
void pkt_element_set_name (PktElement *self, const char *name);
PktElement *pkt_element_get_parent (PktElement *self);
void _pkt_element_set_parent (PktElement *self, PktElement *parent);
PktState pkt_element_get_state (PktElement *self);
gboolean pkt_element_set_state (PktElement *self, PktState state, GError **error);
guint pkt_element_get_flags (PktElement *self);
void pkt_element_set_flags (PktElement *self, guint flags);
void pkt_element_add_pad (PktElement *self, PktPad *pad);
void pkt_element_remove_pad (PktElement *self, PktPad *pad);
PktPad *pkt_element_get_static_pad (PktElement *self, const char *name);
PktPad *pkt_element_request_pad (PktElement *self, const char *name, GError **error);
PktPad *pkt_element_get_pad (PktElement *self, const char *name, GError **error);
GList *pkt_element_get_pads (PktElement *self);
PktPad *pkt_element_get_unlinked_pad (PktElement *self, PktPadDirection direction, PktPadKind kind,
                                      GError **error);
gboolean pkt_element_link (PktElement *src, PktElement *sink, GError **error);
gboolean pkt_element_link_pads (PktElement *src, const char *srcpad, PktElement *sink,
                                const char *sinkpad, GError **error);
PktPipeline *pkt_element_get_pipeline (PktElement *self);
PktBus *pkt_element_get_bus (PktElement *self);
GVariant *pkt_element_get_stats (PktElement *self);

void pkt_element_post_message (PktElement *self, PktMessage *message);
void pkt_element_post_error (PktElement *self, const GError *error, const char *debug);
void pkt_element_post_warning (PktElement *self, const GError *error, const char *debug);
void pkt_element_post_eos (PktElement *self);
G_GNUC_PRINTF (4, 5)
void pkt_element_error (PktElement *self, gint code, const char *debug, const char *format, ...);
G_GNUC_PRINTF (4, 5)
void pkt_element_warning (PktElement *self, gint code, const char *debug, const char *format, ...);
G_GNUC_PRINTF (4, 5)
void pkt_element_set_error (PktElement *self, GError **error, gint code, const char *format, ...);

gboolean pkt_element_forward_event (PktElement *self, PktEvent *event);
PktFlowReturn pkt_element_forward_batch (PktElement *self, PktBatch *batch);

/* pkt_element_is_flushing: documented in pkt-element.c */
gboolean pkt_element_is_flushing (PktElement *self);

G_END_DECLS
