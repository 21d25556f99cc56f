/* pktpipe tests — the pcap/pcapng reader (elements/pcap/pcapfile.c) against
 * tshark and tcpdump, on every capture of ../shared/testdata/pcaps and on the
 * hand-made corpus in tests/fuzz/corpus/pcapfile.
 *
 * For each file: packet count, timestamps (ns), wire and captured lengths
 * must equal tshark's frame.time_epoch/frame.len/frame.cap_len, and packet
 * bytes must equal tcpdump -xx. A file both peers reject must be rejected.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pcapfile.h"

typedef struct {
  GArray *recs; /* PcapRecord, data pointing into buf */
  gchar *buf;
  gsize len;
  PcapReadResult end; /* EOF, TRUNCATED or ERROR */
  char *error;
} ReadResult;

static void
read_result_free (ReadResult *r)
{
  g_array_unref (r->recs);
  g_free (r->buf);
  g_free (r->error);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReadResult, read_result_free)

/* Reads @path whole (eof known) or, when @chunk > 0, as a stream growing by
 * @chunk bytes at a time (what pcapsrc does with stdin). */
static ReadResult *
read_file (const char *path, gsize chunk)
{
  ReadResult *r = g_new0 (ReadResult, 1);
  r->recs = g_array_new (FALSE, FALSE, sizeof (PcapRecord));
  g_assert_true (g_file_get_contents (path, &r->buf, &r->len, NULL));
  PcapReader reader;
  pcap_reader_init (&reader);
  gsize off = 0, avail = chunk ? MIN (chunk, r->len) : r->len;
  for (;;) {
    PcapRecord rec;
    g_autoptr (GError) error = NULL;
    PcapReadResult res = pcap_reader_next (&reader, (const guint8 *)r->buf, avail, &off,
                                           avail == r->len, &rec, &error);
    if (res == PCAP_READ_PACKET) {
      g_array_append_val (r->recs, rec);
      continue;
    }
    if (res == PCAP_READ_NEED_MORE) {
      g_assert_cmpuint (avail, <, r->len);
      avail = MIN (avail + chunk, r->len);
      continue;
    }
    r->end = res;
    if (error)
      r->error = g_strdup (error->message);
    break;
  }
  pcap_reader_clear (&reader);
  return r;
}

static char *
run (const char *const *argv, int *status)
{
  char *out = NULL;
  GError *error = NULL;
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, status, &error))
    g_error ("running %s: %s", argv[0], error->message);
  return out;
}

/* Splits @out in place into lines (NULL-terminated array of pointers into
 * it). g_strsplit is quadratic under ASan (its strstr interceptor measures
 * the whole rest of the string each time). */
static GPtrArray *
split_lines (char *out)
{
  GPtrArray *lines = g_ptr_array_new ();
  gsize left = strlen (out);
  char *p = out;
  while (left > 0) {
    char *nl = memchr (p, '\n', left);
    g_ptr_array_add (lines, p);
    if (nl == NULL)
      break;
    *nl = '\0';
    left -= nl + 1 - p;
    p = nl + 1;
  }
  g_ptr_array_add (lines, NULL);
  return lines;
}

/* tshark: one row per packet: epoch time, len, caplen. Non-packet records
 * (tshark shows e.g. name resolution blocks) have no encap and are left out. */
static GPtrArray *
tshark_rows (const char *path, int *status)
{
  const char *argv[] = { "tshark", "-n",
                         "-r",     path,
                         "-T",     "fields",
                         "-e",     "frame.encap_type",
                         "-e",     "frame.time_epoch",
                         "-e",     "frame.len",
                         "-e",     "frame.cap_len",
                         NULL };
  g_autofree char *out = run (argv, status);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  g_autoptr (GPtrArray) lines_ = split_lines (out);
  char **lines = (char **)lines_->pdata;
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    char **f = g_strsplit (lines[i], "\t", -1);
    g_assert_cmpuint (g_strv_length (f), ==, 4);
    if (*f[0] == '\0')
      g_strfreev (f);
    else
      g_ptr_array_add (rows, f);
  }
  return rows;
}

