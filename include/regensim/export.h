/* export.h: marks the symbols libregensim exports. Everything else in the
 * library is hidden, so only names declared in include/regensim/ are API. */
#ifndef REGENSIM_EXPORT_H
#define REGENSIM_EXPORT_H

#if defined(__GNUC__)
#define RS_API __attribute__((visibility("default")))
#define RS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define RS_API
#define RS_PRINTF(fmt, args)
#endif

#endif
