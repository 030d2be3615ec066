/* w3c.h — --format w3c: each exchange as the line IIS would have written for it in its W3C log
 * (SCEP.md §6), so it can be set beside the NDES server's own log: a request on the wire with
 * no matching IIS line was stopped before IIS. Connection attempts that never reached HTTP
 * become comment lines, as IIS writes nothing for them. */
#ifndef SS_CLI_W3C_H
#define SS_CLI_W3C_H

#include <stdio.h>

#include "scepsniff/scepsniff.h"

/* Writes the #Fields header once (*started tracks it), then one line per exchange. */
void ss_w3c_event(FILE *out, const scepsniff_event *ev, int *started);

#endif
