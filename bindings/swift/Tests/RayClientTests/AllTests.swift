import Testing

/// Every suite is nested here so they run one after another: each client connection starts
/// a server process on the cluster, and the handle-leak check needs a quiet process.
/// (Concurrency is exercised on purpose by `ObjectTests.concurrentGets`.)
@Suite(.serialized) struct AllTests {}
