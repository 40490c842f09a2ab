#pragma once
// Clang's thread-safety annotations; no-ops on other compilers. They state the locking
// contract that a "guarded by" comment used to: `int count_ GUARDED_BY(mu_);` is read and
// written only with `mu_` held. Clang checks them with -Wthread-safety when the mutex type
// is annotated as a capability (std::mutex of libstdc++ is not: there they document).

#if defined(__clang__)
#define FB_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define FB_THREAD_ANNOTATION_(x)
#endif

// The member is accessed only with the given mutex held.
#ifndef GUARDED_BY
#define GUARDED_BY(x) FB_THREAD_ANNOTATION_(guarded_by(x))
#endif

// What the member points to is accessed only with the given mutex held.
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) FB_THREAD_ANNOTATION_(pt_guarded_by(x))
#endif

// The function is called with the given mutexes held.
#ifndef REQUIRES
#define REQUIRES(...) FB_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#endif

// The function is called without the given mutexes held (it takes them itself).
#ifndef EXCLUDES
#define EXCLUDES(...) FB_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#endif
