// SPDX-License-Identifier: MIT
/*
 * harness.cpp: the CPU execution harness.  The project's kernels, compiled
 * from the same .cu files by a host C++ compiler, run here with CUDA's
 * execution semantics, and the launchers' CUDA runtime calls are served by
 * host memory.
 *
 * Execution.  A launch runs its blocks one after the other.  Every thread
 * of a block is a fiber with its own stack; fibers switch only at the
 * synchronising calls (__syncthreads, the warp shuffles, __ballot_sync,
 * __syncwarp).  A warp collective completes when every lane its mask
 * names has arrived at a collective of the same kind and mask; the values
 * are exchanged then.  A barrier completes when every thread of the block
 * has arrived.  Warps run one after the other as far as they can, which
 * exposes a barrier missing between warps; within a warp the lane order is
 * a setting.  A collective or barrier that can never complete (a lane
 * that exited, or waits elsewhere), a launch beyond an H200's limits, or a
 * write past an allocation is an error of the launch, reported by the next
 * synchronising call as CUDA reports a kernel fault.
 *
 * Memory.  Device memory is host memory, each allocation exactly its size
 * (AddressSanitizer catches an access past it; without it, guard bytes are
 * checked at every synchronisation); shared memory is allocated per block,
 * as declared and as launched, filled with a poison pattern.
 */
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cuda_runtime.h"
#include "cudasim.h"

#if defined(__SANITIZE_ADDRESS__)
#define MP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MP_ASAN 1
#endif
#endif
#ifdef MP_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;

/* ---- Context switch (x86-64 System V; other hosts: ucontext) ----------- */

#if defined(__x86_64__)
extern "C" void mp_cudasim_switch(void **save_sp, void *load_sp);
extern "C" void mp_cudasim_trampoline(void);
/* Saves the callee-saved registers and the FP control words on the
 * current stack, stores its pointer, loads the other, restores. */
__asm__(".text\n"
        ".globl mp_cudasim_switch\n"
        ".type mp_cudasim_switch,@function\n"
        "mp_cudasim_switch:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n"
        "  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  subq $8, %rsp\n  stmxcsr (%rsp)\n  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n  fldcw 4(%rsp)\n  addq $8, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n"
        "  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size mp_cudasim_switch,.-mp_cudasim_switch\n"
        ".globl mp_cudasim_trampoline\n"
        ".type mp_cudasim_trampoline,@function\n"
        "mp_cudasim_trampoline:\n"
        "  movq %r12, %rdi\n  callq *%r13\n  ud2\n"
        ".size mp_cudasim_trampoline,.-mp_cudasim_trampoline\n"
        ".section .note.GNU-stack,\"\",@progbits\n"
        ".text\n");
#else
#include <ucontext.h>
#endif

