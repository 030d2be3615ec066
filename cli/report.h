/* report.h — the default report: one line per exchange with its verdict (and, the first time a
 * problem appears, its likely causes and what to check), one line per enrollment as it ends,
 * then a table per device and per server with response-time percentiles. Or JSON lines. */
#ifndef SS_CLI_REPORT_H
#define SS_CLI_REPORT_H

#include <stdio.h>

#include "scepsniff/scepsniff.h"

typedef struct ss_report_opts {
    int json;    /* JSON lines instead of text */
    int quiet;   /* only problems, and the summary */
    int verbose; /* decoded fields under each exchange */
    int color;   /* ANSI colours */
    int silent;  /* print nothing but count problems (another writer prints) */
} ss_report_opts;

typedef struct ss_report ss_report;

ss_report *ss_report_new(FILE *out, const ss_report_opts *opts);
/* The scepsniff_event_fn to give the engine, with the report as user pointer. */
void ss_report_event(const scepsniff_event *ev, void *report);
/* Prints the device and server tables and the run's counters (text mode). */
void ss_report_summary(ss_report *r, const scepsniff_stats *st);
/* 1 when an exchange or enrollment had a warning or an error. */
int ss_report_problems(const ss_report *r);
void ss_report_free(ss_report *r);

#endif
