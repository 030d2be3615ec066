/* flows_view.h — the --flows diagnostic view: each TCP flow with its stream events as they
 * happen, then a conversation table like tshark's `-z conv,tcp`, plus the events. Text or
 * JSON lines. */
#ifndef SS_CLI_FLOWS_VIEW_H
#define SS_CLI_FLOWS_VIEW_H

#include <stdio.h>

#include "scepsniff/scepsniff.h"

typedef struct ss_flows_view ss_flows_view;

ss_flows_view *ss_flows_view_new(FILE *out, int json, int quiet);
/* The scepsniff_event_fn to give the engine, with the view as user pointer. */
void ss_flows_view_event(const scepsniff_event *ev, void *view);
/* Prints the conversation table and the run's counters. */
void ss_flows_view_summary(ss_flows_view *v, const scepsniff_stats *st);
void ss_flows_view_free(ss_flows_view *v);

#endif
