/* pktpipe — basic elements compiled into the core library (private header).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>
#include <pktpipe/pkt-app.h>

G_BEGIN_DECLS

void _pkt_basic_register (void);

GType pkt_test_src_get_type (void);
GType pkt_fake_sink_get_type (void);
GType pkt_fake_record_sink_get_type (void);
GType pkt_identity_get_type (void);
GType pkt_queue_get_type (void);
GType pkt_tee_get_type (void);
GType pkt_funnel_get_type (void);
GType pkt_balance_get_type (void);
GType pkt_sample_get_type (void);

/* A read-only guint64 counter property (pkt-launch --stats prints it). */
#define PKT_BASIC_STAT(name, blurb)                                                                \
  g_param_spec_uint64 (name, name, blurb, 0, G_MAXUINT64, 0,                                       \
                       (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | PKT_PARAM_STAT))

#define PKT_BASIC_RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

/* TRUE when @self or any bin containing it is leaving PLAYING. Blocking waits
 * (full queue, undrained appsink) poll this so that a state change that stops
 * the sources first never deadlocks on an element further down. */
gboolean _pkt_basic_should_abort (PktElement *self);

/* Small seeded PRNG (splitmix64 seeding a xorshift64*): deterministic and
 * lock-free, for sample, identity and testsrc. */
static inline guint64
_pkt_basic_splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline guint64
_pkt_basic_xorshift (guint64 *state)
{
  guint64 x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545f4914f6cdd1dULL;
}

G_END_DECLS
