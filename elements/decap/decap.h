/* pktpipe decap plugin — plugin-private declarations.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pktpipe/pktpipe.h>
#include <pktpipe/pkt-filter.h>
#include <pktpipe/pkt-headers.h>

G_BEGIN_DECLS

/* PktDecapBase: what every decap element shares. A subclass sets the layers
 * it peels in class_init (protocols) and may install an id filter property
 * (VNI, TEID, key: pkt_decap_install_id_property). The base runs the batch
 * through pkt_decap_packets(), counts, and compacts drops. */
#define PKT_TYPE_DECAP_BASE (pkt_decap_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktDecapBase, pkt_decap_base, PKT, DECAP_BASE, PktFilter)

struct _PktDecapBaseClass {
  PktFilterClass parent_class;
  guint protocols; /* PktDecapProtocols peeled by default */
};

void pkt_decap_base_set_protocols (PktDecapBase *self, guint protocols);
guint pkt_decap_base_get_protocols (PktDecapBase *self);
void pkt_decap_base_set_max_depth (PktDecapBase *self, guint depth);
guint pkt_decap_base_get_max_depth (PktDecapBase *self);
PktDecapConfig *pkt_decap_base_get_config (PktDecapBase *self);
void pkt_decap_base_class_set_info (PktElementClass *klass, const char *long_name,
                                    const char *description, guint protocols);

void pkt_decap_install_id_property (GObjectClass *klass, const char *name, const char *nick,
                                    const char *blurb, gint64 max);
void pkt_decap_install_mpls_properties (GObjectClass *klass, guint prop_ethernet, guint prop_cw);
void pkt_decap_config_set_flag (PktDecapConfig *cfg, guint flag, gboolean on);

/* PktEncapBase: rewrites packets into one new arena per batch (frames
 * borrowed from a ring are never written). A subclass says how big the new
 * frame is (or -1: not for this element, passed unchanged) and writes it. */
#define PKT_TYPE_ENCAP_BASE (pkt_encap_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktEncapBase, pkt_encap_base, PKT, ENCAP_BASE, PktFilter)

struct _PktEncapBaseClass {
  PktFilterClass parent_class;
  gssize (*frame_size) (PktEncapBase *self, PktPacket *p);
  void (*build) (PktEncapBase *self, const PktPacket *p, guint8 *out, gsize size);
};

/* PktUdpEncapBase: outer Ethernet + IPv4/IPv6 + UDP (checksums, source port
 * from the inner flow hash); a subclass adds its tunnel header. */
#define PKT_TYPE_UDP_ENCAP_BASE (pkt_udp_encap_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (PktUdpEncapBase, pkt_udp_encap_base, PKT, UDP_ENCAP_BASE, PktEncapBase)

struct _PktUdpEncapBaseClass {
  PktEncapBaseClass parent_class;
  guint default_port;
  /* Tunnel header length for @p and where its payload starts in @p (the
   * inner frame may drop the link header), or -1 if @p is not carried. */
  gssize (*header_size) (PktUdpEncapBase *self, PktPacket *p, guint *inner_off);
  void (*write_header) (PktUdpEncapBase *self, const PktPacket *p, guint inner_off, guint8 *out);
};

GType pkt_decap_protocols_get_type (void) G_GNUC_CONST;
#define PKT_TYPE_DECAP_PROTOCOLS (pkt_decap_protocols_get_type ())

GType pkt_decap_get_type (void);
GType pkt_vlan_decap_get_type (void);
GType pkt_mpls_decap_get_type (void);
GType pkt_vxlan_decap_get_type (void);
GType pkt_geneve_decap_get_type (void);
GType pkt_gtpu_decap_get_type (void);
GType pkt_gre_decap_get_type (void);
GType pkt_gue_decap_get_type (void);
GType pkt_ipip_decap_get_type (void);
GType pkt_pppoe_decap_get_type (void);
GType pkt_vlan_tag_get_type (void);
GType pkt_vxlan_encap_get_type (void);
GType pkt_geneve_encap_get_type (void);
GType pkt_gue_encap_get_type (void);
GType pkt_ip_defrag_get_type (void);

G_END_DECLS