namespace {

enum state { RUNNABLE, AT_WARP, AT_BARRIER, DONE };

struct context {
#if defined(__x86_64__)
    void *sp = nullptr;
#else
    ucontext_t uc;
#endif
    void *fake = nullptr; /* AddressSanitizer's fake stack */
    const void *stack_bottom = nullptr;
    size_t stack_size = 0;
};

struct fiber {
    context ctx;
    state st = RUNNABLE;
    unsigned tid = 0; /* linear index in the block */
    uint3 idx = {0, 0, 0};
    mp_cudasim::warp_op op = mp_cudasim::OP_SYNCWARP;
    unsigned mask = 0;
    uint64_t value = 0, result = 0;
    int arg = 0, width = 32;
    char *stack = nullptr;
};

const size_t STACK_SIZE =
#ifdef MP_ASAN
    (size_t)512 << 10;
#else
    (size_t)128 << 10;
#endif

/* ---- The simulated device ------------------------------------------------ */

struct allocation {
    char *base;  /* what malloc returned */
    size_t size; /* what was asked for */
};

const size_t GUARD = 64;
const unsigned char GUARD_BYTE = 0xD5, POISON_BYTE = 0xA7;

struct device {
    int devices = 1;
    size_t memory = (size_t)141 << 30;
    int capability = 90;
    int descending = 0;
    unsigned long fail_malloc = 0, fail_launch = 0, lose = 0;
    unsigned long mallocs = 0, launch_count = 0, calls = 0;
    bool lost = false;
    cudaError_t last = cudaSuccess;   /* non-sticky, cleared when read */
    cudaError_t pending = cudaSuccess;/* a kernel fault not yet seen */
    cudaError_t sticky = cudaSuccess; /* a kernel fault: every call */
    std::string detail;               /* what the harness saw */
    std::map<uintptr_t, allocation> live;
    std::map<uintptr_t, allocation> stale; /* of a context reset away */
    size_t used = 0;
    struct mp_cudasim_stats stats = {};
    std::vector<char *> stacks; /* reused between blocks */
} dev;

/* ---- The running block ---------------------------------------------------- */

struct block {
    std::vector<fiber> threads;
    unsigned n = 0;
    std::map<const void *, void *> statics;
    std::vector<void *> owned;
    size_t shared_bytes = 0;
    void *dynamic = nullptr;
    size_t dynamic_bytes = 0;
    mp_cudasim::launch_body *body = nullptr;
    const char *kernel = "";
    std::string error;
};

block *blk = nullptr;
fiber *current = nullptr;
context scheduler;

void set_detail(const std::string &s)
{
    dev.detail = s;
}

/* A fault of the running kernel: the first one is kept. */
void kernel_error(const std::string &what)
{
    if (blk && blk->error.empty())
        blk->error = what;
}

std::string where(const fiber *f)
{
    char b[160];
    snprintf(b, sizeof b, "block (%u,%u,%u) thread (%u,%u,%u)", blockIdx.x,
             blockIdx.y, blockIdx.z, f->idx.x, f->idx.y, f->idx.z);
    return b;
}

/* ---- Fibers ------------------------------------------------------------------ */

void switch_context(context *from, context *to, bool exiting)
{
#ifdef MP_ASAN
    __sanitizer_start_switch_fiber(exiting ? nullptr : &from->fake,
                                   to->stack_bottom, to->stack_size);
#else
    (void)exiting;
#endif
    dev.stats.switches++;
#if defined(__x86_64__)
    mp_cudasim_switch(&from->sp, to->sp);
#else
    swapcontext(&from->uc, &to->uc);
#endif
#ifdef MP_ASAN
    __sanitizer_finish_switch_fiber(from->fake, &scheduler.stack_bottom,
                                    &scheduler.stack_size);
#endif
}

extern "C" void fiber_main(void *arg)
{
    fiber *f = static_cast<fiber *>(arg);
#ifdef MP_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &scheduler.stack_bottom,
                                    &scheduler.stack_size);
#endif
    blk->body->run();
    f->st = DONE;
    switch_context(&f->ctx, &scheduler, true);
    abort(); /* never resumed */
}

#if !defined(__x86_64__)
void ucontext_entry(unsigned lo, unsigned hi)
{
    fiber_main((void *)(((uintptr_t)hi << 32) | lo));
}
#endif

char *new_stack()
{
    if (!dev.stacks.empty()) {
        char *s = dev.stacks.back();
        dev.stacks.pop_back();
        return s;
    }
    /* A guard page below the stack: an overflow faults. */
    char *m = (char *)mmap(nullptr, STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                           0);
    if (m == MAP_FAILED) {
        perror("cudasim: mmap of a fiber stack");
        abort();
    }
    mprotect(m, 4096, PROT_NONE);
    return m + 4096;
}

void start_fiber(fiber *f)
{
    f->stack = new_stack();
#ifdef MP_ASAN
    ASAN_UNPOISON_MEMORY_REGION(f->stack, STACK_SIZE);
#endif
    f->ctx.stack_bottom = f->stack;
    f->ctx.stack_size = STACK_SIZE;
#if defined(__x86_64__)
    {
        /* The frame mp_cudasim_switch pops: the control words, r15, r14,
         * r13 = the entry, r12 = its argument, rbx, rbp, and the return
         * address, the trampoline; 16-byte aligned after the return. */
        uint64_t *top = (uint64_t *)((uintptr_t)(f->stack + STACK_SIZE) &
                                     ~(uintptr_t)15);
        uint64_t *sp = top - 8;
        sp[0] = 0x1F80u | ((uint64_t)0x037Fu << 32);
        sp[1] = 0;
        sp[2] = 0;
        sp[3] = (uint64_t)(uintptr_t)&fiber_main;
        sp[4] = (uint64_t)(uintptr_t)f;
        sp[5] = 0;
        sp[6] = 0;
        sp[7] = (uint64_t)(uintptr_t)&mp_cudasim_trampoline;
        f->ctx.sp = sp;
    }
#else
    getcontext(&f->ctx.uc);
    f->ctx.uc.uc_stack.ss_sp = f->stack;
    f->ctx.uc.uc_stack.ss_size = STACK_SIZE;
    f->ctx.uc.uc_link = nullptr;
    makecontext(&f->ctx.uc, (void (*)())ucontext_entry, 2,
                (unsigned)(uintptr_t)f, (unsigned)((uintptr_t)f >> 32));
#endif
}

