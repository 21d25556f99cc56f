/* pktpipe — pipeline descriptions: parse-launch.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The parser works in three passes so that a description either builds
 * completely or not at all, and so that every error can point at the exact
 * bytes of the ORIGINAL text:
 *
 *   1. expand: strip `#` comments and substitute `${var}`, producing the
 *      expanded text plus a byte map expanded → original span;
 *   2. parse: a small recursive-descent scanner turns the expanded text into
 *      chains of link nodes (factory + properties, or a `name.pad` reference);
 *   3. build: create every element (explicit names first, then default
 *      names factory+N), set properties, add them to a new pipeline, then link
 *      the chains left to right.
 *
 * Any failure unrefs the pipeline (and with it everything built so far).
 * docs/pipeline-syntax.md is the user-facing description of all this.
 */

#include <pktpipe/pktpipe.h>

#include <errno.h>
#include <math.h>
#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (pkt-parse-error-quark, pkt_parse_error)
/* clang-format on */

/* ------------------------------------------------------------------------ */
/* PktParseContext                                                          */

struct _PktParseContext {
  GHashTable *variables; /* char* → char* */
  gssize error_offset;   /* -1 = no error */
  gsize error_length;
};

G_DEFINE_BOXED_TYPE (PktParseContext, pkt_parse_context, pkt_parse_context_copy,
                     pkt_parse_context_free)

/**
 * pkt_parse_context_new:
 *
 * Returns: (transfer full): a new context without variables
 */
PktParseContext *
pkt_parse_context_new (void)
{
  PktParseContext *ctx = g_new0 (PktParseContext, 1);

  ctx->variables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ctx->error_offset = -1;
  return ctx;
}

/**
 * pkt_parse_context_copy:
 * @ctx: a context
 *
 * Returns: (transfer full): a deep copy of @ctx (variables and error position)
 */
PktParseContext *
pkt_parse_context_copy (const PktParseContext *ctx)
{
  PktParseContext *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (ctx != NULL, NULL);

  copy = pkt_parse_context_new ();
  g_hash_table_iter_init (&iter, ctx->variables);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->variables, g_strdup (key), g_strdup (value));
  copy->error_offset = ctx->error_offset;
  copy->error_length = ctx->error_length;
  return copy;
}

/**
 * pkt_parse_context_free:
 * @ctx: (nullable): a context
 */
void
pkt_parse_context_free (PktParseContext *ctx)
{
  if (ctx == NULL)
    return;
  g_hash_table_unref (ctx->variables);
  g_free (ctx);
}

/**
 * pkt_parse_context_set_variable:
 * @ctx: a context
 * @name: variable name (`${name}` in a description)
 * @value: (nullable): its value, or %NULL to remove it
 *
 * Substitution is textual: the value replaces `${name}` before the
 * description is tokenized.
 */
void
pkt_parse_context_set_variable (PktParseContext *ctx, const char *name, const char *value)
{
  g_return_if_fail (ctx != NULL);
  g_return_if_fail (name != NULL);

  if (value == NULL)
    g_hash_table_remove (ctx->variables, name);
  else
    g_hash_table_insert (ctx->variables, g_strdup (name), g_strdup (value));
}

/**
 * pkt_parse_context_get_error_offset:
 * @ctx: a context
 *
 * Returns: byte offset in the original description of the token at fault
 *   in the last failed parse, or -1 if the last parse succeeded
 */
gssize
pkt_parse_context_get_error_offset (PktParseContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, -1);
  return ctx->error_offset;
}

/**
 * pkt_parse_context_get_error_length:
 * @ctx: a context
 *
 * Returns: length in bytes of the token at fault (0 for "end of text")
 */
gsize
pkt_parse_context_get_error_length (PktParseContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, 0);
  return ctx->error_length;
}

/* ------------------------------------------------------------------------ */
/* Numbers, sizes and durations                                             */

typedef struct {
  const char *suffix;
  guint64 mult;
} PktUnit;

#define NS_PER_US G_GUINT64_CONSTANT (1000)
#define NS_PER_MS G_GUINT64_CONSTANT (1000000)
#define NS_PER_S  G_GUINT64_CONSTANT (1000000000)

/* k/M/G/T are decimal (SI, as network rates are), the -i forms binary. */
static const PktUnit size_units[] = {
  { "", 1 },
  { "B", 1 },
  { "k", 1000 },
  { "K", 1000 },
  { "kB", 1000 },
  { "KB", 1000 },
  { "M", 1000000 },
  { "MB", 1000000 },
  { "G", G_GUINT64_CONSTANT (1000000000) },
  { "GB", G_GUINT64_CONSTANT (1000000000) },
  { "T", G_GUINT64_CONSTANT (1000000000000) },
  { "TB", G_GUINT64_CONSTANT (1000000000000) },
  { "Ki", G_GUINT64_CONSTANT (1) << 10 },
  { "KiB", G_GUINT64_CONSTANT (1) << 10 },
  { "Mi", G_GUINT64_CONSTANT (1) << 20 },
  { "MiB", G_GUINT64_CONSTANT (1) << 20 },
  { "Gi", G_GUINT64_CONSTANT (1) << 30 },
  { "GiB", G_GUINT64_CONSTANT (1) << 30 },
  { "Ti", G_GUINT64_CONSTANT (1) << 40 },
  { "TiB", G_GUINT64_CONSTANT (1) << 40 },
  { NULL, 0 },
};

static const PktUnit time_units[] = {
  { "ns", 1 },         { "us", NS_PER_US }, { "\xc2\xb5s", NS_PER_US }, /* µs */
  { "ms", NS_PER_MS }, { "s", NS_PER_S },   { "min", 60 * NS_PER_S },   { "h", 3600 * NS_PER_S },
  { NULL, 0 },
};

static gboolean
unit_lookup (const PktUnit *table, const char *suffix, guint64 *mult)
{
  for (; table->suffix != NULL; table++) {
    if (strcmp (table->suffix, suffix) == 0) {
      *mult = table->mult;
      return TRUE;
    }
  }
  return FALSE;
}

/* A number as written: sign, integer part, decimal fraction, then a suffix.
 * Kept exact (no double) so that 1.5MiB or 0.25s are computed without
 * rounding. */
typedef struct {
  gboolean negative;
  guint64 ip;
  guint64 frac;
  guint nfrac;
  const char *suffix;
} PktNumber;

static gboolean
number_scan (const char *text, gboolean allow_sign, PktNumber *num)
{
  const char *p = text;
  gboolean hex = FALSE;

  memset (num, 0, sizeof *num);
  if (*p == '+' || (allow_sign && *p == '-')) {
    num->negative = (*p == '-');
    p++;
  }
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && g_ascii_isxdigit (p[2])) {
    hex = TRUE;
    p += 2;
  }
  if (!(hex ? g_ascii_isxdigit (*p) : g_ascii_isdigit (*p)))
    return FALSE;
  while (hex ? g_ascii_isxdigit (*p) : g_ascii_isdigit (*p)) {
    guint d = hex ? (guint)g_ascii_xdigit_value (*p) : (guint)(*p - '0');
    if (num->ip > (G_MAXUINT64 - d) / (hex ? 16 : 10))
      return FALSE;
    num->ip = num->ip * (hex ? 16 : 10) + d;
    p++;
  }
  if (!hex && *p == '.' && g_ascii_isdigit (p[1])) {
    p++;
    while (g_ascii_isdigit (*p)) {
      if (num->nfrac < 18) {
        num->frac = num->frac * 10 + (guint64)(*p - '0');
        num->nfrac++;
      } else if (*p != '0') {
        return FALSE; /* more precision than we can represent exactly */
      }
      p++;
    }
  }
  num->suffix = p;
  return TRUE;
}

/* ip.frac × mult / divisor, exactly; FALSE if not whole or too large.
 * 128-bit arithmetic with overflow checks: ip (< 2^64) × mult (< 2^42) ×
 * 10^nfrac (< 2^60) can exceed even 128 bits. */
static gboolean
number_scale (const PktNumber *num, guint64 mult, guint64 divisor, guint64 *out)
{
  unsigned __int128 pow10 = 1, whole, part, total, denom;
  guint i;

  for (i = 0; i < num->nfrac; i++)
    pow10 *= 10;
  if (__builtin_mul_overflow ((unsigned __int128)num->ip, (unsigned __int128)mult, &whole)
      || __builtin_mul_overflow (whole, pow10, &whole)
      || __builtin_mul_overflow ((unsigned __int128)num->frac, (unsigned __int128)mult, &part)
      || __builtin_add_overflow (whole, part, &total))
    return FALSE;
  denom = pow10 * divisor;
  if (total % denom != 0)
    return FALSE;
  total /= denom;
  if (total > G_MAXUINT64)
    return FALSE;
  *out = (guint64)total;
  return TRUE;
}

