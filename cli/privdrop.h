/* privdrop.h — giving up root after the capture device is open, as tcpdump -Z does. */
#ifndef SS_CLI_PRIVDROP_H
#define SS_CLI_PRIVDROP_H

/* user NULL: drop to "nobody" when running as root. Returns 0, or -1 with a message printed. */
int ss_drop_privileges(const char *user);

#endif
