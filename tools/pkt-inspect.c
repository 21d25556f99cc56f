/* pkt-inspect — list and describe elements.
 *
 *   pkt-inspect              every element, grouped by plugin
 *   pkt-inspect NAME         one element: class, pads, properties, signals
 *   pkt-inspect --markdown   the whole reference as Markdown (docs/elements.md)
 *
 * Exit status: 0, or 1 for an unknown element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pkt-config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <pktpipe/pktpipe.h>

/* ---- gathering ------------------------------------------------------------ */

static int
compare_factories (gconstpointer a, gconstpointer b)
{
  PktElementFactory *fa = *(PktElementFactory **)a;
  PktElementFactory *fb = *(PktElementFactory **)b;
  const char *pa = pkt_element_factory_get_plugin_name (fa);
  const char *pb = pkt_element_factory_get_plugin_name (fb);
  int c = g_strcmp0 (pa, pb);
  return c ? c : g_strcmp0 (pkt_element_factory_get_name (fa), pkt_element_factory_get_name (fb));
}

/* Every factory, sorted by plugin then name (the registry's order is not
 * stable across runs; the generated reference must be). */
static GPtrArray *
get_sorted_factories (void)
{
  GList *list = pkt_registry_get_factories ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  for (GList *l = list; l; l = l->next)
    g_ptr_array_add (out, g_object_ref (l->data));
  g_list_free (list);
  g_ptr_array_sort (out, compare_factories);
  return out;
}

static const char *
plugin_of (PktElementFactory *f)
{
  const char *p = pkt_element_factory_get_plugin_name (f);
  return p ? p : "core";
}

static guint
type_depth (GType t)
{
  return g_type_depth (t);
}

static int
compare_pspecs (gconstpointer a, gconstpointer b)
{
  const GParamSpec *pa = *(GParamSpec **)a;
  const GParamSpec *pb = *(GParamSpec **)b;
  guint da = type_depth (pa->owner_type), db = type_depth (pb->owner_type);
  if (da != db)
    return da < db ? -1 : 1;
  return pa->param_id < pb->param_id ? -1 : pa->param_id > pb->param_id;
}

/* Properties base class first, then in the order the class installed them:
 * g_object_class_list_properties() follows hash order, which may change
 * from run to run. */
static GPtrArray *
get_sorted_pspecs (GObjectClass *klass, gboolean stats)
{
  guint n = 0;
  g_autofree GParamSpec **all = g_object_class_list_properties (klass, &n);
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < n; i++) {
    gboolean is_stat = (all[i]->flags & PKT_PARAM_STAT) != 0;
    if (is_stat == stats)
      g_ptr_array_add (out, all[i]);
  }
  g_ptr_array_sort (out, compare_pspecs);
  return out;
}

/* ---- describing a property ------------------------------------------------- */

static const char *
simple_type_name (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type)) {
    case G_TYPE_BOOLEAN:
      return "boolean";
    case G_TYPE_CHAR:
      return "int8";
    case G_TYPE_UCHAR:
      return "uint8";
    case G_TYPE_INT:
      return "int";
    case G_TYPE_UINT:
      return "uint";
    case G_TYPE_LONG:
      return "long";
    case G_TYPE_ULONG:
      return "ulong";
    case G_TYPE_INT64:
      return "int64";
    case G_TYPE_UINT64:
      return "uint64";
    case G_TYPE_FLOAT:
      return "float";
    case G_TYPE_DOUBLE:
      return "double";
    case G_TYPE_STRING:
      return "string";
    default:
      return g_type_name (type);
  }
}

static char *
describe_type (GParamSpec *ps)
{
  GType f = G_TYPE_FUNDAMENTAL (ps->value_type);
  if (f == G_TYPE_ENUM)
    return g_strdup_printf ("enum %s", g_type_name (ps->value_type));
  if (f == G_TYPE_FLAGS)
    return g_strdup_printf ("flags %s", g_type_name (ps->value_type));
  return g_strdup (simple_type_name (ps->value_type));
}

