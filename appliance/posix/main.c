/*
 * main.c - process entry of the POSIX platform.
 *
 * Initialises the platform in order (clock, parameters, memory, threads,
 * NIC enumeration) and runs rumpnet_main() in the first thread; its
 * return value becomes hyp_exit(HYP_EXIT_POWEROFF, ret).
 * Usage: rumpnet-<app>.posix [key=value ...]  (see param.c).
 * Not here: signals other than SIGPIPE (SIGINT/SIGTERM kill the process,
 * which is a clean stop for an appliance with no persistent state).
 */
#include <signal.h>

#include "posix_impl.h"

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	posix_clock_init();
	posix_param_init(argc, argv);
	posix_mem_init();
	posix_thread_init();
	posix_tap_init();
	hyp_exit(HYP_EXIT_POWEROFF, rumpnet_main());
}
