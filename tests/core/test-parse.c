/* pktpipe tests — the pipeline-description parser (core/pkt-parse.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The parser is exercised against small element types registered by this
 * file (plugin NULL = registered by the application): one with a property
 * of every type the parser converts, and pad-only elements shaped like a
 * source, sinks for packets and for records, a tee and a funnel (request
 * pads). They are real PktElement subclasses, not mocks: the parser creates,
 * configures and links them through the public API exactly as it does the
 * plugins' elements. A live-instance counter proves that failed parses
 * leave nothing behind. */

#include <pktpipe/pktpipe.h>
#include <string.h>

#include "pkt-test-util.h"

/* ------------------------------------------------------------------------ */
/* Test element types                                                       */

static gint live_instances;

static PktFlowReturn
pt_chain (PktPad *pad, PktElement *parent, PktBatch *batch)
{
  pkt_batch_unref (batch);
  return PKT_FLOW_OK;
}

static void
pt_add_always_pads (PktElement *self, PktElementClass *klass)
{
  GPtrArray *templs = pkt_element_class_get_pad_templates (klass);

  for (guint i = 0; templs != NULL && i < templs->len; i++) {
    const PktPadTemplate *t = g_ptr_array_index (templs, i);
    if (t->presence != PKT_PAD_ALWAYS)
      continue;
    PktPad *pad = pkt_pad_new_from_template (t, t->name_template);
    if (t->direction == PKT_PAD_SINK)
      pkt_pad_set_chain_function (pad, pt_chain);
    pkt_element_add_pad (self, pad);
  }
}

static PktPad *
pt_request_new_pad (PktElement *self, const PktPadTemplate *templ, const char *name, GError **error)
{
  PktPad *pad = pkt_pad_new_from_template (templ, name);

  if (templ->direction == PKT_PAD_SINK)
    pkt_pad_set_chain_function (pad, pt_chain);
  pkt_element_add_pad (self, pad);
  return pad;
}

/* Pad-only elements: one GType per PtSpec, sharing class_init. */
typedef struct {
  const char *factory;
  PktPadTemplate templs[3];
} PtSpec;

static const PtSpec pt_specs[] = {
  { "ptsrc", { { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS } } },
  { "ptsink", { { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS } } },
  { "ptrecsink", { { "sink", PKT_PAD_SINK, PKT_PAD_KIND_RECORDS, PKT_PAD_ALWAYS } } },
  { "pttee",
    { { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS },
      { "src_%u", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_REQUEST } } },
  { "ptfunnel",
    { { "sink_%u", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_REQUEST },
      { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS } } },
};

static void
pt_finalize (GObject *object)
{
  g_atomic_int_add (&live_instances, -1);
  G_OBJECT_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (object)))->finalize (object);
}

static void
pt_class_init (gpointer klass, gpointer data)
{
  const PtSpec *spec = data;

  G_OBJECT_CLASS (klass)->finalize = pt_finalize;
  PKT_ELEMENT_CLASS (klass)->request_new_pad = pt_request_new_pad;
  for (guint i = 0; i < G_N_ELEMENTS (spec->templs) && spec->templs[i].name_template; i++)
    pkt_element_class_add_pad_template (klass, &spec->templs[i]);
  pkt_element_class_set_metadata (klass, spec->factory, "Testing", "parser test element",
                                  "pktpipe tests");
}

static void
pt_instance_init (GTypeInstance *instance, gpointer klass)
{
  g_atomic_int_inc (&live_instances);
  pt_add_always_pads (PKT_ELEMENT (instance), klass);
}

static GType
pt_register_spec (const PtSpec *spec)
{
  GTypeInfo info = {
    .class_size = sizeof (PktElementClass),
    .class_init = pt_class_init,
    .class_data = spec,
    .instance_size = sizeof (PktElement),
    .instance_init = pt_instance_init,
  };
  char *type_name = g_strdup_printf ("PtElement_%s", spec->factory);
  GType type = g_type_register_static (PKT_TYPE_ELEMENT, type_name, &info, 0);

  g_free (type_name);
  return type;
}

/* ptprops: a property of every type the parser converts. */
typedef enum { PT_LEAKY_NO, PT_LEAKY_UPSTREAM, PT_LEAKY_DOWNSTREAM } PtLeaky;
typedef enum { PT_PROTO_TCP = 1, PT_PROTO_UDP = 2, PT_PROTO_ICMP = 4 } PtProto;

static GType
pt_leaky_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { PT_LEAKY_NO, "PT_LEAKY_NO", "no" },
    { PT_LEAKY_UPSTREAM, "PT_LEAKY_UPSTREAM", "upstream" },
    { PT_LEAKY_DOWNSTREAM, "PT_LEAKY_DOWNSTREAM", "downstream" },
    { 0, NULL, NULL },
  };
  if (type == 0)
    type = g_enum_register_static ("PtLeaky", values);
  return type;
}

static GType
pt_proto_get_type (void)
{
  static GType type;
  static const GFlagsValue values[] = {
    { PT_PROTO_TCP, "PT_PROTO_TCP", "tcp" },
    { PT_PROTO_UDP, "PT_PROTO_UDP", "udp" },
    { PT_PROTO_ICMP, "PT_PROTO_ICMP", "icmp" },
    { 0, NULL, NULL },
  };
  if (type == 0)
    type = g_flags_register_static ("PtProto", values);
  return type;
}

typedef struct {
  PktElement parent;
  gint int_prop;
  guint uint_prop;
  gint64 int64_prop;
  guint64 uint64_prop;
  double double_prop, rate;
  gboolean bool_prop;
  char *string_prop, *fixed;
  char **strv_prop;
  PtLeaky enum_prop;
  guint flags_prop;
  guint64 size_prop, idle_timeout, packets;
  guint poll_ms, wait;
} PtProps;

typedef struct {
  PktElementClass parent_class;
} PtPropsClass;

enum {
  P_0,
  P_INT,
  P_UINT,
  P_INT64,
  P_UINT64,
  P_DOUBLE,
  P_RATE,
  P_BOOL,
  P_STRING,
  P_FIXED,
  P_STRV,
  P_ENUM,
  P_FLAGS,
  P_SIZE,
  P_IDLE_TIMEOUT,
  P_POLL_MS,
  P_WAIT,
  P_PACKETS,
  P_N
};

static const PktPadTemplate pt_props_templs[] = {
  { "sink", PKT_PAD_SINK, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS },
  { "src", PKT_PAD_SRC, PKT_PAD_KIND_PACKETS, PKT_PAD_ALWAYS },
  { "stats", PKT_PAD_SRC, PKT_PAD_KIND_RECORDS, PKT_PAD_ALWAYS },
};

G_DEFINE_TYPE (PtProps, pt_props, PKT_TYPE_ELEMENT)

