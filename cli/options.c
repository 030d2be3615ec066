/* options.c — command-line parsing for scepsniff (getopt_long), tcpdump-style where tcpdump
 * has the option (-r -i -B -s -Z -c, a trailing BPF expression). */
#include "cli/options.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_JSON = 256,
    OPT_FLOWS,
    OPT_NO_PROGRESS,
    OPT_MAX_FLOWS,
    OPT_MAX_MEMORY,
    OPT_STREAM_BUFFER,
    OPT_SYN_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_CLOSED_TIMEOUT,
    OPT_SEED,
    OPT_NO_NDPI,
    OPT_VERSION,
    OPT_COLOR,
    OPT_STALL,
    OPT_CERT_WARN,
    OPT_FORMAT,
    OPT_RA_KEY,
    OPT_RA_PASSWORD_FILE,
    OPT_SHOW_SECRETS,
    OPT_KEYLOG,
    OPT_CA_FILE,
    OPT_EXPECT_CA
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: scepsniff [-r FILE]... [-i IFACE] [options] [BPF expression]\n"
        "  -r FILE            read a pcap/pcapng file (\"-\" = standard input); repeatable\n"
        "  -i IFACE           capture live on IFACE\n"
        "  -B KiB             live capture ring buffer size (default 32768)\n"
        "  -s SNAPLEN         live capture snapshot length (default 262144)\n"
        "  -Z USER            drop privileges to USER after opening the device\n"
        "                     (default when started as root: nobody)\n"
        "  -c COUNT           stop after COUNT packets\n"
        "  --flows            diagnostic view: each TCP flow with its stream events\n"
        "  --json             JSON lines instead of text (same as --format json)\n"
        "  --format FMT       text (default), json, or w3c: each exchange as the IIS log\n"
        "                     line it would make, to set beside the NDES server's log\n"
        "  -w FILE            write the packets of flows that carried SCEP to FILE (pcap)\n"
        "  -q                 only problems, and the summary\n"
        "  -v                 decoded HTTP and SCEP fields under each exchange\n"
        "  --color WHEN       colour verdicts: auto (default, on a terminal), always, never\n"
        "  --stall-timeout S  seconds after GetCACert without PKIOperation: stalled (60)\n"
        "  --cert-warn-days D warn when CA/RA certificates expire within D days (30)\n"
        "  --max-flows N      flows tracked at once (default 262144)\n"
        "  --max-memory MiB   memory cap for flow state (default 512)\n"
        "  --stream-buffer KiB out-of-order bytes held per flow direction (default 1024)\n"
        "  --syn-timeout S    seconds before an unanswered SYN is reported (default 75)\n"
        "  --idle-timeout S   seconds before an idle flow ends (default 300)\n"
        "  --closed-timeout S seconds a closed flow waits for stragglers (default 10)\n"
        "  --seed N           fixed flow-hash seed (default random)\n"
        "  --ra-key FILE      RA (NDES CEP Encryption) private key, PEM/DER/PKCS#12, to open\n"
        "                     requests and show their CSR; repeatable (old and new RA)\n"
        "  --ra-key-password-file FILE  password for encrypted keys (first line of FILE);\n"
        "                     or set SCEPSNIFF_RA_KEY_PASSWORD. Never given on the command line\n"
        "  --show-secrets     print challenge passwords (masked by default)\n"
        "  --keylog FILE      TLS secrets in NSS key log format (SSLKEYLOGFILE) to decrypt\n"
        "                     HTTPS; pcapng Decryption Secrets Blocks are read as well\n"
        "  --expect-ca-thumbprint HEX  SHA-1/SHA-256 of the root the Intune trusted certificate\n"
        "                     profile holds; GetCACert answers must match (repeatable)\n"
        "  --ca-file FILE     CA/RA certificates you vouch for (PEM/DER/PKCS#7): the root above\n"
        "                     an intermediate, signers for CertRep checks (repeatable)\n"
        "  --no-ndpi          do not classify flows with nDPI\n"
        "  --no-progress      no progress line on a terminal\n"
        "  -h, --help         this help    -V, --version\n");
}

