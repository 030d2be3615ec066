/* event_names.c — stable names of the event enums, shared by every report writer. */
#include "scepsniff/scepsniff.h"

const char *scepsniff_stream_kind_name(scepsniff_stream_kind k)
{
    switch (k) {
    case SCEPSNIFF_STREAM_ESTABLISHED:
        return "established";
    case SCEPSNIFF_STREAM_UNANSWERED:
        return "unanswered";
    case SCEPSNIFF_STREAM_REFUSED:
        return "refused";
    case SCEPSNIFF_STREAM_DATA:
        return "data";
    case SCEPSNIFF_STREAM_GAP:
        return "capture_gap";
    case SCEPSNIFF_STREAM_FIN:
        return "fin";
    case SCEPSNIFF_STREAM_RST:
        return "reset";
    case SCEPSNIFF_STREAM_IDLE_TIMEOUT:
        return "idle_timeout";
    case SCEPSNIFF_STREAM_END_OF_CAPTURE:
        return "end_of_capture";
    case SCEPSNIFF_STREAM_EVICTED:
        return "evicted";
    }
    return "closed";
}
