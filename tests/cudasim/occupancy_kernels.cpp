// SPDX-License-Identifier: MIT
// The state-byte histogram kernel, compiled from its .cu file for the CPU
// execution harness (no copy: the file itself).
#include "../../kernels/occupancy.cu"