static void
pt_props_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PtProps *self = (PtProps *)object;

  switch (id) {
    case P_INT:
      self->int_prop = g_value_get_int (value);
      break;
    case P_UINT:
      self->uint_prop = g_value_get_uint (value);
      break;
    case P_INT64:
      self->int64_prop = g_value_get_int64 (value);
      break;
    case P_UINT64:
      self->uint64_prop = g_value_get_uint64 (value);
      break;
    case P_DOUBLE:
      self->double_prop = g_value_get_double (value);
      break;
    case P_RATE:
      self->rate = g_value_get_double (value);
      break;
    case P_BOOL:
      self->bool_prop = g_value_get_boolean (value);
      break;
    case P_STRING:
      g_free (self->string_prop);
      self->string_prop = g_value_dup_string (value);
      break;
    case P_FIXED:
      g_free (self->fixed);
      self->fixed = g_value_dup_string (value);
      break;
    case P_STRV:
      g_strfreev (self->strv_prop);
      self->strv_prop = g_value_dup_boxed (value);
      break;
    case P_ENUM:
      self->enum_prop = g_value_get_enum (value);
      break;
    case P_FLAGS:
      self->flags_prop = g_value_get_flags (value);
      break;
    case P_SIZE:
      self->size_prop = g_value_get_uint64 (value);
      break;
    case P_IDLE_TIMEOUT:
      self->idle_timeout = g_value_get_uint64 (value);
      break;
    case P_POLL_MS:
      self->poll_ms = g_value_get_uint (value);
      break;
    case P_WAIT:
      self->wait = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pt_props_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PtProps *self = (PtProps *)object;

  switch (id) {
    case P_INT:
      g_value_set_int (value, self->int_prop);
      break;
    case P_UINT:
      g_value_set_uint (value, self->uint_prop);
      break;
    case P_INT64:
      g_value_set_int64 (value, self->int64_prop);
      break;
    case P_UINT64:
      g_value_set_uint64 (value, self->uint64_prop);
      break;
    case P_DOUBLE:
      g_value_set_double (value, self->double_prop);
      break;
    case P_RATE:
      g_value_set_double (value, self->rate);
      break;
    case P_BOOL:
      g_value_set_boolean (value, self->bool_prop);
      break;
    case P_STRING:
      g_value_set_string (value, self->string_prop);
      break;
    case P_FIXED:
      g_value_set_string (value, self->fixed);
      break;
    case P_STRV:
      g_value_set_boxed (value, self->strv_prop);
      break;
    case P_ENUM:
      g_value_set_enum (value, self->enum_prop);
      break;
    case P_FLAGS:
      g_value_set_flags (value, self->flags_prop);
      break;
    case P_SIZE:
      g_value_set_uint64 (value, self->size_prop);
      break;
    case P_IDLE_TIMEOUT:
      g_value_set_uint64 (value, self->idle_timeout);
      break;
    case P_POLL_MS:
      g_value_set_uint (value, self->poll_ms);
      break;
    case P_WAIT:
      g_value_set_uint (value, self->wait);
      break;
    case P_PACKETS:
      g_value_set_uint64 (value, self->packets);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pt_props_finalize (GObject *object)
{
  PtProps *self = (PtProps *)object;

  g_free (self->string_prop);
  g_free (self->fixed);
  g_strfreev (self->strv_prop);
  g_atomic_int_add (&live_instances, -1);
  G_OBJECT_CLASS (pt_props_parent_class)->finalize (object);
}

static void
pt_props_class_init (PtPropsClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  GParamSpec *specs[P_N] = { NULL };

  oclass->set_property = pt_props_set_property;
  oclass->get_property = pt_props_get_property;
  oclass->finalize = pt_props_finalize;
  specs[P_INT] = g_param_spec_int ("int-prop", "Int", "A signed int", -100, 100, 0, rw);
  specs[P_UINT] = g_param_spec_uint ("uint-prop", "Port", "A port", 1, 65535, 1, rw);
  specs[P_INT64]
      = g_param_spec_int64 ("int64-prop", "Int64", "A gint64", G_MININT64, G_MAXINT64, 0, rw);
  specs[P_UINT64]
      = g_param_spec_uint64 ("uint64-prop", "UInt64", "A guint64", 0, G_MAXUINT64, 0, rw);
  specs[P_DOUBLE] = g_param_spec_double ("double-prop", "Prob", "A probability", 0, 1, 0, rw);
  specs[P_RATE] = g_param_spec_double ("rate", "Rate", "Packets per second", 0, 1e12, 0, rw);
  specs[P_BOOL] = g_param_spec_boolean ("bool-prop", "Bool", "A boolean", FALSE, rw);
  specs[P_STRING] = g_param_spec_string ("string-prop", "String", "A string", NULL, rw);
  specs[P_FIXED]
      = g_param_spec_string ("fixed", "Fixed", "Construct-only", NULL, rw | G_PARAM_CONSTRUCT_ONLY);
  specs[P_STRV] = g_param_spec_boxed ("strv-prop", "Strv", "A list", G_TYPE_STRV, rw);
  specs[P_ENUM]
      = g_param_spec_enum ("enum-prop", "Enum", "Leakiness", pt_leaky_get_type (), PT_LEAKY_NO, rw);
  specs[P_FLAGS] = g_param_spec_flags ("flags-prop", "Flags", "Protocols", pt_proto_get_type (),
                                       PT_PROTO_TCP, rw);
  specs[P_SIZE]
      = g_param_spec_uint64 ("size-prop", "Size", "Bytes of buffer", 0, G_MAXUINT64, 0, rw);
  specs[P_IDLE_TIMEOUT]
      = g_param_spec_uint64 ("idle-timeout", "Idle timeout", "Idle timeout", 0, G_MAXUINT64, 0, rw);
  specs[P_POLL_MS] = g_param_spec_uint ("poll-ms", "Poll", "Poll period", 0, G_MAXUINT, 0, rw);
  specs[P_WAIT]
      = g_param_spec_uint ("wait", "Wait", "Time to wait (us) between tries", 0, G_MAXUINT, 0, rw);
  specs[P_PACKETS]
      = g_param_spec_uint64 ("packets", "Packets", "Packets seen", 0, G_MAXUINT64, 0,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT);
  g_object_class_install_properties (oclass, P_N, specs);

  for (guint i = 0; i < G_N_ELEMENTS (pt_props_templs); i++)
    pkt_element_class_add_pad_template (PKT_ELEMENT_CLASS (klass), &pt_props_templs[i]);
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "ptprops", "Testing",
                                  "every property type", "pktpipe tests");
}

static void
pt_props_init (PtProps *self)
{
  g_atomic_int_inc (&live_instances);
  pt_add_always_pads (PKT_ELEMENT (self), PKT_ELEMENT_GET_CLASS (self));
}

static void
register_test_elements (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (pt_specs); i++)
    g_assert_true (pkt_element_register (NULL, pt_specs[i].factory, PKT_RANK_NONE,
                                         pt_register_spec (&pt_specs[i])));
  g_assert_true (pkt_element_register (NULL, "ptprops", PKT_RANK_NONE, pt_props_get_type ()));
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static PktParseContext *
test_context (void)
{
  PktParseContext *ctx = pkt_parse_context_new ();

  pkt_parse_context_set_variable (ctx, "dev", "eth0");
  pkt_parse_context_set_variable (ctx, "n", "10");
  pkt_parse_context_set_variable (ctx, "big", "70000");
  pkt_parse_context_set_variable (ctx, "chain", "ptsrc ! ptsink");
  pkt_parse_context_set_variable (ctx, "spaced", "two words");
  return ctx;
}

static PktElement *
parse_ok (const char *desc)
{
  g_autoptr (PktParseContext) ctx = test_context ();
  GError *error = NULL;
  PktElement *pipeline = pkt_parse_launch_full (desc, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pipeline);
  g_assert_true (PKT_IS_PIPELINE (pipeline));
  /* floating, as every new element */
  g_assert_true (g_object_is_floating (pipeline));
  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, -1);
  return g_object_ref_sink (pipeline);
}

