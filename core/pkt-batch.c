/* pktpipe — leases, the batch base and buffer lists.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-batch.h>
#include <string.h>

/* ---- PktLease ------------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (PktLease, pkt_lease, pkt_lease_ref, pkt_lease_unref)

/**
 * pkt_lease_init:
 * @lease: storage (usually embedded in a per-block struct of a source)
 * @release: (scope notified): runs once when the last reference goes
 * @user_data: passed to @release
 *
 * Arms @lease with one reference held by the caller. Allocates nothing.
 */
void
pkt_lease_init (PktLease *lease, PktLeaseReleaseFunc release, gpointer user_data)
{
  lease->release = release;
  lease->user_data = user_data;
  g_atomic_int_set (&lease->refcount, 1);
}

static void
lease_free_self (PktLease *lease, gpointer user_data)
{
  g_free (lease);
}

/**
 * pkt_lease_new: (skip)
 * @release: (nullable): runs once when the last reference goes; it must free
 *   @lease itself too (it was allocated with g_new). NULL frees the lease.
 * @user_data: passed to @release
 *
 * Returns: (transfer full): a heap lease
 */
PktLease *
pkt_lease_new (PktLeaseReleaseFunc release, gpointer user_data)
{
  PktLease *lease = g_new (PktLease, 1);
  pkt_lease_init (lease, release ? release : lease_free_self, user_data);
  return lease;
}

typedef struct {
  PktLease lease;
  gpointer mem;
  GDestroyNotify free_func;
} MemLease;

static void
mem_lease_release (PktLease *lease, gpointer user_data)
{
  MemLease *ml = (MemLease *)lease;
  if (ml->free_func)
    ml->free_func (ml->mem);
  g_free (ml);
}

/**
 * pkt_lease_new_for_memory: (skip)
 * @mem: memory the lease owns
 * @free_func: (nullable): frees @mem when the last reference goes
 *
 * Returns: (transfer full): a lease over heap (or any) memory
 */
PktLease *
pkt_lease_new_for_memory (gpointer mem, GDestroyNotify free_func)
{
  MemLease *ml = g_new (MemLease, 1);
  ml->mem = mem;
  ml->free_func = free_func;
  pkt_lease_init (&ml->lease, mem_lease_release, NULL);
  return &ml->lease;
}

typedef struct {
  PktLease lease;
  PktLease *keep;
  /* the memory follows, 16-byte aligned */
} ArenaLease;

static void
arena_lease_release (PktLease *lease, gpointer user_data)
{
  ArenaLease *a = (ArenaLease *)lease;
  if (a->keep)
    pkt_lease_unref (a->keep);
  g_free (a);
}

/**
 * pkt_lease_new_arena: (skip)
 * @size: bytes of memory wanted
 * @keep: (nullable): a lease to keep alive as long as this one
 * @mem: (out): where the memory starts (16-byte aligned, uninitialised)
 *
 * One allocation holding a lease and @size bytes: what an element that
 * rewrites some packets of a batch (encap, reassembly) hands the batch as
 * its new lease. With @keep (the batch's previous lease) the packets left
 * unchanged keep pointing into memory that stays alive.
 *
 * Returns: (transfer full): the lease
 */
PktLease *
pkt_lease_new_arena (gsize size, PktLease *keep, gpointer *mem)
{
  gsize head = (sizeof (ArenaLease) + 15) & ~(gsize)15;
  ArenaLease *a = g_malloc (head + MAX (size, 1));
  pkt_lease_init (&a->lease, arena_lease_release, NULL);
  a->keep = keep ? pkt_lease_ref (keep) : NULL;
  *mem = (guint8 *)a + head;
  return &a->lease;
}

/**
 * pkt_lease_ref:
 * @lease: a lease
 *
 * Returns: (transfer full): @lease
 */
PktLease *
pkt_lease_ref (PktLease *lease)
{
  g_atomic_int_inc (&lease->refcount);
  return lease;
}

/**
 * pkt_lease_unref:
 * @lease: (transfer full): a lease
 *
 * Drops a reference; the last one runs the release function, on this thread.
 */
void
pkt_lease_unref (PktLease *lease)
{
  if (g_atomic_int_dec_and_test (&lease->refcount))
    lease->release (lease, lease->user_data);
}

/* ---- PktBatch ------------------------------------------------------------ */

