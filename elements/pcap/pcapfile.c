/* pktpipe — pcap/pcapng reader over memory and header writers.
 *
 * The reader never copies packet bytes: a record's data points into the
 * caller's buffer (a read-only mapping of the file, or a heap chunk for
 * stdin). It never reads past @len, validates every length against what is
 * left, and reports garbage as an error with a message that says where.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pcapfile.h"

#include <string.h>
#include <pcap/dlt.h>

#define PCAP_MAGIC_USEC     0xa1b2c3d4u
#define PCAP_MAGIC_NSEC     0xa1b23c4du
#define PCAPNG_SHB          0x0a0d0d0au
#define PCAPNG_BYTE_ORDER   0x1a2b3c4du
#define PCAPNG_IDB          0x00000001u
#define PCAPNG_OPB          0x00000002u
#define PCAPNG_SPB          0x00000003u
#define PCAPNG_EPB          0x00000006u
#define PCAPNG_OPT_TSRESOL  9
#define PCAPNG_OPT_TSOFFSET 14
#define PCAPNG_MAX_BLOCK    (PCAP_MAX_RECORD + 4096u)

static GQuark
pcap_file_error_quark (void)
{
  return g_quark_from_static_string ("pcap-file-error");
}

static inline guint32
rd32 (const PcapReader *r, const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return r->swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

static inline guint16
rd16 (const PcapReader *r, const guint8 *p)
{
  guint16 v;
  memcpy (&v, p, 2);
  return r->swapped ? GUINT16_SWAP_LE_BE (v) : v;
}

void
pcap_reader_init (PcapReader *r)
{
  memset (r, 0, sizeof *r);
}

void
pcap_reader_clear (PcapReader *r)
{
  g_free (r->ifaces);
  memset (r, 0, sizeof *r);
}

static PcapReadResult fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static PcapReadResult
fail (GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, pcap_file_error_quark (), 0, msg);
  g_free (msg);
  return PCAP_READ_ERROR;
}

/* ---- timestamps ---- */

static gint64
saturate_i128 (__int128 v)
{
  if (v > G_MAXINT64)
    return G_MAXINT64;
  if (v < G_MININT64)
    return G_MININT64;
  return (gint64)v;
}

/* Converts @units of 10^-e or 2^-e seconds (if_tsresol) to nanoseconds. */
static gint64
ts_units_to_ns (guint64 units, guint8 tsresol)
{
  guint e = tsresol & 0x7f;
  __int128 v = units;
  if (tsresol & 0x80) {
    if (e >= 64)
      return 0;
    return saturate_i128 ((v * 1000000000) >> e);
  }
  if (e <= 9) {
    for (guint i = e; i < 9; i++)
      v *= 10;
    return saturate_i128 (v);
  }
  for (guint i = 9; i < e && v != 0; i++)
    v /= 10;
  return saturate_i128 (v);
}

/* ---- pcap ---- */

static PcapReadResult
pcap_read_file_header (PcapReader *r, const guint8 *buf, gsize len, gsize *offset, gboolean eof,
                       GError **error)
{
  if (len < PCAP_FILE_HEADER_LEN) {
    if (!eof)
      return PCAP_READ_NEED_MORE;
    return fail (error, "truncated pcap file header (%" G_GSIZE_FORMAT " of 24 bytes)", len);
  }
  guint32 magic;
  memcpy (&magic, buf, 4);
  r->swapped = (magic == GUINT32_SWAP_LE_BE (PCAP_MAGIC_USEC)
                || magic == GUINT32_SWAP_LE_BE (PCAP_MAGIC_NSEC));
  magic = rd32 (r, buf);
  r->nsec = magic == PCAP_MAGIC_NSEC;
  r->version_major = rd16 (r, buf + 4);
  r->version_minor = rd16 (r, buf + 6);
  /* libpcap accepts 2.x only (2.4 today; 2.3 and 2.2 from old writers) */
  if (r->version_major != 2)
    return fail (error, "unsupported pcap savefile version %u.%u", r->version_major,
                 r->version_minor);
  r->snaplen = rd32 (r, buf + 16);
  /* the upper bits hold FCS length and reserved flags (pcap-savefile(5)) */
  r->linktype = rd32 (r, buf + 20) & 0xffff;
  r->format = PCAP_FORMAT_PCAP;
  r->started = TRUE;
  *offset += PCAP_FILE_HEADER_LEN;
  return PCAP_READ_EOF; /* "header done": the caller continues */
}

