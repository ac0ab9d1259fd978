/* SPDX-License-Identifier: MIT */
/*
 * roofline.h: the modelled limits of the CUDA kernels on an H200, as
 * docs/PERFORMANCE.md ("GPU") derives them, for the benchmarks to print
 * next to what they measure.  Every number here is a model: datasheet
 * rates and instruction counts read off the sm_90 machine code of the
 * kernels (nvcc 13.0), not a measurement.
 */
#ifndef METAPLAST_BENCH_ROOFLINE_H
#define METAPLAST_BENCH_ROOFLINE_H

#include <math.h>
#include <stdio.h>

/* The H200 SXM: multiprocessors; boost clock in Hz (the datasheet's
 * 67 TFLOP/s fp32 = 132 x 128 lanes x 2 x 1.98 GHz); achievable copy
 * bandwidth, bytes read + written per second: assumed, 90 % of the
 * 4.8 TB/s datasheet peak (the benchmarks measure the real one). */
#define MP_ROOF_SMS 132.0
#define MP_ROOF_CLOCK 1.98e9
#define MP_ROOF_COPY 4.3e12

static inline double mp_roof_min(double a, double b)
{
    return a < b ? a : b;
}

/*
 * ens_advance at f = 1/2 with c memories per call: updates per second.
 * Per warp and memory (128 updates) the warp issues 100.9 instructions
 * (51.5 on the ALU pipe, 23.5 on the FMA pipe, 10.5 shared-memory loads),
 * plus 90 per round of 4 memories (the TRANSITION draw: 43 ALU, 30 FMA)
 * and 86 per batch of 32 (the PATTERN draw: 40 ALU, 27 FMA).  A
 * sub-partition issues one instruction per clock and feeds each 16-lane
 * pipe one every 2 clocks; shared memory serves one wavefront per clock
 * per multiprocessor: 24 for the 8 table lookups (bank conflicts,
 * sampled), 1.9 for the tie checks, 2 for the staged words, 4 per round
 * and 4 per batch for their stores.  Memory: the state byte read and
 * written once per call, 2 / c bytes per update.
 */
static inline double mp_roof_ens(double c, double *bytes_per_update)
{
    const double r = ceil(c / 4) / c, b = ceil(c / 32) / c;
    const double issue = 100.9 + 90 * r + 86 * b;
    const double alu = 51.5 + 43 * r + 40 * b, fma = 23.5 + 30 * r + 27 * b;
    const double waves = 24 + 1.9 + 2 + 4 * r + 4 * b;
    double cyc = issue, ups;
    if (2 * alu > cyc)
        cyc = 2 * alu;
    if (2 * fma > cyc)
        cyc = 2 * fma;
    ups = MP_ROOF_SMS * MP_ROOF_CLOCK * mp_roof_min(4 * 128 / cyc, 128 / waves);
    *bytes_per_update = 2 / c;
    return mp_roof_min(ups, MP_ROOF_COPY / *bytes_per_update);
}

/*
 * net_pass, dense rows, plastic: each weight read and written once per
 * step (8 bytes per update; the rates come from the caches).  Its other
 * roofs are 3-4 times higher: 147 instructions per 256 updates (1.8e12/s
 * at 4 issues per clock per multiprocessor), 2 conversions to double per
 * update at 16 per clock (2.1e12/s), 4 coalesced accesses per 32 updates
 * at one per clock (2.1e12/s).
 */
static inline double mp_roof_net_dense(double *bytes_per_update)
{
    *bytes_per_update = 8;
    return MP_ROOF_COPY / 8;
}

/*
 * net_pass, sparse rows (stored cells), plastic: 12 bytes per update
 * (weight read and written, cell read), and two rates gathered at random
 * cells: each warp-wide gather touches about 31 distinct cache lines, one
 * L1 lookup per clock each, so about 2 lookups per update.
 */
static inline double mp_roof_net_sparse(double *bytes_per_update)
{
    *bytes_per_update = 12;
    return mp_roof_min(MP_ROOF_COPY / 12,
                       MP_ROOF_SMS * MP_ROOF_CLOCK * 32 / (2 * 31 + 3));
}

