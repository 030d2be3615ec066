/* servers.h — what the capture has shown about each SCEP server (by "ip:port"): that it
 * speaks SCEP, and which certificates it handed out in GetCACert answers, so that a request
 * encrypted to some other certificate can be named before NDES fails to decrypt it. Bounded:
 * at most max servers (the least recently used is forgotten) and SS_SERVER_MAX_CERTS each.
 */
#ifndef SS_SERVERS_H
#define SS_SERVERS_H

#include <stddef.h>

#include "decode/scep_certs.h"

#define SS_SERVER_MAX_CERTS 16

typedef struct ss_server_cert {
    char issuer[SS_SCEP_DN_LEN];
    char serial[SS_SCEP_SERIAL_LEN];
} ss_server_cert;

typedef struct ss_server {
    char key[64]; /* "ip:port" */
    int scep;     /* carried SCEP */
    unsigned ncerts;
    ss_server_cert certs[SS_SERVER_MAX_CERTS];
    unsigned long long used; /* LRU clock */
} ss_server;

typedef struct ss_servers ss_servers;

ss_servers *ss_servers_new(size_t max);
void ss_servers_free(ss_servers *s);
/* The entry for key; created when create is set (forgetting the least recently used one at
 * the cap). NULL when absent and not created. */
ss_server *ss_servers_get(ss_servers *s, const char *key, int create);
/* Remembers the certificates of a GetCACert/GetNextCACert answer (replacing older ones). */
void ss_server_learn_certs(ss_server *sv, const ss_scep_certs *certs);
/* 1 when a certificate with this issuer and serial was handed out. */
int ss_server_knows_cert(const ss_server *sv, const char *issuer, const char *serial);

#endif