static PcapReadResult
pcap_read_record (PcapReader *r, const guint8 *buf, gsize len, gsize *offset, gboolean eof,
                  PcapRecord *rec, GError **error)
{
  gsize off = *offset;
  gsize left = len - off;
  if (left == 0)
    return eof ? PCAP_READ_EOF : PCAP_READ_NEED_MORE;
  if (left < PCAP_RECORD_HEADER_LEN)
    return eof ? PCAP_READ_TRUNCATED : PCAP_READ_NEED_MORE;
  const guint8 *h = buf + off;
  guint32 sec = rd32 (r, h);
  guint32 frac = rd32 (r, h + 4);
  guint32 caplen = rd32 (r, h + 8);
  guint32 wirelen = rd32 (r, h + 12);
  guint32 limit = MAX (r->snaplen, 262144u);
  limit = MIN (limit, PCAP_MAX_RECORD);
  if (caplen > limit)
    return fail (error,
                 "record %" G_GUINT64_FORMAT " at offset %" G_GSIZE_FORMAT
                 ": capture length %u is bigger than the maximum of %u",
                 r->n_records + 1, off, caplen, limit);
  if (left - PCAP_RECORD_HEADER_LEN < caplen)
    return eof ? PCAP_READ_TRUNCATED : PCAP_READ_NEED_MORE;
  rec->data = h + PCAP_RECORD_HEADER_LEN;
  rec->caplen = caplen;
  rec->len = wirelen;
  rec->ts_ns = (gint64)sec * 1000000000 + (gint64)frac * (r->nsec ? 1 : 1000);
  rec->linktype = r->linktype;
  rec->iface = 0;
  rec->offset = off;
  *offset = off + PCAP_RECORD_HEADER_LEN + caplen;
  r->n_records++;
  return PCAP_READ_PACKET;
}

/* ---- pcapng ---- */

static PcapIface *
pcapng_add_iface (PcapReader *r)
{
  if (r->n_ifaces == r->ifaces_alloc) {
    r->ifaces_alloc = MAX (4, r->ifaces_alloc * 2);
    r->ifaces = g_renew (PcapIface, r->ifaces, r->ifaces_alloc);
  }
  return &r->ifaces[r->n_ifaces++];
}

static PcapReadResult
pcapng_read_shb (PcapReader *r, const guint8 *b, gsize left, gsize off, gboolean eof,
                 guint32 *total, GError **error)
{
  if (left < 12)
    return eof ? PCAP_READ_TRUNCATED : PCAP_READ_NEED_MORE;
  guint32 bom;
  memcpy (&bom, b + 8, 4);
  if (bom == PCAPNG_BYTE_ORDER)
    r->swapped = FALSE;
  else if (bom == GUINT32_SWAP_LE_BE (PCAPNG_BYTE_ORDER))
    r->swapped = TRUE;
  else
    return fail (error,
                 "section header at offset %" G_GSIZE_FORMAT
                 " has an unknown byte-order magic 0x%08x",
                 off, bom);
  *total = rd32 (r, b + 4);
  if (*total < PCAPNG_SHB_LEN)
    return fail (error, "section header at offset %" G_GSIZE_FORMAT " is too short (%u bytes)", off,
                 *total);
  if (left < 16)
    return eof ? PCAP_READ_TRUNCATED : PCAP_READ_NEED_MORE;
  r->version_major = rd16 (r, b + 12);
  r->version_minor = rd16 (r, b + 14);
  if (r->version_major != 1)
    return fail (error, "unsupported pcapng version %u.%u", r->version_major, r->version_minor);
  return PCAP_READ_PACKET; /* "go on" */
}

