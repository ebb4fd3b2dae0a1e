#include "io/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <vector>

#include "absl/strings/str_cat.h"

namespace synx::io {

absl::Status InitEal(std::span<const std::string> args) {
  // rte_eal_init permutes argv and keeps pointers into it for the life of the
  // process, so the strings are copied into storage that is never freed.
  static std::vector<std::string>* storage = nullptr;
  if (storage != nullptr) {
    return absl::FailedPreconditionError("rte_eal_init: already called in this process");
  }
  storage = new std::vector<std::string>(args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(storage->size() + 1);
  for (std::string& arg : *storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int rc = rte_eal_init(static_cast<int>(storage->size()), argv.data());
  if (rc < 0) {
    const int err = rte_errno;
    const std::string text = absl::StrCat("rte_eal_init: ", rte_strerror(err));
    switch (err) {
      case EALREADY:
        return absl::FailedPreconditionError(text);
      case EINVAL:
        return absl::InvalidArgumentError(text);
      case ENODEV:
      case ENOENT:
        return absl::NotFoundError(text);
      case EACCES:
      case EPERM:
        return absl::PermissionDeniedError(text);
      case ENOMEM:
        return absl::ResourceExhaustedError(text);
      default:
        return absl::InternalError(text);
    }
  }
  return absl::OkStatus();
}

absl::Status CleanupEal() {
  const int rc = rte_eal_cleanup();
  if (rc < 0) {
    return absl::InternalError(absl::StrCat("rte_eal_cleanup: ", rte_strerror(-rc)));
  }
  return absl::OkStatus();
}

}  // namespace synx::io
