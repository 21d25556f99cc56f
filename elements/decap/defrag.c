/* pktpipe decap plugin — IPv4/IPv6 fragment reassembly.
 *
 * A datagram is keyed by addresses, IP id, protocol and outer VLAN. Its
 * payload is collected in one buffer with a bitmap of 8-byte units (the
 * fragment offset's granularity): a byte already held is never replaced
 * (first wins, as Linux and Zeek; counted as an overlap). The datagram's
 * time limit runs from its first fragment (packet time, like Linux's
 * ipfrag_time), its memory is bounded by max-datagrams and max-bytes, and
 * every fragment of a datagram dropped incomplete is counted.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "defrag.h"

#include <string.h>

#define UNITS (65536 / 8)

typedef struct {
  guint8 family, proto;
  guint16 vlan;
  guint32 id;
  guint8 src[16], dst[16];
} DefragKey;

typedef struct {
  GList link; /* in PktDefrag.order: oldest first */
  DefragKey key;
  gint64 first_ts;
  guint8 *prefix; /* link header + IP header (+ IPv6 unfragmentable part) */
  guint prefix_len, l3_off, nh_fix_off;
  guint8 v6_next; /* next header after the fragment header */
  guint8 *buf;
  guint alloc, max_end, limit;
  gint total; /* payload length, -1 until the last fragment */
  guint units_set, n_frags;
  gboolean have_first;
  guint8 have[UNITS / 8];
} Datagram;

struct _PktDefrag {
  GHashTable *table; /* DefragKey -> Datagram */
  GQueue order;
  guint max_datagrams;
  guint64 max_bytes, bytes;
  guint64 timeout_ns;
  PktDefragStats stats;
};

typedef struct {
  DefragKey key;
  guint off, len, payload_off, limit;
  gboolean more;
  guint prefix_len, nh_fix_off;
  guint8 v6_next;
} Fragment;

static guint
key_hash (gconstpointer k)
{
  const guint8 *b = k;
  guint32 h = 2166136261u;
  for (gsize i = 0; i < sizeof (DefragKey); i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (DefragKey)) == 0;
}

static guint
rd16 (const guint8 *p)
{
  return (guint)p[0] << 8 | p[1];
}

static guint32
rd32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

PktDefrag *
pkt_defrag_new (guint max_datagrams, guint64 max_bytes, guint64 timeout_ns)
{
  PktDefrag *d = g_new0 (PktDefrag, 1);
  d->table = g_hash_table_new (key_hash, key_equal);
  g_queue_init (&d->order);
  d->max_datagrams = MAX (max_datagrams, 1);
  d->max_bytes = max_bytes;
  d->timeout_ns = timeout_ns;
  return d;
}

static void
datagram_free (PktDefrag *d, Datagram *g)
{
  d->bytes -= g->alloc + g->prefix_len + sizeof (Datagram);
  g_free (g->prefix);
  g_free (g->buf);
  g_free (g);
}

/* Removes @g; @lost: dropped incomplete (its fragments are counted lost) */
static void
datagram_drop (PktDefrag *d, Datagram *g, gboolean lost)
{
  g_queue_unlink (&d->order, &g->link);
  g_hash_table_remove (d->table, &g->key);
  PKT_STAT_ADD (d->stats.pending, -1);
  if (lost)
    PKT_STAT_ADD (d->stats.lost_fragments, g->n_frags);
  datagram_free (d, g);
}

void
pkt_defrag_free (PktDefrag *d)
{
  if (!d)
    return;
  while (d->order.head)
    datagram_drop (d, d->order.head->data, FALSE);
  g_hash_table_unref (d->table);
  g_free (d);
}

/* IPv4: fragment fields of the header at @ip; FALSE if not a fragment or
 * not usable (then *@bad says which). */
static gboolean
parse_v4 (const PktPacket *p, const guint8 *ip, guint avail, Fragment *f, gboolean *bad)
{
  if (avail < 20)
    return FALSE;
  guint ihl = (ip[0] & 15) * 4, total = rd16 (ip + 2), frag = rd16 (ip + 6);
  if (!(frag & 0x3fff))
    return FALSE; /* neither MF nor an offset */
  if (ihl < 20 || total < ihl || total > avail) {
    *bad = TRUE;
    return FALSE;
  }
  f->key.family = 4;
  f->key.proto = ip[9];
  f->key.id = rd16 (ip + 4);
  memcpy (f->key.src, ip + 12, 4);
  memcpy (f->key.dst, ip + 16, 4);
  f->off = (frag & 0x1fff) * 8;
  f->more = (frag & 0x2000) != 0;
  f->payload_off = p->l3_off + ihl;
  f->len = total - ihl;
  f->limit = 65535 - ihl;
  f->prefix_len = p->l3_off + ihl;
  return TRUE;
}

