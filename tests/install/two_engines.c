/* two_engines.c — a program built only from what `cmake --install` put in place (header,
 * library, pkg-config file): two engines in one process; a SYN fed to the first must not show
 * in the second.
 * libpcap's headers need BSD types: built with -D_DEFAULT_SOURCE under -std=c11. */
#include <pcap/pcap.h>
#include <scepsniff/scepsniff.h>
#include <stdio.h>
#include <string.h>

static void count(const scepsniff_event *ev, void *user)
{
    if (ev->type == SCEPSNIFF_EVENT_FLOW_END)
        ++*(int *)user;
}

int main(void)
{
    char err[SCEPSNIFF_ERRBUF_SIZE];
    int ends[2] = {0, 0};
    scepsniff_engine *e[2];
    for (int i = 0; i < 2; i++)
        if (!(e[i] = scepsniff_engine_new(NULL, count, &ends[i], err))) {
            fprintf(stderr, "engine: %s\n", err);
            return 1;
        }
    /* one SYN, raw IPv4: 10.0.0.1:40000 -> 10.0.0.2:443 */
    unsigned char pkt[40] = {0x45, 0, 0, 40, 0,  0, 0, 0, 64,   6,    0,    0,
                             10,   0, 0, 1,  10, 0, 0, 2, 0x9c, 0x40, 0x01, 0xbb,
                             0,    0, 0, 1,  0,  0, 0, 0, 0x50, 0x02, 0xff, 0xff};
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof(h));
    h.ts.tv_sec = 1000;
    h.caplen = h.len = sizeof(pkt);
    if (scepsniff_engine_packet(e[0], 101 /* LINKTYPE_RAW */, &h, pkt) != 0)
        return 1;
    scepsniff_engine_finish(e[0]);
    scepsniff_engine_finish(e[1]);
    scepsniff_engine_free(e[0]);
    scepsniff_engine_free(e[1]);
    printf("flows ended: %d and %d\n", ends[0], ends[1]);
    return ends[0] == 1 && ends[1] == 0 ? 0 : 1;
}
