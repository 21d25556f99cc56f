/* pkt-launch — build a pipeline from a description and run it.
 *
 *   pkt-launch [options] DESCRIPTION…
 *   pkt-launch [options] -f FILE.pipeline
 *
 * Exit status: 0 after EOS, 1 after an error (or an abort by a second
 * Ctrl-C), 2 when the description (or the command line) is bad.
 *
 * Everything pkt-launch itself prints goes to stderr: stdout belongs to the
 * pipeline (fakesink dump=true, a log sink writing to "-"), so that it can be
 * piped into another program without our chatter in between.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-config.h"

#include <errno.h>
#include <grp.h>
#include <locale.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <pktpipe/pktpipe.h>

enum {
  EXIT_EOS = 0,
  EXIT_ERROR = 1,
  EXIT_BAD_DESCRIPTION = 2,
};

#define DEFAULT_STATS_INTERVAL_NS (G_GINT64_CONSTANT (1000000000))

/* What --stats follows for one element: its counters (PKT_PARAM_STAT
 * properties), found once from the class so that the periodic line costs a
 * few g_object_get_property() calls and nothing else. */
typedef struct {
  PktElement *element; /* borrowed: the pipeline holds it */
  gboolean is_source;
  GParamSpec *packets; /* for pps, may be NULL */
  GParamSpec *bytes;   /* for bit/s, may be NULL */
  GPtrArray *drops;    /* GParamSpec*, stat properties named *drop* */
  GPtrArray *levels;   /* GParamSpec*, current-level-* (queues) */
  guint64 last_packets;
  guint64 last_bytes;
} ElementProbe;

typedef struct {
  /* options */
  gboolean quiet;
  gboolean verbose;
  gint64 stats_interval_ns; /* 0: no periodic line */
  gboolean stats;
  char *stats_json;
  char *duration;
  char *user;
  char *file;
  char **defines;

  /* run */
  PktElement *pipeline;
  GMainLoop *loop;
  int exit_code;
  guint n_interrupts;
  guint sigint_id;
  guint sigterm_id;
  guint duration_id;
  gboolean aborted;
  gboolean draining; /* the run is over: report, but decide nothing */
  gint64 start_ns;
  gint64 last_stats_ns;
  GPtrArray *probes; /* ElementProbe* in pipeline order */
} Launch;

static Launch launch_state = { 0 };

/* ---- small helpers ------------------------------------------------------ */

static gint64
now_ns (void)
{
  return g_get_monotonic_time () * 1000;
}

static gboolean
value_to_uint64 (const GValue *v, guint64 *out)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (v))) {
    case G_TYPE_UINT64:
      *out = g_value_get_uint64 (v);
      return TRUE;
    case G_TYPE_INT64:
      *out = (guint64)MAX (g_value_get_int64 (v), 0);
      return TRUE;
    case G_TYPE_UINT:
      *out = g_value_get_uint (v);
      return TRUE;
    case G_TYPE_INT:
      *out = (guint64)MAX (g_value_get_int (v), 0);
      return TRUE;
    case G_TYPE_ULONG:
      *out = g_value_get_ulong (v);
      return TRUE;
    case G_TYPE_LONG:
      *out = (guint64)MAX (g_value_get_long (v), 0);
      return TRUE;
    default:
      return FALSE;
  }
}

static guint64
probe_read_uint (PktElement *element, GParamSpec *pspec)
{
  g_auto (GValue) v = G_VALUE_INIT;
  guint64 u = 0;
  g_value_init (&v, pspec->value_type);
  g_object_get_property (G_OBJECT (element), pspec->name, &v);
  value_to_uint64 (&v, &u);
  return u;
}

static gboolean
pspec_is_stat (GParamSpec *pspec)
{
  return (pspec->flags & PKT_PARAM_STAT) && (pspec->flags & G_PARAM_READABLE);
}

/* Every element of @bin, depth first, in the bin's (upstream-first) order. */
static void
collect_elements (PktBin *bin, GPtrArray *out)
{
  GList *children = pkt_bin_get_sorted (bin);
  for (GList *l = children; l; l = l->next) {
    PktElement *child = l->data;
    g_ptr_array_add (out, child);
    if (PKT_IS_BIN (child))
      collect_elements (PKT_BIN (child), out);
  }
  g_list_free (children);
}

/* ---- JSON (written by hand: a handful of strings and numbers do not
 * justify a json-glib dependency) ------------------------------------------ */

