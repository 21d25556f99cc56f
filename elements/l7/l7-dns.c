/* pktpipe l7 — DNS message parsing, bounds-checked at every byte.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "l7-dns.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static inline guint16
rd16 (const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static inline guint32
rd32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* Reads a possibly compressed name at *off; advances *off past it (in the
 * original position). Writes the dotted form into out (root = ""). */
static gboolean
read_name (const guint8 *msg, gsize len, gsize *off, char *out, gsize outsz)
{
  gsize pos = *off, w = 0;
  gboolean jumped = FALSE;
  guint jumps = 0;
  gsize lowest = *off; /* pointers must go strictly below every place visited */
  for (;;) {
    if (pos >= len)
      return FALSE;
    guint8 l = msg[pos];
    if ((l & 0xc0) == 0xc0) {
      if (pos + 1 >= len || ++jumps > 64)
        return FALSE;
      gsize target = ((gsize)(l & 0x3f) << 8) | msg[pos + 1];
      if (target >= lowest)
        return FALSE; /* forward or self pointer: a loop */
      if (!jumped)
        *off = pos + 2;
      jumped = TRUE;
      lowest = target;
      pos = target;
      continue;
    }
    if ((l & 0xc0) != 0)
      return FALSE; /* extended label types are obsolete */
    if (l == 0) {
      if (!jumped)
        *off = pos + 1;
      break;
    }
    if (pos + 1 + l > len)
      return FALSE;
    if (w + (w ? 1 : 0) + l + 1 > outsz)
      return FALSE;
    if (w)
      out[w++] = '.';
    for (guint i = 0; i < l; i++) {
      guint8 c = msg[pos + 1 + i];
      /* keep the log one token: no separators or control bytes */
      out[w++] = (c > 0x20 && c < 0x7f && c != ',') ? (char)c : '?';
    }
    pos += 1 + l;
  }
  out[w] = 0;
  return TRUE;
}

static void
format_answer (const guint8 *msg, gsize len, gsize rdoff, guint16 rdlen, L7DnsAnswer *a)
{
  char name[L7_DNS_MAX_NAME];
  gsize off = rdoff;
  a->text[0] = 0;
  switch (a->type) {
    case 1: /* A */
      if (rdlen == 4)
        inet_ntop (AF_INET, msg + rdoff, a->text, sizeof a->text);
      return;
    case 28: /* AAAA */
      if (rdlen == 16)
        inet_ntop (AF_INET6, msg + rdoff, a->text, sizeof a->text);
      return;
    case 2:
    case 5:
    case 12: /* NS, CNAME, PTR */
      if (read_name (msg, rdoff + rdlen, &off, name, sizeof name))
        g_strlcpy (a->text, name, sizeof a->text);
      return;
    case 15: /* MX: Zeek logs the exchange */
      off += 2;
      if (rdlen > 2 && read_name (msg, rdoff + rdlen, &off, name, sizeof name))
        g_strlcpy (a->text, name, sizeof a->text);
      return;
    case 33: /* SRV: Zeek logs the target */
      off += 6;
      if (rdlen > 6 && read_name (msg, rdoff + rdlen, &off, name, sizeof name))
        g_strlcpy (a->text, name, sizeof a->text);
      return;
    case 6: /* SOA: the primary name server */
      if (read_name (msg, rdoff + rdlen, &off, name, sizeof name))
        g_strlcpy (a->text, name, sizeof a->text);
      return;
    case 16: { /* TXT: Zeek logs "TXT <len> <string>" per string, the first here */
      if (rdlen < 1)
        return;
      guint8 sl = msg[rdoff];
      if (sl + 1u > rdlen)
        return;
      int n = g_snprintf (a->text, sizeof a->text, "TXT %u ", sl);
      for (guint i = 0; i < sl && n + 1 < (int)sizeof a->text; i++) {
        guint8 c = msg[rdoff + 1 + i];
        a->text[n++] = (c >= 0x20 && c < 0x7f && c != ',') ? (char)c : '?';
      }
      a->text[n] = 0;
      return;
    }
    default:
      g_snprintf (a->text, sizeof a->text, "<unknown type=%u>", a->type);
  }
}