void resume(fiber *f)
{
    current = f;
    threadIdx = f->idx;
    switch_context(&scheduler, &f->ctx, false);
    current = nullptr;
}

/* The running fiber waits; the scheduler takes over until it may go on. */
void wait(state s)
{
    fiber *f = current;
    f->st = s;
    switch_context(&f->ctx, &scheduler, false);
    current = f;
}

/* ---- Warp collectives -------------------------------------------------------- */

const char *op_name(mp_cudasim::warp_op op)
{
    static const char *const names[] = {"__shfl_sync", "__shfl_up_sync",
                                        "__shfl_down_sync", "__shfl_xor_sync",
                                        "__ballot_sync", "__syncwarp"};
    return names[op];
}

/* Lane l of warp w's source lane for a shuffle, or l itself. */
unsigned source_lane(const fiber &f, unsigned l)
{
    const unsigned w = (unsigned)f.width, base = l & ~(w - 1u);
    switch (f.op) {
    case mp_cudasim::OP_SHFL:
        return base + ((unsigned)f.arg & (w - 1u));
    case mp_cudasim::OP_SHFL_UP:
        return l - base >= (unsigned)f.arg ? l - (unsigned)f.arg : l;
    case mp_cudasim::OP_SHFL_DOWN:
        return l - base + (unsigned)f.arg < w ? l + (unsigned)f.arg : l;
    case mp_cudasim::OP_SHFL_XOR: {
        const unsigned s = l ^ (unsigned)f.arg;
        return s - base < w ? s : l;
    }
    default:
        return l;
    }
}

/* Why warp w cannot complete the collective of lane l. */
std::string blocked(const block &b, unsigned w, unsigned l)
{
    const fiber &f = b.threads[w * 32 + l];
    char msg[256];
    for (unsigned k = 0; k < 32; k++) {
        if (!(f.mask >> k & 1u))
            continue;
        if (w * 32 + k >= b.n) {
            snprintf(msg, sizeof msg,
                     "%s with mask 0x%08x names lane %u, which the block "
                     "(%u threads) does not have",
                     op_name(f.op), f.mask, k, b.n);
            return where(&f) + ": " + msg;
        }
        const fiber &o = b.threads[w * 32 + k];
        if (o.st == AT_WARP && o.op == f.op && o.mask == f.mask)
            continue;
        snprintf(msg, sizeof msg, "%s with mask 0x%08x: lane %u %s",
                 op_name(f.op), f.mask, k,
                 o.st == DONE         ? "has returned"
                 : o.st == AT_BARRIER ? "waits at __syncthreads"
                                      : "waits at another warp collective");
        if (o.st == AT_WARP)
            snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
                     " (%s, mask 0x%08x)", op_name(o.op), o.mask);
        return where(&f) + ": " + msg;
    }
    return where(&f) + ": a warp collective that cannot complete";
}

/* Completes warp w's collectives whose lanes have all arrived.  Returns
 * whether any did; sets the block's error when one never can. */
