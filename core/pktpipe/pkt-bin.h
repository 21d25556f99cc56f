/* pktpipe — bins (containers of elements) and the pipeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-element.h>
#include <pktpipe/pkt-bus.h>

G_BEGIN_DECLS

#define PKT_TYPE_BIN (pkt_bin_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktBin, pkt_bin, PKT, BIN, PktElement)

struct _PktBinClass {
  PktElementClass parent_class;
  /*< private >*/
  gpointer padding[4];
};

PktElement *pkt_bin_new (const char *name);
gboolean pkt_bin_add (PktBin *bin, PktElement *element, GError **error);
gboolean pkt_bin_remove (PktBin *bin, PktElement *element);
PktElement *pkt_bin_get_by_name (PktBin *bin, const char *name);
GList *pkt_bin_get_children (PktBin *bin);
GList *pkt_bin_get_sorted (PktBin *bin);
guint pkt_bin_get_n_children (PktBin *bin);
char *pkt_bin_make_unique_name (PktBin *bin, const char *prefix);

#define PKT_TYPE_PIPELINE (pkt_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (PktPipeline, pkt_pipeline, PKT, PIPELINE, PktBin)

PktElement *pkt_pipeline_new (const char *name);
PktBus *pkt_pipeline_get_bus (PktPipeline *pipeline);
gboolean pkt_pipeline_run (PktPipeline *pipeline, gint64 timeout_us, GError **error);
GVariant *pkt_pipeline_get_stats (PktPipeline *pipeline);
void pkt_pipeline_send_eos (PktPipeline *pipeline);

/* internal: sinks report EOS here; the pipeline posts EOS once all have */
void _pkt_pipeline_sink_eos (PktPipeline *pipeline, PktElement *sink);

G_END_DECLS
