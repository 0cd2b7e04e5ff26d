#include "cli/output.h"

#include <algorithm>
#include <iostream>
#include <vector>

namespace floecat::cli {
namespace {

using nlohmann::json;

std::string cell(const json& value) {
  if (value.is_null()) {
    return "";
  }
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.dump();
}

// Columns shown for lists of each kind.
std::vector<std::string> columns_for(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kAccount:
      return {"id", "display_name"};
    case ResourceKind::kConnector:
      return {"id", "display_name", "kind", "uri"};
    case ResourceKind::kStorageAuthority:
      return {"id", "display_name", "enabled", "location_prefix"};
    case ResourceKind::kResolution:
      return {};
  }
  return {};
}

void print_table(const json& rows, const std::vector<std::string>& columns) {
  std::vector<std::size_t> widths;
  for (const std::string& column : columns) {
    widths.push_back(column.size());
  }
  for (const json& row : rows) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      widths[i] = std::max(widths[i], cell(row.value(columns[i], json())).size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string text = cells[i];
      if (i + 1 < cells.size()) {
        text.resize(widths[i] + 2, ' ');
      }
      std::cout << text;
    }
    std::cout << "\n";
  };
  std::vector<std::string> header;
  for (const std::string& column : columns) {
    std::string upper = column;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    header.push_back(upper);
  }
  print_row(header);
  for (const json& row : rows) {
    std::vector<std::string> cells;
    for (const std::string& column : columns) {
      cells.push_back(cell(row.value(column, json())));
    }
    print_row(cells);
  }
}

// Prints nested objects as "a.b: value" lines.
void print_fields(const json& value, const std::string& prefix) {
  for (const auto& [key, item] : value.items()) {
    std::string name = prefix.empty() ? key : prefix + "." + key;
    if (item.is_object() && !item.empty()) {
      print_fields(item, name);
    } else {
      std::cout << name << ": " << cell(item) << "\n";
    }
  }
}

}  // namespace

void print_response(const ApiResponse& response, ResourceKind kind, const std::string& output) {
  if (response.body.is_null()) {
    if (output == "json") {
      std::cout << "{}\n";
    }
    return;
  }
  if (output == "json") {
    std::cout << response.body.dump(2) << "\n";
    return;
  }
  // A list response is an object with a single array member.
  if (response.body.is_object() && response.body.size() == 1 && response.body.begin()->is_array() &&
      kind != ResourceKind::kResolution) {
    print_table(*response.body.begin(), columns_for(kind));
    return;
  }
  print_fields(response.body, "");
}

}  // namespace floecat::cli