static PktElement *
sink (PktElement *pipeline)
{
  return pipeline ? g_object_ref_sink (pipeline) : NULL;
}

static PktElement *
child (PktElement *pipeline, const char *name)
{
  PktElement *e = pkt_bin_get_by_name (PKT_BIN (pipeline), name);

  if (e == NULL)
    g_error ("no element %s in the pipeline", name);
  return e;
}

/* "a.b" is linked to "c.d" */
static void
assert_linked (PktElement *pipeline, const char *src, const char *sink)
{
  char **s = g_strsplit (src, ".", 2), **k = g_strsplit (sink, ".", 2);
  PktPad *sp = pkt_element_get_static_pad (child (pipeline, s[0]), s[1]);
  PktPad *kp = pkt_element_get_static_pad (child (pipeline, k[0]), k[1]);

  if (sp == NULL || kp == NULL)
    g_error ("pad %s or %s does not exist", src, sink);
  if (pkt_pad_get_peer (sp) != kp)
    g_error ("%s is not linked to %s", src, sink);
  g_strfreev (s);
  g_strfreev (k);
}

static void
assert_unlinked (PktElement *pipeline, const char *pad_name)
{
  char **s = g_strsplit (pad_name, ".", 2);
  PktPad *pad = pkt_element_get_static_pad (child (pipeline, s[0]), s[1]);

  g_assert_nonnull (pad);
  g_assert_false (pkt_pad_is_linked (pad));
  g_strfreev (s);
}

/* ------------------------------------------------------------------------ */
/* Malformed descriptions                                                   */

typedef struct {
  const char *desc;
  PktParseError code;
  /* the token under the caret: its @nth occurrence in @desc; NULL with
   * offset/length given explicitly */
  const char *token;
  guint nth;
  gssize offset;
  gsize length;
  const char *reason; /* first line of the message */
} BadCase;

