// SPDX-License-Identifier: MIT
// The ensemble kernels, compiled from their .cu file for the CPU execution
// harness (no copy: the file itself).
#include "../../kernels/ensemble.cu"