static void
pcapng_parse_idb_options (PcapReader *r, PcapIface *ifc, const guint8 *p, gsize n)
{
  while (n >= 4) {
    guint16 code = rd16 (r, p);
    guint16 olen = rd16 (r, p + 2);
    gsize padded = ((gsize)olen + 3) & ~(gsize)3;
    if (code == 0 || padded > n - 4)
      return; /* end of options, or a malformed one: keep what we have */
    const guint8 *v = p + 4;
    if (code == PCAPNG_OPT_TSRESOL && olen >= 1)
      ifc->tsresol = v[0];
    else if (code == PCAPNG_OPT_TSOFFSET && olen >= 8) {
      guint64 s;
      memcpy (&s, v, 8);
      if (r->swapped)
        s = GUINT64_SWAP_LE_BE (s);
      ifc->tsoffset_ns = saturate_i128 ((__int128)(gint64)s * 1000000000);
    }
    p += 4 + padded;
    n -= 4 + padded;
  }
}

static PcapReadResult
pcapng_read_idb (PcapReader *r, const guint8 *body, gsize n, gsize off, GError **error)
{
  if (n < 8)
    return fail (error, "interface description block at offset %" G_GSIZE_FORMAT " is too short",
                 off);
  if (r->n_ifaces >= PCAP_READER_MAX_IFACES)
    return fail (error, "too many interfaces (more than %u)", PCAP_READER_MAX_IFACES);
  PcapIface *ifc = pcapng_add_iface (r);
  ifc->linktype = rd16 (r, body);
  ifc->snaplen = rd32 (r, body + 4);
  ifc->tsresol = 6;
  ifc->tsoffset_ns = 0;
  pcapng_parse_idb_options (r, ifc, body + 8, n - 8);
  return PCAP_READ_PACKET;
}

static PcapReadResult
pcapng_packet (PcapReader *r, PcapRecord *rec, guint32 iface, guint32 ts_hi, guint32 ts_lo,
               const guint8 *data, guint32 caplen, guint32 wirelen, gsize off, GError **error)
{
  if (iface >= r->n_ifaces)
    return fail (error,
                 "packet block at offset %" G_GSIZE_FORMAT
                 " refers to interface %u, but only %u are described",
                 off, iface, r->n_ifaces);
  const PcapIface *ifc = &r->ifaces[iface];
  guint64 units = ((guint64)ts_hi << 32) | ts_lo;
  rec->data = data;
  rec->caplen = caplen;
  rec->len = wirelen;
  rec->ts_ns = saturate_i128 ((__int128)ts_units_to_ns (units, ifc->tsresol) + ifc->tsoffset_ns);
  rec->linktype = ifc->linktype;
  rec->iface = iface;
  rec->offset = off;
  r->n_records++;
  return PCAP_READ_PACKET;
}

/* Handles one complete block (header and trailer checked). Returns PACKET
 * when @rec was filled, EOF when the block was consumed without a packet. */
static PcapReadResult
pcapng_block (PcapReader *r, guint32 type, const guint8 *body, gsize n, gsize off, PcapRecord *rec,
              GError **error)
{
  switch (type) {
    case PCAPNG_IDB:
      if (pcapng_read_idb (r, body, n, off, error) == PCAP_READ_ERROR)
        return PCAP_READ_ERROR;
      return PCAP_READ_EOF;
    case PCAPNG_EPB: {
      if (n < 20)
        return fail (error, "enhanced packet block at offset %" G_GSIZE_FORMAT " is too short",
                     off);
      guint32 caplen = rd32 (r, body + 12);
      if (caplen > n - 20)
        return fail (error,
                     "enhanced packet block at offset %" G_GSIZE_FORMAT
                     ": capture length %u exceeds the block",
                     off, caplen);
      return pcapng_packet (r, rec, rd32 (r, body), rd32 (r, body + 4), rd32 (r, body + 8),
                            body + 20, caplen, rd32 (r, body + 16), off, error);
    }
    case PCAPNG_OPB: {
      if (n < 20)
        return fail (error, "packet block at offset %" G_GSIZE_FORMAT " is too short", off);
      guint32 caplen = rd32 (r, body + 12);
      if (caplen > n - 20)
        return fail (error,
                     "packet block at offset %" G_GSIZE_FORMAT
                     ": capture length %u exceeds the block",
                     off, caplen);
      return pcapng_packet (r, rec, rd16 (r, body), rd32 (r, body + 4), rd32 (r, body + 8),
                            body + 20, caplen, rd32 (r, body + 16), off, error);
    }
    case PCAPNG_SPB: {
      if (n < 4)
        return fail (error, "simple packet block at offset %" G_GSIZE_FORMAT " is too short", off);
      if (r->n_ifaces == 0)
        return fail (error,
                     "simple packet block at offset %" G_GSIZE_FORMAT
                     " before any interface description",
                     off);
      guint32 wirelen = rd32 (r, body);
      guint32 caplen = MIN (wirelen, (guint32)(n - 4));
      if (r->ifaces[0].snaplen != 0)
        caplen = MIN (caplen, r->ifaces[0].snaplen);
      /* a simple packet block has no timestamp: tshark shows 0 too */
      return pcapng_packet (r, rec, 0, 0, 0, body + 4, caplen, wirelen, off, error);
    }
    default:
      return PCAP_READ_EOF; /* NRB, ISB, DSB, custom, unknown: skipped */
  }
}

