/* pktpipe l7 — DNS message parsing (RFC 1035), a pure function over bytes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define L7_DNS_MAX_NAME    256 /* presentation form incl. NUL: 253 chars max */
#define L7_DNS_MAX_ANSWERS 32

typedef struct {
  guint16 type;
  guint16 klass;
  guint32 ttl;
  char text[L7_DNS_MAX_NAME + 16]; /* the answer as Zeek's dns.log shows it */
} L7DnsAnswer;

typedef struct {
  guint16 id;
  gboolean qr, aa, tc, rd, ra;
  guint8 opcode, z, rcode;
  guint16 qdcount, ancount, nscount, arcount;
  gboolean has_question;
  char qname[L7_DNS_MAX_NAME];
  guint16 qtype, qclass;
  guint n_answers; /* answers kept (≤ L7_DNS_MAX_ANSWERS) */
  L7DnsAnswer answers[L7_DNS_MAX_ANSWERS];
  gboolean truncated_rrs; /* the answer section ended early or was cut at the cap */
} L7DnsMessage;

/* Parses one DNS message (no TCP length prefix). Returns FALSE when the
 * header or the question is malformed; answers that do not parse end the
 * answer list (truncated_rrs) but keep the message. Name compression is
 * followed with loop protection: a pointer must point strictly backwards
 * and at most 64 pointers are followed per name. */
gboolean l7_dns_parse (const guint8 *msg, gsize len, L7DnsMessage *out);

const char *l7_dns_qtype_name (guint16 qtype);
const char *l7_dns_qclass_name (guint16 qclass);
const char *l7_dns_rcode_name (guint8 rcode);
const char *l7_dns_opcode_name (guint8 opcode);

G_END_DECLS
