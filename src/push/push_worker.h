#pragma once
// The `push` worker (`parley worker push`): the durable consumer "push" of
// the event log, for cluster mode, where no gateway should spend its
// threads on providers. Parameters (--param key=value):
//   devices=postgres://...   the device registry the gateways write (required;
//                            file:PATH for a SQLite registry)
//   presence=redis://...     who is online (absent: nobody is, so every
//                            member but the sender gets pushes)
//   config=PATH              a JSON config file; its "push" object is read
// and --store for the members of each conversation (required).
// Embedded mode needs no worker: the server runs the same consumer itself.
#include "worker/worker_registry.h"

namespace parley::push {

worker::WorkerSpec push_worker();

}  // namespace parley::push
