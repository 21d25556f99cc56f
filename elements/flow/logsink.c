/* pktpipe — logsink: writes records as Zeek TSV logs, JSON Lines or CSV.
 * Reads records only through the generic field visitor, so any record type
 * (conn, dns, http, ssl, …) is written without knowing its C struct.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

typedef enum {
  LOG_FORMAT_ZEEK = 0,
  LOG_FORMAT_JSON,
  LOG_FORMAT_CSV,
} LogFormat;

struct _PktLogSink {
  PktSink parent;

  LogFormat format;
  char *location;
  guint64 rotate_size;
  guint64 rotate_interval;

  guint64 stat_records;
  guint64 stat_bytes;
  guint64 stat_rotations;

  FILE *fp;
  gboolean is_stdout;
  const PktRecordType *header_type; /* type whose header was written last */
  guint64 file_bytes;
  gint64 file_opened_us;
  GString *line;
};

G_DECLARE_FINAL_TYPE (PktLogSink, pkt_log_sink, PKT, LOG_SINK, PktSink)
G_DEFINE_FINAL_TYPE (PktLogSink, pkt_log_sink, PKT_TYPE_SINK)

enum {
  PROP_0,
  PROP_FORMAT,
  PROP_LOCATION,
  PROP_ROTATE_SIZE,
  PROP_ROTATE_INTERVAL,
  PROP_RECORDS,
  PROP_BYTES,
  PROP_ROTATIONS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static GType
pkt_log_format_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type)) {
    static const GEnumValue values[] = {
      { LOG_FORMAT_ZEEK, "Zeek TSV with #fields/#types headers", "zeek" },
      { LOG_FORMAT_JSON, "JSON Lines with Zeek's field names", "json" },
      { LOG_FORMAT_CSV, "CSV with a header line", "csv" },
      { 0, NULL, NULL },
    };
    g_once_init_leave (&type, g_enum_register_static ("PktLogFormat", values));
  }
  return type;
}

/* ---------------------------------------------------------------- values */

static const char *
zeek_type_name (PktFieldType t)
{
  switch (t) {
    case PKT_FIELD_STRING:
      return "string";
    case PKT_FIELD_UINT:
      return "count";
    case PKT_FIELD_INT:
      return "int";
    case PKT_FIELD_DOUBLE:
      return "double";
    case PKT_FIELD_BOOL:
      return "bool";
    case PKT_FIELD_TIME:
      return "time";
    case PKT_FIELD_INTERVAL:
      return "interval";
    case PKT_FIELD_ADDR:
      return "addr";
    case PKT_FIELD_PORT:
      return "port";
    case PKT_FIELD_STRING_SET:
      return "set[string]";
  }
  return "string";
}

static void
append_seconds (GString *s, gint64 ns)
{
  /* Zeek prints times and intervals as seconds with 6 decimals */
  const char *sign = ns < 0 ? "-" : "";
  guint64 a = ns < 0 ? (guint64)-ns : (guint64)ns;
  g_string_append_printf (s, "%s%" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT, sign, a / 1000000000u,
                          (a % 1000000000u) / 1000u);
}

/* Zeek's ASCII writer escaping: the separators and non-printable bytes as
 * \xNN, an empty string as (empty), a lone "-" escaped so it is not unset. */
static void
append_zeek_string (GString *s, const char *str, gboolean in_set)
{
  if (!*str) {
    g_string_append (s, "(empty)");
    return;
  }
  if (strcmp (str, "-") == 0) {
    g_string_append (s, "\\x2d");
    return;
  }
  for (const guchar *p = (const guchar *)str; *p; p++) {
    if (*p == '\t' || *p == '\\' || *p < 0x20 || *p >= 0x7f || (in_set && *p == ','))
      g_string_append_printf (s, "\\x%02x", *p);
    else
      g_string_append_c (s, *p);
  }
}

static void
append_csv_string (GString *s, const char *str)
{
  if (!strpbrk (str, ",\"\r\n")) {
    g_string_append (s, str);
    return;
  }
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++) {
    if (*p == '"')
      g_string_append_c (s, '"');
    g_string_append_c (s, *p);
  }
  g_string_append_c (s, '"');
}