bool complete_warp(block &b, unsigned w, bool final)
{
    const unsigned lanes = b.n - w * 32 < 32 ? b.n - w * 32 : 32;
    bool done = false;
    for (unsigned l = 0; l < lanes; l++) {
        fiber &f = b.threads[w * 32 + l];
        if (f.st != AT_WARP)
            continue;
        bool all = (f.mask >> l & 1u) != 0;
        for (unsigned k = 0; all && k < 32; k++) {
            if (!(f.mask >> k & 1u))
                continue;
            const fiber *o = k < lanes ? &b.threads[w * 32 + k] : nullptr;
            all = o && o->st == AT_WARP && o->op == f.op &&
                  o->mask == f.mask;
        }
        if (!all) {
            if (final && b.error.empty())
                b.error = !(f.mask >> l & 1u)
                              ? where(&f) + ": " + op_name(f.op) +
                                    " with a mask that leaves out the "
                                    "calling lane"
                              : blocked(b, w, l);
            continue;
        }
        uint64_t ballot = 0;
        for (unsigned k = 0; k < 32; k++)
            if (f.mask >> k & 1u)
                ballot |= (b.threads[w * 32 + k].value & 1u) << k;
        for (unsigned k = 0; k < 32; k++) {
            if (!(f.mask >> k & 1u))
                continue;
            fiber &g = b.threads[w * 32 + k];
            if (g.op == mp_cudasim::OP_BALLOT) {
                g.result = ballot;
            } else if (g.op != mp_cudasim::OP_SYNCWARP) {
                const unsigned s = source_lane(g, k);
                if (!(g.mask >> s & 1u)) {
                    if (b.error.empty())
                        b.error = where(&g) + ": " + op_name(g.op) +
                                  " reads lane " + std::to_string(s) +
                                  ", outside its mask";
                    g.result = g.value;
                } else {
                    g.result = b.threads[w * 32 + s].value;
                }
            }
            g.st = RUNNABLE;
        }
        dev.stats.collectives++;
        done = true;
    }
    return done;
}

/* Warp w as far as it can go: its lanes in order until each waits or
 * returns, its collectives completed as they fill. */
void run_warp(block &b, unsigned w)
{
    const unsigned lanes = b.n - w * 32 < 32 ? b.n - w * 32 : 32;
    for (;;) {
        bool ran = false;
        for (unsigned i = 0; i < lanes && b.error.empty(); i++) {
            const unsigned l = dev.descending ? lanes - 1 - i : i;
            fiber &f = b.threads[w * 32 + l];
            if (f.st == RUNNABLE) {
                resume(&f);
                ran = true;
            }
        }
        if (!b.error.empty())
            return;
        if (!complete_warp(b, w, false) && !ran)
            return;
    }
}

/* A barrier every thread has reached: all go on.  Returns whether one
 * was. */
bool release_barrier(block &b)
{
    unsigned at = 0, done = 0;
    for (unsigned t = 0; t < b.n; t++) {
        at += b.threads[t].st == AT_BARRIER;
        done += b.threads[t].st == DONE;
    }
    if (!at)
        return false;
    if (at + done == b.n && done) {
        for (unsigned t = 0; t < b.n; t++)
            if (b.threads[t].st == DONE) {
                b.error = where(&b.threads[t]) +
                          ": returned without reaching the __syncthreads "
                          "the block's other threads wait at";
                return false;
            }
    }
    if (at != b.n)
        return false;
    for (unsigned t = 0; t < b.n; t++)
        b.threads[t].st = RUNNABLE;
    dev.stats.barriers++;
    return true;
}

void run_block(block &b, dim3 bd)
{
    const unsigned warps = (b.n + 31) / 32;
    for (unsigned t = 0; t < b.n; t++) {
        fiber &f = b.threads[t];
        f = fiber();
        f.tid = t;
        f.idx.x = t % bd.x;
        f.idx.y = t / bd.x % bd.y;
        f.idx.z = t / (bd.x * bd.y);
        start_fiber(&f);
    }
    dev.stats.threads += b.n;
    for (;;) {
        for (unsigned w = 0; w < warps && b.error.empty(); w++)
            run_warp(b, w);
        if (!b.error.empty())
            break;
        if (release_barrier(b))
            continue;
        if (!b.error.empty())
            break;
        unsigned done = 0;
        for (unsigned t = 0; t < b.n; t++)
            done += b.threads[t].st == DONE;
        if (done == b.n)
            break;
        /* Something waits for what never comes. */
        for (unsigned w = 0; w < warps && b.error.empty(); w++)
            complete_warp(b, w, true);
        if (b.error.empty())
            for (unsigned t = 0; t < b.n && b.error.empty(); t++)
                if (b.threads[t].st == AT_BARRIER)
                    b.error = where(&b.threads[t]) +
                              ": waits at a __syncthreads that other "
                              "threads of the block do not reach";
        break;
    }
    /* Abandoned fibers (on an error) are never resumed: their stacks go
     * back to the pool. */
    for (unsigned t = 0; t < b.n; t++)
        dev.stacks.push_back(b.threads[t].stack);
}

