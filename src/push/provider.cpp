#include "push/provider.h"

namespace parley::push {

SendResult classify(const Result<HttpAnswer>& answer) {
  if (!answer) {
    // A forbidden address stays forbidden; anything else may pass later.
    bool permanent = answer.error().code == make_error_code(Errc::forbidden);
    return {permanent ? Outcome::failed : Outcome::retry, {}, answer.error().message};
  }
  int status = answer->status;
  std::string detail = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) return {Outcome::delivered, {}, detail};
  if (status == 404 || status == 410) return {Outcome::gone, {}, detail};
  if (status == 429 || status >= 500) return {Outcome::retry, answer->retry_after, detail};
  return {Outcome::failed, {}, detail};
}

}  // namespace parley::push
