// Measures floecat's SigV4 signer per request, then runs
// botocore_signer_bench.py on the same request and prints the ratio.

#include <cstdio>
#include <iostream>
#include <string>

#include <benchmark/benchmark.h>

#include "aws/sigv4.h"

namespace {

using floecat::SecretBytes;
using floecat::aws::Credentials;
using floecat::aws::HttpRequest;
using floecat::aws::PathRule;
using floecat::aws::SigningScope;

constexpr char kBody[] = R"({"SecretId":"accounts/acme/connectors/c-0001"})";

Credentials bench_credentials() {
  Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = SecretBytes("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  credentials.session_token = SecretBytes("session-token-example");
  return credentials;
}

HttpRequest secrets_manager_request() {
  HttpRequest request;
  request.method = "POST";
  request.origin = "https://secretsmanager.eu-west-1.amazonaws.com";
  request.headers = {{"Host", "secretsmanager.eu-west-1.amazonaws.com"},
                     {"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  request.body = kBody;
  return request;
}

// Signs the same request botocore_signer_bench.py signs.
void BM_SignSecretsManagerRequest(benchmark::State& state) {
  Credentials credentials = bench_credentials();
  SigningScope scope{"secretsmanager", "eu-west-1", std::chrono::system_clock::now()};
  for (auto _ : state) {
    HttpRequest request = secrets_manager_request();
    floecat::Status status = floecat::aws::sign_request(request, credentials, scope);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(request.headers.back());
  }
}

BENCHMARK(BM_SignSecretsManagerRequest);

void BM_SignS3GetWithQuery(benchmark::State& state) {
  Credentials credentials = bench_credentials();
  SigningScope scope{"s3", "eu-west-1", std::chrono::system_clock::now(),
                     PathRule::kS3SingleEncode};
  for (auto _ : state) {
    HttpRequest request;
    request.method = "GET";
    request.origin = "https://bucket.s3.eu-west-1.amazonaws.com";
    request.path = "/warehouse/db/table/metadata/00001-abc.metadata.json";
    request.query = {{"versionId", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}, {"x-id", "GetObject"}};
    request.headers = {{"Host", "bucket.s3.eu-west-1.amazonaws.com"}};
    floecat::Status status = floecat::aws::sign_request(request, credentials, scope);
    benchmark::DoNotOptimize(status);
  }
}

BENCHMARK(BM_SignS3GetWithQuery);

// Keeps the console output and remembers the time of one benchmark.
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.benchmark_name() == "BM_SignSecretsManagerRequest" &&
          run.run_type == Run::RT_Iteration) {
        microseconds_per_request = run.GetAdjustedRealTime() *
                                   benchmark::GetTimeUnitMultiplier(benchmark::kMicrosecond) /
                                   benchmark::GetTimeUnitMultiplier(run.time_unit);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  double microseconds_per_request = 0;
};

// Runs the botocore timing script and returns its microseconds per request.
double botocore_microseconds() {
  // CMake compiles this file by absolute path, so __FILE__ locates the script.
  std::string source = __FILE__;
  std::string directory = source.substr(0, source.find_last_of('/'));
  std::string command = "python3 '" + directory + "/botocore_signer_bench.py' 20000";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return 0;
  }
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    output += buffer;
  }
  if (pclose(pipe) != 0) {
    std::cerr << "botocore_signer_bench.py failed:\n" << output;
    return 0;
  }
  std::cout << output;
  std::size_t last_line = output.find_last_of('\n', output.size() - 2);
  return std::stod(output.substr(last_line == std::string::npos ? 0 : last_line + 1));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  if (reporter.microseconds_per_request > 0) {
    double botocore = botocore_microseconds();
    if (botocore <= 0) {
      return 1;
    }
    std::printf("floecat: %.3f us/request, botocore: %.3f us/request, botocore/floecat = %.1fx\n",
                reporter.microseconds_per_request, botocore,
                botocore / reporter.microseconds_per_request);
  }
  return 0;
}
