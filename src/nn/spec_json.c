/*
 * spec_json.c - network specs as JSON (docs/NETWORKS.md has the format and a full example).
 *
 *   {"inputs": [{"name": "z", "shape": [100, 1, 1]}, {"name": "y", "classes": 10}],
 *    "layers": [{"type": "convtranspose2d", "out": 256, "kernel": 4, "stride": 1,
 *                "padding": 0, "bias": false}, {"type": "batchnorm"}, {"type": "relu"}, ...]}
 *
 * A layer reads the layer before it unless "inputs" names others (model inputs or earlier
 * layers, by name; a layer without "name" is "main.<index>"). Parsing is strict: an unknown
 * key, a wrong type or a value out of range is an error naming the layer and the key.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

/* Layer types as they are written, and which keys each takes besides type, name, inputs. */
enum { K_OUT = 1, K_CONV = 2, K_BIAS = 4, K_SLOPE = 8 };

static const struct type_name {
    const char *name;
    enum clgan_layer_kind kind;
    enum clgan_act act;
    int keys;
} TYPES[] = {
    {"conv2d", CLGAN_LAYER_CONV2D, 0, K_OUT | K_CONV | K_BIAS},
    {"convtranspose2d", CLGAN_LAYER_CONVT2D, 0, K_OUT | K_CONV | K_BIAS},
    {"linear", CLGAN_LAYER_LINEAR, 0, K_OUT | K_BIAS},
    {"batchnorm", CLGAN_LAYER_BATCHNORM, 0, 0},
    {"relu", CLGAN_LAYER_ACT, CLGAN_ACT_RELU, 0},
    {"leakyrelu", CLGAN_LAYER_ACT, CLGAN_ACT_LRELU, K_SLOPE},
    {"tanh", CLGAN_LAYER_ACT, CLGAN_ACT_TANH, 0},
    {"sigmoid", CLGAN_LAYER_ACT, CLGAN_ACT_SIGMOID, 0},
    {"concat", CLGAN_LAYER_CONCAT, 0, 0},
    {"embed", CLGAN_LAYER_EMBED, 0, K_OUT},
    {"inner", CLGAN_LAYER_INNER, 0, 0},
    {"add", CLGAN_LAYER_ADD, 0, 0},
};
#define N_TYPES (sizeof(TYPES) / sizeof(TYPES[0]))

static const struct type_name *type_of(const struct clgan_layer_spec *l)
{
    for (size_t i = 0; i < N_TYPES; i++)
        if (TYPES[i].kind == l->kind && (l->kind != CLGAN_LAYER_ACT || TYPES[i].act == l->act))
            return &TYPES[i];
    return NULL;
}

static void layer_name(const struct clgan_net_spec *net, int i, char *buf, size_t len)
{
    if (net->layers[i].name[0])
        snprintf(buf, len, "%s", net->layers[i].name);
    else
        snprintf(buf, len, "main.%d", i);
}

/* ---------------------------------------------------------------- writing */