static PcapReadResult
pcapng_read (PcapReader *r, const guint8 *buf, gsize len, gsize *offset, gboolean eof,
             PcapRecord *rec, GError **error)
{
  for (;;) {
    gsize off = *offset;
    gsize left = len - off;
    if (left == 0)
      return eof ? PCAP_READ_EOF : PCAP_READ_NEED_MORE;
    if (left < 8)
      return eof ? PCAP_READ_TRUNCATED : PCAP_READ_NEED_MORE;
    const guint8 *b = buf + off;
    guint32 type;
    memcpy (&type, b, 4); /* the SHB type is a palindrome: order-independent */
    guint32 total = 0;
    if (type == PCAPNG_SHB) {
      PcapReadResult res = pcapng_read_shb (r, b, left, off, eof, &total, error);
      if (res != PCAP_READ_PACKET)
        return res;
      r->n_ifaces = 0; /* a new section starts a new interface table */
    } else {
      if (!r->started)
        return fail (error, "pcapng file does not start with a section header");
      type = rd32 (r, b);
      total = rd32 (r, b + 4);
    }
    if (total < 12 || (total & 3) != 0)
      return fail (error, "block at offset %" G_GSIZE_FORMAT " has an invalid length %u", off,
                   total);
    if (total > PCAPNG_MAX_BLOCK)
      return fail (error, "block at offset %" G_GSIZE_FORMAT " is too large (%u bytes)", off,
                   total);
    if (left < total)
      return eof ? PCAP_READ_TRUNCATED : PCAP_READ_NEED_MORE;
    guint32 trailer = rd32 (r, b + total - 4);
    if (trailer != total)
      return fail (error, "block total length in header %u and trailer %u don't match", total,
                   trailer);
    r->started = TRUE;
    r->n_blocks++;
    *offset = off + total;
    if (type == PCAPNG_SHB)
      continue;
    PcapReadResult res = pcapng_block (r, type, b + 8, total - 12, off, rec, error);
    if (res != PCAP_READ_EOF)
      return res;
  }
}

PcapReadResult
pcap_reader_next (PcapReader *r, const guint8 *buf, gsize len, gsize *offset, gboolean eof,
                  PcapRecord *rec, GError **error)
{
  g_return_val_if_fail (*offset <= len, PCAP_READ_ERROR);
  if (r->format == PCAP_FORMAT_NONE) {
    if (len - *offset < 4) {
      if (!eof)
        return PCAP_READ_NEED_MORE;
      if (len == 0)
        return fail (error, "the file is empty");
      return fail (error, "file too short for a capture header (%" G_GSIZE_FORMAT " bytes)", len);
    }
    guint32 magic;
    memcpy (&magic, buf + *offset, 4);
    if (magic == PCAPNG_SHB)
      r->format = PCAP_FORMAT_PCAPNG;
    else if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC
             || magic == GUINT32_SWAP_LE_BE (PCAP_MAGIC_USEC)
             || magic == GUINT32_SWAP_LE_BE (PCAP_MAGIC_NSEC)) {
      PcapReadResult res
          = pcap_read_file_header (r, buf + *offset, len - *offset, offset, eof, error);
      if (res != PCAP_READ_EOF)
        return res;
    } else
      return fail (error, "not a pcap or pcapng file (magic number 0x%08x)",
                   GUINT32_FROM_BE (magic));
  }
  if (r->format == PCAP_FORMAT_PCAPNG)
    return pcapng_read (r, buf, len, offset, eof, rec, error);
  return pcap_read_record (r, buf, len, offset, eof, rec, error);
}

