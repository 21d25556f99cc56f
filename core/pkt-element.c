/* pktpipe — the element base class: name, pads, state, messages.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-bin.h>
#include <string.h>

typedef struct {
  char *name;
  PktElement *parent; /* weak: the bin owns us */
  GList *pads;        /* PktPad*, owned */
  PktState state;
  guint flags;
  gint flushing;
  GHashTable *request_counters; /* template -> next index */
} PktElementPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PktElement, pkt_element, G_TYPE_INITIALLY_UNOWNED)

/* clang-format off */
G_DEFINE_QUARK (pkt-error-quark, pkt_error)
/* clang-format on */

enum { PROP_0, PROP_NAME, N_PROPS };
static GParamSpec *props[N_PROPS];

static gboolean
pkt_element_real_change_state (PktElement *self, PktStateChange transition, GError **error)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  if (transition == PKT_STATE_CHANGE_READY_TO_PLAYING)
    g_atomic_int_set (&priv->flushing, 0);
  return TRUE;
}

static void
pkt_element_dispose (GObject *object)
{
  PktElement *self = PKT_ELEMENT (object);
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  if (priv->state != PKT_STATE_NULL)
    pkt_element_set_state (self, PKT_STATE_NULL, NULL);
  while (priv->pads) {
    PktPad *pad = priv->pads->data;
    PktPad *peer = pkt_pad_get_peer (pad);
    if (peer) {
      if (pkt_pad_get_direction (pad) == PKT_PAD_SRC)
        pkt_pad_unlink (pad, peer);
      else
        pkt_pad_unlink (peer, pad);
    }
    _pkt_pad_set_parent (pad, NULL);
    priv->pads = g_list_delete_link (priv->pads, priv->pads);
    g_object_unref (pad);
  }
  G_OBJECT_CLASS (pkt_element_parent_class)->dispose (object);
}

static void
pkt_element_finalize (GObject *object)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (PKT_ELEMENT (object));
  g_free (priv->name);
  g_clear_pointer (&priv->request_counters, g_hash_table_unref);
  G_OBJECT_CLASS (pkt_element_parent_class)->finalize (object);
}

