/* pktpipe — element factories, the registry and plugin loading.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-element.h>

G_BEGIN_DECLS

#define PKT_TYPE_ELEMENT_FACTORY (pkt_element_factory_get_type ())
G_DECLARE_FINAL_TYPE (PktElementFactory, pkt_element_factory, PKT, ELEMENT_FACTORY, GObject)

/**
 * PktRank:
 * @PKT_RANK_NONE: never auto-selected
 * @PKT_RANK_MARGINAL: marginal
 * @PKT_RANK_SECONDARY: secondary
 * @PKT_RANK_PRIMARY: primary
 */
typedef enum {
  PKT_RANK_NONE = 0,
  PKT_RANK_MARGINAL = 64,
  PKT_RANK_SECONDARY = 128,
  PKT_RANK_PRIMARY = 256,
} PktRank;

const char *pkt_element_factory_get_name (PktElementFactory *factory);
GType pkt_element_factory_get_element_type (PktElementFactory *factory);
guint pkt_element_factory_get_rank (PktElementFactory *factory);
const char *pkt_element_factory_get_plugin_name (PktElementFactory *factory);
const char *pkt_element_factory_get_description (PktElementFactory *factory);
const char *pkt_element_factory_get_classification (PktElementFactory *factory);
PktElement *pkt_element_factory_create (PktElementFactory *factory, const char *name);

PktElementFactory *pkt_element_factory_find (const char *factory_name);
PktElement *pkt_element_factory_make (const char *factory_name, const char *name, GError **error);
GList *pkt_registry_get_factories (void);
char *pkt_registry_suggest (const char *factory_name);

/**
 * PktPlugin:
 *
 * Handle given to a plugin's init function.
 */
typedef struct _PktPlugin PktPlugin;

gboolean pkt_element_register (PktPlugin *plugin, const char *name, guint rank, GType type);
const char *pkt_plugin_get_name (PktPlugin *plugin);

/**
 * PktPluginDesc:
 * @major_version: %PKT_VERSION_MAJOR of the core it was built against
 * @minor_version: %PKT_VERSION_MINOR
 * @name: plugin name (its folder under elements/)
 * @description: one line
 * @init: registers the plugin's elements
 * @version: version string
 * @license: SPDX licence
 */
typedef struct {
  gint major_version;
  gint minor_version;
  const char *name;
  const char *description;
  gboolean (*init) (PktPlugin *plugin, GError **error);
  const char *version;
  const char *license;
} PktPluginDesc;

#define PKT_VERSION_MAJOR 1
#define PKT_VERSION_MINOR 0

/**
 * PKT_PLUGIN_DEFINE:
 * @name: plugin name (a C identifier)
 * @description: one line
 * @init: `gboolean init (PktPlugin *, GError **)`
 *
 * Every plugin module exports exactly one descriptor, `pkt_plugin_desc`.
 */
#define PKT_PLUGIN_DEFINE(name, description, init)                                                 \
  G_MODULE_EXPORT const PktPluginDesc pkt_plugin_desc                                              \
      = { PKT_VERSION_MAJOR, PKT_VERSION_MINOR,  #name, description, init,                         \
          PKT_VERSION,       "LGPL-2.1-or-later" }

GList *pkt_registry_get_plugins (void);
gboolean pkt_registry_load_plugin (const char *path, GError **error);

G_END_DECLS
