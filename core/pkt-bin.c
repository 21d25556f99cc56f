/* pktpipe — bins: own elements, change their states in dependency order.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-bin.h>
#include <string.h>

typedef struct {
  GList *children; /* PktElement*, owned */
  GHashTable *name_counters;
} PktBinPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (PktBin, pkt_bin, PKT_TYPE_ELEMENT)

static gboolean pkt_bin_change_state (PktElement *element, PktStateChange t, GError **error);

static void
pkt_bin_dispose (GObject *object)
{
  PktBin *self = PKT_BIN (object);
  PktBinPrivate *priv = pkt_bin_get_instance_private (self);
  if (pkt_element_get_state (PKT_ELEMENT (self)) != PKT_STATE_NULL)
    pkt_element_set_state (PKT_ELEMENT (self), PKT_STATE_NULL, NULL);
  /* unlink everything first so no element finalizes with a dangling peer */
  for (GList *l = priv->children; l; l = l->next)
    for (GList *p = pkt_element_get_pads (l->data); p; p = p->next) {
      PktPad *pad = p->data, *peer = pkt_pad_get_peer (pad);
      if (peer && pkt_pad_get_direction (pad) == PKT_PAD_SRC)
        pkt_pad_unlink (pad, peer);
    }
  while (priv->children) {
    PktElement *child = priv->children->data;
    priv->children = g_list_delete_link (priv->children, priv->children);
    _pkt_element_set_parent (child, NULL);
    g_object_unref (child);
  }
  G_OBJECT_CLASS (pkt_bin_parent_class)->dispose (object);
}

static void
pkt_bin_finalize (GObject *object)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (PKT_BIN (object));
  g_clear_pointer (&priv->name_counters, g_hash_table_unref);
  G_OBJECT_CLASS (pkt_bin_parent_class)->finalize (object);
}

static void
pkt_bin_class_init (PktBinClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pkt_bin_dispose;
  G_OBJECT_CLASS (klass)->finalize = pkt_bin_finalize;
  PKT_ELEMENT_CLASS (klass)->change_state = pkt_bin_change_state;
  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Bin", "Generic/Bin",
                                  "A container of elements", "pktpipe");
}

static void
pkt_bin_init (PktBin *self)
{
}

/**
 * pkt_bin_new:
 * @name: (nullable): its name
 *
 * Returns: (transfer floating): a new bin
 */
PktElement *
pkt_bin_new (const char *name)
{
  return g_object_new (PKT_TYPE_BIN, "name", name, NULL);
}

/**
 * pkt_bin_make_unique_name:
 * @bin: a bin
 * @prefix: usually the factory name
 *
 * Returns: (transfer full): `prefix` + the first number not used in @bin
 */
char *
pkt_bin_make_unique_name (PktBin *bin, const char *prefix)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  if (!priv->name_counters)
    priv->name_counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (priv->name_counters, prefix));
  char *name = NULL;
  do {
    g_free (name);
    name = g_strdup_printf ("%s%u", prefix, n++);
  } while (pkt_bin_get_by_name (bin, name));
  g_hash_table_insert (priv->name_counters, g_strdup (prefix), GUINT_TO_POINTER (n));
  return name;
}

/**
 * pkt_bin_add:
 * @bin: a bin
 * @element: (transfer floating): an element with no parent
 * @error: when the name is taken
 *
 * Returns: TRUE when added (the bin then owns @element)
 */
gboolean
pkt_bin_add (PktBin *bin, PktElement *element, GError **error)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  g_object_ref_sink (element);
  const char *name = pkt_element_get_name (element);
  if (name == NULL) {
    g_autofree char *n = pkt_bin_make_unique_name (bin, "element");
    pkt_element_set_name (element, n);
  } else if (pkt_bin_get_by_name (bin, name)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s already contains an element named %s",
                 pkt_element_get_name (PKT_ELEMENT (bin)), name);
    g_object_unref (element);
    return FALSE;
  }
  if (pkt_element_get_parent (element)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s already has a parent", name);
    g_object_unref (element);
    return FALSE;
  }
  _pkt_element_set_parent (element, PKT_ELEMENT (bin));
  priv->children = g_list_append (priv->children, element);
  return TRUE;
}

/**
 * pkt_bin_remove:
 * @bin: a bin
 * @element: a child (in state NULL)
 *
 * Returns: TRUE when removed
 */
gboolean
pkt_bin_remove (PktBin *bin, PktElement *element)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  GList *l = g_list_find (priv->children, element);
  if (!l)
    return FALSE;
  pkt_element_set_state (element, PKT_STATE_NULL, NULL);
  priv->children = g_list_delete_link (priv->children, l);
  _pkt_element_set_parent (element, NULL);
  g_object_unref (element);
  return TRUE;
}

/**
 * pkt_bin_get_by_name:
 * @bin: a bin
 * @name: an element name
 *
 * Searches children and, recursively, child bins.
 *
 * Returns: (transfer none) (nullable): the element
 */