static int parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The password comes from a file or the environment, never from an argument that ps shows. */
static int read_password_file(ss_options *o, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    if (!f) {
        fprintf(stderr, "scepsniff: --ra-key-password-file %s: cannot open\n", path);
        return -1;
    }
    int ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    if (!ok)
        line[0] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    free(o->ra_password);
    o->ra_password = strdup(line);
    OPENSSL_cleanse(line, sizeof(line));
    return o->ra_password ? 0 : -1;
}

static char *join_args(int argc, char **argv, int from)
{
    size_t n = 1;
    for (int i = from; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = calloc(1, n);
    if (!s)
        return NULL;
    for (int i = from; i < argc; i++) {
        if (i > from)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int ss_options_parse(ss_options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"flows", no_argument, NULL, OPT_FLOWS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
        {"stream-buffer", required_argument, NULL, OPT_STREAM_BUFFER},
        {"syn-timeout", required_argument, NULL, OPT_SYN_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"closed-timeout", required_argument, NULL, OPT_CLOSED_TIMEOUT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"no-ndpi", no_argument, NULL, OPT_NO_NDPI},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"color", required_argument, NULL, OPT_COLOR},
        {"stall-timeout", required_argument, NULL, OPT_STALL},
        {"cert-warn-days", required_argument, NULL, OPT_CERT_WARN},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"ra-key", required_argument, NULL, OPT_RA_KEY},
        {"ra-key-password-file", required_argument, NULL, OPT_RA_PASSWORD_FILE},
        {"show-secrets", no_argument, NULL, OPT_SHOW_SECRETS},
        {"keylog", required_argument, NULL, OPT_KEYLOG},
        {"ca-file", required_argument, NULL, OPT_CA_FILE},
        {"expect-ca-thumbprint", required_argument, NULL, OPT_EXPECT_CA},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof(*o));
    scepsniff_config_init(&o->cfg);
    o->buffer_kib = 32768;
    o->snaplen = 262144;
    o->progress = 1;
    o->color = -1;
    long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:i:B:s:Z:c:w:qvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (o->nfiles == SS_CLI_MAX_FILES) {
                fprintf(stderr, "scepsniff: at most %d -r files\n", SS_CLI_MAX_FILES);
                return 2;
            }
            o->files[o->nfiles++] = optarg;
            break;
        case 'i':
            o->iface = optarg;
            break;
        case 'B':
            if (parse_num(optarg, 64, 4 * 1024 * 1024, &v))
                goto bad;
            o->buffer_kib = (int)v;
            break;
        case 's':
            if (parse_num(optarg, 0, 262144, &v))
                goto bad;
            o->snaplen = v ? (int)v : 262144;
            break;
        case 'Z':
            o->user = optarg;
            break;
        case 'c':
            if (parse_num(optarg, 1, (long long)1 << 62, &o->count))
                goto bad;
            break;
        case 'w':
            o->write_file = optarg;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json"))
                o->json = 1;
            else if (!strcmp(optarg, "w3c"))
                o->w3c = 1;
            else if (strcmp(optarg, "text"))
                goto bad;
            break;
        case OPT_RA_KEY:
            if (o->nra_keys == (int)(sizeof(o->ra_keys) / sizeof(o->ra_keys[0]))) {
                fprintf(stderr, "scepsniff: at most %zu --ra-key files\n",
                        sizeof(o->ra_keys) / sizeof(o->ra_keys[0]));
                return 2;
            }
            o->ra_keys[o->nra_keys++] = optarg;
            break;
        case OPT_RA_PASSWORD_FILE:
            if (read_password_file(o, optarg))
                return 2;
            break;
        case OPT_CA_FILE:
            if (o->nca_files == (int)(sizeof(o->ca_files) / sizeof(o->ca_files[0]))) {
                fprintf(stderr, "scepsniff: too many --ca-file\n");
                return 2;
            }
            o->ca_files[o->nca_files++] = optarg;
            break;
        case OPT_EXPECT_CA: {
            size_t old = o->thumbprints ? strlen(o->thumbprints) : 0;
            char *t = realloc(o->thumbprints, old + strlen(optarg) + 2);
            if (!t)
                return 2;
            if (!old)
                t[0] = '\0';
            else
                strcat(t, ",");
            strcat(t, optarg);
            o->thumbprints = t;
            break;
        }
        case OPT_KEYLOG:
            o->cfg.keylog_file = optarg;
            break;
        case OPT_SHOW_SECRETS:
            o->cfg.show_secrets = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'v':
            o->verbose++;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_FLOWS:
            o->flows = 1;
            break;
        case OPT_NO_PROGRESS:
            o->progress = 0;
            break;
        case OPT_MAX_FLOWS:
            if (parse_num(optarg, 1, (long long)1 << 30, &v))
                goto bad;
            o->cfg.max_flows = (size_t)v;
            break;
        case OPT_MAX_MEMORY:
            if (parse_num(optarg, 1, 1024 * 1024, &v))
                goto bad;
            o->cfg.max_memory = (size_t)v * 1024 * 1024;
            break;
        case OPT_STREAM_BUFFER:
            if (parse_num(optarg, 1, 1024 * 1024, &v))
                goto bad;
            o->cfg.max_stream_buffer = (size_t)v * 1024;
            break;
        case OPT_SYN_TIMEOUT:
            if (parse_num(optarg, 1, 86400, &v))
                goto bad;
            o->cfg.syn_timeout = (unsigned)v;
            break;
        case OPT_IDLE_TIMEOUT:
            if (parse_num(optarg, 1, 7 * 86400, &v))
                goto bad;
            o->cfg.idle_timeout = (unsigned)v;
            break;
        case OPT_CLOSED_TIMEOUT:
            /* 0 is allowed: a closed flow ends at the next second of packet time */
            if (parse_num(optarg, 0, 3600, &v))
                goto bad;
            o->cfg.closed_timeout = (unsigned)v;
            break;
        case OPT_SEED:
            if (parse_num(optarg, 1, INT64_MAX, &v))
                goto bad;
            o->cfg.hash_seed = (uint64_t)v;
            break;
        case OPT_NO_NDPI:
            o->cfg.classify = 0;
            break;
        case OPT_COLOR:
            if (!strcmp(optarg, "auto"))
                o->color = -1;
            else if (!strcmp(optarg, "always"))
                o->color = 1;
            else if (!strcmp(optarg, "never"))
                o->color = 0;
            else
                goto bad;
            break;
        case OPT_STALL:
            if (parse_num(optarg, 1, 86400, &v))
                goto bad;
            o->cfg.stall_timeout = (unsigned)v;
            break;
        case OPT_CERT_WARN:
            if (parse_num(optarg, 0, 3650, &v))
                goto bad;
            o->cfg.cert_warn_days = (unsigned)v;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case 'V':
        case OPT_VERSION:
            printf("scepsniff %s\n", SCEPSNIFF_VERSION);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!o->nfiles && !o->iface) {
        fprintf(stderr, "scepsniff: give -r FILE or -i IFACE\n");
        usage(stderr);
        return 2;
    }
    if (o->nfiles && o->iface) {
        fprintf(stderr, "scepsniff: -r and -i cannot be used together\n");
        return 2;
    }
    if (optind < argc && !(o->filter = join_args(argc, argv, optind))) {
        fprintf(stderr, "scepsniff: out of memory\n");
        return 2;
    }
    o->cfg.stream_events = o->flows && !o->quiet;
    const char *envpw = getenv("SCEPSNIFF_RA_KEY_PASSWORD");
    if (!o->ra_password && envpw && !(o->ra_password = strdup(envpw))) {
        fprintf(stderr, "scepsniff: out of memory\n");
        return 2;
    }
    o->cfg.ra_keys = o->ra_keys;
    o->cfg.ca_files = o->ca_files;
    o->cfg.nca_files = (size_t)o->nca_files;
    o->cfg.expect_ca_thumbprints = o->thumbprints;
    o->cfg.nra_keys = (size_t)o->nra_keys;
    o->cfg.ra_key_password = o->ra_password;
    return 0;
bad:
    fprintf(stderr, "scepsniff: bad value '%s' for -%c\n", optarg, c < 256 ? c : '-');
    return 2;
}

void ss_options_free(ss_options *o)
{
    free(o->thumbprints);
    o->thumbprints = NULL;
    if (o->ra_password) {
        OPENSSL_cleanse(o->ra_password, strlen(o->ra_password));
        free(o->ra_password);
        o->ra_password = NULL;
    }
    free(o->filter);
    o->filter = NULL;
}
