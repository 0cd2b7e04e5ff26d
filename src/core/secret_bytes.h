#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace floecat {

// Wipes the memory with OPENSSL_cleanse. The compiler may not elide it.
void secure_wipe(void* data, std::size_t size);

// An allocator that wipes every block before it returns it to the heap, so
// that a container that grows or shrinks leaves no copy of its old contents.
template <typename T>
struct WipingAllocator {
  using value_type = T;

  WipingAllocator() = default;

  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: rebind

  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }

  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }

  template <typename U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// A string whose heap buffer is wiped when freed.
// NOTE: strings short enough for the small-string buffer live inside the
// object and are not wiped; hold short secrets in SecretBytes instead.
using WipingString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

// Secret material: a credential payload, a key, a token. Move-only, wiped on
// destruction and on reassignment, printed as "****", compared in constant
// time. Call expose() only where the bytes must leave the process (an
// encryption call, a signed request, a response to the owner of the secret).
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view bytes);
  SecretBytes(const std::uint8_t* data, std::size_t size);
  ~SecretBytes() = default;

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // Makes an explicit copy; copies are never implicit.
  SecretBytes clone() const;

  std::size_t size() const { return bytes_.size(); }

  bool empty() const { return bytes_.empty(); }

  const std::uint8_t* data() const { return bytes_.data(); }

  std::uint8_t* mutable_data() { return bytes_.data(); }

  void resize(std::size_t size) { bytes_.resize(size); }

  // Returns a view of the bytes as characters. The view must not outlive
  // this object and must not be copied into an ordinary std::string.
  std::string_view expose() const {
    return std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }

  void append(std::string_view bytes);

  // Wipes and empties.
  void clear();

  // Constant-time comparison for equal sizes; sizes are compared openly.
  bool equals(const SecretBytes& other) const;

 private:
  std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> bytes_;
};

// Always prints "****", never the bytes.
std::ostream& operator<<(std::ostream& out, const SecretBytes& secret);

inline constexpr std::string_view kMask = "****";

// Constant-time equality of two byte strings of the same length; unequal
// lengths return false at once.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace floecat
