/* table_file_writer.c: writes io_table_file_test.py's fixed table with
 * rs_io_table_file_write. `table_file_writer PATH` writes 4 rows (every
 * kind of column and attribute, a dotted column name, UTF-8 strings);
 * `table_file_writer PATH --empty` the same columns with no rows. Exit 0,
 * or 1 with the error on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "regensim/regensim.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: table_file_writer PATH [--empty]\n");
        return 2;
    }
    size_t nrows = argc > 2 && strcmp(argv[2], "--empty") == 0 ? 0 : 4;
    static const double speed[] = {0.5, 1.0 / 3.0, -2.25, 1e-300};
    static const int64_t seed[] = {1, -7, INT64_MAX, INT64_MIN};
    static const char *const family[] = {"ms", "pd \xc3\xa9", "", "mnd"};
    static const char *const params[] = {"cell_types.opc.motility.speed", "seed"};
    rs_io_file_column cols[3] = {
        {.name = "cell_types.opc.motility.speed", .kind = RS_IO_F64, .f64 = speed,
         .units = "um/min"},
        {.name = "seed", .kind = RS_IO_I64, .i64 = seed},
        {.name = "family", .kind = RS_IO_STR, .str = family},
    };
    rs_io_file_attr attrs[5] = {
        {.name = "design", .kind = RS_IO_STR, .str = "lhs \xc3\xa9"},
        {.name = "nruns", .kind = RS_IO_I64, .i64 = 4},
        {.name = "t_end", .kind = RS_IO_F64, .f64 = 1440.5},
        {.name = "parameters", .kind = RS_IO_STRS, .strs = params, .nstrs = 2},
        {.name = "none", .kind = RS_IO_STRS, .nstrs = 0},
    };
    rs_error err;
    if (rs_io_table_file_write(argv[1], "run", cols, 3, nrows, attrs, 5, &err) != RS_OK) {
        fprintf(stderr, "table_file_writer: %s\n", err.msg);
        return 1;
    }
    return 0;
}
