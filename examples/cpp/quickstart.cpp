// quickstart.cpp: the C++ binding (ray_client.hpp) in one page.
//
//   quickstart_cpp [ray://host:port]     (default: $RAY_TEST_ADDRESS, then $RAY_ADDRESS)
#include <ray_client.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char **argv) {
  using namespace ray_client;
  using namespace std::chrono_literals;
  const char *env = std::getenv("RAY_TEST_ADDRESS");
  std::string address = argc > 1 ? argv[1] : env ? env : "";
  if (address.empty() && std::getenv("RAY_ADDRESS")) address = std::getenv("RAY_ADDRESS");
  if (address.empty()) {
    std::cerr << "usage: " << argv[0] << " ray://host:port (or set RAY_TEST_ADDRESS / RAY_ADDRESS)\n";
    return 77;  // "skipped" for ctest
  }
  try {
    Client client = Client::connect(ConnectOptions(address).namespace_("quickstart"));
    std::cout << "connected to Ray " << client.server_info().ray_version << "\n";

    // A stdlib function on the cluster, by module and name: made once, called any number
    // of times (client.call("statistics", "mean", ...) is the one-off shorthand).
    RemoteFunction mean("statistics", "mean");
    double m = client.get(client.call(mean, {std::vector<double>{1, 2, 3, 4}}), 60s).as<double>();
    std::cout << "statistics.mean([1, 2, 3, 4]) = " << m << "\n";

    // put / get of a nested value.
    ObjectRef ref = client.put(std::map<std::string, std::vector<int64_t>>{{"primes", {2, 3, 5, 7}}});
    std::cout << "get(put(...)) = " << client.get(ref).to_json() << "\n";

    // A function from source with options attached, called asynchronously.
    RemoteFunction cube =
        RemoteFunction::from_source("def cube(x):\n    return x ** 3\n", "cube").with_options(Options().num_cpus(1));
    std::future<Value> f = client.get_async(client.call(cube, {3}));
    std::cout << "cube(3) = " << f.get().as<int64_t>() << "\n";

    // Several returns: num_returns(2), and room for exactly 2 refs.
    RemoteFunction divmod = RemoteFunction::from_source("def dm(a, b):\n    return a // b, a % b\n", "dm");
    std::vector<ObjectRef> qr = client.call_n(divmod, 2, {17, 5}, Options().num_returns(2));
    std::cout << "divmod(17, 5) = " << client.get(qr[0]).as<int64_t>() << ", " << client.get(qr[1]).as<int64_t>()
              << "\n";

    // An actor from source; keyword arguments with push_kw.
    ActorClass counter_class = ActorClass::from_source(
        "class Counter:\n"
        "    def __init__(self):\n"
        "        self.n = 0\n"
        "    def incr(self, by=1):\n"
        "        self.n += by\n"
        "        return self.n\n",
        "Counter");
    ActorHandle counter = client.create_actor(counter_class);
    client.call_method(counter, "incr");
    ObjectRef n = client.call_method(counter, "incr", Args().push_kw("by", 10));
    std::cout << "counter = " << client.get(n).as<int64_t>() << "\n";
    client.kill_actor(counter);

    // Remote exceptions are C++ exceptions.
    try {
      client.get(client.call(RemoteFunction::from_source("def fail():\n    raise KeyError('nope')\n", "fail")));
    } catch (const Error &e) {
      std::cout << "caught " << e.kind() << " (" << e.cause_type().value_or("?") << ")\n";
    }
    client.disconnect();
    std::cout << "ok\n";
    return 0;
  } catch (const Error &e) {
    std::cerr << "error " << static_cast<int>(e.code()) << " (" << e.kind() << "): " << e.what() << "\n";
    return 1;
  }
}
