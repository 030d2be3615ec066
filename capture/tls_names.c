/* tls_names.c — printable names of TLS values for reports (see tls.h): protocol versions
 * (RFC 6101, RFC 2246, RFC 4346, RFC 5246, RFC 8446), alert descriptions (RFC 8446 6, with the
 * codes of RFC 5246 7.2 that TLS 1.3 retired), and scepsniff's own reasons and event kinds.
 * Tables only, apart from the parser: they depend on no connection state.
 */
#include "tls.h"

const char *ss_tls_reason_name(ss_tls_reason r)
{
    switch (r) {
    case SS_TLS_R_NONE:
        return "none";
    case SS_TLS_R_NO_KEY:
        return "no key for this client random";
    case SS_TLS_R_MISSING_SECRET:
        return "key log lacks the secret needed";
    case SS_TLS_R_UNSUPPORTED:
        return "not supported";
    case SS_TLS_R_BAD_RECORD:
        return "record did not authenticate (wrong key or altered)";
    case SS_TLS_R_CAPTURE_GAP:
        return "capture gap";
    case SS_TLS_R_NO_HANDSHAKE:
        return "handshake not seen";
    case SS_TLS_R_MALFORMED:
        return "malformed";
    case SS_TLS_R_NOT_TLS:
        return "not TLS";
    case SS_TLS_R_TRUNCATED:
        return "stream ended inside a record";
    case SS_TLS_R_INTERNAL:
        return "internal error";
    }
    return "unknown";
}

const char *ss_tls_ev_name(ss_tls_ev_kind k)
{
    switch (k) {
    case SS_TLS_EV_CLIENT_HELLO:
        return "client_hello";
    case SS_TLS_EV_SERVER_HELLO:
        return "server_hello";
    case SS_TLS_EV_HELLO_RETRY:
        return "hello_retry_request";
    case SS_TLS_EV_CERTIFICATES:
        return "certificates";
    case SS_TLS_EV_HANDSHAKE_DONE:
        return "handshake_done";
    case SS_TLS_EV_ALERT:
        return "alert";
    case SS_TLS_EV_APP_DATA:
        return "app_data";
    case SS_TLS_EV_DECRYPT_FAILED:
        return "decrypt_failed";
    case SS_TLS_EV_STOPPED:
        return "stopped";
    }
    return "unknown";
}

const char *ss_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0300:
        return "SSL 3.0";
    case 0x0301:
        return "TLS 1.0";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    }
    return "unknown";
}

const char *ss_tls_alert_name(int desc)
{
    static const struct {
        int code;
        const char *name;
    } alerts[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {21, "decryption_failed"},
        {22, "record_overflow"},
        {30, "decompression_failure"},
        {40, "handshake_failure"},
        {41, "no_certificate"},
        {42, "bad_certificate"},
        {43, "unsupported_certificate"},
        {44, "certificate_revoked"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {49, "access_denied"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {60, "export_restriction"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {100, "no_renegotiation"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {111, "certificate_unobtainable"},
        {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"},
        {114, "bad_certificate_hash_value"},
        {115, "unknown_psk_identity"},
        {116, "certificate_required"},
        {120, "no_application_protocol"},
    };

    if (desc < 0)
        return "encrypted";
    for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
        if (alerts[i].code == desc)
            return alerts[i].name;
    return "unknown";
}