static void
append_value (GString *s, const PktFieldValue *v, LogFormat fmt)
{
  switch (v->type) {
    case PKT_FIELD_STRING:
      if (fmt == LOG_FORMAT_ZEEK)
        append_zeek_string (s, v->v.s, FALSE);
      else
        append_csv_string (s, v->v.s);
      break;
    case PKT_FIELD_UINT:
    case PKT_FIELD_PORT:
      g_string_append_printf (s, "%" G_GUINT64_FORMAT, v->v.u);
      break;
    case PKT_FIELD_INT:
      g_string_append_printf (s, "%" G_GINT64_FORMAT, v->v.i);
      break;
    case PKT_FIELD_DOUBLE:
      g_string_append_printf (s, "%.6f", v->v.d);
      break;
    case PKT_FIELD_BOOL:
      g_string_append (s,
                       fmt == LOG_FORMAT_ZEEK ? (v->v.b ? "T" : "F") : (v->v.b ? "true" : "false"));
      break;
    case PKT_FIELD_TIME:
    case PKT_FIELD_INTERVAL:
      append_seconds (s, v->v.i);
      break;
    case PKT_FIELD_ADDR: {
      g_autofree char *a = pkt_addr_to_string (v->v.addr);
      g_string_append (s, a);
      break;
    }
    case PKT_FIELD_STRING_SET: {
      if (!v->v.strv[0]) {
        g_string_append (s, fmt == LOG_FORMAT_ZEEK ? "(empty)" : "");
        break;
      }
      GString *tmp = fmt == LOG_FORMAT_CSV ? g_string_new (NULL) : s;
      for (guint i = 0; v->v.strv[i]; i++) {
        if (i)
          g_string_append_c (tmp, fmt == LOG_FORMAT_CSV ? ';' : ',');
        if (fmt == LOG_FORMAT_ZEEK)
          append_zeek_string (tmp, v->v.strv[i], TRUE);
        else
          g_string_append (tmp, v->v.strv[i]);
      }
      if (tmp != s) {
        append_csv_string (s, tmp->str);
        g_string_free (tmp, TRUE);
      }
      break;
    }
  }
}

typedef struct {
  GString *s;
  LogFormat fmt;
  guint n;
} RowCtx;

static gboolean
row_field (PktRecord *record, const PktFieldDesc *desc, const PktFieldValue *v, gpointer data)
{
  RowCtx *c = data;
  if (c->n++)
    g_string_append_c (c->s, c->fmt == LOG_FORMAT_ZEEK ? '\t' : ',');
  if (!v->is_set) {
    if (c->fmt == LOG_FORMAT_ZEEK)
      g_string_append_c (c->s, '-');
    return TRUE;
  }
  append_value (c->s, v, c->fmt);
  return TRUE;
}

/* ---------------------------------------------------------------- files */

static void
format_stamp (char *buf, gsize size, gint64 us)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  g_autofree char *s = g_date_time_format (dt, "%Y-%m-%d-%H-%M-%S");
  g_strlcpy (buf, s, size);
}

static gboolean
write_text (PktLogSink *self, const char *text, gsize len)
{
  if (fwrite (text, 1, len, self->fp) != len)
    return FALSE;
  self->file_bytes += len;
  PKT_STAT_ADD (self->stat_bytes, len);
  return TRUE;
}

static gboolean
write_header (PktLogSink *self, PktRecord *rec)
{
  const PktRecordType *t = rec->type;
  GString *h = g_string_new (NULL);
  if (self->format == LOG_FORMAT_ZEEK) {
    char stamp[32];
    format_stamp (stamp, sizeof stamp, g_get_real_time ());
    if (self->header_type)
      g_string_append_printf (h, "#close\t%s\n", stamp);
    g_string_append (h, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                        "#unset_field\t-\n");
    g_string_append_printf (h, "#path\t%s\n#open\t%s\n#fields", t->name, stamp);
    for (guint i = 0; i < t->n_fields; i++)
      g_string_append_printf (h, "\t%s", t->fields[i].name);
    g_string_append (h, "\n#types");
    for (guint i = 0; i < t->n_fields; i++)
      g_string_append_printf (h, "\t%s", zeek_type_name (t->fields[i].type));
    g_string_append_c (h, '\n');
  } else if (self->format == LOG_FORMAT_CSV) {
    for (guint i = 0; i < t->n_fields; i++)
      g_string_append_printf (h, "%s%s", i ? "," : "", t->fields[i].name);
    g_string_append_c (h, '\n');
  }
  self->header_type = t;
  gboolean ok = write_text (self, h->str, h->len);
  g_string_free (h, TRUE);
  return ok;
}