guint
pcap_reader_get_n_linktypes (PcapReader *r)
{
  return r->format == PCAP_FORMAT_PCAPNG ? r->n_ifaces : (r->format == PCAP_FORMAT_PCAP);
}

guint32
pcap_reader_get_linktype (PcapReader *r, guint idx)
{
  if (r->format == PCAP_FORMAT_PCAPNG)
    return idx < r->n_ifaces ? r->ifaces[idx].linktype : PCAP_LINKTYPE_INVALID;
  return r->linktype;
}

/* ---- link types ---- */

PktLinkType
pcap_linktype_to_pkt (guint32 linktype)
{
  switch (linktype) {
    case PCAP_LINKTYPE_NULL:
      return PKT_LINK_NULL;
    case PCAP_LINKTYPE_ETHERNET:
      return PKT_LINK_ETHERNET;
    case PCAP_LINKTYPE_RAW:
      return PKT_LINK_RAW_IP;
    case PCAP_LINKTYPE_LOOP:
      return PKT_LINK_LOOP;
    case PCAP_LINKTYPE_SLL:
      return PKT_LINK_LINUX_SLL;
    case PCAP_LINKTYPE_IPV4:
      return PKT_LINK_RAW_IPV4;
    case PCAP_LINKTYPE_IPV6:
      return PKT_LINK_RAW_IPV6;
    case PCAP_LINKTYPE_SLL2:
      return PKT_LINK_LINUX_SLL2;
    default:
      return PKT_LINK_UNKNOWN;
  }
}

guint32
pcap_linktype_from_pkt (PktLinkType lt)
{
  switch (lt) {
    case PKT_LINK_NULL:
      return PCAP_LINKTYPE_NULL;
    case PKT_LINK_ETHERNET:
      return PCAP_LINKTYPE_ETHERNET;
    case PKT_LINK_RAW_IP:
      return PCAP_LINKTYPE_RAW;
    case PKT_LINK_LOOP:
      return PCAP_LINKTYPE_LOOP;
    case PKT_LINK_LINUX_SLL:
      return PCAP_LINKTYPE_SLL;
    case PKT_LINK_RAW_IPV4:
      return PCAP_LINKTYPE_IPV4;
    case PKT_LINK_RAW_IPV6:
      return PCAP_LINKTYPE_IPV6;
    case PKT_LINK_LINUX_SLL2:
      return PCAP_LINKTYPE_SLL2;
    default:
      return PCAP_LINKTYPE_INVALID;
  }
}

int
pcap_linktype_to_dlt (guint32 linktype)
{
  /* LINKTYPE_RAW is the only one whose DLT_ value differs by platform */
  if (linktype == PCAP_LINKTYPE_RAW)
    return DLT_RAW;
  return (int)linktype;
}

const char *
pcap_linktype_get_name (guint32 linktype)
{
  switch (linktype) {
    case PCAP_LINKTYPE_NULL:
      return "NULL (BSD loopback)";
    case PCAP_LINKTYPE_ETHERNET:
      return "EN10MB (Ethernet)";
    case PCAP_LINKTYPE_RAW:
      return "RAW (raw IP)";
    case PCAP_LINKTYPE_LOOP:
      return "LOOP (OpenBSD loopback)";
    case PCAP_LINKTYPE_SLL:
      return "LINUX_SLL (Linux cooked v1)";
    case PCAP_LINKTYPE_IPV4:
      return "IPV4 (raw IPv4)";
    case PCAP_LINKTYPE_IPV6:
      return "IPV6 (raw IPv6)";
    case PCAP_LINKTYPE_SLL2:
      return "LINUX_SLL2 (Linux cooked v2)";
    default:
      return "unsupported";
  }
}

