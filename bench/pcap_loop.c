/* pcap_loop.c — the benchmark baseline: the cheapest possible pass over a capture file.
 *
 * It opens the file with libpcap and calls pcap_next_ex until the end, counting packets and
 * captured bytes, and prints "PACKETS BYTES SECONDS" (the last: from the first packet's time
 * to the last one's). Anything that reads a capture through libpcap can go no faster, so other
 * tools are reported as a fraction of this rate.
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
    struct timeval first = {0, 0}, last = {0, 0};
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
        if (packets++ == 0)
            first = hdr->ts;
        last = hdr->ts;
        bytes += hdr->caplen;
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "pcap_loop: %s: %s\n", argv[1], pcap_geterr(p));
        goto fail;
    }
    printf("%" PRIu64 " %" PRIu64 " %.3f\n", packets, bytes,
           (double)(last.tv_sec - first.tv_sec) + (double)(last.tv_usec - first.tv_usec) / 1e6);
    status = 0;
fail:
    pcap_close(p);
    return status;
}
