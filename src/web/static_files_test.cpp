#include "web/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley::web {

TEST(StaticFiles, DiskServesIndexFilesAndModulesOnly) {
  namespace fs = std::filesystem;
  auto root = fs::temp_directory_path() / "parley_static_test";
  fs::remove_all(root);
  fs::create_directories(root / "web" / "test");
  fs::create_directories(root / "js");
  std::ofstream(root / "web" / "index.html") << "<h1>hi</h1>";
  std::ofstream(root / "web" / "app.js") << "1";
  std::ofstream(root / "web" / "test" / "e2e.test.mjs") << "secret";
  std::ofstream(root / "web" / ".env") << "secret";
  std::ofstream(root / "web" / "package.json") << "{}";
  std::ofstream(root / "js" / "parley-client.mjs") << "export {}";
  auto files = disk_files((root / "web").string(), (root / "js").string());

  auto index = files->find("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<h1>hi</h1>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(files->find("/app.js"));
  auto module = files->find("/js/parley-client.mjs");
  ASSERT_TRUE(module);
  EXPECT_EQ(module->content_type, "text/javascript; charset=utf-8");

  EXPECT_FALSE(files->find("/missing.js"));
  EXPECT_FALSE(files->find("/../web/index.html"));
  EXPECT_FALSE(files->find("/test/e2e.test.mjs"));
  EXPECT_FALSE(files->find("/.env"));
  EXPECT_FALSE(files->find("/package.json"));
  EXPECT_FALSE(files->find("/js/../web/index.html"));
  fs::remove_all(root);
}

TEST(StaticFiles, EmbeddedHoldsTheClientLibrary) {
  auto files = embedded_files();
  EXPECT_TRUE(files->find("/js/parley-client.mjs"));
  EXPECT_FALSE(files->find("/js/missing.mjs"));
}

}  // namespace parley::web