PktElement *
pkt_bin_get_by_name (PktBin *bin, const char *name)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  for (GList *l = priv->children; l; l = l->next)
    if (g_strcmp0 (pkt_element_get_name (l->data), name) == 0)
      return l->data;
  for (GList *l = priv->children; l; l = l->next)
    if (PKT_IS_BIN (l->data)) {
      PktElement *e = pkt_bin_get_by_name (l->data, name);
      if (e)
        return e;
    }
  return NULL;
}

/**
 * pkt_bin_get_children:
 * @bin: a bin
 *
 * Returns: (transfer none) (element-type PktElement): the children, in insertion order
 */
GList *
pkt_bin_get_children (PktBin *bin)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  return priv->children;
}

/**
 * pkt_bin_get_n_children:
 * @bin: a bin
 *
 * Returns: how many children
 */
guint
pkt_bin_get_n_children (PktBin *bin)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  return g_list_length (priv->children);
}

/**
 * pkt_bin_get_sorted:
 * @bin: a bin
 *
 * Children ordered upstream first (sources before what they feed); cycles
 * and unconnected elements keep insertion order.
 *
 * Returns: (transfer container) (element-type PktElement): the ordered list
 */
GList *
pkt_bin_get_sorted (PktBin *bin)
{
  PktBinPrivate *priv = pkt_bin_get_instance_private (bin);
  GHashTable *indeg = g_hash_table_new (NULL, NULL);
  for (GList *l = priv->children; l; l = l->next)
    g_hash_table_insert (indeg, l->data, GUINT_TO_POINTER (0));
  for (GList *l = priv->children; l; l = l->next)
    for (GList *p = pkt_element_get_pads (l->data); p; p = p->next) {
      PktPad *peer = pkt_pad_get_peer (p->data);
      if (pkt_pad_get_direction (p->data) != PKT_PAD_SRC || !peer)
        continue;
      PktElement *down = pkt_pad_get_parent_element (peer);
      if (g_hash_table_contains (indeg, down))
        g_hash_table_insert (
            indeg, down,
            GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (indeg, down)) + 1));
    }
  GList *out = NULL;
  GQueue ready = G_QUEUE_INIT;
  for (GList *l = priv->children; l; l = l->next)
    if (GPOINTER_TO_UINT (g_hash_table_lookup (indeg, l->data)) == 0)
      g_queue_push_tail (&ready, l->data);
  GHashTable *done = g_hash_table_new (NULL, NULL);
  while (!g_queue_is_empty (&ready)) {
    PktElement *e = g_queue_pop_head (&ready);
    out = g_list_prepend (out, e);
    g_hash_table_add (done, e);
    for (GList *p = pkt_element_get_pads (e); p; p = p->next) {
      PktPad *peer = pkt_pad_get_peer (p->data);
      if (pkt_pad_get_direction (p->data) != PKT_PAD_SRC || !peer)
        continue;
      PktElement *down = pkt_pad_get_parent_element (peer);
      if (!g_hash_table_contains (indeg, down))
        continue;
      guint d = GPOINTER_TO_UINT (g_hash_table_lookup (indeg, down)) - 1;
      g_hash_table_insert (indeg, down, GUINT_TO_POINTER (d));
      if (d == 0)
        g_queue_push_tail (&ready, down);
    }
  }
  for (GList *l = priv->children; l; l = l->next) /* cycles */
    if (!g_hash_table_contains (done, l->data))
      out = g_list_prepend (out, l->data);
  g_hash_table_unref (done);
  g_hash_table_unref (indeg);
  return g_list_reverse (out);
}

static gboolean
pkt_bin_change_state (PktElement *element, PktStateChange t, GError **error)
{
  PktBin *self = PKT_BIN (element);
  PktState target = t & 7;
  gboolean up = target > (PktState)(t >> 3);
  GList *order = pkt_bin_get_sorted (self);
  /* up: downstream first, so a source never pushes into an element that is
   * not ready; down: sources first, so nothing pushes into a stopped element */
  if (up)
    order = g_list_reverse (order);
  GList *changed = NULL;
  gboolean ok = TRUE;
  for (GList *l = order; l; l = l->next) {
    if (!pkt_element_set_state (l->data, target, error)) {
      ok = FALSE;
      break;
    }
    changed = g_list_prepend (changed, l->data);
  }
  if (!ok) {
    /* roll back: what was changed returns to where it was, in reverse */
    PktState back = (PktState)(t >> 3);
    for (GList *l = changed; l; l = l->next)
      pkt_element_set_state (l->data, back, NULL);
    for (GList *l = order; l; l = l->next)
      if (pkt_element_get_state (l->data) > back)
        pkt_element_set_state (l->data, back, NULL);
  }
  g_list_free (changed);
  g_list_free (order);
  if (!ok)
    return FALSE;
  return PKT_ELEMENT_CLASS (pkt_bin_parent_class)->change_state (element, t, error);
}