/**
 * pkt_parse_size:
 * @text: a size such as `4096`, `64k`, `1.5M`, `4MiB`, `0x1000`
 * @out: (out): the value
 *
 * k/K/kB, M/MB, G/GB, T/TB are decimal (×1000); Ki/KiB, Mi/MiB, Gi/GiB,
 * Ti/TiB are binary (×1024); B is bytes. A fraction is allowed when the
 * result is a whole number.
 *
 * Returns: TRUE if @text is a valid size
 */
gboolean
pkt_parse_size (const char *text, guint64 *out)
{
  PktNumber num;
  guint64 mult;

  g_return_val_if_fail (text != NULL, FALSE);

  if (!number_scan (text, FALSE, &num) || !unit_lookup (size_units, num.suffix, &mult))
    return FALSE;
  return number_scale (&num, mult, 1, out);
}

static gboolean
duration_parse (const char *text, gboolean require_unit, guint64 *out_ns)
{
  PktNumber num;
  guint64 mult;

  if (!number_scan (text, FALSE, &num))
    return FALSE;
  if (*num.suffix == '\0') {
    if (require_unit)
      return FALSE;
    mult = NS_PER_S;
  } else if (!unit_lookup (time_units, num.suffix, &mult)) {
    return FALSE;
  }
  return number_scale (&num, mult, 1, out_ns);
}

/**
 * pkt_parse_duration:
 * @text: a duration such as `30s`, `250ms`, `1.5s`, `1us`, `5min`, `1h`
 * @out_ns: (out): the duration in nanoseconds
 *
 * Units: ns, us (or µs), ms, s, min, h. A plain number means seconds (as
 * sleep(1) reads it).
 *
 * Returns: TRUE if @text is a valid non-negative duration that fits a gint64
 */