static const BadCase bad_cases[] = {
  { "", PKT_PARSE_ERROR_EMPTY, NULL, 0, 0, 0, "empty pipeline description" },
  { "  # nothing but a comment\n", PKT_PARSE_ERROR_EMPTY, NULL, 0, 0, 0,
    "empty pipeline description" },
  { "! ptsink", PKT_PARSE_ERROR_SYNTAX, "!", 0, 0, 0, "'!' without an element before it" },
  { "ptsrc !", PKT_PARSE_ERROR_SYNTAX, "!", 0, 0, 0,
    "dangling '!': expected an element or a reference after it" },
  { "ptsrc\n! ptsink\n! # the end\n", PKT_PARSE_ERROR_SYNTAX, "!", 1, 0, 0,
    "dangling '!': expected an element or a reference after it" },
  { "ptsrc ! ! ptsink", PKT_PARSE_ERROR_SYNTAX, "!", 1, 0, 0,
    "empty link: expected an element or a reference between the two '!'" },
  { "ptprops uint-prop=", PKT_PARSE_ERROR_SYNTAX, "uint-prop=", 0, 0, 0,
    "missing value after \"uint-prop=\"" },
  { "ptprops uint-prop= ! ptsink", PKT_PARSE_ERROR_SYNTAX, "uint-prop=", 0, 0, 0,
    "missing value after \"uint-prop=\"" },
  { "ptprops =5", PKT_PARSE_ERROR_SYNTAX, "=", 0, 0, 0, "'=' without a property name" },
  { "ptprops uint-prop =5", PKT_PARSE_ERROR_SYNTAX, "=", 0, 0, 0, "'=' without a property name" },
  { "ptprops string-prop=\"abc ! ptsink", PKT_PARSE_ERROR_SYNTAX, "\"abc ! ptsink", 0, 0, 0,
    "unterminated double quote" },
  { "ptprops string-prop='it\\'s", PKT_PARSE_ERROR_SYNTAX, "'it\\'s", 0, 0, 0,
    "unterminated single quote" },
  { "uint-prop=5 ! ptsink", PKT_PARSE_ERROR_SYNTAX, "uint-prop=", 0, 0, 0,
    "property \"uint-prop\" set without an element: properties follow a factory name" },
  { "pttee name=t t. src=1", PKT_PARSE_ERROR_SYNTAX, "src=", 0, 0, 0,
    "property \"src\" set on the reference \"t.\": properties follow a factory name" },
  { ".src ! ptsink", PKT_PARSE_ERROR_SYNTAX, ".src", 0, 0, 0,
    "reference \".src\" without an element name (expected NAME.src)" },
  { "ptsrc ! \"\"", PKT_PARSE_ERROR_SYNTAX, "\"\"", 0, 0, 0, "empty element name" },
  { "ptprops uint-prop 5 ! ptsink", PKT_PARSE_ERROR_SYNTAX, "uint-prop", 0, 0, 0,
    "expected '=' after property name \"uint-prop\" of ptprops0" },
  { "ptsrc ! ptsinc", PKT_PARSE_ERROR_NO_SUCH_ELEMENT, "ptsinc", 0, 0, 0,
    "unknown element \"ptsinc\"; did you mean \"ptsink\"?" },
  { "ptsrc ! zzzzzzzzzz", PKT_PARSE_ERROR_NO_SUCH_ELEMENT, "zzzzzzzzzz", 0, 0, 0,
    "unknown element \"zzzzzzzzzz\" (pkt-inspect lists the available elements)" },
  { "ptprops bogus=1", PKT_PARSE_ERROR_NO_SUCH_PROPERTY, "bogus", 0, 0, 0,
    "unknown property \"bogus\" of ptprops0 (ptprops); valid properties: bool-prop, "
    "double-prop, enum-prop, flags-prop, idle-timeout, int-prop, int64-prop, name, poll-ms, "
    "rate, size-prop, string-prop, strv-prop, uint-prop, uint64-prop, wait" },
  { "ptprops unit-prop=5", PKT_PARSE_ERROR_NO_SUCH_PROPERTY, "unit-prop", 0, 0, 0,
    "unknown property \"unit-prop\" of ptprops0 (ptprops); did you mean \"uint-prop\"? valid "
    "properties: bool-prop, double-prop, enum-prop, flags-prop, idle-timeout, int-prop, "
    "int64-prop, name, poll-ms, rate, size-prop, string-prop, strv-prop, uint-prop, "
    "uint64-prop, wait" },
  { "ptprops packets=5", PKT_PARSE_ERROR_READ_ONLY, "packets", 0, 0, 0,
    "property \"packets\" of ptprops0 (ptprops) is read-only" },
  { "ptprops fixed=x", PKT_PARSE_ERROR_READ_ONLY, "fixed", 0, 0, 0,
    "property \"fixed\" of ptprops0 (ptprops) is construct-only" },
  { "ptprops uint-prop=70000", PKT_PARSE_ERROR_BAD_VALUE, "70000", 0, 0, 0,
    "invalid value \"70000\" for property \"uint-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 1..65535" },
  { "ptprops uint-prop=0", PKT_PARSE_ERROR_BAD_VALUE, "0", 0, 0, 0,
    "invalid value \"0\" for property \"uint-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 1..65535" },
  { "ptprops uint-prop=-1", PKT_PARSE_ERROR_BAD_VALUE, "-1", 0, 0, 0,
    "invalid value \"-1\" for property \"uint-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 1..65535" },
  { "ptprops uint-prop=12abc", PKT_PARSE_ERROR_BAD_VALUE, "12abc", 0, 0, 0,
    "invalid value \"12abc\" for property \"uint-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 1..65535" },
  { "ptprops int-prop=-101", PKT_PARSE_ERROR_BAD_VALUE, "-101", 0, 0, 0,
    "invalid value \"-101\" for property \"int-prop\" of ptprops0 (ptprops): "
    "expected an integer in -100..100" },
  { "ptprops uint64-prop=18446744073709551616", PKT_PARSE_ERROR_BAD_VALUE, "18446744073709551616",
    0, 0, 0,
    "invalid value \"18446744073709551616\" for property \"uint64-prop\" of ptprops0 "
    "(ptprops): expected an unsigned integer in 0..18446744073709551615" },
  { "ptprops int64-prop=9223372036854775808", PKT_PARSE_ERROR_BAD_VALUE, "9223372036854775808", 0,
    0, 0,
    "invalid value \"9223372036854775808\" for property \"int64-prop\" of ptprops0 "
    "(ptprops): expected an integer in -9223372036854775808..9223372036854775807" },
  { "ptprops size-prop=17EiB", PKT_PARSE_ERROR_BAD_VALUE, "17EiB", 0, 0, 0,
    "invalid value \"17EiB\" for property \"size-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 0..18446744073709551615" },
  { "ptprops size-prop=1.0001k", PKT_PARSE_ERROR_BAD_VALUE, "1.0001k", 0, 0, 0,
    "invalid value \"1.0001k\" for property \"size-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 0..18446744073709551615" },
  { "ptprops uint-prop=5s", PKT_PARSE_ERROR_BAD_VALUE, "5s", 0, 0, 0,
    "invalid value \"5s\" for property \"uint-prop\" of ptprops0 (ptprops): property "
    "\"uint-prop\" has no time unit, expected a plain integer instead of a duration" },
  { "ptprops poll-ms=1500us", PKT_PARSE_ERROR_BAD_VALUE, "1500us", 0, 0, 0,
    "invalid value \"1500us\" for property \"poll-ms\" of ptprops0 (ptprops): "
    "expected a whole number of milliseconds" },
  { "ptprops poll-ms=5 fortnights", PKT_PARSE_ERROR_NO_SUCH_ELEMENT, "fortnights", 0, 0, 0,
    "unknown element \"fortnights\" (pkt-inspect lists the available elements)" },
  { "ptprops poll-ms=5d", PKT_PARSE_ERROR_BAD_VALUE, "5d", 0, 0, 0,
    "invalid value \"5d\" for property \"poll-ms\" of ptprops0 (ptprops): expected an "
    "unsigned integer in 0..4294967295 (milliseconds) or a duration such as 250ms" },
  { "ptprops bool-prop=maybe", PKT_PARSE_ERROR_BAD_VALUE, "maybe", 0, 0, 0,
    "invalid value \"maybe\" for property \"bool-prop\" of ptprops0 (ptprops): "
    "expected a boolean: true/false, yes/no, on/off or 1/0" },
  { "ptprops enum-prop=sideways", PKT_PARSE_ERROR_BAD_VALUE, "sideways", 0, 0, 0,
    "invalid value \"sideways\" for property \"enum-prop\" of ptprops0 (ptprops): "
    "expected one of: no, upstream, downstream" },
  { "ptprops flags-prop=tcp+sctp", PKT_PARSE_ERROR_BAD_VALUE, "tcp+sctp", 0, 0, 0,
    "invalid value \"tcp+sctp\" for property \"flags-prop\" of ptprops0 (ptprops): "
    "unknown flag \"sctp\"; expected flags from: tcp, udp, icmp joined with '+'" },
  { "ptprops double-prop=1.5", PKT_PARSE_ERROR_BAD_VALUE, "1.5", 0, 0, 0,
    "invalid value \"1.5\" for property \"double-prop\" of ptprops0 (ptprops): "
    "expected a number in 0..1" },
  { "ptprops double-prop=nan", PKT_PARSE_ERROR_BAD_VALUE, "nan", 0, 0, 0,
    "invalid value \"nan\" for property \"double-prop\" of ptprops0 (ptprops): "
    "expected a number in 0..1" },
  { "ptsink name=x ptsink name=x", PKT_PARSE_ERROR_DUPLICATE_NAME, "x", 1, 0, 0,
    "duplicate element name \"x\"" },
  { "ptsink name=a.b", PKT_PARSE_ERROR_BAD_VALUE, "a.b", 0, 0, 0,
    "invalid element name \"a.b\": names are non-empty and contain no '.'" },
  { "nope. ! ptsink", PKT_PARSE_ERROR_UNKNOWN_REFERENCE, "nope.", 0, 0, 0,
    "unknown reference \"nope.\": no element is named \"nope\"" },
  { "ptsrc ! ptsink nope.", PKT_PARSE_ERROR_UNKNOWN_REFERENCE, "nope.", 0, 0, 0,
    "unknown reference \"nope.\": no element is named \"nope\"" },
  { "pttee name=t t.foo ! ptsink", PKT_PARSE_ERROR_NO_SUCH_PAD, "t.foo", 0, 0, 0,
    "t has no pad \"foo\"; its pads: sink, src_%u" },
  { "ptsrc ! ptrecsink", PKT_PARSE_ERROR_LINK, "!", 0, 0, 0,
    "cannot link ptsrc0.src (packets) to ptrecsink0.sink (records)" },
  { "ptprops name=p p.stats ! ptsink", PKT_PARSE_ERROR_LINK, "!", 0, 0, 0,
    "cannot link p.stats (records) to ptsink0.sink (packets)" },
  { "ptsink ! ptsink", PKT_PARSE_ERROR_LINK, "!", 0, 0, 0,
    "cannot link ptsink0 to ptsink1: ptsink0 has no src pad" },
  { "ptsrc ! ptsrc", PKT_PARSE_ERROR_LINK, "!", 0, 0, 0,
    "cannot link ptsrc0 to ptsrc1: ptsrc1 has no sink pad" },
  { "ptsrc name=s ! ptsink s. ! ptsink", PKT_PARSE_ERROR_LINK, "!", 1, 0, 0,
    "cannot link s to ptsink1: every src pad of s is already linked" },
  { "ptsrc name=s ! ptsink s.src ! ptsink", PKT_PARSE_ERROR_LINK, "s.src", 0, 0, 0,
    "s.src is already linked to ptsink0.sink" },
  { "pttee name=t ptsrc ! t.src_0", PKT_PARSE_ERROR_LINK, "t.src_0", 0, 0, 0,
    "t.src_0 is a src pad; here it must be a sink pad" },
  { "ptprops string-prop=${nope}", PKT_PARSE_ERROR_UNDEFINED_VARIABLE, "${nope}", 0, 0, 0,
    "undefined variable \"nope\" (define it, e.g. pkt-launch -D nope=VALUE)" },
  { "ptprops string-prop=${dev", PKT_PARSE_ERROR_SYNTAX, "${dev", 0, 0, 0,
    "unterminated variable reference: expected '}' after \"${dev\"" },
  { "ptprops string-prop=${}", PKT_PARSE_ERROR_SYNTAX, "${}", 0, 0, 0,
    "empty variable name in \"${}\"" },
  /* errors inside substituted text point at the ${var} of the original */
  { "ptprops uint-prop=${big}", PKT_PARSE_ERROR_BAD_VALUE, "${big}", 0, 0, 0,
    "invalid value \"70000\" for property \"uint-prop\" of ptprops0 (ptprops): "
    "expected an unsigned integer in 1..65535" },
  { "ptprops string-prop=x ${chain} ! ptrecsink", PKT_PARSE_ERROR_LINK, "!", 0, 0, 0,
    "cannot link ptsink0 to ptrecsink0: ptsink0 has no src pad" },
  /* a comment only starts after whitespace, so this '#' is part of a name */
  { "ptsrc !# not a comment\n", PKT_PARSE_ERROR_NO_SUCH_ELEMENT, "#", 0, 0, 0,
    "unknown element \"#\" (pkt-inspect lists the available elements)" },
};

