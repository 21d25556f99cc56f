/* pktpipe — element factories, the registry and plugin loading.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include "pkt-config.h"
#include <pktpipe/pkt-bin.h>
#include <pktpipe/pkt-registry.h>
#include <gmodule.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

struct _PktPlugin {
  char *name;
  char *description;
  char *filename;
  GModule *module;
};

struct _PktElementFactory {
  GObject parent;
  char *name;
  GType type;
  guint rank;
  PktPlugin *plugin;
  gint instances; /* for default names: testsrc0, testsrc1 … */
};

G_DEFINE_FINAL_TYPE (PktElementFactory, pkt_element_factory, G_TYPE_OBJECT)

static GMutex registry_lock;
static GHashTable *factories; /* name -> PktElementFactory */
static GPtrArray *plugins;    /* PktPlugin* */
static PktPlugin core_plugin = { "core", "Elements built into libpktpipe", NULL, NULL };

static void
pkt_element_factory_finalize (GObject *object)
{
  g_free (PKT_ELEMENT_FACTORY (object)->name);
  G_OBJECT_CLASS (pkt_element_factory_parent_class)->finalize (object);
}

static void
pkt_element_factory_class_init (PktElementFactoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pkt_element_factory_finalize;
}

static void
pkt_element_factory_init (PktElementFactory *self)
{
}

static void
ensure_tables (void)
{
  if (!factories) {
    factories = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
    plugins = g_ptr_array_new ();
  }
}

/**
 * pkt_element_register:
 * @plugin: (nullable): the plugin (NULL: the core or the application)
 * @name: factory name used in pipeline descriptions
 * @rank: a #PktRank
 * @type: a #PktElement subtype
 *
 * Returns: FALSE if the name is taken by another type
 */
gboolean
pkt_element_register (PktPlugin *plugin, const char *name, guint rank, GType type)
{
  g_return_val_if_fail (g_type_is_a (type, PKT_TYPE_ELEMENT), FALSE);
  g_mutex_lock (&registry_lock);
  ensure_tables ();
  PktElementFactory *old = g_hash_table_lookup (factories, name);
  if (old) {
    gboolean same = old->type == type;
    g_mutex_unlock (&registry_lock);
    if (!same)
      g_warning ("element %s is registered twice (%s and %s)", name, g_type_name (old->type),
                 g_type_name (type));
    return same;
  }
  PktElementFactory *f = g_object_new (PKT_TYPE_ELEMENT_FACTORY, NULL);
  f->name = g_strdup (name);
  f->type = type;
  f->rank = rank;
  f->plugin = plugin ? plugin : &core_plugin;
  g_hash_table_insert (factories, f->name, f);
  g_mutex_unlock (&registry_lock);
  return TRUE;
}

/**
 * pkt_plugin_get_name: (skip)
 * @plugin: a plugin
 *
 * Returns: its name
 */
const char *
pkt_plugin_get_name (PktPlugin *plugin)
{
  return plugin->name;
}

/**
 * pkt_element_factory_find:
 * @factory_name: a name
 *
 * Returns: (transfer none) (nullable): the factory
 */
PktElementFactory *
pkt_element_factory_find (const char *factory_name)
{
  g_mutex_lock (&registry_lock);
  ensure_tables ();
  PktElementFactory *f = g_hash_table_lookup (factories, factory_name);
  g_mutex_unlock (&registry_lock);
  return f;
}

/**
 * pkt_element_factory_get_name:
 * @factory: a factory
 *
 * Returns: its name
 */
const char *
pkt_element_factory_get_name (PktElementFactory *factory)
{
  return factory->name;
}

/**
 * pkt_element_factory_get_element_type:
 * @factory: a factory
 *
 * Returns: the element's GType
 */
GType
pkt_element_factory_get_element_type (PktElementFactory *factory)
{
  return factory->type;
}

/**
 * pkt_element_factory_get_rank:
 * @factory: a factory
 *
 * Returns: its rank
 */
guint
pkt_element_factory_get_rank (PktElementFactory *factory)
{
  return factory->rank;
}

