#include "diagnose.h"

#include <rte_ethdev.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/dpdk_log.h"

namespace synx::app {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "net_af_packet0,iface=eth1" → "net_af_packet0".
std::string_view DeviceName(std::string_view device) {
  return device.substr(0, device.find(','));
}

// The likely fix, by kind of device.
std::string_view Fix(std::string_view device) {
  const std::string_view name = DeviceName(device);
  if (StartsWith(name, "net_af_packet") || StartsWith(name, "eth_af_packet")) {
    return "check that the interface named by iface= exists and is up, and run as root "
           "(AF_PACKET needs CAP_NET_RAW)";
  }
  if (StartsWith(name, "net_af_xdp")) {
    return "check that iface= exists, run as root, and use a kernel with AF_XDP sockets";
  }
  if (StartsWith(name, "net_tap") || StartsWith(name, "net_tun")) {
    return "run as root: tap needs CAP_NET_ADMIN and /dev/net/tun";
  }
  if (StartsWith(name, "net_pcap")) {
    return "check the rx_pcap=/tx_pcap=/iface= arguments and that those files or "
           "interfaces can be opened";
  }
  if (StartsWith(name, "net_memif")) {
    return "check socket= (its directory must exist) and that one side is role=server";
  }
  if (StartsWith(name, "virtio_user")) {
    return "virtio_user needs hugepages (drop --no-huge) and a vhost-user socket at path=";
  }
  if (StartsWith(name, "net_ring") || StartsWith(name, "net_null")) {
    return "check the --vdev spelling (docs/running.md)";
  }
  if (name.find(':') != std::string_view::npos) {
    return "bind the NIC to vfio-pci with dpdk-devbind.py and give its PCI address with -a "
           "(docs/running.md)";
  }
  return "check the driver name (DPDK 22.11 has net_af_packet, net_af_xdp, net_tap, net_pcap, "
         "net_memif, net_ring, net_null, virtio_user; docs/running.md)";
}

std::string Shown(const EalDevice& device) {
  return device.option == "--vdev" ? "--vdev=" + device.args : device.option + " " + device.args;
}

std::string Quote(std::string_view dpdk_line) {
  return dpdk_line.empty() ? std::string() : " [" + std::string(dpdk_line) + "]";
}

bool IsPort(std::string_view device_name) {
  uint16_t id;
  const std::string name(device_name);
  return rte_eth_dev_get_port_by_name(name.c_str(), &id) == 0;
}

}  // namespace

std::vector<EalDevice> EalDevices(std::span<const std::string> eal_args) {
  std::vector<EalDevice> devices;
  for (size_t i = 0; i < eal_args.size(); ++i) {
    const std::string_view arg = eal_args[i];
    for (std::string_view opt : {"--vdev", "-a", "--allow"}) {
      const std::string shown = opt == "--vdev" ? "--vdev" : "-a";
      if (arg == opt && i + 1 < eal_args.size()) {
        devices.push_back({shown, eal_args[++i]});
        break;
      }
      const std::string with_eq = std::string(opt) + "=";
      if (StartsWith(arg, with_eq)) {
        devices.push_back({shown, std::string(arg.substr(with_eq.size()))});
        break;
      }
      // -a0000:01:00.0
      if (opt == "-a" && StartsWith(arg, opt) && arg.size() > 2) {
        devices.push_back({shown, std::string(arg.substr(2))});
        break;
      }
    }
  }
  return devices;
}

std::string ExplainEalFailure(const absl::Status& status, std::span<const std::string> eal_args,
                              std::string_view dpdk_log) {
  std::string line = absl::StrCat("EAL did not start: ", status.message(),
                                  Quote(io::LastLine(dpdk_log)));
  const std::vector<EalDevice> devices = EalDevices(eal_args);
  if (devices.size() == 1) {
    line += "; likely fix: ";
    line += Fix(devices[0].args);
  } else {
    line +=
        "; likely fix: check the EAL options before '--' (synx --help, docs/running.md), or "
        "rerun with -- --verbose for DPDK's log";
  }
  return line;
}

std::string ExplainPortFailure(const absl::Status& status, uint16_t port_id,
                               std::string_view port_name,
                               std::span<const std::string> eal_args, std::string_view open_log,
                               std::string_view dpdk_log) {
  const std::vector<EalDevice> devices = EalDevices(eal_args);
  const uint16_t ports = rte_eth_dev_count_avail();

  if (status.code() == absl::StatusCode::kNotFound) {
    // A device that was asked for but did not become a port is the usual cause.
    for (const EalDevice& device : devices) {
      if (IsPort(DeviceName(device.args))) continue;
      return absl::StrFormat("port %u did not come up: %s failed%s; likely fix: %s", port_id,
                             Shown(device),
                             Quote(io::LikelyCause(dpdk_log, DeviceName(device.args))),
                             Fix(device.args));
    }
    if (ports == 0) {
      return absl::StrFormat(
          "port %u: DPDK found no port; give one before '--', e.g. "
          "--vdev=net_af_packet0,iface=eth1 (no NIC needed) or -a 0000:01:00.0 (a NIC bound "
          "to vfio-pci); see docs/running.md",
          port_id);
    }
    return absl::StrFormat("port %u does not exist: DPDK found %u port%s; use %s", port_id,
                           ports, ports == 1 ? "" : "s",
                           ports == 1 ? std::string("--port=0")
                                      : absl::StrFormat("--port=0..%u", ports - 1));
  }

  // The responder asks one queue pair per worker lcore; a device with fewer
  // is a matter of lcores or device arguments, not of the device's health.
  if (std::string_view(status.message().data(), status.message().size())
          .find("queue pairs asked") != std::string_view::npos) {
    return absl::StrFormat(
        "%s; likely fix: synx runs one worker per EAL worker lcore, one queue pair each: "
        "give fewer lcores (-l 0,1 is one worker) or more queues (net_af_packet: qpairs=N)",
        status.message());
  }

  // The port exists but would not come up: quote what DPDK said meanwhile.
  std::string device(port_name);
  for (const EalDevice& d : devices) {
    if (DeviceName(d.args) == port_name) device = d.args;
  }
  return absl::StrFormat("%s%s; likely fix: %s", status.message(),
                         Quote(io::LikelyCause(open_log, port_name)),
                         device.empty() ? std::string_view("check the port") : Fix(device));
}

}  // namespace synx::app