gboolean
pkt_parse_duration (const char *text, gint64 *out_ns)
{
  guint64 ns;

  g_return_val_if_fail (text != NULL, FALSE);

  if (!duration_parse (text, FALSE, &ns) || ns > G_MAXINT64)
    return FALSE;
  *out_ns = (gint64)ns;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Property values                                                          */

static gboolean
str_has_word_suffix (const char *s, const char *suffix)
{
  return g_str_has_suffix (s, suffix);
}

/* Does @blurb name @unit as a word ("in seconds" but not "milliseconds")? */
static gboolean
blurb_mentions (const char *blurb, const char *unit)
{
  const char *p = blurb;
  gsize n = strlen (unit);

  while ((p = strstr (p, unit)) != NULL) {
    gboolean start_ok = (p == blurb || !g_ascii_isalpha (p[-1]));
    gboolean end_ok = !g_ascii_isalpha (p[n]);
    if (start_ok && end_ok)
      return TRUE;
    p += n;
  }
  return FALSE;
}

/*
 * The unit, in nanoseconds, of a numeric property that holds a time, or 0
 * if the property is not a time. The rule (docs/pipeline-syntax.md):
 *   1. a name suffix: -ns, -us, -ms, -s/-sec/-secs/-seconds, -min;
 *   2. else the blurb names the unit (any case): "(ns)"/"nanoseconds",
 *      "(us)"/"microseconds", "(ms)"/"milliseconds", "(s)"/"seconds";
 *   3. else a 64-bit integer property named *timeout, *interval, *duration,
 *      *delay, *period or *-time holds nanoseconds (the GStreamer
 *      GstClockTime convention).
 */
static guint64
property_time_unit (GParamSpec *pspec)
{
  static const struct {
    const char *suffix;
    guint64 ns;
  } name_units[] = {
    { "-ns", 1 },
    { "-us", NS_PER_US },
    { "-usec", NS_PER_US },
    { "-ms", NS_PER_MS },
    { "-msec", NS_PER_MS },
    { "-s", NS_PER_S },
    { "-sec", NS_PER_S },
    { "-secs", NS_PER_S },
    { "-seconds", NS_PER_S },
    { "-min", 60 * NS_PER_S },
  };
  static const struct {
    const char *word;
    guint64 ns;
  } blurb_units[] = {
    { "(ns)", 1 },
    { "nanoseconds", 1 },
    { "(us)", NS_PER_US },
    { "(\xc2\xb5s)", NS_PER_US },
    { "microseconds", NS_PER_US },
    { "(ms)", NS_PER_MS },
    { "milliseconds", NS_PER_MS },
    { "(s)", NS_PER_S },
    { "seconds", NS_PER_S },
  };
  static const char *const ns_names[]
      = { "timeout", "interval", "duration", "delay", "period", "-time" };
  const char *name = g_param_spec_get_name (pspec);
  const char *blurb = g_param_spec_get_blurb (pspec);
  GType t = G_TYPE_FUNDAMENTAL (G_PARAM_SPEC_VALUE_TYPE (pspec));
  guint i;

  for (i = 0; i < G_N_ELEMENTS (name_units); i++)
    if (str_has_word_suffix (name, name_units[i].suffix))
      return name_units[i].ns;
  if (blurb != NULL) {
    char *lower = g_ascii_strdown (blurb, -1);
    guint64 found = 0;

    for (i = 0; i < G_N_ELEMENTS (blurb_units) && found == 0; i++)
      if (blurb_mentions (lower, blurb_units[i].word))
        found = blurb_units[i].ns;
    g_free (lower);
    if (found != 0)
      return found;
  }
  if (t == G_TYPE_INT64 || t == G_TYPE_UINT64) {
    for (i = 0; i < G_N_ELEMENTS (ns_names); i++)
      if (g_str_has_suffix (name, ns_names[i]))
        return 1;
  }
  return 0;
}

static const char *
time_unit_name (guint64 unit_ns)
{
  switch (unit_ns) {
    case 1:
      return "nanoseconds";
    case NS_PER_US:
      return "microseconds";
    case NS_PER_MS:
      return "milliseconds";
    case NS_PER_S:
      return "seconds";
    default:
      return "minutes";
  }
}

typedef struct {
  gboolean is_signed;
  gint64 smin, smax;
  guint64 umin, umax;
} PktIntRange;

static gboolean
int_range_get (GParamSpec *pspec, PktIntRange *r)
{
  memset (r, 0, sizeof *r);
  switch (G_TYPE_FUNDAMENTAL (G_PARAM_SPEC_VALUE_TYPE (pspec))) {
    case G_TYPE_CHAR:
      r->is_signed = TRUE;
      r->smin = G_PARAM_SPEC_CHAR (pspec)->minimum;
      r->smax = G_PARAM_SPEC_CHAR (pspec)->maximum;
      return TRUE;
    case G_TYPE_UCHAR:
      r->umin = G_PARAM_SPEC_UCHAR (pspec)->minimum;
      r->umax = G_PARAM_SPEC_UCHAR (pspec)->maximum;
      return TRUE;
    case G_TYPE_INT:
      r->is_signed = TRUE;
      r->smin = G_PARAM_SPEC_INT (pspec)->minimum;
      r->smax = G_PARAM_SPEC_INT (pspec)->maximum;
      return TRUE;
    case G_TYPE_UINT:
      r->umin = G_PARAM_SPEC_UINT (pspec)->minimum;
      r->umax = G_PARAM_SPEC_UINT (pspec)->maximum;
      return TRUE;
    case G_TYPE_LONG:
      r->is_signed = TRUE;
      r->smin = G_PARAM_SPEC_LONG (pspec)->minimum;
      r->smax = G_PARAM_SPEC_LONG (pspec)->maximum;
      return TRUE;
    case G_TYPE_ULONG:
      r->umin = G_PARAM_SPEC_ULONG (pspec)->minimum;
      r->umax = G_PARAM_SPEC_ULONG (pspec)->maximum;
      return TRUE;
    case G_TYPE_INT64:
      r->is_signed = TRUE;
      r->smin = G_PARAM_SPEC_INT64 (pspec)->minimum;
      r->smax = G_PARAM_SPEC_INT64 (pspec)->maximum;
      return TRUE;
    case G_TYPE_UINT64:
      r->umin = G_PARAM_SPEC_UINT64 (pspec)->minimum;
      r->umax = G_PARAM_SPEC_UINT64 (pspec)->maximum;
      return TRUE;
    default:
      return FALSE;
  }
}

static char *
int_expectation (GParamSpec *pspec, const PktIntRange *r, guint64 unit)
{
  char *range, *msg;

  if (r->is_signed)
    range = g_strdup_printf ("an integer in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, r->smin,
                             r->smax);
  else
    range = g_strdup_printf ("an unsigned integer in %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
                             r->umin, r->umax);
  if (unit != 0)
    msg = g_strdup_printf ("expected %s (%s) or a duration such as 250ms", range,
                           time_unit_name (unit));
  else
    msg = g_strdup_printf ("expected %s", range);
  g_free (range);
  return msg;
}

static void
int_value_store (GValue *out, GType type, gboolean negative, guint64 mag)
{
  gint64 s = negative ? (mag == (guint64)G_MAXINT64 + 1 ? G_MININT64 : -(gint64)mag) : (gint64)mag;

  g_value_init (out, type);
  switch (G_TYPE_FUNDAMENTAL (type)) {
    case G_TYPE_CHAR:
      g_value_set_schar (out, (gint8)s);
      break;
    case G_TYPE_UCHAR:
      g_value_set_uchar (out, (guchar)mag);
      break;
    case G_TYPE_INT:
      g_value_set_int (out, (gint)s);
      break;
    case G_TYPE_UINT:
      g_value_set_uint (out, (guint)mag);
      break;
    case G_TYPE_LONG:
      g_value_set_long (out, (glong)s);
      break;
    case G_TYPE_ULONG:
      g_value_set_ulong (out, (gulong)mag);
      break;
    case G_TYPE_INT64:
      g_value_set_int64 (out, s);
      break;
    default:
      g_value_set_uint64 (out, mag);
      break;
  }
}

/* Integers: plain, 0x hex, size suffixes (64k, 4MiB) and, for properties
 * with a time unit, durations converted to that unit. */
static char *
value_parse_int (GParamSpec *pspec, const char *text, GValue *out)
{
  PktIntRange r;
  PktNumber num;
  guint64 unit = property_time_unit (pspec), mult, mag;
  gboolean ok = FALSE, in_range;

  int_range_get (pspec, &r);
  if (number_scan (text, r.is_signed, &num)) {
    if (unit_lookup (size_units, num.suffix, &mult))
      ok = number_scale (&num, mult, 1, &mag);
    else if (unit_lookup (time_units, num.suffix, &mult)) {
      if (unit == 0)
        return g_strdup_printf (
            "property \"%s\" has no time unit, expected a plain integer instead of a duration",
            g_param_spec_get_name (pspec));
      ok = number_scale (&num, mult, unit, &mag);
      if (!ok)
        return g_strdup_printf ("expected a whole number of %s", time_unit_name (unit));
    }
  }
  if (!ok)
    return int_expectation (pspec, &r, unit);

  if (r.is_signed) {
    if (num.negative)
      in_range
          = mag <= (guint64)G_MAXINT64 + 1
            && (mag == (guint64)G_MAXINT64 + 1 ? r.smin == G_MININT64 : -(gint64)mag >= r.smin);
    else
      in_range = mag <= (guint64)G_MAXINT64 && (gint64)mag <= r.smax && (gint64)mag >= r.smin;
  } else {
    in_range = mag >= r.umin && mag <= r.umax;
  }
  if (!in_range)
    return int_expectation (pspec, &r, unit);

  int_value_store (out, G_PARAM_SPEC_VALUE_TYPE (pspec), num.negative, mag);
  return NULL;
}

static char *
double_expectation (double min, double max)
{
  if (min <= -G_MAXDOUBLE && max >= G_MAXDOUBLE)
    return g_strdup ("expected a number");
  return g_strdup_printf ("expected a number in %g..%g", min, max);
}

/* Doubles: a decimal number, optionally with a decimal size suffix (rates:
 * 1.5M) or, for properties with a time unit, a duration. */
static char *
value_parse_double (GParamSpec *pspec, const char *text, GValue *out)
{
  gboolean is_float = G_IS_PARAM_SPEC_FLOAT (pspec);
  double min
      = is_float ? G_PARAM_SPEC_FLOAT (pspec)->minimum : G_PARAM_SPEC_DOUBLE (pspec)->minimum;
  double max
      = is_float ? G_PARAM_SPEC_FLOAT (pspec)->maximum : G_PARAM_SPEC_DOUBLE (pspec)->maximum;
  guint64 unit = property_time_unit (pspec), mult;
  char *end = NULL;
  double d;

  if (is_float) {
    min = MAX (min, -G_MAXFLOAT);
    max = MIN (max, G_MAXFLOAT);
  }
  if (*text == '\0' || g_ascii_isspace (*text))
    return double_expectation (min, max);
  d = g_ascii_strtod (text, &end);
  if (end == text || isnan (d) || isinf (d))
    return double_expectation (min, max);
  if (*end != '\0') {
    if (unit_lookup (size_units, end, &mult))
      d *= (double)mult;
    else if (unit != 0 && unit_lookup (time_units, end, &mult))
      d = d * (double)mult / (double)unit;
    else
      return double_expectation (min, max);
  }
  if (d < min || d > max)
    return double_expectation (min, max);
  g_value_init (out, G_PARAM_SPEC_VALUE_TYPE (pspec));
  if (is_float)
    g_value_set_float (out, (float)d);
  else
    g_value_set_double (out, d);
  return NULL;
}

static char *
value_parse_boolean (const char *text, GValue *out)
{
  static const char *const yes[] = { "true", "yes", "on", "1" };
  static const char *const no[] = { "false", "no", "off", "0" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (yes); i++) {
    if (g_ascii_strcasecmp (text, yes[i]) == 0 || g_ascii_strcasecmp (text, no[i]) == 0) {
      g_value_init (out, G_TYPE_BOOLEAN);
      g_value_set_boolean (out, g_ascii_strcasecmp (text, yes[i]) == 0);
      return NULL;
    }
  }
  return g_strdup ("expected a boolean: true/false, yes/no, on/off or 1/0");
}

static gboolean
parse_plain_int (const char *text, gint64 *out)
{
  char *end = NULL;

  if (*text == '\0')
    return FALSE;
  errno = 0;
  *out = g_ascii_strtoll (text, &end, 0);
  return errno == 0 && end != text && *end == '\0';
}

static const GEnumValue *
enum_lookup (GEnumClass *klass, const char *text)
{
  const GEnumValue *v;
  gint64 n;
  guint i;

  if ((v = g_enum_get_value_by_nick (klass, text)) != NULL
      || (v = g_enum_get_value_by_name (klass, text)) != NULL)
    return v;
  for (i = 0; i < klass->n_values; i++)
    if (g_ascii_strcasecmp (klass->values[i].value_nick, text) == 0)
      return &klass->values[i];
  if (parse_plain_int (text, &n) && n >= G_MININT && n <= G_MAXINT)
    return g_enum_get_value (klass, (gint)n);
  return NULL;
}

static char *
value_parse_enum (GParamSpec *pspec, const char *text, GValue *out)
{
  GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
  const GEnumValue *v = enum_lookup (klass, text);
  GString *msg;
  guint i;

  if (v != NULL) {
    g_value_init (out, G_PARAM_SPEC_VALUE_TYPE (pspec));
    g_value_set_enum (out, v->value);
    return NULL;
  }
  msg = g_string_new ("expected one of: ");
  for (i = 0; i < klass->n_values; i++)
    g_string_append_printf (msg, "%s%s", i ? ", " : "", klass->values[i].value_nick);
  return g_string_free (msg, FALSE);
}

static char *
flags_expectation (GFlagsClass *klass, const char *bad)
{
  GString *msg = g_string_new (NULL);
  guint i;

  if (bad != NULL)
    g_string_append_printf (msg, "unknown flag \"%s\"; ", bad);
  g_string_append (msg, "expected flags from: ");
  for (i = 0; i < klass->n_values; i++)
    g_string_append_printf (msg, "%s%s", i ? ", " : "", klass->values[i].value_nick);
  g_string_append (msg, " joined with '+'");
  return g_string_free (msg, FALSE);
}

static char *
value_parse_flags (GParamSpec *pspec, const char *text, GValue *out)
{
  GFlagsClass *klass = G_PARAM_SPEC_FLAGS (pspec)->flags_class;
  char **parts;
  guint flags = 0, i;
  char *err = NULL;

  if (*text == '\0')
    return flags_expectation (klass, NULL);
  parts = g_strsplit (text, "+", -1);
  for (i = 0; parts[i] != NULL && err == NULL; i++) {
    const GFlagsValue *v;
    gint64 n;

    if ((v = g_flags_get_value_by_nick (klass, parts[i])) != NULL
        || (v = g_flags_get_value_by_name (klass, parts[i])) != NULL)
      flags |= v->value;
    else if (parse_plain_int (parts[i], &n) && n >= 0 && n <= G_MAXUINT
             && ((guint)n & ~klass->mask) == 0)
      flags |= (guint)n;
    else
      err = flags_expectation (klass, parts[i]);
  }
  g_strfreev (parts);
  if (err != NULL)
    return err;
  g_value_init (out, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_value_set_flags (out, flags);
  return NULL;
}

/* Returns NULL and fills @out, or returns the reason ("expected …"). */
static char *
value_parse_reason (GParamSpec *pspec, const char *text, GValue *out)
{
  GParamSpec *target = g_param_spec_get_redirect_target (pspec);
  GType type;
  PktIntRange r;

  /* an overridden property (GParamSpecOverride) carries no range: use the
   * property it overrides */
  if (target != NULL)
    pspec = target;
  type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  if (int_range_get (pspec, &r))
    return value_parse_int (pspec, text, out);

  switch (G_TYPE_FUNDAMENTAL (type)) {
    case G_TYPE_BOOLEAN:
      return value_parse_boolean (text, out);
    case G_TYPE_DOUBLE:
    case G_TYPE_FLOAT:
      return value_parse_double (pspec, text, out);
    case G_TYPE_STRING:
      g_value_init (out, type);
      g_value_set_string (out, text);
      return NULL;
    case G_TYPE_ENUM:
      return value_parse_enum (pspec, text, out);
    case G_TYPE_FLAGS:
      return value_parse_flags (pspec, text, out);
    default:
      break;
  }
  if (type == G_TYPE_STRV) {
    /* comma-separated list; an empty value is an empty list */
    char **v = *text ? g_strsplit (text, ",", -1) : g_new0 (char *, 1);
    g_value_init (out, G_TYPE_STRV);
    g_value_take_boxed (out, v);
    return NULL;
  }
  return g_strdup_printf ("properties of type %s cannot be set from a description",
                          g_type_name (type));
}

/* Values in messages: control characters shown as escapes, long ones cut. */
static char *
value_for_message (const char *text)
{
  GString *s = g_string_new (NULL);
  const char *p;

  /* stop at a character boundary so the message stays valid UTF-8 */
  for (p = text; *p != '\0' && (s->len < 64 || ((guchar)*p & 0xc0) == 0x80); p++) {
    if ((guchar)*p < 0x20 || *p == 0x7f)
      g_string_append_printf (s, "\\x%02x", (guchar)*p);
    else
      g_string_append_c (s, *p);
  }
  if (*p != '\0')
    g_string_append (s, "…");
  return g_string_free (s, FALSE);
}

/**
 * pkt_value_parse:
 * @pspec: the property
 * @text: its value as written in a description
 * @out: (out caller-allocates): an unset #GValue (G_VALUE_INIT); initialized
 *   to the property's type on success
 * @error: return location for a %PKT_PARSE_ERROR_BAD_VALUE error
 *
 * Converts @text as the pipeline parser does: integers with size suffixes
 * (and durations for properties with a time unit), booleans, doubles, enum
 * nicks, flags joined with '+', strings, string lists separated by ','.
 *
 * Returns: TRUE on success
 */
gboolean
pkt_value_parse (GParamSpec *pspec, const char *text, GValue *out, GError **error)
{
  char *reason, *shown;

  g_return_val_if_fail (G_IS_PARAM_SPEC (pspec), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL && !G_IS_VALUE (out), FALSE);

  reason = value_parse_reason (pspec, text, out);
  if (reason == NULL)
    return TRUE;
  shown = value_for_message (text);
  g_set_error (error, PKT_PARSE_ERROR, PKT_PARSE_ERROR_BAD_VALUE,
               "invalid value \"%s\" for property \"%s\": %s", shown, g_param_spec_get_name (pspec),
               reason);
  g_free (shown);
  g_free (reason);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Parser state and errors                                                  */

typedef struct {
  guint32 start, end;
} PktSpanMap;

/* a byte range of the expanded text */
typedef struct {
  gsize start, end;
} Span;

typedef struct {
  char *name;
  Span name_span;
  char *value;
  Span value_span;
} PropNode;

typedef struct {
  gboolean is_ref;
  char *word; /* factory name, or the reference as written */
  Span span;
  char *ref_name;      /* references */
  char *ref_pad;       /* NULL for `name.` */
  GPtrArray *props;    /* PropNode*, elements */
  gboolean has_bang;   /* linked from the previous link of its chain */
  Span bang;           /* that '!' */
  PktElement *element; /* resolved (borrowed: the pipeline owns it) */
  char *elem_name;
  Span elem_name_span; /* of the name=... value, if any */
} LinkNode;

typedef struct {
  const char *orig; /* as given */
  gsize orig_len;
  GString *text; /* after comments and ${var} */
  GArray *map;   /* PktSpanMap per byte of text */
  gsize pos;     /* scanner position in text */
  PktParseContext *ctx;
  GPtrArray *chains;   /* GPtrArray* of LinkNode* (owning) */
  GPtrArray *nodes;    /* every LinkNode in text order (borrowed) */
  GHashTable *by_name; /* element name → LinkNode* */
  PktElement *pipeline;
} Parser;

static void
prop_node_free (gpointer data)
{
  PropNode *p = data;

  g_free (p->name);
  g_free (p->value);
  g_free (p);
}

static void
link_node_free (gpointer data)
{
  LinkNode *n = data;

  g_free (n->word);
  g_free (n->ref_name);
  g_free (n->ref_pad);
  g_free (n->elem_name);
  if (n->props)
    g_ptr_array_unref (n->props);
  g_free (n);
}

/* The description on one line (newlines and tabs as spaces, invalid UTF-8
 * as '?') and the caret line under [start, start+len). Columns count
 * characters, not bytes, so the caret lines up under UTF-8 text. */
static void
append_caret_display (GString *msg, const char *orig, gsize orig_len, gsize start, gsize len)
{
  GString *caret = g_string_new (NULL);
  gsize i = 0;
  gboolean marked = FALSE;

  while (i < orig_len) {
    const char *p = orig + i;
    gunichar c = g_utf8_get_char_validated (p, (gssize)(orig_len - i));
    gsize clen;

    if (c == (gunichar)-1 || c == (gunichar)-2 || c == 0) {
      g_string_append_c (msg, '?');
      clen = 1;
    } else {
      clen = (gsize)(g_utf8_next_char (p) - p);
      if (c < 0x20 || c == 0x7f)
        g_string_append_c (msg, ' ');
      else
        g_string_append_len (msg, p, (gssize)clen);
    }
    if (i >= start && (i < start + len || (!marked && len == 0))) {
      g_string_append_c (caret, '^');
      marked = TRUE;
    } else if (i < start) {
      g_string_append_c (caret, ' ');
    }
    i += clen;
  }
  if (!marked)
    g_string_append_c (caret, '^'); /* end of text */
  g_string_append_c (msg, '\n');
  g_string_append (msg, caret->str);
  g_string_free (caret, TRUE);
}

G_GNUC_PRINTF (6, 0)
static void
fail_orig_valist (Parser *P, GError **error, PktParseError code, gsize start, gsize len,
                  const char *format, va_list args)
{
  GString *msg = g_string_new (NULL);

  if (start > P->orig_len)
    start = P->orig_len;
  if (len > P->orig_len - start)
    len = P->orig_len - start;
  if (P->ctx != NULL) {
    P->ctx->error_offset = (gssize)start;
    P->ctx->error_length = len;
  }
  g_string_append_vprintf (msg, format, args);
  if (!g_utf8_validate (msg->str, (gssize)msg->len, NULL)) {
    /* the reason quotes user text, which may be any bytes */
    char *valid = g_utf8_make_valid (msg->str, (gssize)msg->len);
    g_string_assign (msg, valid);
    g_free (valid);
  }
  g_string_append_c (msg, '\n');
  append_caret_display (msg, P->orig, P->orig_len, start, len);
  g_set_error_literal (error, PKT_PARSE_ERROR, (gint)code, msg->str);
  g_string_free (msg, TRUE);
}

/* error at a byte range of the ORIGINAL text */
G_GNUC_PRINTF (6, 7)
static void
fail_orig (Parser *P, GError **error, PktParseError code, gsize start, gsize len,
           const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fail_orig_valist (P, error, code, start, len, format, args);
  va_end (args);
}

/* error at a span of the EXPANDED text, mapped back to the original */
G_GNUC_PRINTF (5, 6)
static void
fail (Parser *P, GError **error, PktParseError code, Span span, const char *format, ...)
{
  va_list args;
  gsize start, end, n = P->text->len;

  if (span.start >= n) {
    start = end = P->orig_len;
  } else {
    start = g_array_index (P->map, PktSpanMap, span.start).start;
    end = span.end > span.start ? g_array_index (P->map, PktSpanMap, MIN (span.end, n) - 1).end
                                : start;
    if (end < start)
      end = start;
  }
  va_start (args, format);
  fail_orig_valist (P, error, code, start, end - start, format, args);
  va_end (args);
}

/* ------------------------------------------------------------------------ */
/* Pass 1: comments and ${var}                                              */

static void
emit (Parser *P, char c, gsize start, gsize end)
{
  PktSpanMap m = { (guint32)start, (guint32)end };

  g_string_append_c (P->text, c);
  g_array_append_val (P->map, m);
}

static gboolean
is_var_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-' || c == '.';
}

static gboolean
expand_variable (Parser *P, gsize *i, GError **error)
{
  const char *o = P->orig;
  gsize start = *i, j = start + 2;
  const char *value = NULL;
  char *name;

  while (j < P->orig_len && is_var_char (o[j]))
    j++;
  if (j >= P->orig_len || o[j] != '}') {
    fail_orig (P, error, PKT_PARSE_ERROR_SYNTAX, start, j - start,
               "unterminated variable reference: expected '}' after \"${%.*s\"",
               (int)(j - start - 2), o + start + 2);
    return FALSE;
  }
  if (j == start + 2) {
    fail_orig (P, error, PKT_PARSE_ERROR_SYNTAX, start, 3, "empty variable name in \"${}\"");
    return FALSE;
  }
  name = g_strndup (o + start + 2, j - start - 2);
  if (P->ctx != NULL)
    value = g_hash_table_lookup (P->ctx->variables, name);
  if (value == NULL) {
    fail_orig (P, error, PKT_PARSE_ERROR_UNDEFINED_VARIABLE, start, j + 1 - start,
               "undefined variable \"%s\" (define it, e.g. pkt-launch -D %s=VALUE)", name, name);
    g_free (name);
    return FALSE;
  }
  g_free (name);
  for (; *value != '\0'; value++)
    emit (P, *value, start, j + 1);
  *i = j + 1;
  return TRUE;
}

/* '#' starts a comment at the start of the text or after whitespace,
 * outside quotes; "\x" pairs are copied as they are (the scanner unescapes
 * them), so \# \$ and \" never start anything. */
static gboolean
expand (Parser *P, GError **error)
{
  const char *o = P->orig;
  gsize i = 0;
  char quote = 0;

  while (i < P->orig_len) {
    char c = o[i];

    if (c == '\\' && i + 1 < P->orig_len) {
      emit (P, c, i, i + 1);
      emit (P, o[i + 1], i + 1, i + 2);
      i += 2;
    } else if (c == '$' && i + 1 < P->orig_len && o[i + 1] == '{') {
      if (!expand_variable (P, &i, error))
        return FALSE;
    } else if (quote != 0) {
      if (c == quote)
        quote = 0;
      emit (P, c, i, i + 1);
      i++;
    } else if (c == '#' && (i == 0 || g_ascii_isspace (o[i - 1]))) {
      while (i < P->orig_len && o[i] != '\n')
        i++;
    } else {
      if (c == '\'' || c == '"')
        quote = c;
      emit (P, c, i, i + 1);
      i++;
    }
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Pass 2: the grammar                                                      */

static gboolean
at_end (Parser *P)
{
  return P->pos >= P->text->len;
}

static char
peek (Parser *P)
{
  return at_end (P) ? '\0' : P->text->str[P->pos];
}

static void
skip_space (Parser *P)
{
  while (!at_end (P) && g_ascii_isspace (peek (P)))
    P->pos++;
}

static gboolean
is_bare_escapable (char c)
{
  return g_ascii_isspace (c) || strchr ("!='\"#\\$", c) != NULL;
}

static gboolean
is_word_end (char c, gboolean stop_at_equals)
{
  return c == '\0' || g_ascii_isspace (c) || c == '!' || (stop_at_equals && c == '=');
}

static gboolean
read_quoted (Parser *P, GString *out, GError **error)
{
  const char *t = P->text->str;
  gsize start = P->pos;
  char q = t[P->pos++];

  for (;;) {
    char c;

    if (at_end (P)) {
      fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ start, P->text->len },
            "unterminated %s quote", q == '"' ? "double" : "single");
      return FALSE;
    }
    c = t[P->pos];
    if (c == q) {
      P->pos++;
      return TRUE;
    }
    if (c == '\\' && P->pos + 1 < P->text->len) {
      char e = t[P->pos + 1];
      switch (e) {
        case 'n':
          g_string_append_c (out, '\n');
          break;
        case 't':
          g_string_append_c (out, '\t');
          break;
        case 'r':
          g_string_append_c (out, '\r');
          break;
        case '\\':
        case '\'':
        case '"':
        case '$':
          g_string_append_c (out, e);
          break;
        default: /* kept: regular expressions and BPF filters use backslashes */
          g_string_append_c (out, '\\');
          g_string_append_c (out, e);
          break;
      }
      P->pos += 2;
      continue;
    }
    g_string_append_c (out, c);
    P->pos++;
  }
}

/* A word: bare characters, backslash escapes and quoted parts, concatenated
 * as a shell does (location=/tmp/"my file".pcap). */
static gboolean
read_word (Parser *P, gboolean stop_at_equals, char **out, Span *span, GError **error)
{
  GString *s = g_string_new (NULL);
  const char *t = P->text->str;

  span->start = P->pos;
  while (!is_word_end (peek (P), stop_at_equals)) {
    char c = t[P->pos];

    if (c == '\\' && P->pos + 1 < P->text->len && is_bare_escapable (t[P->pos + 1])) {
      g_string_append_c (s, t[P->pos + 1]);
      P->pos += 2;
    } else if (c == '\'' || c == '"') {
      if (!read_quoted (P, s, error)) {
        g_string_free (s, TRUE);
        return FALSE;
      }
    } else {
      g_string_append_c (s, c);
      P->pos++;
    }
  }
  span->end = P->pos;
  *out = g_string_free (s, FALSE);
  return TRUE;
}

/* After a word at property position: is it followed by '=' directly? */
static gboolean
parse_property (Parser *P, LinkNode *node, gboolean *done, GError **error)
{
  gsize save = P->pos;
  PropNode *prop;
  char *name = NULL;
  Span name_span, eq;

  *done = FALSE;
  skip_space (P);
  if (at_end (P) || peek (P) == '!') {
    *done = TRUE;
    return TRUE;
  }
  if (peek (P) == '=') {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ P->pos, P->pos + 1 },
          "'=' without a property name");
    return FALSE;
  }
  if (!read_word (P, TRUE, &name, &name_span, error))
    return FALSE;
  if (peek (P) != '=') {
    /* not a property: the word starts the next chain */
    g_free (name);
    P->pos = save;
    *done = TRUE;
    return TRUE;
  }
  eq = (Span){ P->pos, P->pos + 1 };
  P->pos++;
  if (node->is_ref) {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ name_span.start, eq.end },
          "property \"%s\" set on the reference \"%s\": properties follow a factory name", name,
          node->word);
    g_free (name);
    return FALSE;
  }
  if (is_word_end (peek (P), FALSE)) {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ name_span.start, eq.end },
          "missing value after \"%s=\"", name);
    g_free (name);
    return FALSE;
  }
  prop = g_new0 (PropNode, 1);
  prop->name = name;
  prop->name_span = name_span;
  if (!read_word (P, FALSE, &prop->value, &prop->value_span, error)) {
    prop_node_free (prop);
    return FALSE;
  }
  g_ptr_array_add (node->props, prop);
  return TRUE;
}

