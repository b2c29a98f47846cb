#pragma once
// Generated at build time by cmake/embed_assets.cmake into embedded_assets.cpp.
#include <cstddef>

namespace parley::web {

struct EmbeddedAsset {
  const char* name;  // "web/index.html", "js/parley-client.mjs"
  const char* data;
  std::size_t size;
};

extern const EmbeddedAsset kEmbeddedAssets[];
extern const std::size_t kEmbeddedAssetCount;

}  // namespace parley::web