/**
 * pkt_batch_ref: (skip)
 * @batch: a batch
 *
 * Returns: @batch
 */
PktBatch *
pkt_batch_ref (PktBatch *batch)
{
  g_atomic_int_inc (&batch->refcount);
  return batch;
}

/**
 * pkt_batch_unref: (skip)
 * @batch: a batch
 */
void
pkt_batch_unref (PktBatch *batch)
{
  if (g_atomic_int_dec_and_test (&batch->refcount))
    batch->dispose (batch);
}

/**
 * pkt_batch_is_writable: (skip)
 * @batch: a batch
 *
 * Returns: TRUE when the caller holds the only reference
 */
gboolean
pkt_batch_is_writable (const PktBatch *batch)
{
  return g_atomic_int_get (&batch->refcount) == 1;
}

/* ---- buffer list pool ------------------------------------------------------
 * Lists of the default capacity are recycled. Each thread keeps a small
 * cache (no lock); overflow and refill move whole magazines of lists to and
 * from a global depot under a mutex, so the lock is taken once per
 * MAGAZINE lists, not per batch. A source thread and a queue thread that
 * frees what the source allocated settle into exchanging magazines. */

#define MAGAZINE 32

typedef struct {
  PktBufferList *items[MAGAZINE];
  guint n;
} Magazine;

static GMutex depot_lock;
static GPtrArray *depot_full;  /* Magazine* with n == MAGAZINE */
static guint64 pool_allocated; /* lists ever malloc'ed (for tests) */

/* Two magazines per thread (Bonwick's scheme): alternating allocation and
 * release at a magazine boundary swaps them instead of touching the depot. */
typedef struct {
  Magazine *loaded;
  Magazine *previous;
} ThreadCache;

static void
magazine_free (Magazine *m)
{
  for (guint i = 0; i < m->n; i++)
    g_free (m->items[i]);
  g_free (m);
}

static void
thread_cache_free (gpointer data)
{
  ThreadCache *tc = data;
  magazine_free (tc->loaded);
  magazine_free (tc->previous);
  g_free (tc);
}

static GPrivate cache_key = G_PRIVATE_INIT (thread_cache_free);

static ThreadCache *
thread_cache_get (void)
{
  ThreadCache *tc = g_private_get (&cache_key);
  if (G_UNLIKELY (tc == NULL)) {
    tc = g_new0 (ThreadCache, 1);
    tc->loaded = g_new0 (Magazine, 1);
    tc->previous = g_new0 (Magazine, 1);
    g_private_set (&cache_key, tc);
  }
  return tc;
}

static gsize
list_alloc_size (guint capacity)
{
  return sizeof (PktBufferList) + (gsize)capacity * sizeof (PktPacket);
}

static void
swap_magazines (ThreadCache *tc)
{
  Magazine *t = tc->loaded;
  tc->loaded = tc->previous;
  tc->previous = t;
}

static PktBufferList *
pool_get (void)
{
  ThreadCache *tc = thread_cache_get ();
  if (G_LIKELY (tc->loaded->n > 0))
    return tc->loaded->items[--tc->loaded->n];
  if (tc->previous->n > 0) {
    swap_magazines (tc);
    return tc->loaded->items[--tc->loaded->n];
  }
  Magazine *full = NULL;
  g_mutex_lock (&depot_lock);
  if (depot_full && depot_full->len > 0)
    full = g_ptr_array_steal_index_fast (depot_full, depot_full->len - 1);
  g_mutex_unlock (&depot_lock);
  if (full) {
    g_free (tc->loaded); /* both magazines are empty: keep one */
    tc->loaded = full;
    return tc->loaded->items[--tc->loaded->n];
  }
  __atomic_fetch_add (&pool_allocated, 1, __ATOMIC_RELAXED);
  return g_malloc (list_alloc_size (PKT_BUFFER_LIST_DEFAULT_CAPACITY));
}

static void
pool_put (PktBufferList *list)
{
  ThreadCache *tc = thread_cache_get ();
  if (G_LIKELY (tc->loaded->n < MAGAZINE)) {
    tc->loaded->items[tc->loaded->n++] = list;
    return;
  }
  if (tc->previous->n < MAGAZINE) {
    swap_magazines (tc);
    tc->loaded->items[tc->loaded->n++] = list;
    return;
  }
  /* both full: the previous one goes to the depot (or back to malloc when
   * the depot is at its bound), and an empty one takes its place */
  Magazine *full = tc->previous;
  g_mutex_lock (&depot_lock);
  if (!depot_full)
    depot_full = g_ptr_array_new ();
  if (depot_full->len < 64) {
    g_ptr_array_add (depot_full, full);
    full = NULL;
  }
  g_mutex_unlock (&depot_lock);
  if (full)
    magazine_free (full);
  tc->previous = tc->loaded;
  tc->loaded = g_new0 (Magazine, 1);
  tc->loaded->items[tc->loaded->n++] = list;
}

