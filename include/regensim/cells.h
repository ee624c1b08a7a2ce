/* cells.h: the agent half of regensim: a population of cells stored as a
 * structure of arrays, and the kernels that move them (docs/cells.md).
 *
 * rs_cells holds every cell's id (stable, 64-bit, never reused), type,
 * phase (alive or dead awaiting clearance), position, persistent motility
 * direction, radius, volume, age, neighbour count and internal state
 * variables, one contiguous array per quantity. Births are appended and
 * deaths compacted away (rs_cells_compact keeps the survivors' order), and
 * the mechanics step reorders the arrays by neighbour bin (cells in a bin by
 * id, so the order is a function of the positions and ids alone): the
 * storage order is therefore the same for any thread count and history of
 * storage, and a result never depends on it.
 *
 * The kernels (mechanics.c, motility.c, neighbour_bins.c) are plain loops
 * over these arrays with OpenMP pragmas; they know nothing of model files.
 * The simulation layer (src/sim, proc_cell_*.c) builds their per-type
 * tables from the model and schedules them. Units: um and minutes. */
#ifndef REGENSIM_CELLS_H
#define REGENSIM_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/error.h"
#include "regensim/grid.h"
#include "regensim/region.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most cells a population may hold (indices are 32-bit). */
#define RS_CELLS_MAX ((size_t)UINT32_MAX - 1)
/* Most cell types a model may have. */
#define RS_CELLS_MAX_TYPES 64
/* pi, for volumes and directions (strict C11 has no M_PI). */
#define RS_CELLS_PI 3.14159265358979323846
/* Cells per thread below which a kernel does not add a thread (the
 * default of rs_cells.min_work; REGENSIM_MIN_WORK_PER_THREAD overrides). */
#define RS_CELLS_WORK_PER_THREAD 2048
/* Most internal state variables a cell may have. */
#define RS_CELLS_MAX_STATES 64

/* A cell's phase. Dead cells stay, immobile but still pushing, until
 * their type's clearance time has passed (or they are engulfed). */
typedef enum rs_cell_phase {
    RS_CELL_ALIVE = 0,
    RS_CELL_APOPTOTIC = 1,
    RS_CELL_NECROTIC = 2
} rs_cell_phase;

/* Purposes of random draws: a draw is keyed by (seed, cell id, step,
 * purpose), so it is the same whatever the thread or storage order. */
typedef enum rs_cell_purpose {
    RS_DRAW_PLACE = 1,     /* initial and injected positions */
    RS_DRAW_MOTILITY = 2,  /* persistent random walk */
    RS_DRAW_DIVISION = 3,  /* whether and in which direction a cell divides */
    RS_DRAW_DEATH = 4,     /* apoptosis and necrosis */
    RS_DRAW_TRANSITION = 5,
    RS_DRAW_REMOVE = 6,    /* `remove` interventions */
    RS_DRAW_ENGULF = 7     /* a dead cell engulfed by touching phagocytes */
} rs_cell_purpose;

/* The stream of cell `id`'s draws for `purpose` (rs_rng_block's stream). */
static inline uint64_t rs_cells_stream(uint64_t id, rs_cell_purpose purpose)
{
    return (id << 8) | (uint64_t)purpose;
}

typedef struct rs_cells {
    size_t n, cap;     /* cells, and room */
    int dims;          /* 2: z is 0 and motion stays in the plane; 3 */
    int nstates;       /* state slots per cell (the most any type has) */
    uint64_t next_id;  /* the id the next new cell gets */
    long min_work;     /* cells per thread a kernel needs before it adds one (threads.h) */
    uint64_t *id;
    int32_t *type;     /* index into the model's cell types */
    int32_t *phase;    /* rs_cell_phase */
    double *x, *y, *z; /* um; z = 0 in 2D */
    double *ux, *uy, *uz; /* motility: persistent random direction (unit; 0 = none yet) */
    double *radius;    /* um */
    double *volume;    /* um^3 (3D); um^2, the cell's cross-section, in 2D */
    double *age;       /* min since birth or division; for a dead cell, since death */
    double *neighbours; /* cells touching it at the last mechanics step */
    double *pace;      /* motility: speed multiplier (>= 0; 1 unless a rule sets it) */
    double *bias;      /* motility: chemotaxis multiplier (0..1; 1 unless a rule sets it) */
    double *state[RS_CELLS_MAX_STATES]; /* nstates arrays */
    /* Work space of the kernels, same capacity (not part of the state). */
    double *vx, *vy, *vz; /* velocity of the current mechanics step */
    uint32_t *key, *perm; /* sort keys and permutation */
    void *scratch;        /* 8 bytes per cell, for reordering */
} rs_cells;

