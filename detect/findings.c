/* findings.c — the catalogue of findings (see findings.h): one table, indexed by ss_finding_id,
 * holding for each finding its stable code, severity, one-line summary, likely causes and what
 * to check. The causes come from SCEP.md section 4 and Microsoft's "Troubleshooting device to
 * NDES server communication for SCEP certificate profiles in Microsoft Intune". Each code has a
 * section in docs/findings.md with the long form; the test checks the two stay in step.
 *
 * Writing rules, because these are the words an administrator reads during an outage:
 * - summary: one line, plain words, under 100 characters, printable ASCII;
 * - causes and check: items separated by "; ", most likely first, no ';' inside an item (the
 *   report writers may split on it), concrete places to look;
 * - severity: OK for healthy signs, WARNING for "works now but will fail" or "cannot be judged
 *   from the wire", ERROR where enrollment fails at this point;
 * - a code is never renamed, reused or removed once released: add new ids at the end of their
 *   group in findings.h and a new section in docs/findings.md.
 */
#include "detect/findings.h"

#include <stdio.h>
#include <string.h>

#define IIS_LOG     "the IIS log on NDES (%SystemDrive%\\inetpub\\logs\\LogFiles\\W3SVC1)"
#define HTTPERR_LOG "the HTTP.sys error log (%SystemRoot%\\System32\\LogFiles\\HTTPERR)"
#define CONNECTOR_LOG                                                                              \
    "the Intune Certificate Connector logs (Event Viewer > Applications and Services Logs > "      \
    "Microsoft > Intune > CertificateConnectors)"
#define NDESPOLICY_KEY "HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP\\Modules\\NDESPolicy"
#define RA_CERTS                                                                                   \
    "the MSCEP-RA certificates (CEP Encryption, Exchange Enrollment Agent (Offline request))"
#define HTTPSYS_KEY "HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters"
#define DEVICE_LOGS                                                                                \
    "device logs (Android: OMADM log, iOS: profiled console log, Windows: "                        \
    "DeviceManagement-Enterprise-Diagnostics-Provider Admin)"

