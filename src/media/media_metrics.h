#pragma once
// Every metric of media, in one place.
#include "common/metrics.h"

namespace parley::media::metric {

inline metrics::Counter uploads{"parley_media_uploads_total", "uploads stored"};
inline metrics::Counter upload_bytes{"parley_media_upload_bytes_total", "bytes of uploads stored"};
inline metrics::Counter refused_uploads{
    "parley_media_refused_uploads_total", "uploads refused: too large or not an allowed type"};
inline metrics::Counter downloads{"parley_media_downloads_total",
                                  "downloads answered with content (200 or 206)"};
inline metrics::Counter not_modified{"parley_media_not_modified_total",
                                     "downloads answered 304 by ETag"};
inline metrics::Counter binding_failures{
    "parley_media_binding_failures_total",
    "committed messages whose media could not be bound (or a deleted one's unbound)"};

}  // namespace parley::media::metric