static char *
format_double (double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (d >= G_MAXDOUBLE)
    return g_strdup ("max");
  if (d <= -G_MAXDOUBLE)
    return g_strdup ("-max");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", d));
}

/* "MIN – MAX", or NULL when the type has no range to show */
static char *
describe_range (GParamSpec *ps)
{
#define RANGE(T, fmt, cast)                                                                        \
  return g_strdup_printf (fmt " to " fmt, (cast)T (ps)->minimum, (cast)T (ps)->maximum)
  if (G_IS_PARAM_SPEC_CHAR (ps))
    RANGE (G_PARAM_SPEC_CHAR, "%d", int);
  if (G_IS_PARAM_SPEC_UCHAR (ps))
    RANGE (G_PARAM_SPEC_UCHAR, "%u", guint);
  if (G_IS_PARAM_SPEC_INT (ps))
    RANGE (G_PARAM_SPEC_INT, "%d", int);
  if (G_IS_PARAM_SPEC_UINT (ps))
    RANGE (G_PARAM_SPEC_UINT, "%u", guint);
  if (G_IS_PARAM_SPEC_LONG (ps))
    RANGE (G_PARAM_SPEC_LONG, "%ld", long);
  if (G_IS_PARAM_SPEC_ULONG (ps))
    RANGE (G_PARAM_SPEC_ULONG, "%lu", gulong);
  if (G_IS_PARAM_SPEC_INT64 (ps))
    RANGE (G_PARAM_SPEC_INT64, "%" G_GINT64_FORMAT, gint64);
  if (G_IS_PARAM_SPEC_UINT64 (ps))
    RANGE (G_PARAM_SPEC_UINT64, "%" G_GUINT64_FORMAT, guint64);
#undef RANGE
  if (G_IS_PARAM_SPEC_DOUBLE (ps) || G_IS_PARAM_SPEC_FLOAT (ps)) {
    double lo = G_IS_PARAM_SPEC_DOUBLE (ps) ? G_PARAM_SPEC_DOUBLE (ps)->minimum
                                            : G_PARAM_SPEC_FLOAT (ps)->minimum;
    double hi = G_IS_PARAM_SPEC_DOUBLE (ps) ? G_PARAM_SPEC_DOUBLE (ps)->maximum
                                            : G_PARAM_SPEC_FLOAT (ps)->maximum;
    g_autofree char *a = format_double (lo);
    g_autofree char *b = format_double (hi);
    return g_strdup_printf ("%s to %s", a, b);
  }
  return NULL;
}

/* Flags as the parser reads them: nicks joined with '+'. */
static char *
flags_to_string (GType type, guint value)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (type);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < klass->n_values; i++) {
    GFlagsValue *fv = &klass->values[i];
    if (fv->value == 0 || (value & fv->value) != fv->value)
      continue;
    if (s->len)
      g_string_append_c (s, '+');
    g_string_append (s, fv->value_nick);
    value &= ~fv->value;
  }
  if (s->len == 0)
    g_string_append (s, "(none)");
  return g_string_free (s, FALSE);
}

/* The default as one would write it in a pipeline description. */
static char *
describe_default (GParamSpec *ps)
{
  const GValue *v = g_param_spec_get_default_value (ps);
  GType f = G_TYPE_FUNDAMENTAL (ps->value_type);
  switch (f) {
    case G_TYPE_BOOLEAN:
      return g_strdup (g_value_get_boolean (v) ? "true" : "false");
    case G_TYPE_STRING: {
      const char *s = g_value_get_string (v);
      return s ? g_strdup_printf ("\"%s\"", s) : g_strdup ("null");
    }
    case G_TYPE_ENUM: {
      g_autoptr (GEnumClass) klass = g_type_class_ref (ps->value_type);
      GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (v));
      return ev ? g_strdup (ev->value_nick) : g_strdup_printf ("%d", g_value_get_enum (v));
    }
    case G_TYPE_FLAGS:
      return flags_to_string (ps->value_type, g_value_get_flags (v));
    case G_TYPE_FLOAT:
      return format_double (g_value_get_float (v));
    case G_TYPE_DOUBLE:
      return format_double (g_value_get_double (v));
    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      return g_strdup_value_contents (v);
    default:
      return g_strdup ("—");
  }
}