void free_shared(block &b)
{
    for (void *p : b.owned)
        free(p);
    b.owned.clear();
    b.statics.clear();
    b.dynamic = nullptr;
    b.shared_bytes = 0;
}

void *poisoned(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        perror("cudasim: shared memory");
        abort();
    }
    memset(p, POISON_BYTE, bytes);
    return p;
}

/* ---- Runtime helpers ------------------------------------------------------- */

/* A failed call: its code, and what the harness knows of it. */
cudaError_t fail(cudaError_t e, const std::string &what = "")
{
    dev.last = e;
    dev.detail = what;
    return e;
}

/* Every call: a lost device, a sticky fault. */
bool broken(cudaError_t *rc)
{
    dev.calls++;
    if (dev.lose && dev.calls >= dev.lose)
        dev.lost = true;
    if (dev.lost) {
        *rc = fail(cudaErrorDevicesUnavailable);
        return true;
    }
    if (dev.sticky) {
        *rc = dev.sticky;
        return true;
    }
    return false;
}

/* A kernel fault: kernels run asynchronously on a device, so the next
 * synchronising call reports it, and every call after that. */
void fault(cudaError_t e, const std::string &what)
{
    if (!dev.sticky && !dev.pending) {
        dev.pending = e;
        set_detail(what);
    }
}

/* The allocation holding [p, p + n), or null. */
allocation *holding(const void *p, size_t n)
{
    auto it = dev.live.upper_bound((uintptr_t)p);
    if (it == dev.live.begin())
        return nullptr;
    --it;
    const uintptr_t a = it->first, e = a + it->second.size;
    return (uintptr_t)p >= a && (uintptr_t)p + n <= e && (uintptr_t)p <= e
               ? &it->second
               : nullptr;
}

/* Writes past an allocation, found by its guard bytes. */
void check_guards()
{
#ifndef MP_ASAN
    for (auto &kv : dev.live) {
        const allocation &a = kv.second;
        const unsigned char *lo = (unsigned char *)a.base,
                            *hi = (unsigned char *)a.base + GUARD + a.size;
        for (size_t i = 0; i < GUARD; i++)
            if (lo[i] != GUARD_BYTE || hi[i] != GUARD_BYTE) {
                char b[200];
                snprintf(b, sizeof b,
                         "a write %s the allocation of %zu bytes at %p",
                         lo[i] != GUARD_BYTE ? "before" : "past", a.size,
                         (void *)kv.first);
                fault(cudaErrorIllegalAddress, b);
                return;
            }
    }
#endif
}

/* A synchronising call: the faults of the kernels before it. */
cudaError_t sync_point()
{
    cudaError_t rc;
    check_guards();
    if (dev.pending && !dev.sticky)
        dev.sticky = dev.pending;
    if (broken(&rc))
        return rc;
    return cudaSuccess;
}

/* The launch's limits on an H200 without opt-in. */
const char *bad_config(dim3 g, dim3 b, size_t shmem)
{
    if (!g.x || !g.y || !g.z || !b.x || !b.y || !b.z)
        return "a grid or block dimension of 0";
    if ((size_t)b.x * b.y * b.z > 1024)
        return "more than 1024 threads per block";
    if (b.x > 1024 || b.y > 1024 || b.z > 64)
        return "a block dimension beyond (1024, 1024, 64)";
    if (g.x > 2147483647u || g.y > 65535 || g.z > 65535)
        return "a grid dimension beyond (2^31 - 1, 65535, 65535)";
    if (shmem > 49152)
        return "more dynamic shared memory than 48 KiB (an H200's limit "
               "without opt-in)";
    return nullptr;
}

} // namespace

/* ---- What the kernels call ------------------------------------------------- */

