// Links against an installed libray_client through ray_client.hpp; runs a task when given
// an address.
#include <ray_client.hpp>

#include <iostream>

int main(int argc, char **argv) {
  using namespace ray_client;
  try {
    Value v = std::map<std::string, std::vector<int64_t>>{{"a", {1, 2}}};
    std::cout << "c++ consumer: libray_client " << version() << ", " << v.to_json() << "\n";
    if (argc > 1) {
      Client c = Client::connect(argv[1]);
      RemoteFunction mean("statistics", "mean");
      double m = c.get(c.call(mean, {std::vector<double>{1, 2}})).as<double>();
      std::cout << "c++ consumer: statistics.mean([1, 2]) = " << m << "\n";
      if (m != 1.5) return 1;
    }
    return 0;
  } catch (const Error &e) {
    std::cerr << "error (" << e.kind() << "): " << e.what() << "\n";
    return 1;
  }
}
