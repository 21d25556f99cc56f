/* pktpipe — typed records (flow ended, DNS transaction, …) and record lists.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-batch.h>

G_BEGIN_DECLS

/**
 * PktFieldType:
 * @PKT_FIELD_STRING: `const char *` (NULL = unset)
 * @PKT_FIELD_UINT: guint64
 * @PKT_FIELD_INT: gint64
 * @PKT_FIELD_DOUBLE: gdouble
 * @PKT_FIELD_BOOL: gboolean
 * @PKT_FIELD_TIME: gint64 nanoseconds since the epoch (Zeek `time`)
 * @PKT_FIELD_INTERVAL: gint64 nanoseconds (Zeek `interval`)
 * @PKT_FIELD_ADDR: #PktAddr (IPv4 or IPv6)
 * @PKT_FIELD_PORT: guint16 port
 * @PKT_FIELD_STRING_SET: `char **` NULL-terminated (Zeek `set[string]`/`vector`)
 */
typedef enum {
  PKT_FIELD_STRING,
  PKT_FIELD_UINT,
  PKT_FIELD_INT,
  PKT_FIELD_DOUBLE,
  PKT_FIELD_BOOL,
  PKT_FIELD_TIME,
  PKT_FIELD_INTERVAL,
  PKT_FIELD_ADDR,
  PKT_FIELD_PORT,
  PKT_FIELD_STRING_SET,
} PktFieldType;

/**
 * PktAddr:
 * @family: 4 or 6 (0 = unset)
 * @bytes: the address, network order; IPv4 uses the first 4 bytes
 */
typedef struct {
  guint8 family;
  guint8 bytes[16];
} PktAddr;

char *pkt_addr_to_string (const PktAddr *addr);

/**
 * PKT_UID_MAX:
 *
 * Size of a buffer that holds any flow uid with its terminating NUL.
 */
#define PKT_UID_MAX 16

void pkt_flow_format_uid (guint64 flow_id, char *buf);

/**
 * PktFieldValue:
 * @type: the type of the value
 * @is_set: FALSE for an unset field (Zeek `-`)
 *
 * One field's value as the visitor hands it out.
 */
typedef struct {
  PktFieldType type;
  gboolean is_set;
  union {
    const char *s;
    guint64 u;
    gint64 i;
    gdouble d;
    gboolean b;
    const PktAddr *addr;
    const char *const *strv;
  } v;
} PktFieldValue;

/**
 * PktFieldDesc:
 * @name: field name (Zeek's where the concept is the same: `id.orig_h`)
 * @type: its type
 * @offset: byte offset in the record struct
 * @set_offset: offset of a gboolean that says whether the field is set, or
 *   -1 when the field is always set (or unset by value: NULL string, family 0)
 *
 * Describes one field so that sinks and bindings can read any record
 * without knowing its C type.
 */
typedef struct {
  const char *name;
  PktFieldType type;
  gssize offset;
  gssize set_offset;
} PktFieldDesc;

typedef struct _PktRecord PktRecord;

/**
 * PktRecordType:
 * @name: the record kind: `conn`, `dns`, `http`, `ssl`; a log sink names its file after it
 * @size: sizeof the C struct (which starts with a #PktRecord)
 * @fields: the field table
 * @n_fields: its length
 * @clear: (nullable): frees what the record owns (strings), not the record itself
 */
typedef struct {
  const char *name;
  gsize size;
  const PktFieldDesc *fields;
  guint n_fields;
  void (*clear) (PktRecord *record);
} PktRecordType;

/**
 * PktRecord:
 * @refcount: atomic reference count
 * @type: its #PktRecordType
 *
 * The header of every record struct.
 */
struct _PktRecord {
  gint refcount;
  const PktRecordType *type;
};

GType pkt_record_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_RECORD (pkt_record_get_type ())

PktRecord *pkt_record_new (const PktRecordType *type);
PktRecord *pkt_record_ref (PktRecord *record);
void pkt_record_unref (PktRecord *record);
const char *pkt_record_get_kind (PktRecord *record);

/**
 * PktRecordFieldFunc:
 * @record: the record
 * @desc: the field's description
 * @value: its value
 * @user_data: user data
 *
 * Returns: FALSE to stop visiting
 */
typedef gboolean (*PktRecordFieldFunc) (PktRecord *record, const PktFieldDesc *desc,
                                        const PktFieldValue *value, gpointer user_data);

void pkt_record_foreach_field (PktRecord *record, PktRecordFieldFunc func, gpointer user_data);
void pkt_record_get_field_value (PktRecord *record, const PktFieldDesc *desc, PktFieldValue *out);
gboolean pkt_record_get_field (PktRecord *record, const char *name, GValue *value);
char **pkt_record_list_field_names (PktRecord *record);
char *pkt_record_to_json (PktRecord *record);

/**
 * PktRecordList:
 * @batch: the base
 * @n_records: records in use
 * @capacity: slots
 * @records: (array length=n_records): one reference each
 */
typedef struct _PktRecordList PktRecordList;
struct _PktRecordList {
  PktBatch batch;
  guint n_records;
  guint capacity;
  PktRecord **records;
};

GType pkt_record_list_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_RECORD_LIST (pkt_record_list_get_type ())

PktRecordList *pkt_record_list_new (guint capacity);
PktRecordList *pkt_record_list_ref (PktRecordList *list);
void pkt_record_list_unref (PktRecordList *list);
void pkt_record_list_add (PktRecordList *list, PktRecord *record);
guint pkt_record_list_get_length (PktRecordList *list);
PktRecord *pkt_record_list_get (PktRecordList *list, guint idx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktRecord, pkt_record_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PktRecordList, pkt_record_list_unref)

G_END_DECLS
