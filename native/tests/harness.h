// Minimal test harness for the engine's ctest suites: named suites of test functions,
// CHECK macros that count failures and keep going. No third-party framework needed offline.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace amaas::test {

struct TestCase {
  std::string suite, name;
  std::function<void()> fn;
};
std::vector<TestCase>& registry();
int& failures();

struct Register {
  Register(const char* suite, const char* name, std::function<void()> fn) {
    registry().push_back({suite, name, std::move(fn)});
  }
};

}  // namespace amaas::test

#define AMAAS_CAT2(a, b) a##b
#define AMAAS_CAT(a, b) AMAAS_CAT2(a, b)
#define TEST(suite, name)                                                              \
  static void suite##_##name();                                                        \
  static ::amaas::test::Register AMAAS_CAT(reg_, __LINE__)(#suite, #name, suite##_##name); \
  static void suite##_##name()

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "  CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ++::amaas::test::failures();                                                  \
    }                                                                               \
  } while (0)

#define CHECK_MSG(cond, ...)                                                        \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "  CHECK failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                            \
      std::fprintf(stderr, "\n");                                                   \
      ++::amaas::test::failures();                                                  \
    }                                                                               \
  } while (0)