/* Compares our records with tshark's rows from *@idx on. */
static void
compare_rows (const char *path, ReadResult *r, GPtrArray *rows, guint *idx)
{
  for (guint n = 0; n < r->recs->len; n++, (*idx)++) {
    if (*idx >= rows->len)
      g_error ("%s: we read %u packets, tshark fewer", path, r->recs->len);
    char **f = rows->pdata[*idx];
    const PcapRecord *rec = &g_array_index (r->recs, PcapRecord, n);
    g_autofree char *ts = g_strdup_printf ("%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT,
                                           rec->ts_ns / 1000000000, rec->ts_ns % 1000000000);
    /* a simple packet block has no time: tshark prints nothing */
    const char *want_ts = *f[1] ? f[1] : "0.000000000";
    if (g_strcmp0 (ts, want_ts) != 0)
      g_error ("%s packet %u: time %s, tshark says %s", path, n + 1, ts, want_ts);
    g_assert_cmpuint (rec->len, ==, g_ascii_strtoull (f[2], NULL, 10));
    g_assert_cmpuint (rec->caplen, ==, g_ascii_strtoull (f[3], NULL, 10));
  }
}

static void
check_tshark (const char *path, ReadResult *r)
{
  int status;
  g_autoptr (GPtrArray) rows = tshark_rows (path, &status);
  guint idx = 0;
  compare_rows (path, r, rows, &idx);
  g_assert_cmpuint (idx, ==, rows->len);
  if (r->end == PCAP_READ_ERROR)
    g_assert_cmpint (status, !=, 0); /* tshark must have complained too */
}

/* "1234567890.123456789 ..." starts a packet in tcpdump -tt --nano output */
static gboolean
is_stamp_line (const char *l)
{
  const char *p = l;
  while (g_ascii_isdigit (*p))
    p++;
  if (p == l || *p != '.')
    return FALSE;
  for (int i = 1; i <= 9; i++)
    if (!g_ascii_isdigit (p[i]))
      return FALSE;
  return p[10] == ' ';
}

static guint8
hexval (char c)
{
  return g_ascii_xdigit_value (c);
}

/* tcpdump -xx: bytes of every packet (link header included), compared with
 * ours. Returns FALSE when tcpdump cannot read the file at all. */
static gboolean
check_tcpdump (const char *path, ReadResult *r)
{
  const char *argv[] = { "tcpdump", "-nn", "-tt", "--nano", "-xx", "-r", path, NULL };
  int status;
  g_autofree char *out = run (argv, &status);
  if (status != 0 && (out == NULL || *out == '\0'))
    return FALSE;
  g_autoptr (GPtrArray) lines_ = split_lines (out);
  char **lines = (char **)lines_->pdata;
  gint n = -1;
  gboolean pending = FALSE;
  /* preallocated: this runs for every byte of every file, also under ASan */
  GByteArray *bytes = g_byte_array_sized_new (PCAP_MAX_RECORD / 64);
  for (guint i = 0;; i++) {
    const char *l = lines[i];
    gboolean hex = l && g_str_has_prefix (l, "\t0x");
    /* a packet's first line starts with its time; other lines continue it */
    gboolean first = l && !hex && is_stamp_line (l);
    if ((l == NULL || first) && pending) {
      g_assert_cmpuint (n, <, r->recs->len);
      const PcapRecord *rec = &g_array_index (r->recs, PcapRecord, n);
      if (bytes->len != rec->caplen || memcmp (bytes->data, rec->data, rec->caplen) != 0)
        g_error ("%s packet %d: bytes differ from tcpdump -xx (%u vs %u bytes)", path, n + 1,
                 bytes->len, rec->caplen);
      g_byte_array_set_size (bytes, 0);
      pending = FALSE;
    }
    if (l == NULL)
      break;
    if (first) {
      n++;
      pending = TRUE;
    } else if (hex) {
      const char *p = strchr (l, ':') + 1;
      while (*p) {
        if (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1])) {
          guint8 b = hexval (p[0]) << 4 | hexval (p[1]);
          g_byte_array_append (bytes, &b, 1);
          p += 2;
        } else
          p++;
      }
    }
  }
  g_byte_array_unref (bytes);
  if (status == 0)
    g_assert_cmpint (n + 1, ==, r->recs->len);
  else {
    /* libpcap 1.10 stops at what it cannot read (a second section with
     * another byte order, mixed link types): what it printed must match */
    g_assert_cmpint (n + 1, <=, r->recs->len);
    g_test_message ("%s: tcpdump stopped after %d of %u packets", path, n + 1, r->recs->len);
  }
  return TRUE;
}

