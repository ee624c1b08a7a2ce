/* version.c: reports the version the library was built as. */
#include "regensim/version.h"

const char *rs_version(void) { return RS_VERSION_STRING; }