static char *
expected_display (const char *desc)
{
  char *d = g_strdup (desc);

  for (char *p = d; *p; p++)
    if ((guchar)*p < 0x20)
      *p = ' ';
  return d;
}

static void
check_bad_case (const BadCase *c)
{
  g_autoptr (PktParseContext) ctx = test_context ();
  GError *error = NULL;
  gssize offset = c->offset;
  gsize length = c->length;
  PktElement *pipeline;

  if (c->token != NULL) {
    const char *p = c->desc;
    for (guint i = 0; i <= c->nth; i++) {
      p = strstr (i == 0 ? p : p + 1, c->token);
      g_assert_nonnull (p);
    }
    offset = p - c->desc;
    length = strlen (c->token);
  }

  g_test_message ("description: %s", c->desc);
  pipeline = pkt_parse_launch_full (c->desc, ctx, &error);
  g_assert_null (pipeline);
  g_assert_error (error, PKT_PARSE_ERROR, (gint)c->code);

  char **lines = g_strsplit (error->message, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, c->reason);

  g_autofree char *display = expected_display (c->desc);
  g_assert_cmpstr (lines[1], ==, display);
  GString *caret = g_string_new (NULL);
  for (gssize i = 0; i < offset; i++)
    g_string_append_c (caret, ' ');
  for (gsize i = 0; i < MAX (length, 1); i++)
    g_string_append_c (caret, '^');
  g_assert_cmpstr (lines[2], ==, caret->str);
  g_string_free (caret, TRUE);
  g_strfreev (lines);

  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, offset);
  g_assert_cmpuint (pkt_parse_context_get_error_length (ctx), ==, length);
  g_error_free (error);
  /* no partial pipeline: every element created on the way is gone */
  g_assert_cmpint (g_atomic_int_get (&live_instances), ==, 0);
}

static void
test_malformed (gconstpointer data)
{
  check_bad_case (data);
}

static void
test_error_without_context (void)
{
  GError *error = NULL;

  g_assert_cmpstr (g_quark_to_string (PKT_PARSE_ERROR), ==, "pkt-parse-error-quark");
  g_assert_null (pkt_parse_launch ("ptsrc ! ptsinc", &error));
  g_assert_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_NO_SUCH_ELEMENT);
  g_clear_error (&error);
  /* ${var} without a context: every variable is undefined */
  g_assert_null (pkt_parse_launch ("ptprops string-prop=${dev}", &error));
  g_assert_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_UNDEFINED_VARIABLE);
  g_clear_error (&error);
}

/* The caret counts characters, not bytes, under UTF-8 text; offsets are bytes. */
static void
test_caret_utf8 (void)
{
  g_autoptr (PktParseContext) ctx = pkt_parse_context_new ();
  GError *error = NULL;
  const char *desc = "ptprops string-prop=d\xc3\xa9j\xc3\xa0 bogus=1";

  g_assert_null (pkt_parse_launch_full (desc, ctx, &error));
  g_assert_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_NO_SUCH_PROPERTY);
  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, 27);
  g_assert_cmpuint (pkt_parse_context_get_error_length (ctx), ==, 5);
  char **lines = g_strsplit (error->message, "\n", -1);
  g_assert_cmpstr (lines[1], ==, desc);
  g_autofree char *caret = g_strdup_printf ("%*s^^^^^", 25, ""); /* 25 characters, 27 bytes */
  g_assert_cmpstr (lines[2], ==, caret);
  g_strfreev (lines);
  g_error_free (error);
}

/* ------------------------------------------------------------------------ */
/* Well-formed descriptions                                                 */

