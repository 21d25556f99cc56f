/* pktpipe — bus messages.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pktpipe/pkt-element.h>

G_DEFINE_BOXED_TYPE (PktMessage, pkt_message, pkt_message_ref, pkt_message_unref)

/**
 * pkt_message_new:
 * @type: the message type
 * @src: (nullable): the posting element
 *
 * Returns: (transfer full): a message
 */
PktMessage *
pkt_message_new (PktMessageType type, PktElement *src)
{
  PktMessage *m = g_new0 (PktMessage, 1);
  m->refcount = 1;
  m->type = type;
  if (src) {
    m->src = g_object_ref (src);
    m->src_name = g_strdup (pkt_element_get_name (src));
  }
  m->ts_ns = g_get_monotonic_time () * 1000;
  return m;
}

/**
 * pkt_message_new_error:
 * @src: (nullable): the element at fault
 * @error: the error (copied)
 * @debug: (nullable): extra detail
 *
 * Returns: (transfer full): an ERROR message
 */
PktMessage *
pkt_message_new_error (PktElement *src, const GError *error, const char *debug)
{
  PktMessage *m = pkt_message_new (PKT_MESSAGE_ERROR, src);
  m->error = g_error_copy (error);
  m->debug = g_strdup (debug);
  return m;
}

/**
 * pkt_message_new_warning:
 * @src: (nullable): the element
 * @error: the problem (copied)
 * @debug: (nullable): extra detail
 *
 * Returns: (transfer full): a WARNING message
 */
PktMessage *
pkt_message_new_warning (PktElement *src, const GError *error, const char *debug)
{
  PktMessage *m = pkt_message_new (PKT_MESSAGE_WARNING, src);
  m->error = g_error_copy (error);
  m->debug = g_strdup (debug);
  return m;
}

/**
 * pkt_message_new_eos:
 * @src: (nullable): the element
 *
 * Returns: (transfer full): an EOS message
 */
PktMessage *
pkt_message_new_eos (PktElement *src)
{
  return pkt_message_new (PKT_MESSAGE_EOS, src);
}

/**
 * pkt_message_new_payload:
 * @type: STATS or ELEMENT (or any)
 * @src: (nullable): the element
 * @payload: (transfer floating): an a{sv} variant
 *
 * Returns: (transfer full): a message carrying @payload
 */
PktMessage *
pkt_message_new_payload (PktMessageType type, PktElement *src, GVariant *payload)
{
  PktMessage *m = pkt_message_new (type, src);
  m->payload = g_variant_ref_sink (payload);
  return m;
}

/**
 * pkt_message_ref:
 * @message: a message
 *
 * Returns: (transfer full): @message
 */
PktMessage *
pkt_message_ref (PktMessage *message)
{
  g_atomic_int_inc (&message->refcount);
  return message;
}

/**
 * pkt_message_unref:
 * @message: (transfer full): a message
 */
void
pkt_message_unref (PktMessage *message)
{
  if (!g_atomic_int_dec_and_test (&message->refcount))
    return;
  g_clear_object (&message->src);
  g_free (message->src_name);
  g_clear_error (&message->error);
  g_free (message->debug);
  g_clear_pointer (&message->payload, g_variant_unref);
  g_free (message);
}

/**
 * pkt_message_type_get_name:
 * @type: a type
 *
 * Returns: its name
 */
const char *
pkt_message_type_get_name (PktMessageType type)
{
  switch (type) {
    case PKT_MESSAGE_ERROR:
      return "error";
    case PKT_MESSAGE_WARNING:
      return "warning";
    case PKT_MESSAGE_INFO:
      return "info";
    case PKT_MESSAGE_EOS:
      return "eos";
    case PKT_MESSAGE_STATE_CHANGED:
      return "state-changed";
    case PKT_MESSAGE_STATS:
      return "stats";
    case PKT_MESSAGE_ELEMENT:
      return "element";
  }
  return "unknown";
}

/**
 * pkt_message_get_message_type:
 * @message: a message
 *
 * Returns: its type
 */
PktMessageType
pkt_message_get_message_type (PktMessage *message)
{
  return message->type;
}

/**
 * pkt_message_get_src_name:
 * @message: a message
 *
 * Returns: (nullable): the posting element's name
 */
const char *
pkt_message_get_src_name (PktMessage *message)
{
  return message->src_name;
}

/**
 * pkt_message_get_error:
 * @message: a message
 *
 * Returns: (transfer full) (nullable): a copy of the error
 */
GError *
pkt_message_get_error (PktMessage *message)
{
  return message->error ? g_error_copy (message->error) : NULL;
}

/**
 * pkt_message_get_payload:
 * @message: a message
 *
 * Returns: (transfer none) (nullable): the a{sv} payload
 */
GVariant *
pkt_message_get_payload (PktMessage *message)
{
  return message->payload;
}
