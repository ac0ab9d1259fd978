// SPDX-License-Identifier: MIT
// The attractor kernels, compiled from their .cu file for the CPU
// execution harness (no copy: the file itself).
#include "../../kernels/attractor.cu"