/* A population for a `dims`-D domain with `nstates` state slots, room for
 * `capacity` cells (0 allowed). RS_EINVAL (also for a bad
 * REGENSIM_MIN_WORK_PER_THREAD), RS_ENOMEM, RS_ETOOBIG. Free with
 * rs_cells_destroy. */
RS_API rs_status rs_cells_create(rs_cells **out, int dims, int nstates, size_t capacity,
                                 rs_error *err);
RS_API void rs_cells_destroy(rs_cells *c);

/* Bytes the population uses per cell of capacity (state and work space). */
RS_API size_t rs_cells_bytes_per_cell(int nstates);

/* Makes room for at least `capacity` cells (doubling, so appends are
 * amortised O(1)); RS_ENOMEM / RS_ETOOBIG leave c unchanged. */
RS_API rs_status rs_cells_reserve(rs_cells *c, size_t capacity, rs_error *err);

/* Appends a live cell with the next id, age 0, no motility direction,
 * states 0 and volume from the radius; *index (may be NULL) is where it
 * went. Grows the capacity when full. */
RS_API rs_status rs_cells_add(rs_cells *c, int type, double x, double y, double z,
                              double radius, size_t *index, rs_error *err);

/* The volume (um^3; in 2D the cross-section, um^2) of a cell of radius r,
 * and back. */
RS_API double rs_cells_volume_of(int dims, double r);
RS_API double rs_cells_radius_of(int dims, double volume);

/* Removes every cell i with keep[i] == 0, keeping the others' order.
 * Returns the number removed. */
RS_API size_t rs_cells_compact(rs_cells *c, const unsigned char *keep);

/* Reorders the cells: new cell i is old cell perm[i] (perm a permutation
 * of 0..n-1). Uses c->scratch; allocates nothing. */
RS_API void rs_cells_permute(rs_cells *c, const uint32_t *perm);

/* Sorts the n cell indices idx by the cells' ids (tmp: n more entries of
 * work space). */
RS_API void rs_cells_sort_by_id(const rs_cells *c, uint32_t *idx, size_t n, uint32_t *tmp);

/* Index of the cell with id `id`, or (size_t)-1 (a linear search, for
 * tests and tools). */
RS_API size_t rs_cells_find(const rs_cells *c, uint64_t id);

/* ---- neighbour bins (neighbour_bins.c) -------------------------------- */

/* A uniform grid of bins over the domain [0, size[d]], each at least
 * `reach` wide, so that every pair of cells closer than reach lies in the
 * same or adjacent bins. Built once per model; rebuilt over the cells at
 * every mechanics step by counting sort (O(cells + bins)). */
typedef struct rs_neighbour_bins {
    int dims;
    int nb[3];          /* bins per direction (1 along z in 2D) */
    double edge[3];     /* um */
    size_t nbins;
    uint32_t *start;    /* nbins + 1 offsets into the (reordered) cells */
} rs_neighbour_bins;

RS_API rs_status rs_neighbour_bins_create(rs_neighbour_bins **out, int dims,
                                          const double size[3], double reach, rs_error *err);
RS_API void rs_neighbour_bins_destroy(rs_neighbour_bins *b);

/* Sorts the cells by bin (and by id within a bin, so the order depends on
 * positions and ids only), permuting every array of c, and fills
 * b->start. Allocates nothing. */
RS_API void rs_neighbour_bins_build(rs_neighbour_bins *b, rs_cells *c);

/* The bin of a position. */
RS_API size_t rs_neighbour_bins_of(const rs_neighbour_bins *b, double x, double y, double z);

/* ---- mechanics and motion (mechanics.c, motility.c) ------------------- */

/* Per cell type: how it pushes, sticks and moves. */
typedef struct rs_cell_mechanics {
    double repulsion;      /* um/min */
    double adhesion;       /* um/min */
    double adhesion_range; /* multiple of the radius (>= 1) */
    int fixed;             /* 1: never moves (still pushes others) */
} rs_cell_mechanics;

/* The constants of a pair of types: the geometric mean of the two types'
 * repulsions and adhesions (docs/cells.md, "Mechanics"). */
