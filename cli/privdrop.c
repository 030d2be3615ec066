/* privdrop.c — setgroups/setgid/setuid to an unprivileged user once the device is open. */
#include "cli/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ss_drop_privileges(const char *user)
{
    if (geteuid() != 0)
        return 0; /* nothing to give up */
    if (!user)
        user = "nobody";
    if (!strcmp(user, "root"))
        return 0; /* asked to stay root */
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "scepsniff: -Z: no such user '%s'\n", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
        fprintf(stderr, "scepsniff: cannot drop privileges to '%s': %s\n", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        fprintf(stderr, "scepsniff: privileges could be regained after dropping them\n");
        return -1;
    }
    return 0;
}