/* IPv6: walks the extension headers that may precede a fragment header */
static gboolean
parse_v6 (const PktPacket *p, const guint8 *ip, guint avail, Fragment *f, gboolean *bad)
{
  if (avail < 40)
    return FALSE;
  guint end = 40 + rd16 (ip + 4), off = 40, nh_at = 6, next = ip[6];
  if (end > avail) {
    *bad = TRUE;
    return FALSE;
  }
  while (next == 0 || next == 43 || next == 60) {
    if (off + 8 > end)
      return FALSE;
    nh_at = off;
    next = ip[off];
    off += (ip[off + 1] + 1) * 8;
  }
  if (next != 44)
    return FALSE;
  if (off + 8 > end) {
    *bad = TRUE;
    return FALSE;
  }
  const guint8 *fh = ip + off;
  guint fo = rd16 (fh + 2);
  f->key.family = 6;
  f->key.proto = fh[0];
  f->key.id = rd32 (fh + 4);
  memcpy (f->key.src, ip + 8, 16);
  memcpy (f->key.dst, ip + 24, 16);
  f->off = fo & 0xfff8;
  f->more = fo & 1;
  f->payload_off = p->l3_off + off + 8;
  f->len = end - off - 8;
  f->limit = 65535 - (off - 40);
  f->prefix_len = p->l3_off + off; /* the fragment header is left out */
  f->nh_fix_off = p->l3_off + nh_at;
  f->v6_next = fh[0];
  return TRUE;
}

static Datagram *
datagram_get (PktDefrag *d, const Fragment *f, gint64 ts)
{
  Datagram *g = g_hash_table_lookup (d->table, &f->key);
  if (g)
    return g;
  if (g_hash_table_size (d->table) >= d->max_datagrams) {
    PKT_STAT_ADD (d->stats.evicted, 1);
    datagram_drop (d, d->order.head->data, TRUE);
  }
  g = g_new0 (Datagram, 1);
  g->key = f->key;
  g->first_ts = ts;
  g->total = -1;
  g->link.data = g;
  g_hash_table_insert (d->table, &g->key, g);
  PKT_STAT_ADD (d->stats.pending, 1);
  g_queue_push_tail_link (&d->order, &g->link);
  d->bytes += sizeof (Datagram);
  return g;
}

/* Copies the units of @f not yet held; TRUE if some were already held. */
static gboolean
datagram_fill (PktDefrag *d, Datagram *g, const Fragment *f, const guint8 *payload)
{
  guint end = f->off + f->len;
  if (end > g->alloc) {
    guint n = MAX (end, MIN (g->alloc * 2, 65536u));
    g->buf = g_realloc (g->buf, n);
    d->bytes += n - g->alloc;
    g->alloc = n;
  }
  gboolean overlap = FALSE;
  for (guint u = f->off / 8; u * 8 < end; u++) {
    if (g->have[u / 8] & (1u << (u % 8))) {
      overlap = TRUE;
      continue;
    }
    guint a = u * 8, b = MIN (a + 8, end);
    memcpy (g->buf + a, payload + (a - f->off), b - a);
    g->have[u / 8] |= 1u << (u % 8);
    g->units_set++;
  }
  g->max_end = MAX (g->max_end, end);
  return overlap;
}

static guint16
ipv4_checksum (const guint8 *ip, guint ihl)
{
  guint32 sum = 0;
  for (guint i = 0; i < ihl; i += 2)
    sum += rd16 (ip + i);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16)~sum;
}

static guint8 *
datagram_build (Datagram *g, gsize *len)
{
  gsize n = g->prefix_len + (gsize)g->total;
  guint8 *out = g_malloc (n);
  memcpy (out, g->prefix, g->prefix_len);
  memcpy (out + g->prefix_len, g->buf, g->total);
  guint8 *ip = out + g->l3_off;
  if (g->key.family == 4) {
    guint ihl = (ip[0] & 15) * 4, tot = ihl + g->total;
    ip[2] = tot >> 8, ip[3] = tot;
    ip[6] &= 0x40; /* keep DF; MF and the offset go */
    ip[7] = 0;
    ip[10] = ip[11] = 0;
    guint16 c = ipv4_checksum (ip, ihl);
    ip[10] = c >> 8, ip[11] = c;
  } else {
    guint plen = g->prefix_len - g->l3_off - 40 + g->total;
    ip[4] = plen >> 8, ip[5] = plen;
    out[g->nh_fix_off] = g->v6_next;
  }
  *len = n;
  return out;
}