RS_API void rs_cell_pair_constants(const rs_cell_mechanics *a, const rs_cell_mechanics *b,
                                   double *repulsion, double *adhesion);

/* The pair velocity of cell i due to a cell j at distance d (> 0) along
 * the unit vector from j to i: repulsion c_r (1 - d/R)^2 when d < R = r_i
 * + r_j, minus adhesion c_a (1 - d/A)^2 when d < A = a_i r_i + a_j r_j;
 * positive pushes apart. */
static inline double rs_cell_pair_speed(double d, double R, double A, double cr, double ca)
{
    double v = 0;
    if (d < R) {
        double q = 1 - d / R;
        v += cr * q * q;
    }
    if (d < A) {
        double q = 1 - d / A;
        v -= ca * q * q;
    }
    return v;
}

/* The distance two cells of radii summing to R and adhesion reach A settle
 * at under constants cr, ca (R when ca is 0; the pair speed's zero). */
RS_API double rs_cell_pair_equilibrium(double R, double A, double cr, double ca);

/* The interaction reach: the largest adhesion distance of any pair of
 * cells no larger than their types' radii. */
RS_API double rs_cell_mechanics_reach(const rs_cell_mechanics *types, const double *radii,
                                      int ntypes);

/* Pair potentials: sets c->vx, vy, vz of every cell to the sum of the
 * pair velocities from the cells within reach (each cell sums its own
 * neighbours, in bin order; no write is shared) and c->neighbours to the
 * number touching it. Dead and fixed cells get velocity 0 but push.
 * The bins must have been built over c. Allocates nothing. */
RS_API void rs_cell_forces(rs_cells *c, const rs_neighbour_bins *b,
                           const rs_cell_mechanics *types, int ntypes);

/* Per cell type: its motility. */
typedef struct rs_cell_motility {
    double speed;       /* um/min */
    double persistence; /* min: mean time between direction changes */
    int nchemotaxis;
    const int *substrate;       /* per entry: field index */
    const double *sensitivity;  /* per entry: -1..1, sum of |.| <= 1 */
} rs_cell_motility;

/* What motility reads: the fields, on grid g (chemotaxis), and the key
 * of the draws. */
typedef struct rs_cell_motility_env {
    const rs_grid *g;
    const double *const *fields;
    uint64_t seed;
    uint64_t step; /* counter of the draws: the diffusion step */
    double dt;     /* the mechanics step, min */
} rs_cell_motility_env;

/* Persistent random walk plus chemotaxis, added to c->vx, vy, vz: each
 * live, movable cell renews its direction u with probability
 * 1 - exp(-dt / persistence) (uniform on the sphere, the circle in 2D) and
 * moves at speed p ((1 - b sum |s_k|) u + b sum s_k g_k), g_k the unit
 * gradient of substrate k at its voxel (0 where the gradient is 0), p and
 * b the cell's pace and bias. */
RS_API void rs_cell_motility_add(rs_cells *c, const rs_cell_motility *types,
                                 const rs_cell_mechanics *mech, int ntypes,
                                 const rs_cell_motility_env *env);

/* Moves every cell by dt * v and keeps it in the domain [0, size] by
 * reflection at the walls (its motility direction reflected too). */
RS_API void rs_cell_move(rs_cells *c, const double size[3], double dt);

/* ---- phenotype (phenotype.c) ------------------------------------------ */

/* A cell's event at a phenotype step, written into c->key by whoever
 * decides (src/sim/proc_cell_phenotype.c): at most one per cell. */
enum {
    RS_FATE_NONE = 0,
    RS_FATE_APOPTOSIS = 1,
    RS_FATE_NECROSIS = 2,
    RS_FATE_DIVIDE = 3,
    RS_FATE_BECOME = 4 /* + the new type's index */
};

/* Per type, what applying the events needs. */
typedef struct rs_cell_fates {
    int ntypes;
    const double *volume;          /* per type: its cells' full-grown volume */
    const double *growth_time;     /* per type, min */
    const double *clearance_time;  /* per type, min */
    const int *ndeposits;          /* per type: substrates left something at death */
    const int *const *deposit_substrate;
    const double *const *deposit_amount; /* amount per cell */
    /* On a transition from type a to b, state slot s of the cell takes
     * old slot state_map[(a * ntypes + b) * nstates + s], or when that is
     * -1 state_initial[b * nstates + s]. */
    const int *state_map;
    const double *state_initial;
    const rs_grid *g;
    double *const *fields;         /* for the death deposits */
    double size[3];                /* the domain, um */
} rs_cell_fates;

