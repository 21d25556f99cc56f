/* pktpipe — the pipeline's message bus.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-message.h>

G_BEGIN_DECLS

#define PKT_TYPE_BUS (pkt_bus_get_type ())
G_DECLARE_FINAL_TYPE (PktBus, pkt_bus, PKT, BUS, GObject)

/**
 * PktBusFunc:
 * @bus: the bus
 * @message: the message (borrowed)
 * @user_data: user data
 *
 * Returns: FALSE to remove the watch
 */
typedef gboolean (*PktBusFunc) (PktBus *bus, PktMessage *message, gpointer user_data);

PktBus *pkt_bus_new (void);
void pkt_bus_post (PktBus *bus, PktMessage *message);
PktMessage *pkt_bus_pop (PktBus *bus, gint64 timeout_us);
PktMessage *pkt_bus_pop_filtered (PktBus *bus, gint64 timeout_us, guint types);
gboolean pkt_bus_have_pending (PktBus *bus);
GSource *pkt_bus_create_watch (PktBus *bus);
guint pkt_bus_add_watch (PktBus *bus, PktBusFunc func, gpointer user_data, GDestroyNotify notify);
void pkt_bus_add_signal_watch (PktBus *bus);
void pkt_bus_remove_signal_watch (PktBus *bus);

G_END_DECLS
