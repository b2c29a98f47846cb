#include "web/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "web/embedded_assets.h"

namespace parley::web {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Only plain names: no "..", no hidden files, no backslashes.
bool safe_relative(std::string_view rel) {
  if (rel.empty() || rel.find("..") != std::string_view::npos || rel.find('\\') != std::string_view::npos)
    return false;
  for (std::size_t at = 0; at < rel.size();) {
    auto slash = rel.find('/', at);
    auto part = rel.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
    if (part.empty() || part.front() == '.') return false;
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return true;
}

// "/" -> "index.html" in web; "/js/x.mjs" -> "x.mjs" in js.
struct Resolved {
  bool js = false;
  std::string relative;
};

std::optional<Resolved> resolve(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  path.remove_prefix(1);
  if (path.empty()) return Resolved{false, "index.html"};
  if (path.substr(0, 3) == "js/") {
    auto rel = path.substr(3);
    if (!safe_relative(rel) || rel.find('/') != std::string_view::npos || !ends_with(rel, ".mjs"))
      return std::nullopt;
    return Resolved{true, std::string(rel)};
  }
  if (!safe_relative(path)) return std::nullopt;
  // Tests and tooling live in web/ but are not served.
  if (path.substr(0, 5) == "test/" || path.substr(0, 13) == "node_modules/" ||
      path.substr(0, 7) == "package" || ends_with(path, ".md"))
    return std::nullopt;
  return Resolved{false, std::string(path)};
}

class DiskFiles final : public StaticFiles {
 public:
  DiskFiles(std::string web_root, std::string js_root)
      : web_root_(std::move(web_root)), js_root_(std::move(js_root)) {}

  std::optional<Asset> find(std::string_view path) const override {
    auto r = resolve(path);
    if (!r) return std::nullopt;
    std::filesystem::path file = std::filesystem::path(r->js ? js_root_ : web_root_) / r->relative;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream body;
    body << in.rdbuf();
    return Asset{content_type_for(r->relative), body.str()};
  }

 private:
  std::string web_root_;
  std::string js_root_;
};

class EmbeddedFiles final : public StaticFiles {
 public:
  std::optional<Asset> find(std::string_view path) const override {
    auto r = resolve(path);
    if (!r) return std::nullopt;
    std::string key = (r->js ? "js/" : "web/") + r->relative;
    for (std::size_t i = 0; i < kEmbeddedAssetCount; ++i) {
      const auto& a = kEmbeddedAssets[i];
      if (key == a.name) return Asset{content_type_for(a.name), std::string(a.data, a.size)};
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<StaticFiles> disk_files(std::string web_root, std::string js_root) {
  return std::make_unique<DiskFiles>(std::move(web_root), std::move(js_root));
}

std::unique_ptr<StaticFiles> embedded_files() { return std::make_unique<EmbeddedFiles>(); }

std::string_view content_type_for(std::string_view path) {
  if (ends_with(path, ".html")) return "text/html; charset=utf-8";
  if (ends_with(path, ".js") || ends_with(path, ".mjs")) return "text/javascript; charset=utf-8";
  if (ends_with(path, ".css")) return "text/css; charset=utf-8";
  if (ends_with(path, ".svg")) return "image/svg+xml";
  if (ends_with(path, ".png")) return "image/png";
  if (ends_with(path, ".ico")) return "image/x-icon";
  if (ends_with(path, ".json") || ends_with(path, ".webmanifest")) return "application/json";
  return "application/octet-stream";
}

}  // namespace parley::web
