/* pktpipe tests — shared helpers: run pipelines, find data, check privileges.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>

G_BEGIN_DECLS

/* pkt_init + g_test_init in one call */
void pkt_test_init (int *argc, char ***argv);

/* Path of a file in ../shared/testdata, or NULL after g_test_skip() (printing
 * why) when that folder is absent. Free with g_free. */
char *pkt_test_testdata_path (const char *relpath);

/* Path under the source tree (tests/data/…). */
char *pkt_test_source_path (const char *relpath);

/* TRUE if running as root (CAP_NET_ADMIN+CAP_NET_RAW); otherwise g_test_skip()s. */
gboolean pkt_test_require_root (void);

/* Builds @desc, sets PLAYING, waits for EOS or ERROR (or @timeout_ms), sets NULL.
 * Returns the pipeline (for reading element properties) or NULL with @error. */
PktElement *pkt_test_run (const char *desc, guint timeout_ms, GError **error);

/* Runs an already-built pipeline the same way. */
gboolean pkt_test_run_pipeline (PktElement *pipeline, guint timeout_ms, GError **error);

/* Property of a named element as guint64 (any integer type). */
guint64 pkt_test_get_uint (PktElement *pipeline, const char *element, const char *property);

/* Runs a command line (argv[0] searched in PATH); returns stdout or NULL with error. */
char *pkt_test_spawn (const char *const *argv, int *exit_status, GError **error);

/* TRUE if an executable is in PATH; otherwise g_test_skip()s naming it. */
gboolean pkt_test_require_program (const char *program);

/* A classic pcap file (Ethernet, microseconds, host byte order) built in
 * memory for a test: the global header, then one record per call. */
GByteArray *pkt_test_pcap_new (void);
void pkt_test_pcap_add (GByteArray *pcap, guint32 sec, guint32 usec, const guint8 *frame,
                        guint len);

G_END_DECLS
