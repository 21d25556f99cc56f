/* pktpipe — flowtrack: bidirectional flow tracking with Zeek's TCP state
 * machine, history and conn_state; annotates packets and emits conn records.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow.h"

#include <string.h>

#define NS_PER_S 1000000000ull

typedef enum {
  PKT_FLOW_EMIT_STARTED = 1 << FLOW_EVENT_STARTED,
  PKT_FLOW_EMIT_ESTABLISHED = 1 << FLOW_EVENT_ESTABLISHED,
  PKT_FLOW_EMIT_ENDED = 1 << FLOW_EVENT_ENDED,
} PktFlowEmit;

struct _PktFlowTrack {
  PktFilter parent;

  /* properties */
  FlowKeyMode key;
  guint key_with;
  gboolean bidirectional;
  guint max_flows;
  guint64 tcp_inactivity;
  guint64 udp_inactivity;
  guint64 icmp_inactivity;
  guint64 linger;
  guint emit;
  char *server_ports;

  /* counters */
  guint64 stat_active;
  guint64 stat_created;
  guint64 stat_expired;
  guint64 stat_evicted;
  guint64 stat_closed;
  guint64 stat_untracked;

  /* streaming state */
  FlowEngine *engine;
  PktPad *flows_pad;
  PktRecordList *pending;
  gboolean want_records;
  gboolean want_started;
  gboolean want_ended;
};

G_DECLARE_FINAL_TYPE (PktFlowTrack, pkt_flow_track, PKT, FLOW_TRACK, PktFilter)
G_DEFINE_FINAL_TYPE (PktFlowTrack, pkt_flow_track, PKT_TYPE_FILTER)

enum {
  PROP_0,
  PROP_KEY,
  PROP_KEY_WITH,
  PROP_BIDIRECTIONAL,
  PROP_MAX_FLOWS,
  PROP_TCP_INACTIVITY,
  PROP_UDP_INACTIVITY,
  PROP_ICMP_INACTIVITY,
  PROP_LINGER,
  PROP_EMIT,
  PROP_SERVER_PORTS,
  PROP_ACTIVE,
  PROP_CREATED,
  PROP_EXPIRED,
  PROP_EVICTED,
  PROP_CLOSED,
  PROP_UNTRACKED,
  PROP_BYTES_PER_FLOW,
  N_PROPS
};

enum { SIGNAL_FLOW_STARTED, SIGNAL_FLOW_ENDED, N_SIGNALS };

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static const PktPadTemplate flows_template
    = { "flows", PKT_PAD_SRC, PKT_PAD_KIND_RECORDS, PKT_PAD_REQUEST };

/* ---------------------------------------------------------------- enums */

static GType
pkt_flow_key_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type)) {
    static const GEnumValue values[] = {
      { FLOW_KEY_5TUPLE, "Addresses, ports and protocol", "5tuple" },
      { FLOW_KEY_IPPAIR, "The two IP addresses", "ippair" },
      { FLOW_KEY_MACPAIR, "The two MAC addresses", "macpair" },
      { 0, NULL, NULL },
    };
    g_once_init_leave (&type, g_enum_register_static ("PktFlowKey", values));
  }
  return type;
}

static GType
pkt_flow_key_with_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type)) {
    static const GFlagsValue values[] = {
      { FLOW_KEY_WITH_VLAN, "VLAN ids (outer and inner)", "vlan" },
      { FLOW_KEY_WITH_TUNNEL, "Outermost tunnel type and id recorded by decap", "tunnel" },
      { 0, NULL, NULL },
    };
    g_once_init_leave (&type, g_flags_register_static ("PktFlowKeyWith", values));
  }
  return type;
}

static GType
pkt_flow_emit_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type)) {
    static const GFlagsValue values[] = {
      { PKT_FLOW_EMIT_STARTED, "A record when a flow starts", "started" },
      { PKT_FLOW_EMIT_ESTABLISHED, "A record when both sides have spoken (TCP: handshake done)",
        "established" },
      { PKT_FLOW_EMIT_ENDED, "A record when a flow ends", "ended" },
      { 0, NULL, NULL },
    };
    g_once_init_leave (&type, g_flags_register_static ("PktFlowEmit", values));
  }
  return type;
}