static LinkNode *
parse_link (Parser *P, GError **error)
{
  LinkNode *node;
  char *word = NULL, *dot;
  Span span;
  gboolean done = FALSE;

  skip_space (P);
  if (peek (P) == '!') {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ P->pos, P->pos + 1 },
          "'!' without an element before it");
    return NULL;
  }
  if (peek (P) == '=') {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ P->pos, P->pos + 1 },
          "'=' without a property name");
    return NULL;
  }
  if (!read_word (P, TRUE, &word, &span, error))
    return NULL;
  if (peek (P) == '=') {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ span.start, P->pos + 1 },
          "property \"%s\" set without an element: properties follow a factory name", word);
    g_free (word);
    return NULL;
  }
  if (*word == '\0') {
    fail (P, error, PKT_PARSE_ERROR_SYNTAX, span, "empty element name");
    g_free (word);
    return NULL;
  }

  node = g_new0 (LinkNode, 1);
  node->word = word;
  node->span = span;
  node->props = g_ptr_array_new_with_free_func (prop_node_free);
  dot = strchr (word, '.');
  if (dot != NULL) {
    node->is_ref = TRUE;
    node->ref_name = g_strndup (word, (gsize)(dot - word));
    node->ref_pad = dot[1] ? g_strdup (dot + 1) : NULL;
    if (*node->ref_name == '\0') {
      fail (P, error, PKT_PARSE_ERROR_SYNTAX, span,
            "reference \"%s\" without an element name (expected NAME.%s)", word, dot + 1);
      link_node_free (node);
      return NULL;
    }
  }
  while (!done) {
    if (!parse_property (P, node, &done, error)) {
      link_node_free (node);
      return NULL;
    }
  }
  return node;
}

