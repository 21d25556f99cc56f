/* pktpipe — records and record lists, with a generic field visitor.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-record.h>
#include <arpa/inet.h>
#include <string.h>

G_DEFINE_BOXED_TYPE (PktRecord, pkt_record, pkt_record_ref, pkt_record_unref)

/**
 * pkt_addr_to_string:
 * @addr: an address
 *
 * Returns: (transfer full): dotted or colon notation, "-" when unset
 */
char *
pkt_addr_to_string (const PktAddr *addr)
{
  char buf[INET6_ADDRSTRLEN];
  if (addr->family == 4)
    return g_strdup (inet_ntop (AF_INET, addr->bytes, buf, sizeof buf));
  if (addr->family == 6)
    return g_strdup (inet_ntop (AF_INET6, addr->bytes, buf, sizeof buf));
  return g_strdup ("-");
}

/**
 * pkt_flow_format_uid: (skip)
 * @flow_id: a flow id (set by flowtrack on packets and records)
 * @buf: at least %PKT_UID_MAX bytes
 *
 * Writes a Zeek-like uid: 'C' and the flow id, scrambled, in base 62. Every
 * record about one flow (conn, dns, http, ssl) carries the same uid, as in
 * Zeek, so logs join on it.
 */
void
pkt_flow_format_uid (guint64 flow_id, char *buf)
{
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  char tmp[16];
  int n = 0;
  /* scramble so that consecutive ids do not look alike; bijective on 64 bits */
  guint64 x = flow_id * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  do {
    tmp[n++] = digits[x % 62];
    x /= 62;
  } while (x && n < PKT_UID_MAX - 2);
  buf[0] = 'C';
  for (int i = 0; i < n; i++)
    buf[1 + i] = tmp[n - 1 - i];
  buf[1 + n] = 0;
}

/**
 * pkt_record_new: (skip)
 * @type: the record type (static)
 *
 * Returns: (transfer full): a zeroed record of @type->size bytes
 */
PktRecord *
pkt_record_new (const PktRecordType *type)
{
  g_return_val_if_fail (type->size >= sizeof (PktRecord), NULL);
  PktRecord *r = g_malloc0 (type->size);
  r->refcount = 1;
  r->type = type;
  return r;
}

/**
 * pkt_record_ref:
 * @record: a record
 *
 * Returns: (transfer full): @record
 */
PktRecord *
pkt_record_ref (PktRecord *record)
{
  g_atomic_int_inc (&record->refcount);
  return record;
}

/**
 * pkt_record_unref:
 * @record: (transfer full): a record
 */
void
pkt_record_unref (PktRecord *record)
{
  if (g_atomic_int_dec_and_test (&record->refcount)) {
    if (record->type->clear)
      record->type->clear (record);
    g_free (record);
  }
}

/**
 * pkt_record_get_kind:
 * @record: a record
 *
 * Returns: the record type's name (`conn`, `dns`, …)
 */
const char *
pkt_record_get_kind (PktRecord *record)
{
  return record->type->name;
}

/**
 * pkt_record_get_field_value: (skip)
 * @record: a record
 * @desc: one of its type's fields
 * @out: (out caller-allocates): the value
 */
void
pkt_record_get_field_value (PktRecord *record, const PktFieldDesc *desc, PktFieldValue *out)
{
  const guint8 *base = (const guint8 *)record;
  const void *p = base + desc->offset;
  out->type = desc->type;
  out->is_set = desc->set_offset < 0 || *(const gboolean *)(base + desc->set_offset);
  switch (desc->type) {
    case PKT_FIELD_STRING:
      out->v.s = *(const char *const *)p;
      if (!out->v.s)
        out->is_set = FALSE;
      break;
    case PKT_FIELD_UINT:
      out->v.u = *(const guint64 *)p;
      break;
    case PKT_FIELD_INT:
    case PKT_FIELD_TIME:
    case PKT_FIELD_INTERVAL:
      out->v.i = *(const gint64 *)p;
      break;
    case PKT_FIELD_DOUBLE:
      out->v.d = *(const gdouble *)p;
      break;
    case PKT_FIELD_BOOL:
      out->v.b = *(const gboolean *)p;
      break;
    case PKT_FIELD_ADDR:
      out->v.addr = p;
      if (out->v.addr->family == 0)
        out->is_set = FALSE;
      break;
    case PKT_FIELD_PORT:
      out->v.u = *(const guint16 *)p;
      break;
    case PKT_FIELD_STRING_SET:
      out->v.strv = *(const char *const *const *)p;
      if (!out->v.strv)
        out->is_set = FALSE;
      break;
  }
}