static void
json_append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *)s; *p; p++) {
    switch (*p) {
      case '"':
        g_string_append (out, "\\\"");
        break;
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, *p); /* UTF-8 passes through */
    }
  }
  g_string_append_c (out, '"');
}

static void
json_append_double (GString *out, double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite (d)) {
    g_string_append (out, "null");
    return;
  }
  g_string_append (out, g_ascii_dtostr (buf, sizeof buf, d));
}

static void
json_append_gvalue (GString *out, const GValue *v)
{
  guint64 u;
  GType f = G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (v));
  if (f == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_value_get_int64 (v));
  else if (f == G_TYPE_INT)
    g_string_append_printf (out, "%d", g_value_get_int (v));
  else if (f == G_TYPE_LONG)
    g_string_append_printf (out, "%ld", g_value_get_long (v));
  else if (value_to_uint64 (v, &u))
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, u);
  else if (f == G_TYPE_DOUBLE)
    json_append_double (out, g_value_get_double (v));
  else if (f == G_TYPE_FLOAT)
    json_append_double (out, g_value_get_float (v));
  else if (f == G_TYPE_BOOLEAN)
    g_string_append (out, g_value_get_boolean (v) ? "true" : "false");
  else {
    g_autofree char *s = g_strdup_value_contents (v);
    json_append_string (out, s);
  }
}

static void
json_append_variant (GString *out, GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT)) {
    g_autoptr (GVariant) inner = g_variant_get_variant (v);
    json_append_variant (out, inner);
    return;
  }
  switch (g_variant_classify (v)) {
    case G_VARIANT_CLASS_BOOLEAN:
      g_string_append (out, g_variant_get_boolean (v) ? "true" : "false");
      break;
    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "%u", g_variant_get_byte (v));
      break;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "%d", g_variant_get_int16 (v));
      break;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "%u", g_variant_get_uint16 (v));
      break;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "%d", g_variant_get_int32 (v));
      break;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "%u", g_variant_get_uint32 (v));
      break;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (v));
      break;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (v));
      break;
    case G_VARIANT_CLASS_DOUBLE:
      json_append_double (out, g_variant_get_double (v));
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      json_append_string (out, g_variant_get_string (v, NULL));
      break;
    default: {
      g_autofree char *s = g_variant_print (v, FALSE);
      json_append_string (out, s);
    }
  }
}

/* ---- counters of one element: properties, then collect_stats extras ------ */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

typedef void (*CounterFunc) (const char *name, const GValue *pvalue, GVariant *vvalue,
                             gpointer user_data);

/* Calls @func for every PKT_PARAM_STAT property of @element (as a GValue),
 * then for every entry of pkt_element_get_stats() that no property already
 * gave (as a GVariant). Names are unique and in class order. */
static void
foreach_counter (PktElement *element, CounterFunc func, gpointer user_data)
{
  guint n = 0;
  g_autofree GParamSpec **pspecs
      = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n; i++) {
    g_auto (GValue) v = G_VALUE_INIT;
    if (!pspec_is_stat (pspecs[i]))
      continue;
    g_value_init (&v, pspecs[i]->value_type);
    g_object_get_property (G_OBJECT (element), pspecs[i]->name, &v);
    g_hash_table_add (seen, (gpointer)pspecs[i]->name);
    func (pspecs[i]->name, &v, NULL, user_data);
  }

  /* collect_stats extras, by name: a dictionary has no stable order */
  g_autoptr (GVariant) extra = g_variant_ref_sink (pkt_element_get_stats (element));
  if (extra && g_variant_is_of_type (extra, G_VARIANT_TYPE_VARDICT)) {
    g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
    GVariantIter iter;
    const char *key;
    g_variant_iter_init (&iter, extra);
    while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
      if (!g_hash_table_contains (seen, key))
        g_ptr_array_add (keys, g_strdup (key));
    g_ptr_array_sort (keys, compare_strings);
    for (guint i = 0; i < keys->len; i++) {
      g_autoptr (GVariant) value = g_variant_lookup_value (extra, keys->pdata[i], NULL);
      func (keys->pdata[i], NULL, value, user_data);
    }
  }
}

typedef struct {
  GString *out;
  gboolean first;
} JsonCounters;