static void
write_footer (PktLogSink *self)
{
  if (self->format != LOG_FORMAT_ZEEK || !self->header_type || !self->fp)
    return;
  char stamp[32], buf[64];
  format_stamp (stamp, sizeof stamp, g_get_real_time ());
  int n = g_snprintf (buf, sizeof buf, "#close\t%s\n", stamp);
  write_text (self, buf, n);
}

static gboolean
open_file (PktLogSink *self, GError **error)
{
  self->header_type = NULL;
  self->file_bytes = 0;
  self->file_opened_us = g_get_real_time ();
  if (!self->location || strcmp (self->location, "-") == 0) {
    self->fp = stdout;
    self->is_stdout = TRUE;
    return TRUE;
  }
  self->fp = g_fopen (self->location, "w");
  if (!self->fp) {
    int e = errno;
    pkt_element_set_error (
        PKT_ELEMENT (self), error, e == ENOENT ? PKT_ERROR_NOT_FOUND : PKT_ERROR_RESOURCE,
        "location: cannot open '%s' for writing: %s", self->location, g_strerror (e));
    return FALSE;
  }
  return TRUE;
}

static void
close_file (PktLogSink *self)
{
  if (!self->fp)
    return;
  write_footer (self);
  if (self->is_stdout)
    fflush (self->fp);
  else
    fclose (self->fp);
  self->fp = NULL;
  self->is_stdout = FALSE;
}

/* Rotation renames the finished file to <location>.<open-time> and starts
 * a new one (Zeek names rotated logs after their open time too). */
static gboolean
rotate (PktLogSink *self)
{
  if (self->is_stdout)
    return TRUE;
  char stamp[32];
  format_stamp (stamp, sizeof stamp, self->file_opened_us);
  close_file (self);
  g_autofree char *dest = g_strdup_printf ("%s.%s", self->location, stamp);
  for (guint i = 1; g_file_test (dest, G_FILE_TEST_EXISTS) && i < 1000; i++) {
    g_free (dest);
    dest = g_strdup_printf ("%s.%s.%u", self->location, stamp, i);
  }
  if (g_rename (self->location, dest) != 0) {
    pkt_element_warning (PKT_ELEMENT (self), PKT_ERROR_WRITE, NULL,
                         "cannot rotate '%s' to '%s': %s", self->location, dest,
                         g_strerror (errno));
  }
  PKT_STAT_ADD (self->stat_rotations, 1);
  GError *err = NULL;
  if (!open_file (self, &err)) {
    pkt_element_post_error (PKT_ELEMENT (self), err, NULL);
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

/* ---------------------------------------------------------------- vfuncs */

static gboolean
pkt_log_sink_start (PktSink *sink, GError **error)
{
  PktLogSink *self = PKT_LOG_SINK (sink);
  if (self->location && *self->location == 0) {
    pkt_element_set_error (PKT_ELEMENT (self), error, PKT_ERROR_SETTINGS,
                           "location: empty (give a file name or '-')");
    return FALSE;
  }
  self->line = g_string_sized_new (512);
  g_object_set_data (G_OBJECT (self), "pkt-logsink-eos", NULL);
  return open_file (self, error);
}

static void
pkt_log_sink_stop (PktSink *sink)
{
  PktLogSink *self = PKT_LOG_SINK (sink);
  close_file (self);
  if (self->line)
    g_string_free (self->line, TRUE);
  self->line = NULL;
}

static PktFlowReturn
pkt_log_sink_render (PktSink *sink, PktBatch *batch)
{
  PktLogSink *self = PKT_LOG_SINK (sink);
  PktRecordList *list = (PktRecordList *)batch;
  if (!self->fp)
    return PKT_FLOW_ERROR;
  for (guint i = 0; i < list->n_records; i++) {
    PktRecord *rec = list->records[i];
    if ((self->rotate_size && self->file_bytes >= self->rotate_size)
        || (self->rotate_interval
            && (guint64)(g_get_real_time () - self->file_opened_us) * 1000
                   >= self->rotate_interval)) {
      if (!rotate (self))
        return PKT_FLOW_ERROR;
    }
    if (self->format != LOG_FORMAT_JSON && rec->type != self->header_type
        && !write_header (self, rec))
      goto write_failed;
    GString *s = self->line;
    g_string_truncate (s, 0);
    if (self->format == LOG_FORMAT_JSON) {
      g_autofree char *json = pkt_record_to_json (rec);
      g_string_append (s, json);
    } else {
      RowCtx c = { s, self->format, 0 };
      pkt_record_foreach_field (rec, row_field, &c);
    }
    g_string_append_c (s, '\n');
    if (!write_text (self, s->str, s->len))
      goto write_failed;
    PKT_STAT_ADD (self->stat_records, 1);
  }
  return PKT_FLOW_OK;

write_failed:
  pkt_element_error (PKT_ELEMENT (self), PKT_ERROR_WRITE, NULL, "cannot write to '%s': %s",
                     self->location ? self->location : "-", g_strerror (errno));
  return PKT_FLOW_ERROR;
}

static gboolean
pkt_log_sink_event (PktSink *sink, PktEvent *event)
{
  PktLogSink *self = PKT_LOG_SINK (sink);
  if (event->type == PKT_EVENT_EOS && self->fp)
    fflush (self->fp);
  pkt_event_unref (event);
  return TRUE;
}

/* ---------------------------------------------------------------- GObject */

static void
pkt_log_sink_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PktLogSink *self = PKT_LOG_SINK (object);
  switch (id) {
    case PROP_FORMAT:
      self->format = g_value_get_enum (value);
      break;
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_ROTATE_SIZE:
      self->rotate_size = g_value_get_uint64 (value);
      break;
    case PROP_ROTATE_INTERVAL:
      self->rotate_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_log_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PktLogSink *self = PKT_LOG_SINK (object);
  switch (id) {
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_ROTATE_SIZE:
      g_value_set_uint64 (value, self->rotate_size);
      break;
    case PROP_ROTATE_INTERVAL:
      g_value_set_uint64 (value, self->rotate_interval);
      break;
    case PROP_RECORDS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_records));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_bytes));
      break;
    case PROP_ROTATIONS:
      g_value_set_uint64 (value, PKT_STAT_GET (self->stat_rotations));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