static const char *
describe_writable (GParamSpec *ps)
{
  if (!(ps->flags & G_PARAM_WRITABLE))
    return "no (read-only)";
  if (ps->flags & G_PARAM_CONSTRUCT_ONLY)
    return "at construction only";
  if (ps->flags & PKT_PARAM_MUTABLE_PLAYING)
    return "in NULL, READY and PLAYING";
  return "in NULL or READY only";
}

static char *
describe_flags (GParamSpec *ps)
{
  GString *s = g_string_new (NULL);
  if (ps->flags & G_PARAM_READABLE)
    g_string_append (s, "readable");
  if (ps->flags & G_PARAM_WRITABLE)
    g_string_append (s, s->len ? ", writable" : "writable");
  if (ps->flags & PKT_PARAM_STAT)
    g_string_append (s, s->len ? ", statistic" : "statistic");
  if (ps->flags & PKT_PARAM_MUTABLE_PLAYING)
    g_string_append (s, s->len ? ", changeable while PLAYING" : "changeable while PLAYING");
  return g_string_free (s, FALSE);
}

/* ---- signals ----------------------------------------------------------------- */

/* A GType as C spells it in a prototype: pointers for boxed and object
 * types ("PktBufferList *"), plain names for values ("guint64"). */
static char *
c_type_name_buf (GType type)
{
  if (type == G_TYPE_STRING)
    return g_strdup ("gchar *");
  if (G_TYPE_IS_BOXED (type) || G_TYPE_IS_OBJECT (type) || G_TYPE_IS_INTERFACE (type)
      || type == G_TYPE_POINTER || G_TYPE_FUNDAMENTAL (type) == G_TYPE_PARAM)
    return g_strdup_printf ("%s *", g_type_name (type));
  return g_strdup (g_type_name (type));
}

static const char *
c_type_name (GType type)
{
  /* interned: a handful of distinct types per run */
  g_autofree char *s = c_type_name_buf (type);
  return g_intern_string (s);
}

/* Signals of the element's class and its pktpipe base classes (not GObject's
 * "notify"), each as a C prototype. */
static GPtrArray *
get_signal_prototypes (GType type)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (GType t = type; t && g_type_is_a (t, PKT_TYPE_ELEMENT); t = g_type_parent (t)) {
    guint n = 0;
    g_autofree guint *ids = g_signal_list_ids (t, &n);
    for (guint i = 0; i < n; i++) {
      GSignalQuery q;
      GString *s = g_string_new (NULL);
      g_signal_query (ids[i], &q);
      g_string_append_printf (s, "%s%s %s (%s *self",
                              (q.signal_flags & G_SIGNAL_ACTION) ? "action: " : "",
                              c_type_name (q.return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE),
                              q.signal_name, g_type_name (type));
      for (guint j = 0; j < q.n_params; j++) {
        const char *t = c_type_name (q.param_types[j] & ~G_SIGNAL_TYPE_STATIC_SCOPE);
        g_string_append_printf (s, ", %s%sarg%u", t, g_str_has_suffix (t, "*") ? "" : " ", j);
      }
      g_string_append (s, ", gpointer user_data)");
      g_ptr_array_add (out, g_string_free (s, FALSE));
    }
  }
  /* ids come in registration order, derived class first: stable from run to run */
  return out;
}

/* ---- pads ------------------------------------------------------------------------ */

static const char *
direction_name (PktPadDirection d)
{
  return d == PKT_PAD_SRC ? "src" : d == PKT_PAD_SINK ? "sink" : "?";
}