/**
 * pkt_element_factory_get_plugin_name:
 * @factory: a factory
 *
 * Returns: the plugin that registered it (`core` for built-ins)
 */
const char *
pkt_element_factory_get_plugin_name (PktElementFactory *factory)
{
  return factory->plugin->name;
}

/**
 * pkt_element_factory_get_description:
 * @factory: a factory
 *
 * Returns: the one-line description
 */
const char *
pkt_element_factory_get_description (PktElementFactory *factory)
{
  g_autoptr (GTypeClass) klass = g_type_class_ref (factory->type);
  return pkt_element_class_get_description ((PktElementClass *)klass);
}

/**
 * pkt_element_factory_get_classification:
 * @factory: a factory
 *
 * Returns: the classification
 */
const char *
pkt_element_factory_get_classification (PktElementFactory *factory)
{
  g_autoptr (GTypeClass) klass = g_type_class_ref (factory->type);
  return pkt_element_class_get_classification ((PktElementClass *)klass);
}

/**
 * pkt_element_factory_create:
 * @factory: a factory
 * @name: (nullable): the element's name; NULL gives factory name + a number
 *
 * Returns: (transfer floating): a new element
 */
PktElement *
pkt_element_factory_create (PktElementFactory *factory, const char *name)
{
  g_autofree char *gen = NULL;
  if (!name)
    name = gen = g_strdup_printf ("%s%d", factory->name, g_atomic_int_add (&factory->instances, 1));
  return g_object_new (factory->type, "name", name, NULL);
}

/**
 * pkt_element_factory_make:
 * @factory_name: a factory name
 * @name: (nullable): the element's name
 * @error: names the unknown factory and suggests a close one
 *
 * Returns: (transfer floating) (nullable): a new element
 */
PktElement *
pkt_element_factory_make (const char *factory_name, const char *name, GError **error)
{
  PktElementFactory *f = pkt_element_factory_find (factory_name);
  if (!f) {
    g_autofree char *sug = pkt_registry_suggest (factory_name);
    if (sug)
      g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_FOUND,
                   "no element \"%s\" (did you mean \"%s\"?)", factory_name, sug);
    else
      g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_FOUND,
                   "no element \"%s\" (pkt-inspect lists them)", factory_name);
    return NULL;
  }
  return pkt_element_factory_create (f, name);
}

static gint
compare_factories (gconstpointer a, gconstpointer b)
{
  return strcmp (((PktElementFactory *)a)->name, ((PktElementFactory *)b)->name);
}

/**
 * pkt_registry_get_factories:
 *
 * Returns: (transfer container) (element-type PktElementFactory): every factory, by name
 */
GList *
pkt_registry_get_factories (void)
{
  g_mutex_lock (&registry_lock);
  ensure_tables ();
  GList *l = g_hash_table_get_values (factories);
  g_mutex_unlock (&registry_lock);
  return g_list_sort (l, compare_factories);
}

static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *prev = g_new (guint, lb + 1);
  g_autofree guint *cur = g_new (guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    prev[j] = j;
  for (gsize i = 1; i <= la; i++) {
    cur[0] = i;
    for (gsize j = 1; j <= lb; j++) {
      guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
    }
    memcpy (prev, cur, (lb + 1) * sizeof (guint));
  }
  return prev[lb];
}

/**
 * pkt_registry_suggest:
 * @factory_name: an unknown name
 *
 * Returns: (transfer full) (nullable): the closest factory name, if close enough
 */
