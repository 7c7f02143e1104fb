/* policies.h — the table of GIL policies, one row each: GIL_POLICY(ID, DEFAULT) names the
 * policy defined as gil_policy_ID in vm/gil/policy_ID.c; DEFAULT is 1 for the one policy
 * used when none is chosen. The order is that of --help, sys.getgilpolicies() and the
 * default list of scripts/gil-sweep. Included (no guard) with GIL_POLICY defined. */
GIL_POLICY(ticks, 0)
GIL_POLICY(timed, 0)
GIL_POLICY(fifo, 0)
GIL_POLICY(io_priority, 1)
GIL_POLICY(lifo, 0)
