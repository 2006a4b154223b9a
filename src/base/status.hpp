// status.hpp -- the library's status codes as text, and C++ exceptions as status codes.
//
// The C boundary returns codes, never exceptions (capi/ catches at every entry point); values
// carry a code and a message. This file is the one place that says which code an exception
// becomes, so capi/ and the runtime agree.
#pragma once

#include <string>

#include "asynckit.h"

namespace ak {

// ak_strerror's text for `code` (static storage): AK_STATUS_MAP's text for library codes, "work-
// defined error" for positive codes, "unknown error" for other negative ones.
const char* status_text(int code) noexcept;

// What the exception being handled means, as a code and a message:
//   std::bad_alloc                       -> AK_ENOMEM, "out of memory"
//   std::system_error resource_unavailable_try_again (what std::thread throws when the system
//   has no thread to give)               -> AK_ENOMEM, "could not start a thread: <what()>"
//   any other std::exception             -> AK_EINTERNAL, "internal error: <what()>"
//   anything else                        -> AK_EINTERNAL, "internal error: unknown exception"
// Call only inside a catch block. Never throws: if the message cannot be made, it is left empty.
struct Failure {
  int code;
  std::string message;
};
Failure failure_of_current_exception() noexcept;

}  // namespace ak