char *
pkt_registry_suggest (const char *factory_name)
{
  GList *all = pkt_registry_get_factories ();
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  for (GList *l = all; l; l = l->next) {
    const char *n = ((PktElementFactory *)l->data)->name;
    guint d = edit_distance (factory_name, n);
    /* a prefix or substring counts as close: "afpacket" → "afpacketsrc" */
    if (strstr (n, factory_name) && strlen (factory_name) >= 3)
      d = MIN (d, 1);
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  g_list_free (all);
  guint limit = MAX (2, strlen (factory_name) / 3);
  return best && best_d <= limit ? g_strdup (best) : NULL;
}

/**
 * pkt_registry_load_plugin:
 * @path: a module file
 * @error: why it could not be loaded
 *
 * Returns: TRUE when the plugin's elements were registered
 */
gboolean
pkt_registry_load_plugin (const char *path, GError **error)
{
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (!module) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_RESOURCE, "cannot load plugin %s: %s", path,
                 g_module_error ());
    return FALSE;
  }
  const PktPluginDesc *desc = NULL;
  if (!g_module_symbol (module, "pkt_plugin_desc", (gpointer *)&desc) || !desc) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_RESOURCE,
                 "%s is not a pktpipe plugin (no pkt_plugin_desc symbol)", path);
    g_module_close (module);
    return FALSE;
  }
  if (desc->major_version != PKT_VERSION_MAJOR) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_RESOURCE,
                 "plugin %s was built for pktpipe %d.x, this is %d.x", path, desc->major_version,
                 PKT_VERSION_MAJOR);
    g_module_close (module);
    return FALSE;
  }
  g_mutex_lock (&registry_lock);
  ensure_tables ();
  for (guint i = 0; i < plugins->len; i++) {
    PktPlugin *p = plugins->pdata[i];
    if (strcmp (p->name, desc->name) == 0) { /* same plugin found twice in the path */
      g_mutex_unlock (&registry_lock);
      g_module_close (module);
      return TRUE;
    }
  }
  PktPlugin *plugin = g_new0 (PktPlugin, 1);
  plugin->name = g_strdup (desc->name);
  plugin->description = g_strdup (desc->description);
  plugin->filename = g_strdup (path);
  plugin->module = module;
  g_ptr_array_add (plugins, plugin);
  g_mutex_unlock (&registry_lock);
  g_module_make_resident (module); /* GTypes registered by it must stay */
  return desc->init (plugin, error);
}

/**
 * pkt_registry_get_plugins:
 *
 * Returns: (transfer container) (element-type utf8): names of the loaded plugins
 */
GList *
pkt_registry_get_plugins (void)
{
  GList *l = NULL;
  g_mutex_lock (&registry_lock);
  ensure_tables ();
  for (guint i = 0; i < plugins->len; i++)
    l = g_list_append (l, ((PktPlugin *)plugins->pdata[i])->name);
  g_mutex_unlock (&registry_lock);
  return l;
}

static void
scan_dir (const char *dir, gboolean recurse)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (!d)
    return;
  const char *n;
  while ((n = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, n, NULL);
    if (recurse && g_file_test (path, G_FILE_TEST_IS_DIR)) {
      scan_dir (path, FALSE);
      continue;
    }
    if (!g_str_has_prefix (n, "libpkt") || !g_str_has_suffix (n, ".so"))
      continue;
    g_autoptr (GError) err = NULL;
    if (!pkt_registry_load_plugin (path, &err))
      g_printerr ("pktpipe: %s\n", err->message);
  }
}

/* The build tree's plugins are found when this library is the build tree's
 * own copy, so tools run from there without installing anything. */
static gboolean
running_from_build_tree (void)
{
  Dl_info info;
  if (!dladdr ((void *)pkt_registry_load_plugin, &info) || !info.dli_fname)
    return FALSE;
  g_autofree char *dir = g_path_get_dirname (info.dli_fname);
  g_autofree char *real = realpath (dir, NULL);
  g_autofree char *build = realpath (PKT_BUILD_LIBDIR, NULL);
  return real && build && strcmp (real, build) == 0;
}

void _pkt_registry_load_all (void);
void
_pkt_registry_load_all (void)
{
  const char *env = g_getenv ("PKT_PLUGIN_PATH");
  if (env) {
    g_auto (GStrv) dirs = g_strsplit (env, ":", -1);
    for (guint i = 0; dirs[i]; i++)
      if (dirs[i][0])
        scan_dir (dirs[i], TRUE);
  }
  if (running_from_build_tree ())
    scan_dir (PKT_BUILD_PLUGINDIR, TRUE);
  scan_dir (PKT_PLUGINDIR, FALSE);
}