/* What a phenotype step did. */
typedef struct rs_cell_fate_counts {
    size_t divisions, deaths, transitions, cleared;
} rs_cell_fate_counts;

/* Ages every cell by dt (regrowing the live ones), applies the events in
 * c->key in id order (divisions draw their direction keyed by (seed, id,
 * step, RS_DRAW_DIVISION), words 2 and 3), then removes the dead cells
 * past their clearance time. The only allocation: room for the
 * daughters when the capacity is short (RS_ENOMEM, RS_ETOOBIG). */
RS_API rs_status rs_cells_apply_fates(rs_cells *c, const rs_cell_fates *f, double dt,
                                      uint64_t seed, uint64_t step, rs_cell_fate_counts *counts,
                                      rs_error *err);

/* ---- contact interactions (contact.c) --------------------------------- */

/* The model's contact interactions, per type. */
typedef struct rs_cell_contact {
    int ntypes;
    int nexchange;        /* exchanged state names, E */
    const int *slot;      /* ntypes x E: the type's state slot of exchanged state e, or -1 */
    const double *rate;   /* ntypes x E: the type's exchange rate, 1/min */
    const double *engulf; /* ntypes x ntypes, or NULL: rate (1/min) at which a live cell
                           * of type a engulfs a touching dead cell of type b, [a][b] */
} rs_cell_contact;

/* One phenotype step of contact interactions over dt (docs/cells.md,
 * "Contact"): states exchanged between touching live cells (explicit
 * Euler from the states at the start; c->vx is the work space), then
 * dead cells engulfed by touching live phagocytes (their age set to +inf:
 * rs_cells_apply_fates clears them), drawn keyed by (seed, id, step,
 * RS_DRAW_ENGULF). The bins must have been built over c. */
RS_API void rs_cell_contact_step(rs_cells *c, const rs_neighbour_bins *b,
                                 const rs_cell_contact *k, double dt, uint64_t seed,
                                 uint64_t step);

/* ---- placement and removal (placement.c) ------------------------------ */

/* Where and how many cells of a type to place. */
typedef struct rs_cell_placement {
    const char *what;        /* for messages, e.g. "initial[2]" */
    int type;
    double radius;
    size_t count;
    double spacing;          /* um: least distance from any cell's centre; 0: none */
    const rs_region *region;
    double size[3];          /* the domain, um */
    int nstates;
    const double *states;    /* initial state values (nstates) */
    uint64_t seed, key;      /* the draws' stream: (seed, key, RS_DRAW_PLACE) */
} rs_cell_placement;

/* Appends p->count cells at uniform random points of the region within
 * the domain (rejection from the region's bounding box). RS_EINVAL when
 * the region holds no point of the domain or is too thin to sample. */
RS_API rs_status rs_cells_place(rs_cells *c, const rs_cell_placement *p, rs_error *err);

/* Removes each cell of `type` whose centre lies in region with
 * probability fraction, drawn per cell id at `step`; keep is work space of
 * c->n bytes. Returns the number removed. */
RS_API size_t rs_cells_remove_fraction(rs_cells *c, int type, const rs_region *region,
                                       double fraction, uint64_t seed, uint64_t step,
                                       unsigned char *keep);

/* ---- coupling to fields (coupling.c) ---------------------------------- */

/* Adds every live cell's secretion (secretion[type], amount/min) to S and
 * uptake (uptake[type], 1/min of its volume) to U at its voxel; a
 * saturation[type] > 0 (concentration) makes the secretion R (1 - c/C),
 * its second part added to U. Tables may be NULL (none; S or U then
 * unused when their tables are). */
RS_API void rs_cell_deposit(const rs_cells *c, const rs_grid *g, const double *secretion,
                            const double *saturation, const double *uptake, double *S,
                            double *U);

/* ---- sensing (sensing.c) ---------------------------------------------- */

/* The voxel of grid g holding position (x, y, z) (clamped to the grid). */
RS_API size_t rs_cell_voxel(const rs_grid *g, double x, double y, double z);

/* The gradient of field f at voxel v by central differences (mirrored at
 * the domain's faces, as no-flux boundaries are), concentration/um. */
RS_API void rs_cell_gradient(const rs_grid *g, const double *f, size_t v, double grad[3]);

#ifdef __cplusplus
}
#endif
#endif
