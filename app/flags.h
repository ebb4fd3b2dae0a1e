// flags.h — synx's command line: `synx [EAL options] -- [synx options]`.
//
// SplitCommandLine cuts argv at the first `--`: what comes before goes to
// rte_eal_init untouched, what comes after is synx's. ParseSynxFlags reads
// synx's part through Abseil's flag registry but reports errors itself, as
// one line naming the flag (and the flag file line it came from), instead of
// Abseil's exit(1). Only synx's own flags are accepted, plus --flagfile,
// which ExpandFlagfiles (flagfile.h) handles before: not Abseil's built-ins.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config.h"
#include "flagfile.h"

namespace synx::app {

struct CommandLine {
  std::vector<std::string> eal_args;   // argv[0] first, then the EAL options
  std::vector<std::string> synx_args;  // after `--`
  bool help = false;                   // --help/-h after `--`, or as the only argument
};

CommandLine SplitCommandLine(int argc, const char* const* argv);

// Accepts --name=value, --name value, -name=value; --name / --noname for
// booleans; dashes and underscores alike in names. Starts from every flag's
// default, and a later setting of a flag overrides an earlier one. Errors
// read "--burst=0x: expected an integer", prefixed with "FILE:LINE: " when
// the flag came from a flag file.
absl::StatusOr<FlagValues> ParseSynxFlags(std::span<const FlagArg> args);

// The command line alone: --flagfile expanded, then parsed.
absl::StatusOr<FlagValues> ParseSynxCommandLine(std::span<const std::string> args);

// `message` (from ValidateConfig: "--listen=...: ...") with the flag file
// line of the flag it starts with in front, when that flag came from a file.
std::string WithOrigin(const FlagValues& flags, std::string_view message);

// `synx --list-counters`: every counter and drop reason, one per line:
// "counter<TAB>name<TAB>help" and "drop<TAB>name<TAB>help", in JSON order.
std::string CounterList();

// The --help text: usage, what works today, every synx flag with its default,
// and the EAL options people need most.
std::string HelpText();

}  // namespace synx::app