static cJSON *net_object(const struct clgan_net_spec *net)
{
    cJSON *o = cJSON_CreateObject(), *ins = cJSON_AddArrayToObject(o, "inputs");
    cJSON *ls = cJSON_AddArrayToObject(o, "layers");
    if (!ins || !ls) {
        cJSON_Delete(o);
        return NULL;
    }
    for (int k = 0; k < net->n_inputs; k++) {
        const struct clgan_net_input *in = &net->inputs[k];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(ins, e);
        char nm[32];
        snprintf(nm, sizeof(nm), "%s", in->name[0] ? in->name : k ? "y" : "x");
        cJSON_AddStringToObject(e, "name", nm);
        if (in->classes > 0) {
            cJSON_AddNumberToObject(e, "classes", in->classes);
        } else {
            int sh[3] = {in->shape.c, in->shape.h, in->shape.w};
            cJSON_AddItemToObject(e, "shape", cJSON_CreateIntArray(sh, 3));
        }
    }
    for (int i = 0; i < net->n_layers; i++) {
        const struct clgan_layer_spec *l = &net->layers[i];
        const struct type_name *t = type_of(l);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(ls, e);
        cJSON_AddStringToObject(e, "type", t ? t->name : "?");
        if (l->name[0])
            cJSON_AddStringToObject(e, "name", l->name);
        if (l->n_in > 0) {
            cJSON *a = cJSON_AddArrayToObject(e, "inputs");
            for (int j = 0; j < l->n_in; j++) {
                char nm[40];
                int s = l->in[j];
                if (s >= 0)
                    layer_name(net, s, nm, sizeof(nm));
                else
                    snprintf(nm, sizeof(nm), "%s",
                             net->inputs[-1 - s].name[0] ? net->inputs[-1 - s].name
                             : -1 - s                    ? "y"
                                                         : "x");
                cJSON_AddItemToArray(a, cJSON_CreateString(nm));
            }
        }
        int keys = t ? t->keys : 0;
        if (keys & K_OUT)
            cJSON_AddNumberToObject(e, "out", l->out);
        if (keys & K_CONV) {
            cJSON_AddNumberToObject(e, "kernel", l->k);
            cJSON_AddNumberToObject(e, "stride", l->stride);
            cJSON_AddNumberToObject(e, "padding", l->pad);
            if (l->out_pad)
                cJSON_AddNumberToObject(e, "output_padding", l->out_pad);
        }
        if (keys & K_BIAS)
            cJSON_AddBoolToObject(e, "bias", l->bias);
        if (keys & K_SLOPE) {
            /* the float's shortest decimal form (0.2, not 0.20000000298023224) */
            char buf[32];
            snprintf(buf, sizeof(buf), "%.7g", (double)l->slope);
            cJSON_AddNumberToObject(e, "slope", strtod(buf, NULL));
        }
    }
    return o;
}

/* A growing text buffer; a failed allocation sticks (failed) and is checked once at the end. */
struct text {
    char *s;
    size_t len, cap;
    int failed;
};

static void put(struct text *t, const char *str)
{
    size_t n = strlen(str);
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->s, cap);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, str, n + 1);
    t->len += n;
}

/* One item of an array per line (each item on one line, as cJSON writes it unformatted). */
static void put_array(struct text *t, const cJSON *a, const char *indent)
{
    put(t, "[\n");
    for (const cJSON *e = a->child; e; e = e->next) {
        char *item = cJSON_PrintUnformatted(e);
        if (!item) {
            t->failed = 1;
            return;
        }
        put(t, indent);
        put(t, "  ");
        put(t, item);
        put(t, e->next ? ",\n" : "\n");
        free(item);
    }
    put(t, indent);
    put(t, "]");
}

/* A network object, its inputs and layers one per line, at this indentation. */
static void put_net(struct text *t, const cJSON *o, const char *indent)
{
    char in2[32];
    snprintf(in2, sizeof(in2), "%s  ", indent);
    put(t, "{\n");
    put(t, in2);
    put(t, "\"inputs\": ");
    put_array(t, cJSON_GetObjectItemCaseSensitive(o, "inputs"), in2);
    put(t, ",\n");
    put(t, in2);
    put(t, "\"layers\": ");
    put_array(t, cJSON_GetObjectItemCaseSensitive(o, "layers"), in2);
    put(t, "\n");
    put(t, indent);
    put(t, "}");
}

clgan_status clgan_net_to_json(const struct clgan_net_spec *net, char **json)
{
    struct text t = {0};
    cJSON *o = net_object(net);
    if (o)
        put_net(&t, o, "");
    put(&t, "\n");
    cJSON_Delete(o);
    if (!o || t.failed) {
        free(t.s);
        t.s = NULL;
    }
    *json = t.s;
    return *json ? CLGAN_STATUS_OK : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
}