static void
json_counter (const char *name, const GValue *pvalue, GVariant *vvalue, gpointer user_data)
{
  JsonCounters *jc = user_data;
  g_string_append (jc->out, jc->first ? "\n    " : ",\n    ");
  jc->first = FALSE;
  json_append_string (jc->out, name);
  g_string_append (jc->out, ": ");
  if (pvalue)
    json_append_gvalue (jc->out, pvalue);
  else
    json_append_variant (jc->out, vvalue);
}

static char *
stats_to_json (GPtrArray *elements)
{
  GString *out = g_string_new ("{");
  for (guint i = 0; i < elements->len; i++) {
    PktElement *e = g_ptr_array_index (elements, i);
    JsonCounters jc = { out, TRUE };
    g_string_append (out, i == 0 ? "\n  " : ",\n  ");
    json_append_string (out, pkt_element_get_name (e));
    g_string_append (out, ": {");
    foreach_counter (e, json_counter, &jc);
    g_string_append (out, jc.first ? "}" : "\n  }");
  }
  g_string_append (out, elements->len ? "\n}\n" : "}\n");
  return g_string_free (out, FALSE);
}

typedef struct {
  GPtrArray *names;
  GPtrArray *values;
} TextCounters;

static void
text_counter (const char *name, const GValue *pvalue, GVariant *vvalue, gpointer user_data)
{
  TextCounters *tc = user_data;
  g_ptr_array_add (tc->names, g_strdup (name));
  if (pvalue) {
    guint64 u;
    if (value_to_uint64 (pvalue, &u) && G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (pvalue)) != G_TYPE_INT64
        && G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (pvalue)) != G_TYPE_INT
        && G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (pvalue)) != G_TYPE_LONG)
      g_ptr_array_add (tc->values, g_strdup_printf ("%" G_GUINT64_FORMAT, u));
    else
      g_ptr_array_add (tc->values, g_strdup_value_contents (pvalue));
  } else {
    GVariant *inner = g_variant_is_of_type (vvalue, G_VARIANT_TYPE_VARIANT)
                          ? g_variant_get_variant (vvalue)
                          : g_variant_ref (vvalue);
    if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
      g_ptr_array_add (tc->values, g_strdup (g_variant_get_string (inner, NULL)));
    else
      g_ptr_array_add (tc->values, g_variant_print (inner, FALSE));
    g_variant_unref (inner);
  }
}

/* The factory an element was made from, for the summary's headings. */
static const char *
factory_name_of (PktElement *element)
{
  GList *factories = pkt_registry_get_factories ();
  const char *name = G_OBJECT_TYPE_NAME (element);
  for (GList *f = factories; f; f = f->next)
    if (pkt_element_factory_get_element_type (f->data) == G_OBJECT_TYPE (element)) {
      name = pkt_element_factory_get_name (f->data);
      break;
    }
  g_list_free (factories);
  return name;
}

static void
print_summary (GPtrArray *elements, double elapsed_s)
{
  g_printerr ("Counters after %.3f s:\n", elapsed_s);
  for (guint i = 0; i < elements->len; i++) {
    PktElement *e = g_ptr_array_index (elements, i);
    g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
    TextCounters tc = { names, values };
    int width = 0;

    foreach_counter (e, text_counter, &tc);
    if (names->len == 0)
      continue;
    g_printerr ("  %s (%s)\n", pkt_element_get_name (e), factory_name_of (e));
    for (guint j = 0; j < names->len; j++)
      width = MAX (width, (int)strlen (g_ptr_array_index (names, j)));
    for (guint j = 0; j < names->len; j++)
      g_printerr ("    %-*s %s\n", width, (char *)g_ptr_array_index (names, j),
                  (char *)g_ptr_array_index (values, j));
  }
}

/* ---- periodic --stats line ---------------------------------------------- */

static void
probe_free (ElementProbe *p)
{
  g_ptr_array_unref (p->drops);
  g_ptr_array_unref (p->levels);
  g_free (p);
}

/* The counter a rate is computed from: the property called exactly @name, or
 * else the first stat property ending in "-@name" (e.g. packets-out). */
static GParamSpec *
find_stat (GParamSpec **pspecs, guint n, const char *name)
{
  g_autofree char *suffix = g_strconcat ("-", name, NULL);
  for (guint i = 0; i < n; i++)
    if (pspec_is_stat (pspecs[i]) && strcmp (pspecs[i]->name, name) == 0)
      return pspecs[i];
  for (guint i = 0; i < n; i++)
    if (pspec_is_stat (pspecs[i]) && g_str_has_suffix (pspecs[i]->name, suffix))
      return pspecs[i];
  return NULL;
}

