/* pktpipe afpacket plugin — the symmetric flow hash fanout program (eBPF,
 * PACKET_FANOUT_EBPF), assembled here in C and loaded through libbpf.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Separate from afpacket-common.c because <linux/bpf.h> and libpcap both
 * define struct bpf_insn. */
#include "afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#ifdef HAVE_LIBBPF
#include <bpf/bpf.h>
#include <linux/bpf.h>
#endif

/* ---- symmetric fanout (eBPF) ----------------------------------------------------- */

#ifdef HAVE_LIBBPF
/* A tiny assembler: the program is 50 instructions, so no clang/BTF/CO-RE is
 * needed at build time and nothing is read from disk at run time. */
#define I_ALU64_IMM(op, dst, imm)                                                                  \
  ((struct bpf_insn){ BPF_ALU64 | BPF_OP (op) | BPF_K, dst, 0, 0, imm })
#define I_ALU64_REG(op, dst, src)                                                                  \
  ((struct bpf_insn){ BPF_ALU64 | BPF_OP (op) | BPF_X, dst, src, 0, 0 })
#define I_ALU32_IMM(op, dst, imm)                                                                  \
  ((struct bpf_insn){ BPF_ALU | BPF_OP (op) | BPF_K, dst, 0, 0, imm })
#define I_ALU32_REG(op, dst, src)                                                                  \
  ((struct bpf_insn){ BPF_ALU | BPF_OP (op) | BPF_X, dst, src, 0, 0 })
#define I_MOV64_REG(dst, src)    ((struct bpf_insn){ BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0 })
#define I_MOV64_IMM(dst, imm)    ((struct bpf_insn){ BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm })
#define I_LDX_W(dst, src, off)   ((struct bpf_insn){ BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0 })
#define I_LD_ABS(sz, imm)        ((struct bpf_insn){ BPF_LD | BPF_ABS | (sz), 0, 0, 0, imm })
#define I_LD_IND(sz, src, imm)   ((struct bpf_insn){ BPF_LD | BPF_IND | (sz), 0, src, 0, imm })
#define I_JEQ_IMM(dst, imm, off) ((struct bpf_insn){ BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm })
#define I_JNE_IMM(dst, imm, off) ((struct bpf_insn){ BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm })
#define I_JA(off)                ((struct bpf_insn){ BPF_JMP | BPF_JA, 0, 0, off, 0 })
#define I_EXIT()                 ((struct bpf_insn){ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 })

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9 };

typedef struct {
  struct bpf_insn insn[96];
  guint n;
  int label[8];
  struct {
    guint at;
    int label;
  } fix[16];
  guint n_fix;
} Asm;

static void
asm_emit (Asm *a, struct bpf_insn i)
{
  g_assert (a->n < G_N_ELEMENTS (a->insn));
  a->insn[a->n++] = i;
}

/* emits a jump whose offset is resolved once @label is placed */
static void
asm_jump (Asm *a, struct bpf_insn i, int label)
{
  a->fix[a->n_fix].at = a->n;
  a->fix[a->n_fix++].label = label;
  asm_emit (a, i);
}

static void
asm_label (Asm *a, int label)
{
  a->label[label] = (int)a->n;
}

static void
asm_link (Asm *a)
{
  for (guint i = 0; i < a->n_fix; i++)
    a->insn[a->fix[i].at].off = (gint16)(a->label[a->fix[i].label] - (int)a->fix[i].at - 1);
}

enum { L_V4, L_V6, L_PORTS, L_DOPORTS, L_MIX };

#define NET(off) ((gint32)(SKF_NET_OFF + (off)))

/* XOR of source and destination address and of the two ports is the same
 * for both directions of a flow; mixing it (Fibonacci multiply) spreads it.
 * The kernel takes the result modulo the group size. Non-IP → socket 0. */
