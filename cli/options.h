/* options.h — the command line of scepsniff, parsed into one struct. */
#ifndef SS_CLI_OPTIONS_H
#define SS_CLI_OPTIONS_H

#include <stddef.h>

#include "scepsniff/scepsniff.h"

#define SS_CLI_MAX_FILES 64

typedef struct ss_options {
    const char *files[SS_CLI_MAX_FILES]; /* -r, in order; "-" is standard input */
    int nfiles;
    const char *iface;        /* -i */
    int buffer_kib;           /* -B */
    int snaplen;              /* -s */
    const char *user;         /* -Z; NULL: "nobody" when started as root */
    long long count;          /* -c: stop after this many packets (0: no limit) */
    int json;                 /* --json, --format json */
    int w3c;                  /* --format w3c */
    const char *write_file;   /* -w */
    int quiet;                /* -q */
    int verbose;              /* -v */
    int flows;                /* --flows */
    int progress;             /* 0: --no-progress */
    int color;                /* -1 auto, 0 never, 1 always */
    const char *ra_keys[16];  /* --ra-key */
    const char *ca_files[16]; /* --ca-file */
    int nca_files;
    char *thumbprints; /* --expect-ca-thumbprint, comma-joined (owned) */
    int nra_keys;
    char *ra_password; /* read from --ra-key-password-file or the environment (owned) */
    char *filter;      /* BPF expression from the trailing arguments (owned) */
    scepsniff_config cfg;
} ss_options;

/* Returns 0 to run, 1 when done (help/version printed), 2 on a usage error (printed). */
int ss_options_parse(ss_options *o, int argc, char **argv);
void ss_options_free(ss_options *o);

#endif
