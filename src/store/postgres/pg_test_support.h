#pragma once
// Test-only helpers for the PostgreSQL tests: the servers named by
// PARLEY_PG_URLS, a scratch schema per test (so tests, and test processes
// running in parallel, never see each other's tables), and a raw connection
// to look at what is really stored. No library links this.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "store/store_test_support.h"

namespace parley::store::test_support {

inline constexpr const char* kNoPostgres =
    "PARLEY_PG_URLS is not set, so the PostgreSQL tests are skipped. Run them with: "
    "export PARLEY_PG_URLS=$(scripts/services/postgres.sh start) (see src/store/README.md)";

// The comma-separated URLs in PARLEY_PG_URLS; empty when unset.
inline std::vector<std::string> pg_urls() {
  std::vector<std::string> out;
  const char* env = std::getenv("PARLEY_PG_URLS");
  std::string all = env ? env : "";
  std::size_t start = 0;
  while (start <= all.size()) {
    std::size_t comma = all.find(',', start);
    if (comma == std::string::npos) comma = all.size();
    std::string url = all.substr(start, comma - start);
    while (!url.empty() && url.front() == ' ') url.erase(url.begin());
    while (!url.empty() && url.back() == ' ') url.pop_back();
    if (!url.empty()) out.push_back(url);
    start = comma + 1;
  }
  return out;
}

// A plain libpq connection for setting up and inspecting (text results).
class RawPg {
 public:
  explicit RawPg(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) ADD_FAILURE() << "raw connect: " << PQerrorMessage(c_);
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);
  }
  ~RawPg() { PQfinish(c_); }
  RawPg(const RawPg&) = delete;
  RawPg& operator=(const RawPg&) = delete;

  bool exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto status = PQresultStatus(r);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok) ADD_FAILURE() << sql << ": " << PQerrorMessage(c_);
    PQclear(r);
    return ok;
  }

  // The first column of the first row, as text ("" when there is no row).
  std::string scalar(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    std::string out;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(c_);
    } else if (PQntuples(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* c_;
};

// A fresh schema of a unique name in each database; url(i) makes it the
// search_path of every connection, so a store opened there starts from an
// empty database and runs every migration. Dropped on destruction. The URLs
// must be postgres:// URLs (not key=value strings).
class ScratchSchema {
 public:
  explicit ScratchSchema(std::vector<std::string> base_urls)
      : base_(std::move(base_urls)), name_(unique_name()) {
    for (const auto& url : base_) RawPg(url).exec("CREATE SCHEMA " + name_);
  }
  ~ScratchSchema() {
    for (const auto& url : base_) RawPg(url).exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  }
  ScratchSchema(const ScratchSchema&) = delete;
  ScratchSchema& operator=(const ScratchSchema&) = delete;

  const std::string& name() const { return name_; }
  std::size_t size() const { return base_.size(); }
  std::string url(std::size_t i) const {
    const std::string& base = base_.at(i);
    return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           name_;
  }

 private:
  static std::string unique_name() {
    static std::atomic<int> counter{0};
    static const unsigned salt = std::random_device{}();
    return join("parley_test_", ::getpid(), "_", salt, "_", counter++);
  }

  std::vector<std::string> base_;
  std::string name_;
};

}  // namespace parley::store::test_support
