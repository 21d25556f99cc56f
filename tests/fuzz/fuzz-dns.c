/* pktpipe fuzz — the DNS message parser.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-dns.h"
#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  L7DnsMessage m;
  if (l7_dns_parse (data, size, &m)) {
    g_assert (m.n_answers <= L7_DNS_MAX_ANSWERS);
    for (guint i = 0; i < m.n_answers; i++)
      g_assert (memchr (m.answers[i].text, 0, sizeof m.answers[i].text));
  }
  return 0;
}