static ReadResult *
check_file (const char *path, gboolean tshark)
{
  ReadResult *r = read_file (path, 0);
  g_test_message ("%s: %u packets, end %d %s", path, r->recs->len, r->end,
                  r->error ? r->error : "");
  if (tshark || r->end == PCAP_READ_ERROR)
    check_tshark (path, r);
  gboolean tcpdump_read = check_tcpdump (path, r);
  if (r->end == PCAP_READ_ERROR && r->recs->len == 0)
    g_assert_false (tcpdump_read); /* both peers reject what we reject */
  /* reading as a stream in small pieces gives the same packets */
  g_autoptr (ReadResult) s = read_file (path, 97);
  g_assert_cmpuint (s->recs->len, ==, r->recs->len);
  g_assert_cmpint (s->end, ==, r->end);
  for (guint i = 0; i < r->recs->len; i++) {
    PcapRecord *a = &g_array_index (r->recs, PcapRecord, i);
    PcapRecord *b = &g_array_index (s->recs, PcapRecord, i);
    g_assert_cmpint (a->ts_ns, ==, b->ts_ns);
    g_assert_cmpmem (a->data, a->caplen, b->data, b->caplen);
  }
  return r;
}

static gint
cmp_path (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

static GPtrArray *
list_dir (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return files;
  const char *n;
  while ((n = g_dir_read_name (d)))
    g_ptr_array_add (files, g_build_filename (dir, n, NULL));
  g_ptr_array_sort (files, cmp_path);
  return files;
}

static gboolean
have_peers (void)
{
  g_autofree char *a = g_find_program_in_path ("tshark");
  g_autofree char *b = g_find_program_in_path ("tcpdump");
  g_autofree char *c = g_find_program_in_path ("mergecap");
  if (!a || !b || !c) {
    g_test_skip ("tshark, mergecap and tcpdump are needed");
    return FALSE;
  }
  return TRUE;
}

static void
test_testdata (void)
{
  const char *td = g_getenv ("PKT_TESTDATA");
  g_autofree char *dir = td ? g_build_filename (td, "pcaps", NULL) : NULL;
  if (!dir || !g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_test_skip ("PKT_TESTDATA/pcaps not found");
    return;
  }
  if (!have_peers ())
    return;
  g_autoptr (GPtrArray) files = list_dir (dir);
  g_assert_cmpuint (files->len, >, 0);
  /* tshark takes most of a second to start: it reads all readable files at
   * once, concatenated by mergecap (which keeps times and lengths as they
   * are; checked against per-file runs when this test was written) */
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify)read_result_free);
  g_autoptr (GStrvBuilder) merge = g_strv_builder_new ();
  g_autofree char *tmp = g_dir_make_tmp ("pktpcap-XXXXXX", NULL);
  g_autofree char *all = g_build_filename (tmp, "all.pcapng", NULL);
  g_strv_builder_add_many (merge, "mergecap", "-a", "-F", "pcapng", "-w", all, NULL);
  for (guint i = 0; i < files->len; i++) {
    ReadResult *r = check_file (files->pdata[i], FALSE);
    g_ptr_array_add (results, r);
    if (r->end != PCAP_READ_ERROR)
      g_strv_builder_add (merge, files->pdata[i]);
  }
  g_auto (GStrv) argv = g_strv_builder_end (merge);
  int status;
  g_free (run ((const char *const *)argv, &status));
  g_assert_cmpint (status, ==, 0);
  g_autoptr (GPtrArray) rows = tshark_rows (all, &status);
  g_assert_cmpint (status, ==, 0);
  guint idx = 0;
  for (guint i = 0; i < files->len; i++) {
    ReadResult *r = results->pdata[i];
    if (r->end != PCAP_READ_ERROR)
      compare_rows (files->pdata[i], r, rows, &idx);
  }
  g_assert_cmpuint (idx, ==, rows->len);
  g_unlink (all);
  g_rmdir (tmp);
}

