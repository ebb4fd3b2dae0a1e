// flags.h — synx's command line: `synx [EAL options] -- [synx options]`.
//
// SplitCommandLine cuts argv at the first `--`: what comes before goes to
// rte_eal_init untouched, what comes after is synx's. ParseSynxFlags reads
// synx's part through Abseil's flag registry but reports errors itself, as
// one line naming the flag, instead of Abseil's exit(1). Only synx's own flags
// are accepted (not Abseil's built-ins such as --flagfile).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config.h"

namespace synx::app {

struct CommandLine {
  std::vector<std::string> eal_args;   // argv[0] first, then the EAL options
  std::vector<std::string> synx_args;  // after `--`
  bool help = false;                   // --help/-h after `--`, or as the only argument
};

CommandLine SplitCommandLine(int argc, const char* const* argv);

// Accepts --name=value, --name value, -name=value; --name / --noname for
// booleans; dashes and underscores alike in names. Errors read
// "--burst=0x: expected an integer".
absl::StatusOr<FlagValues> ParseSynxFlags(std::span<const std::string> args);

// The --help text: usage, what works today, every synx flag with its default,
// and the EAL options people need most.
std::string HelpText();

}  // namespace synx::app
