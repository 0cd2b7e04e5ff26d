// Replaces the global operator delete so that every block the C++ runtime
// frees is zeroed first. Request bodies, parsed JSON and formatted strings
// pass through containers of libraries (nlohmann::json's lexer buffer and
// string nodes, Beast, fmt) that cannot be given a wiping allocator. glibc's
// malloc keeps the contents of a freed block until the block is reused, so
// without this, credentials the server has finished with stay in its memory.
//
// Only memory freed through operator delete is covered. libcurl gets wiping
// allocator callbacks of its own (aws/http_transport.cc); other C libraries
// that call free() directly (OpenSSL, SQLite) are not covered.
//
// The default operator new of libstdc++ allocates with malloc (and
// aligned_alloc for over-aligned types), so free() is the matching release.
// Sanitizer builds keep their own operator delete, which checks that every
// delete matches its new.

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define FLOECAT_SANITIZED_BUILD 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FLOECAT_SANITIZED_BUILD 1
#endif

#ifndef FLOECAT_SANITIZED_BUILD

#include <malloc.h>
#include <string.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

void wipe_and_free(void* block) noexcept {
  if (block == nullptr) {
    return;
  }
  explicit_bzero(block, malloc_usable_size(block));
  std::free(block);
}

}  // namespace

void operator delete(void* block) noexcept {
  wipe_and_free(block);
}

void operator delete[](void* block) noexcept {
  wipe_and_free(block);
}

void operator delete(void* block, std::size_t) noexcept {
  wipe_and_free(block);
}

void operator delete[](void* block, std::size_t) noexcept {
  wipe_and_free(block);
}

void operator delete(void* block, const std::nothrow_t&) noexcept {
  wipe_and_free(block);
}

void operator delete[](void* block, const std::nothrow_t&) noexcept {
  wipe_and_free(block);
}

void operator delete(void* block, std::align_val_t) noexcept {
  wipe_and_free(block);
}

void operator delete[](void* block, std::align_val_t) noexcept {
  wipe_and_free(block);
}

void operator delete(void* block, std::size_t, std::align_val_t) noexcept {
  wipe_and_free(block);
}

void operator delete[](void* block, std::size_t, std::align_val_t) noexcept {
  wipe_and_free(block);
}

void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  wipe_and_free(block);
}

void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  wipe_and_free(block);
}

#endif  // FLOECAT_SANITIZED_BUILD
