// flagfile.h — `--flagfile=FILE`: synx flags read from a file.
//
// ExpandFlagfiles replaces every --flagfile on synx's part of the command
// line by the flags in that file. A file holds one flag per line, written as
// on the command line after `--` (`--name=value`, or `--name` for a boolean);
// blank lines and lines whose first non-blank character is '#' are ignored;
// a file may name another file with --flagfile (a relative path is taken
// from the directory of the file that names it; at most kMaxFlagfileDepth
// deep, no cycles).
//
// Precedence: every flag from a file comes before every flag typed on the
// command line, so the command line wins whatever the order in which the two
// are given; among files, the later line wins (files are read in the order
// they are named, a nested file where it is named). This is not Abseil's
// "strictly in order": an operator overriding one value of a shared file
// should not have to mind where on the line the override goes.
//
// Every flag keeps where it came from ("FILE:LINE"), so that errors found
// later (a value out of range) still name the line to fix. Reads files;
// never touches DPDK.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace synx::app {

// One synx argument and its origin: "" for the command line, "FILE:LINE"
// for a line of a flag file.
struct FlagArg {
  std::string text;
  std::string origin;
};

inline constexpr int kMaxFlagfileDepth = 8;
// A flag file is a few dozen lines; anything near this size is the wrong
// file (a log, a binary).
inline constexpr size_t kMaxFlagfileBytes = 1 << 20;

// Errors are one line and name the file and line: "FILE:LINE: ...", or
// "--flagfile=FILE: cannot open: ..." for the file itself.
absl::StatusOr<std::vector<FlagArg>> ExpandFlagfiles(std::span<const std::string> args);

}  // namespace synx::app
