// SPDX-License-Identifier: MIT
// The Benna-Fusi chain's kernels, compiled from their .cu file for the CPU
// execution harness (no copy: the file itself).
#include "../../kernels/bf.cu"
