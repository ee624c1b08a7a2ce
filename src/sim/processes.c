/* processes.c: the table of processes a simulation runs, in step order
 * (process.h gives the contract). A new component adds its entries here
 * and nothing else of the scheduler, the output or the checkpoints
 * changes. The cells' processes go between `reactions`, which sets the
 * shared source arrays each step, and `fields`, which applies them:
 *
 *     reactions, cells, cell_phenotype, cell_mechanics, fields
 *
 * `cells` owns the population: initial cells, `inject` and `remove`
 * interventions, secretion and uptake from the state at the start of the
 * step (as the reactions' rates are), its output and checkpoint. */
#include <stddef.h>

#include "sim/process.h"

const rs_process_ops *const rs_processes[] = {
    &rs_process_reactions,
    &rs_process_cells,
    &rs_process_cell_phenotype,
    &rs_process_cell_mechanics,
    &rs_process_fields,
    NULL,
};