static void
pkt_element_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id) {
    case PROP_NAME:
      pkt_element_set_name (PKT_ELEMENT (object), g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_element_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id) {
    case PROP_NAME:
      g_value_set_string (value, pkt_element_get_name (PKT_ELEMENT (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
pkt_element_class_init (PktElementClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS (klass);
  oclass->dispose = pkt_element_dispose;
  oclass->finalize = pkt_element_finalize;
  oclass->set_property = pkt_element_set_property;
  oclass->get_property = pkt_element_get_property;
  klass->change_state = pkt_element_real_change_state;

  props[PROP_NAME]
      = g_param_spec_string ("name", "Name", "The element's name, unique in its pipeline", NULL,
                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oclass, N_PROPS, props);
}

static void
pkt_element_init (PktElement *self)
{
}

/* ---- class setup --------------------------------------------------------- */

/**
 * pkt_element_class_set_metadata: (skip)
 * @klass: the class
 * @long_name: a human name
 * @classification: `Source/Network`, `Filter/Decap`, `Sink/File`, …
 * @description: one line
 * @author: who wrote it
 */
void
pkt_element_class_set_metadata (PktElementClass *klass, const char *long_name,
                                const char *classification, const char *description,
                                const char *author)
{
  klass->long_name = long_name;
  klass->classification = classification;
  klass->description = description;
  klass->author = author;
}

/**
 * pkt_element_class_add_pad_template: (skip)
 * @klass: the class
 * @templ: a template in static storage
 */
void
pkt_element_class_add_pad_template (PktElementClass *klass, const PktPadTemplate *templ)
{
  /* subclasses inherit the parent's templates; a copy per class keeps them apart */
  PktElementClass *parent = g_type_class_peek_parent (klass);
  if (klass->pad_templates == NULL
      || (G_TYPE_IS_CLASSED (G_TYPE_FROM_CLASS (parent))
          && g_type_is_a (G_TYPE_FROM_CLASS (parent), PKT_TYPE_ELEMENT)
          && parent->pad_templates == klass->pad_templates)) {
    GPtrArray *copy = g_ptr_array_new ();
    if (klass->pad_templates)
      for (guint i = 0; i < klass->pad_templates->len; i++)
        g_ptr_array_add (copy, klass->pad_templates->pdata[i]);
    klass->pad_templates = copy;
  }
  /* a template with the same name replaces the inherited one */
  for (guint i = 0; i < klass->pad_templates->len; i++) {
    const PktPadTemplate *t = klass->pad_templates->pdata[i];
    if (strcmp (t->name_template, templ->name_template) == 0) {
      klass->pad_templates->pdata[i] = (gpointer)templ;
      return;
    }
  }
  g_ptr_array_add (klass->pad_templates, (gpointer)templ);
}

/**
 * pkt_element_class_get_pad_template: (skip)
 * @klass: the class
 * @name: a template name (`src_%u`)
 *
 * Returns: the template or NULL
 */
const PktPadTemplate *
pkt_element_class_get_pad_template (PktElementClass *klass, const char *name)
{
  if (!klass->pad_templates)
    return NULL;
  for (guint i = 0; i < klass->pad_templates->len; i++) {
    const PktPadTemplate *t = klass->pad_templates->pdata[i];
    if (strcmp (t->name_template, name) == 0)
      return t;
  }
  return NULL;
}

/**
 * pkt_element_class_get_pad_templates: (skip)
 * @klass: the class
 *
 * Returns: (nullable): the class's templates (PktPadTemplate*)
 */
GPtrArray *
pkt_element_class_get_pad_templates (PktElementClass *klass)
{
  return klass->pad_templates;
}

/**
 * pkt_element_class_get_description: (skip)
 * @klass: the class
 *
 * Returns: the one-line description
 */
const char *
pkt_element_class_get_description (PktElementClass *klass)
{
  return klass->description ? klass->description : "";
}

/**
 * pkt_element_class_get_classification: (skip)
 * @klass: the class
 *
 * Returns: the classification
 */
const char *
pkt_element_class_get_classification (PktElementClass *klass)
{
  return klass->classification ? klass->classification : "";
}

/**
 * pkt_element_class_get_long_name: (skip)
 * @klass: the class
 *
 * Returns: the long name
 */
const char *
pkt_element_class_get_long_name (PktElementClass *klass)
{
  return klass->long_name ? klass->long_name : "";
}

/* ---- instance ------------------------------------------------------------ */

/**
 * pkt_element_get_name:
 * @self: an element
 *
 * Returns: (nullable): its name
 */
const char *
pkt_element_get_name (PktElement *self)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  return priv->name;
}

/**
 * pkt_element_set_name:
 * @self: an element
 * @name: (nullable): the new name
 */
void
pkt_element_set_name (PktElement *self, const char *name)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  if (g_strcmp0 (priv->name, name) == 0)
    return;
  g_free (priv->name);
  priv->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

/**
 * pkt_element_get_parent:
 * @self: an element
 *
 * Returns: (transfer none) (nullable): the bin containing it
 */
PktElement *
pkt_element_get_parent (PktElement *self)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  return priv->parent;
}

void
_pkt_element_set_parent (PktElement *self, PktElement *parent)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  priv->parent = parent;
}

/**
 * pkt_element_get_state:
 * @self: an element
 *
 * Returns: the current state
 */
PktState
pkt_element_get_state (PktElement *self)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  return priv->state;
}

/**
 * pkt_element_get_flags:
 * @self: an element
 *
 * Returns: #PktElementFlags
 */
guint
pkt_element_get_flags (PktElement *self)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  return priv->flags;
}

/**
 * pkt_element_set_flags:
 * @self: an element
 * @flags: #PktElementFlags to add
 */
void
pkt_element_set_flags (PktElement *self, guint flags)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  priv->flags |= flags;
}

/**
 * pkt_element_is_flushing:
 * @self: an element
 *
 * Returns: TRUE while the element is leaving PLAYING; streaming code checks
 *   it per batch
 */
gboolean
pkt_element_is_flushing (PktElement *self)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  return g_atomic_int_get (&priv->flushing);
}

/**
 * pkt_state_get_name:
 * @state: a #PktState
 *
 * Returns: "NULL", "READY", "PLAYING", or "?" for anything else
 */
const char *
pkt_state_get_name (PktState state)
{
  switch (state) {
    case PKT_STATE_NULL:
      return "NULL";
    case PKT_STATE_READY:
      return "READY";
    case PKT_STATE_PLAYING:
      return "PLAYING";
  }
  return "?";
}