/* ---- writing ---- */

static inline void
wr32 (guint8 *p, guint32 v)
{
  memcpy (p, &v, 4);
}

static inline void
wr16 (guint8 *p, guint16 v)
{
  memcpy (p, &v, 2);
}

void
pcap_write_file_header (guint8 out[PCAP_FILE_HEADER_LEN], guint32 linktype, guint32 snaplen,
                        gboolean nsec)
{
  wr32 (out, nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC);
  wr16 (out + 4, 2);
  wr16 (out + 6, 4);
  wr32 (out + 8, 0);  /* thiszone */
  wr32 (out + 12, 0); /* sigfigs */
  wr32 (out + 16, snaplen);
  wr32 (out + 20, linktype);
}

static void
split_ts (gint64 ts_ns, gboolean nsec, guint32 *sec, guint32 *frac)
{
  if (ts_ns < 0)
    ts_ns = 0;
  *sec = (guint32)(ts_ns / 1000000000);
  guint32 ns = (guint32)(ts_ns % 1000000000);
  *frac = nsec ? ns : ns / 1000;
}

void
pcap_write_record_header (guint8 out[PCAP_RECORD_HEADER_LEN], gint64 ts_ns, guint32 caplen,
                          guint32 len, gboolean nsec)
{
  guint32 sec, frac;
  split_ts (ts_ns, nsec, &sec, &frac);
  wr32 (out, sec);
  wr32 (out + 4, frac);
  wr32 (out + 8, caplen);
  wr32 (out + 12, len);
}

void
pcapng_write_shb (guint8 out[PCAPNG_SHB_LEN])
{
  wr32 (out, PCAPNG_SHB);
  wr32 (out + 4, PCAPNG_SHB_LEN);
  wr32 (out + 8, PCAPNG_BYTE_ORDER);
  wr16 (out + 12, 1);
  wr16 (out + 14, 0);
  guint64 unknown = G_MAXUINT64; /* section length not known in advance */
  memcpy (out + 16, &unknown, 8);
  wr32 (out + 24, PCAPNG_SHB_LEN);
}

void
pcapng_write_idb (guint8 out[PCAPNG_IDB_LEN], guint32 linktype, guint32 snaplen, gboolean nsec)
{
  wr32 (out, PCAPNG_IDB);
  wr32 (out + 4, PCAPNG_IDB_LEN);
  wr16 (out + 8, (guint16)linktype);
  wr16 (out + 10, 0);
  wr32 (out + 12, snaplen);
  /* if_tsresol: 9 (ns) or 6 (µs, also the default); written either way */
  wr16 (out + 16, PCAPNG_OPT_TSRESOL);
  wr16 (out + 18, 1);
  out[20] = nsec ? 9 : 6;
  out[21] = out[22] = out[23] = 0;
  wr32 (out + 24, 0); /* opt_endofopt */
  wr32 (out + 28, PCAPNG_IDB_LEN);
}

guint
pcapng_write_epb (guint8 hdr[PCAPNG_EPB_HEADER_LEN], guint8 trailer[PCAPNG_EPB_TRAILER_MAX],
                  guint32 iface, gint64 ts_ns, guint32 caplen, guint32 len, gboolean nsec)
{
  guint pad = (4 - (caplen & 3)) & 3;
  guint32 total = PCAPNG_EPB_HEADER_LEN + caplen + pad + 4;
  if (ts_ns < 0)
    ts_ns = 0;
  guint64 units = nsec ? (guint64)ts_ns : (guint64)ts_ns / 1000;
  wr32 (hdr, PCAPNG_EPB);
  wr32 (hdr + 4, total);
  wr32 (hdr + 8, iface);
  wr32 (hdr + 12, (guint32)(units >> 32));
  wr32 (hdr + 16, (guint32)units);
  wr32 (hdr + 20, caplen);
  wr32 (hdr + 24, len);
  memset (trailer, 0, pad);
  wr32 (trailer + pad, total);
  return pad + 4;
}
