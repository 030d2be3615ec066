/* timeval.h — small helpers for packet timestamps (struct timeval). */
#ifndef SS_TIMEVAL_H
#define SS_TIMEVAL_H

#include <sys/time.h>

static inline int ss_tv_cmp(const struct timeval *a, const struct timeval *b)
{
    if (a->tv_sec != b->tv_sec)
        return a->tv_sec < b->tv_sec ? -1 : 1;
    if (a->tv_usec != b->tv_usec)
        return a->tv_usec < b->tv_usec ? -1 : 1;
    return 0;
}

/* b - a in seconds */
static inline double ss_tv_diff(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

/* 1 when now is at least secs after t */
static inline int ss_tv_elapsed(const struct timeval *t, const struct timeval *now, unsigned secs)
{
    return ss_tv_diff(t, now) >= (double)secs;
}

#endif
