#pragma once
// The browser client's files: from a folder (--web-root, for development)
// or compiled into the binary (the default: one binary, nothing to fetch).
// URL layout: "/" and "/<file>" from web/, "/js/<module>.mjs" from
// clients/js/ (the JavaScript client library).
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::web {

struct Asset {
  std::string_view content_type;
  std::string body;
};

class StaticFiles {
 public:
  virtual ~StaticFiles() = default;
  // path: the URL path ("/", "/app.js", "/js/parley-client.mjs").
  virtual std::optional<Asset> find(std::string_view path) const = 0;
};

// Files under web_root and js_root, read at each request (edit and reload).
std::unique_ptr<StaticFiles> disk_files(std::string web_root, std::string js_root);
// The files compiled in from web/ and clients/js/ at build time.
std::unique_ptr<StaticFiles> embedded_files();

std::string_view content_type_for(std::string_view path);

}  // namespace parley::web
