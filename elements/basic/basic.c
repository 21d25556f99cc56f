/* pktpipe — registration of the basic elements (part of the core library).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic.h"

gboolean
_pkt_basic_should_abort (PktElement *self)
{
  /* A bin's flushing flag stays set from its last stop until its own
   * READY→PLAYING completes, which is after its children started: only a
   * flag set while the bin is still PLAYING means "stopping now". */
  for (PktElement *e = self; e != NULL; e = pkt_element_get_parent (e))
    if (pkt_element_is_flushing (e) && pkt_element_get_state (e) == PKT_STATE_PLAYING)
      return TRUE;
  return FALSE;
}

/**
 * _pkt_basic_register: (skip)
 *
 * Registers testsrc, fakesink, fakerecordsink, identity, queue, tee, funnel, balance, sample,
 * appsrc and appsink with the core (no plugin). Called once by pkt_init().
 */
void
_pkt_basic_register (void)
{
  static const struct {
    const char *name;
    GType (*get_type) (void);
  } elements[] = {
    { "testsrc", pkt_test_src_get_type },
    { "fakesink", pkt_fake_sink_get_type },
    { "fakerecordsink", pkt_fake_record_sink_get_type },
    { "identity", pkt_identity_get_type },
    { "queue", pkt_queue_get_type },
    { "tee", pkt_tee_get_type },
    { "funnel", pkt_funnel_get_type },
    { "balance", pkt_balance_get_type },
    { "sample", pkt_sample_get_type },
    { "appsrc", pkt_app_src_get_type },
    { "appsink", pkt_app_sink_get_type },
  };
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    pkt_element_register (NULL, elements[i].name, PKT_RANK_PRIMARY, elements[i].get_type ());
}