namespace mp_cudasim {

uint64_t warp_collective(warp_op op, unsigned mask, uint64_t value, int arg,
                         int width)
{
    fiber *f = current;
    if (!f) {
        fprintf(stderr, "cudasim: a warp function outside a kernel\n");
        abort();
    }
    if (width <= 0 || width > 32 || (width & (width - 1))) {
        kernel_error(where(f) + ": " + op_name(op) +
                     " with a width that is not a power of 2 up to 32");
        width = 32;
    }
    f->op = op;
    f->mask = mask;
    f->value = value;
    f->arg = arg;
    f->width = width;
    wait(AT_WARP);
    return f->result;
}

void syncthreads(void)
{
    if (!current) {
        fprintf(stderr, "cudasim: __syncthreads outside a kernel\n");
        abort();
    }
    wait(AT_BARRIER);
}

void *static_shared(const void *key, size_t bytes, size_t align)
{
    auto it = blk->statics.find(key);
    (void)align; /* malloc's alignment covers every type used */
    if (it != blk->statics.end())
        return it->second;
    blk->shared_bytes += bytes;
    if (blk->shared_bytes + blk->dynamic_bytes > 49152)
        kernel_error(std::string(blk->kernel) +
                     ": more shared memory than 48 KiB per block");
    void *p = poisoned(bytes);
    blk->owned.push_back(p);
    blk->statics[key] = p;
    return p;
}

void *dynamic_shared(void)
{
    return blk->dynamic;
}

cudaError_t launch(const char *name, dim3 grid, dim3 bdim, size_t shmem,
                   launch_body *body)
{
    cudaError_t rc;
    const char *bad;
    if (broken(&rc))
        return rc;
    if ((bad = bad_config(grid, bdim, shmem)))
        return fail(cudaErrorInvalidConfiguration,
                    std::string(name) + ": " + bad);
    if (!dev.stale.empty()) {
        /* The harness cannot tell which pointers a kernel uses: while
         * allocations of a context reset away are held, a launch faults,
         * as a kernel reaching one would. */
        fault(cudaErrorIllegalAddress,
              std::string(name) + ": launched while memory of a reset "
                                  "context is still held");
        return cudaSuccess;
    }
    if (dev.fail_launch && ++dev.launch_count >= dev.fail_launch) {
        /* The device fails while the kernel runs (injected). */
        fault(cudaErrorLaunchFailure,
              std::string(name) + ": device error (injected)");
        return cudaSuccess;
    }
    block b;
    b.n = bdim.x * bdim.y * bdim.z;
    b.threads.resize(b.n);
    b.body = body;
    b.kernel = name;
    b.dynamic_bytes = shmem;
    blk = &b;
    gridDim = grid;
    blockDim = bdim;
    dev.stats.launches++;
    for (unsigned z = 0; z < grid.z && b.error.empty(); z++)
        for (unsigned y = 0; y < grid.y && b.error.empty(); y++)
            for (unsigned x = 0; x < grid.x && b.error.empty(); x++) {
                blockIdx.x = x;
                blockIdx.y = y;
                blockIdx.z = z;
                b.dynamic = poisoned(shmem);
                b.owned.push_back(b.dynamic);
                run_block(b, bdim);
                free_shared(b);
                dev.stats.blocks++;
            }
    blk = nullptr;
    if (!b.error.empty())
        fault(cudaErrorLaunchFailure, std::string(name) + ": " + b.error);
    return cudaSuccess;
}

} // namespace mp_cudasim

/* ---- The runtime API ------------------------------------------------------- */

