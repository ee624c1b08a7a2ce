/* rs_test.h: what every regensim test program includes: cmocka (after the
 * headers it needs) and the public API. */
#ifndef RS_TEST_H
#define RS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "regensim/regensim.h"

#endif
