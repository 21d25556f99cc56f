/* pktpipe fuzz — a main() that replays corpus files through a libFuzzer
 * target, so every normal build runs the seed corpora as regression tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

static int
replay (const char *path)
{
  gchar *buf = NULL;
  gsize len = 0;
  g_autoptr (GError) err = NULL;
  if (!g_file_get_contents (path, &buf, &len, &err)) {
    fprintf (stderr, "%s\n", err->message);
    return 1;
  }
  LLVMFuzzerTestOneInput ((const uint8_t *)buf, len);
  g_free (buf);
  return 0;
}

int
main (int argc, char **argv)
{
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize (&argc, &argv);
  int n = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      g_autoptr (GDir) d = g_dir_open (argv[i], 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d))) {
        g_autofree char *p = g_build_filename (argv[i], name, NULL);
        bad += replay (p);
        n++;
      }
    } else {
      bad += replay (argv[i]);
      n++;
    }
  }
  printf ("replayed %d inputs\n", n);
  if (n == 0) {
    fprintf (stderr, "no corpus inputs found\n");
    return 1;
  }
  return bad ? 1 : 0;
}
