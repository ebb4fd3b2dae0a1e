#include "flagfile.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace synx::app {
namespace {

constexpr std::string_view kBlanks = " \t\r";

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

// "--flagfile=F", "-flagfile=F" → F; "--flagfile" / "-flagfile" alone →
// "" with *bare set (the value is the next argument).
bool IsFlagfile(std::string_view arg, std::string_view* value, bool* bare) {
  for (std::string_view name : {"--flagfile", "-flagfile", "--flag-file", "-flag-file"}) {
    if (arg == name) {
      *bare = true;
      *value = {};
      return true;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
        arg[name.size()] == '=') {
      *bare = false;
      *value = arg.substr(name.size() + 1);
      return true;
    }
  }
  return false;
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Expander {
 public:
  absl::Status ReadFile(const std::string& path, const std::string& named_at, int depth) {
    const std::string shown = named_at.empty() ? absl::StrFormat("--flagfile=%s", path)
                                               : absl::StrFormat("%s: --flagfile=%s",
                                                                 named_at, path);
    if (path.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: empty file name", shown));
    }
    if (depth > kMaxFlagfileDepth) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: flag files nested more than %d deep", shown, kMaxFlagfileDepth));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: cannot open: %s", shown, std::strerror(errno)));
    }
    char resolved[PATH_MAX];
    const std::string real = realpath(path.c_str(), resolved) != nullptr ? resolved : path;
    for (const std::string& open : stack_) {
      if (open == real) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s: names itself (a --flagfile cycle)", shown));
      }
    }
    std::string contents(kMaxFlagfileBytes + 1, '\0');
    in.read(contents.data(), static_cast<std::streamsize>(contents.size()));
    contents.resize(static_cast<size_t>(in.gcount()));
    if (in.bad()) return absl::InvalidArgumentError(absl::StrFormat("%s: read failed", shown));
    if (contents.size() > kMaxFlagfileBytes) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: larger than 1 MB: not a flag file", shown));
    }

    stack_.push_back(real);
    std::string_view rest = contents;
    int line_no = 0;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      const std::string_view raw = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++line_no;
      const std::string where = absl::StrFormat("%s:%d", path, line_no);
      const std::string_view line = Trim(raw);
      if (line.empty() || line[0] == '#') continue;
      if (line.find('\0') != std::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s: a NUL byte: not a flag file", where));
      }
      if (line.size() < 2 || line[0] != '-' || line == "--") {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: '%s' is not a flag (one --name=value per line; comments start with #)",
            where, line));
      }
      if (line.find_first_of(" \t") != std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: '%s': one flag per line, written --name=value with no blank in it "
            "(comments go on their own line)",
            where, line));
      }
      std::string_view nested;
      bool bare = false;
      if (IsFlagfile(line, &nested, &bare)) {
        if (bare) {
          return absl::InvalidArgumentError(
              absl::StrFormat("%s: --flagfile needs a value: --flagfile=FILE", where));
        }
        std::string next(nested);
        if (!next.empty() && next[0] != '/') next = Dirname(path) + "/" + next;
        if (absl::Status s = ReadFile(next, where, depth + 1); !s.ok()) return s;
        continue;
      }
      out_.push_back({std::string(line), where});
    }
    stack_.pop_back();
    return absl::OkStatus();
  }

  std::vector<FlagArg> Take() { return std::move(out_); }

 private:
  std::vector<FlagArg> out_;
  std::vector<std::string> stack_;  // real paths of the files being read
};

}  // namespace

absl::StatusOr<std::vector<FlagArg>> ExpandFlagfiles(std::span<const std::string> args) {
  Expander files;
  std::vector<FlagArg> command_line;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view value;
    bool bare = false;
    if (!IsFlagfile(args[i], &value, &bare)) {
      command_line.push_back({args[i], ""});
      continue;
    }
    if (bare) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError("--flagfile needs a value: --flagfile=FILE");
      }
      value = args[++i];
    }
    if (absl::Status s = files.ReadFile(std::string(value), "", 1); !s.ok()) return s;
  }
  std::vector<FlagArg> out = files.Take();
  out.insert(out.end(), std::make_move_iterator(command_line.begin()),
             std::make_move_iterator(command_line.end()));
  return out;
}

}  // namespace synx::app