static guint
symhash_assemble (Asm *a)
{
  memset (a, 0, sizeof *a);
  asm_emit (a, I_MOV64_REG (R6, R1)); /* LD_ABS wants the context in r6 */
  asm_emit (a, I_MOV64_IMM (R7, 0));
  asm_emit (a, I_MOV64_IMM (R8, 0));
  asm_emit (a, I_LDX_W (R2, R1, offsetof (struct __sk_buff, protocol)));
  asm_jump (a, I_JEQ_IMM (R2, htons (ETH_P_IP), 0), L_V4);
  asm_jump (a, I_JEQ_IMM (R2, htons (ETH_P_IPV6), 0), L_V6);
  asm_emit (a, I_MOV64_IMM (R0, 0));
  asm_emit (a, I_EXIT ());

  asm_label (a, L_V4);
  asm_emit (a, I_LD_ABS (BPF_W, NET (12)));
  asm_emit (a, I_MOV64_REG (R7, R0));
  asm_emit (a, I_LD_ABS (BPF_W, NET (16)));
  asm_emit (a, I_ALU64_REG (BPF_XOR, R7, R0));
  asm_emit (a, I_LD_ABS (BPF_B, NET (9)));
  asm_emit (a, I_MOV64_REG (R8, R0));
  asm_emit (a, I_LD_ABS (BPF_H, NET (6))); /* fragments: no ports */
  asm_emit (a, I_ALU64_IMM (BPF_AND, R0, 0x3fff));
  asm_jump (a, I_JNE_IMM (R0, 0, 0), L_MIX);
  asm_emit (a, I_LD_ABS (BPF_B, NET (0)));
  asm_emit (a, I_ALU64_IMM (BPF_AND, R0, 0xf));
  asm_emit (a, I_ALU64_IMM (BPF_LSH, R0, 2));
  asm_emit (a, I_MOV64_REG (R9, R0));
  asm_jump (a, I_JA (0), L_PORTS);

  asm_label (a, L_V6);
  for (int i = 0; i < 8; i++) {
    asm_emit (a, I_LD_ABS (BPF_W, NET (8 + 4 * i)));
    asm_emit (a, I_ALU64_REG (BPF_XOR, R7, R0));
  }
  asm_emit (a, I_LD_ABS (BPF_B, NET (6)));
  asm_emit (a, I_MOV64_REG (R8, R0));
  asm_emit (a, I_MOV64_IMM (R9, 40));

  asm_label (a, L_PORTS);
  asm_jump (a, I_JEQ_IMM (R8, IPPROTO_TCP, 0), L_DOPORTS);
  asm_jump (a, I_JEQ_IMM (R8, IPPROTO_UDP, 0), L_DOPORTS);
  asm_jump (a, I_JEQ_IMM (R8, IPPROTO_SCTP, 0), L_DOPORTS);
  asm_jump (a, I_JA (0), L_MIX);
  asm_label (a, L_DOPORTS);
  asm_emit (a, I_LD_IND (BPF_W, R9, NET (0))); /* sport << 16 | dport */
  asm_emit (a, I_MOV64_REG (R1, R0));
  asm_emit (a, I_ALU64_IMM (BPF_RSH, R1, 16));
  asm_emit (a, I_ALU64_REG (BPF_XOR, R0, R1));
  asm_emit (a, I_ALU64_IMM (BPF_AND, R0, 0xffff));
  asm_emit (a, I_ALU64_REG (BPF_XOR, R7, R0));

  asm_label (a, L_MIX);
  asm_emit (a, I_ALU64_REG (BPF_XOR, R7, R8));
  asm_emit (a, I_MOV64_REG (R0, R7));
  asm_emit (a, I_ALU32_IMM (BPF_MUL, R0, (gint32)0x9E3779B1u));
  asm_emit (a, I_MOV64_REG (R1, R0));
  asm_emit (a, I_ALU32_IMM (BPF_RSH, R1, 16));
  asm_emit (a, I_ALU32_REG (BPF_XOR, R0, R1));
  asm_emit (a, I_EXIT ());
  asm_link (a);
  return a->n;
}
#endif

int
pkt_afpacket_symhash_load (PktElement *element, GError **error)
{
#ifdef HAVE_LIBBPF
  Asm a;
  char log[4096] = "";
  LIBBPF_OPTS (bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof log, .log_level = 0);
  guint n = symhash_assemble (&a);
  int fd = bpf_prog_load (BPF_PROG_TYPE_SOCKET_FILTER, "pkt_symhash", "GPL", a.insn, n, &opts);

  if (fd < 0) {
    int e = -fd;
    /* Retry with the verifier log so the error says why. */
    opts.log_level = 1;
    fd = bpf_prog_load (BPF_PROG_TYPE_SOCKET_FILTER, "pkt_symhash", "GPL", a.insn, n, &opts);
    if (fd >= 0)
      return fd;
    pkt_element_set_error (element, error, e == EPERM ? PKT_ERROR_PERMISSION : PKT_ERROR_RESOURCE,
                           "cannot load the symmetric fanout eBPF program: %s%s%s", g_strerror (e),
                           e == EPERM ? " (needs CAP_BPF or CAP_SYS_ADMIN)" : "", log);
    return -1;
  }
  return fd;
#else
  pkt_element_set_error (element, error, PKT_ERROR_UNSUPPORTED,
                         "fanout=symmetric needs libbpf, which this build of the afpacket plugin "
                         "lacks; use fanout=hash (the kernel's software hash is symmetric too)");
  return -1;
#endif
}
