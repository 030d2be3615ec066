/* source.h — where packets come from for the command: capture files (pcap, pcapng, standard
 * input) and live interfaces through libpcap, fed into one engine. */
#ifndef SS_CLI_SOURCE_H
#define SS_CLI_SOURCE_H

#include <signal.h>

#include "cli/extract.h"
#include "cli/options.h"
#include "scepsniff/scepsniff.h"

/* Set by the signal handler; the loops stop when it becomes non-zero. */
extern volatile sig_atomic_t ss_cli_stop;

/* x (may be NULL) receives every packet for -w. Reads one file into e. Returns 0, or 2 after
 * printing why the file (or part of it) could not be read; whatever was read before an error has
 * been analysed. */
int ss_source_file(scepsniff_engine *e, const ss_options *o, const char *path, long long *budget,
                   ss_extract *x);

/* Captures live until a signal or -c. Returns 0 or 2 (error printed). */
int ss_source_live(scepsniff_engine *e, const ss_options *o, ss_extract *x);

#endif
