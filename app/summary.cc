#include "summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace synx::app {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

const char* Bool(bool b) { return b ? "true" : "false"; }

std::string OffloadList(bool ipv4, bool tcp) {
  if (ipv4 && tcp) return "ipv4+tcp";
  if (ipv4) return "ipv4";
  if (tcp) return "tcp";
  return "none";
}

}  // namespace

std::string SummaryJson(const Summary& s) {
  const io::PortInfo& p = s.port;
  std::string json = "{\n";
  absl::StrAppendFormat(&json, "  \"role\": %s,\n", JsonString(RoleName(s.role)));
  absl::StrAppendFormat(&json, "  \"duration_s\": %.3f,\n", s.duration_s);
  absl::StrAppendFormat(&json, "  \"rx_packets\": %u,\n", s.rx_packets);
  absl::StrAppendFormat(&json, "  \"tx_packets\": %u,\n", s.tx_packets);
  json += "  \"port\": {\n";
  absl::StrAppendFormat(&json, "    \"id\": %u,\n", p.port_id);
  absl::StrAppendFormat(&json, "    \"name\": %s,\n", JsonString(p.name));
  absl::StrAppendFormat(&json, "    \"driver\": %s,\n", JsonString(p.driver));
  absl::StrAppendFormat(&json, "    \"mac\": %s,\n", JsonString(io::FormatMac(p.mac)));
  absl::StrAppendFormat(&json, "    \"socket\": %d,\n", p.socket_id);
  absl::StrAppendFormat(&json, "    \"rx_queues\": %u,\n", p.rx_queues);
  absl::StrAppendFormat(&json, "    \"tx_queues\": %u,\n", p.tx_queues);
  absl::StrAppendFormat(&json, "    \"rx_descriptors\": %u,\n", p.rx_descriptors);
  absl::StrAppendFormat(&json, "    \"tx_descriptors\": %u,\n", p.tx_descriptors);
  absl::StrAppendFormat(&json, "    \"promiscuous\": %s,\n", Bool(p.promiscuous));
  absl::StrAppendFormat(&json,
                        "    \"link\": {\"up\": %s, \"speed_mbps\": %u, \"full_duplex\": %s},\n",
                        Bool(s.link.up), s.link.speed_mbps, Bool(s.link.full_duplex));
  absl::StrAppendFormat(&json,
                        "    \"checksum_offloads\": {\"rx_ipv4\": %s, \"rx_tcp\": %s, "
                        "\"tx_ipv4\": %s, \"tx_tcp\": %s}\n",
                        Bool(p.offloads.rx_ipv4), Bool(p.offloads.rx_tcp),
                        Bool(p.offloads.tx_ipv4), Bool(p.offloads.tx_tcp));
  json += "  },\n";
  absl::StrAppendFormat(&json, "  \"mempool_in_use_at_exit\": %u\n", s.mempool_in_use_at_exit);
  json += "}\n";
  return json;
}

std::string SummaryLine(const Summary& s) {
  return absl::StrFormat(
      "synx: summary: role=%s duration=%.3fs rx_packets=%u tx_packets=%u "
      "mempool_in_use_at_exit=%u",
      RoleName(s.role), s.duration_s, s.rx_packets, s.tx_packets, s.mempool_in_use_at_exit);
}

std::string PortLine(const io::PortInfo& p, const io::LinkStatus& link) {
  std::string link_text = link.up ? "up" : "down";
  if (link.up && link.speed_mbps > 0) {
    absl::StrAppendFormat(&link_text, " %u Mb/s %s", link.speed_mbps,
                          link.full_duplex ? "full-duplex" : "half-duplex");
  }
  return absl::StrFormat(
      "synx: port %u %s (%s) mac %s, link %s, %u rx/%u tx queue(s), socket %d, "
      "checksum offload rx %s tx %s%s",
      p.port_id, p.name, p.driver, io::FormatMac(p.mac), link_text, p.rx_queues, p.tx_queues,
      p.socket_id, OffloadList(p.offloads.rx_ipv4, p.offloads.rx_tcp),
      OffloadList(p.offloads.tx_ipv4, p.offloads.tx_tcp),
      p.promiscuous ? ", promiscuous" : "");
}

}  // namespace synx::app