static gboolean
element_change_one (PktElement *self, PktState next, GError **error)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  PktElementClass *klass = PKT_ELEMENT_GET_CLASS (self);
  PktState old = priv->state;
  PktStateChange t = (PktStateChange)((old << 3) | next);
  /* flushing is set before children stop and cleared before they start, so
   * no element looks like it is stopping while its neighbours play */
  if (t == PKT_STATE_CHANGE_PLAYING_TO_READY)
    g_atomic_int_set (&priv->flushing, 1);
  else if (t == PKT_STATE_CHANGE_READY_TO_PLAYING)
    g_atomic_int_set (&priv->flushing, 0);
  g_autoptr (GError) local = NULL;
  if (!klass->change_state (self, t, &local)) {
    if (local == NULL)
      g_set_error (&local, PKT_ERROR, PKT_ERROR_STATE, "%s: could not change state from %s to %s",
                   priv->name ? priv->name : G_OBJECT_TYPE_NAME (self), pkt_state_get_name (old),
                   pkt_state_get_name (next));
    /* going down never fails: release is unconditional */
    if (next > old) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    g_warning ("%s: %s", priv->name, local->message);
  }
  priv->state = next;
  PktBus *bus = pkt_element_get_bus (self);
  if (bus) {
    GVariant *v = g_variant_new_parsed ("{'old': <%i>, 'new': <%i>}", (gint32)old, (gint32)next);
    pkt_bus_post (bus, pkt_message_new_payload (PKT_MESSAGE_STATE_CHANGED, self, v));
  }
  return TRUE;
}

/**
 * pkt_element_set_state:
 * @self: an element
 * @state: the target state
 * @error: why going up failed
 *
 * Walks one state at a time. Going up may fail (the element is then left
 * in the last state it reached); going down always succeeds.
 *
 * Returns: TRUE when @state was reached
 */
gboolean
pkt_element_set_state (PktElement *self, PktState state, GError **error)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  while (priv->state != state) {
    PktState next = state > priv->state ? priv->state + 1 : priv->state - 1;
    if (!element_change_one (self, next, error))
      return FALSE;
  }
  return TRUE;
}

/**
 * pkt_element_add_pad:
 * @self: an element
 * @pad: (transfer floating): a pad with a unique name
 */
void
pkt_element_add_pad (PktElement *self, PktPad *pad)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  g_object_ref_sink (pad);
  _pkt_pad_set_parent (pad, self);
  priv->pads = g_list_append (priv->pads, pad);
}

/**
 * pkt_element_remove_pad:
 * @self: an element
 * @pad: one of its pads
 */
void
pkt_element_remove_pad (PktElement *self, PktPad *pad)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  GList *l = g_list_find (priv->pads, pad);
  if (!l)
    return;
  PktPad *peer = pkt_pad_get_peer (pad);
  if (peer) {
    if (pkt_pad_get_direction (pad) == PKT_PAD_SRC)
      pkt_pad_unlink (pad, peer);
    else
      pkt_pad_unlink (peer, pad);
  }
  _pkt_pad_set_parent (pad, NULL);
  priv->pads = g_list_delete_link (priv->pads, l);
  g_object_unref (pad);
}

/**
 * pkt_element_get_static_pad:
 * @self: an element
 * @name: a pad name
 *
 * Returns: (transfer none) (nullable): the existing pad of that name
 */
PktPad *
pkt_element_get_static_pad (PktElement *self, const char *name)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  for (GList *l = priv->pads; l; l = l->next)
    if (strcmp (pkt_pad_get_name (l->data), name) == 0)
      return l->data;
  return NULL;
}

/**
 * pkt_element_get_pads:
 * @self: an element
 *
 * Returns: (transfer none) (element-type PktPad): the pads
 */
GList *
pkt_element_get_pads (PktElement *self)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  return priv->pads;
}

/* does @name match a template like "src_%u"? */
static gboolean
template_matches (const char *templ, const char *name)
{
  const char *pct = strstr (templ, "%u");
  if (!pct)
    return strcmp (templ, name) == 0;
  gsize prefix = pct - templ;
  if (strncmp (templ, name, prefix) != 0)
    return FALSE;
  const char *digits = name + prefix;
  if (!g_ascii_isdigit (*digits))
    return FALSE;
  while (g_ascii_isdigit (*digits))
    digits++;
  return strcmp (digits, pct + 2) == 0;
}