clgan_status clgan_arch_to_json(const struct clgan_net_spec *g, const struct clgan_net_spec *d,
                                char **json)
{
    struct text t = {0};
    cJSON *a = net_object(g), *b = net_object(d);
    if (a && b) {
        put(&t, "{\n  \"format\": \"clgan-arch-1\",\n  \"G\": ");
        put_net(&t, a, "  ");
        put(&t, ",\n  \"D\": ");
        put_net(&t, b, "  ");
        put(&t, "\n}\n");
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (!a || !b || t.failed) {
        free(t.s);
        t.s = NULL;
    }
    *json = t.s;
    return *json ? CLGAN_STATUS_OK : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
}

/* ---------------------------------------------------------------- reading */

struct rd {
    char *err;
    size_t len;
    const char *where; /* "G: " */
};

static int bad(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct rd *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, r->len, "%s%s", r->where, msg);
    return 0;
}

/* An integer in [lo, hi]. */
static int get_int(struct rd *r, const cJSON *v, const char *what, int lo, int hi, int *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
        return bad(r, "%s must be an integer", what);
    if (v->valuedouble < lo || v->valuedouble > hi)
        return bad(r, "%s is %.17g, outside %d..%d", what, v->valuedouble, lo, hi);
    *out = (int)v->valuedouble;
    return 1;
}

static int get_name(struct rd *r, const cJSON *v, const char *what, char *out, size_t len)
{
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= len)
        return bad(r, "%s must be a non-empty string of at most %zu characters", what, len - 1);
    for (const char *c = v->valuestring; *c; c++)
        if ((unsigned char)*c < 0x21 || *c == '"' || *c == '\\' || (unsigned char)*c > 0x7e)
            return bad(r, "%s '%s': only printable ASCII without spaces or quotes", what,
                       v->valuestring);
    snprintf(out, len, "%s", v->valuestring);
    return 1;
}

static int read_input(struct rd *r, const cJSON *e, int k, struct clgan_net_input *in)
{
    char what[64];
    if (!cJSON_IsObject(e))
        return bad(r, "inputs[%d] must be an object", k);
    int have_shape = 0, have_classes = 0;
    for (const cJSON *f = e->child; f; f = f->next) {
        snprintf(what, sizeof(what), "inputs[%d].%s", k, f->string);
        if (!strcmp(f->string, "name")) {
            if (!get_name(r, f, what, in->name, sizeof(in->name)))
                return 0;
        } else if (!strcmp(f->string, "classes")) {
            if (!get_int(r, f, what, 1, 1000000, &in->classes))
                return 0;
            in->shape = (struct clgan_shape){1, 1, 1};
            have_classes = 1;
        } else if (!strcmp(f->string, "shape")) {
            int v[3];
            if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) != 3)
                return bad(r, "%s must be [channels, height, width]", what);
            for (int j = 0; j < 3; j++)
                if (!get_int(r, cJSON_GetArrayItem(f, j), what, 1, j ? 65536 : 1 << 20, &v[j]))
                    return 0;
            in->shape = (struct clgan_shape){v[0], v[1], v[2]};
            have_shape = 1;
        } else {
            return bad(r, "inputs[%d]: unknown key '%s' (name, shape, classes)", k, f->string);
        }
    }
    if (have_shape == have_classes)
        return bad(r, "inputs[%d] needs either a shape (a tensor) or classes (labels)", k);
    if (!in->name[0])
        snprintf(in->name, sizeof(in->name), "%s", k ? "y" : "x");
    return 1;
}

/* The index (or CLGAN_FROM_INPUT(k)) a name refers to, looking only before layer i. */
static int find_ref(const struct clgan_net_spec *net, int i, const char *name, int *out)
{
    for (int k = 0; k < net->n_inputs; k++)
        if (!strcmp(net->inputs[k].name, name)) {
            *out = CLGAN_FROM_INPUT(k);
            return 1;
        }
    for (int j = 0; j < i; j++) {
        char nm[40];
        layer_name(net, j, nm, sizeof(nm));
        if (!strcmp(nm, name)) {
            *out = j;
            return 1;
        }
    }
    return 0;
}

