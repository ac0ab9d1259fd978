// SPDX-License-Identifier: MIT
// The rate-network kernels, compiled from their .cu file for the CPU
// execution harness (no copy: the file itself).
#include "../../kernels/network.cu"