static PktPad *
request_from_template (PktElement *self, const PktPadTemplate *t, const char *name, GError **error)
{
  PktElementPrivate *priv = pkt_element_get_instance_private (self);
  PktElementClass *klass = PKT_ELEMENT_GET_CLASS (self);
  g_autofree char *generated = NULL;
  if (strstr (t->name_template, "%u") == NULL) {
    name = t->name_template; /* a single request pad such as flowtrack.flows */
    if (pkt_element_get_static_pad (self, name)) {
      g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s.%s is already requested", priv->name,
                   name);
      return NULL;
    }
  } else if (name == NULL || strcmp (name, t->name_template) == 0) {
    if (!priv->request_counters)
      priv->request_counters = g_hash_table_new (NULL, NULL);
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (priv->request_counters, t));
    const char *pct = strstr (t->name_template, "%u");
    do {
      g_free (generated);
      generated = g_strdup_printf ("%.*s%u%s", (int)(pct - t->name_template), t->name_template, n++,
                                   pct + 2);
    } while (pkt_element_get_static_pad (self, generated));
    g_hash_table_insert (priv->request_counters, (gpointer)t, GUINT_TO_POINTER (n));
    name = generated;
  } else if (pkt_element_get_static_pad (self, name)) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s already has a pad named %s", priv->name,
                 name);
    return NULL;
  }
  if (priv->state == PKT_STATE_PLAYING) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_STATE,
                 "%s: pads can be requested only before the pipeline plays", priv->name);
    return NULL;
  }
  if (!klass->request_new_pad) {
    g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s cannot create request pads", priv->name);
    return NULL;
  }
  return klass->request_new_pad (self, t, name, error);
}

/**
 * pkt_element_request_pad:
 * @self: an element
 * @name: a template name (`src_%u`, next free index) or a concrete name (`src_3`)
 * @error: why not
 *
 * Returns: (transfer none) (nullable): the new pad (owned by @self)
 */
PktPad *
pkt_element_request_pad (PktElement *self, const char *name, GError **error)
{
  GPtrArray *templs = PKT_ELEMENT_GET_CLASS (self)->pad_templates;
  for (guint i = 0; templs && i < templs->len; i++) {
    const PktPadTemplate *t = templs->pdata[i];
    if (t->presence == PKT_PAD_REQUEST && template_matches (t->name_template, name))
      return request_from_template (self, t, name, error);
    if (t->presence == PKT_PAD_REQUEST && strcmp (t->name_template, name) == 0)
      return request_from_template (self, t, NULL, error);
  }
  g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s has no pad template matching %s",
               pkt_element_get_name (self), name);
  return NULL;
}

static char *
pad_names (PktElement *self)
{
  GString *s = g_string_new (NULL);
  for (GList *l = pkt_element_get_pads (self); l; l = l->next)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", pkt_pad_get_name (l->data));
  GPtrArray *templs = PKT_ELEMENT_GET_CLASS (self)->pad_templates;
  for (guint i = 0; templs && i < templs->len; i++) {
    const PktPadTemplate *t = templs->pdata[i];
    if (t->presence == PKT_PAD_REQUEST)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", t->name_template);
  }
  return g_string_free (s, FALSE);
}

/**
 * pkt_element_get_pad:
 * @self: an element
 * @name: a pad name or template name
 * @error: names the valid pads when there is none such
 *
 * Returns an existing pad or requests one.
 *
 * Returns: (transfer none) (nullable): the pad
 */
PktPad *
pkt_element_get_pad (PktElement *self, const char *name, GError **error)
{
  PktPad *pad = pkt_element_get_static_pad (self, name);
  if (pad)
    return pad;
  GPtrArray *templs = PKT_ELEMENT_GET_CLASS (self)->pad_templates;
  for (guint i = 0; templs && i < templs->len; i++) {
    const PktPadTemplate *t = templs->pdata[i];
    if (t->presence == PKT_PAD_REQUEST
        && (template_matches (t->name_template, name) || strcmp (t->name_template, name) == 0))
      return pkt_element_request_pad (self, name, error);
  }
  g_autofree char *names = pad_names (self);
  g_set_error (error, PKT_ERROR, PKT_ERROR_SETTINGS, "%s has no pad %s (its pads: %s)",
               pkt_element_get_name (self), name, names[0] ? names : "none");
  return NULL;
}