static ElementProbe *
probe_new (PktElement *element)
{
  ElementProbe *p = g_new0 (ElementProbe, 1);
  guint n = 0;
  g_autofree GParamSpec **pspecs
      = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);

  p->element = element;
  p->is_source = (pkt_element_get_flags (element) & PKT_ELEMENT_FLAG_SOURCE) != 0;
  p->drops = g_ptr_array_new ();
  p->levels = g_ptr_array_new ();
  p->packets = find_stat (pspecs, n, "packets");
  p->bytes = find_stat (pspecs, n, "bytes");
  for (guint i = 0; i < n; i++) {
    GParamSpec *ps = pspecs[i];
    guint64 dummy;
    GValue probe_type = G_VALUE_INIT;
    g_value_init (&probe_type, ps->value_type);
    gboolean numeric = value_to_uint64 (&probe_type, &dummy);
    g_value_unset (&probe_type);
    if (!numeric || !(ps->flags & G_PARAM_READABLE))
      continue;
    if (pspec_is_stat (ps) && strstr (ps->name, "drop"))
      g_ptr_array_add (p->drops, ps);
    else if (g_str_has_prefix (ps->name, "current-level"))
      g_ptr_array_add (p->levels, ps);
  }
  return p;
}

static void
format_rate (GString *out, double value, const char *unit)
{
  if (value >= 1e9)
    g_string_append_printf (out, "%.2f G%s", value / 1e9, unit);
  else if (value >= 1e6)
    g_string_append_printf (out, "%.2f M%s", value / 1e6, unit);
  else if (value >= 1e3)
    g_string_append_printf (out, "%.2f k%s", value / 1e3, unit);
  else
    g_string_append_printf (out, "%.0f %s", value, unit);
}

static void
probe_append_source (ElementProbe *p, GString *line, double dt)
{
  g_string_append_printf (line, "%s:", pkt_element_get_name (p->element));
  if (p->packets) {
    guint64 v = probe_read_uint (p->element, p->packets);
    g_string_append_c (line, ' ');
    format_rate (line, dt > 0 ? (double)(v - p->last_packets) / dt : 0, "pps");
    p->last_packets = v;
  }
  if (p->bytes) {
    guint64 v = probe_read_uint (p->element, p->bytes);
    g_string_append_c (line, ' ');
    format_rate (line, dt > 0 ? (double)(v - p->last_bytes) * 8 / dt : 0, "bit/s");
    p->last_bytes = v;
  }
  for (guint i = 0; i < p->drops->len; i++) {
    GParamSpec *ps = g_ptr_array_index (p->drops, i);
    g_string_append_printf (line, " %s %" G_GUINT64_FORMAT, ps->name,
                            probe_read_uint (p->element, ps));
  }
}

/* queue-like elements: current-level-X, with max-size-X when there is one */
static void
probe_append_levels (ElementProbe *p, GString *line)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (p->element);
  g_string_append_printf (line, "%s: fill", pkt_element_get_name (p->element));
  for (guint i = 0; i < p->levels->len; i++) {
    GParamSpec *ps = g_ptr_array_index (p->levels, i);
    const char *what = ps->name + strlen ("current-level");
    g_autofree char *max_name = g_strconcat ("max-size", what, NULL);
    GParamSpec *max = g_object_class_find_property (klass, max_name);
    what = *what == '-' ? what + 1 : what;
    guint64 limit = max && (max->flags & G_PARAM_READABLE) ? probe_read_uint (p->element, max) : 0;
    g_string_append_printf (line, " %" G_GUINT64_FORMAT, probe_read_uint (p->element, ps));
    if (limit) /* 0 means unbounded */
      g_string_append_printf (line, "/%" G_GUINT64_FORMAT, limit);
    if (*what)
      g_string_append_printf (line, " %s", what);
  }
  for (guint i = 0; i < p->drops->len; i++) {
    GParamSpec *ps = g_ptr_array_index (p->drops, i);
    g_string_append_printf (line, " %s %" G_GUINT64_FORMAT, ps->name,
                            probe_read_uint (p->element, ps));
  }
}

