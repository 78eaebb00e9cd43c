// A large object to the cluster and back with progress bars: Client::put and Client::get
// with a Progress report (bytes done, bytes total) from a thread of the library's, at
// most ten times a second, the last report before the call returns.
//
//   progress_cpp [ray://host:port] [MiB, default 1024]   (address: $RAY_TEST_ADDRESS or
//                                                         $RAY_ADDRESS; exits 77 without)
#include <ray_client.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

// A progress callback drawing a bar on one line of stderr.
static ray_client::Progress bar(const char *what) {
  return [what](uint64_t done, uint64_t total) {
    const uint64_t width = 40;
    uint64_t filled = total ? done * width / total : 0;
    std::string cells(filled, '#');
    cells.resize(width, ' ');
    std::fprintf(stderr, "\r%s [%s] %7.1f / ", what, cells.c_str(), done / 1048576.0);
    if (total) std::fprintf(stderr, "%.1f MiB", total / 1048576.0);
    else std::fprintf(stderr, "? MiB");
    if (total && done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

int main(int argc, char **argv) {
  const char *address = argc > 1 && argv[1][0] ? argv[1] : std::getenv("RAY_TEST_ADDRESS");
  if (address == nullptr || *address == '\0') address = std::getenv("RAY_ADDRESS");
  if (address == nullptr || *address == '\0') {
    std::cerr << "no cluster address (argument, RAY_TEST_ADDRESS or RAY_ADDRESS)\n";
    return 77;
  }
  size_t mib = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1024;
  try {
    ray_client::Client client = ray_client::Client::connect(ray_client::ConnectOptions(address));
    std::vector<uint8_t> data(mib << 20, 0x2a);
    ray_client::ObjectRef r = client.put(ray_client::Value(data), bar("put"));
    ray_client::Value back = client.get(r, std::nullopt, bar("get"));
    bool same = back.as<std::vector<uint8_t>>() == data;
    std::cout << mib << " MiB: " << (same ? "the same bytes back" : "DIFFERENT bytes back") << "\n";
    return same ? 0 : 1;
  } catch (const ray_client::Error &e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
