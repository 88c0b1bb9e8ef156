// Times fp32 GEMM in the installed peer libraries (oneDNN dnnl_sgemm, OpenBLAS cblas_sgemm) for one
// shape and thread count, validating a sample of C against double dot products before timing; with
// --u8s8s32, oneDNN's integer GEMM (dnnl_gemm_u8s8s32, B stored (N,K)), validated exactly.
// Not a harness of its own: `npx bench gemm|qgemm` compiles it on demand (-DHAVE_DNNL /
// -DHAVE_OPENBLAS for what is installed), chooses the shapes and reads the one JSON line it prints.
//
//   gemm_peers M K N THREADS [--transb] [--u8s8s32] [--only onednn|openblas] [--seconds S]
//   C (M,N) = A (M,K) * op(B), row-major; op(B) = B (K,N), or B stored (N,K) with --transb (x * W^T).
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif
#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

typedef struct {
  int64_t M, N, K;
  int trans_b;
  const float* A;  // (M,K)
  const float* B;  // (K,N), or (N,K) when trans_b
  float* C;        // (M,N)
} Problem;

typedef int (*GemmFn)(const void* p);  // returns 0 on success

// The integer problem: C (M,N) int32 = A (M,K) uint8 * B^T, B stored (N,K) int8, no zero points.
typedef struct {
  int64_t M, N, K;
  const uint8_t* A;
  const int8_t* B;
  int32_t* C;
} QProblem;

#ifdef HAVE_DNNL
static int gemm_onednn(const void* v) {
  const Problem* p = v;
  dnnl_status_t s = dnnl_sgemm('N', p->trans_b ? 'T' : 'N', p->M, p->N, p->K, 1.0f, p->A, p->K, p->B,
                               p->trans_b ? p->K : p->N, 0.0f, p->C, p->N);
  return s == dnnl_success ? 0 : (int)s;
}

static int qgemm_onednn(const void* v) {
  const QProblem* p = v;
  const int32_t co = 0;
  dnnl_status_t s = dnnl_gemm_u8s8s32('N', 'T', 'F', p->M, p->N, p->K, 1.0f, p->A, p->K, 0, p->B, p->K, 0, 0.0f,
                                      p->C, p->N, &co);
  return s == dnnl_success ? 0 : (int)s;
}
#endif

#ifdef HAVE_OPENBLAS
static int gemm_openblas(const void* v) {
  const Problem* p = v;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, p->trans_b ? CblasTrans : CblasNoTrans, (int)p->M, (int)p->N,
              (int)p->K, 1.0f, p->A, (int)p->K, p->B, (int)(p->trans_b ? p->K : p->N), 0.0f, p->C, (int)p->N);
  return 0;
}
#endif

