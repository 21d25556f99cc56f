/* pktpipe — pcap/pcapng file format: a reader that is a pure function over
 * memory (no I/O, no allocation per packet) and helpers to format headers.
 * pcapsrc, pcapsink and the fuzz target share it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <pktpipe/pkt-types.h>

G_BEGIN_DECLS

/* LINKTYPE_ numbers as stored in files (not DLT_ values). */
#define PCAP_LINKTYPE_NULL     0
#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_LINKTYPE_RAW      101
#define PCAP_LINKTYPE_LOOP     108
#define PCAP_LINKTYPE_SLL      113
#define PCAP_LINKTYPE_IPV4     228
#define PCAP_LINKTYPE_IPV6     229
#define PCAP_LINKTYPE_SLL2     276
#define PCAP_LINKTYPE_INVALID  0xffffffffu

/* Records larger than this are garbage, not packets (libpcap's limit for
 * most link types is 256 KiB; some D-Bus/USB link types allow more). */
#define PCAP_MAX_RECORD (64u * 1024u * 1024u)

typedef enum {
  PCAP_FORMAT_NONE = 0,
  PCAP_FORMAT_PCAP,
  PCAP_FORMAT_PCAPNG,
} PcapFormat;

typedef enum {
  PCAP_READ_PACKET = 0, /* @rec is filled */
  PCAP_READ_EOF,        /* clean end of data (only when eof was TRUE) */
  PCAP_READ_NEED_MORE,  /* the next record is incomplete: call again with more data */
  PCAP_READ_TRUNCATED,  /* eof was TRUE and the last record is incomplete */
  PCAP_READ_ERROR,      /* the data is not a valid capture: @error is set */
} PcapReadResult;

typedef struct {
  guint32 linktype; /* LINKTYPE_ value */
  guint32 snaplen;
  guint8 tsresol;     /* if_tsresol option byte (6 = µs default) */
  gint64 tsoffset_ns; /* if_tsoffset, in ns */
} PcapIface;

typedef struct {
  const guint8 *data; /* points into the buffer given to pcap_reader_next() */
  guint32 caplen;
  guint32 len;
  gint64 ts_ns;
  guint32 linktype; /* LINKTYPE_ value of the record's interface */
  guint32 iface;    /* pcapng interface id (0 for pcap) */
  gsize offset;     /* where the record (or packet block) starts in the buffer */
} PcapRecord;

#define PCAP_READER_MAX_IFACES 65536

typedef struct {
  PcapFormat format;
  gboolean swapped; /* file byte order differs from the host's */
  gboolean nsec;    /* pcap: nanosecond magic */
  guint16 version_major;
  guint16 version_minor;
  guint32 linktype;  /* pcap: the file's link type */
  guint32 snaplen;   /* pcap */
  gboolean started;  /* the file header (pcap) or the first SHB (pcapng) was read */
  guint64 n_records; /* packets returned so far */
  guint64 n_blocks;  /* pcapng blocks read so far */
  /* pcapng: interfaces of the current section */
  PcapIface *ifaces;
  guint n_ifaces;
  guint ifaces_alloc;
} PcapReader;

void pcap_reader_init (PcapReader *r);
void pcap_reader_clear (PcapReader *r);

/* Reads the next packet from @buf[*@offset .. @len). Skips non-packet blocks
 * (updating the interface table). On PACKET, *@offset points past the record.
 * On NEED_MORE/TRUNCATED, *@offset is where the incomplete record starts.
 * @eof says whether more data may follow @buf. */
PcapReadResult pcap_reader_next (PcapReader *r, const guint8 *buf, gsize len, gsize *offset,
                                 gboolean eof, PcapRecord *rec, GError **error);

/* The interface table as known so far (pcapng), or the file's one link type. */
guint pcap_reader_get_n_linktypes (PcapReader *r);
guint32 pcap_reader_get_linktype (PcapReader *r, guint idx);

/* PKT_LINK_UNKNOWN when pktpipe has no PktLinkType for it. */
PktLinkType pcap_linktype_to_pkt (guint32 linktype);
/* PCAP_LINKTYPE_INVALID for PKT_LINK_UNKNOWN */
guint32 pcap_linktype_from_pkt (PktLinkType lt);
/* the DLT_ value libpcap's pcap_open_dead() wants for a LINKTYPE_ value */
int pcap_linktype_to_dlt (guint32 linktype);
const char *pcap_linktype_get_name (guint32 linktype);

/* Writing. All values are written in host byte order (as libpcap does). */
#define PCAP_FILE_HEADER_LEN   24
#define PCAP_RECORD_HEADER_LEN 16
#define PCAPNG_SHB_LEN         28
#define PCAPNG_IDB_LEN         32 /* with if_tsresol and end-of-options */
#define PCAPNG_EPB_HEADER_LEN  28
#define PCAPNG_EPB_TRAILER_MAX 8 /* up to 3 pad bytes + total length */

void pcap_write_file_header (guint8 out[PCAP_FILE_HEADER_LEN], guint32 linktype, guint32 snaplen,
                             gboolean nsec);
void pcap_write_record_header (guint8 out[PCAP_RECORD_HEADER_LEN], gint64 ts_ns, guint32 caplen,
                               guint32 len, gboolean nsec);
void pcapng_write_shb (guint8 out[PCAPNG_SHB_LEN]);
void pcapng_write_idb (guint8 out[PCAPNG_IDB_LEN], guint32 linktype, guint32 snaplen,
                       gboolean nsec);
/* Returns the length of the trailer written to @trailer (pad + total length). */
guint pcapng_write_epb (guint8 hdr[PCAPNG_EPB_HEADER_LEN], guint8 trailer[PCAPNG_EPB_TRAILER_MAX],
                        guint32 iface, gint64 ts_ns, guint32 caplen, guint32 len, gboolean nsec);

G_END_DECLS