pkt_log_sink_finalize (GObject *object)
{
  PktLogSink *self = PKT_LOG_SINK (object);
  close_file (self);
  if (self->line)
    g_string_free (self->line, TRUE);
  g_free (self->location);
  G_OBJECT_CLASS (pkt_log_sink_parent_class)->finalize (object);
}

static void
pkt_log_sink_class_init (PktLogSinkClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PktSinkClass *sc = PKT_SINK_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  GParamFlags stat = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT;

  oc->set_property = pkt_log_sink_set_property;
  oc->get_property = pkt_log_sink_get_property;
  oc->finalize = pkt_log_sink_finalize;
  pkt_sink_class_set_pad_kind (sc, PKT_PAD_KIND_RECORDS);
  sc->start = pkt_log_sink_start;
  sc->stop = pkt_log_sink_stop;
  sc->render = pkt_log_sink_render;
  sc->event = pkt_log_sink_event;

  props[PROP_FORMAT] = g_param_spec_enum ("format", "Format", "How records are written",
                                          pkt_log_format_get_type (), LOG_FORMAT_ZEEK, rw);
  props[PROP_LOCATION] = g_param_spec_string ("location", "Location",
                                              "File to write, or '-' for standard output", "-", rw);
  props[PROP_ROTATE_SIZE] = g_param_spec_uint64 (
      "rotate-size", "Rotate size", "Start a new file after this many bytes (0: never)", 0,
      G_MAXUINT64, 0, rw);
  props[PROP_ROTATE_INTERVAL] = g_param_spec_uint64 (
      "rotate-interval", "Rotate interval", "Start a new file after this much time (ns, 0: never)",
      0, G_MAXUINT64, 0, rw);
  props[PROP_RECORDS]
      = g_param_spec_uint64 ("records", "Records", "Records written", 0, G_MAXUINT64, 0, stat);
  props[PROP_BYTES]
      = g_param_spec_uint64 ("bytes", "Bytes", "Bytes written", 0, G_MAXUINT64, 0, stat);
  props[PROP_ROTATIONS]
      = g_param_spec_uint64 ("rotations", "Rotations", "Files rotated", 0, G_MAXUINT64, 0, stat);
  g_object_class_install_properties (oc, N_PROPS, props);

  pkt_element_class_set_metadata (PKT_ELEMENT_CLASS (klass), "Log sink", "Sink/File/Log",
                                  "Writes records as Zeek TSV logs, JSON Lines or CSV", "pktpipe");
}

static void
pkt_log_sink_init (PktLogSink *self)
{
  self->location = g_strdup ("-");
}
