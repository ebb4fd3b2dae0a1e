// flow_handle.h — FlowHandle names one live entry of a FlowTable.
//
// A handle is the entry's slot index. The table never moves a live entry, so
// a handle stays valid from the Insert that returned it until the Erase that
// ends it; the timer wheel and the engine keep handles, never pointers.
// After Erase the index may be reused by a later Insert.
#pragma once

#include <cstdint>

namespace synx::flow {

struct FlowHandle {
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t index = kNone;

  bool valid() const { return index != kNone; }
  explicit operator bool() const { return valid(); }
  bool operator==(const FlowHandle&) const = default;
};

}  // namespace synx::flow