static int read_layer(struct rd *r, const cJSON *e, int i, struct clgan_net_spec *net)
{
    struct clgan_layer_spec *l = &net->layers[i];
    char what[80];
    memset(l, 0, sizeof(*l));
    l->stride = 1;
    if (!cJSON_IsObject(e))
        return bad(r, "layers[%d] must be an object", i);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
    const struct type_name *tn = NULL;
    for (size_t j = 0; cJSON_IsString(t) && j < N_TYPES; j++)
        if (!strcmp(TYPES[j].name, t->valuestring))
            tn = &TYPES[j];
    if (!tn) {
        char list[256] = "";
        for (size_t j = 0; j < N_TYPES; j++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", j ? ", " : "",
                     TYPES[j].name);
        return bad(r, "layers[%d]: type must be one of %s", i, list);
    }
    l->kind = tn->kind;
    l->act = tn->act;
    if (tn->kind == CLGAN_LAYER_ACT && tn->act == CLGAN_ACT_LRELU)
        l->slope = 0.01f; /* PyTorch's LeakyReLU default */
    int have_out = 0, have_k = 0;
    for (const cJSON *f = e->child; f; f = f->next) {
        const char *k = f->string;
        snprintf(what, sizeof(what), "layers[%d] (%s).%s", i, tn->name, k);
        int ok = 1;
        if (!strcmp(k, "type")) {
            continue;
        } else if (!strcmp(k, "name")) {
            ok = get_name(r, f, what, l->name, sizeof(l->name));
        } else if (!strcmp(k, "inputs")) {
            int n = cJSON_IsArray(f) ? cJSON_GetArraySize(f) : -1;
            if (n < 1 || n > CLGAN_MAX_INPUTS)
                return bad(r, "%s must be a list of 1 or 2 names", what);
            l->n_in = n;
            for (int j = 0; j < n; j++) {
                const cJSON *v = cJSON_GetArrayItem(f, j);
                if (!cJSON_IsString(v))
                    return bad(r, "%s: entries are names of inputs or earlier layers", what);
                if (!find_ref(net, i, v->valuestring, &l->in[j]))
                    return bad(r, "%s: '%s' is no model input and no earlier layer", what,
                               v->valuestring);
            }
        } else if (!strcmp(k, "out") && (tn->keys & K_OUT)) {
            ok = get_int(r, f, what, 1, 1 << 20, &l->out);
            have_out = 1;
        } else if (!strcmp(k, "kernel") && (tn->keys & K_CONV)) {
            ok = get_int(r, f, what, 1, 64, &l->k);
            have_k = 1;
        } else if (!strcmp(k, "stride") && (tn->keys & K_CONV)) {
            ok = get_int(r, f, what, 1, 64, &l->stride);
        } else if (!strcmp(k, "padding") && (tn->keys & K_CONV)) {
            ok = get_int(r, f, what, 0, 64, &l->pad);
        } else if (!strcmp(k, "output_padding") && (tn->keys & K_CONV)) {
            ok = get_int(r, f, what, 0, 63, &l->out_pad);
        } else if (!strcmp(k, "bias") && (tn->keys & K_BIAS)) {
            if (!cJSON_IsBool(f))
                return bad(r, "%s must be true or false", what);
            l->bias = cJSON_IsTrue(f);
        } else if (!strcmp(k, "slope") && (tn->keys & K_SLOPE)) {
            if (!cJSON_IsNumber(f) || !(f->valuedouble >= 0 && f->valuedouble <= 1000))
                return bad(r, "%s must be a number in [0, 1000]", what);
            l->slope = (float)f->valuedouble;
        } else {
            return bad(r, "layers[%d] (%s): unknown key '%s'", i, tn->name, k);
        }
        if (!ok)
            return 0;
    }
    int clash;
    if (l->name[0] && find_ref(net, i, l->name, &clash))
        return bad(r, "layers[%d] (%s): name '%s' is also %s", i, tn->name, l->name,
                   clash >= 0 ? "an earlier layer's" : "a model input's");
    if ((tn->keys & K_OUT) && !have_out)
        return bad(r, "layers[%d] (%s): \"out\" is required", i, tn->name);
    if ((tn->keys & K_CONV) && !have_k)
        return bad(r, "layers[%d] (%s): \"kernel\" is required", i, tn->name);
    return 1;
}

