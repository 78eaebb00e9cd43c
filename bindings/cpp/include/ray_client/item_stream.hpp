// ray_client/item_stream.hpp: ItemStream, the items of a generator running on the cluster
// read as it yields them, and the methods of ray_client::Client that open one
// (call_streaming, call_method_streaming; declared in ray_client/client.hpp). Apache-2.0.
//
// Ownership: an ItemStream owns its stream; destroying it before the end stops the
// generator on the cluster (as cancel() does). Move-only.
// Thread-safety: reads from several threads take turns, each item going to one of them.
#ifndef RAY_CLIENT_ITEM_STREAM_HPP
#define RAY_CLIENT_ITEM_STREAM_HPP

#include <ray_client/client.hpp>

#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

namespace ray_client {

/// A generator's items in the order it yields them: next() (nullopt at the end), or an
/// input iterator (`for (Value item : stream)`). The exception the generator raised is
/// thrown as Error (task_error) after the items yielded before it; the stream ends there.
/// What is held beyond what was read is bounded by buffer() (Client::call_streaming).
class ItemStream : public detail::Handle<ray_client_item_stream, ray_client_item_stream_free> {
 public:
  explicit ItemStream(ray_client_item_stream *raw) noexcept : Handle(raw) {}
  ItemStream(ItemStream &&) noexcept = default;
  ItemStream &operator=(ItemStream &&) noexcept = default;

  /// The next item, waiting up to `timeout` (nullopt: no limit; Error with code
  /// RAY_CLIENT_ERROR_TIMEOUT when it passes, and the stream keeps its place); nullopt
  /// once the generator returned.
  std::optional<Value> next(Timeout timeout = std::nullopt) {
    ray_client_value *v = nullptr;
    detail::check(ray_client_item_stream_next(raw_, detail::to_ms(timeout), &v));
    if (v == nullptr) return std::nullopt;
    return Value(v);
  }

  /// Stops the generator on the cluster and ends the stream.
  void cancel() { detail::check(ray_client_item_stream_cancel(raw_)); }

  /// The stream's buffer: the `_generator_backpressure_num_objects` option, 1024 unless set (64 for a method).
  size_t buffer() const {
    size_t n = 0;
    detail::check(ray_client_item_stream_buffer(raw_, &n));
    return n;
  }

  /// An input iterator over the items; equal to end() once the stream ended. It refers to
  /// its ItemStream, which must outlive it and not move meanwhile.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    using pointer = const Value *;
    using reference = const Value &;

    iterator() = default;  // end()
    reference operator*() const { return *item_; }
    pointer operator->() const { return &*item_; }
    iterator &operator++() {
      advance();
      return *this;
    }
    bool operator==(const iterator &o) const { return stream_ == o.stream_; }
    bool operator!=(const iterator &o) const { return stream_ != o.stream_; }

   private:
    friend class ItemStream;
    explicit iterator(ItemStream *stream) : stream_(stream) { advance(); }
    void advance() {
      if (stream_ == nullptr) return;
      item_ = stream_->next();
      if (!item_) stream_ = nullptr;
    }
    ItemStream *stream_ = nullptr;
    std::optional<Value> item_;
  };

  /// Reads the first item (blocking) and points at it.
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }
};

inline ItemStream Client::call_streaming(const RemoteFunction &f, const Args &args, const Options &options) const {
  ray_client_item_stream *out = nullptr;
  detail::check(ray_client_function_call_streaming(raw_, f.raw(), detail::args_raw(args), options.raw(), &out));
  return ItemStream(out);
}

inline ItemStream Client::call_method_streaming(const ActorHandle &actor, const std::string &method,
                                                const Args &args, const Options &options) const {
  ray_client_item_stream *out = nullptr;
  detail::check(ray_client_actor_call_streaming(raw_, actor.raw(), method.c_str(), detail::args_raw(args),
                                                options.raw(), &out));
  return ItemStream(out);
}

}  // namespace ray_client

#endif  // RAY_CLIENT_ITEM_STREAM_HPP