static const char *
presence_name (PktPadPresence p)
{
  return p == PKT_PAD_REQUEST ? "request" : "always";
}

/* ---- text output ------------------------------------------------------------------ */

static void
print_list (void)
{
  g_autoptr (GPtrArray) factories = get_sorted_factories ();
  int wname = 0, wclass = 0;
  const char *plugin = NULL;
  guint n_plugins = 0;

  for (guint i = 0; i < factories->len; i++) {
    PktElementFactory *f = g_ptr_array_index (factories, i);
    const char *c = pkt_element_factory_get_classification (f);
    wname = MAX (wname, (int)strlen (pkt_element_factory_get_name (f)));
    wclass = MAX (wclass, (int)g_utf8_strlen (c ? c : "", -1));
  }
  for (guint i = 0; i < factories->len; i++) {
    PktElementFactory *f = g_ptr_array_index (factories, i);
    const char *c = pkt_element_factory_get_classification (f);
    const char *d = pkt_element_factory_get_description (f);
    if (g_strcmp0 (plugin, plugin_of (f)) != 0) {
      plugin = plugin_of (f);
      g_print ("%s%s:\n", n_plugins++ ? "\n" : "", plugin);
    }
    g_print ("  %-*s  %-*s  %s\n", wname, pkt_element_factory_get_name (f), wclass, c ? c : "",
             d ? d : "");
  }
  g_print ("\n%u element%s in %u plugin%s\n", factories->len, factories->len == 1 ? "" : "s",
           n_plugins, n_plugins == 1 ? "" : "s");
}

static void
print_enum_values (GParamSpec *ps, const char *indent)
{
  GType f = G_TYPE_FUNDAMENTAL (ps->value_type);
  if (f == G_TYPE_ENUM) {
    g_autoptr (GEnumClass) klass = g_type_class_ref (ps->value_type);
    for (guint i = 0; i < klass->n_values; i++)
      g_print ("%s(%d) %-16s %s\n", indent, klass->values[i].value, klass->values[i].value_nick,
               klass->values[i].value_name);
  } else if (f == G_TYPE_FLAGS) {
    g_autoptr (GFlagsClass) klass = g_type_class_ref (ps->value_type);
    for (guint i = 0; i < klass->n_values; i++)
      g_print ("%s(0x%08x) %-16s %s\n", indent, klass->values[i].value, klass->values[i].value_nick,
               klass->values[i].value_name);
  }
}

/* "  NAME  text…", the text folded at word boundaries to stay within 100
 * columns, continuation lines indented under the text. */
static void
print_wrapped (const char *name, const char *text)
{
  const int indent = 23, width = 100 - indent;
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  int col = 0;
  g_print ("  %-20s ", name);
  for (char **w = words; *w; w++) {
    int len = (int)g_utf8_strlen (*w, -1);
    if (col > 0 && col + 1 + len > width) {
      g_print ("\n%*s", indent, "");
      col = 0;
    } else if (col > 0) {
      g_print (" ");
      col++;
    }
    g_print ("%s", *w);
    col += len;
  }
  g_print ("\n");
}

static void
print_property (GParamSpec *ps, gboolean stat)
{
  g_autofree char *type = describe_type (ps);
  g_autofree char *range = describe_range (ps);
  g_autofree char *def = describe_default (ps);
  g_autofree char *flags = describe_flags (ps);
  const char *blurb = g_param_spec_get_blurb (ps);

  print_wrapped (ps->name, blurb ? blurb : "");
  g_print ("  %-20s type: %s", "", type);
  if (range && !stat) /* a counter's range is its type's: noise */
    g_print (", range: %s", range);
  if (!stat)
    g_print (", default: %s", def);
  g_print ("\n");
  g_print ("  %-20s flags: %s\n", "", flags);
  if (!stat)
    g_print ("  %-20s writable: %s\n", "", describe_writable (ps));
  print_enum_values (ps, "                         ");
}