static gboolean
on_stats_tick (gpointer user_data)
{
  Launch *l = user_data;
  gint64 now = now_ns ();
  double dt = (double)(now - l->last_stats_ns) / 1e9;
  g_autoptr (GString) line = g_string_new (NULL);

  g_string_printf (line, "[%7.1fs]", (double)(now - l->start_ns) / 1e9);
  for (guint i = 0; i < l->probes->len; i++) {
    ElementProbe *p = g_ptr_array_index (l->probes, i);
    if (!p->is_source && p->levels->len == 0)
      continue;
    g_string_append (line, line->len > 10 ? " | " : " ");
    if (p->is_source)
      probe_append_source (p, line, dt);
    else
      probe_append_levels (p, line);
  }
  l->last_stats_ns = now;
  g_printerr ("%s\n", line->str);
  return G_SOURCE_CONTINUE;
}

/* ---- bus ---------------------------------------------------------------- */

/* Element errors read "NAME: what went wrong" (pkt_element_error() and
 * pkt_element_set_error() prepend the name); we print the name once. */
static const char *
strip_name_prefix (const char *message, const char *name)
{
  gsize n = name ? strlen (name) : 0;
  if (n && strncmp (message, name, n) == 0 && message[n] == ':' && message[n + 1] == ' ')
    return message + n + 2;
  return message;
}

static void
print_error_message (const char *what, PktMessage *m)
{
  const char *src = m->src_name ? m->src_name : "(unknown)";
  const char *text = m->error ? strip_name_prefix (m->error->message, m->src_name) : "(no message)";
  g_printerr ("%s from element %s: %s\n", what, src, text);
  if (m->debug && *m->debug)
    g_printerr ("Additional debug info:\n%s\n", m->debug);
}

static gboolean
on_bus_message (PktBus *bus, PktMessage *m, gpointer user_data)
{
  Launch *l = user_data;
  switch (m->type) {
    case PKT_MESSAGE_ERROR:
      print_error_message ("ERROR", m);
      if (l->draining)
        break;
      l->exit_code = EXIT_ERROR;
      g_main_loop_quit (l->loop);
      break;
    case PKT_MESSAGE_WARNING:
      print_error_message ("WARNING", m);
      break;
    case PKT_MESSAGE_INFO:
      if (!l->quiet)
        print_error_message ("INFO", m);
      break;
    case PKT_MESSAGE_EOS:
      if (l->draining)
        break;
      if (!l->quiet)
        g_printerr ("Got EOS after %.3f s\n", (double)(now_ns () - l->start_ns) / 1e9);
      l->exit_code = EXIT_EOS;
      g_main_loop_quit (l->loop);
      break;
    case PKT_MESSAGE_STATE_CHANGED:
      if (l->verbose && m->payload) {
        gint32 old_state = 0, new_state = 0;
        g_variant_lookup (m->payload, "old", "i", &old_state);
        g_variant_lookup (m->payload, "new", "i", &new_state);
        g_printerr ("STATE_CHANGED %s: %s -> %s\n", m->src_name ? m->src_name : "?",
                    pkt_state_get_name (old_state), pkt_state_get_name (new_state));
      }
      break;
    default:
      if (l->verbose) {
        g_autofree char *payload = m->payload ? g_variant_print (m->payload, FALSE) : NULL;
        g_printerr ("%s %s: %s\n", pkt_message_type_get_name (m->type),
                    m->src_name ? m->src_name : "?", payload ? payload : "");
      }
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* What was still queued when the loop stopped, and what stopping posted
 * (state changes to NULL, warnings): printed, without changing the result. */
static void
drain_bus (Launch *l, PktBus *bus)
{
  PktMessage *m;
  l->draining = TRUE;
  while ((m = pkt_bus_pop (bus, 0)) != NULL) {
    on_bus_message (bus, m, l);
    pkt_message_unref (m);
  }
}

/* ---- Ctrl-C, --duration -------------------------------------------------- */

static gboolean
on_interrupt (gpointer user_data)
{
  Launch *l = user_data;
  if (++l->n_interrupts == 1) {
    if (!l->quiet)
      g_printerr ("Interrupt: sending EOS to flush (interrupt again to abort)\n");
    pkt_pipeline_send_eos (PKT_PIPELINE (l->pipeline));
    return G_SOURCE_CONTINUE;
  }
  g_printerr ("Interrupted again: aborting without flushing\n");
  l->aborted = TRUE;
  l->exit_code = EXIT_ERROR;
  g_main_loop_quit (l->loop);
  /* Removing both sources gives SIGINT/SIGTERM back their default action, so
   * a third Ctrl-C kills us even if tearing down hangs. */
  if (l->sigterm_id)
    g_source_remove (l->sigterm_id);
  if (l->sigint_id)
    g_source_remove (l->sigint_id);
  l->sigint_id = l->sigterm_id = 0;
  return G_SOURCE_CONTINUE; /* already removed */
}

static gboolean
on_duration (gpointer user_data)
{
  Launch *l = user_data;
  if (!l->quiet)
    g_printerr ("Duration reached: sending EOS\n");
  pkt_pipeline_send_eos (PKT_PIPELINE (l->pipeline));
  l->duration_id = 0;
  return G_SOURCE_REMOVE;
}

/* ---- --user --------------------------------------------------------------- */

/* Gives up root for good: supplementary groups, then gid, then uid (in that
 * order: after setuid we could no longer change groups). Capabilities are
 * not kept (no PR_SET_KEEPCAPS), so nothing privileged survives. */
static gboolean
drop_privileges (const char *user, GError **error)
{
  struct passwd *pw;
  errno = 0;
  pw = getpwnam (user);
  if (!pw) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "--user: no such user \"%s\"%s%s", user,
                 errno ? ": " : "", errno ? g_strerror (errno) : "");
    return FALSE;
  }
  if (initgroups (pw->pw_name, pw->pw_gid) != 0 || setgid (pw->pw_gid) != 0
      || setuid (pw->pw_uid) != 0) {
    int e = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                 "--user: cannot switch to user \"%s\" (uid %u): %s", user, (guint)pw->pw_uid,
                 g_strerror (e));
    return FALSE;
  }
  if (pw->pw_uid != 0 && setuid (0) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "--user: root privileges could be regained after switching to \"%s\"", user);
    return FALSE;
  }
  return TRUE;
}

