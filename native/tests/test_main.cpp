// Runs the test cases of one suite (argv[1]) or all of them; exit code = failures > 0.
#include <cstring>

#include "harness.h"

namespace amaas::test {
std::vector<TestCase>& registry() {
  static std::vector<TestCase> r;
  return r;
}
int& failures() {
  static int f = 0;
  return f;
}
}  // namespace amaas::test

int main(int argc, char** argv) {
  using namespace amaas::test;
  const char* suite = argc > 1 ? argv[1] : nullptr;
  int ran = 0, failed_cases = 0;
  for (auto& tc : registry()) {
    if (suite && tc.suite != suite) continue;
    int before = failures();
    std::printf("[ RUN  ] %s.%s\n", tc.suite.c_str(), tc.name.c_str());
    tc.fn();
    bool ok = failures() == before;
    failed_cases += ok ? 0 : 1;
    std::printf("[ %s ] %s.%s\n", ok ? " OK " : "FAIL", tc.suite.c_str(), tc.name.c_str());
    ++ran;
  }
  std::printf("%d passed, %d failed\n", ran - failed_cases, failed_cases);
  return (failed_cases == 0 && ran > 0) ? 0 : 1;
}