static void
print_element (PktElementFactory *f)
{
  GType type = pkt_element_factory_get_element_type (f);
  g_autoptr (GTypeClass) klass = g_type_class_ref (type);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  GPtrArray *templates = pkt_element_class_get_pad_templates (eclass);
  g_autoptr (GPtrArray) props = get_sorted_pspecs (G_OBJECT_CLASS (klass), FALSE);
  g_autoptr (GPtrArray) stats = get_sorted_pspecs (G_OBJECT_CLASS (klass), TRUE);
  g_autoptr (GPtrArray) signals = get_signal_prototypes (type);
  const char *ln = pkt_element_class_get_long_name (eclass);

  g_print ("Factory details:\n");
  g_print ("  %-16s %s\n", "Name", pkt_element_factory_get_name (f));
  g_print ("  %-16s %s\n", "Long name", ln ? ln : "");
  g_print ("  %-16s %s\n", "Classification", pkt_element_factory_get_classification (f));
  g_print ("  %-16s %s\n", "Description", pkt_element_factory_get_description (f));
  g_print ("  %-16s %u\n", "Rank", pkt_element_factory_get_rank (f));
  g_print ("  %-16s %s\n", "Plugin", plugin_of (f));
  g_print ("  %-16s %s\n", "Type", g_type_name (type));
  g_print ("\nType hierarchy:\n  ");
  for (GType t = type; t; t = g_type_parent (t))
    g_print ("%s%s", g_type_name (t), g_type_parent (t) ? " <- " : "\n");

  g_print ("\nPad templates:\n");
  if (!templates || templates->len == 0)
    g_print ("  none\n");
  for (guint i = 0; templates && i < templates->len; i++) {
    const PktPadTemplate *t = g_ptr_array_index (templates, i);
    g_print ("  %-12s %-5s %-8s %s\n", t->name_template, direction_name (t->direction),
             pkt_pad_kind_get_name (t->kind), presence_name (t->presence));
  }

  g_print ("\nProperties:\n");
  for (guint i = 0; i < props->len; i++)
    print_property (g_ptr_array_index (props, i), FALSE);

  g_print ("\nStatistics (read-only counters):\n");
  if (stats->len == 0)
    g_print ("  none\n");
  for (guint i = 0; i < stats->len; i++)
    print_property (g_ptr_array_index (stats, i), TRUE);

  g_print ("\nSignals:\n");
  if (signals->len == 0)
    g_print ("  none\n");
  for (guint i = 0; i < signals->len; i++)
    g_print ("  %s\n", (char *)g_ptr_array_index (signals, i));
}

/* ---- Markdown ------------------------------------------------------------------------ */

/* Table cells must not break the table: escape '|' and fold newlines. */
static char *
md_cell (const char *s)
{
  GString *out = g_string_new (NULL);
  for (const char *p = s ? s : ""; *p; p++) {
    if (*p == '|')
      g_string_append (out, "\\|");
    else if (*p == '\n')
      g_string_append_c (out, ' ');
    else
      g_string_append_c (out, *p);
  }
  return g_string_free (out, FALSE);
}

static void
md_enum_values (GString *md, GParamSpec *ps)
{
  GType f = G_TYPE_FUNDAMENTAL (ps->value_type);
  if (f == G_TYPE_ENUM) {
    g_autoptr (GEnumClass) klass = g_type_class_ref (ps->value_type);
    g_string_append_printf (md, "\nValues of `%s` (%s):\n\n", ps->name,
                            g_type_name (ps->value_type));
    for (guint i = 0; i < klass->n_values; i++) {
      g_autofree char *name = md_cell (klass->values[i].value_name);
      g_string_append_printf (md, "- `%s` (%d): %s\n", klass->values[i].value_nick,
                              klass->values[i].value, name);
    }
  } else if (f == G_TYPE_FLAGS) {
    g_autoptr (GFlagsClass) klass = g_type_class_ref (ps->value_type);
    g_string_append_printf (md, "\nFlags of `%s` (%s; join with `+`):\n\n", ps->name,
                            g_type_name (ps->value_type));
    for (guint i = 0; i < klass->n_values; i++) {
      g_autofree char *name = md_cell (klass->values[i].value_name);
      g_string_append_printf (md, "- `%s` (0x%x): %s\n", klass->values[i].value_nick,
                              klass->values[i].value, name);
    }
  }
}