/**
 * pkt_element_get_unlinked_pad:
 * @self: an element
 * @direction: src or sink
 * @kind: packets or records, or 0 for any
 * @error: why not
 *
 * The first unlinked always pad of that direction and kind, else a new
 * request pad from the first matching template.
 *
 * Returns: (transfer none) (nullable): the pad
 */
PktPad *
pkt_element_get_unlinked_pad (PktElement *self, PktPadDirection direction, PktPadKind kind,
                              GError **error)
{
  for (GList *l = pkt_element_get_pads (self); l; l = l->next) {
    PktPad *p = l->data;
    if (pkt_pad_get_direction (p) == direction && !pkt_pad_is_linked (p)
        && pkt_pad_get_presence (p) == PKT_PAD_ALWAYS
        && (kind == 0 || pkt_pad_get_kind (p) == kind))
      return p;
  }
  GPtrArray *templs = PKT_ELEMENT_GET_CLASS (self)->pad_templates;
  for (guint i = 0; templs && i < templs->len; i++) {
    const PktPadTemplate *t = templs->pdata[i];
    if (t->presence == PKT_PAD_REQUEST && t->direction == direction
        && (kind == 0 || t->kind == kind))
      return request_from_template (self, t, NULL, error);
  }
  g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED, "%s has no free %s pad%s%s",
               pkt_element_get_name (self), direction == PKT_PAD_SRC ? "src" : "sink",
               kind ? " carrying " : "", kind ? pkt_pad_kind_get_name (kind) : "");
  return NULL;
}

/**
 * pkt_element_link:
 * @src: upstream element
 * @sink: downstream element
 * @error: names both elements and pads when no link is possible
 *
 * Links the first free src pad of @src to the first free sink pad of @sink
 * of the same kind (requesting pads where templates allow).
 *
 * Returns: TRUE when linked
 */
gboolean
pkt_element_link (PktElement *src, PktElement *sink, GError **error)
{
  /* try the free always src pads, each against a sink pad of the same kind */
  PktPadKind kinds[] = { PKT_PAD_KIND_PACKETS, PKT_PAD_KIND_RECORDS };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    gboolean src_has = FALSE, sink_has = FALSE;
    for (GList *l = pkt_element_get_pads (src); l; l = l->next)
      if (pkt_pad_get_direction (l->data) == PKT_PAD_SRC && !pkt_pad_is_linked (l->data)
          && pkt_pad_get_kind (l->data) == kinds[k])
        src_has = TRUE;
    for (GList *l = pkt_element_get_pads (sink); l; l = l->next)
      if (pkt_pad_get_direction (l->data) == PKT_PAD_SINK && !pkt_pad_is_linked (l->data)
          && pkt_pad_get_kind (l->data) == kinds[k])
        sink_has = TRUE;
    GPtrArray *st = PKT_ELEMENT_GET_CLASS (src)->pad_templates;
    GPtrArray *kt = PKT_ELEMENT_GET_CLASS (sink)->pad_templates;
    for (guint i = 0; st && i < st->len; i++) {
      const PktPadTemplate *t = st->pdata[i];
      if (t->presence == PKT_PAD_REQUEST && t->direction == PKT_PAD_SRC && t->kind == kinds[k])
        src_has = TRUE;
    }
    for (guint i = 0; kt && i < kt->len; i++) {
      const PktPadTemplate *t = kt->pdata[i];
      if (t->presence == PKT_PAD_REQUEST && t->direction == PKT_PAD_SINK && t->kind == kinds[k])
        sink_has = TRUE;
    }
    if (!src_has || !sink_has)
      continue;
    PktPad *sp = pkt_element_get_unlinked_pad (src, PKT_PAD_SRC, kinds[k], error);
    if (!sp)
      return FALSE;
    PktPad *kp = pkt_element_get_unlinked_pad (sink, PKT_PAD_SINK, kinds[k], error);
    if (!kp)
      return FALSE;
    return pkt_pad_link (sp, kp, error);
  }
  /* explain: first free src pad and first free sink pad of any kind */
  PktPad *sp = pkt_element_get_unlinked_pad (src, PKT_PAD_SRC, 0, NULL);
  PktPad *kp = pkt_element_get_unlinked_pad (sink, PKT_PAD_SINK, 0, NULL);
  if (sp && kp)
    return pkt_pad_link (sp, kp, error);
  g_set_error (error, PKT_ERROR, PKT_ERROR_NOT_LINKED,
               "cannot link %s to %s: %s has no free %s pad", pkt_element_get_name (src),
               pkt_element_get_name (sink),
               sp ? pkt_element_get_name (sink) : pkt_element_get_name (src), sp ? "sink" : "src");
  return FALSE;
}

