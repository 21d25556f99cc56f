/* pktpipe — pipeline descriptions: parse-launch.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-bin.h>

G_BEGIN_DECLS

/**
 * PKT_PARSE_ERROR:
 *
 * Error domain of pipeline description errors. Every such error message is
 * multi-line: the reason, the description, and a caret line under the
 * offending token; pkt_parse_context_get_error_offset() gives the position.
 */
#define PKT_PARSE_ERROR (pkt_parse_error_quark ())
GQuark pkt_parse_error_quark (void);

/**
 * PktParseError:
 * @PKT_PARSE_ERROR_SYNTAX: grammar violation
 * @PKT_PARSE_ERROR_NO_SUCH_ELEMENT: unknown factory name
 * @PKT_PARSE_ERROR_NO_SUCH_PROPERTY: unknown property
 * @PKT_PARSE_ERROR_BAD_VALUE: value does not parse as the property's type, or out of range
 * @PKT_PARSE_ERROR_LINK: pads cannot be linked
 * @PKT_PARSE_ERROR_NO_SUCH_PAD: unknown pad or pad template
 * @PKT_PARSE_ERROR_UNKNOWN_REFERENCE: `name.` names no element
 * @PKT_PARSE_ERROR_DUPLICATE_NAME: two elements with one name
 * @PKT_PARSE_ERROR_UNDEFINED_VARIABLE: `${var}` without a definition
 * @PKT_PARSE_ERROR_EMPTY: nothing to build
 * @PKT_PARSE_ERROR_READ_ONLY: property cannot be set
 */
typedef enum {
  PKT_PARSE_ERROR_SYNTAX,
  PKT_PARSE_ERROR_NO_SUCH_ELEMENT,
  PKT_PARSE_ERROR_NO_SUCH_PROPERTY,
  PKT_PARSE_ERROR_BAD_VALUE,
  PKT_PARSE_ERROR_LINK,
  PKT_PARSE_ERROR_NO_SUCH_PAD,
  PKT_PARSE_ERROR_UNKNOWN_REFERENCE,
  PKT_PARSE_ERROR_DUPLICATE_NAME,
  PKT_PARSE_ERROR_UNDEFINED_VARIABLE,
  PKT_PARSE_ERROR_EMPTY,
  PKT_PARSE_ERROR_READ_ONLY,
} PktParseError;

/**
 * PktParseContext:
 *
 * Optional out-parameter of pkt_parse_launch_full(): variables to substitute
 * and, after a failure, where the error is.
 */
typedef struct _PktParseContext PktParseContext;

GType pkt_parse_context_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_PARSE_CONTEXT (pkt_parse_context_get_type ())

PktParseContext *pkt_parse_context_new (void);
PktParseContext *pkt_parse_context_copy (const PktParseContext *ctx);
void pkt_parse_context_free (PktParseContext *ctx);
void pkt_parse_context_set_variable (PktParseContext *ctx, const char *name, const char *value);
gssize pkt_parse_context_get_error_offset (PktParseContext *ctx);
gsize pkt_parse_context_get_error_length (PktParseContext *ctx);

PktElement *pkt_parse_launch (const char *description, GError **error);
PktElement *pkt_parse_launch_full (const char *description, PktParseContext *ctx, GError **error);
PktElement *pkt_parse_launchv (const char *const *argv, PktParseContext *ctx, GError **error);

/* value parsing shared with pkt-launch and bindings */
gboolean pkt_value_parse (GParamSpec *pspec, const char *text, GValue *out, GError **error);
gboolean pkt_parse_size (const char *text, guint64 *out);
gboolean pkt_parse_duration (const char *text, gint64 *out_ns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktParseContext, pkt_parse_context_free)

G_END_DECLS