static const ss_finding_def ss_findings[] = {
    /* ---- transport ---- */
    [SS_F_BLOCKED] =
        {
            .code = "transport.blocked",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "Connection attempt got no answer: the device's SYNs went unanswered",
            .causes = "a firewall, network security group or proxy drops traffic between the "
                      "device and the server (a silent drop, not a reject); "
                      "no route to the server, or DNS gives the device an address where "
                      "nothing answers; "
                      "the NDES server or application proxy connector host is down or off "
                      "the network; "
                      "the device's own network blocks outbound 443 (to *.msappproxy.net when "
                      "the application proxy is used)",
            .check =
                IIS_LOG ": no line will exist for this request, it never reached IIS; "
                        "firewall and NSG rules and their drop logs for the server's address "
                        "and port (usually 443); "
                        "DNS: the address the device used (shown here) is the server's address; "
                        "from the device's network: Test-NetConnection <server> -Port 443 or "
                        "curl -v https://<server>/certsrv/mscep/mscep.dll; "
                        "that the server is up and listening (netstat -ano on NDES)",
        },
    [SS_F_REFUSED] =
        {
            .code = "transport.refused",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "Connection refused: the SYN was answered with a reset",
            .causes = "nothing listens on that port: the World Wide Web Publishing Service "
                      "(W3SVC) is stopped or the IIS site has no binding for it; "
                      "the SCEP URL in the profile has the wrong port or scheme (http vs "
                      "https); "
                      "a firewall set to reject rather than drop; "
                      "a load balancer or reverse proxy with no healthy backend",
            .check = "the SCEP server URL in the Intune profile: host, port, scheme; "
                     "on NDES: W3SVC running, the Default Web Site started, netstat -ano "
                     "shows the port listening; "
                     "IIS Manager > Default Web Site > Bindings (https 443 with a valid "
                     "certificate); "
                     "reject rules on firewalls between device and server; " IIS_LOG
                     ": no line will exist for this connection",
        },
    [SS_F_RESET_BY_SERVER] =
        {
            .code = "transport.reset_by_server",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The server side reset the connection before the exchange finished",
            .causes = "a firewall, IPS, WAF or load balancer in the path reset it (often on "
                      "long GET PKIOperation URLs, or an idle timer); "
                      "the IIS worker process (w3wp.exe) of the SCEP application pool "
                      "crashed during the request; "
                      "HTTP.sys dropped the connection (limits, timers); "
                      "TLS negotiation failed (no common protocol version or cipher)",
            .check = "whether a middlebox sent the reset: compare the reset's IP TTL with "
                     "the server's other packets; "
                     "logs of firewalls, IPS, WAF and load balancers between device and NDES; "
                     "the Application event log on NDES: Event ID 1000, Application Error, "
                     "faulting application w3wp.exe; " HTTPERR_LOG
                     ": Connection_Abandoned_By_AppPool or Timer_* entries",
        },
    [SS_F_RESET_BY_CLIENT] =
        {
            .code = "transport.reset_by_client",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The device reset the connection before the answer was complete",
            .causes = "the device's own timeout ran out while the server was slow (NDES "
                      "waiting on the CA or on Intune); "
                      "the device rejected the server's TLS certificate (untrusted chain, "
                      "name mismatch, expired); "
                      "the app or OS cancelled the request (network change, app closed); "
                      "a proxy or firewall on the device's side reset in the device's name",
            .check = "the time from request to reset (shown here) and time-taken in " IIS_LOG "; "
                     "the server's TLS certificate: chain, name and dates as the device sees "
                     "them; " DEVICE_LOGS "; "
                     "proxies and firewalls on the device's network",
        },
    [SS_F_NO_RESPONSE] =
        {
            .code = "transport.no_response",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The connection closed with no HTTP answer to the request",
            .causes = "a firewall, WAF or load balancer closed the connection after seeing "
                      "the request (often a long GET PKIOperation URL); "
                      "the SCEP application pool crashed while handling the request; "
                      "HTTP.sys closed it without answering (malformed request, limits); "
                      "the device gave up and closed before the server answered; "
                      "a reverse proxy lost NDES and closed instead of answering 502/504",
            .check = IIS_LOG ": a missing line means the request never reached IIS; " HTTPERR_LOG
                             ": Connection_Abandoned_By_AppPool, Connection_Dropped, "
                             "parse errors; "
                             "the Application event log on NDES: Event ID 1000 for w3wp.exe; "
                             "logs of firewalls, WAF and proxies in the path; "
                             "which side closed first (shown in the detail)",
        },
    [SS_F_TIMED_OUT] =
        {
            .code = "transport.timed_out",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The request was sent but no answer came before the idle timeout",
            .causes = "NDES is waiting on the CA: the CA service is stopped, unreachable or "
                      "overloaded; "
                      "the Intune Certificate Connector cannot reach Intune to validate the "
                      "challenge (outbound proxy, firewall); "
                      "the SCEP application pool is hung or its queue is full; "
                      "a middlebox silently dropped the rest of the connection",
            .check = "on NDES: certutil -config \"<CA host>\\<CA name>\" -ping; "
                     "on the CA: the Active Directory Certificate Services (certsvc) service "
                     "is running; " CONNECTOR_LOG ", and its proxy settings; "
                     "time-taken in " IIS_LOG "; " HTTPERR_LOG ": Timer_AppPool, QueueFull; "
                     "IIS Manager > Worker Processes: requests stuck in the SCEP pool",
        },
    [SS_F_REQUEST_TRUNCATED] =
        {
            .code = "transport.request_truncated",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The device closed before sending the whole request body",
            .causes = "the device or app aborted the upload (network change, app closed, "
                      "its own timeout); "
                      "a proxy on the device's side cut the request (size limit); "
                      "a client bug: a Content-Length larger than the body it sends",
            .check = "whether the device retried and succeeded later in the capture; "
                     "proxies on the device's network and their request size limits; " DEVICE_LOGS,
        },
    [SS_F_RESPONSE_TRUNCATED] =
        {
            .code = "transport.response_truncated",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The server closed before sending the whole answer it announced",
            .causes = "the IIS worker process or a proxy in the path died while sending; "
                      "a firewall, IPS or WAF cut the response; "
                      "a proxy's buffer or response size limit; "
                      "a send or idle timeout on the server or a proxy",
            .check =
                "the Application event log on NDES: Event ID 1000 for w3wp.exe; " HTTPERR_LOG "; "
                "logs of proxies, WAF and firewalls in the path; "
                "a capture on the NDES host itself (tcpdump, pktmon): is the answer "
                "whole there, then a hop in between cut it",
        },
    [SS_F_CAPTURE_GAP] =
        {
            .code = "capture.gap",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "Our capture is missing bytes here: this exchange cannot be judged "
                       "(not a network fault)",
            .causes = "the capture's snap length cut the packets (capture full packets: "
                      "tcpdump -s 0); "
                      "the kernel or capture buffer dropped packets under load; "
                      "the SPAN or mirror port was oversubscribed and dropped copies; "
                      "some packets of the connection take a path the sensor does not see; "
                      "scepsniff dropped the flow at its own flow or memory cap",
            .check = "the drop counters of the capture tool (tcpdump prints 'dropped by "
                     "kernel') and the capture's snaplen; "
                     "the switch's SPAN port utilisation and drop counters; "
                     "scepsniff's own counters at the end of the run (flows evicted); "
                     "capture again on the NDES host to confirm; "
                     "do not open a network ticket on this finding alone",
        },
    [SS_F_OPEN_AT_END] =
        {
            .code = "capture.open_at_end",
            .severity = SCEPSNIFF_SEV_OK,
            .summary = "Still in progress when the capture ended: no verdict, not a problem",
            .causes = "the capture stopped (end of file, Ctrl-C, file rotation) while the "
                      "exchange was running; "
                      "a slow request that finished after the capture ended",
            .check = "nothing unless it repeats; "
                     "if the same kind of exchange is always open at the end, capture "
                     "longer: a request that never gets an answer becomes "
                     "transport.timed_out",
        },
    /* ---- HTTP / IIS / NDES / application proxy ---- */
    [SS_F_HTTP_403_BARE_URL] =
        {
            .code = "http.403_bare_url",
            .severity = SCEPSNIFF_SEV_OK,
            .summary = "The bare SCEP URL answered 403: mscep.dll is intercepting requests as "
                       "it should",
            .causes = "healthy: a browser, health probe or device opened the SCEP URL "
                      "without an operation",
            .check = "nothing: this 403 (HTTP Error 403.0 - Forbidden) is what Microsoft "
                     "tells you to expect when testing the URL",
        },
    [SS_F_HTTP_403_OPERATION] =
        {
            .code = "http.403_operation",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "NDES refused a SCEP operation with 403: the Intune policy module "
                       "rejected it",
            .causes = "the NDESPolicy module's certificate lacks the Client Authentication "
                      "EKU, so CertificateRegistrationSvc answers 403 to the plugin; "
                      "the challenge did not validate (expired, already used, or for another "
                      "device or profile); "
                      "the NDESPolicy certificate expired or is not the one whose thumbprint "
                      "is in the registry; "
                      "IIS IP address restrictions deny the client (IIS log 403 6)",
            .check = IIS_LOG
            ": the device's line and the plugin's POST "
            "/CertificateRegistrationSvc/Certificate/VerifyRequest line and their "
            "status; " CONNECTOR_LOG "; "
            "certlm.msc > Personal: the certificate whose thumbprint is in " NDESPOLICY_KEY
            "\\NDESCertThumbprint is valid and has Client "
            "Authentication; "
            "whether the device had a fresh profile (challenges expire)",
        },
    [SS_F_HTTP_401] =
        {
            .code = "http.401",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The server asked for a login (401): anonymous access to the SCEP URL "
                       "is off",
            .causes = "Windows authentication is enabled, or anonymous authentication "
                      "disabled, on the mscep application in IIS; "
                      "the profile URL points at /certsrv/mscep_admin (the password page, "
                      "which requires Windows sign-in) instead of /certsrv/mscep/mscep.dll; "
                      "a reverse proxy in front of NDES demands authentication",
            .check = "IIS Manager > Default Web Site > CertSrv > mscep > Authentication: "
                     "Anonymous enabled, Windows disabled; "
                     "the SCEP server URL in the Intune profile; "
                     "the WWW-Authenticate header of the answer (Negotiate or NTLM: IIS, "
                     "Basic or Bearer: a proxy); " IIS_LOG ": 401 with substatus 2 (401.2)",
        },
    [SS_F_HTTP_404] =
        {
            .code = "http.404",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The server answered 404 Not Found for the SCEP URL",
            .causes = "the SCEP server URL in the profile has a wrong path (NDES: "
                      "/certsrv/mscep/mscep.dll); "
                      "the NDES role or its mscep application is not installed on this "
                      "server or site; "
                      "the application proxy's internal URL points at the wrong server or "
                      "path; "
                      "on a long GET PKIOperation: IIS request filtering (404.14 URL too "
                      "long, 404.15 query string too long), see http.url_too_long",
            .check = "the SCEP server URL in the Intune profile and the application proxy's "
                     "internal and external URLs; "
                     "IIS Manager: Default Web Site > CertSrv > mscep exists; " IIS_LOG
                     ": 404 0 2 = path not found, 404 14 0 or 404 15 0 = request filtering",
        },
    [SS_F_HTTP_URL_TOO_LONG] =
        {
            .code = "http.url_too_long",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The request URL was refused as too long (414, or IIS 404.14/404.15)",
            .causes = "IIS request filtering left at its defaults (maxUrl 4096, "
                      "maxQueryString 2048 bytes): NDES needs 65534 for both; "
                      "HTTP.sys MaxFieldLength and MaxRequestBytes not raised to 65534 (the "
                      "answer then comes from Server: Microsoft-HTTPAPI/2.0); "
                      "a reverse proxy or WAF in front of NDES with its own URL limit (nginx: "
                      "large_client_header_buffers)",
            .check = "IIS Manager > Default Web Site > Request Filtering > Edit Feature "
                     "Settings: Maximum URL length and Maximum query string = 65534; " HTTPSYS_KEY
                     ": MaxFieldLength and MaxRequestBytes = 65534 (DWORD, decimal), then "
                     "restart the server; " IIS_LOG ": 404 14 0 or 404 15 0 (request "
                     "filtering); "
                     "no W3SVC1 line but an HTTPERR line (URL_Length, FieldLength, "
                     "RequestLength) when HTTP.sys refused it; "
                     "the URL limits of proxies in front of NDES",
        },
    [SS_F_HTTP_500] =
        {
            .code = "http.500",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "NDES answered 500 Internal Server Error",
            .causes = "IIS_IUSRS lacks the 'Impersonate a client after authentication' user "
                      "right (IIS log: 500 0 1346); "
                      "the NDES service account is locked or its password expired; " RA_CERTS
                      " have expired; "
                      "on PKIOperation: NDES could not read the request (damaged message=, "
                      "single DES or RSA-OAEP it does not accept) or could not reach the CA",
            .check =
                IIS_LOG ": 500 with its substatus and win32 status (500 0 1346 = the "
                        "impersonation right); "
                        "secpol.msc > Local Policies > User Rights Assignment > Impersonate a "
                        "client after authentication: IIS_IUSRS listed (restart after a change); "
                        "Active Directory: the NDES service account (identity of the SCEP "
                        "application pool) not locked, password valid; "
                        "certlm.msc > Personal on NDES: the CEP Encryption and Exchange "
                        "Enrollment Agent (Offline request) certificates are valid; "
                        "the Application event log on NDES; "
                        "iisreset after any fix",
        },
    [SS_F_HTTP_502] =
        {
            .code = "http.502",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "A proxy in front of NDES got no valid answer from it (502 Bad Gateway)",
            .causes = "NDES (IIS) is down or not listening where the proxy points; "
                      "the proxy cannot reach NDES (firewall, DNS, wrong internal URL or "
                      "port); "
                      "TLS from the proxy to NDES fails (NDES's certificate expired, "
                      "untrusted, or for another name); "
                      "NDES reset or closed the proxy's connection",
            .check = "the proxy's error log (nginx error.log, the application proxy "
                     "connector's event log); "
                     "from the proxy host: reach the internal URL (Test-NetConnection, curl "
                     "-v); "
                     "the certificate bound to https on NDES: valid, name matches the "
                     "internal URL; " IIS_LOG ": whether the proxy's request arrived",
        },
    [SS_F_HTTP_503] =
        {
            .code = "http.503",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "NDES answered 503 Service Unavailable: the SCEP application pool is "
                       "stopped or crashing",
            .causes = "the SCEP application pool is stopped; "
                      "the pool crashes on each request and IIS took it offline: "
                      "intermediate CA certificates in the Trusted Root Certification "
                      "Authorities store; "
                      "the CRL URLs of the connector's certificates cannot be reached; "
                      "Windows authentication enabled on CertificateRegistrationSvc; "
                      "the NDESPolicy module certificate expired; "
                      "the pool's request queue is full (overload)",
            .check = "IIS Manager > Application Pools > SCEP: started; "
                     "Application event log: Event ID 1000, Application Error, faulting "
                     "application w3wp.exe; " HTTPERR_LOG
                     ": AppOffline, QueueFull, N/A (a 503 sent by HTTP.sys, Server: "
                     "Microsoft-HTTPAPI/2.0, is not in W3SVC1); "
                     "PowerShell: Get-ChildItem cert:\\LocalMachine\\Root | Where-Object "
                     "{$_.Issuer -ne $_.Subject} must list nothing; "
                     "the CAPI2 Operational log (enable it) for CRL retrieval errors; "
                     "IIS Manager > CertificateRegistrationSvc > Authentication: Anonymous "
                     "on, Windows off; "
                     "the certificate named by " NDESPOLICY_KEY "\\NDESCertThumbprint: not "
                     "expired",
        },
    [SS_F_HTTP_504] =
        {
            .code = "http.504",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "A gateway timed out waiting for NDES (504); with the app proxy: "
                       "connector not running",
            .causes = "the Microsoft Entra application proxy connector service is stopped "
                      "on its server; "
                      "the connector or proxy cannot reach NDES (firewall, DNS, wrong "
                      "internal URL); "
                      "NDES answers too slowly (waiting on the CA or on Intune challenge "
                      "validation); "
                      "a reverse proxy's upstream timeout is shorter than NDES's response "
                      "time",
            .check = "services.msc on the connector server: the application proxy connector "
                     "service (Microsoft Entra private network connector, formerly Microsoft "
                     "AAD Application Proxy Connector) running, startup type Automatic; "
                     "Entra admin center > Application proxy: the connector group of the "
                     "NDES app has active connectors; "
                     "from the connector server: reach the internal URL; "
                     "time-taken of the request in " IIS_LOG,
        },
    [SS_F_HTTP_OTHER_ERROR] =
        {
            .code = "http.other_error",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The server answered an HTTP status that is not a SCEP answer (3xx, "
                       "4xx, 5xx)",
            .causes = "a proxy, WAF or load balancer answered in NDES's place (see the Server "
                      "header); "
                      "a redirect (3xx) the client will not follow: application proxy "
                      "pre-authentication set to Microsoft Entra ID instead of Passthrough, "
                      "or an http to https redirect; "
                      "an IIS feature refused the request (see the substatus in the IIS "
                      "log); "
                      "the client used an operation or method this server does not offer "
                      "(e.g. POST when GetCACaps lacks POSTPKIOperation)",
            .check = "the status, Server header and body of the answer (scepsniff -v); " IIS_LOG
                     ": sc-status, sc-substatus and sc-win32-status for the request; "
                     "the application proxy's pre-authentication setting (Passthrough); "
                     "the logs of proxies in the path",
        },
    [SS_F_NDES_DEFAULT_PAGE] =
        {
            .code = "ndes.default_page",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "NDES served its default web page instead of a SCEP answer: mscep.dll "
                       "is not intercepting",
            .causes = "the Intune Certificate Connector did not install correctly; "
                      "IIS was not restarted after the connector was installed; "
                      "the connector was removed or its installation rolled back",
            .check = "the connector's setup log (SetupMsi.log): 'Installation success or "
                     "error status: 0' means it installed; "
                     "if it failed: uninstall and reinstall the connector; "
                     "if it installed: run iisreset; "
                     "then browse to the SCEP URL: it must answer 403",
        },
    [SS_F_APP_PROXY_ERROR_PAGE] =
        {
            .code = "app_proxy.error_page",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The application proxy answered with its error page ('This page can't "
                       "be displayed')",
            .causes = "the external SCEP URL in the application proxy configuration is wrong: "
                      "use the tenant's msappproxy.net default domain; "
                      "the internal URL does not point at the NDES server; "
                      "the NDES app's connector group has no active connector",
            .check = "Entra admin center > Enterprise applications > the NDES app > "
                     "Application proxy: external URL on <name>-<tenant>.msappproxy.net, "
                     "internal URL http(s)://<NDES FQDN>/, pre-authentication Passthrough, "
                     "a connector group with active connectors; "
                     "the SCEP server URL in the Intune profile equals the external URL; " IIS_LOG
                     ": no line, the request did not get past the proxy",
        },
    [SS_F_HTML_NOT_SCEP] =
        {
            .code = "http.unexpected_html",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "An HTML page came back where a certificate or SCEP message was "
                       "expected",
            .causes = "a proxy, captive portal or web filter answered in NDES's place; "
                      "an application proxy sign-in page (pre-authentication set to "
                      "Microsoft Entra ID instead of Passthrough); "
                      "an error page sent with status 200 (custom errors on a proxy or "
                      "IIS); "
                      "the URL points at another web application",
            .check = "the page title and Server header (scepsniff -v); "
                     "the application proxy's pre-authentication: Passthrough for SCEP; "
                     "web filters and proxies on the device's network; "
                     "the SCEP server URL in the Intune profile; "
                     "devices report this as 'invalid content type'",
        },
    [SS_F_WRONG_CONTENT_TYPE] =
        {
            .code = "http.wrong_content_type",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "A SCEP answer came with an unexpected Content-Type: strict clients "
                       "reject it",
            .causes = "a proxy or filter rewrote the Content-Type header; "
                      "a non-Microsoft SCEP server labels its replies loosely (text/plain, "
                      "text/html)",
            .check = "the Content-Type against RFC 8894: application/x-pki-message for "
                     "PKIOperation, application/x-x509-ca-cert or "
                     "application/x-x509-ca-ra-cert for GetCACert; "
                     "proxies that rewrite headers; "
                     "whether the device retried or gave up after this answer",
        },
    /* ---- SCEP ---- */
    [SS_F_SCEP_FAILURE] =
        {
            .code = "scep.failure",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "NDES or the CA refused the request: the SCEP reply says FAILURE",
            .causes = "badRequest: the challenge or the Intune policy rejected the request, "
                      "or the CA refused the CSR (template, permissions, subject); "
                      "badMessageCheck: signature or decryption failed, the request was "
                      "encrypted to the wrong RA certificate or with an algorithm NDES "
                      "cannot use; "
                      "badAlg: an algorithm NDES or the CA does not support; "
                      "badTime: clock skew between device, NDES and CA; "
                      "badCertId: the certificate the request refers to is unknown",
            .check =
                "the failInfo and NDES error (HRESULT) shown in the detail, looked up "
                "in docs/findings.md; "
                "the CA's Failed Requests (certsrv.msc) and the status code there; " CONNECTOR_LOG
                "; "
                "the Application event log on NDES; "
                "the templates named in HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP "
                "(SignatureTemplate, EncryptionTemplate, GeneralPurposeTemplate): "
                "published on the CA, Read and Enroll for the NDES service account; "
                "clocks: w32tm /query /status on NDES and the CA",
        },
    [SS_F_SCEP_PENDING] =
        {
            .code = "scep.pending",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The CA put the request on hold (PENDING): someone must approve it",
            .causes = "the certificate template requires CA certificate manager approval; "
                      "the CA's policy module is set to make every request pending",
            .check = "the CA's Pending Requests (certsrv.msc); "
                     "the template's Issuance Requirements tab: 'CA certificate manager "
                     "approval' off for Intune SCEP; "
                     "the CA's Properties > Policy Module > Properties: issue automatically; "
                     "whether the device keeps polling (CertPoll with the same "
                     "transactionID)",
        },
    [SS_F_SCEP_ISSUED] =
        {
            .code = "scep.issued",
            .severity = SCEPSNIFF_SEV_OK,
            .summary = "The certificate was issued: the SCEP reply says SUCCESS",
            .causes = "healthy: the request passed the policy module and the CA issued the "
                      "certificate",
            .check = "nothing on the server side; "
                     "if the device still shows no certificate, look at the device: " DEVICE_LOGS
                     ", and the Intune trusted certificate profile it needs",
        },
    [SS_F_SCEP_MALFORMED_REQUEST] =
        {
            .code = "scep.malformed_request",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The device's SCEP request is not a valid SCEP message",
            .causes = "'+' in the GET message= not escaped as %2B (read as a space) or "
                      "base64url mixed with standard base64; "
                      "the URL or body was cut by a proxy or a client limit; "
                      "a client bug in the CMS / PKCS#7 encoding; "
                      "not a SCEP client at all (a scanner or browser on the SCEP URL)",
            .check = "the decode error in the detail (scepsniff -v); "
                     "the client and its version (User-Agent); "
                     "the message findings on the same exchange (scep.message_*); "
                     "the server's answer to this request",
        },
    [SS_F_SCEP_MALFORMED_REPLY] =
        {
            .code = "scep.malformed_reply",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The server's reply is not the SCEP object the operation expects",
            .causes = "the body is not what its operation returns (an error text, an empty "
                      "body, a wrong object) though the status is 200; "
                      "a proxy altered the body (re-encoding, compression); "
                      "a SCEP server bug (non-Microsoft servers)",
            .check = "the decode error in the detail and the body (scepsniff -v); "
                     "a capture on the NDES host: is the reply already wrong there; "
                     "proxies in between that rewrite content",
        },
    [SS_F_SCEP_TXID_MISMATCH] =
        {
            .code = "scep.transaction_id_mismatch",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The reply's transactionID differs from the request's: the device will "
                       "discard it",
            .causes = "a proxy or load balancer mixed up answers between connections or "
                      "servers; "
                      "a caching proxy returned a reply to an earlier request; "
                      "a SCEP server bug",
            .check = "caching on proxies for /certsrv/mscep/ (PKIOperation answers must never "
                     "be cached); "
                     "load balancer connection reuse and persistence if several NDES servers "
                     "share the URL; "
                     "the two transactionIDs (scepsniff -v)",
        },
    [SS_F_SCEP_NONCE_MISMATCH] =
        {
            .code = "scep.nonce_mismatch",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The reply's recipientNonce is not the request's senderNonce: the "
                       "device will reject it",
            .causes = "a caching proxy replayed an earlier reply (GET PKIOperation is "
                      "cacheable by URL); "
                      "a proxy mixed up answers between connections; "
                      "a SCEP server bug",
            .check = "caching on proxies for /certsrv/mscep/ (disable it); "
                     "whether the same request URL was sent more than once; "
                     "the two nonces (scepsniff -v)",
        },
    [SS_F_SCEP_NO_CONTENT_TYPE] =
        {
            .code = "scep.reply_no_content_type",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The reply's signature lacks the CMS contentType attribute: strict "
                       "clients reject it",
            .causes = "a SCEP server library that leaves out the contentType signed attribute "
                      "RFC 5652 requires (non-Microsoft servers)",
            .check = "which devices fail: Android (jscep, BouncyCastle) rejects such replies, "
                     "others may accept them; "
                     "the SCEP server software and version, and an update that signs "
                     "replies per RFC 5652",
        },
    /* ---- warnings before failure ---- */
    [SS_F_URL_OVER_IIS_LIMIT] =
        {
            .code = "http.url_over_iis_default",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "This GET PKIOperation URL exceeds IIS's default limits (query 2048, "
                       "URL 4096 bytes)",
            .causes = "normal for GET PKIOperation (a 2048-bit RSA request is several KB of "
                      "base64): it works only where the limits were raised to 65534; "
                      "NDES does not offer POSTPKIOperation, so Android and iOS always send "
                      "the request by GET",
            .check = "the answer to this request: a SCEP reply means the limits are raised, "
                     "414 or 404.14/404.15 means not (http.url_too_long); "
                     "IIS Request Filtering: Maximum URL length and Maximum query string = "
                     "65534; " HTTPSYS_KEY ": MaxFieldLength and MaxRequestBytes = 65534; "
                     "URL limits of proxies in front of NDES",
        },
    [SS_F_URL_NEAR_HTTPSYS_LIMIT] =
        {
            .code = "http.url_near_httpsys_limit",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "Request line near HTTP.sys's default 16 KB limit: NDES needs it raised "
                       "to 65534",
            .causes = "a large request: a 4096-bit key, many SANs or a long subject; "
                      "HTTP.sys MaxFieldLength and MaxRequestBytes still at their 16384 "
                      "default on the NDES server",
            .check = HTTPSYS_KEY
            ": MaxFieldLength and MaxRequestBytes = 65534 (DWORD, "
            "decimal; 65534 is the most MaxFieldLength allows), then restart; " HTTPERR_LOG
            ": FieldLength or RequestLength entries; "
            "the key size and SANs in the SCEP profile",
        },
    [SS_F_MESSAGE_PLUS_UNESCAPED] =
        {
            .code = "scep.message_plus_unescaped",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The GET message= has a '+' not escaped as %2B: servers may read it as "
                       "a space",
            .causes = "the client puts base64 in the URL without percent-encoding it; "
                      "a proxy or URL rewriter decoded %2B back to '+'",
            .check = "the server's answer to this request (a 500 or a FAILURE means it read "
                     "a space); "
                     "the client software and version (User-Agent); "
                     "URL rewriting on proxies in the path",
        },
    [SS_F_MESSAGE_BASE64URL] =
        {
            .code = "scep.message_base64url",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The GET message= uses base64url ('-', '_') where standard base64 is "
                       "expected",
            .causes = "the client encodes with the URL-safe base64 alphabet; "
                      "a mix of base64url and standard base64 in one message",
            .check = "the server's answer to this request; "
                     "the client software and version (User-Agent): RFC 8894 asks for "
                     "standard base64, percent-escaped",
        },
    [SS_F_MESSAGE_BAD_BASE64] =
        {
            .code = "scep.message_bad_base64",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The GET message= is not clean base64 (bad characters or padding)",
            .causes = "the URL was cut by a proxy or client limit; "
                      "characters changed in transit (URL rewriting, double escaping); "
                      "a client bug",
            .check = "the damage named in the detail; "
                     "the URL length against the limits (http.url_over_iis_default); "
                     "proxies that rewrite URLs; "
                     "the server's answer to this request",
        },
    [SS_F_SINGLE_DES] =
        {
            .code = "crypto.single_des",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The request is encrypted with single DES: weak, and refused by many "
                       "servers",
            .causes = "a client that ignores GetCACaps or is set to DES (micromdm's scepclient "
                      "uses DES even when AES and DES3 are offered); "
                      "the server's GetCACaps offered neither AES nor DES3, so the client fell "
                      "back to DES",
            .check = "the server's GetCACaps answer in this capture (NDES offers DES3); "
                     "the client's SCEP encryption setting; "
                     "servers built on OpenSSL 3 refuse DES unless its legacy provider is "
                     "loaded",
        },
    [SS_F_RSA_OAEP] =
        {
            .code = "crypto.rsa_oaep",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The request's key is wrapped with RSAES-OAEP, which many SCEP servers "
                       "refuse",
            .causes = "a client set to OAEP key transport, while many servers accept only "
                      "RSA PKCS#1 v1.5 key transport",
            .check = "the server's answer to this request (badAlg, badMessageCheck or HTTP "
                     "500 means it refused); "
                     "the client's encryption settings",
        },
    [SS_F_UNKNOWN_RECIPIENT] =
        {
            .code = "scep.unknown_recipient",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The request is encrypted to a certificate this server did not hand "
                       "out in this capture",
            .causes = "the device cached an old RA certificate and NDES's RA certificates "
                      "were renewed since; "
                      "the client encrypted to the CA certificate instead of the RA (CEP "
                      "Encryption) certificate; "
                      "several NDES servers with different RA certificates behind one URL",
            .check = "certlm.msc > Personal on each NDES server: issuer and serial of the CEP "
                     "Encryption certificate against the recipient in the detail; "
                     "load balancer persistence if several NDES servers share the URL; "
                     "a reply with badMessageCheck or 0x80090005 (NTE_BAD_DATA) confirms "
                     "NDES could not decrypt",
        },
    [SS_F_CERT_EXPIRED] =
        {
            .code = "cert.expired",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "A CA or RA certificate handed out by GetCACert had expired at capture "
                       "time",
            .causes = RA_CERTS " expired: NDES then answers 500; "
                               "the issuing CA certificate expired; "
                               "the sensor's clock is wrong (capture timestamps)",
            .check = "certlm.msc > Personal on NDES: expiry of the CEP Encryption and "
                     "Exchange Enrollment Agent (Offline request) certificates; "
                     "renew: request both again from their templates (or reinstall the NDES "
                     "role), give the NDES service account Read on their private keys, then "
                     "iisreset; "
                     "the CA certificate (certsrv.msc > CA properties); "
                     "the capture's timestamps against real time",
        },
    [SS_F_CERT_NOT_YET_VALID] =
        {
            .code = "cert.not_yet_valid",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "A CA or RA certificate handed out by GetCACert was not yet valid at "
                       "capture time",
            .causes = "the certificate was just renewed and clocks differ between the CA and "
                      "the devices; "
                      "the CA's or NDES's clock runs ahead; "
                      "the sensor's clock runs behind (capture timestamps)",
            .check = "w32tm /query /status on the CA and on NDES; "
                     "the certificate's valid-from time in the detail against the capture "
                     "time; "
                     "the sensor's clock",
        },
    [SS_F_CERT_EXPIRING] =
        {
            .code = "cert.expiring",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "A CA or RA certificate handed out by GetCACert expires soon: renew it "
                       "first",
            .causes = RA_CERTS " are near their end date; "
                               "the CA certificate is near its end date",
            .check = "certlm.msc > Personal on NDES: the expiry dates; "
                     "plan the renewal (same templates, Read on the private keys for the "
                     "NDES service account, iisreset) before the date in the detail",
        },
    [SS_F_CAPS_NO_SHA2] =
        {
            .code = "caps.no_sha2",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "GetCACaps offers no SHA-256 or SHA-512: iOS and other strict clients "
                       "will fail",
            .causes = "an old or non-Microsoft SCEP server without SHA-2; "
                      "a proxy answering GetCACaps itself, or a cut answer",
            .check = "the capabilities list (scepsniff -v): NDES offers SHA-512, SHA-256, "
                     "SHA-1, DES3 and Renewal; "
                     "the SCEP server software, version and settings",
        },
    [SS_F_CAPS_NO_AES] =
        {
            .code = "caps.no_aes",
            .severity = SCEPSNIFF_SEV_OK,
            .summary = "GetCACaps offers no AES: clients use triple DES (normal for NDES)",
            .causes = "NDES offers DES3 and never AES: expected; "
                      "a non-Microsoft server without AES",
            .check = "nothing for NDES; "
                     "if neither AES nor DES3 is offered, clients fall back to single DES "
                     "(crypto.single_des); "
                     "on other servers enable AES (RFC 8894 recommends it)",
        },
    /* ---- enrollments ---- */
    [SS_F_ENROLL_STALLED] =
        {
            .code = "enrollment.stalled",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The device fetched the CA certificate but sent no request: it likely "
                       "rejected the CA",
            .causes = "the CA in the device's profile (trusted root or CA thumbprint) does "
                      "not match the certificate NDES returned; "
                      "the Intune trusted certificate profile is missing or assigned to other "
                      "groups than the SCEP profile; "
                      "the device gave up on the capabilities (caps.no_sha2); "
                      "the request went by a path the sensor does not see",
            .check =
                "the Intune trusted certificate profile: the right root CA, assigned to "
                "the same groups as the SCEP profile; "
                "the CA certificate from GetCACert (scepsniff -v) against the profile; " DEVICE_LOGS
                "; "
                "other findings for this device",
        },
    /* ---- the request opened with the RA key ---- */
    [SS_F_RA_KEY_NO_MATCH] =
        {
            .code = "ra_key.no_match",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "None of the RA keys given to scepsniff opens this request",
            .causes = "the request is encrypted to another RA certificate than the key given "
                      "(an old one after a renewal, or another NDES server's); "
                      "the key file given is not the CEP Encryption key",
            .check = "the recipient named in the detail against the CEP Encryption certificate "
                     "in certlm.msc on NDES; "
                     "which certificate GetCACert hands out (scepsniff -v); "
                     "export the CEP Encryption key again (with its private key) for --ra-key",
        },
    [SS_F_RA_KEY_OLD_CERT] =
        {
            .code = "ra_key.old_certificate",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The request opens with the RA key, but is addressed to another "
                       "certificate of it",
            .causes = "the device encrypted to an RA certificate that was renewed with the same "
                      "key; "
                      "the device cached the RA certificate from an earlier GetCACert",
            .check = "the recipient (issuer, serial) in the detail against the current CEP "
                     "Encryption certificate; "
                     "whether the device fetches GetCACert before each enrollment",
        },
    [SS_F_CSR_SIGNATURE_INVALID] =
        {
            .code = "csr.signature_invalid",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The certificate request's own signature does not verify: the CA will "
                       "refuse it",
            .causes = "the request was altered after signing; "
                      "a client bug in building the request",
            .check = "the device's SCEP client version; "
                     "the CA's Failed Requests for this request",
        },
    [SS_F_CSR_WEAK_KEY] =
        {
            .code = "csr.weak_key",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The request's RSA key is shorter than 2048 bits: CA templates usually "
                       "refuse it",
            .causes = "the SCEP profile's key size is set below 2048; "
                      "an old client default",
            .check = "the key size in the Intune SCEP profile; "
                     "the minimum key size of the certificate template on the CA",
        },
    [SS_F_CSR_NO_SAN] =
        {
            .code = "csr.no_san",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "An Android device's request has no subject alternative name",
            .causes = "the SCEP profile defines no SAN (Android Enterprise needs one, e.g. the "
                      "UPN, for the certificate to be used); "
                      "a variable in the profile's SAN resolved to nothing for this user",
            .check = "the Subject alternative name of the Intune SCEP profile; "
                     "that the user has the attribute the profile uses (UPN, e-mail)",
        },
    [SS_F_CSR_EMPTY_IDENTITY] =
        {
            .code = "csr.empty_identity",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The request names no one: empty subject and no subject alternative name",
            .causes = "the SCEP profile's subject and SAN both resolved to nothing; "
                      "a client bug",
            .check = "the Subject name format and Subject alternative name of the SCEP profile; "
                     "the user's attributes in Entra ID",
        },
    [SS_F_CSR_SIGNER_KEY_DIFFERS] =
        {
            .code = "csr.signer_key_differs",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The request is signed by another key than the one it asks a certificate "
                       "for",
            .causes = "a client that signs PKCSReq with a different key, which RFC 8894 "
                      "forbids; "
                      "a renewal sent as PKCSReq instead of RenewalReq",
            .check = "the client's SCEP implementation and version; "
                     "whether the server accepts it (the reply's pkiStatus)",
        },
    /* ---- TLS ---- */
    [SS_F_TLS_ALERT] =
        {
            .code = "tls.alert",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The TLS handshake to the SCEP server failed with a fatal alert",
            .causes = "from the client: it does not trust or accept the server certificate "
                      "(expired, wrong name, unknown CA); "
                      "from the server: no common protocol version or cipher suite (an old "
                      "client, or TLS 1.0/1.1 disabled on NDES or the proxy); "
                      "a client certificate was required and not sent",
            .check = "which side sent the alert and its name, in the detail; "
                     "the server certificate's validity, names and chain (IIS bindings on "
                     "NDES, the application proxy's custom domain certificate); "
                     "the TLS versions and cipher suites enabled on the server (IIS Crypto, "
                     "SCHANNEL registry keys)",
        },
    [SS_F_TLS_INCOMPLETE] =
        {
            .code = "tls.incomplete",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The TLS handshake to the SCEP server never completed",
            .causes = "a middlebox (TLS inspection, IPS) dropped or held the handshake; "
                      "the server stopped answering mid-handshake; "
                      "the client gave up on the server certificate without an alert",
            .check = "firewalls and TLS inspection between device and server; "
                     "the server's SCHANNEL events (System log) for handshake errors",
        },
    [SS_F_TLS_CERT_EXPIRED] =
        {
            .code = "tls.cert_expired",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The HTTPS server certificate had expired when the device connected",
            .causes = "the IIS or application proxy certificate was not renewed",
            .check = "the certificate bound to the HTTPS site on NDES (IIS Manager > Bindings); "
                     "the application proxy's custom domain certificate in Entra ID",
        },
    [SS_F_TLS_CERT_NOT_YET_VALID] =
        {
            .code = "tls.cert_not_yet_valid",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The HTTPS server certificate was not yet valid when the device connected",
            .causes = "a certificate installed before its start date; "
                      "clock skew on the device or the server",
            .check = "the certificate's notBefore; "
                     "the clocks of device and server",
        },
    [SS_F_TLS_CERT_NAME_MISMATCH] =
        {
            .code = "tls.cert_name_mismatch",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The HTTPS server certificate does not cover the name the device asked "
                       "for",
            .causes = "the SCEP URL in the profile uses a name the certificate lacks; "
                      "the wrong certificate is bound to the site",
            .check = "the SCEP server URL in the Intune profile against the certificate's "
                     "subject alternative names; "
                     "the IIS binding or the application proxy's external URL and certificate",
        },
    [SS_F_TLS_NOT_DECRYPTED] =
        {
            .code = "tls.not_decrypted",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "TLS keys were given, but this connection could not be decrypted",
            .causes = "the key log has no secret for this connection (another client or "
                      "session); "
                      "the capture missed part of the connection; "
                      "a cipher suite or TLS feature scepsniff does not decrypt",
            .check = "that the key log was written by the client of this connection "
                     "(SSLKEYLOGFILE) during the capture; "
                     "the reason in the detail",
        },
    [SS_F_TLS_ENCRYPTED] =
        {
            .code = "tls.encrypted",
            .severity = SCEPSNIFF_SEV_OK,
            .summary = "Encrypted SCEP traffic, no TLS key: only sizes and timing are visible",
            .causes = "HTTPS to NDES or the application proxy, as normal",
            .check = "give scepsniff the client's TLS keys (--keylog) to see the SCEP "
                     "exchanges; "
                     "the request/response sizes in the detail: one small reply then close "
                     "often means an error page",
        },
    /* ---- CA and RA certificates ---- */
    [SS_F_CA_THUMBPRINT_MISMATCH] =
        {
            .code = "cert.ca_thumbprint_mismatch",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The CA certificate NDES hands out is not the one the device profile trusts",
            .causes = "the Intune trusted certificate profile holds another CA certificate: an "
                      "old one from before a CA renewal, or the issuing CA where the root is "
                      "needed; "
                      "the SCEP profile is linked to the wrong trusted certificate profile; "
                      "NDES was set up against another CA than the one the profile was made for; "
                      "the thumbprint given to scepsniff (--expect-ca-thumbprint) is not the "
                      "profile's",
            .check = "the thumbprint of the certificate in the Intune trusted certificate "
                     "profile against the thumbprints in the detail; "
                     "on NDES: certutil -ca.cert ca.cer then certutil -dump ca.cer for the CA "
                     "NDES enrolls with; "
                     "the SCEP profile's Root Certificate setting; "
                     "with an intermediate CA: give scepsniff the root with --ca-file so that "
                     "the chain can be followed; " DEVICE_LOGS,
        },
    [SS_F_RA_ENCRYPT_MISSING] =
        {
            .code = "cert.ra_encryption_missing",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "GetCACert lists RA certificates but none for encryption (keyEncipherment)",
            .causes = "the CEP Encryption certificate is missing from NDES's machine store or "
                      "was not renewed with the other RA certificate; "
                      "the CEP Encryption template lost Key Encipherment in its key usage; "
                      "a non-Microsoft RA set up with a signing-only certificate",
            .check = "certlm.msc > Personal > Certificates on NDES: a CEP Encryption "
                     "certificate, valid, with a private key and Key Usage Key Encipherment; "
                     "renew or reinstall " RA_CERTS ", give the NDES service account Read on "
                     "their private keys, then iisreset; "
                     "the certificates and their key usages in the detail",
        },
    [SS_F_RA_SIGN_MISSING] =
        {
            .code = "cert.ra_signing_missing",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "GetCACert lists RA certificates but none for signing (digitalSignature)",
            .causes = "the Exchange Enrollment Agent (Offline request) certificate is missing "
                      "from NDES's machine store or was not renewed; "
                      "its template lost Digital Signature in its key usage; "
                      "a non-Microsoft RA set up with an encryption-only certificate",
            .check = "certlm.msc > Personal > Certificates on NDES: an Exchange Enrollment "
                     "Agent (Offline request) certificate, valid, with a private key and Key "
                     "Usage Digital Signature; "
                     "renew or reinstall " RA_CERTS "; "
                     "whether devices accept the CertRep (scep.issued on the PKIOperation)",
        },
    [SS_F_RA_NOT_ISSUED_BY_CA] =
        {
            .code = "cert.ra_not_issued_by_ca",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "An RA certificate in GetCACert was not issued by a CA certificate in the "
                       "same answer",
            .causes = "the RA certificates were issued by another CA (a second issuing CA, or "
                      "the CA before a renewal) than the one NDES hands out; "
                      "NDES was moved to another CA and its RA certificates were not "
                      "re-enrolled; "
                      "the CA certificate was renewed with a new key and the RA certificates "
                      "still chain to the old one",
            .check = "certlm.msc > Personal on NDES: the issuer of the CEP Encryption and "
                     "Exchange Enrollment Agent certificates against the CA in the detail; "
                     "certutil -ca.cert on NDES for the CA it uses; "
                     "re-enroll " RA_CERTS " from the CA NDES uses, then iisreset",
        },
    [SS_F_REPLY_SIGNATURE_INVALID] =
        {
            .code = "cert.reply_signature_invalid",
            .severity = SCEPSNIFF_SEV_ERROR,
            .summary = "The CertRep's signature does not verify: the device rejects the reply",
            .causes = "the server signed with a key that does not belong to the certificate it "
                      "names (RA certificates renewed while the old key stayed in use, or the "
                      "reverse); "
                      "a proxy or filter altered the reply body; "
                      "a server bug in the signed attributes or the digest",
            .check = "which certificate signed (in the detail) and whether the message or "
                     "GetCACert carried it; "
                     "certlm.msc > Personal on NDES: the Exchange Enrollment Agent certificate "
                     "and that its private key is the one in use (certutil -repairstore my "
                     "<serial>); "
                     "restart the SCEP application pool or iisreset after replacing RA "
                     "certificates; "
                     "proxies, WAFs or content filters between device and server",
        },
    [SS_F_REPLY_SIGNER_NO_DIGITAL_SIG] =
        {
            .code = "cert.reply_signer_no_digital_signature",
            .severity = SCEPSNIFF_SEV_WARNING,
            .summary = "The CertRep is signed by an RA certificate whose key usage lacks "
                       "digitalSignature",
            .causes = "NDES signs with the CEP Encryption certificate (keyEncipherment only) "
                      "instead of the Exchange Enrollment Agent certificate; "
                      "an RA certificate template without Digital Signature",
            .check = "the signer named in the detail and its key usage; "
                     "certlm.msc > Personal on NDES: the Exchange Enrollment Agent (Offline "
                     "request) certificate and its key usage; "
                     "whether strict clients (iOS, jscep on Android) fail on this reply while "
                     "others enroll",
        },
};

_Static_assert(sizeof(ss_findings) / sizeof(ss_findings[0]) == SS_F_COUNT,
               "every ss_finding_id needs an entry in ss_findings");

/* What an out-of-range id gets: never NULL, and an empty code so a caller can tell. */
static const ss_finding_def ss_finding_unknown = {
    .code = "",
    .severity = SCEPSNIFF_SEV_WARNING,
    .summary = "unknown finding (scepsniff internal error)",
    .causes = "",
    .check = "",
};

const ss_finding_def *ss_finding_get(ss_finding_id id)
{
    /* unsigned compare also catches negative values cast into the enum */
    if ((unsigned)id >= (unsigned)SS_F_COUNT)
        return &ss_finding_unknown;
    return &ss_findings[id];
}

/* The anchor is the one GitHub gives the section's heading. GitHub lowercases the heading,
 * removes punctuation except '-' and '_', and turns spaces into '-': a heading
 * "## transport.blocked" would get "#transportblocked", which reads badly and loses the word
 * break. So docs/findings.md titles each section with the code in dashed form
 * ("### transport-blocked", the code itself on the next line), a heading made only of
 * [a-z0-9-] that GitHub keeps unchanged, and this function produces the same dashed form. It
 * applies GitHub's rule too, so a code outside [a-z0-9._] still yields the anchor GitHub would
 * make. Codes are unique also after '.' and '_' become '-' (checked by the unit test). */
void ss_finding_doc(const char *code, char *buf, size_t len)
{
    static const char prefix[] = "docs/findings.md#";
    size_t n;

    if (!buf || len == 0)
        return;
    n = (size_t)snprintf(buf, len, "%s", prefix);
    if (n >= len || !code)
        return;
    for (const char *p = code; *p && n + 1 < len; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '.' || c == '_' || c == ' ')
            c = '-';
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
            buf[n++] = c;
    }
    buf[n] = '\0';
}
