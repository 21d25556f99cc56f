/* pktpipe decap tests — drive real elements: appsrc ! ELEMENTS ! appsink.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>
#include <pktpipe/pkt-app.h>

#include "pkt-test-util.h"

/* One packet that came out of the pipeline: its bytes (copied) and its
 * descriptor (data pointing into bytes). */
typedef struct {
  GBytes *bytes;
  PktPacket p;
} DecapOut;

static inline void
decap_out_free (gpointer data)
{
  DecapOut *o = data;
  g_bytes_unref (o->bytes);
  g_free (o);
}

/* Builds "appsrc name=src ! @middle ! appsink name=sink", pushes @frames
 * (GBytes) with @linktype, and returns everything the sink got. The pipeline
 * is returned in @pipeline_out (for counters) when non-NULL. */
static inline GPtrArray *
decap_test_pipeline_run (const char *middle, guint8 linktype, GPtrArray *frames,
                         PktElement **pipeline_out)
{
  g_autofree char *desc = g_strdup_printf ("appsrc name=src ! %s ! appsink name=sink", middle);
  g_autoptr (GError) error = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (decap_out_free);
  PktElement *pipeline = pkt_parse_launch (desc, &error);
  PktElement *src, *sink;
  guint i;

  g_assert_no_error (error);
  g_object_ref_sink (pipeline);
  src = pkt_bin_get_by_name (PKT_BIN (pipeline), "src");
  sink = pkt_bin_get_by_name (PKT_BIN (pipeline), "sink");
  g_assert_nonnull (src);
  g_assert_nonnull (sink);
  g_object_set (src, "linktype", (int)linktype, NULL);
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_PLAYING, &error));
  g_assert_no_error (error);
  for (i = 0; i < frames->len; i++)
    g_assert_true (
        pkt_app_src_push_frame (PKT_APP_SRC (src), frames->pdata[i], (gint64)(i + 1) * 1000));
  pkt_app_src_end_of_stream (PKT_APP_SRC (src));
  for (;;) {
    PktBufferList *list = pkt_app_sink_pull (PKT_APP_SINK (sink), 200000);
    if (!list) {
      if (pkt_app_sink_is_eos (PKT_APP_SINK (sink)))
        break;
      continue;
    }
    for (i = 0; i < list->n_packets; i++) {
      DecapOut *o = g_new0 (DecapOut, 1);
      o->bytes = g_bytes_new (list->packets[i].data, list->packets[i].caplen);
      o->p = list->packets[i];
      o->p.data = g_bytes_get_data (o->bytes, NULL);
      g_ptr_array_add (out, o);
    }
    pkt_buffer_list_unref (list);
  }
  g_assert_true (pkt_element_set_state (pipeline, PKT_STATE_NULL, &error));
  g_assert_no_error (error);
  if (pipeline_out)
    *pipeline_out = pipeline;
  else
    g_object_unref (pipeline);
  return out;
}

static inline guint64
decap_test_counter (PktElement *pipeline, const char *element, const char *property)
{
  return pkt_test_get_uint (pipeline, element, property);
}
