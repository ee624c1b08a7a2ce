/* model_clock.c: the model's clock in whole diffusion steps (model.h). Event times
 * (the end, interventions) and intervals (save_every, checkpoint_every,
 * dt.phenotype) are converted once, at create, to step indices and step
 * periods; time is then always steps * dt, never an accumulated sum.
 *
 * Rule: a time T falls on step round(T / dt) when T / dt is a whole number
 * up to a few ulps (so 0.1-type decimal steps land exactly), and
 * otherwise on the first step after it, ceil(T / dt). An interval that is
 * not a whole number of steps is thus rounded up to the next one: events
 * then come every that many steps, at multiples of it. */
#include <float.h>
#include <math.h>

#include "regensim/model.h"

/* The step index of time `when` for step dt (see the rule above). */
int64_t rs_clock_step_of(double when, double dt)
{
    double q = when / dt;
    if (!isfinite(q) || q > 9007199254740992.0) return -1;
    if (q <= 0) return 0;
    double r = nearbyint(q);
    /* A few ulps of q: enough for decimal steps (0.3 / 0.1 =
     * 2.9999999999999996), never a whole step however long the run. */
    if (fabs(q - r) <= 64.0 * DBL_EPSILON * fmax(1.0, q)) return (int64_t)r;
    return (int64_t)ceil(q);
}

/* The step period of an interval: 0 for none, else at least 1. */
int64_t rs_clock_period(double every, double dt)
{
    if (!(every > 0)) return every == 0 ? 0 : -1;
    int64_t p = rs_clock_step_of(every, dt);
    return p == 0 ? 1 : p;
}

/* Whether a periodic event is due at step. */
int rs_clock_due(int64_t step, int64_t period)
{
    return period > 0 && step % period == 0;
}

/* The mechanics step as scheduled (see model.h). */
double rs_model_mechanics_dt(const rs_model *m, int *substeps)
{
    const double d = m->time.dt.diffusion.value, k = m->time.dt.mechanics.value;
    int n = 1;
    double h;
    if (k >= d) {
        int64_t p = rs_clock_period(k, d);
        h = (double)(p > 0 ? p : 1) * d;
    } else {
        /* Sub-steps of the diffusion step, none longer than asked. */
        double q = d / k, r = nearbyint(q);
        double nn = fabs(q - r) <= 64.0 * DBL_EPSILON * q ? r : ceil(q);
        n = nn > 1e6 ? 1000000 : (int)nn;
        h = d / n;
    }
    if (substeps) *substeps = n;
    return h;
}