/* for tests: how many pooled lists were ever allocated */
guint64 _pkt_buffer_list_pool_allocated (void);
guint64
_pkt_buffer_list_pool_allocated (void)
{
  return __atomic_load_n (&pool_allocated, __ATOMIC_RELAXED);
}

/* ---- PktBufferList ------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (PktBufferList, pkt_buffer_list, pkt_buffer_list_ref, pkt_buffer_list_unref)

static void
buffer_list_dispose (PktBatch *batch)
{
  PktBufferList *list = (PktBufferList *)batch;
  if (list->lease)
    pkt_lease_unref (list->lease);
  if (list->capacity == PKT_BUFFER_LIST_DEFAULT_CAPACITY)
    pool_put (list);
  else
    g_free (list);
}

/**
 * pkt_buffer_list_new:
 * @capacity: number of descriptor slots (0 = the default, 256)
 *
 * Returns: (transfer full): an empty list with no lease
 */
PktBufferList *
pkt_buffer_list_new (guint capacity)
{
  PktBufferList *list;
  if (capacity == 0)
    capacity = PKT_BUFFER_LIST_DEFAULT_CAPACITY;
  if (capacity == PKT_BUFFER_LIST_DEFAULT_CAPACITY)
    list = pool_get ();
  else
    list = g_malloc (list_alloc_size (capacity));
  list->batch.refcount = 1;
  list->batch.type = PKT_BATCH_BUFFER_LIST;
  list->batch.flags = 0;
  list->batch.dispose = buffer_list_dispose;
  list->n_packets = 0;
  list->capacity = capacity;
  list->lease = NULL;
  return list;
}

/**
 * pkt_buffer_list_ref:
 * @list: a list
 *
 * Returns: (transfer full): @list
 */
PktBufferList *
pkt_buffer_list_ref (PktBufferList *list)
{
  g_atomic_int_inc (&list->batch.refcount);
  return list;
}

/**
 * pkt_buffer_list_unref:
 * @list: (transfer full): a list
 */
void
pkt_buffer_list_unref (PktBufferList *list)
{
  pkt_batch_unref (&list->batch);
}

/**
 * pkt_buffer_list_set_lease:
 * @list: a list
 * @lease: (nullable) (transfer none): the lease its packets borrow from (a reference is taken)
 */
void
pkt_buffer_list_set_lease (PktBufferList *list, PktLease *lease)
{
  if (lease)
    pkt_lease_ref (lease);
  if (list->lease)
    pkt_lease_unref (list->lease);
  list->lease = lease;
}

/**
 * pkt_buffer_list_copy:
 * @list: a list
 *
 * Copies the descriptors (never the frames); the copy shares the lease.
 *
 * Returns: (transfer full): the copy
 */
PktBufferList *
pkt_buffer_list_copy (const PktBufferList *list)
{
  guint cap = MAX (list->n_packets, PKT_BUFFER_LIST_DEFAULT_CAPACITY);
  PktBufferList *copy = pkt_buffer_list_new (cap);
  memcpy (copy->packets, list->packets, list->n_packets * sizeof (PktPacket));
  copy->n_packets = list->n_packets;
  copy->batch.flags = list->batch.flags;
  pkt_buffer_list_set_lease (copy, list->lease);
  return copy;
}

typedef struct {
  PktLease lease;
  guint8 bytes[];
} OwnedArena;

static void
owned_arena_release (PktLease *lease, gpointer user_data)
{
  g_free (lease);
}

/**
 * pkt_buffer_list_copy_deep:
 * @list: a list
 *
 * Copies descriptors and frame bytes into one data-owned arena, for
 * anything that must outlive a ring or rewrite bytes (encap, MAC rewrite).
 *
 * Returns: (transfer full): the copy, whose frames are writable
 */
