// linux_connect — the Linux stack's connect/accept rate, bench/run's
// baseline for synx's connections per second.
//
//   linux_connect connect [--seconds=S] [--pairs=K] [--addr=IP] [--port=P]
//   linux_connect listen --addr=IP --port=P [--seconds=S]
//
// connect: K client threads and K accept threads on one listening socket
// (default 127.0.0.1, an ephemeral port). Each client loops socket(),
// SO_LINGER {1, 0}, connect(), close(): the close sends a RST, as synx's
// initiator does with --close=rst, so neither side keeps TIME-WAIT and the
// ephemeral ports never run out. Each accept thread loops accept(), close().
// After S seconds (default 5) it prints one JSON object: connections
// completed by connect(), accepted, failed connects, the seconds measured
// and connections per second (connects / seconds).
//
// listen: a listening socket (backlog 65535) that never accepts, for S
// seconds (default: until killed): the kernel's SYN-cookie replier with
// net.ipv4.tcp_syncookies=2. Prints "listening" once the socket is bound.
//
// Blocking sockets on purpose: over loopback connect() returns once the
// kernel has done the whole handshake in the caller's own softirq, which is
// the cheapest path the stack has. Exit 0 ok, 1 a syscall failed, 2 bad
// arguments.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { kMaxPairs = 64 };

static atomic_bool g_stop;
static atomic_ullong g_connects;
static atomic_ullong g_accepts;
static atomic_ullong g_failures;
static struct sockaddr_in g_addr;
static int g_listen_fd = -1;

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* ClientLoop(void* arg) {
  (void)arg;
  const struct linger rst = {.l_onoff = 1, .l_linger = 0};
  unsigned long long done = 0, failed = 0;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      ++failed;
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    if (connect(fd, (const struct sockaddr*)&g_addr, sizeof g_addr) == 0) {
      ++done;
    } else {
      ++failed;
    }
    close(fd);
  }
  atomic_fetch_add(&g_connects, done);
  atomic_fetch_add(&g_failures, failed);
  return NULL;
}

static void* AcceptLoop(void* arg) {
  (void)arg;
  const struct linger rst = {.l_onoff = 1, .l_linger = 0};
  unsigned long long done = 0;
  for (;;) {
    int fd = accept(g_listen_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // the listening socket was shut down: the run is over
    }
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    close(fd);
    ++done;
  }
  atomic_fetch_add(&g_accepts, done);
  return NULL;
}

static int Usage(void) {
  fprintf(stderr,
          "usage: linux_connect connect [--seconds=S] [--pairs=K] [--addr=IP] [--port=P]\n"
          "       linux_connect listen --addr=IP --port=P [--seconds=S]\n");
  return 2;
}

static int OpenListener(int backlog) {
  g_listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (g_listen_fd < 0) return -1;
  const int one = 1;
  setsockopt(g_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = sizeof g_addr;
  if (bind(g_listen_fd, (const struct sockaddr*)&g_addr, sizeof g_addr) != 0 ||
      listen(g_listen_fd, backlog) != 0 ||
      getsockname(g_listen_fd, (struct sockaddr*)&g_addr, &len) != 0) {
    return -1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const int listen_mode = strcmp(argv[1], "listen") == 0;
  if (!listen_mode && strcmp(argv[1], "connect") != 0) return Usage();
  double seconds = listen_mode ? 0 : 5;
  long pairs = 1, port = 0;
  const char* addr = "127.0.0.1";
  for (int i = 2; i < argc; ++i) {
    char* end = NULL;
    if (strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = strtod(argv[i] + 10, &end);
    } else if (strncmp(argv[i], "--pairs=", 8) == 0) {
      pairs = strtol(argv[i] + 8, &end, 10);
    } else if (strncmp(argv[i], "--port=", 7) == 0) {
      port = strtol(argv[i] + 7, &end, 10);
    } else if (strncmp(argv[i], "--addr=", 7) == 0) {
      addr = argv[i] + 7;
      end = (char*)"";
    }
    if (end == NULL || *end != '\0') return Usage();
  }
  if (seconds < 0 || pairs < 1 || pairs > kMaxPairs || port < 0 || port > 65535 ||
      (listen_mode && port == 0)) {
    return Usage();
  }
  g_addr.sin_family = AF_INET;
  g_addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &g_addr.sin_addr) != 1) return Usage();

  if (listen_mode) {
    if (OpenListener(65535) != 0) {
      fprintf(stderr, "linux_connect: listen on %s:%ld: %s\n", addr, port, strerror(errno));
      return 1;
    }
    printf("listening\n");
    fflush(stdout);
    if (seconds > 0) {
      usleep((useconds_t)(seconds * 1e6));
    } else {
      pause();
    }
    return 0;
  }

  if (OpenListener(4096) != 0) {
    fprintf(stderr, "linux_connect: listen on %s: %s\n", addr, strerror(errno));
    return 1;
  }
  pthread_t clients[kMaxPairs], acceptors[kMaxPairs];
  for (long i = 0; i < pairs; ++i) {
    if (pthread_create(&acceptors[i], NULL, AcceptLoop, NULL) != 0) return 1;
  }
  const double t0 = Now();
  for (long i = 0; i < pairs; ++i) {
    if (pthread_create(&clients[i], NULL, ClientLoop, NULL) != 0) return 1;
  }
  usleep((useconds_t)(seconds * 1e6));
  atomic_store(&g_stop, 1);
  for (long i = 0; i < pairs; ++i) pthread_join(clients[i], NULL);
  const double elapsed = Now() - t0;
  // Connections connect() completed just before the stop may still be in
  // the accept queue: take them too (non-blocking, so the acceptors end at
  // an empty queue instead of blocking), then wake any blocked acceptor.
  fcntl(g_listen_fd, F_SETFL, fcntl(g_listen_fd, F_GETFL) | O_NONBLOCK);
  const struct linger rst = {.l_onoff = 1, .l_linger = 0};
  for (;;) {
    int fd = accept(g_listen_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // EAGAIN: the queue is empty
    }
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    close(fd);
    atomic_fetch_add(&g_accepts, 1);
  }
  // shutdown() makes a blocked accept() fail.
  shutdown(g_listen_fd, SHUT_RDWR);
  for (long i = 0; i < pairs; ++i) pthread_join(acceptors[i], NULL);
  close(g_listen_fd);
  const unsigned long long connects = atomic_load(&g_connects);
  printf("{\"connections\": %llu, \"accepted\": %llu, \"failed\": %llu, \"pairs\": %ld, "
         "\"seconds\": %.3f, \"cps\": %.1f}\n",
         connects, atomic_load(&g_accepts), atomic_load(&g_failures), pairs, elapsed,
         elapsed > 0 ? (double)connects / elapsed : 0.0);
  return connects > 0 ? 0 : 1;
}