/**
 * pkt_record_foreach_field: (skip)
 * @record: a record
 * @func: called per field, in table order
 * @user_data: user data
 */
void
pkt_record_foreach_field (PktRecord *record, PktRecordFieldFunc func, gpointer user_data)
{
  const PktRecordType *t = record->type;
  for (guint i = 0; i < t->n_fields; i++) {
    PktFieldValue v;
    pkt_record_get_field_value (record, &t->fields[i], &v);
    if (!func (record, &t->fields[i], &v, user_data))
      break;
  }
}

/**
 * pkt_record_list_field_names:
 * @record: a record
 *
 * Returns: (transfer full): the field names in order
 */
char **
pkt_record_list_field_names (PktRecord *record)
{
  const PktRecordType *t = record->type;
  char **names = g_new0 (char *, t->n_fields + 1);
  for (guint i = 0; i < t->n_fields; i++)
    names[i] = g_strdup (t->fields[i].name);
  return names;
}

/**
 * pkt_record_get_field:
 * @record: a record
 * @name: field name
 * @value: (out caller-allocates): receives the value (string, guint64,
 *   gint64, gdouble, gboolean; addresses as strings; string sets as GStrv)
 *
 * For bindings. Unset fields give FALSE and leave @value unset.
 *
 * Returns: TRUE if the field exists and is set
 */
gboolean
pkt_record_get_field (PktRecord *record, const char *name, GValue *value)
{
  const PktRecordType *t = record->type;
  for (guint i = 0; i < t->n_fields; i++) {
    if (strcmp (t->fields[i].name, name) != 0)
      continue;
    PktFieldValue v;
    pkt_record_get_field_value (record, &t->fields[i], &v);
    if (!v.is_set)
      return FALSE;
    switch (v.type) {
      case PKT_FIELD_STRING:
        g_value_init (value, G_TYPE_STRING);
        g_value_set_string (value, v.v.s);
        break;
      case PKT_FIELD_UINT:
      case PKT_FIELD_PORT:
        g_value_init (value, G_TYPE_UINT64);
        g_value_set_uint64 (value, v.v.u);
        break;
      case PKT_FIELD_INT:
      case PKT_FIELD_TIME:
      case PKT_FIELD_INTERVAL:
        g_value_init (value, G_TYPE_INT64);
        g_value_set_int64 (value, v.v.i);
        break;
      case PKT_FIELD_DOUBLE:
        g_value_init (value, G_TYPE_DOUBLE);
        g_value_set_double (value, v.v.d);
        break;
      case PKT_FIELD_BOOL:
        g_value_init (value, G_TYPE_BOOLEAN);
        g_value_set_boolean (value, v.v.b);
        break;
      case PKT_FIELD_ADDR:
        g_value_init (value, G_TYPE_STRING);
        g_value_take_string (value, pkt_addr_to_string (v.v.addr));
        break;
      case PKT_FIELD_STRING_SET:
        g_value_init (value, G_TYPE_STRV);
        g_value_set_boxed (value, v.v.strv);
        break;
    }
    return TRUE;
  }
  return FALSE;
}

static void
json_escape (GString *s, const char *str)
{
  g_string_append_c (s, '"');
  for (const guchar *p = (const guchar *)str; *p; p++) {
    switch (*p) {
      case '"':
        g_string_append (s, "\\\"");
        break;
      case '\\':
        g_string_append (s, "\\\\");
        break;
      case '\n':
        g_string_append (s, "\\n");
        break;
      case '\r':
        g_string_append (s, "\\r");
        break;
      case '\t':
        g_string_append (s, "\\t");
        break;
      default:
        if (*p < 0x20 || *p == 0x7f)
          g_string_append_printf (s, "\\u%04x", *p);
        else
          g_string_append_c (s, *p);
    }
  }
  g_string_append_c (s, '"');
}