static void
md_element (GString *md, PktElementFactory *f)
{
  GType type = pkt_element_factory_get_element_type (f);
  g_autoptr (GTypeClass) klass = g_type_class_ref (type);
  PktElementClass *eclass = PKT_ELEMENT_CLASS (klass);
  GPtrArray *templates = pkt_element_class_get_pad_templates (eclass);
  g_autoptr (GPtrArray) props = get_sorted_pspecs (G_OBJECT_CLASS (klass), FALSE);
  g_autoptr (GPtrArray) stats = get_sorted_pspecs (G_OBJECT_CLASS (klass), TRUE);
  g_autoptr (GPtrArray) signals = get_signal_prototypes (type);
  const char *ln = pkt_element_class_get_long_name (eclass);

  g_string_append_printf (md, "### %s\n\n", pkt_element_factory_get_name (f));
  g_string_append_printf (md, "%s\n\n", pkt_element_factory_get_description (f));
  g_string_append_printf (md, "- Long name: %s\n", ln ? ln : "");
  g_string_append_printf (md, "- Classification: `%s`\n",
                          pkt_element_factory_get_classification (f));
  g_string_append_printf (md, "- Rank: %u\n", pkt_element_factory_get_rank (f));
  g_string_append_printf (md, "- Type: `%s`\n\n", g_type_name (type));

  g_string_append (md, "Pads:\n\n");
  if (!templates || templates->len == 0) {
    g_string_append (md, "none\n\n");
  } else {
    g_string_append (md, "| Pad | Direction | Kind | Presence |\n|---|---|---|---|\n");
    for (guint i = 0; i < templates->len; i++) {
      const PktPadTemplate *t = g_ptr_array_index (templates, i);
      g_string_append_printf (md, "| `%s` | %s | %s | %s |\n", t->name_template,
                              direction_name (t->direction), pkt_pad_kind_get_name (t->kind),
                              presence_name (t->presence));
    }
    g_string_append_c (md, '\n');
  }

  g_string_append (md, "Properties:\n\n");
  g_string_append (md, "| Property | Type | Range | Default | Writable | Description |\n"
                       "|---|---|---|---|---|---|\n");
  for (guint i = 0; i < props->len; i++) {
    GParamSpec *ps = g_ptr_array_index (props, i);
    g_autofree char *t = describe_type (ps);
    g_autofree char *r = describe_range (ps);
    g_autofree char *d = describe_default (ps);
    g_autofree char *dc = md_cell (d);
    g_autofree char *b = md_cell (g_param_spec_get_blurb (ps));
    g_string_append_printf (md, "| `%s` | %s | %s | `%s` | %s | %s |\n", ps->name, t, r ? r : "",
                            dc, describe_writable (ps), b);
  }
  for (guint i = 0; i < props->len; i++)
    md_enum_values (md, g_ptr_array_index (props, i));
  g_string_append_c (md, '\n');

  if (stats->len) {
    g_string_append (md, "Statistics (read-only counters, printed by `pkt-launch --stats`):\n\n");
    g_string_append (md, "| Counter | Type | Description |\n|---|---|---|\n");
    for (guint i = 0; i < stats->len; i++) {
      GParamSpec *ps = g_ptr_array_index (stats, i);
      g_autofree char *t = describe_type (ps);
      g_autofree char *b = md_cell (g_param_spec_get_blurb (ps));
      g_string_append_printf (md, "| `%s` | %s | %s |\n", ps->name, t, b);
    }
    g_string_append_c (md, '\n');
  }

  if (signals->len) {
    g_string_append (md, "Signals:\n\n");
    for (guint i = 0; i < signals->len; i++)
      g_string_append_printf (md, "- `%s`\n", (char *)g_ptr_array_index (signals, i));
    g_string_append_c (md, '\n');
  }
}

