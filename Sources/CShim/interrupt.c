#include <signal.h>
#include <string.h>
#include "CShim.h"

/* A signal handler may only set a flag; the run polls it between iterations and windows. */
static volatile sig_atomic_t received_signal = 0;

static void remember(int sig) { received_signal = sig; }

void sf_catch_termination(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = remember;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

int sf_termination_signal(void) { return received_signal; }
