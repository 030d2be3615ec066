/* fuzz_http.c — libFuzzer target for the HTTP layer (decode/http.c through libhtp) and the SCEP
 * request-line reader (decode/scep_url.c).
 *
 * The input is a script for one connection, as the capture layer would hand it on:
 *   byte 0            limits: bit 0 small max_pending, bit 1 small max_body, bit 2 small
 *                     max_field, bit 3 tight memory budget
 *   then records      [op][len lo][len hi][payload]
 *     op & 7 = 0 / 1  data to the server / to the client, len payload bytes follow
 *              2 / 3  a capture gap of len bytes (client / server side)
 *              4 / 5  FIN (op bit 3: RST) from the client / server
 *              6      finish (end of input); later records must be ignored
 *              7      every remaining byte as data, direction op bit 3
 *     op bits 4-7     seconds added to the timestamp
 * Each data record is also read as a request-target by ss_scep_url_parse(). After the script:
 * finish, free, and the memory budget must be back to zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/mem.h"
#include "decode/http.h"
#include "decode/scep_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every field the detector would, so that the sanitizers check them. */
static void touch(void *user, const ss_http_tx *t)
{
    unsigned *sum = user;
    size_t i;

    *sum += (unsigned)(strlen(t->method) + strlen(t->uri) + strlen(t->path) + strlen(t->host) +
                       strlen(t->user_agent) + strlen(t->xff) + strlen(t->req_content_type) +
                       strlen(t->reason) + strlen(t->res_content_type) + strlen(t->server) +
                       strlen(t->protocol) + strlen(t->res_protocol) + strlen(t->scep.op_text) +
                       strlen(t->scep.message_text));
    if (t->html_head_len > sizeof(t->html_head) || t->query_off > sizeof(t->uri))
        abort();
    for (i = 0; i < t->html_head_len; i++)
        *sum += t->html_head[i];
    for (i = 0; i < t->req_body_len; i++)
        *sum += t->req_body[i];
    for (i = 0; i < t->res_body_len; i++)
        *sum += t->res_body[i];
    for (i = 0; i < t->scep.der_len; i++)
        *sum += t->scep.der[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    ss_http_limits lim;
    ss_mem mem = {0};
    ss_http_ctx *hc = NULL;
    ss_http_conn *c = NULL;
    struct timeval ts = {1700000000, 0};
    unsigned sum = 0;
    size_t pos = 1;

    if (size < 1)
        return 0;
    ss_http_limits_init(&lim);
    if (data[0] & 1)
        lim.max_pending = 3;
    if (data[0] & 2)
        lim.max_body = 64;
    if (data[0] & 4)
        lim.max_field = 1024;
    mem.cap = (data[0] & 8) ? 96u * 1024u : 8u * 1024u * 1024u;
    hc = ss_http_ctx_new(&lim, &mem, err, sizeof(err));
    if (!hc)
        goto fail;
    c = ss_http_conn_new(hc, touch, &sum, err, sizeof(err));
    if (!c)
        goto fail;

    while (pos < size) {
        uint8_t op = data[pos++];
        size_t len;
        int dir = op & 1;

        ts.tv_sec += op >> 4;
        ts.tv_usec = (suseconds_t)(pos % 1000000);
        if ((op & 7) == 7) {
            dir = (op >> 3) & 1;
            len = size - pos;
        } else {
            if (size - pos < 2)
                break;
            len = (size_t)data[pos] | ((size_t)data[pos + 1] << 8);
            pos += 2;
        }
        switch (op & 7) {
        case 0:
        case 1:
        case 7:
            if (len > size - pos)
                len = size - pos;
            {
                ss_scep_url u;
                ss_scep_url_parse((const uint8_t *)"GET", 3, len ? data + pos : NULL, len, &u);
                ss_scep_url_free(&u);
            }
            ss_http_conn_data(c, dir, data + pos, len, &ts);
            pos += len;
            break;
        case 2:
        case 3:
            ss_http_conn_gap(c, dir, len, &ts);
            break;
        case 4:
        case 5:
            ss_http_conn_close(c, dir, (op >> 3) & 1, &ts);
            break;
        case 6:
            ss_http_conn_finish(c, &ts);
            break;
        }
    }
    ss_http_conn_finish(c, &ts);
fail:
    ss_http_conn_free(c);
    ss_http_ctx_free(hc);
    if (mem.used != 0 || (mem.cap && mem.peak > mem.cap))
        abort();
    return 0;
}