static void
test_property_types (void)
{
  PktElement *pipeline
      = parse_ok ("ptprops name=p int-prop=-42 uint-prop=8080 int64-prop=-9223372036854775808 "
                  "uint64-prop=18446744073709551615 double-prop=0.25 bool-prop=yes "
                  "string-prop=hello enum-prop=downstream flags-prop=udp+icmp strv-prop=a,b,c");
  PtProps *p = (PtProps *)child (pipeline, "p");

  g_assert_cmpint (p->int_prop, ==, -42);
  g_assert_cmpuint (p->uint_prop, ==, 8080);
  g_assert_cmpint (p->int64_prop, ==, G_MININT64);
  g_assert_cmpuint (p->uint64_prop, ==, G_MAXUINT64);
  g_assert_cmpfloat (p->double_prop, ==, 0.25);
  g_assert_true (p->bool_prop);
  g_assert_cmpstr (p->string_prop, ==, "hello");
  g_assert_cmpint (p->enum_prop, ==, PT_LEAKY_DOWNSTREAM);
  g_assert_cmpuint (p->flags_prop, ==, PT_PROTO_UDP | PT_PROTO_ICMP);
  g_assert_cmpuint (g_strv_length (p->strv_prop), ==, 3);
  g_assert_cmpstr (p->strv_prop[2], ==, "c");
  g_object_unref (pipeline);

  /* alternative spellings: hex, enum by name and by value, flags by name
   * and number, every boolean word, the last assignment wins */
  pipeline = parse_ok ("ptprops name=p int-prop=0x10 uint-prop=+7 enum-prop=PT_LEAKY_UPSTREAM "
                       "flags-prop=PT_PROTO_TCP+4 bool-prop=on bool-prop=OFF "
                       "enum-prop=2 int-prop=-0x0");
  p = (PtProps *)child (pipeline, "p");
  g_assert_cmpint (p->int_prop, ==, 0);
  g_assert_cmpuint (p->uint_prop, ==, 7);
  g_assert_cmpint (p->enum_prop, ==, PT_LEAKY_DOWNSTREAM);
  g_assert_cmpuint (p->flags_prop, ==, PT_PROTO_TCP | PT_PROTO_ICMP);
  g_assert_false (p->bool_prop);
  g_object_unref (pipeline);

  const char *const truths[] = { "true", "yes", "on", "1", "TRUE", "Yes" };
  const char *const lies[] = { "false", "no", "off", "0", "False", "NO" };
  for (guint i = 0; i < G_N_ELEMENTS (truths); i++) {
    g_autofree char *d = g_strdup_printf ("ptprops name=p bool-prop=%s", truths[i]);
    pipeline = parse_ok (d);
    g_assert_true (((PtProps *)child (pipeline, "p"))->bool_prop);
    g_object_unref (pipeline);
    g_free (d);
    d = g_strdup_printf ("ptprops name=p bool-prop=true bool-prop=%s", lies[i]);
    pipeline = parse_ok (d);
    g_assert_false (((PtProps *)child (pipeline, "p"))->bool_prop);
    g_object_unref (pipeline);
  }
}

