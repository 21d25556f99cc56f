/* pktpipe — entering a network namespace on the calling thread, for sockets
 * opened "inside" a namespace (the `netns` property of capture and
 * injection elements).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean pkt_netns_enter (const char *netns, int *saved_fd, GError **error);
void pkt_netns_leave (int saved_fd);

G_END_DECLS