/* ---------------------------------------------------------------- events */

static void
on_flow_event (FlowEngine *engine, FlowEventType type, const FlowEntry *entry, guint64 flow_id,
               FlowEndReason reason, gpointer user_data)
{
  PktFlowTrack *self = user_data;
  gboolean to_pad = self->want_records && (self->emit & (1u << type));
  gboolean to_sig = (type == FLOW_EVENT_STARTED && self->want_started)
                    || (type == FLOW_EVENT_ENDED && self->want_ended);
  if (!to_pad && !to_sig)
    return;
  PktRecord *rec = pkt_conn_record_new (entry, flow_id, reason, type == FLOW_EVENT_ENDED);
  if (to_sig)
    g_signal_emit (self,
                   signals[type == FLOW_EVENT_STARTED ? SIGNAL_FLOW_STARTED : SIGNAL_FLOW_ENDED], 0,
                   rec);
  if (to_pad) {
    if (!self->pending)
      self->pending = pkt_record_list_new (64);
    pkt_record_list_add (self->pending, rec);
  } else {
    pkt_record_unref (rec);
  }
}

/* Checked once per batch: which outputs are wanted decides what the engine
 * calls back for, so an unused output costs nothing per packet. */
static void
update_wants (PktFlowTrack *self)
{
  self->want_records = self->flows_pad && pkt_pad_is_linked (self->flows_pad);
  self->want_started = g_signal_has_handler_pending (self, signals[SIGNAL_FLOW_STARTED], 0, TRUE);
  self->want_ended = g_signal_has_handler_pending (self, signals[SIGNAL_FLOW_ENDED], 0, TRUE);
  guint mask = 0;
  if (self->want_records)
    mask |= self->emit;
  if (self->want_started)
    mask |= PKT_FLOW_EMIT_STARTED;
  if (self->want_ended)
    mask |= PKT_FLOW_EMIT_ENDED;
  flow_engine_set_callback (self->engine, mask ? on_flow_event : NULL, self, mask);
}

static void
publish_stats (PktFlowTrack *self)
{
  const FlowCounters *c = flow_engine_get_counters (self->engine);
  __atomic_store_n (&self->stat_active, (guint64)flow_engine_get_active (self->engine),
                    __ATOMIC_RELAXED);
  __atomic_store_n (&self->stat_created, c->created, __ATOMIC_RELAXED);
  __atomic_store_n (&self->stat_expired, c->expired, __ATOMIC_RELAXED);
  __atomic_store_n (&self->stat_evicted, c->evicted, __ATOMIC_RELAXED);
  __atomic_store_n (&self->stat_closed, c->closed, __ATOMIC_RELAXED);
  __atomic_store_n (&self->stat_untracked, c->untracked, __ATOMIC_RELAXED);
}

static PktFlowReturn
push_pending (PktFlowTrack *self)
{
  PktRecordList *list = self->pending;
  if (!list)
    return PKT_FLOW_OK;
  self->pending = NULL;
  if (list->n_records == 0 || !self->flows_pad) {
    pkt_record_list_unref (list);
    return PKT_FLOW_OK;
  }
  PktFlowReturn ret = pkt_pad_push_records (self->flows_pad, list);
  /* a records branch that ended or is unlinked must not stop the packets */
  return ret == PKT_FLOW_EOS || ret == PKT_FLOW_NOT_LINKED ? PKT_FLOW_OK : ret;
}

/* ---------------------------------------------------------------- vfuncs */

static PktFlowReturn
pkt_flow_track_process (PktFilter *filter, PktBufferList *list)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (filter);
  update_wants (self);
  flow_engine_process_batch (self->engine, list->packets, list->n_packets);
  publish_stats (self);
  return push_pending (self);
}

