// status.cpp -- status texts from AK_STATUS_MAP, and which code an exception becomes (status.hpp).
#include "base/status.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <system_error>

#include "base/assert.hpp"

namespace ak {

const char* status_text(int code) noexcept {
  switch (code) {
#define AK_STATUS_TEXT_(name, value, text)                                                         \
  case value:                                                                                      \
    return text;
    AK_STATUS_MAP(AK_STATUS_TEXT_)
#undef AK_STATUS_TEXT_
    default:
      return code > 0 ? "work-defined error" : "unknown error";
  }
}

Failure failure_of_current_exception() noexcept {
  Failure f{AK_EINTERNAL, {}};
  try {
    try {
      throw;
    } catch (const std::bad_alloc&) {
      f.code = AK_ENOMEM;
      f.message = "out of memory";
    } catch (const std::system_error& e) {
      if (e.code() == std::errc::resource_unavailable_try_again) {
        f.code = AK_ENOMEM;
        f.message = std::string("could not start a thread: ") + e.what();
      } else {
        f.message = std::string("internal error: ") + e.what();
      }
    } catch (const std::exception& e) {
      f.message = std::string("internal error: ") + e.what();
    } catch (...) {
      f.message = "internal error: unknown exception";
    }
  } catch (...) {  // the message itself could not be made: the code still stands
    f.message.clear();
  }
  return f;
}

void assert_failed(const char* condition, const char* file, int line) noexcept {
  std::fprintf(stderr, "asynckit: internal invariant broken: %s (%s:%d)\n", condition, file, line);
  std::abort();
}

}  // namespace ak
