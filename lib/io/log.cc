#include "io/log.h"

#include <cstdio>

// NOTICE: quiet unless asked (--log-level=synx.*:info or :debug).
RTE_LOG_REGISTER(synx_logtype_app, synx.app, NOTICE)
RTE_LOG_REGISTER(synx_logtype_port, synx.port, NOTICE)
RTE_LOG_REGISTER(synx_logtype_engine, synx.engine, NOTICE)
RTE_LOG_REGISTER(synx_logtype_cookie, synx.cookie, NOTICE)
RTE_LOG_REGISTER(synx_logtype_telemetry, synx.telemetry, NOTICE)
RTE_LOG_REGISTER(synx_logtype_capture, synx.capture, NOTICE)

namespace synx::io {

void LogToStderr() { rte_openlog_stream(stderr); }

}  // namespace synx::io