/*
 * attr_store (kernels/attractor.cu), updates per second: a thread per
 * 4 x 4 tile.  Static counts of its sm_90 code on the path of a synapse
 * that does not move (covariance rule, modulator off): 88 instructions
 * per synapse (43 ALU pipe, 20 FMA pipe, 5 loads: three fields of the
 * rules and the two table entries, which the compiler reloads for every
 * synapse because the state stores might alias them), 57 per row of the
 * tile (the state word's load and store), 161 per tile (the tile's
 * index by a 32-bit division, one Philox call): 112.3 per update, 52.8
 * of them on the ALU pipe, 25.8 on the FMA pipe: issue-bound.  A synapse
 * that moves adds the table walk of mp_syn_step (not counted).  Memory:
 * every state byte read and written once per presentation.  L1: about 8
 * lookups per warp and synapse (the loads of one address are one each,
 * the table's a few), a roof near 10^12.
 */
static inline double mp_roof_attr_store(double *bytes_per_update)
{
    const double issue = 88 + 57 / 4.0 + 161 / 16.0;
    const double alu = 43 + 25 / 4.0 + 57 / 16.0;
    double cyc = issue > 2 * alu ? issue : 2 * alu;
    *bytes_per_update = 2;
    return mp_roof_min(MP_ROOF_SMS * MP_ROOF_CLOCK * 4 * 32 / cyc,
                       MP_ROOF_COPY / 2);
}

/*
 * attr_pack, synapses per second: a thread per 64 synapses of a row, 64
 * byte loads (270 instructions per word: 4.2 per synapse, an issue roof
 * of 7.9e12).  A warp's byte load touches 16 cache lines (lanes 64 bytes
 * apart): 32 L1 lookups per 64 synapses, one per clock: 2 synapses per
 * clock per multiprocessor, the bound.  Memory: a byte read and a bit
 * written per synapse.
 */
static inline double mp_roof_attr_pack(double *bytes_per_update)
{
    *bytes_per_update = 1.125;
    return mp_roof_min(MP_ROOF_SMS * MP_ROOF_CLOCK * 2,
                       MP_ROOF_COPY / 1.125);
}

/*
 * attr_counts, synapse-probes per second (a row's 64-bit word AND a
 * probe's word, popcount): a thread per (row, probe), 12 instructions
 * per word (4 words per unrolled turn: 2 loads, 2 LOP3, 2 POPC each),
 * an issue roof of 10.7 words per clock per multiprocessor; POPC runs
 * 16 per clock (8 words).  The bound is L1: a warp's 32 lanes read 32
 * different lines of one array (the probes' states, lanes W words apart,
 * or with one probe the rows' bits) and one line of the other: 33
 * lookups per 32 words, one per clock.  Memory: the rows' bits once per
 * call (1/8 byte per synapse, shared by the probes).  With few probes
 * the launch has rows x probes threads: at N = 4000 and one probe, 125
 * warps for 132 multiprocessors, far too few to reach any roof.
 */
static inline double mp_roof_attr_counts(double probes,
                                         double *bytes_per_update)
{
    *bytes_per_update = 1.0 / (8.0 * probes);
    return mp_roof_min(MP_ROOF_SMS * MP_ROOF_CLOCK * 64 * 32 / 33,
                       MP_ROOF_COPY / *bytes_per_update);
}

/* One line per kernel and case, read by tests/gpu/roofline-table.sh:
 * achieved updates/s, the modelled limit, their ratio, achieved bytes/s
 * and their ratio to the device copy bandwidth measured in the same run. */
static inline void mp_roof_print(const char *kernel, const char *what,
                                 double ups, double limit,
                                 double bytes_per_update, double copy)
{
    const double bps = ups * bytes_per_update;
    printf("roofline | %s | %s | %.3g | %.3g | %.2f | %.3g | %.3f\n", kernel,
           what, ups, limit, ups / limit, bps, copy > 0 ? bps / copy : 0.0);
}

static inline void mp_roof_header(void)
{
    printf("roofline | kernel | case | updates/s | limit (model, H200) | "
           "achieved/limit | bytes/s | bytes/s / measured copy\n");
}

#endif
