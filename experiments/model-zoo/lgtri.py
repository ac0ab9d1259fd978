#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write a random triangular synapse as a metaplast markov table.

usage: lgtri.py STATES SPARSITY SEED OUT.table

The class of random models Lahiri & Ganguli ("A memory frontier for
complex synapses", NIPS 26, 2013) search over in their public code
(ganguli-lab/Complex_Synapse, RandTriBuilder): a random transition
structure whose upward part (towards higher state index) is the
potentiation matrix and whose downward part is the depression matrix,
with binary strengths, the lower half of the states weak (-1) and the
upper half strong (+1).  This script's own construction, stated exactly:

- for every ordered pair i < j, an upward rate r+_ij is drawn uniform on
  [0, 1) with probability SPARSITY (else 0); likewise, independently, a
  downward rate r-_ji;
- every state below the top has at least one upward rate and every state
  above the bottom at least one downward rate (the step to the neighbour,
  drawn uniform, if none was drawn), so the chain is irreducible;
- all rates are scaled so that the largest row sum of either matrix is
  0.99 (every row then leaves its state with probability below 1, and
  rounding to 9 digits cannot push a row past 1); M+ = I + W+ and
  M- = I + W- (the diagonal takes the rest, written `*`).

Rows are written with 9 significant digits; the table is then exactly
what metaplast reads, and its theory is computed from that text.
Numpy only (Debian's python3-numpy or any numpy).
"""
import sys

import numpy as np


def build(n, sp, seed):
    rng = np.random.default_rng(seed)
    up = np.zeros((n, n))
    dn = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < sp:
                up[i, j] = rng.random()
            if rng.random() < sp:
                dn[j, i] = rng.random()
    for i in range(n - 1):
        if up[i].sum() == 0:
            up[i, i + 1] = rng.random()
    for i in range(1, n):
        if dn[i].sum() == 0:
            dn[i, i - 1] = rng.random()
    scale = max(up.sum(axis=1).max(), dn.sum(axis=1).max())
    return 0.99 * up / scale, 0.99 * dn / scale


def rows(w):
    out = []
    for i in range(w.shape[0]):
        cells = ["*" if j == i else ("0" if w[i, j] == 0 else f"{w[i, j]:.9g}")
                 for j in range(w.shape[1])]
        out.append("  " + " ".join(cells))
    return "\n".join(out)


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    n, sp, seed, out = int(argv[1]), float(argv[2]), int(argv[3]), argv[4]
    if n < 2 or n % 2:
        sys.exit("lgtri.py: STATES must be even and at least 2")
    up, dn = build(n, sp, seed)
    strength = ", ".join(["-1"] * (n // 2) + ["+1"] * (n // 2))
    with open(out, "w") as fh:
        fh.write(f"; Random triangular synapse: lgtri.py {n} {sp} {seed}\n"
                 f"; (experiments/model-zoo/lgtri.py says how it is drawn).\n"
                 f"[synapse]\nstates = {n}\nstrength = {strength}\n"
                 f"potentiation =\n{rows(up)}\ndepression =\n{rows(dn)}\n")


if __name__ == "__main__":
    main(sys.argv)