static gboolean
pkt_flow_track_sink_event (PktFilter *filter, PktEvent *event)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (filter);
  if (self->engine) {
    update_wants (self);
    if (event->type == PKT_EVENT_HEARTBEAT) {
      flow_engine_advance (self->engine, event->ts_ns);
    } else if (event->type == PKT_EVENT_EOS) {
      flow_engine_end_all (self->engine, FLOW_END_EOS);
      publish_stats (self);
      pkt_element_post_message (
          PKT_ELEMENT (self), pkt_message_new_payload (PKT_MESSAGE_STATS, PKT_ELEMENT (self),
                                                       pkt_element_get_stats (PKT_ELEMENT (self))));
    }
    publish_stats (self);
    push_pending (self);
  }
  if (self->flows_pad && (event->type != PKT_EVENT_HEARTBEAT))
    pkt_pad_push_event (self->flows_pad, pkt_event_ref (event));
  return PKT_FILTER_CLASS (pkt_flow_track_parent_class)->sink_event (filter, event);
}

static gboolean
parse_server_ports (const char *spec, guint8 *bm, GError **error, PktFlowTrack *self)
{
  memset (bm, 0, 8192);
  g_auto (GStrv) parts = g_strsplit_set (spec, ", ", -1);
  for (guint i = 0; parts[i]; i++) {
    if (!*parts[i])
      continue;
    guint64 lo, hi;
    char *dash = strchr (parts[i], '-');
    if (dash)
      *dash = 0;
    if (!g_ascii_string_to_unsigned (parts[i], 10, 0, 65535, &lo, NULL)
        || (dash && !g_ascii_string_to_unsigned (dash + 1, 10, lo, 65535, &hi, NULL))) {
      pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                             "server-ports: '%s' is not a port or a range of ports", spec);
      return FALSE;
    }
    if (!dash)
      hi = lo;
    for (guint64 p = lo; p <= hi; p++)
      bm[p >> 3] |= 1 << (p & 7);
  }
  return TRUE;
}

static gboolean
pkt_flow_track_start (PktFilter *filter, GError **error)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (filter);
  FlowConfig cfg;
  flow_config_init (&cfg);
  cfg.key = self->key;
  cfg.key_with = self->key_with;
  cfg.bidirectional = self->bidirectional;
  cfg.max_flows = self->max_flows;
  cfg.tcp_inactivity_ns = (gint64)self->tcp_inactivity;
  cfg.udp_inactivity_ns = (gint64)self->udp_inactivity;
  cfg.icmp_inactivity_ns = (gint64)self->icmp_inactivity;
  cfg.other_inactivity_ns = (gint64)self->udp_inactivity;
  cfg.linger_ns = (gint64)self->linger;
  cfg.attempt_ns = (gint64)self->linger;
  g_autofree guint8 *ports = g_malloc (8192);
  if (self->server_ports && *self->server_ports) {
    if (!parse_server_ports (self->server_ports, ports, error, self))
      return FALSE;
  } else {
    flow_server_ports_set_default (ports);
  }
  cfg.server_ports = ports;
  self->engine = flow_engine_new (&cfg);
  return TRUE;
}

static void
pkt_flow_track_stop (PktFilter *filter)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (filter);
  g_clear_pointer (&self->pending, pkt_record_list_unref);
  g_clear_pointer (&self->engine, flow_engine_free);
}

static PktPad *
pkt_flow_track_request_new_pad (PktElement *element, const PktPadTemplate *templ, const char *name,
                                GError **error)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (element);
  if (self->flows_pad && pkt_element_get_static_pad (element, "flows") == self->flows_pad) {
    return self->flows_pad;
  }
  if (self->flows_pad) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS,
                 "%s: the flows pad was already requested (link a tee for more readers)",
                 pkt_element_get_name (element));
    return NULL;
  }
  self->flows_pad = pkt_pad_new_from_template (templ, "flows");
  pkt_element_add_pad (element, self->flows_pad);
  return self->flows_pad;
}

static void
pkt_flow_track_release_pad (PktElement *element, PktPad *pad)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (element);
  if (pad == self->flows_pad) {
    self->flows_pad = NULL;
    pkt_element_remove_pad (element, pad);
  }
}

/* ---------------------------------------------------------------- GObject */