// mulberry32: the same small seeded generator the bench uses; values in [-1, 1].
static uint32_t prng_state;
static float next_uniform(void) {
  uint32_t t = (prng_state += 0x6D2B79F5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  t ^= t >> 14;
  return (float)((double)t / 4294967296.0 * 2.0 - 1.0);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

// Worst |c - ref| / tolerance over a deterministic sample of entries; > 1 means invalid.
// tolerance = 8 * eps * (K + 2) * sum|a||b| + 1e-6, as in the bench's own validation.
static double worst_error_ratio(const void* v) {
  const Problem* p = v;
  const double eps = 1.1920929e-7;
  double worst = 0.0;
  int64_t total = p->M * p->N, samples = total < 64 ? total : 64;
  for (int64_t s = 0; s < samples; s++) {
    int64_t idx = samples == total ? s : (int64_t)(((uint64_t)s * 2654435761u + 12345u) % (uint64_t)total);
    int64_t i = idx / p->N, j = idx % p->N;
    double ref = 0.0, mag = 0.0;
    for (int64_t k = 0; k < p->K; k++) {
      double a = p->A[i * p->K + k];
      double b = p->trans_b ? p->B[j * p->K + k] : p->B[k * p->N + j];
      ref += a * b;
      mag += fabs(a) * fabs(b);
    }
    double tol = 8.0 * eps * (double)(p->K + 2) * mag + 1e-6;
    double err = fabs((double)p->C[idx] - ref);
    double ratio = err / tol;
    if (isnan(ratio)) return INFINITY;  // a NaN in C is invalid, never "small"
    if (ratio > worst) worst = ratio;
  }
  return worst;
}

// Integer products are exact: any difference from the 64-bit reference on the sample is invalid
// (returns 0 when all match, else infinity).
static double int_error_ratio(const void* v) {
  const QProblem* p = v;
  int64_t total = p->M * p->N, samples = total < 256 ? total : 256;
  for (int64_t s = 0; s < samples; s++) {
    int64_t idx = samples == total ? s : (int64_t)(((uint64_t)s * 2654435761u + 12345u) % (uint64_t)total);
    int64_t i = idx / p->N, j = idx % p->N, ref = 0;
    for (int64_t k = 0; k < p->K; k++) ref += (int64_t)p->A[i * p->K + k] * p->B[j * p->K + k];
    if (ref != p->C[idx]) return INFINITY;
  }
  return 0.0;
}

// Prints `"name":{...}` for one library: validate, warm up, then median of batched samples.
static void run_peer(const char* name, GemmFn fn, void* p, double (*check)(const void*), int64_t M, int64_t N,
                     int64_t K, size_t c_bytes, void* C, double seconds) {
  memset(C, 0, c_bytes);
  int rc = fn(p);
  if (rc != 0) {
    printf("\"%s\":{\"valid\":false,\"error\":\"status %d\"}", name, rc);
    return;
  }
  double ratio = check(p);
  if (!(ratio <= 1.0)) {
    printf("\"%s\":{\"valid\":false,\"error\":\"result differs from the double reference\","
           "\"worst_error_to_tolerance\":%.3g}", name, isinf(ratio) ? 1e308 : ratio);
    return;
  }
  // Warm up for ~5% of the budget (at least one call), measuring a single call as we go.
  double t0 = now_ns(), one = 0.0;
  int64_t warm_calls = 0;
  do {
    double s = now_ns();
    fn(p);
    one = now_ns() - s;
    warm_calls++;
  } while (now_ns() - t0 < seconds * 0.05e9 && warm_calls < 1000);
  if (one < 1.0) one = 1.0;
  int64_t batch = (int64_t)ceil(1e6 / one);  // a sample lasts >= ~1 ms
  if (batch < 1) batch = 1;
  int64_t samples = (int64_t)(seconds * 1e9 / (one * (double)batch));
  if (samples < 5) samples = 5;
  if (samples > 500) samples = 500;
  double* per_call = malloc(sizeof(double) * (size_t)samples);
  if (!per_call) {
    printf("\"%s\":{\"valid\":false,\"error\":\"out of memory\"}", name);
    return;
  }
  for (int64_t s = 0; s < samples; s++) {
    double start = now_ns();
    for (int64_t b = 0; b < batch; b++) fn(p);
    per_call[s] = (now_ns() - start) / (double)batch;
  }
  qsort(per_call, (size_t)samples, sizeof(double), compare_double);
  double median = samples % 2 ? per_call[samples / 2]
                              : 0.5 * (per_call[samples / 2 - 1] + per_call[samples / 2]);
  double flops = 2.0 * (double)M * (double)N * (double)K;
  printf("\"%s\":{\"valid\":true,\"worst_error_to_tolerance\":%.3g,\"median_us\":%.4f,"
         "\"min_us\":%.4f,\"max_us\":%.4f,\"gflops\":%.4f,\"samples\":%lld,\"batch\":%lld}",
         name, ratio, median / 1e3, per_call[0] / 1e3, per_call[samples - 1] / 1e3, flops / median,
         (long long)samples, (long long)batch);
  free(per_call);
}

static int usage(const char* why) {
  fprintf(stderr, "gemm_peers: %s\nusage: gemm_peers M K N THREADS [--transb] [--u8s8s32] [--only onednn|openblas] [--seconds S]\n",
          why);
  return 2;
}

static int64_t parse_positive(const char* s) {
  char* end = NULL;
  long long v = strtoll(s, &end, 10);
  return (end && *end == '\0' && v > 0) ? (int64_t)v : -1;
}

int main(int argc, char** argv) {
  if (argc < 5) return usage("expected M K N THREADS");
  int64_t M = parse_positive(argv[1]), K = parse_positive(argv[2]), N = parse_positive(argv[3]);
  int64_t threads = parse_positive(argv[4]);
  if (M < 0 || K < 0 || N < 0 || threads < 0) return usage("expected positive integers for M K N THREADS");
  int trans_b = 0, int8 = 0;
  const char* only = NULL;
  double seconds = 0.3;
  for (int i = 5; i < argc; i++) {
    if (strcmp(argv[i], "--transb") == 0) {
      trans_b = 1;
    } else if (strcmp(argv[i], "--u8s8s32") == 0) {
      int8 = 1;
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = atof(argv[++i]);
      if (!(seconds > 0.0)) return usage("expected a positive number for --seconds");
    } else {
      return usage("unknown argument");
    }
  }

  // Both libraries read their thread count from the environment when they load, before main():
  // set it and re-exec once, so THREADS is honoured whatever the caller's environment says.
  char want[32];
  snprintf(want, sizeof want, "%lld", (long long)threads);
  const char* omp = getenv("OMP_NUM_THREADS");
  const char* ob = getenv("OPENBLAS_NUM_THREADS");
  if (!omp || strcmp(omp, want) != 0 || !ob || strcmp(ob, want) != 0) {
    setenv("OMP_NUM_THREADS", want, 1);
    setenv("OPENBLAS_NUM_THREADS", want, 1);
    execv("/proc/self/exe", argv);
    return usage("could not re-exec itself with the thread count set");
  }

  if (int8) {
    uint8_t* A = malloc((size_t)(M * K));
    int8_t* B = malloc((size_t)(K * N));
    int32_t* C = malloc(sizeof(int32_t) * (size_t)(M * N));
    if (!A || !B || !C) return usage("out of memory");
    prng_state = 0x5EED0001u;
    for (int64_t i = 0; i < M * K; i++) A[i] = (uint8_t)((next_uniform() + 1.0f) * 127.5f);
    prng_state = 0x5EED0002u;
    for (int64_t i = 0; i < K * N; i++) B[i] = (int8_t)(next_uniform() * 127.0f);
    QProblem q = {M, N, K, A, B, C};
    printf("{\"m\":%lld,\"k\":%lld,\"n\":%lld,\"threads\":%lld,\"u8s8s32\":true", (long long)M, (long long)K,
           (long long)N, (long long)threads);
#ifdef HAVE_DNNL
    if (!only || strcmp(only, "onednn") == 0) {
      printf(",");
      run_peer("onednn", qgemm_onednn, &q, int_error_ratio, M, N, K, sizeof(int32_t) * (size_t)(M * N), C, seconds);
    }
#endif
    printf("}\n");
    free(A);
    free(B);
    free(C);
    return 0;
  }

  size_t b_count = (size_t)(K * N);
  float* A = malloc(sizeof(float) * (size_t)(M * K));
  float* B = malloc(sizeof(float) * b_count);
  float* C = malloc(sizeof(float) * (size_t)(M * N));
  if (!A || !B || !C) return usage("out of memory");
  prng_state = 0x5EED0001u;
  for (int64_t i = 0; i < M * K; i++) A[i] = next_uniform();
  prng_state = 0x5EED0002u;
  for (size_t i = 0; i < b_count; i++) B[i] = next_uniform();
  Problem p = {M, N, K, trans_b, A, B, C};

  printf("{\"m\":%lld,\"k\":%lld,\"n\":%lld,\"threads\":%lld,\"transb\":%s", (long long)M, (long long)K,
         (long long)N, (long long)threads, trans_b ? "true" : "false");
#ifdef HAVE_DNNL
  if (!only || strcmp(only, "onednn") == 0) {
    printf(",");
    run_peer("onednn", gemm_onednn, &p, worst_error_ratio, M, N, K, sizeof(float) * (size_t)(M * N), C, seconds);
  }
#endif
#ifdef HAVE_OPENBLAS
  if (!only || strcmp(only, "openblas") == 0) {
    openblas_set_num_threads((int)threads);
    printf(",");
    run_peer("openblas", gemm_openblas, &p, worst_error_ratio, M, N, K, sizeof(float) * (size_t)(M * N), C, seconds);
  }
#endif
  printf("}\n");
  free(A);
  free(B);
  free(C);
  return 0;
}
