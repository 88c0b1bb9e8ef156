// The MLP peer of `npx bench train` and `npx bench infer`: the network 784-512-256-10 (relu,
// softmax, cross-entropy) written as a plain C program over oneDNN's dnnl_sgemm, the baseline the
// issues name ("a plain C training loop on oneDNN's sgemm", "oneDNN from C" at batch 1). Every
// GEMM is dnnl_sgemm; bias, relu, softmax and Adam are plain loops (OpenMP across the threads
// oneDNN uses). Not a harness of its own: the bench compiles it on demand, passes the data and
// reads the one JSON line it prints.
//
//   mlp_peers train THREADS DATA EPOCHS   DATA: n, then n*784 float32 pixels, then n int32 labels
//       one warm-up epoch, then EPOCHS timed epochs of batch 128 with Adam (lr 1e-3); validated:
//       the loss must fall and the training accuracy must pass 70 %.
//   mlp_peers infer THREADS SECONDS       batch-1 forward pass (probabilities), median µs;
//       validated against a double-precision forward pass.
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>
#ifdef _OPENMP
#include <omp.h>
#endif

enum { D0 = 784, D1 = 512, D2 = 256, D3 = 10, BATCH = 128 };
static const int64_t DIMS[4] = {D0, D1, D2, D3};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng_next(void) {  // xorshift64*
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}
static float rng_uniform(void) { return (float)((rng_next() >> 40) * (1.0 / 16777216.0)); }  // [0,1)
static float rng_normal(void) {
  float u = rng_uniform() + 1e-7f, v = rng_uniform();
  return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

static float* alloc_floats(int64_t n) {
  void* p = NULL;
  if (posix_memalign(&p, 64, (size_t)n * sizeof(float)) != 0) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  memset(p, 0, (size_t)n * sizeof(float));
  return p;
}

static int sgemm(char ta, char tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                 int64_t ldb, float* c, int64_t ldc) {
  return dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc) == dnnl_success ? 0 : 1;
}

// Parameters and their Adam state: W[l] (out, in) row-major, b[l] (out).
typedef struct {
  float *w[3], *b[3], *gw[3], *gb[3], *mw[3], *vw[3], *mb[3], *vb[3];
} Net;

static void net_init(Net* net) {
  for (int l = 0; l < 3; ++l) {
    int64_t in = DIMS[l], out = DIMS[l + 1];
    net->w[l] = alloc_floats(in * out);
    net->gw[l] = alloc_floats(in * out);
    net->mw[l] = alloc_floats(in * out);
    net->vw[l] = alloc_floats(in * out);
    net->b[l] = alloc_floats(out);
    net->gb[l] = alloc_floats(out);
    net->mb[l] = alloc_floats(out);
    net->vb[l] = alloc_floats(out);
    float scale = sqrtf(2.0f / (float)in);  // He
    for (int64_t i = 0; i < in * out; ++i) net->w[l][i] = scale * rng_normal();
  }
}

// z = x (rows, in) * W^T + b; relu when asked. Returns nonzero when oneDNN fails.
static int layer_forward(const Net* net, int l, const float* x, int64_t rows, float* z, int relu) {
  int64_t in = DIMS[l], out = DIMS[l + 1];
  if (sgemm('N', 'T', rows, out, in, x, in, net->w[l], in, z, out)) return 1;
  const float* b = net->b[l];
#pragma omp parallel for if (rows * out > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    float* zr = z + r * out;
    for (int64_t j = 0; j < out; ++j) {
      float v = zr[j] + b[j];
      zr[j] = relu && v < 0.0f ? 0.0f : v;
    }
  }
  return 0;
}

static void softmax_rows(float* z, int64_t rows, int64_t k) {
  for (int64_t r = 0; r < rows; ++r) {
    float* p = z + r * k;
    float mx = p[0];
    for (int64_t j = 1; j < k; ++j) mx = p[j] > mx ? p[j] : mx;
    float s = 0.0f;
    for (int64_t j = 0; j < k; ++j) s += (p[j] = expf(p[j] - mx));
    for (int64_t j = 0; j < k; ++j) p[j] /= s;
  }
}