static GPtrArray *
parse_chain (Parser *P, GError **error)
{
  GPtrArray *chain = g_ptr_array_new_with_free_func (link_node_free);
  LinkNode *node = parse_link (P, error);

  if (node == NULL)
    goto failed;
  g_ptr_array_add (chain, node);
  g_ptr_array_add (P->nodes, node);
  for (;;) {
    Span bang;

    skip_space (P);
    if (peek (P) != '!')
      break;
    bang = (Span){ P->pos, P->pos + 1 };
    P->pos++;
    skip_space (P);
    if (at_end (P)) {
      fail (P, error, PKT_PARSE_ERROR_SYNTAX, bang,
            "dangling '!': expected an element or a reference after it");
      goto failed;
    }
    if (peek (P) == '!') {
      fail (P, error, PKT_PARSE_ERROR_SYNTAX, (Span){ P->pos, P->pos + 1 },
            "empty link: expected an element or a reference between the two '!'");
      goto failed;
    }
    node = parse_link (P, error);
    if (node == NULL)
      goto failed;
    node->has_bang = TRUE;
    node->bang = bang;
    g_ptr_array_add (chain, node);
    g_ptr_array_add (P->nodes, node);
  }
  return chain;

failed:
  g_ptr_array_unref (chain);
  return NULL;
}