extern "C" {

cudaError_t cudaGetDeviceCount(int *count)
{
    *count = dev.lost ? 0 : dev.devices;
    return dev.devices && !dev.lost ? cudaSuccess : fail(cudaErrorNoDevice);
}

cudaError_t cudaGetDevice(int *device)
{
    cudaError_t rc;
    if (broken(&rc))
        return rc;
    *device = 0;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device)
{
    cudaError_t rc;
    if (broken(&rc))
        return rc;
    return device == 0 && dev.devices ? cudaSuccess
                                      : fail(cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *p, int device)
{
    cudaError_t rc;
    if (broken(&rc))
        return rc;
    if (device != 0 || !dev.devices)
        return fail(cudaErrorInvalidDevice);
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name,
             "NVIDIA H200 (CPU execution harness)");
    p->totalGlobalMem = dev.memory;
    p->sharedMemPerBlock = 49152;
    p->sharedMemPerBlockOptin = 232448;
    p->warpSize = 32;
    p->maxThreadsPerBlock = 1024;
    p->maxThreadsDim[0] = 1024;
    p->maxThreadsDim[1] = 1024;
    p->maxThreadsDim[2] = 64;
    p->maxGridSize[0] = 2147483647;
    p->maxGridSize[1] = 65535;
    p->maxGridSize[2] = 65535;
    p->major = dev.capability / 10;
    p->minor = dev.capability % 10;
    p->multiProcessorCount = 132;
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void)
{
    return sync_point();
}

cudaError_t cudaDeviceReset(void)
{
    /* The context goes: its allocations become invalid pointers (kept,
     * so a kernel that still uses one cannot corrupt the host). */
    for (auto &kv : dev.live)
        dev.stale[kv.first] = kv.second;
    dev.live.clear();
    dev.used = 0;
    dev.sticky = cudaSuccess;
    dev.pending = cudaSuccess;
    dev.last = cudaSuccess;
    return cudaSuccess;
}

cudaError_t cudaGetLastError(void)
{
    cudaError_t e = dev.sticky ? dev.sticky : dev.last;
    dev.last = cudaSuccess;
    if (dev.lost)
        return cudaErrorDevicesUnavailable;
    return e;
}

cudaError_t cudaPeekAtLastError(void)
{
    return dev.lost ? cudaErrorDevicesUnavailable
                    : dev.sticky ? dev.sticky : dev.last;
}

const char *cudaGetErrorString(cudaError_t e)
{
    static char text[1024];
    const char *base;
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: base = "invalid argument"; break;
    case cudaErrorMemoryAllocation: base = "out of memory"; break;
    case cudaErrorInitializationError: base = "initialization error"; break;
    case cudaErrorInvalidConfiguration:
        base = "invalid configuration argument";
        break;
    case cudaErrorInvalidDevicePointer: base = "invalid device pointer"; break;
    case cudaErrorNoDevice: base = "no CUDA-capable device is detected"; break;
    case cudaErrorInvalidDevice: base = "invalid device ordinal"; break;
    case cudaErrorDevicesUnavailable:
        base = "CUDA-capable device(s) is/are busy or unavailable";
        break;
    case cudaErrorNoKernelImageForDevice:
        base = "no kernel image is available for execution on the device";
        break;
    case cudaErrorIllegalAddress:
        base = "an illegal memory access was encountered";
        break;
    case cudaErrorLaunchFailure: base = "unspecified launch failure"; break;
    default: base = "unknown error"; break;
    }
    if (dev.detail.empty())
        return base;
    snprintf(text, sizeof text, "%s [harness: %s]", base, dev.detail.c_str());
    return text;
}

cudaError_t cudaMalloc(void **ptr, size_t size)
{
    cudaError_t rc;
    *ptr = nullptr;
    if (broken(&rc))
        return rc;
    if (dev.fail_malloc && ++dev.mallocs >= dev.fail_malloc)
        return fail(cudaErrorMemoryAllocation,
                    "cudaMalloc failure (injected)");
    if (size > dev.memory - dev.used)
        return fail(cudaErrorMemoryAllocation);
#ifdef MP_ASAN
    char *base = (char *)malloc(size ? size : 1), *user = base;
#else
    char *base = (char *)malloc(size + 2 * GUARD), *user = base + GUARD;
#endif
    if (!base)
        return fail(cudaErrorMemoryAllocation);
#ifndef MP_ASAN
    memset(base, GUARD_BYTE, GUARD);
    memset(user + size, GUARD_BYTE, GUARD);
#endif
    memset(user, POISON_BYTE, size); /* device memory starts undefined */
    dev.live[(uintptr_t)user] = allocation{base, size};
    dev.used += size;
    dev.stats.bytes_allocated = dev.used;
    if (dev.used > dev.stats.peak_bytes)
        dev.stats.peak_bytes = dev.used;
    *ptr = user;
    return cudaSuccess;
}

