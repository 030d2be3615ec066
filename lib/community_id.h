/* community_id.h — the Community ID v1 flow hash (the published spec shared by Zeek, Suricata
 * and Elastic), so that scepsniff's records join their logs of the same flow. */
#ifndef SS_COMMUNITY_ID_H
#define SS_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* Writes "1:<base64 SHA-1>" for a TCP flow between two textual addresses into buf (at least
 * 32 bytes). seed is 0 unless the deployment agreed on another. Returns 0, or -1 when an
 * address does not parse. */
int ss_community_id(const char *src_ip, uint16_t src_port, const char *dst_ip, uint16_t dst_port,
                    uint16_t seed, char *buf, size_t len);

#endif
