#ifndef CSECCOMP_SHIM_H
#define CSECCOMP_SHIM_H
#include <errno.h>
#include <seccomp.h>
#endif