cudaError_t cudaFree(void *ptr)
{
    if (!ptr)
        return cudaSuccess;
    auto s = dev.stale.find((uintptr_t)ptr);
    if (s != dev.stale.end()) { /* of a context reset away */
        free(s->second.base);
        dev.stale.erase(s);
        return fail(cudaErrorInvalidValue);
    }
    auto it = dev.live.find((uintptr_t)ptr);
    if (it == dev.live.end())
        return fail(cudaErrorInvalidDevicePointer);
    check_guards();
    dev.used -= it->second.size;
    dev.stats.bytes_allocated = dev.used;
    free(it->second.base);
    dev.live.erase(it);
    return dev.lost ? cudaErrorDevicesUnavailable : cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t count,
                       enum cudaMemcpyKind kind)
{
    cudaError_t rc = sync_point();
    char b[200];
    if (rc)
        return rc;
    const bool d_dev = kind == cudaMemcpyHostToDevice ||
                       kind == cudaMemcpyDeviceToDevice,
               s_dev = kind == cudaMemcpyDeviceToHost ||
                       kind == cudaMemcpyDeviceToDevice;
    if (kind < cudaMemcpyHostToDevice || kind > cudaMemcpyDeviceToDevice)
        return fail(cudaErrorInvalidMemcpyDirection);
    if ((d_dev && !holding(dst, count)) || (s_dev && !holding(src, count))) {
        snprintf(b, sizeof b,
                 "cudaMemcpy of %zu bytes %s %p: outside every allocation",
                 count, d_dev && !holding(dst, count) ? "to" : "from",
                 d_dev && !holding(dst, count) ? dst : src);
        return fail(cudaErrorInvalidValue, b);
    }
    memmove(dst, src, count);
    return cudaSuccess;
}

cudaError_t cudaMemset(void *ptr, int value, size_t count)
{
    cudaError_t rc;
    if (broken(&rc))
        return rc;
    if (!holding(ptr, count))
        return fail(cudaErrorInvalidValue,
                    "cudaMemset outside every allocation");
    memset(ptr, value, count);
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_b, size_t *total)
{
    cudaError_t rc;
    if (broken(&rc))
        return rc;
    *free_b = dev.memory - dev.used;
    *total = dev.memory;
    return cudaSuccess;
}

struct mp_cudasim_event {
    double t;
};

cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    *e = new mp_cudasim_event{0.0};
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e)
{
    delete e;
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t stream)
{
    struct timespec ts;
    (void)stream;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    e->t = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t e)
{
    (void)e;
    return sync_point();
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    *ms = (float)((b->t - a->t) * 1e3);
    return cudaSuccess;
}

cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *attr,
                                  const void *func)
{
    cudaError_t rc;
    (void)func;
    if (broken(&rc))
        return rc;
    memset(attr, 0, sizeof *attr);
    attr->maxThreadsPerBlock = 1024;
    attr->binaryVersion = 90;
    /* This build has images for sm_80 and sm_90 (and PTX of sm_90). */
    if (dev.capability < 80)
        return fail(cudaErrorNoKernelImageForDevice);
    return cudaSuccess;
}

/* ---- The controls ---------------------------------------------------------- */

void mp_cudasim_reset(void)
{
    for (auto &kv : dev.live)
        free(kv.second.base);
    for (auto &kv : dev.stale)
        free(kv.second.base);
    std::vector<char *> stacks;
    stacks.swap(dev.stacks);
    dev = device();
    dev.stacks.swap(stacks);
}

void mp_cudasim_set_devices(int n)
{
    dev.devices = n ? 1 : 0;
}

void mp_cudasim_set_memory(size_t bytes)
{
    dev.memory = bytes;
}

void mp_cudasim_set_capability(int major_minor)
{
    dev.capability = major_minor;
}

void mp_cudasim_fail_malloc(unsigned long n)
{
    dev.fail_malloc = n;
    dev.mallocs = 0;
}

void mp_cudasim_fail_launch(unsigned long n)
{
    dev.fail_launch = n;
    dev.launch_count = 0;
}

void mp_cudasim_lose_device(unsigned long n)
{
    dev.lose = n ? dev.calls + n : 0;
}

void mp_cudasim_set_lane_order(int descending)
{
    dev.descending = descending;
}

void mp_cudasim_get_stats(struct mp_cudasim_stats *out)
{
    *out = dev.stats;
}

const char *mp_cudasim_last_error(void)
{
    return dev.detail.c_str();
}

} // extern "C"