/* ---- building ------------------------------------------------------------- */

/* "FILE:LINE:COL: " for an error at byte @offset of @text */
static char *
file_position (const char *file, const char *text, gssize offset)
{
  int line = 1, col = 1;
  if (offset < 0)
    return g_strdup_printf ("%s: ", file);
  for (gssize i = 0; i < offset && text[i]; i++) {
    if (text[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return g_strdup_printf ("%s:%d:%d: ", file, line, col);
}

/* -f -: the description on stdin */
static char *
read_stdin (void)
{
  GString *text = g_string_new (NULL);
  char buf[4096];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    g_string_append_len (text, buf, (gssize)n);
  return g_string_free (text, FALSE);
}

static PktElement *
build_pipeline (Launch *l, char **words)
{
  g_autoptr (PktParseContext) ctx = pkt_parse_context_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  PktElement *built;

  for (char **d = l->defines; d && *d; d++) {
    const char *eq = strchr (*d, '=');
    if (!eq || eq == *d) {
      g_printerr ("pkt-launch: -D expects NAME=VALUE, got \"%s\"\n", *d);
      return NULL;
    }
    g_autofree char *name = g_strndup (*d, eq - *d);
    pkt_parse_context_set_variable (ctx, name, eq + 1);
  }

  if (l->file) {
    if (words && words[0]) {
      g_printerr ("pkt-launch: give either -f FILE or a description, not both\n");
      return NULL;
    }
    if (strcmp (l->file, "-") == 0) {
      text = read_stdin ();
    } else if (!g_file_get_contents (l->file, &text, NULL, &error)) {
      g_printerr ("pkt-launch: %s\n", error->message);
      return NULL;
    }
    built = pkt_parse_launch_full (text, ctx, &error);
  } else {
    if (!words || !words[0]) {
      g_printerr ("pkt-launch: no pipeline description (try --help)\n");
      return NULL;
    }
    built = pkt_parse_launchv ((const char *const *)words, ctx, &error);
  }

  if (!built) {
    g_autofree char *where
        = l->file ? file_position (l->file, text, pkt_parse_context_get_error_offset (ctx))
                  : g_strdup ("");
    g_printerr ("%sbad pipeline description: %s\n", where,
                error ? error->message : "(no reason given)");
    return NULL;
  }
  if (PKT_IS_PIPELINE (built))
    return built;

  /* A description of a single element (or a bare bin): run it in a pipeline. */
  PktElement *pipeline = pkt_pipeline_new ("pipeline0");
  g_object_ref_sink (pipeline);
  if (!pkt_bin_add (PKT_BIN (pipeline), built, &error)) {
    g_printerr ("pkt-launch: %s\n", error->message);
    g_object_unref (pipeline);
    return NULL;
  }
  return pipeline;
}

/* The name of the element at fault in a GError from a state change: its
 * message starts with "NAME: " (pkt_element_set_error()); NULL if no
 * element of the pipeline has that name. */
static const char *
find_culprit (const char *message, GPtrArray *elements)
{
  for (guint i = 0; i < elements->len; i++) {
    const char *name = pkt_element_get_name (g_ptr_array_index (elements, i));
    if (strip_name_prefix (message, name) != message)
      return name;
  }
  return NULL;
}

/* A failed state change. If the element at fault also posted an ERROR,
 * print that (it may carry debug text); else the GError, under the name of
 * the element it names. */
static void
report_state_failure (Launch *l, PktState target, const GError *error)
{
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (l->pipeline));
  PktMessage *m = pkt_bus_pop_filtered (bus, 0, PKT_MESSAGE_ERROR);
  if (m) {
    print_error_message ("ERROR", m);
    pkt_message_unref (m);
  } else {
    const char *text = error ? error->message : "state change failed";
    g_autoptr (GPtrArray) elements = g_ptr_array_new ();
    const char *culprit;
    collect_elements (PKT_BIN (l->pipeline), elements);
    culprit = find_culprit (text, elements);
    if (culprit)
      g_printerr ("ERROR from element %s: %s\n", culprit, strip_name_prefix (text, culprit));
    else
      g_printerr ("ERROR: %s\n", text);
  }
  if (l->verbose)
    g_printerr ("(while setting the pipeline to %s)\n", pkt_state_get_name (target));
}

static gboolean
set_state (Launch *l, PktState state)
{
  g_autoptr (GError) error = NULL;
  if (l->verbose)
    g_printerr ("Setting pipeline to %s\n", pkt_state_get_name (state));
  if (pkt_element_set_state (l->pipeline, state, &error))
    return TRUE;
  report_state_failure (l, state, error);
  return FALSE;
}

/* ---- options -------------------------------------------------------------- */

static gboolean
parse_stats_option (const char *option_name, const char *value, gpointer data, GError **error)
{
  Launch *l = &launch_state;
  gint64 ns = DEFAULT_STATS_INTERVAL_NS;
  if (value && !pkt_parse_duration (value, &ns)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--stats: \"%s\" is not a duration (e.g. 1s, 500ms)", value);
    return FALSE;
  }
  if (ns <= 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--stats: the interval must be positive");
    return FALSE;
  }
  l->stats = TRUE;
  l->stats_interval_ns = ns;
  return TRUE;
}

static gboolean
parse_options (Launch *l, int *argc, char ***argv, char ***words)
{
  const GOptionEntry entries[]
      = { { "file", 'f', 0, G_OPTION_ARG_FILENAME, &l->file,
            "Read the description from FILE (- for stdin)", "FILE.pipeline" },
          { "define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &l->defines,
            "Define ${NAME} for the description", "NAME=VALUE" },
          { "stats", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_stats_option,
            "Print rates every INTERVAL (default 1s) and all counters at the end", "INTERVAL" },
          { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &l->stats_json,
            "Write every element's counters to FILE as JSON at the end", "FILE" },
          { "duration", 0, 0, G_OPTION_ARG_STRING, &l->duration,
            "Send EOS after DURATION (30s, 250ms)", "DURATION" },
          { "user", 0, 0, G_OPTION_ARG_STRING, &l->user,
            "Switch to user NAME once the pipeline is READY", "NAME" },
          { "quiet", 'q', 0, G_OPTION_ARG_NONE, &l->quiet, "Print only errors and warnings", NULL },
          { "verbose", 'v', 0, G_OPTION_ARG_NONE, &l->verbose,
            "Print state changes and every bus message", NULL },
          { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, words, NULL, "DESCRIPTION…" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- run a packet pipeline");
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (ctx, "Examples:\n"
                                     "  pkt-launch testsrc num-packets=1000 ! fakesink\n"
                                     "  pkt-launch -f capture.pipeline -D iface=eth0 --stats\n\n"
                                     "Exit status: 0 after EOS, 1 after an error, 2 when the "
                                     "description is bad.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error)) {
    g_printerr ("pkt-launch: %s\n", error->message);
    return FALSE;
  }
  return TRUE;
}

/* ---- main ------------------------------------------------------------------ */

static int
run (Launch *l)
{
  PktBus *bus = pkt_pipeline_get_bus (PKT_PIPELINE (l->pipeline));
  g_autoptr (GPtrArray) elements = g_ptr_array_new ();
  guint bus_watch, stats_id = 0;
  gint64 duration_ns = 0;

  if (l->duration && (!pkt_parse_duration (l->duration, &duration_ns) || duration_ns <= 0)) {
    g_printerr ("pkt-launch: --duration: \"%s\" is not a positive duration (e.g. 10s)\n",
                l->duration);
    return EXIT_BAD_DESCRIPTION;
  }

  collect_elements (PKT_BIN (l->pipeline), elements);
  l->loop = g_main_loop_new (NULL, FALSE);
  bus_watch = pkt_bus_add_watch (bus, on_bus_message, l, NULL);
  l->exit_code = EXIT_EOS;

  if (!set_state (l, PKT_STATE_READY))
    goto fail;
  if (l->user) {
    g_autoptr (GError) error = NULL;
    if (!drop_privileges (l->user, &error)) {
      g_printerr ("pkt-launch: %s\n", error->message);
      goto fail;
    }
    if (l->verbose)
      g_printerr ("Running as user %s (uid %u)\n", l->user, (guint)getuid ());
  }

  l->sigint_id = g_unix_signal_add (SIGINT, on_interrupt, l);
  l->sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, l);
  l->start_ns = l->last_stats_ns = now_ns ();
  if (!set_state (l, PKT_STATE_PLAYING))
    goto fail;
  if (!l->quiet)
    g_printerr ("Pipeline is PLAYING (Ctrl-C sends EOS)\n");

  if (l->stats) {
    l->probes = g_ptr_array_new_with_free_func ((GDestroyNotify)probe_free);
    for (guint i = 0; i < elements->len; i++)
      g_ptr_array_add (l->probes, probe_new (g_ptr_array_index (elements, i)));
    stats_id = g_timeout_add (MAX (l->stats_interval_ns / 1000000, 1), on_stats_tick, l);
  }
  if (duration_ns > 0)
    l->duration_id = g_timeout_add (MAX (duration_ns / 1000000, 1), on_duration, l);

  g_main_loop_run (l->loop);
  goto done;

fail:
  l->exit_code = EXIT_ERROR;
done:
  if (stats_id)
    g_source_remove (stats_id);
  if (l->duration_id)
    g_source_remove (l->duration_id);
  l->duration_id = 0;
  if (l->sigint_id)
    g_source_remove (l->sigint_id);
  if (l->sigterm_id)
    g_source_remove (l->sigterm_id);
  l->sigint_id = l->sigterm_id = 0;
  g_source_remove (bus_watch);

  {
    g_autoptr (GError) error = NULL;
    if (!pkt_element_set_state (l->pipeline, PKT_STATE_NULL, &error))
      g_printerr ("pkt-launch: stopping the pipeline: %s\n", error->message);
  }
  drain_bus (l, bus);

  /* Counters are final once every thread has stopped. */
  if (l->stats)
    print_summary (elements, (double)(now_ns () - l->start_ns) / 1e9);
  if (l->stats_json) {
    g_autofree char *json = stats_to_json (elements);
    g_autoptr (GError) error = NULL;
    if (!g_file_set_contents (l->stats_json, json, -1, &error)) {
      g_printerr ("pkt-launch: --stats-json: %s\n", error->message);
      if (l->exit_code == EXIT_EOS)
        l->exit_code = EXIT_ERROR;
    }
  }
  g_clear_pointer (&l->probes, g_ptr_array_unref);
  g_clear_pointer (&l->loop, g_main_loop_unref);
  return l->exit_code;
}

int
main (int argc, char **argv)
{
  Launch *l = &launch_state;
  g_auto (GStrv) words = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  if (!parse_options (l, &argc, &argv, &words))
    return EXIT_BAD_DESCRIPTION;
  if (!pkt_init_check (NULL, NULL, &error)) {
    g_printerr ("pkt-launch: %s\n", error->message);
    return EXIT_ERROR;
  }

  l->pipeline = build_pipeline (l, words);
  if (!l->pipeline)
    status = EXIT_BAD_DESCRIPTION;
  else
    status = run (l);

  g_clear_object (&l->pipeline);
  g_free (l->file);
  g_free (l->stats_json);
  g_free (l->duration);
  g_free (l->user);
  g_strfreev (l->defines);
  return status;
}