/**
 * pkt_element_link_pads:
 * @src: upstream element
 * @srcpad: (nullable): pad name, or NULL for the first free one
 * @sink: downstream element
 * @sinkpad: (nullable): pad name, or NULL for the first free one
 * @error: why not
 *
 * Returns: TRUE when linked
 */
gboolean
pkt_element_link_pads (PktElement *src, const char *srcpad, PktElement *sink, const char *sinkpad,
                       GError **error)
{
  if (!srcpad && !sinkpad)
    return pkt_element_link (src, sink, error);
  PktPad *sp = srcpad ? pkt_element_get_pad (src, srcpad, error) : NULL;
  if (srcpad && !sp)
    return FALSE;
  PktPad *kp = sinkpad ? pkt_element_get_pad (sink, sinkpad, error) : NULL;
  if (sinkpad && !kp)
    return FALSE;
  if (!sp)
    sp = pkt_element_get_unlinked_pad (src, PKT_PAD_SRC, pkt_pad_get_kind (kp), error);
  if (!kp)
    kp = pkt_element_get_unlinked_pad (sink, PKT_PAD_SINK, pkt_pad_get_kind (sp), error);
  if (!sp || !kp)
    return FALSE;
  return pkt_pad_link (sp, kp, error);
}

/**
 * pkt_element_get_pipeline:
 * @self: an element
 *
 * Returns: (transfer none) (nullable): the top-level pipeline containing it
 */
PktPipeline *
pkt_element_get_pipeline (PktElement *self)
{
  for (PktElement *e = self; e; e = pkt_element_get_parent (e))
    if (PKT_IS_PIPELINE (e))
      return PKT_PIPELINE (e);
  return NULL;
}

/**
 * pkt_element_get_bus:
 * @self: an element
 *
 * Returns: (transfer none) (nullable): the pipeline's bus
 */
PktBus *
pkt_element_get_bus (PktElement *self)
{
  PktPipeline *p = pkt_element_get_pipeline (self);
  return p ? pkt_pipeline_get_bus (p) : NULL;
}

/**
 * pkt_element_post_message:
 * @self: an element
 * @message: (transfer full): the message
 *
 * Posts on the pipeline's bus (dropped, with a debug line, when the element
 * is in no pipeline).
 */
void
pkt_element_post_message (PktElement *self, PktMessage *message)
{
  PktBus *bus = pkt_element_get_bus (self);
  if (!bus) {
    if (message->type & (PKT_MESSAGE_ERROR | PKT_MESSAGE_WARNING))
      g_printerr ("%s (%s, no pipeline): %s\n", pkt_message_type_get_name (message->type),
                  pkt_element_get_name (self), message->error ? message->error->message : "");
    pkt_message_unref (message);
    return;
  }
  pkt_bus_post (bus, message);
}

/**
 * pkt_element_post_error:
 * @self: the element at fault
 * @error: the error
 * @debug: (nullable): details
 */
void
pkt_element_post_error (PktElement *self, const GError *error, const char *debug)
{
  pkt_element_post_message (self, pkt_message_new_error (self, error, debug));
}

/**
 * pkt_element_post_warning:
 * @self: the element
 * @error: the problem
 * @debug: (nullable): details
 */
void
pkt_element_post_warning (PktElement *self, const GError *error, const char *debug)
{
  pkt_element_post_message (self, pkt_message_new_warning (self, error, debug));
}

/**
 * pkt_element_post_eos:
 * @self: a sink that received EOS
 *
 * Tells the pipeline; it posts EOS once every sink has.
 */
void
pkt_element_post_eos (PktElement *self)
{
  PktPipeline *p = pkt_element_get_pipeline (self);
  if (p)
    _pkt_pipeline_sink_eos (p, self);
}

/**
 * pkt_element_error: (skip)
 * @self: the element at fault
 * @code: a #PktError
 * @debug: (nullable): details
 * @format: message format; the element's name is prepended
 * @...: arguments
 */
void
pkt_element_error (PktElement *self, gint code, const char *debug, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autoptr (GError) err
      = g_error_new (PKT_ERROR, code, "%s: %s", pkt_element_get_name (self), msg);
  pkt_element_post_error (self, err, debug);
}