PktBufferList *
pkt_buffer_list_copy_deep (const PktBufferList *list)
{
  gsize total = 0;
  for (guint i = 0; i < list->n_packets; i++)
    total += list->packets[i].caplen;
  OwnedArena *arena = g_malloc (sizeof (OwnedArena) + total);
  pkt_lease_init (&arena->lease, owned_arena_release, NULL);
  PktBufferList *copy = pkt_buffer_list_copy (list);
  gsize off = 0;
  for (guint i = 0; i < copy->n_packets; i++) {
    PktPacket *p = &copy->packets[i];
    memcpy (arena->bytes + off, p->data, p->caplen);
    p->data = arena->bytes + off;
    off += p->caplen;
  }
  pkt_buffer_list_set_lease (copy, &arena->lease);
  pkt_lease_unref (&arena->lease);
  return copy;
}

/**
 * pkt_buffer_list_make_writable:
 * @list: (transfer full): a list
 *
 * Returns @list itself when the caller holds the only reference, else a
 * copy of the descriptors (sharing the lease) and drops the caller's
 * reference on @list. Frame bytes stay read-only either way.
 *
 * Returns: (transfer full): a list whose descriptors may be modified
 */
PktBufferList *
pkt_buffer_list_make_writable (PktBufferList *list)
{
  if (pkt_batch_is_writable (&list->batch))
    return list;
  PktBufferList *copy = pkt_buffer_list_copy (list);
  pkt_buffer_list_unref (list);
  return copy;
}

/**
 * pkt_buffer_list_get_length:
 * @list: a list
 *
 * Returns: the number of packets
 */
guint
pkt_buffer_list_get_length (PktBufferList *list)
{
  return list->n_packets;
}

/**
 * pkt_buffer_list_get_packet:
 * @list: a list
 * @idx: index
 *
 * Returns: (transfer none) (nullable): the descriptor, or NULL out of range
 */
PktPacket *
pkt_buffer_list_get_packet (PktBufferList *list, guint idx)
{
  g_return_val_if_fail (idx < list->n_packets, NULL);
  return &list->packets[idx];
}

/**
 * pkt_buffer_list_get_packet_bytes:
 * @list: a list
 * @idx: index
 *
 * For bindings: a copy of the captured bytes of one packet.
 *
 * Returns: (transfer full) (nullable): the bytes
 */
GBytes *
pkt_buffer_list_get_packet_bytes (PktBufferList *list, guint idx)
{
  g_return_val_if_fail (idx < list->n_packets, NULL);
  return g_bytes_new (list->packets[idx].data, list->packets[idx].caplen);
}

/**
 * pkt_buffer_list_append: (skip)
 * @list: a writable list that is not full
 *
 * Returns: the next free descriptor (zeroed offsets are the caller's job:
 *   see pkt_packet_init())
 */
PktPacket *
pkt_buffer_list_append (PktBufferList *list)
{
  g_return_val_if_fail (list->n_packets < list->capacity, NULL);
  return &list->packets[list->n_packets++];
}

/**
 * pkt_buffer_list_new_from_frames:
 * @frames: (array length=n_frames): frames (Ethernet)
 * @n_frames: how many
 * @ts_ns: timestamp for all of them
 *
 * Copies the frames into one data-owned arena. For applications and tests.
 *
 * Returns: (transfer full): a list
 */
PktBufferList *
pkt_buffer_list_new_from_frames (GBytes *const *frames, guint n_frames, gint64 ts_ns)
{
  gsize total = 0;
  for (guint i = 0; i < n_frames; i++)
    total += g_bytes_get_size (frames[i]);
  OwnedArena *arena = g_malloc (sizeof (OwnedArena) + total);
  pkt_lease_init (&arena->lease, owned_arena_release, NULL);
  PktBufferList *list = pkt_buffer_list_new (MAX (n_frames, PKT_BUFFER_LIST_DEFAULT_CAPACITY));
  gsize off = 0;
  for (guint i = 0; i < n_frames; i++) {
    gsize sz;
    const guint8 *d = g_bytes_get_data (frames[i], &sz);
    memcpy (arena->bytes + off, d, sz);
    pkt_packet_init (pkt_buffer_list_append (list), arena->bytes + off, sz, sz, ts_ns,
                     PKT_LINK_ETHERNET);
    off += sz;
  }
  pkt_buffer_list_set_lease (list, &arena->lease);
  pkt_lease_unref (&arena->lease);
  return list;
}