static void
pkt_flow_track_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (object);
  switch (id) {
    case PROP_KEY:
      self->key = g_value_get_enum (value);
      break;
    case PROP_KEY_WITH:
      self->key_with = g_value_get_flags (value);
      break;
    case PROP_BIDIRECTIONAL:
      self->bidirectional = g_value_get_boolean (value);
      break;
    case PROP_MAX_FLOWS:
      self->max_flows = g_value_get_uint (value);
      break;
    case PROP_TCP_INACTIVITY:
      self->tcp_inactivity = g_value_get_uint64 (value);
      break;
    case PROP_UDP_INACTIVITY:
      self->udp_inactivity = g_value_get_uint64 (value);
      break;
    case PROP_ICMP_INACTIVITY:
      self->icmp_inactivity = g_value_get_uint64 (value);
      break;
    case PROP_LINGER:
      self->linger = g_value_get_uint64 (value);
      break;
    case PROP_EMIT:
      self->emit = g_value_get_flags (value);
      break;
    case PROP_SERVER_PORTS:
      g_free (self->server_ports);
      self->server_ports = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_flow_track_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (object);
  switch (id) {
    case PROP_KEY:
      g_value_set_enum (value, self->key);
      break;
    case PROP_KEY_WITH:
      g_value_set_flags (value, self->key_with);
      break;
    case PROP_BIDIRECTIONAL:
      g_value_set_boolean (value, self->bidirectional);
      break;
    case PROP_MAX_FLOWS:
      g_value_set_uint (value, self->max_flows);
      break;
    case PROP_TCP_INACTIVITY:
      g_value_set_uint64 (value, self->tcp_inactivity);
      break;
    case PROP_UDP_INACTIVITY:
      g_value_set_uint64 (value, self->udp_inactivity);
      break;
    case PROP_ICMP_INACTIVITY:
      g_value_set_uint64 (value, self->icmp_inactivity);
      break;
    case PROP_LINGER:
      g_value_set_uint64 (value, self->linger);
      break;
    case PROP_EMIT:
      g_value_set_flags (value, self->emit);
      break;
    case PROP_SERVER_PORTS:
      g_value_set_string (value, self->server_ports);
      break;
    case PROP_ACTIVE:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_active));
      break;
    case PROP_CREATED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_created));
      break;
    case PROP_EXPIRED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_expired));
      break;
    case PROP_EVICTED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_evicted));
      break;
    case PROP_CLOSED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_closed));
      break;
    case PROP_UNTRACKED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_untracked));
      break;
    case PROP_BYTES_PER_FLOW:
      g_value_set_uint64 (value, self->engine ? flow_engine_get_memory (self->engine)
                                                    / MAX (self->max_flows, 1u)
                                              : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_flow_track_finalize (GObject *object)
{
  PktFlowTrack *self = PKT_FLOW_TRACK (object);
  g_clear_pointer (&self->pending, pkt_record_list_unref);
  g_clear_pointer (&self->engine, flow_engine_free);
  g_free (self->server_ports);
  G_OBJECT_CLASS (pkt_flow_track_parent_class)->finalize (object);
}

static GParamSpec *
stat_prop (const char *name, const char *blurb)
{
  return g_param_spec_uint64 (name, name, blurb, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
}

static void
pkt_flow_track_class_init (PktFlowTrackClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PktElementClass *ec = PKT_ELEMENT_CLASS (klass);
  PktFilterClass *fc = PKT_FILTER_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  oc->set_property = pkt_flow_track_set_property;
  oc->get_property = pkt_flow_track_get_property;
  oc->finalize = pkt_flow_track_finalize;
  ec->request_new_pad = pkt_flow_track_request_new_pad;
  ec->release_pad = pkt_flow_track_release_pad;
  fc->start = pkt_flow_track_start;
  fc->stop = pkt_flow_track_stop;
  fc->process = pkt_flow_track_process;
  fc->sink_event = pkt_flow_track_sink_event;

  props[PROP_KEY] = g_param_spec_enum ("key", "Key", "What identifies a flow",
                                       pkt_flow_key_get_type (), FLOW_KEY_5TUPLE, rw);
  props[PROP_KEY_WITH]
      = g_param_spec_flags ("key-with", "Key with",
                            "Also key flows on the VLAN ids and/or the tunnel that decap recorded",
                            pkt_flow_key_with_get_type (), 0, rw);
  props[PROP_BIDIRECTIONAL] = g_param_spec_boolean (
      "bidirectional", "Bidirectional",
      "Both directions are one flow; the originator follows Zeek's rules", TRUE, rw);
  props[PROP_MAX_FLOWS] = g_param_spec_uint (
      "max-flows", "Maximum flows",
      "Flows tracked at once (memory is preallocated: about 186 bytes each); when full, the least "
      "recently used flow is evicted",
      1, (1u << 24) - 2, 65536, rw);
  props[PROP_TCP_INACTIVITY] = g_param_spec_uint64 (
      "tcp-inactivity", "TCP inactivity", "Idle time after which an established TCP flow ends (ns)",
      NS_PER_S / 1000, G_MAXINT64, 300 * NS_PER_S, rw);
  props[PROP_UDP_INACTIVITY] = g_param_spec_uint64 (
      "udp-inactivity", "UDP inactivity",
      "Idle time after which a UDP (or other) flow ends; also TCP before its handshake completes "
      "(ns)",
      NS_PER_S / 1000, G_MAXINT64, 60 * NS_PER_S, rw);
  props[PROP_ICMP_INACTIVITY] = g_param_spec_uint64 (
      "icmp-inactivity", "ICMP inactivity", "Idle time after which an ICMP flow ends (ns)",
      NS_PER_S / 1000, G_MAXINT64, 60 * NS_PER_S, rw);
  props[PROP_LINGER] = g_param_spec_uint64 (
      "linger", "Linger",
      "How long a TCP flow stays after its FIN/RST close, and how long an unanswered SYN waits "
      "(ns)",
      0, G_MAXINT64, 5 * NS_PER_S, rw);
  props[PROP_EMIT] = g_param_spec_flags ("emit", "Emit", "When the flows pad gets a record",
                                         pkt_flow_emit_get_type (), PKT_FLOW_EMIT_ENDED, rw);
  props[PROP_SERVER_PORTS] = g_param_spec_string (
      "server-ports", "Server ports",
      "Ports taken as the responder's when a flow starts midstream (comma list, ranges a-b); "
      "empty: the ports of Zeek's default analyzers",
      NULL, rw);
  props[PROP_ACTIVE] = stat_prop ("active", "Flows tracked now");
  props[PROP_CREATED] = stat_prop ("created", "Flows created");
  props[PROP_EXPIRED] = stat_prop ("expired", "Flows ended by an inactivity timeout");
  props[PROP_EVICTED] = stat_prop ("evicted", "Flows evicted because max-flows was reached");
  props[PROP_CLOSED] = stat_prop ("closed", "TCP flows ended after their close");
  props[PROP_UNTRACKED] = stat_prop (
      "untracked", "Packets passed without a flow (not IP, non-first fragments, truncated)");
  props[PROP_BYTES_PER_FLOW] = g_param_spec_uint64 (
      "bytes-per-flow", "Bytes per flow", "Memory of the table and entries per tracked flow", 0,
      G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oc, N_PROPS, props);

  signals[SIGNAL_FLOW_STARTED]
      = g_signal_new ("flow-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, PKT_TYPE_RECORD);
  signals[SIGNAL_FLOW_ENDED]
      = g_signal_new ("flow-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, PKT_TYPE_RECORD);

  pkt_element_class_add_pad_template (ec, &flows_template);
  pkt_element_class_set_metadata (
      ec, "Flow tracker", "Filter/Analyzer/Flow",
      "Tracks bidirectional flows with Zeek's TCP state machine; annotates packets and emits conn "
      "records",
      "pktpipe");
}

static void
pkt_flow_track_init (PktFlowTrack *self)
{
  self->key = FLOW_KEY_5TUPLE;
  self->bidirectional = TRUE;
  self->max_flows = 65536;
  self->tcp_inactivity = 300 * NS_PER_S;
  self->udp_inactivity = 60 * NS_PER_S;
  self->icmp_inactivity = 60 * NS_PER_S;
  self->linger = 5 * NS_PER_S;
  self->emit = PKT_FLOW_EMIT_ENDED;
  /* Workaround (core): requesting a template without "%u" crashes in
   * request_from_template, so the flows pad exists from the start; records
   * are still built only while it is linked. */
  self->flows_pad = pkt_pad_new_from_template (&flows_template, "flows");
  pkt_element_add_pad (PKT_ELEMENT (self), self->flows_pad);
}