/* One section per plugin, each opened by a marker comment, so that a build
 * without an optional plugin (no libxdp, say) can still check the sections it
 * has against the committed file. */
static char *
markdown_reference (void)
{
  g_autoptr (GPtrArray) factories = get_sorted_factories ();
  GString *md = g_string_new (NULL);

  g_string_append (md,
                   "# Element reference\n\n"
                   "<!-- Generated by `pkt-inspect --markdown`: do not edit. Regenerate with\n"
                   "     build/tools/pkt-inspect --markdown > docs/elements.md -->\n\n"
                   "Every element of every plugin, with its pads, properties (type, range,\n"
                   "default, when it may be changed) and counters. \"Writable in NULL or READY\n"
                   "only\" means the element reads the value when it goes to READY; values\n"
                   "marked \"in NULL, READY and PLAYING\" take effect while running.\n");

  for (guint i = 0; i < factories->len;) {
    const char *plugin = plugin_of (g_ptr_array_index (factories, i));
    guint end = i;
    while (end < factories->len
           && strcmp (plugin_of (g_ptr_array_index (factories, end)), plugin) == 0)
      end++;

    g_string_append_printf (md, "\n<!-- plugin: %s -->\n## Plugin `%s`\n\n", plugin, plugin);
    g_string_append (md, "| Element | Classification | Description |\n|---|---|---|\n");
    for (guint j = i; j < end; j++) {
      PktElementFactory *f = g_ptr_array_index (factories, j);
      g_autofree char *d = md_cell (pkt_element_factory_get_description (f));
      g_string_append_printf (md, "| [`%s`](#%s) | `%s` | %s |\n", pkt_element_factory_get_name (f),
                              pkt_element_factory_get_name (f),
                              pkt_element_factory_get_classification (f), d);
    }
    g_string_append_c (md, '\n');
    for (guint j = i; j < end; j++)
      md_element (md, g_ptr_array_index (factories, j));
    i = end;
  }
  return g_string_free (md, FALSE);
}

/* ---- main ------------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  gboolean markdown = FALSE;
  g_auto (GStrv) names = NULL;
  const GOptionEntry entries[]
      = { { "markdown", 0, 0, G_OPTION_ARG_NONE, &markdown,
            "Write the reference of every element as Markdown (docs/elements.md)", NULL },
          { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &names, NULL, "[ELEMENT]" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list and describe elements");
  g_autoptr (GError) error = NULL;
  int status = 0;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "Without ELEMENT, lists every element. With ELEMENT, "
                                     "describes its pads, properties and signals.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("pkt-inspect: %s\n", error->message);
    return 2;
  }
  if (!pkt_init_check (NULL, NULL, &error)) {
    g_printerr ("pkt-inspect: %s\n", error->message);
    return 1;
  }

  if (markdown) {
    g_autofree char *md = markdown_reference ();
    fputs (md, stdout);
    return 0;
  }
  if (!names || !names[0]) {
    print_list ();
    return 0;
  }
  for (char **n = names; *n; n++) {
    PktElementFactory *f = pkt_element_factory_find (*n);
    if (!f) {
      g_autofree char *suggestion = pkt_registry_suggest (*n);
      if (suggestion)
        g_printerr ("No such element \"%s\", did you mean \"%s\"?\n", *n, suggestion);
      else
        g_printerr ("No such element \"%s\" (pkt-inspect lists them all)\n", *n);
      status = 1;
      continue;
    }
    if (n != names)
      g_print ("\n");
    print_element (f);
  }
  return status;
}