static int read_net(struct rd *r, const cJSON *o, struct clgan_net_spec *net)
{
    memset(net, 0, sizeof(*net));
    if (!cJSON_IsObject(o))
        return bad(r, "a network must be an object with \"inputs\" and \"layers\"");
    const cJSON *ins = NULL, *ls = NULL;
    for (const cJSON *f = o->child; f; f = f->next) {
        if (!strcmp(f->string, "inputs"))
            ins = f;
        else if (!strcmp(f->string, "layers"))
            ls = f;
        else
            return bad(r, "unknown key '%s' (inputs, layers)", f->string);
    }
    int ni = cJSON_IsArray(ins) ? cJSON_GetArraySize(ins) : -1;
    int nl = cJSON_IsArray(ls) ? cJSON_GetArraySize(ls) : -1;
    if (ni < 1 || ni > CLGAN_MAX_INPUTS)
        return bad(r, "\"inputs\" must be a list of 1 or %d inputs", CLGAN_MAX_INPUTS);
    if (nl < 1 || nl > CLGAN_MAX_LAYERS)
        return bad(r, "\"layers\" must be a list of 1 to %d layers", CLGAN_MAX_LAYERS);
    net->n_inputs = ni;
    for (int k = 0; k < ni; k++)
        if (!read_input(r, cJSON_GetArrayItem(ins, k), k, &net->inputs[k]))
            return 0;
    if (ni == 2 && !strcmp(net->inputs[0].name, net->inputs[1].name))
        return bad(r, "two inputs named '%s'", net->inputs[0].name);
    net->n_layers = nl;
    for (int i = 0; i < nl; i++)
        if (!read_layer(r, cJSON_GetArrayItem(ls, i), i, net))
            return 0;
    char e[512];
    if (clgan_net_validate(net, e, sizeof(e)) != CLGAN_STATUS_OK)
        return bad(r, "%s", e);
    return 1;
}

clgan_status clgan_net_from_json(const char *json, struct clgan_net_spec *net, char *err,
                                 size_t err_len)
{
    struct rd r = {err, err_len, ""};
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        snprintf(err, err_len, "not valid JSON");
        return CLGAN_STATUS_CORRUPT_FILE;
    }
    int ok = read_net(&r, root, net);
    cJSON_Delete(root);
    return ok ? CLGAN_STATUS_OK : CLGAN_STATUS_INVALID_ARGUMENT;
}

clgan_status clgan_arch_from_json(const char *json, struct clgan_net_spec *g,
                                  struct clgan_net_spec *d, char *err, size_t err_len)
{
    struct rd r = {err, err_len, ""};
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        snprintf(err, err_len, "not valid JSON");
        return CLGAN_STATUS_CORRUPT_FILE;
    }
    int ok = cJSON_IsObject(root);
    const cJSON *gn = NULL, *dn = NULL;
    if (!ok)
        bad(&r, "an architecture is an object with \"G\" and \"D\"");
    for (const cJSON *f = ok ? root->child : NULL; f && ok; f = f->next) {
        if (!strcmp(f->string, "G"))
            gn = f;
        else if (!strcmp(f->string, "D"))
            dn = f;
        else if (!strcmp(f->string, "format")) {
            if (!cJSON_IsString(f) || strcmp(f->valuestring, "clgan-arch-1"))
                ok = bad(&r, "format must be \"clgan-arch-1\"");
        } else
            ok = bad(&r, "unknown key '%s' (format, G, D)", f->string);
    }
    if (ok && (!gn || !dn))
        ok = bad(&r, "an architecture needs both \"G\" and \"D\"");
    if (ok) {
        r.where = "G: ";
        ok = read_net(&r, gn, g);
    }
    if (ok) {
        r.where = "D: ";
        ok = read_net(&r, dn, d);
    }
    cJSON_Delete(root);
    return ok ? CLGAN_STATUS_OK : CLGAN_STATUS_INVALID_ARGUMENT;
}
