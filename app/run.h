// run.h — one synx run from EAL start to summary: EAL → port → loop →
// clean shutdown → summary. Returns the process exit code.
#pragma once

#include <cstdio>
#include <span>
#include <string>

#include "config.h"

namespace synx::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitConfig = 2;

// `json_out` is where the JSON summary goes (nullptr: nowhere); it was opened
// before EAL so that a bad path is a configuration error.
int Run(const Config& config, std::span<const std::string> eal_args, FILE* json_out);

}  // namespace synx::app
