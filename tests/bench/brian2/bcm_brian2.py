#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bcm_brian2.py: metaplast's dense feed-forward BCM rate network in Brian2,
run on Brian2's cpp_standalone device.  Driven by compare.sh (the
comparison with metaplast); runs alone too:

    /usr/bin/python3 bcm_brian2.py --dir DIR --inputs 5000 --neurons 2000 \
        --steps 500

Needs Debian's python3-brian, which serves /usr/bin/python3 (not a
python3 that comes first in PATH).  Generated code, the build and the
results go into DIR (which must be empty or absent), nothing elsewhere.

The model, step by step as metaplast computes it (docs/NETWORKS.md,
include/metaplast/private/net_rules.h), Euler with dt = 1 ms; per step t:

  x(t)      pattern of period floor(t / switch) (orthonormal: K disjoint
            groups of inputs dealt in random order, 1/sqrt(group size) on
            the group; a random permutation of the K patterns per cycle
            of K periods)                               [when = 'start']
  h(t)      = sum_j w_ij(t) x_j(t)  (a summed variable)  [when = 'groups']
  y(t)      = max(0, h(t) - b)                         [when = 'groups']
  w(t+1)    = clip(w + dt/tau_w * x y (y - theta), w_min, w_max)
                                                        [when = 'synapses']
  theta(t+1) = theta + dt/tau_theta * (y^2 / y0 - theta) [when = 'end']

so the weight update sees y(t) and theta(t), and the threshold y(t), as in
metaplast.  Prints one line "brian2 key=value ..." with loop_s (the
standalone's own timing of its simulation loop, Network::_last_run_time;
the best of --repeat runs of the built program, each listed in loops),
build_s (code generation and compilation), run_s (the first run of the
standalone program, set-up and writing its results included),
first_end_epoch (the wall clock when that run ended, for the caller's
whole-process time), mean_w (mean weight after the run) and theta_mean.

--order 0,1,2,... fixes the pattern of each period (the last one holds to
the end) instead of drawing it, for the exact check in compare.sh.
"""
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="standalone directory")
    ap.add_argument("--inputs", type=int, default=5000)
    ap.add_argument("--neurons", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--patterns", type=int, default=4)
    ap.add_argument("--switch-steps", type=int, default=20)
    ap.add_argument("--tau-w-ms", type=float, default=20000.0)
    ap.add_argument("--tau-theta-ms", type=float, default=1000.0)
    ap.add_argument("--y0", type=float, default=1.0)
    ap.add_argument("--bias", type=float, default=0.0)
    ap.add_argument("--w-init", type=float, default=0.1,
                    help="initial weights uniform in [0, w_init]")
    ap.add_argument("--w-min", type=float, default=0.0)
    ap.add_argument("--w-max", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--order", default="",
                    help="comma-separated pattern of each period")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the built program R times; loop_s is the "
                    "best")
    ap.add_argument("--float32", action="store_true",
                    help="Brian2's float32 (default float64)")
    a = ap.parse_args()

    import numpy as np
    import brian2 as b2
    from brian2 import ms

    b2.BrianLogger.log_level_error()  # not its OpenMP caveat per run
    b2.set_device("cpp_standalone", directory=a.dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = a.threads
    if a.float32:
        b2.prefs.core.default_float_dtype = np.float32
    b2.defaultclock.dt = 1 * ms
    b2.seed(a.seed)
    rng = np.random.default_rng(a.seed)

    N, M, K = a.inputs, a.neurons, a.patterns
    if K > N:
        sys.exit("bcm_brian2.py: more patterns than inputs")
    # Orthonormal patterns with disjoint supports, as metaplast makes them.
    perm = rng.permutation(N)
    pat = np.zeros((K, N))
    for k in range(K):
        lo, hi = N * k // K, N * (k + 1) // K
        pat[k, perm[lo:hi]] = np.float32(1.0) / np.sqrt(np.float32(hi - lo))
    periods = -(-a.steps // a.switch_steps)
    if a.order:
        order = [int(v) for v in a.order.split(",")]
        order += [order[-1]] * max(0, periods - len(order))
        order = np.array(order[:periods])
    else:
        cycles = -(-periods // K)
        order = np.concatenate([rng.permutation(K)
                                for _ in range(cycles)])[:periods]
    stim = b2.TimedArray(pat[order], dt=a.switch_steps * ms)

    ns = {
        "stim": stim,
        "b": a.bias,
        "y0": a.y0,
        "k_w": 1.0 / a.tau_w_ms,          # dt / tau_w, dt = 1 ms
        "c_theta": 1.0 / a.tau_theta_ms,  # dt / tau_theta
        "w_min": a.w_min,
        "w_max": a.w_max,
        "w_init": a.w_init,
    }
    inp = b2.NeuronGroup(N, "x : 1", name="inputs", namespace=ns)
    inp.run_regularly("x = stim(t, i)", dt=a.switch_steps * ms,
                      when="start", name="switch")
    out = b2.NeuronGroup(M, """h : 1
                               y : 1
                               theta : 1""", name="outputs", namespace=ns)
    syn = b2.Synapses(inp, out, """w : 1
                                   h_post = w * x_pre : 1 (summed)""",
                      name="bcm", namespace=ns)
    syn.connect()
    syn.w = "rand() * w_init"
    # After the summed variable (order target.order - 1 = -1).
    out.run_regularly("y = clip(h - b, 0, inf)", when="groups", order=10,
                      name="rate")
    syn.run_regularly(
        "w = clip(w + k_w * x_pre * y_post * (y_post - theta_post), "
        "w_min, w_max)", when="synapses", name="bcm_update")
    out.run_regularly("theta += c_theta * (y**2 / y0 - theta)", when="end",
                      name="sliding")

    net = b2.Network(inp, out, syn)
    net.run(a.steps * ms)
    t0 = time.perf_counter()
    b2.device.build(directory=a.dir, compile=True, run=False,
                    with_output=False)
    t1 = time.perf_counter()
    b2.device.run(directory=a.dir, with_output=False, run_args=[])
    t2 = time.perf_counter()
    first_end = time.time()
    loops = [b2.device._last_run_time]
    for _ in range(a.repeat - 1):
        b2.device.run(directory=a.dir, with_output=False, run_args=[])
        loops.append(b2.device._last_run_time)
    w = np.asarray(syn.w[:], dtype=np.float64)
    if w.size != N * M:
        sys.exit("bcm_brian2.py: %d weights read back, %d expected"
                 % (w.size, N * M))
    print("brian2 version=%s loop_s=%.6f loops=%s build_s=%.3f run_s=%.3f "
          "first_end_epoch=%.6f mean_w=%.9g theta_mean=%.9g float=%s"
          % (b2.__version__, min(loops), ",".join("%.4f" % v for v in loops),
             t1 - t0, t2 - t1, first_end, w.mean(),
             float(np.mean(out.theta[:])),
             "float32" if a.float32 else "float64"))


if __name__ == "__main__":
    main()