static void
enforce_bytes (PktDefrag *d, Datagram *keep)
{
  while (d->max_bytes && d->bytes > d->max_bytes && d->order.head) {
    Datagram *victim = d->order.head->data;
    if (victim == keep && !d->order.head->next)
      break;
    if (victim == keep)
      victim = d->order.head->next->data;
    PKT_STAT_ADD (d->stats.evicted, 1);
    datagram_drop (d, victim, TRUE);
  }
}

PktDefragResult
pkt_defrag_push (PktDefrag *d, const PktPacket *p, guint8 **frame, gsize *frame_len)
{
  Fragment f;
  gboolean bad = FALSE, ok;
  if (p->l3_off == PKT_OFFSET_NONE || p->l3_off >= p->caplen)
    return PKT_DEFRAG_PASS;
  const guint8 *ip = p->data + p->l3_off;
  guint avail = p->caplen - p->l3_off;
  memset (&f, 0, sizeof f);
  if (p->l3_proto == 4)
    ok = parse_v4 (p, ip, avail, &f, &bad);
  else if (p->l3_proto == 6)
    ok = parse_v6 (p, ip, avail, &f, &bad);
  else
    return PKT_DEFRAG_PASS;
  if (!ok) {
    if (!bad)
      return PKT_DEFRAG_PASS;
    PKT_STAT_ADD (d->stats.malformed, 1);
    return PKT_DEFRAG_MALFORMED;
  }
  f.key.vlan = p->vlan_tci & 0x0fff;
  guint end = f.off + f.len;
  /* every fragment but the last carries a multiple of 8 bytes */
  if (end > f.limit || (f.more && (f.len == 0 || f.len % 8))) {
    PKT_STAT_ADD (d->stats.malformed, 1);
    return PKT_DEFRAG_MALFORMED;
  }
  Datagram *g = datagram_get (d, &f, p->ts_ns);
  if ((g->total >= 0 && (end > (guint)g->total || (!f.more && end != (guint)g->total)))
      || (!f.more && end < g->max_end)) {
    PKT_STAT_ADD (d->stats.malformed, 1); /* contradicts the length already known */
    return PKT_DEFRAG_MALFORMED;
  }
  PKT_STAT_ADD (d->stats.fragments, 1);
  g->n_frags++;
  if (datagram_fill (d, g, &f, p->data + f.payload_off))
    PKT_STAT_ADD (d->stats.overlaps, 1);
  if (!f.more)
    g->total = (gint)end;
  if (f.off == 0 && !g->have_first) {
    g->have_first = TRUE;
    g->prefix = g_memdup2 (p->data, f.prefix_len);
    g->prefix_len = f.prefix_len;
    g->l3_off = p->l3_off;
    g->nh_fix_off = f.nh_fix_off;
    g->v6_next = f.v6_next;
    d->bytes += f.prefix_len;
  }
  if (g->have_first && g->total >= 0 && g->units_set == ((guint)g->total + 7) / 8) {
    *frame = datagram_build (g, frame_len);
    PKT_STAT_ADD (d->stats.reassembled, 1);
    datagram_drop (d, g, FALSE);
    return PKT_DEFRAG_DONE;
  }
  enforce_bytes (d, g);
  return PKT_DEFRAG_HELD;
}

void
pkt_defrag_expire (PktDefrag *d, gint64 now_ns)
{
  while (d->order.head) {
    Datagram *g = d->order.head->data;
    if (now_ns != G_MAXINT64 && now_ns - g->first_ts < (gint64)MIN (d->timeout_ns, G_MAXINT64))
      break;
    PKT_STAT_ADD (d->stats.timeouts, 1);
    datagram_drop (d, g, TRUE);
  }
}

const PktDefragStats *
pkt_defrag_get_stats (PktDefrag *d)
{
  return &d->stats;
}

guint
pkt_defrag_get_pending (PktDefrag *d)
{
  return (guint)PKT_STAT_GET (d->stats.pending);
}
