/* pktpipe — bpffilter: keeps packets that match a tcpdump expression.
 *
 * libpcap compiles the expression once per link type (packets after decap
 * are raw IP, others Ethernet or cooked SLL); the program for a packet is
 * picked by its linktype byte, and bpf_filter() runs it in user space.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pktpipe.h>

#include "pcap-bpf.h"
#include "pcap-plugin.h"

struct _PktBpfFilter {
  PktFilter parent;
  char *filter;
  guint64 passed;
  guint64 dropped;
  PcapBpf bpf;
  gboolean ready;
};

G_DECLARE_FINAL_TYPE (PktBpfFilter, pkt_bpf_filter, PKT, BPF_FILTER, PktFilter)
G_DEFINE_FINAL_TYPE (PktBpfFilter, pkt_bpf_filter, PKT_TYPE_FILTER)

enum { PROP_0, PROP_FILTER, PROP_PASSED, PROP_DROPPED, N_PROPS };
static GParamSpec *props[N_PROPS];

static gboolean
bpf_filter_start (PktFilter *filter, GError **error)
{
  PktBpfFilter *self = PKT_BPF_FILTER (filter);
  if (self->filter == NULL || *self->filter == '\0') {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "property 'filter' is not set");
    return FALSE;
  }
  pcap_bpf_init (&self->bpf, self->filter);
  self->ready = TRUE;
  self->passed = self->dropped = 0;
  /* Check the expression now. Most streams are Ethernet; an expression
   * that only makes sense for raw IP (after decap) is accepted too. */
  g_autoptr (GError) e = NULL;
  if (!pcap_bpf_prepare (&self->bpf, PKT_LINK_ETHERNET, &e)
      && !pcap_bpf_prepare (&self->bpf, PKT_LINK_RAW_IP, NULL)) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS, "property 'filter': %s",
                           e->message);
    return FALSE;
  }
  return TRUE;
}

static void
bpf_filter_stop (PktFilter *filter)
{
  PktBpfFilter *self = PKT_BPF_FILTER (filter);
  if (self->ready)
    pcap_bpf_clear (&self->bpf);
  self->ready = FALSE;
}

/* First packet of a link type with no program yet: compile (once). */
static gboolean
bpf_filter_prepare (PktBpfFilter *self, guint8 lt)
{
  if (self->bpf.state[lt] == PCAP_BPF_FAILED)
    return FALSE;
  g_autoptr (GError) e = NULL;
  if (pcap_bpf_prepare (&self->bpf, lt, &e))
    return TRUE;
  pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_SETTINGS, NULL,
                       "%s; packets of this link type are dropped (counted in 'dropped')",
                       e->message);
  return FALSE;
}

static PktFlowReturn
bpf_filter_process (PktFilter *filter, PktBufferList *list)
{
  PktBpfFilter *self = PKT_BPF_FILTER (filter);
  guint n = list->n_packets, w = 0;
  for (guint i = 0; i < n; i++) {
    const PktPacket *p = &list->packets[i];
    gboolean keep;
    if (G_LIKELY (self->bpf.state[p->linktype] == PCAP_BPF_OK)
        || bpf_filter_prepare (self, p->linktype))
      keep = pcap_bpf_match (&self->bpf, p->linktype, p->data, p->caplen, p->len);
    else
      keep = FALSE;
    /* compact in the same pass (what pkt_filter_compact does, without a keep array) */
    if (keep) {
      if (w != i)
        list->packets[w] = *p;
      w++;
    }
  }
  list->n_packets = w;
  PKT_STAT_ADD (self->passed, w);
  PKT_STAT_ADD (self->dropped, n - w);
  return PKT_FLOW_OK;
}

static void
bpf_filter_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktBpfFilter *self = PKT_BPF_FILTER (object);
  switch (id) {
    case PROP_FILTER:
      g_free (self->filter);
      self->filter = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
bpf_filter_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktBpfFilter *self = PKT_BPF_FILTER (object);
  switch (id) {
    case PROP_FILTER:
      g_value_set_string (value, self->filter);
      break;
    case PROP_PASSED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->passed));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, PKT_STAT_GET (self->dropped));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
bpf_filter_finalize (GObject *object)
{
  PktBpfFilter *self = PKT_BPF_FILTER (object);
  bpf_filter_stop (PKT_FILTER (self));
  g_free (self->filter);
  G_OBJECT_CLASS (pkt_bpf_filter_parent_class)->finalize (object);
}

static void
pkt_bpf_filter_init (PktBpfFilter *self)
{
}

static void
pkt_bpf_filter_class_init (PktBpfFilterClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  PktFilterClass *filter_class = PKT_FILTER_CLASS (klass);

  gobject_class->set_property = bpf_filter_set_property;
  gobject_class->get_property = bpf_filter_get_property;
  gobject_class->finalize = bpf_filter_finalize;
  filter_class->start = bpf_filter_start;
  filter_class->stop = bpf_filter_stop;
  filter_class->process = bpf_filter_process;

  props[PROP_FILTER]
      = g_param_spec_string ("filter", "Filter",
                             "tcpdump expression (pcap-filter(7)); compiled by libpcap for each "
                             "packet's link type",
                             NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_PASSED]
      = g_param_spec_uint64 ("passed", "Passed", "Packets that matched", 0, G_MAXUINT64, 0,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  props[PROP_DROPPED] = g_param_spec_uint64 (
      "dropped", "Dropped",
      "Packets that did not match (or whose link type the expression "
      "cannot be compiled for)",
      0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  g_object_class_install_properties (gobject_class, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "BPF filter", "Filter/Match",
                                  "Keeps packets matching a tcpdump expression (libpcap BPF)",
                                  "pktpipe developers");
}