static void
test_sizes_and_durations (void)
{
  static const struct {
    const char *prop, *text;
    guint64 expect;
  } cases[] = {
    { "size-prop", "4MiB", 4194304 },
    { "size-prop", "64k", 64000 },
    { "size-prop", "64K", 64000 },
    { "size-prop", "2KiB", 2048 },
    { "size-prop", "1.5M", 1500000 },
    { "size-prop", "0.5KiB", 512 },
    { "size-prop", "1G", 1000000000 },
    { "size-prop", "1GiB", 1073741824 },
    { "size-prop", "3TB", G_GUINT64_CONSTANT (3000000000000) },
    { "size-prop", "100B", 100 },
    { "size-prop", "0x100", 256 },
    { "idle-timeout", "30s", G_GUINT64_CONSTANT (30000000000) },
    { "idle-timeout", "250ms", 250000000 },
    { "idle-timeout", "1us", 1000 },
    { "idle-timeout", "5min", G_GUINT64_CONSTANT (300000000000) },
    { "idle-timeout", "1h", G_GUINT64_CONSTANT (3600000000000) },
    { "idle-timeout", "1.5s", 1500000000 },
    { "idle-timeout", "42", 42 }, /* plain numbers are in the property's unit */
    { "poll-ms", "2s", 2000 },
    { "poll-ms", "250ms", 250 },
    { "poll-ms", "3000000ns", 3 },
    { "poll-ms", "7", 7 },
    { "wait", "1ms", 1000 }, /* unit from the blurb "(us)" */
    { "wait", "5us", 5 },
    { "wait", "5\xc2\xb5s", 5 },
    { "uint-prop", "1k", 1000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *d = g_strdup_printf ("ptprops name=p %s=%s", cases[i].prop, cases[i].text);
    PktElement *pipeline = parse_ok (d);
    GValue v = G_VALUE_INIT;

    g_object_get_property (G_OBJECT (child (pipeline, "p")), cases[i].prop, &v);
    g_test_message ("%s", d);
    if (G_VALUE_HOLDS_UINT64 (&v))
      g_assert_cmpuint (g_value_get_uint64 (&v), ==, cases[i].expect);
    else
      g_assert_cmpuint (g_value_get_uint (&v), ==, cases[i].expect);
    g_value_unset (&v);
    g_object_unref (pipeline);
  }

  /* size suffixes on doubles (rates), durations only where a unit is known */
  PktElement *pipeline = parse_ok ("ptprops name=p rate=1.5M double-prop=0.5");
  g_assert_cmpfloat (((PtProps *)child (pipeline, "p"))->rate, ==, 1.5e6);
  g_object_unref (pipeline);
}

static void
test_size_duration_api (void)
{
  guint64 size = 0;
  gint64 ns = 0;

  g_assert_true (pkt_parse_size ("4MiB", &size));
  g_assert_cmpuint (size, ==, 4 << 20);
  g_assert_true (pkt_parse_size ("64k", &size));
  g_assert_cmpuint (size, ==, 64000);
  g_assert_true (pkt_parse_size ("18446744073709551615", &size));
  g_assert_cmpuint (size, ==, G_MAXUINT64);
  g_assert_false (pkt_parse_size ("18446744073709551616", &size));
  g_assert_false (pkt_parse_size ("16EiB", &size));
  g_assert_false (pkt_parse_size ("-1", &size));
  g_assert_false (pkt_parse_size ("", &size));
  g_assert_false (pkt_parse_size ("1.5", &size));
  g_assert_false (pkt_parse_size ("4 MiB", &size));
  g_assert_false (pkt_parse_size ("4mib", &size));
  /* products beyond 128 bits must not wrap around into a valid size */
  g_assert_false (pkt_parse_size ("18446744073709551615.123456789012345678TiB", &size));
  g_assert_false (pkt_parse_size ("18446744073709551615.5k", &size));
  g_assert_false (pkt_parse_size ("0.000000000000000001T", &size)); /* 10^-6 byte */
  g_assert_true (pkt_parse_size ("0.5k", &size));
  g_assert_cmpuint (size, ==, 500);

  g_assert_true (pkt_parse_duration ("30s", &ns));
  g_assert_cmpint (ns, ==, G_GINT64_CONSTANT (30000000000));
  g_assert_true (pkt_parse_duration ("250ms", &ns));
  g_assert_cmpint (ns, ==, 250000000);
  g_assert_true (pkt_parse_duration ("1us", &ns));
  g_assert_cmpint (ns, ==, 1000);
  g_assert_true (pkt_parse_duration ("5min", &ns));
  g_assert_cmpint (ns, ==, G_GINT64_CONSTANT (300000000000));
  g_assert_true (pkt_parse_duration ("2", &ns)); /* plain number: seconds */
  g_assert_cmpint (ns, ==, G_GINT64_CONSTANT (2000000000));
  g_assert_true (pkt_parse_duration ("0.000000001s", &ns));
  g_assert_cmpint (ns, ==, 1);
  g_assert_false (pkt_parse_duration ("0.5ns", &ns));
  g_assert_false (pkt_parse_duration ("10 s", &ns));
  g_assert_false (pkt_parse_duration ("10x", &ns));
  g_assert_false (pkt_parse_duration ("-1s", &ns));
  g_assert_false (pkt_parse_duration ("3000000h", &ns)); /* > G_MAXINT64 ns */
  g_assert_false (pkt_parse_duration ("18446744073709551615.999999999999999999h", &ns));
}

static void
test_value_parse_api (void)
{
  GObjectClass *klass = g_type_class_ref (pt_props_get_type ());
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (
      pkt_value_parse (g_object_class_find_property (klass, "uint-prop"), "443", &v, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_value_get_uint (&v), ==, 443);
  g_value_unset (&v);

  g_assert_true (
      pkt_value_parse (g_object_class_find_property (klass, "enum-prop"), "upstream", &v, &error));
  g_assert_cmpint (g_value_get_enum (&v), ==, PT_LEAKY_UPSTREAM);
  g_value_unset (&v);

  g_assert_false (
      pkt_value_parse (g_object_class_find_property (klass, "uint-prop"), "65536", &v, &error));
  g_assert_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "invalid value \"65536\" for property \"uint-prop\": expected an unsigned "
                   "integer in 1..65535");
  g_assert_false (G_IS_VALUE (&v));
  g_clear_error (&error);
  g_type_class_unref (klass);
}

static void
test_quoting (void)
{
  PktElement *pipeline;
  PtProps *p;
  static const struct {
    const char *value, *expect;
  } cases[] = {
    { "\"a b\"", "a b" },
    { "'a b'", "a b" },
    { "\"say \\\"hi\\\"\"", "say \"hi\"" },
    { "'it\\'s'", "it's" },
    { "\"tab\\there\\nline\"", "tab\there\nline" },
    { "\"back\\\\slash\"", "back\\slash" },
    { "\"\\d+ kept\"", "\\d+ kept" },                 /* unknown escapes stay, for regexes */
    { "my\\ file", "my file" },                       /* bare escapes */
    { "/tmp/\"my file\".pcap", "/tmp/my file.pcap" }, /* concatenation */
    { "\"!=#\"", "!=#" },                             /* no meaning inside quotes */
    { "a=b=c", "a=b=c" },                             /* '=' inside a value */
    { "\"\"", "" },
    { "'\"'", "\"" },
    { "x#y", "x#y" },             /* not a comment: no space before */
    { "\"${dev}\"", "eth0" },     /* substituted inside quotes */
    { "\"\\${dev}\"", "${dev}" }, /* unless escaped */
    { "\\${dev}", "${dev}" },
    { "\"${spaced}\"", "two words" },
    { "${dev}:${n}", "eth0:10" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *d = g_strdup_printf ("ptprops name=p string-prop=%s ! ptsink", cases[i].value);
    g_test_message ("%s", d);
    pipeline = parse_ok (d);
    p = (PtProps *)child (pipeline, "p");
    g_assert_cmpstr (p->string_prop, ==, cases[i].expect);
    assert_linked (pipeline, "p.src", "ptsink0.sink");
    g_object_unref (pipeline);
  }
}

static void
test_comments (void)
{
  PktElement *pipeline = parse_ok ("# a pipeline file\n"
                                   "ptsrc name=s   # the source\n"
                                   "  ! ptprops name=p string-prop=\"# kept\" # and a comment\n"
                                   "  ! ptsink     # end\n"
                                   "# trailing comment without newline");

  g_assert_cmpuint (pkt_bin_get_n_children (PKT_BIN (pipeline)), ==, 3);
  g_assert_cmpstr (((PtProps *)child (pipeline, "p"))->string_prop, ==, "# kept");
  assert_linked (pipeline, "s.src", "p.sink");
  assert_linked (pipeline, "p.src", "ptsink0.sink");
  g_object_unref (pipeline);

  /* an undefined variable inside a comment is not an error */
  pipeline = parse_ok ("ptsrc ! ptsink # ${undefined}");
  g_object_unref (pipeline);
}

static void
test_variables (void)
{
  /* a variable may hold any text, even several links */
  PktElement *pipeline = parse_ok ("ptprops name=p string-prop=${dev} uint-prop=${n} ${chain}");
  PtProps *p = (PtProps *)child (pipeline, "p");

  g_assert_cmpstr (p->string_prop, ==, "eth0");
  g_assert_cmpuint (p->uint_prop, ==, 10);
  assert_linked (pipeline, "ptsrc0.src", "ptsink0.sink");
  assert_unlinked (pipeline, "p.src");
  g_object_unref (pipeline);

  /* redefining and removing */
  g_autoptr (PktParseContext) ctx = pkt_parse_context_new ();
  GError *error = NULL;
  pkt_parse_context_set_variable (ctx, "v", "1");
  pkt_parse_context_set_variable (ctx, "v", "2");
  pipeline = sink (pkt_parse_launch_full ("ptprops name=p uint-prop=${v}", ctx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (((PtProps *)child (pipeline, "p"))->uint_prop, ==, 2);
  g_object_unref (pipeline);
  pkt_parse_context_set_variable (ctx, "v", NULL);
  g_assert_null (pkt_parse_launch_full ("ptprops uint-prop=${v}", ctx, &error));
  g_assert_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_UNDEFINED_VARIABLE);
  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, 18);
  g_assert_cmpuint (pkt_parse_context_get_error_length (ctx), ==, 4);
  g_clear_error (&error);
}

static void
test_default_names (void)
{
  PktElement *pipeline = parse_ok ("ptsrc ! ptsink  ptsrc ! ptsink name=ptsink0  ptsrc ! ptsink");

  g_assert_cmpuint (pkt_bin_get_n_children (PKT_BIN (pipeline)), ==, 6);
  /* the explicit ptsink0 keeps its name; the unnamed sinks skip it */
  assert_linked (pipeline, "ptsrc0.src", "ptsink1.sink");
  assert_linked (pipeline, "ptsrc1.src", "ptsink0.sink");
  assert_linked (pipeline, "ptsrc2.src", "ptsink2.sink");
  g_object_unref (pipeline);
}

static void
test_request_pads (void)
{
  /* t. alone starts a chain on the next free src pad: requested from src_%u */
  PktElement *pipeline = parse_ok ("ptsrc ! pttee name=t  t. ! ptsink  t. ! ptsink name=b");

  assert_linked (pipeline, "ptsrc0.src", "t.sink");
  assert_linked (pipeline, "t.src_0", "ptsink0.sink");
  assert_linked (pipeline, "t.src_1", "b.sink");
  g_object_unref (pipeline);

  /* a tee linked directly: pads requested in order */
  pipeline = parse_ok ("ptsrc ! pttee name=t ! ptsink  t. ! ptsink");
  assert_linked (pipeline, "t.src_0", "ptsink0.sink");
  assert_linked (pipeline, "t.src_1", "ptsink1.sink");
  g_object_unref (pipeline);

  /* named request pads, and the template name itself */
  pipeline = parse_ok ("pttee name=t ptsrc ! t.sink  t.src_7 ! ptsink  t.src_%u ! ptsink");
  assert_linked (pipeline, "t.src_7", "ptsink0.sink");
  assert_linked (pipeline, "t.src_0", "ptsink1.sink");
  g_object_unref (pipeline);

  /* funnel: `! f.` links into the next free sink pad, and references may
   * come before the element they name */
  pipeline = parse_ok ("ptsrc ! f.  ptsrc ! f.  ptfunnel name=f ! ptsink");
  assert_linked (pipeline, "ptsrc0.src", "f.sink_0");
  assert_linked (pipeline, "ptsrc1.src", "f.sink_1");
  assert_linked (pipeline, "f.src", "ptsink0.sink");
  g_object_unref (pipeline);

  pipeline = parse_ok ("ptfunnel name=f ! ptsink  ptsrc ! f.sink_3");
  assert_linked (pipeline, "ptsrc0.src", "f.sink_3");
  g_object_unref (pipeline);
}

static void
test_pad_kinds (void)
{
  /* ptprops has src (packets) and stats (records): each link takes the
   * first free pad of a kind the other side accepts */
  PktElement *pipeline = parse_ok ("ptsrc ! ptprops name=p ! ptrecsink  p. ! ptsink");

  assert_linked (pipeline, "ptsrc0.src", "p.sink");
  assert_linked (pipeline, "p.stats", "ptrecsink0.sink");
  assert_linked (pipeline, "p.src", "ptsink0.sink");
  g_object_unref (pipeline);

  pipeline = parse_ok ("ptprops name=p ! ptsink  p.stats ! ptrecsink");
  assert_linked (pipeline, "p.src", "ptsink0.sink");
  assert_linked (pipeline, "p.stats", "ptrecsink0.sink");
  g_object_unref (pipeline);

  pipeline = parse_ok ("ptprops name=p p.stats ! ptrecsink");
  assert_unlinked (pipeline, "p.src");
  g_object_unref (pipeline);
  /* the pipeline owned every element: none outlives it */
  g_assert_cmpint (g_atomic_int_get (&live_instances), ==, 0);
}

static void
test_launchv (void)
{
  const char *const argv[]
      = { "ptsrc", "!", "ptprops", "name=p", "string-prop=\"a b\"", "!", "ptsink", NULL };
  const char *const bad[] = { "ptsrc", "!", "ptprops", "uint-prop=0", NULL };
  g_autoptr (PktParseContext) ctx = pkt_parse_context_new ();
  GError *error = NULL;
  PktElement *pipeline = sink (pkt_parse_launchv (argv, ctx, &error));

  g_assert_no_error (error);
  g_assert_cmpstr (((PtProps *)child (pipeline, "p"))->string_prop, ==, "a b");
  assert_linked (pipeline, "p.src", "ptsink0.sink");
  g_object_unref (pipeline);

  g_assert_null (pkt_parse_launchv (bad, ctx, &error));
  g_assert_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_BAD_VALUE);
  /* offsets are in the joined text "ptsrc ! ptprops uint-prop=0" */
  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, 26);
  g_assert_cmpuint (pkt_parse_context_get_error_length (ctx), ==, 1);
  g_clear_error (&error);
}

