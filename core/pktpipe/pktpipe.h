/* pktpipe — umbrella header.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pkt-types.h>
#include <pktpipe/pkt-version.h>
#include <pktpipe/pkt-batch.h>
#include <pktpipe/pkt-record.h>
#include <pktpipe/pkt-event.h>
#include <pktpipe/pkt-message.h>
#include <pktpipe/pkt-bus.h>
#include <pktpipe/pkt-pad.h>
#include <pktpipe/pkt-element.h>
#include <pktpipe/pkt-bin.h>
#include <pktpipe/pkt-registry.h>
#include <pktpipe/pkt-source.h>
#include <pktpipe/pkt-filter.h>
#include <pktpipe/pkt-sink.h>
#include <pktpipe/pkt-classifier.h>
#include <pktpipe/pkt-parse.h>
#include <pktpipe/pkt-headers.h>
#include <pktpipe/pkt-netns.h>
#include <pktpipe/pkt-app.h>
#include <pktpipe/pkt-enumtypes.h>

G_BEGIN_DECLS

void pkt_init (int *argc, char ***argv);
gboolean pkt_init_check (int *argc, char ***argv, GError **error);
gboolean pkt_is_initialized (void);
const char *pkt_version_string (void);

G_END_DECLS
