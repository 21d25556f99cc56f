/* pktpipe — fakerecordsink: fakesink for record pads (flowtrack.flows, l7 records…).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

struct _PktFakeRecordSink {
  PktSink parent;
  guint64 st_records;
  guint64 st_batches;
};

G_DECLARE_FINAL_TYPE (PktFakeRecordSink, pkt_fake_record_sink, PKT, FAKE_RECORD_SINK, PktSink)
G_DEFINE_FINAL_TYPE (PktFakeRecordSink, pkt_fake_record_sink, PKT_TYPE_SINK)

enum { PROP_0, PROP_RECORDS, PROP_BATCHES, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_HANDOFF, N_SIGNALS };
static guint signals[N_SIGNALS];

static PktFlowReturn
pkt_fake_record_sink_render (PktSink *sink, PktBatch *batch)
{
  PktFakeRecordSink *self = PKT_FAKE_RECORD_SINK (sink);
  PktRecordList *list = (PktRecordList *)batch;
  PKT_STAT_ADD (self->st_records, list->n_records);
  PKT_STAT_ADD (self->st_batches, 1);
  if (G_UNLIKELY (g_signal_has_handler_pending (self, signals[SIGNAL_HANDOFF], 0, TRUE)))
    g_signal_emit (self, signals[SIGNAL_HANDOFF], 0, list);
  return PKT_FLOW_OK;
}

static void
pkt_fake_record_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktFakeRecordSink *self = PKT_FAKE_RECORD_SINK (object);
  switch (id) {
    case PROP_RECORDS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_records));
      break;
    case PROP_BATCHES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->st_batches));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_fake_record_sink_init (PktFakeRecordSink *self)
{
}

static void
pkt_fake_record_sink_class_init (PktFakeRecordSinkClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  PktSinkClass *sclass = PKT_SINK_CLASS (klass);
  oclass->get_property = pkt_fake_record_sink_get_property;
  pkt_sink_class_set_pad_kind (sclass, PKT_PAD_KIND_RECORDS);
  sclass->render = pkt_fake_record_sink_render;

  props[PROP_RECORDS] = PKT_BASIC_STAT ("records", "Records received");
  props[PROP_BATCHES] = PKT_BASIC_STAT ("batches", "Batches received");
  g_object_class_install_properties (oclass, N_PROPS, props);

  /**
   * PktFakeRecordSink::handoff:
   * @sink: the element
   * @batch: the record batch (borrowed: valid during the emission only)
   *
   * Emitted on the streaming thread for every batch, only when a handler is
   * connected.
   */
  signals[SIGNAL_HANDOFF]
      = g_signal_new ("handoff", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, PKT_TYPE_RECORD_LIST | G_SIGNAL_TYPE_STATIC_SCOPE);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Fake record sink", "Sink",
                                  "Counts records and batches and discards them", "pktpipe");
}
