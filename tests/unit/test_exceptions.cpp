// Which code a C++ exception becomes (base/status.hpp): never a wrong one. AK_ENOMEM only for
// memory and for threads the system cannot give; anything else is AK_EINTERNAL, with what() in
// the message.
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include "base/status.hpp"

namespace {

template <typename E>
ak::Failure failure_of(E&& e) {
  try {
    throw std::forward<E>(e);
  } catch (...) {
    return ak::failure_of_current_exception();
  }
}

TEST(Exceptions, BadAllocIsOutOfMemory) {
  const ak::Failure f = failure_of(std::bad_alloc());
  EXPECT_EQ(f.code, AK_ENOMEM);
  EXPECT_EQ(f.message, "out of memory");
}

TEST(Exceptions, AThreadTheSystemCannotGiveIsOutOfMemoryAndSaysSo) {
  const ak::Failure f = failure_of(std::system_error(
      std::make_error_code(std::errc::resource_unavailable_try_again), "pthread_create"));
  EXPECT_EQ(f.code, AK_ENOMEM);
  EXPECT_EQ(f.message.rfind("could not start a thread: pthread_create", 0), 0u) << f.message;
}

TEST(Exceptions, OtherSystemErrorsAreInternalErrors) {
  const ak::Failure f =
      failure_of(std::system_error(std::make_error_code(std::errc::invalid_argument), "lock"));
  EXPECT_EQ(f.code, AK_EINTERNAL);
  EXPECT_EQ(f.message.rfind("internal error: lock", 0), 0u) << f.message;
}

TEST(Exceptions, AnyOtherStdExceptionIsAnInternalErrorCarryingWhat) {
  const ak::Failure f = failure_of(std::logic_error("index out of range"));
  EXPECT_EQ(f.code, AK_EINTERNAL);
  EXPECT_EQ(f.message, "internal error: index out of range");
}

TEST(Exceptions, ANonStandardExceptionIsAnInternalError) {
  const ak::Failure f = failure_of(42);
  EXPECT_EQ(f.code, AK_EINTERNAL);
  EXPECT_EQ(f.message, "internal error: unknown exception");
}

TEST(Exceptions, StatusTextsAreTheHeadersOwn) {
  EXPECT_STREQ(ak::status_text(AK_EINTERNAL), "internal error");
  EXPECT_STREQ(ak::status_text(AK_ENOMEM), "out of memory");
  EXPECT_STREQ(ak::status_text(3), "work-defined error");
  EXPECT_STREQ(ak::status_text(-100), "unknown error");
}

}  // namespace
