/* containers.h — the container types together: tuple, list, dict, set, range and slice,
 * and their iterators, for the files that use them all. */
#ifndef TINY_CONTAINERS_H
#define TINY_CONTAINERS_H

#include "objects/tuple.h"
#include "objects/list.h"
#include "objects/dict.h"
#include "objects/set.h"
#include "objects/range.h"
#include "objects/iter.h"

#endif