static gboolean
parse_pipeline (Parser *P, GError **error)
{
  skip_space (P);
  if (at_end (P)) {
    fail_orig (P, error, PKT_PARSE_ERROR_EMPTY, 0, 0, "empty pipeline description");
    return FALSE;
  }
  while (!at_end (P)) {
    GPtrArray *chain = parse_chain (P, error);

    if (chain == NULL)
      return FALSE;
    g_ptr_array_add (P->chains, chain);
    skip_space (P);
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Pass 3a: elements                                                        */

/* Explicit names first (so a default name never takes a name the user
 * chose later in the text), then factory+N for the others. */
static gboolean
assign_explicit_name (Parser *P, LinkNode *node, GError **error)
{
  PropNode *last = NULL;
  guint i;

  for (i = 0; i < node->props->len; i++) {
    PropNode *p = g_ptr_array_index (node->props, i);
    if (strcmp (p->name, "name") == 0)
      last = p; /* as with any property, the last one wins */
  }
  if (last == NULL)
    return TRUE;
  if (*last->value == '\0' || strchr (last->value, '.') != NULL) {
    fail (P, error, PKT_PARSE_ERROR_BAD_VALUE, last->value_span,
          "invalid element name \"%s\": names are non-empty and contain no '.'", last->value);
    return FALSE;
  }
  if (g_hash_table_contains (P->by_name, last->value)) {
    fail (P, error, PKT_PARSE_ERROR_DUPLICATE_NAME, last->value_span,
          "duplicate element name \"%s\"", last->value);
    return FALSE;
  }
  node->elem_name = g_strdup (last->value);
  node->elem_name_span = last->value_span;
  g_hash_table_insert (P->by_name, node->elem_name, node);
  return TRUE;
}

/* Explicit names first (so a default name never takes a name the user
 * chose later in the text), then factory+N, counted per factory. */
static gboolean
assign_names (Parser *P, GError **error)
{
  GHashTable *counters;
  guint i;

  for (i = 0; i < P->nodes->len; i++) {
    LinkNode *node = g_ptr_array_index (P->nodes, i);
    if (!node->is_ref && !assign_explicit_name (P, node, error))
      return FALSE;
  }
  counters = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < P->nodes->len; i++) {
    LinkNode *node = g_ptr_array_index (P->nodes, i);
    char *name = NULL;
    guint n;

    if (node->is_ref || node->elem_name != NULL)
      continue;
    n = GPOINTER_TO_UINT (g_hash_table_lookup (counters, node->word));
    do {
      g_free (name);
      name = g_strdup_printf ("%s%u", node->word, n++);
    } while (g_hash_table_contains (P->by_name, name));
    g_hash_table_insert (counters, node->word, GUINT_TO_POINTER (n));
    node->elem_name = name;
    g_hash_table_insert (P->by_name, node->elem_name, node);
  }
  g_hash_table_unref (counters);
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Optimal-string-alignment distance: a transposition ("unit"/"uint") costs
 * one edit, as it is the commonest typo. */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b), i, j;
  guint d[65][65];

  if (la > 64 || lb > 64)
    return G_MAXUINT;
  for (i = 0; i <= la; i++)
    d[i][0] = (guint)i;
  for (j = 0; j <= lb; j++)
    d[0][j] = (guint)j;
  for (i = 1; i <= la; i++) {
    for (j = 1; j <= lb; j++) {
      guint cost = a[i - 1] != b[j - 1];
      guint best = MIN (d[i - 1][j] + 1, d[i][j - 1] + 1);
      best = MIN (best, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        best = MIN (best, d[i - 2][j - 2] + 1);
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

/* The writable property closest to @name, if it is a plausible typo. */
static const char *
suggest_property (PktElement *element, const char *name)
{
  guint n, i, best_d = G_MAXUINT;
  GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  const char *best = NULL;

  for (i = 0; i < n; i++) {
    guint d;
    if (!(specs[i]->flags & G_PARAM_WRITABLE))
      continue;
    d = edit_distance (name, g_param_spec_get_name (specs[i]));
    if (d < best_d) {
      best_d = d;
      best = g_param_spec_get_name (specs[i]);
    }
  }
  g_free (specs);
  return best_d <= MAX (2, strlen (name) / 4) ? best : NULL;
}

static char *
writable_properties (PktElement *element)
{
  guint n, i;
  GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  GPtrArray *names = g_ptr_array_new ();
  GString *s = g_string_new (NULL);

  for (i = 0; i < n; i++)
    if ((specs[i]->flags & G_PARAM_WRITABLE) && !(specs[i]->flags & G_PARAM_CONSTRUCT_ONLY))
      g_ptr_array_add (names, (gpointer)g_param_spec_get_name (specs[i]));
  if (g_ptr_array_find_with_equal_func (names, "name", g_str_equal, NULL) == FALSE)
    g_ptr_array_add (names, (gpointer) "name");
  g_ptr_array_sort (names, compare_names);
  for (i = 0; i < names->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *)g_ptr_array_index (names, i));
  g_ptr_array_unref (names);
  g_free (specs);
  return g_string_free (s, FALSE);
}

static gboolean
set_property (Parser *P, LinkNode *node, PropNode *prop, GError **error)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (node->element);
  GParamSpec *pspec;
  GValue value = G_VALUE_INIT;
  char *reason, *shown;

  if (strcmp (prop->name, "name") == 0)
    return TRUE; /* handled by assign_names */
  pspec = g_object_class_find_property (klass, prop->name);
  if (pspec == NULL) {
    char *valid = writable_properties (node->element);
    const char *close = suggest_property (node->element, prop->name);
    char *hint = close ? g_strdup_printf (" did you mean \"%s\"?", close) : g_strdup ("");
    fail (P, error, PKT_PARSE_ERROR_NO_SUCH_PROPERTY, prop->name_span,
          "unknown property \"%s\" of %s (%s);%s valid properties: %s", prop->name, node->elem_name,
          node->word, hint, valid);
    g_free (hint);
    g_free (valid);
    return FALSE;
  }
  if (!(pspec->flags & G_PARAM_WRITABLE) || (pspec->flags & G_PARAM_CONSTRUCT_ONLY)) {
    fail (P, error, PKT_PARSE_ERROR_READ_ONLY, prop->name_span, "property \"%s\" of %s (%s) is %s",
          prop->name, node->elem_name, node->word,
          (pspec->flags & G_PARAM_WRITABLE) ? "construct-only" : "read-only");
    return FALSE;
  }
  reason = value_parse_reason (pspec, prop->value, &value);
  if (reason != NULL) {
    shown = value_for_message (prop->value);
    fail (P, error, PKT_PARSE_ERROR_BAD_VALUE, prop->value_span,
          "invalid value \"%s\" for property \"%s\" of %s (%s): %s", shown, prop->name,
          node->elem_name, node->word, reason);
    g_free (shown);
    g_free (reason);
    return FALSE;
  }
  g_object_set_property (G_OBJECT (node->element), pspec->name, &value);
  g_value_unset (&value);
  return TRUE;
}

/* "testsrc num-packets 10": the second word is not a factory but a
 * property of the element before it — say so rather than "unknown element". */
static gboolean
is_missing_equals (Parser *P, LinkNode *node, LinkNode *prev)
{
  if (prev == NULL || prev->is_ref || prev->element == NULL || node->has_bang)
    return FALSE;
  return g_object_class_find_property (G_OBJECT_GET_CLASS (prev->element), node->word) != NULL
         || strcmp (node->word, "name") == 0;
}

static gboolean
create_element (Parser *P, LinkNode *node, LinkNode *prev, GError **error)
{
  PktElementFactory *factory = pkt_element_factory_find (node->word);
  PktElement *element;
  GError *err = NULL;
  guint i;

  if (factory == NULL) {
    char *suggestion;

    if (is_missing_equals (P, node, prev)) {
      fail (P, error, PKT_PARSE_ERROR_SYNTAX, node->span,
            "expected '=' after property name \"%s\" of %s", node->word, prev->elem_name);
      return FALSE;
    }
    suggestion = pkt_registry_suggest (node->word);
    if (suggestion != NULL)
      fail (P, error, PKT_PARSE_ERROR_NO_SUCH_ELEMENT, node->span,
            "unknown element \"%s\"; did you mean \"%s\"?", node->word, suggestion);
    else
      fail (P, error, PKT_PARSE_ERROR_NO_SUCH_ELEMENT, node->span,
            "unknown element \"%s\" (pkt-inspect lists the available elements)", node->word);
    g_free (suggestion);
    return FALSE;
  }
  element = pkt_element_factory_create (factory, node->elem_name);
  if (element == NULL) {
    fail (P, error, PKT_PARSE_ERROR_NO_SUCH_ELEMENT, node->span,
          "could not create an element \"%s\"", node->word);
    return FALSE;
  }
  g_object_ref_sink (element);
  if (g_strcmp0 (pkt_element_get_name (element), node->elem_name) != 0)
    pkt_element_set_name (element, node->elem_name);
  node->element = element;
  for (i = 0; i < node->props->len; i++) {
    if (!set_property (P, node, g_ptr_array_index (node->props, i), error)) {
      node->element = NULL;
      g_object_unref (element);
      return FALSE;
    }
  }
  if (!pkt_bin_add (PKT_BIN (P->pipeline), element, &err)) {
    fail (P, error, PKT_PARSE_ERROR_DUPLICATE_NAME,
          node->elem_name_span.end > 0 ? node->elem_name_span : node->span, "%s", err->message);
    g_clear_error (&err);
    node->element = NULL;
    g_object_unref (element);
    return FALSE;
  }
  g_object_unref (element); /* the pipeline holds it */
  return TRUE;
}

static gboolean
create_elements (Parser *P, GError **error)
{
  guint c, l;

  for (c = 0; c < P->chains->len; c++) {
    GPtrArray *chain = g_ptr_array_index (P->chains, c);
    for (l = 0; l < chain->len; l++) {
      LinkNode *node = g_ptr_array_index (chain, l);
      LinkNode *prev = NULL;

      if (node->is_ref)
        continue;
      if (l > 0)
        prev = g_ptr_array_index (chain, l - 1);
      else if (c > 0) {
        GPtrArray *before = g_ptr_array_index (P->chains, c - 1);
        prev = g_ptr_array_index (before, before->len - 1);
      }
      if (!create_element (P, node, prev, error))
        return FALSE;
    }
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Pass 3b: links                                                           */

/* A pad that exists and is free, or a request template to instantiate. */
typedef struct {
  PktPad *pad;
  const PktPadTemplate *templ;
  char *request_name; /* concrete name or the template name */
} PadChoice;

static void
pad_choice_clear (gpointer data)
{
  PadChoice *c = data;

  g_free (c->request_name);
}

static PktPadKind
pad_choice_kind (const PadChoice *c)
{
  return c->pad ? pkt_pad_get_kind (c->pad) : c->templ->kind;
}

static const char *
pad_choice_name (const PadChoice *c)
{
  return c->pad ? pkt_pad_get_name (c->pad) : c->request_name;
}

static const char *
direction_name (PktPadDirection d)
{
  return d == PKT_PAD_SRC ? "src" : "sink";
}

/* Does @name instantiate @templ ("src_3" for "src_%u")? %u is the only
 * conversion request templates use (as pkt_element_request_pad). */
static gboolean
template_matches (const char *templ, const char *name)
{
  const char *pct = strstr (templ, "%u");
  gsize prefix, digits;

  if (pct == NULL)
    return strcmp (templ, name) == 0;
  prefix = (gsize)(pct - templ);
  if (strncmp (templ, name, prefix) != 0)
    return FALSE;
  digits = strspn (name + prefix, "0123456789");
  return digits > 0 && strcmp (name + prefix + digits, pct + 2) == 0;
}

static GPtrArray *
element_templates (PktElement *element)
{
  return pkt_element_class_get_pad_templates (PKT_ELEMENT_GET_CLASS (element));
}

static char *
pad_names_listing (PktElement *element)
{
  GString *s = g_string_new (NULL);
  GList *pads = pkt_element_get_pads (element), *l;
  GPtrArray *templs = element_templates (element);
  guint i;

  for (l = pads; l != NULL; l = l->next) {
    PktPad *pad = l->data;
    if (pkt_pad_get_presence (pad) == PKT_PAD_ALWAYS)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", pkt_pad_get_name (pad));
  }
  for (i = 0; templs != NULL && i < templs->len; i++) {
    const PktPadTemplate *t = g_ptr_array_index (templs, i);
    if (t->presence == PKT_PAD_REQUEST)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", t->name_template);
  }
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

/* The candidates for one side of a link, in preference order: free pads in
 * the element's order, then request templates. */
static gboolean
pad_candidates (Parser *P, LinkNode *node, PktElement *element, PktPadDirection dir, GArray *out,
                GError **error)
{
  const char *pad_name = node->is_ref ? node->ref_pad : NULL;
  const char *ename = pkt_element_get_name (element);
  GPtrArray *templs = element_templates (element);
  PadChoice choice = { 0 };
  guint i;

  if (pad_name != NULL) {
    PktPad *pad = pkt_element_get_static_pad (element, pad_name);

    if (pad != NULL) {
      PktPad *peer = pkt_pad_get_peer (pad);
      if (pkt_pad_get_direction (pad) != dir) {
        fail (P, error, PKT_PARSE_ERROR_LINK, node->span,
              "%s.%s is a %s pad; here it must be a %s pad", ename, pad_name,
              direction_name (pkt_pad_get_direction (pad)), direction_name (dir));
        return FALSE;
      }
      if (peer != NULL) {
        char *peer_name = pkt_pad_get_full_name (peer);
        fail (P, error, PKT_PARSE_ERROR_LINK, node->span, "%s.%s is already linked to %s", ename,
              pad_name, peer_name);
        g_free (peer_name);
        return FALSE;
      }
      choice.pad = pad;
      g_array_append_val (out, choice);
      return TRUE;
    }
    for (i = 0; templs != NULL && i < templs->len; i++) {
      const PktPadTemplate *t = g_ptr_array_index (templs, i);
      if (t->presence != PKT_PAD_REQUEST
          || (strcmp (t->name_template, pad_name) != 0
              && !template_matches (t->name_template, pad_name)))
        continue;
      if (t->direction != dir) {
        fail (P, error, PKT_PARSE_ERROR_LINK, node->span,
              "%s.%s is a %s pad; here it must be a %s pad", ename, pad_name,
              direction_name (t->direction), direction_name (dir));
        return FALSE;
      }
      choice.templ = t;
      choice.request_name = g_strdup (pad_name);
      g_array_append_val (out, choice);
      return TRUE;
    }
    {
      char *pads = pad_names_listing (element);
      fail (P, error, PKT_PARSE_ERROR_NO_SUCH_PAD, node->span, "%s has no pad \"%s\"; its pads: %s",
            ename, pad_name, pads);
      g_free (pads);
    }
    return FALSE;
  }

  {
    GList *pads = pkt_element_get_pads (element), *l;
    for (l = pads; l != NULL; l = l->next) {
      PktPad *pad = l->data;
      if (pkt_pad_get_direction (pad) == dir && !pkt_pad_is_linked (pad)) {
        PadChoice c = { pad, NULL, NULL };
        g_array_append_val (out, c);
      }
    }
  }
  for (i = 0; templs != NULL && i < templs->len; i++) {
    const PktPadTemplate *t = g_ptr_array_index (templs, i);
    if (t->presence == PKT_PAD_REQUEST && t->direction == dir) {
      PadChoice c = { NULL, t, g_strdup (t->name_template) };
      g_array_append_val (out, c);
    }
  }
  return TRUE;
}

static gboolean
element_has_pads (PktElement *element, PktPadDirection dir)
{
  GList *pads = pkt_element_get_pads (element), *l;
  GPtrArray *templs = element_templates (element);
  gboolean found = FALSE;
  guint i;

  for (l = pads; l != NULL && !found; l = l->next)
    found = pkt_pad_get_direction (l->data) == dir;
  for (i = 0; templs != NULL && i < templs->len && !found; i++)
    found = ((const PktPadTemplate *)g_ptr_array_index (templs, i))->direction == dir;
  return found;
}

static char *
choices_text (PktElement *element, GArray *choices)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < choices->len; i++) {
    const PadChoice *c = &g_array_index (choices, PadChoice, i);
    g_string_append_printf (s, "%s%s.%s (%s)", i ? " or " : "", pkt_element_get_name (element),
                            pad_choice_name (c), pkt_pad_kind_get_name (pad_choice_kind (c)));
  }
  return g_string_free (s, FALSE);
}

static gboolean
no_free_pad (Parser *P, Span where, PktElement *element, PktPadDirection dir, PktElement *other,
             GError **error)
{
  const char *a = pkt_element_get_name (element), *b = pkt_element_get_name (other);
  const char *d = direction_name (dir);

  if (!element_has_pads (element, dir))
    fail (P, error, PKT_PARSE_ERROR_LINK, where, "cannot link %s %s %s: %s has no %s pad",
          dir == PKT_PAD_SRC ? a : b, "to", dir == PKT_PAD_SRC ? b : a, a, d);
  else
    fail (P, error, PKT_PARSE_ERROR_LINK, where,
          "cannot link %s to %s: every %s pad of %s is already linked", dir == PKT_PAD_SRC ? a : b,
          dir == PKT_PAD_SRC ? b : a, d, a);
  return FALSE;
}

static PktPad *
choice_realize (Parser *P, Span where, PktElement *element, PadChoice *c, GError **error)
{
  GError *err = NULL;
  PktPad *pad;

  if (c->pad != NULL)
    return c->pad;
  pad = pkt_element_request_pad (element, c->request_name, &err);
  if (pad == NULL) {
    fail (P, error, PKT_PARSE_ERROR_LINK, where, "could not request pad %s.%s: %s",
          pkt_element_get_name (element), c->request_name,
          err ? err->message : "the element refused");
    g_clear_error (&err);
  }
  return pad;
}

static PktElement *
resolve (Parser *P, LinkNode *node, GError **error)
{
  LinkNode *target;

  if (!node->is_ref)
    return node->element;
  target = g_hash_table_lookup (P->by_name, node->ref_name);
  if (target == NULL) {
    fail (P, error, PKT_PARSE_ERROR_UNKNOWN_REFERENCE, node->span,
          "unknown reference \"%s\": no element is named \"%s\"", node->word, node->ref_name);
    return NULL;
  }
  return target->element;
}

static gboolean
link_nodes (Parser *P, LinkNode *up, LinkNode *down, GError **error)
{
  PktElement *src = resolve (P, up, error), *sink;
  GArray *srcs = NULL, *sinks = NULL;
  PktPad *src_pad, *sink_pad;
  GError *err = NULL;
  gboolean ok = FALSE;
  guint i, j;

  if (src == NULL || (sink = resolve (P, down, error)) == NULL)
    return FALSE;
  srcs = g_array_new (FALSE, TRUE, sizeof (PadChoice));
  sinks = g_array_new (FALSE, TRUE, sizeof (PadChoice));
  g_array_set_clear_func (srcs, pad_choice_clear);
  g_array_set_clear_func (sinks, pad_choice_clear);
  if (!pad_candidates (P, up, src, PKT_PAD_SRC, srcs, error)
      || !pad_candidates (P, down, sink, PKT_PAD_SINK, sinks, error))
    goto out;
  if (srcs->len == 0) {
    no_free_pad (P, down->bang, src, PKT_PAD_SRC, sink, error);
    goto out;
  }
  if (sinks->len == 0) {
    no_free_pad (P, down->bang, sink, PKT_PAD_SINK, src, error);
    goto out;
  }
  for (i = 0; i < srcs->len; i++)
    for (j = 0; j < sinks->len; j++)
      if (pad_choice_kind (&g_array_index (srcs, PadChoice, i))
          == pad_choice_kind (&g_array_index (sinks, PadChoice, j)))
        goto found;
  {
    char *a = choices_text (src, srcs), *b = choices_text (sink, sinks);
    fail (P, error, PKT_PARSE_ERROR_LINK, down->bang, "cannot link %s to %s", a, b);
    g_free (a);
    g_free (b);
  }
  goto out;

found:
  src_pad = choice_realize (P, down->bang, src, &g_array_index (srcs, PadChoice, i), error);
  if (src_pad == NULL)
    goto out;
  sink_pad = choice_realize (P, down->bang, sink, &g_array_index (sinks, PadChoice, j), error);
  if (sink_pad == NULL)
    goto out;
  if (!pkt_pad_link (src_pad, sink_pad, &err)) {
    /* the core's message already names both pads and their kinds */
    fail (P, error, PKT_PARSE_ERROR_LINK, down->bang, "%s", err ? err->message : "link refused");
    g_clear_error (&err);
    goto out;
  }
  ok = TRUE;

out:
  g_array_unref (srcs);
  g_array_unref (sinks);
  return ok;
}

static gboolean
link_chains (Parser *P, GError **error)
{
  guint c, l;

  for (c = 0; c < P->chains->len; c++) {
    GPtrArray *chain = g_ptr_array_index (P->chains, c);

    /* a lone reference links nothing, but must still name an element */
    if (chain->len == 1 && !resolve (P, g_ptr_array_index (chain, 0), error))
      return FALSE;
    for (l = 1; l < chain->len; l++)
      if (!link_nodes (P, g_ptr_array_index (chain, l - 1), g_ptr_array_index (chain, l), error))
        return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */

static PktElement *
parse_text (const char *description, PktParseContext *ctx, GError **error)
{
  Parser P = { 0 };
  PktElement *result = NULL;

  P.orig = description;
  P.orig_len = strlen (description);
  P.ctx = ctx;
  P.text = g_string_sized_new (P.orig_len + 1);
  P.map = g_array_sized_new (FALSE, FALSE, sizeof (PktSpanMap), (guint)P.orig_len + 1);
  P.chains = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  P.nodes = g_ptr_array_new ();
  P.by_name = g_hash_table_new (g_str_hash, g_str_equal);
  if (ctx != NULL) {
    ctx->error_offset = -1;
    ctx->error_length = 0;
  }
  if (P.orig_len > G_MAXUINT32 / 2) {
    fail_orig (&P, error, PKT_PARSE_ERROR_SYNTAX, 0, 0, "description too long");
    goto out;
  }

  if (!expand (&P, error) || !parse_pipeline (&P, error) || !assign_names (&P, error))
    goto out;
  P.pipeline = pkt_pipeline_new (NULL);
  g_object_ref_sink (P.pipeline);
  if (!create_elements (&P, error) || !link_chains (&P, error))
    goto out;
  /* floating, as gst_parse_launch() and every PktElement constructor:
   * callers g_object_ref_sink() it */
  result = g_steal_pointer (&P.pipeline);
  g_object_force_floating (G_OBJECT (result));

out:
  g_clear_object (&P.pipeline);
  g_hash_table_unref (P.by_name);
  g_ptr_array_unref (P.nodes);
  g_ptr_array_unref (P.chains);
  g_array_unref (P.map);
  g_string_free (P.text, TRUE);
  return result;
}

/**
 * pkt_parse_launch_full:
 * @description: a pipeline description (see docs/pipeline-syntax.md)
 * @ctx: (nullable): variables for `${var}`; receives the error position
 * @error: return location for a %PKT_PARSE_ERROR error
 *
 * Builds a new #PktPipeline holding every element of @description, linked
 * as described. Nothing is built on error.
 *
 * Returns: (transfer floating) (nullable): the pipeline (a floating reference,
 *   as any new element), or %NULL
 */
PktElement *
pkt_parse_launch_full (const char *description, PktParseContext *ctx, GError **error)
{
  g_return_val_if_fail (description != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_text (description, ctx, error);
}

/**
 * pkt_parse_launch:
 * @description: a pipeline description
 * @error: return location for a %PKT_PARSE_ERROR error
 *
 * Returns: (transfer floating) (nullable): the pipeline, or %NULL
 */
PktElement *
pkt_parse_launch (const char *description, GError **error)
{
  return pkt_parse_launch_full (description, NULL, error);
}

/**
 * pkt_parse_launchv:
 * @argv: (array zero-terminated=1): words of a description, as a launcher
 *   receives them
 * @ctx: (nullable): variables; receives the error position
 * @error: return location for a %PKT_PARSE_ERROR error
 *
 * Joins @argv with single spaces and parses the result, so a description
 * may come as one quoted argument or as many words. Error offsets are
 * offsets in the joined text.
 *
 * Returns: (transfer floating) (nullable): the pipeline, or %NULL
 */
PktElement *
pkt_parse_launchv (const char *const *argv, PktParseContext *ctx, GError **error)
{
  char *joined;
  PktElement *pipeline;

  g_return_val_if_fail (argv != NULL, NULL);

  joined = g_strjoinv (" ", (char **)argv);
  pipeline = pkt_parse_launch_full (joined, ctx, error);
  g_free (joined);
  return pipeline;
}
