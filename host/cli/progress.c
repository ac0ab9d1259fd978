/* SPDX-License-Identifier: MIT */
/* progress.c: a progress line on a terminal, log lines otherwise. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define LOG_EVERY_S 5.0

#define LINE_EVERY_S 0.25

double mp_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void mp_progress_start(struct progress *p, int quiet, uint64_t total,
                       double synapses, const char *unit)
{
    p->mode = quiet ? 0 : isatty(STDERR_FILENO) ? 1 : 2;
    p->start = p->last = mp_cli_now();
    p->total = total;
    p->synapses = synapses;
    p->unit = unit;
}

static void eta(char *buf, size_t len, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static void report(struct progress *p, uint64_t done, double now, int final)
{
    double el = now - p->start, rate = el > 0 ? (double)done / el : 0.0;
    double pct = p->total ? 100.0 * (double)done / (double)p->total : 100.0;
    char e[32];
    eta(e, sizeof e, rate > 0 ? (double)(p->total - done) / rate : 0.0);
    if (p->mode == 1)
        fprintf(stderr,
                "\r\033[K%5.1f%%  %llu/%llu %s  %.3g %s/s  "
                "%.3g synapse updates/s  ETA %s%s",
                pct, (unsigned long long)done,
                (unsigned long long)p->total, p->unit, rate, p->unit,
                rate * p->synapses, e, final ? "\n" : "");
    else
        fprintf(stderr,
                "progress: %.1f%% (%llu/%llu %s), %.3g %s/s, "
                "%.3g synapse updates/s, ETA %s\n",
                pct, (unsigned long long)done,
                (unsigned long long)p->total, p->unit, rate, p->unit,
                rate * p->synapses, e);
    fflush(stderr);
}

void mp_progress_update(struct progress *p, uint64_t done)
{
    double now = mp_cli_now();
    if (p->mode == 0)
        return;
    if (now - p->last < (p->mode == 1 ? LINE_EVERY_S : LOG_EVERY_S))
        return;
    p->last = now;
    report(p, done, now, 0);
}

void mp_progress_end(struct progress *p, uint64_t done)
{
    if (p->mode == 1)
        report(p, done, mp_cli_now(), 1);
}