static void
test_context_boxed (void)
{
  g_autoptr (PktParseContext) ctx = pkt_parse_context_new ();
  GError *error = NULL;

  g_assert_true (G_TYPE_IS_BOXED (PKT_TYPE_PARSE_CONTEXT));
  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, -1);
  pkt_parse_context_set_variable (ctx, "x", "70000");
  g_assert_null (pkt_parse_launch_full ("ptprops uint-prop=${x}", ctx, &error));
  g_clear_error (&error);

  PktParseContext *copy = g_boxed_copy (PKT_TYPE_PARSE_CONTEXT, ctx);
  g_assert_cmpint (pkt_parse_context_get_error_offset (copy), ==, 18);
  g_assert_cmpuint (pkt_parse_context_get_error_length (copy), ==, 4);
  /* the copy has its own variables */
  pkt_parse_context_set_variable (ctx, "x", "5");
  PktElement *pipeline = pkt_parse_launch_full ("ptprops name=p uint-prop=${x}", copy, &error);
  g_assert_null (pipeline);
  g_clear_error (&error);
  pipeline = sink (pkt_parse_launch_full ("ptprops name=p uint-prop=${x}", ctx, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pkt_parse_context_get_error_offset (ctx), ==, -1);
  g_object_unref (pipeline);
  g_boxed_free (PKT_TYPE_PARSE_CONTEXT, copy);
}

/* The basic elements, when the core provides them, go through the same path. */
static void
test_basic_elements (void)
{
  if (pkt_element_factory_find ("testsrc") == NULL
      || pkt_element_factory_find ("fakesink") == NULL) {
    g_test_skip ("testsrc/fakesink are not registered yet");
    return;
  }
  PktElement *pipeline = parse_ok ("testsrc name=src ! fakesink name=sink");
  PktPad *src = pkt_element_get_static_pad (child (pipeline, "src"), "src");
  g_assert_nonnull (src);
  g_assert_true (pkt_pad_get_parent_element (pkt_pad_get_peer (src)) == child (pipeline, "sink"));
  g_object_unref (pipeline);
}

int
main (int argc, char **argv)
{
  pkt_test_init (&argc, &argv);
  register_test_elements ();

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/parse/malformed/%02u", i);
    g_test_add_data_func (path, &bad_cases[i], test_malformed);
  }
  g_test_add_func ("/parse/error-without-context", test_error_without_context);
  g_test_add_func ("/parse/caret-utf8", test_caret_utf8);
  g_test_add_func ("/parse/property-types", test_property_types);
  g_test_add_func ("/parse/sizes-and-durations", test_sizes_and_durations);
  g_test_add_func ("/parse/size-duration-api", test_size_duration_api);
  g_test_add_func ("/parse/value-parse-api", test_value_parse_api);
  g_test_add_func ("/parse/quoting", test_quoting);
  g_test_add_func ("/parse/comments", test_comments);
  g_test_add_func ("/parse/variables", test_variables);
  g_test_add_func ("/parse/default-names", test_default_names);
  g_test_add_func ("/parse/request-pads", test_request_pads);
  g_test_add_func ("/parse/pad-kinds", test_pad_kinds);
  g_test_add_func ("/parse/launchv", test_launchv);
  g_test_add_func ("/parse/context-boxed", test_context_boxed);
  g_test_add_func ("/parse/basic-elements", test_basic_elements);
  return g_test_run ();
}