static gboolean
json_field (PktRecord *record, const PktFieldDesc *desc, const PktFieldValue *v, gpointer data)
{
  GString *s = data;
  if (!v->is_set)
    return TRUE;
  if (s->len > 1)
    g_string_append_c (s, ',');
  json_escape (s, desc->name);
  g_string_append_c (s, ':');
  switch (v->type) {
    case PKT_FIELD_STRING:
      json_escape (s, v->v.s);
      break;
    case PKT_FIELD_UINT:
    case PKT_FIELD_PORT:
      g_string_append_printf (s, "%" G_GUINT64_FORMAT, v->v.u);
      break;
    case PKT_FIELD_INT:
      g_string_append_printf (s, "%" G_GINT64_FORMAT, v->v.i);
      break;
    case PKT_FIELD_TIME:
    case PKT_FIELD_INTERVAL:
      /* seconds with microseconds, as Zeek's JSON writer */
      g_string_append_printf (s, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, v->v.i / 1000000000,
                              (ABS (v->v.i) % 1000000000) / 1000);
      break;
    case PKT_FIELD_DOUBLE:
      g_string_append_printf (s, "%.6f", v->v.d);
      break;
    case PKT_FIELD_BOOL:
      g_string_append (s, v->v.b ? "true" : "false");
      break;
    case PKT_FIELD_ADDR: {
      g_autofree char *a = pkt_addr_to_string (v->v.addr);
      json_escape (s, a);
      break;
    }
    case PKT_FIELD_STRING_SET:
      g_string_append_c (s, '[');
      for (guint i = 0; v->v.strv[i]; i++) {
        if (i)
          g_string_append_c (s, ',');
        json_escape (s, v->v.strv[i]);
      }
      g_string_append_c (s, ']');
      break;
  }
  return TRUE;
}

/**
 * pkt_record_to_json:
 * @record: a record
 *
 * Returns: (transfer full): one JSON object (no newline), unset fields omitted
 */
char *
pkt_record_to_json (PktRecord *record)
{
  GString *s = g_string_new ("{");
  pkt_record_foreach_field (record, json_field, s);
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

/* ---- PktRecordList ------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (PktRecordList, pkt_record_list, pkt_record_list_ref, pkt_record_list_unref)

static void
record_list_dispose (PktBatch *batch)
{
  PktRecordList *list = (PktRecordList *)batch;
  for (guint i = 0; i < list->n_records; i++)
    pkt_record_unref (list->records[i]);
  g_free (list->records);
  g_free (list);
}

/**
 * pkt_record_list_new:
 * @capacity: initial slots (grows as needed)
 *
 * Returns: (transfer full): an empty list
 */
PktRecordList *
pkt_record_list_new (guint capacity)
{
  PktRecordList *list = g_new0 (PktRecordList, 1);
  list->batch.refcount = 1;
  list->batch.type = PKT_BATCH_RECORD_LIST;
  list->batch.dispose = record_list_dispose;
  list->capacity = MAX (capacity, 4);
  list->records = g_new (PktRecord *, list->capacity);
  return list;
}

/**
 * pkt_record_list_ref:
 * @list: a list
 *
 * Returns: (transfer full): @list
 */
PktRecordList *
pkt_record_list_ref (PktRecordList *list)
{
  g_atomic_int_inc (&list->batch.refcount);
  return list;
}

/**
 * pkt_record_list_unref:
 * @list: (transfer full): a list
 */
void
pkt_record_list_unref (PktRecordList *list)
{
  pkt_batch_unref (&list->batch);
}

/**
 * pkt_record_list_add:
 * @list: a list
 * @record: (transfer full): a record
 */
void
pkt_record_list_add (PktRecordList *list, PktRecord *record)
{
  if (list->n_records == list->capacity) {
    list->capacity *= 2;
    list->records = g_renew (PktRecord *, list->records, list->capacity);
  }
  list->records[list->n_records++] = record;
}

/**
 * pkt_record_list_get_length:
 * @list: a list
 *
 * Returns: the number of records
 */
guint
pkt_record_list_get_length (PktRecordList *list)
{
  return list->n_records;
}

/**
 * pkt_record_list_get:
 * @list: a list
 * @idx: index
 *
 * Returns: (transfer none): the record
 */
PktRecord *
pkt_record_list_get (PktRecordList *list, guint idx)
{
  g_return_val_if_fail (idx < list->n_records, NULL);
  return list->records[idx];
}
