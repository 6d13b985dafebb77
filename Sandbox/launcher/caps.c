/* P gives up every capability it holds in the jail's user namespace: the bounding set (so no later execve can
 * regain one) and the effective, permitted and inheritable sets. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"

void caps_drop(struct jail *j) {
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) jail_fail(j, "drop bounding cap %d", cap);
    }
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0) jail_fail(j, "capset");
    j->layers |= LAYER_CAPS;
}
