/* pcap_loop.c — the benchmark baseline: the cheapest possible pass over a capture file.
 *
 * It opens the file with libpcap and calls pcap_next_ex until the end, counting packets and
 * captured bytes, and prints "PACKETS BYTES". Anything that reads a capture through libpcap
 * can go no faster, so other tools are reported as a fraction of this rate.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    int status = 1;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: pcap_loop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "pcap_loop: %s\n", errbuf);
        return 1;
    }
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        packets++;
        bytes += hdr->caplen;
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "pcap_loop: %s: %s\n", argv[1], pcap_geterr(p));
        goto fail;
    }
    printf("%" PRIu64 " %" PRIu64 "\n", packets, bytes);
    status = 0;
fail:
    pcap_close(p);
    return status;
}