gboolean
l7_dns_parse (const guint8 *msg, gsize len, L7DnsMessage *out)
{
  memset (out, 0, offsetof (L7DnsMessage, answers));
  if (len < 12)
    return FALSE;
  out->id = rd16 (msg);
  guint16 flags = rd16 (msg + 2);
  out->qr = flags >> 15;
  out->opcode = (flags >> 11) & 0xf;
  out->aa = (flags >> 10) & 1;
  out->tc = (flags >> 9) & 1;
  out->rd = (flags >> 8) & 1;
  out->ra = (flags >> 7) & 1;
  out->z = (flags >> 4) & 7;
  out->rcode = flags & 0xf;
  out->qdcount = rd16 (msg + 4);
  out->ancount = rd16 (msg + 6);
  out->nscount = rd16 (msg + 8);
  out->arcount = rd16 (msg + 10);
  gsize off = 12;
  if (out->qdcount > 0) {
    if (!read_name (msg, len, &off, out->qname, sizeof out->qname) || off + 4 > len)
      return FALSE;
    out->qtype = rd16 (msg + off);
    out->qclass = rd16 (msg + off + 2);
    off += 4;
    out->has_question = TRUE;
    /* further questions are skipped, as Zeek logs the first one */
    for (guint q = 1; q < out->qdcount; q++) {
      char skip[L7_DNS_MAX_NAME];
      if (!read_name (msg, len, &off, skip, sizeof skip) || off + 4 > len)
        return FALSE;
      off += 4;
    }
  }
  for (guint i = 0; i < out->ancount; i++) {
    if (out->n_answers == L7_DNS_MAX_ANSWERS) {
      out->truncated_rrs = TRUE;
      break;
    }
    L7DnsAnswer *a = &out->answers[out->n_answers];
    char name[L7_DNS_MAX_NAME];
    if (!read_name (msg, len, &off, name, sizeof name) || off + 10 > len) {
      out->truncated_rrs = TRUE;
      break;
    }
    a->type = rd16 (msg + off);
    a->klass = rd16 (msg + off + 2);
    a->ttl = rd32 (msg + off + 4);
    guint16 rdlen = rd16 (msg + off + 8);
    off += 10;
    if (off + rdlen > len) {
      out->truncated_rrs = TRUE;
      break;
    }
    if (i == 0 && !out->has_question)
      g_strlcpy (out->qname, name, sizeof out->qname); /* mDNS answers without a question */
    format_answer (msg, len, off, rdlen, a);
    off += rdlen;
    out->n_answers++;
  }
  return TRUE;
}

const char *
l7_dns_qtype_name (guint16 t)
{
  switch (t) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 13:
      return "HINFO";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 32:
      return "NIMLOC";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 41:
      return "OPT";
    case 43:
      return "DS";
    case 46:
      return "RRSIG";
    case 47:
      return "NSEC";
    case 48:
      return "DNSKEY";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 252:
      return "AXFR";
    case 255:
      return "*";
  }
  return NULL;
}

const char *
l7_dns_qclass_name (guint16 c)
{
  switch (c & 0x7fff) { /* mDNS uses the top bit for unicast-response */
    case 1:
      return "C_INTERNET";
    case 3:
      return "C_CHAOS";
    case 4:
      return "C_HESIOD";
    case 254:
      return "C_NONE";
    case 255:
      return "C_ANY";
  }
  return NULL;
}

const char *
l7_dns_rcode_name (guint8 r)
{
  static const char *names[] = { "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                 "YXDOMAIN", "YXRRSET", "NXRRSet",  "NOTAUTH",  "NOTZONE" };
  return r < G_N_ELEMENTS (names) ? names[r] : NULL;
}

const char *
l7_dns_opcode_name (guint8 o)
{
  static const char *names[] = { "query", "iquery", "status", NULL, "notify", "update" };
  return o < G_N_ELEMENTS (names) ? names[o] : NULL;
}