static void
test_corpus (void)
{
  if (!have_peers ())
    return;
  g_autofree char *dir = g_build_filename (g_getenv ("PKT_SOURCE_ROOT"), "tests", "fuzz", "corpus",
                                           "pcapfile", NULL);
  g_autoptr (GPtrArray) files = list_dir (dir);
  g_assert_cmpuint (files->len, >=, 10);
  for (guint i = 0; i < files->len; i++)
    read_result_free (check_file (files->pdata[i], TRUE));
}

/* The cases the documentation promises, checked by value. */
static void
test_specific (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("PKT_SOURCE_ROOT"), "tests", "fuzz", "corpus",
                                           "pcapfile", NULL);
  g_autofree char *p1 = g_build_filename (dir, "truncated.pcap", NULL);
  g_autoptr (ReadResult) t = read_file (p1, 0);
  g_assert_cmpint (t->end, ==, PCAP_READ_TRUNCATED);
  g_assert_cmpuint (t->recs->len, ==, 5);

  g_autofree char *p2 = g_build_filename (dir, "multi-iface.pcapng", NULL);
  g_autoptr (ReadResult) m = read_file (p2, 0);
  g_assert_cmpint (m->end, ==, PCAP_READ_EOF);
  g_assert_cmpuint (m->recs->len, ==, 5);
  guint32 want_lt[] = { 1, 101, 1, 1, 101 };
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (g_array_index (m->recs, PcapRecord, i).linktype, ==, want_lt[i]);
  /* if_tsresol 2^-20 with if_tsoffset 10 s */
  g_assert_cmpint (g_array_index (m->recs, PcapRecord, 2).ts_ns, ==,
                   (gint64)1700000010 * 1000000000 + 2861);

  g_autofree char *p3 = g_build_filename (dir, "two-sections.pcapng", NULL);
  g_autoptr (ReadResult) s = read_file (p3, 0);
  g_assert_cmpuint (s->recs->len, ==, 3);
  g_assert_cmpuint (g_array_index (s->recs, PcapRecord, 1).linktype, ==, PCAP_LINKTYPE_IPV6);
  g_assert_cmpint (pcap_linktype_to_pkt (PCAP_LINKTYPE_SLL2), ==, PKT_LINK_LINUX_SLL2);
  g_assert_cmpint (pcap_linktype_to_pkt (147), ==, PKT_LINK_UNKNOWN);

  g_autofree char *p4 = g_build_filename (dir, "garbage.bin", NULL);
  g_autoptr (ReadResult) g = read_file (p4, 0);
  g_assert_cmpint (g->end, ==, PCAP_READ_ERROR);
  g_assert_nonnull (strstr (g->error, "not a pcap or pcapng file"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pcap/file/specific", test_specific);
  g_test_add_func ("/pcap/file/corpus", test_corpus);
  g_test_add_func ("/pcap/file/testdata", test_testdata);
  return g_test_run ();
}