/**
 * pkt_element_warning: (skip)
 * @self: the element
 * @code: a #PktError
 * @debug: (nullable): details
 * @format: message format; the element's name is prepended
 * @...: arguments
 */
void
pkt_element_warning (PktElement *self, gint code, const char *debug, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autoptr (GError) err
      = g_error_new (PKT_ERROR, code, "%s: %s", pkt_element_get_name (self), msg);
  pkt_element_post_warning (self, err, debug);
}

/**
 * pkt_element_set_error: (skip)
 * @self: the element at fault
 * @error: where to store the error
 * @code: a #PktError
 * @format: message format; the element's name is prepended
 * @...: arguments
 */
void
pkt_element_set_error (PktElement *self, GError **error, gint code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, PKT_ERROR, code, "%s: %s", pkt_element_get_name (self), msg);
}

/**
 * pkt_element_forward_event:
 * @self: an element
 * @event: (transfer full): the event
 *
 * Pushes @event out of every src pad.
 *
 * Returns: TRUE if every linked src pad took it
 */
gboolean
pkt_element_forward_event (PktElement *self, PktEvent *event)
{
  gboolean ok = TRUE;
  for (GList *l = pkt_element_get_pads (self); l; l = l->next) {
    PktPad *p = l->data;
    if (pkt_pad_get_direction (p) == PKT_PAD_SRC && pkt_pad_is_linked (p))
      ok &= pkt_pad_push_event (p, pkt_event_ref (event));
  }
  pkt_event_unref (event);
  return ok;
}

/**
 * pkt_element_forward_batch: (skip)
 * @self: an element with one src pad of the batch's kind
 * @batch: (transfer full): the batch
 *
 * Returns: what downstream returned
 */
PktFlowReturn
pkt_element_forward_batch (PktElement *self, PktBatch *batch)
{
  for (GList *l = pkt_element_get_pads (self); l; l = l->next) {
    PktPad *p = l->data;
    if (pkt_pad_get_direction (p) == PKT_PAD_SRC)
      return pkt_pad_push (p, batch);
  }
  pkt_batch_unref (batch);
  return PKT_FLOW_NOT_LINKED;
}

/**
 * pkt_element_get_stats:
 * @self: an element
 *
 * Every %PKT_PARAM_STAT property (as uint64, int64 or double) plus what
 * the class adds in collect_stats.
 *
 * Returns: (transfer floating): an a{sv}
 */
GVariant *
pkt_element_get_stats (PktElement *self)
{
  GVariantDict dict;
  g_variant_dict_init (&dict, NULL);
  guint n;
  g_autofree GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self), &n);
  for (guint i = 0; i < n; i++) {
    GParamSpec *ps = specs[i];
    if (!(ps->flags & PKT_PARAM_STAT) || !(ps->flags & G_PARAM_READABLE))
      continue;
    g_auto (GValue) v = G_VALUE_INIT;
    g_value_init (&v, ps->value_type);
    g_object_get_property (G_OBJECT (self), ps->name, &v);
    GVariant *var = NULL;
    switch (G_TYPE_FUNDAMENTAL (ps->value_type)) {
      case G_TYPE_UINT64:
        var = g_variant_new_uint64 (g_value_get_uint64 (&v));
        break;
      case G_TYPE_UINT:
        var = g_variant_new_uint64 (g_value_get_uint (&v));
        break;
      case G_TYPE_ULONG:
        var = g_variant_new_uint64 (g_value_get_ulong (&v));
        break;
      case G_TYPE_INT64:
        var = g_variant_new_int64 (g_value_get_int64 (&v));
        break;
      case G_TYPE_INT:
        var = g_variant_new_int64 (g_value_get_int (&v));
        break;
      case G_TYPE_LONG:
        var = g_variant_new_int64 (g_value_get_long (&v));
        break;
      case G_TYPE_DOUBLE:
        var = g_variant_new_double (g_value_get_double (&v));
        break;
      case G_TYPE_FLOAT:
        var = g_variant_new_double (g_value_get_float (&v));
        break;
      default:
        break;
    }
    if (var)
      g_variant_dict_insert_value (&dict, ps->name, var);
  }
  PktElementClass *klass = PKT_ELEMENT_GET_CLASS (self);
  if (klass->collect_stats)
    klass->collect_stats (self, &dict);
  return g_variant_dict_end (&dict);
}
