// main.cc — synx [EAL options] -- [synx options]
//
// Flags (and flag files) are parsed and validated before rte_eal_init, so a
// mistake costs one line on stderr and exit code 2, never a hugepage.
// --check-config goes on to start EAL and check the port and memory
// (check_config.h), then stops before the port is configured.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_format.h"
#include "check_config.h"
#include "config.h"
#include "flags.h"
#include "run.h"

int main(int argc, char** argv) {
  using namespace synx::app;

  const CommandLine command_line = SplitCommandLine(argc, argv);
  if (command_line.help) {
    std::fputs(HelpText().c_str(), stdout);
    return kExitOk;
  }

  absl::StatusOr<FlagValues> flags = ParseSynxCommandLine(command_line.synx_args);
  if (!flags.ok()) {
    std::fprintf(stderr, "synx: %s\n", std::string(flags.status().message()).c_str());
    return kExitConfig;
  }
  if (flags->list_counters) {
    std::fputs(CounterList().c_str(), stdout);
    return kExitOk;
  }
  absl::StatusOr<Config> config = ValidateConfig(*flags);
  if (!config.ok()) {
    std::fprintf(stderr, "synx: %s\n", WithOrigin(*flags, std::string(config.status().message())).c_str());
    return kExitConfig;
  }
  if (config->check_only) return CheckConfig(*config, command_line.eal_args);

  FILE* json_out = nullptr;
  if (config->json_path == "-") {
    json_out = stdout;
  } else if (!config->json_path.empty()) {
    json_out = std::fopen(config->json_path.c_str(), "w");
    if (json_out == nullptr) {
      std::fprintf(stderr, "synx: --json=%s: cannot open for writing: %s\n",
                   config->json_path.c_str(), std::strerror(errno));
      return kExitConfig;
    }
  }

  int exit_code = Run(*config, command_line.eal_args, json_out);
  if (json_out != nullptr && json_out != stdout) {
    const bool empty = std::ftell(json_out) == 0;
    if (std::fclose(json_out) != 0) {
      std::fprintf(stderr, "synx: --json=%s: %s\n", config->json_path.c_str(),
                   std::strerror(errno));
      exit_code = kExitRuntime;
    }
    // A run that failed before its summary leaves no empty file to be
    // mistaken for one.
    if (exit_code != kExitOk && empty) std::remove(config->json_path.c_str());
  }
  return exit_code;
}
