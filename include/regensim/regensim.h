/* regensim.h: the umbrella header; includes the whole public API. */
#ifndef REGENSIM_H
#define REGENSIM_H

#include "regensim/version.h"
#include "regensim/error.h"
#include "regensim/alloc.h"
#include "regensim/log.h"
#include "regensim/rng.h"
#include "regensim/text.h"
#include "regensim/threads.h"
#include "regensim/grid.h"
#include "regensim/region.h"
#include "regensim/diffusion.h"
#include "regensim/expr.h"
#include "regensim/yaml.h"
#include "regensim/model.h"
#include "regensim/cells.h"
#include "regensim/sim.h"
#include "regensim/io.h"
#include "regensim/run.h"
#include "regensim/sweep.h"

#endif
