/* pktpipe fuzz — TLS ClientHello/ServerHello parsing and the fingerprints,
 * and the X.509 name walk behind sni_matches_cert. The first byte picks
 * what the rest is: bit 2 a DER certificate, else bit 0 ClientHello or
 * ServerHello.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-tls.h"
#include "l7-x509.h"
#include <stdint.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char h[40];
  if (data[0] & 4) {
    l7_x509_cert_matches_host (data + 1, size - 1, "www.example.com");
    return 0;
  }
  if (data[0] & 1) {
    L7TlsClientHello ch;
    if (l7_tls_parse_client_hello (data + 1, size - 1, &ch)) {
      l7_tls_ja3 (&ch, h);
      l7_tls_ja4 (&ch, data[0] & 2, h);
    }
  } else {
    L7TlsServerHello sh;
    if (l7_tls_parse_server_hello (data + 1, size - 1, &sh))
      l7_tls_ja3s (&sh, h);
  }
  return 0;
}
