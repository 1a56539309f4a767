/*
 * act.h - plain-C reference of the activations (ops/act.h), computed in double. Kinds are the
 * values of enum clgan_ops_act: 0 relu, 1 lrelu, 2 tanh, 3 sigmoid.
 */
#ifndef CLGAN_REF_ACT_H
#define CLGAN_REF_ACT_H

#include <stddef.h>

/* f(x) and f' from the output y, in double (the finite-difference tests use these). */
double clgan_ref_act_f(int kind, double slope, double x);
double clgan_ref_act_df(int kind, double slope, double y);

/* y = f(x); dx = dy * f' from y. Outputs may alias inputs. */
void clgan_ref_act_fwd(int kind, float slope, size_t n, const float *x, float *y);
void clgan_ref_act_bwd(int kind, float slope, size_t n, const float *y, const float *dy, float *dx);

#endif /* CLGAN_REF_ACT_H */
