/* pktpipe benchmark helper — the floor under any pcap reader: walk every
 * record header of a pcap file and nothing else, either through a mapping
 * of the file or through read() into one reused 1 MiB buffer. Prints the
 * CPU seconds (user + sys) of the walk. Used by tests/bench/pcap.sh; it is
 * the measurement behind pcapsrc's io=auto choice (docs/pcap.md).
 *
 *   pcap-walk FILE mmap|read
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double
cpu_now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    return fprintf (stderr, "usage: %s FILE mmap|read\n", argv[0]), 2;
  int fd = open (argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return perror (argv[1]), 1;
  uint64_t n = 0, sum = 0;
  double t0 = cpu_now ();
  if (strcmp (argv[2], "mmap") == 0) {
    const uint8_t *d = mmap (NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (d == MAP_FAILED)
      return perror ("mmap"), 1;
    madvise ((void *)d, st.st_size, MADV_SEQUENTIAL);
    for (size_t off = 24; off + 16 <= (size_t)st.st_size; n++) {
      uint32_t cl;
      memcpy (&cl, d + off + 8, 4);
      sum += cl;
      off += 16 + cl;
    }
  } else {
    const size_t chunk = 1 << 20;
    uint8_t *buf = malloc (2 * chunk);
    size_t have = 0, off = 24;
    ssize_t r;
    while ((r = read (fd, buf + have, chunk)) > 0) {
      have += r;
      while (off + 16 <= have) {
        uint32_t cl;
        memcpy (&cl, buf + off + 8, 4);
        if (off + 16 + cl > have)
          break;
        sum += cl;
        off += 16 + cl;
        n++;
      }
      memmove (buf, buf + off, have - off);
      have -= off;
      off = 0;
    }
    free (buf);
  }
  printf ("%.3f %lu %lu\n", cpu_now () - t0, (unsigned long)n, (unsigned long)sum);
  return 0;
}
