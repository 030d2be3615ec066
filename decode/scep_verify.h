/* scep_verify.h — does a pkiMessage's signature verify? (RFC 8894 3.2; CMS SignedData
 * verification per RFC 5652 5.4 and 5.6.)
 *
 * A device rejects a CertRep whose signature does not verify with the RA (or CA) certificate,
 * and a server answers badMessageCheck to a request whose signature does not. This checks the
 * signature over the signed attributes and the messageDigest attribute against the content,
 * with the signer's certificate taken from the message or, when the message does not carry
 * it, from certificates the caller knows (the server's GetCACert answer, --ca-file). The
 * signer's chain is not verified: SCEP signers are self-signed (requests) or RA certificates
 * the device fetched itself; trust is the device's business, the signature is the wire's.
 */
#ifndef SS_SCEP_VERIFY_H
#define SS_SCEP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "scep_certs.h"
#include "scep_msg.h"

#define SS_SCEP_VERIFY_MAX_SIGNERS 4

typedef enum ss_scep_sig_status {
    SS_SCEP_SIG_UNVERIFIABLE = 0, /* could not be checked: detail says why (not a SignedData,
                                     no signerInfo, an algorithm this OpenSSL lacks, ...) */
    SS_SCEP_SIG_VERIFIED,         /* every signerInfo verifies, attributes and content */
    SS_SCEP_SIG_INVALID,          /* a signature or the messageDigest does not match */
    SS_SCEP_SIG_NO_SIGNER_CERT    /* neither the message nor extra_certs holds the signer's
                                     certificate */
} ss_scep_sig_status;
/* "not verifiable", "verified", "invalid", "signer certificate not available" */
const char *ss_scep_sig_status_name(ss_scep_sig_status s);

typedef struct ss_scep_sigcheck {
    ss_scep_sig_status status;
    char detail[SS_SCEP_TEXT_LEN]; /* why, in words; "" when verified; sanitized */
    unsigned nsigners;
    /* the (first) signer as the signerInfo names it: issuer + serial, or a key identifier */
    char signer_ref[SS_SCEP_DN_LEN + SS_SCEP_SERIAL_LEN + 16];
    int signer_known;      /* signer is filled: its certificate was found */
    int signer_from_extra; /* found in extra_certs, not in the message */
    ss_scep_cert signer;   /* the certificate that signed (the first signer's) */
    /* its keyUsage allows digitalSignature (RFC 5280 4.2.1.3), or it has no keyUsage at all */
    int signer_digital_signature;
} ss_scep_sigcheck;

/* Verifies the signature(s) of the pkiMessage body (at most SS_SCEP_VERIFY_MAX_SIGNERS
 * signerInfos; more is not verifiable). extra_certs (may be NULL) are searched for
 * the signer's certificate after the message's own. libctx may be NULL; pass the decoder's
 * (ossl_ctx.h) so that old algorithms work as the decoder sees them. Always fills *out.
 * Returns 0 when the signature verified, -1 otherwise (see out->status). */
int ss_scep_msg_verify(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len,
                       STACK_OF(X509) * extra_certs, ss_scep_sigcheck *out);

#endif