static void adam(float* w, const float* g, float* m, float* v, int64_t n, float lr_t) {
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
#pragma omp parallel for simd if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    w[i] -= lr_t * m[i] / (sqrtf(v[i]) + eps);
  }
}

// Column sums of g (rows, out) into gb.
static void col_sums(const float* g, int64_t rows, int64_t out, float* gb) {
#pragma omp parallel for if (out >= 256)
  for (int64_t j = 0; j < out; ++j) {
    float s = 0.0f;
    for (int64_t r = 0; r < rows; ++r) s += g[r * out + j];
    gb[j] = s;
  }
}

// dA (rows, in) = G (rows, out) * W (out, in), then times relu'(A) where A is the layer input.
static int back_input(const Net* net, int l, const float* g, int64_t rows, const float* a, float* da) {
  int64_t in = DIMS[l], out = DIMS[l + 1];
  if (sgemm('N', 'N', rows, in, out, g, out, net->w[l], in, da, in)) return 1;
#pragma omp parallel for if (rows * in > 65536)
  for (int64_t i = 0; i < rows * in; ++i)
    if (a[i] <= 0.0f) da[i] = 0.0f;
  return 0;
}

typedef struct {
  float *x, *a1, *a2, *p, *g3, *g2, *g1;
} Work;

// One Adam step on `rows` samples (x gathered, labels y); returns the mean loss, or NAN on failure.
static double train_step(Net* net, Work* wk, const int32_t* y, int64_t rows, int64_t step) {
  if (layer_forward(net, 0, wk->x, rows, wk->a1, 1) || layer_forward(net, 1, wk->a1, rows, wk->a2, 1) ||
      layer_forward(net, 2, wk->a2, rows, wk->p, 0))
    return NAN;
  softmax_rows(wk->p, rows, D3);
  double loss = 0.0;
  const float inv = 1.0f / (float)rows;
  for (int64_t r = 0; r < rows; ++r) {
    const float* pr = wk->p + r * D3;
    loss -= log((double)pr[y[r]] + 1e-12);
    for (int64_t j = 0; j < D3; ++j) wk->g3[r * D3 + j] = (pr[j] - (j == y[r] ? 1.0f : 0.0f)) * inv;
  }
  // weight gradients: dW (out, in) = G^T (out, rows) * A (rows, in)
  const float* inputs[3] = {wk->x, wk->a1, wk->a2};
  const float* grads[3] = {wk->g1, wk->g2, wk->g3};
  if (back_input(net, 2, wk->g3, rows, wk->a2, wk->g2) || back_input(net, 1, wk->g2, rows, wk->a1, wk->g1)) return NAN;
  for (int l = 0; l < 3; ++l) {
    int64_t in = DIMS[l], out = DIMS[l + 1];
    if (sgemm('T', 'N', out, in, rows, grads[l], out, inputs[l], in, net->gw[l], in)) return NAN;
    col_sums(grads[l], rows, out, net->gb[l]);
  }
  const float lr = 1e-3f;
  const double t = (double)(step + 1);
  const float lr_t = (float)(lr * sqrt(1.0 - pow(0.999, t)) / (1.0 - pow(0.9, t)));
  for (int l = 0; l < 3; ++l) {
    adam(net->w[l], net->gw[l], net->mw[l], net->vw[l], DIMS[l] * DIMS[l + 1], lr_t);
    adam(net->b[l], net->gb[l], net->mb[l], net->vb[l], DIMS[l + 1], lr_t);
  }
  return loss / (double)rows;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static int run_train(const char* path, int epochs) {
  FILE* f = fopen(path, "rb");
  int64_t n = 0;
  if (!f || fread(&n, sizeof n, 1, f) != 1 || n < BATCH || n > 10000000) {
    printf("{\"valid\":false,\"error\":\"cannot read %s\"}\n", path);
    return 1;
  }
  float* X = alloc_floats(n * D0);
  int32_t* Y = malloc((size_t)n * sizeof(int32_t));
  if (!Y || fread(X, sizeof(float), (size_t)(n * D0), f) != (size_t)(n * D0) || fread(Y, sizeof(int32_t), (size_t)n, f) != (size_t)n) {
    printf("{\"valid\":false,\"error\":\"truncated data file\"}\n");
    return 1;
  }
  fclose(f);
  for (int64_t i = 0; i < n; ++i)
    if (Y[i] < 0 || Y[i] >= D3) {
      printf("{\"valid\":false,\"error\":\"label out of range\"}\n");
      return 1;
    }
  Net net;
  net_init(&net);
  Work wk = {alloc_floats(BATCH * D0), alloc_floats(BATCH * D1), alloc_floats(BATCH * D2), alloc_floats(BATCH * D3),
             alloc_floats(BATCH * D3), alloc_floats(BATCH * D2), alloc_floats(BATCH * D1)};
  int32_t* order = malloc((size_t)n * sizeof(int32_t));
  int32_t yb[BATCH];
  for (int64_t i = 0; i < n; ++i) order[i] = (int32_t)i;
  double* rates = malloc(sizeof(double) * (size_t)(epochs + 1));
  double first_loss = NAN, last_loss = NAN;
  int64_t step = 0;
  for (int e = 0; e <= epochs; ++e) {
    double t0 = now_s(), sum = 0.0;
    int64_t seen = 0;
    for (int64_t i = n - 1; i > 0; --i) {  // seeded Fisher-Yates shuffle, inside the timed epoch
      int64_t j = (int64_t)(rng_next() % (uint64_t)(i + 1));
      int32_t t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int64_t s = 0; s < n; s += BATCH) {
      int64_t rows = n - s < BATCH ? n - s : BATCH;
#pragma omp parallel for
      for (int64_t r = 0; r < rows; ++r) {
        memcpy(wk.x + r * D0, X + (int64_t)order[s + r] * D0, D0 * sizeof(float));
        yb[r] = Y[order[s + r]];
      }
      double loss = train_step(&net, &wk, yb, rows, step++);
      if (!(loss == loss)) {
        printf("{\"valid\":false,\"error\":\"oneDNN sgemm failed or the loss is not a number\"}\n");
        return 1;
      }
      if (e == 0 && s == 0) first_loss = loss;
      sum += loss * (double)rows;
      seen += rows;
    }
    rates[e] = (double)n / (now_s() - t0);
    last_loss = sum / (double)seen;
  }
  // training accuracy of the final weights
  int64_t correct = 0;
  float* a1 = alloc_floats(BATCH * D1);
  for (int64_t s = 0; s < n; s += BATCH) {
    int64_t rows = n - s < BATCH ? n - s : BATCH;
    layer_forward(&net, 0, X + s * D0, rows, a1, 1);
    layer_forward(&net, 1, a1, rows, wk.a2, 1);
    layer_forward(&net, 2, wk.a2, rows, wk.p, 0);
    for (int64_t r = 0; r < rows; ++r) {
      int best = 0;
      for (int j = 1; j < D3; ++j) best = wk.p[r * D3 + j] > wk.p[r * D3 + best] ? j : best;
      correct += best == Y[s + r];
    }
  }
  double accuracy = (double)correct / (double)n;
  int valid = last_loss < first_loss && accuracy > 0.7;
  qsort(rates + 1, (size_t)epochs, sizeof(double), cmp_double);
  double med = epochs % 2 ? rates[1 + epochs / 2] : 0.5 * (rates[epochs / 2] + rates[1 + epochs / 2]);
  printf("{\"valid\":%s,\"samples\":%lld,\"epochs\":%d,\"samples_per_sec\":%.1f,\"min\":%.1f,\"max\":%.1f,"
         "\"first_loss\":%.5f,\"last_loss\":%.5f,\"accuracy\":%.4f}\n",
         valid ? "true" : "false", (long long)n, epochs, med, rates[1], rates[epochs], first_loss, last_loss, accuracy);
  return valid ? 0 : 1;
}

// The batch-1 forward pass: the probabilities of x into p; nonzero when oneDNN fails.
static int forward_one(const Net* net, const float* x, float* a1, float* a2, float* p) {
  if (layer_forward(net, 0, x, 1, a1, 1) || layer_forward(net, 1, a1, 1, a2, 1) || layer_forward(net, 2, a2, 1, p, 0))
    return 1;
  softmax_rows(p, 1, D3);
  return 0;
}

static int run_infer(double seconds) {
  Net net;
  net_init(&net);
  for (int l = 0; l < 3; ++l)
    for (int64_t j = 0; j < DIMS[l + 1]; ++j) net.b[l][j] = 0.01f * (rng_uniform() - 0.5f);
  float* x = alloc_floats(D0);
  for (int i = 0; i < D0; ++i) x[i] = rng_uniform();
  float *a1 = alloc_floats(D1), *a2 = alloc_floats(D2), *p = alloc_floats(D3);
  // validate against a double-precision forward pass
  if (forward_one(&net, x, a1, a2, p)) {
    printf("{\"valid\":false,\"error\":\"oneDNN sgemm failed\"}\n");
    return 1;
  }
  double ref_in[D0], ref_out[D1];
  for (int i = 0; i < D0; ++i) ref_in[i] = x[i];
  for (int l = 0; l < 3; ++l) {
    for (int64_t j = 0; j < DIMS[l + 1]; ++j) {
      double s = net.b[l][j];
      for (int64_t i = 0; i < DIMS[l]; ++i) s += (double)net.w[l][j * DIMS[l] + i] * ref_in[i];
      ref_out[j] = l < 2 && s < 0.0 ? 0.0 : s;
    }
    for (int64_t j = 0; j < DIMS[l + 1]; ++j) ref_in[j] = ref_out[j];
  }
  double mx = ref_in[0], sum = 0.0, worst = 0.0;
  for (int j = 1; j < D3; ++j) mx = ref_in[j] > mx ? ref_in[j] : mx;
  for (int j = 0; j < D3; ++j) sum += exp(ref_in[j] - mx);
  for (int j = 0; j < D3; ++j) {
    double d = fabs(exp(ref_in[j] - mx) / sum - (double)p[j]);
    worst = d > worst ? d : worst;
  }
  if (!(worst < 1e-4)) {
    printf("{\"valid\":false,\"error\":\"batch-1 probabilities differ from the double reference by %g\"}\n", worst);
    return 1;
  }
  // time: samples of enough calls to last ~2 ms each, median over the run
  int calls = 1;
  for (;;) {
    double t0 = now_s();
    for (int c = 0; c < calls; ++c) forward_one(&net, x, a1, a2, p);
    if (now_s() - t0 > 2e-3 || calls > (1 << 20)) break;
    calls *= 2;
  }
  int cap = 4096, count = 0;
  double* us = malloc(sizeof(double) * (size_t)cap);
  double end = now_s() + seconds;
  while (count < cap && (now_s() < end || count < 5)) {
    double t0 = now_s();
    for (int c = 0; c < calls; ++c) forward_one(&net, x, a1, a2, p);
    us[count++] = (now_s() - t0) * 1e6 / calls;
  }
  qsort(us, (size_t)count, sizeof(double), cmp_double);
  printf("{\"valid\":true,\"median_us\":%.3f,\"min_us\":%.3f,\"max_us\":%.3f,\"samples\":%d,\"max_abs_diff\":%.3g}\n",
         us[count / 2], us[0], us[count - 1], count, worst);
  return 0;
}

int main(int argc, char** argv) {
#ifdef _OPENMP
  if (argc >= 3 && atoi(argv[2]) > 0) omp_set_num_threads(atoi(argv[2]));
#endif
  if (argc >= 5 && strcmp(argv[1], "train") == 0) return run_train(argv[3], atoi(argv[4]) > 0 ? atoi(argv[4]) : 1);
  if (argc >= 4 && strcmp(argv[1], "infer") == 0) return run_infer(atof(argv[3]) > 0 ? atof(argv[3]) : 1.0);
  fprintf(stderr, "usage: mlp_peers train THREADS DATA EPOCHS | mlp_peers infer THREADS SECONDS\n");
  return 2;
}
