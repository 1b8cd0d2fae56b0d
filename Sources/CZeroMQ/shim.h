#ifndef CASEPULSE_CZEROMQ_SHIM_H
#define CASEPULSE_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>
#endif
