#include "aws/request_ids.h"

namespace floecat::aws {
namespace {

thread_local RequestIdScope* current_scope = nullptr;

}  // namespace

RequestIdScope::RequestIdScope() : outer_(current_scope) {
  current_scope = this;
}

RequestIdScope::~RequestIdScope() {
  current_scope = outer_;
}

std::string RequestIdScope::joined() const {
  std::string text;
  for (const std::string& id : ids_) {
    if (!text.empty()) {
      text += ',';
    }
    text += id;
  }
  return text;
}

void RequestIdScope::record(std::string_view request_id) {
  if (current_scope != nullptr && !request_id.empty()) {
    current_scope->ids_.emplace_back(request_id);
  }
}

}  // namespace floecat::aws
