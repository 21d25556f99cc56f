/* pktpipe l7 — the plugin's element types (private).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "l7-base.h"

G_BEGIN_DECLS

#define PKT_TYPE_DNS_PARSE (pkt_dns_parse_get_type ())
G_DECLARE_FINAL_TYPE (PktDnsParse, pkt_dns_parse, PKT, DNS_PARSE, PktL7Parser)

#define PKT_TYPE_TLS_PARSE (pkt_tls_parse_get_type ())
G_DECLARE_FINAL_TYPE (PktTlsParse, pkt_tls_parse, PKT, TLS_PARSE, PktL7Parser)

#define PKT_TYPE_HTTP_PARSE (pkt_http_parse_get_type ())
G_DECLARE_FINAL_TYPE (PktHttpParse, pkt_http_parse, PKT, HTTP_PARSE, PktL7Parser)

#define PKT_TYPE_TCP_REASSEMBLE (pkt_tcp_reassemble_get_type ())
G_DECLARE_FINAL_TYPE (PktTcpReassemble, pkt_tcp_reassemble, PKT, TCP_REASSEMBLE, PktFilter)

extern const PktRecordType pkt_http_record_type;
extern const PktRecordType pkt_dns_record_type;
extern const PktRecordType pkt_ssl_record_type;

G_END_DECLS
