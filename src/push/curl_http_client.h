#pragma once
// HttpClient over libcurl (easy interface, one handle per calling thread so
// each push worker keeps its connections and TLS sessions alive between
// pushes). HTTP/2 is negotiated over TLS (ALPN) when the server offers it.
#include "push/endpoint_policy.h"
#include "push/http_client.h"

namespace parley::push {

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(EndpointPolicy policy);
  Result<HttpAnswer> send(const HttpCall& call) override;

 private:
  EndpointPolicy policy_;
};

}  // namespace parley::push
