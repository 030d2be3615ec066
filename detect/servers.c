/* servers.c — the bounded registry of SCEP servers seen (see servers.h). A linear table: the
 * number of SCEP servers on a segment is small (NDES farms have a handful), so a scan beats a
 * hash table in both code and speed at this size. */
#include "detect/servers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ss_servers {
    ss_server *v;
    size_t n, max;
    unsigned long long clock;
};

ss_servers *ss_servers_new(size_t max)
{
    ss_servers *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->max = max ? max : 1;
    s->v = calloc(s->max, sizeof(*s->v));
    if (!s->v) {
        free(s);
        return NULL;
    }
    return s;
}

void ss_servers_free(ss_servers *s)
{
    if (!s)
        return;
    free(s->v);
    free(s);
}

ss_server *ss_servers_get(ss_servers *s, const char *key, int create)
{
    size_t oldest = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->v[i].key, key)) {
            s->v[i].used = ++s->clock;
            return &s->v[i];
        }
        if (s->v[i].used < s->v[oldest].used)
            oldest = i;
    }
    if (!create)
        return NULL;
    size_t slot = s->n < s->max ? s->n++ : oldest;
    ss_server *sv = &s->v[slot];
    memset(sv, 0, sizeof(*sv));
    snprintf(sv->key, sizeof(sv->key), "%s", key);
    sv->used = ++s->clock;
    return sv;
}

void ss_server_learn_certs(ss_server *sv, const ss_scep_certs *certs)
{
    if (!certs->ncerts)
        return;
    sv->ncerts = 0;
    for (unsigned i = 0; i < certs->ncerts && sv->ncerts < SS_SERVER_MAX_CERTS; i++) {
        ss_server_cert *c = &sv->certs[sv->ncerts++];
        snprintf(c->issuer, sizeof(c->issuer), "%s", certs->certs[i].issuer);
        snprintf(c->serial, sizeof(c->serial), "%s", certs->certs[i].serial);
    }
}

int ss_server_knows_cert(const ss_server *sv, const char *issuer, const char *serial)
{
    for (unsigned i = 0; i < sv->ncerts; i++)
        if (!strcmp(sv->certs[i].issuer, issuer) && !strcmp(sv->certs[i].serial, serial))
            return 1;
    return 0;
}
