/* pktpipe — appsrc and appsink: embedding a pipeline in an application.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-source.h>
#include <pktpipe/pkt-sink.h>

G_BEGIN_DECLS

/**
 * PktAppSrc:
 *
 * The `appsrc` element: the application pushes frames (or whole batches)
 * into a pipeline. Frames are copied into pooled memory; the internal queue
 * is bounded by #PktAppSrc:max-packets and, when full, either blocks the
 * caller (#PktAppSrc:block) or drops the frame (counted in
 * #PktAppSrc:dropped-packets).
 */
#define PKT_TYPE_APP_SRC (pkt_app_src_get_type ())
G_DECLARE_FINAL_TYPE (PktAppSrc, pkt_app_src, PKT, APP_SRC, PktSource)

gboolean pkt_app_src_push_frame (PktAppSrc *appsrc, GBytes *frame, gint64 ts_ns);
gboolean pkt_app_src_push_data (PktAppSrc *appsrc, const guint8 *data, gsize len, gint64 ts_ns);
gboolean pkt_app_src_push_list (PktAppSrc *appsrc, PktBufferList *list);
void pkt_app_src_end_of_stream (PktAppSrc *appsrc);
guint64 pkt_app_src_get_queued_packets (PktAppSrc *appsrc);

/**
 * PktAppSink:
 *
 * The `appsink` element: the application receives batches, either through
 * the #PktAppSink::new-batch signal (when #PktAppSink:emit-signals is set)
 * or by pulling them with pkt_app_sink_pull().
 */
#define PKT_TYPE_APP_SINK (pkt_app_sink_get_type ())
G_DECLARE_FINAL_TYPE (PktAppSink, pkt_app_sink, PKT, APP_SINK, PktSink)

PktBufferList *pkt_app_sink_pull (PktAppSink *appsink, gint64 timeout_us);
gboolean pkt_app_sink_is_eos (PktAppSink *appsink);
guint pkt_app_sink_get_queued_batches (PktAppSink *appsink);

G_END_DECLS
