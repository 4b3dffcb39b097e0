// See second_thread.h. The handover: the caller writes the job, publishes a ticket under the mutex and
// signals; the thread runs its half and publishes the ticket back the same way. Either side first spins
// for a short while (the check and the write of one update follow each other within microseconds, and
// a condition variable's wake-up costs tens of microseconds on a loaded machine), then sleeps.
//
// The sleeping is POSIX's condition variable, not std::condition_variable: GCC 12's libstdc++ exports
// std::condition_variable::wait at GLIBCXX_3.4.30, and the prebuilt binary must load in Node 20, whose own
// libstdc++ floor is GLIBCXX_3.4.21 (tools/prebuild.js refuses the binary otherwise).
#include "second_thread.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace blasnet::kernels {
namespace {

// How long either side spins before it sleeps.
constexpr std::chrono::microseconds kSpin(50);

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class SecondThread {
 public:
  ~SecondThread() {
    if (!started_) return;
    pthread_mutex_lock(&mutex_);
    stop_.store(true, std::memory_order_relaxed);
    pthread_mutex_unlock(&mutex_);
    pthread_cond_signal(&wake_);
    pthread_join(thread_, nullptr);
  }

  bool run(size_t n, SplitBody body, void* context) {
    // One caller at a time (JS worker threads share the addon); the others do their whole loop alone.
    std::unique_lock<std::mutex> turn(callers_, std::try_to_lock);
    if (!turn.owns_lock() || !start()) return body(context, 0, n);
    const size_t split = (n / 2) & ~size_t(63);
    body_ = body;
    context_ = context;
    begin_ = split;
    end_ = n;
    const uint64_t ticket = ++tickets_;
    pthread_mutex_lock(&mutex_);
    posted_.store(ticket, std::memory_order_release);
    pthread_mutex_unlock(&mutex_);
    pthread_cond_signal(&wake_);
    const bool first = body(context, 0, split);
    waitFor(done_, ticket, &done_cv_);
    return first && result_;
  }

 private:
  // Made on first use; false (and everything stays on the caller) if the system refuses a thread.
  bool start() {
    if (started_) return true;
    if (failed_) return false;
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) return failed_ = true, false;
    // The loops need little stack; the default 8 MiB would only be address space, but say so.
    pthread_attr_setstacksize(&attributes, size_t(1) << 20);
    // Signals go to node's own threads: this one blocks them all (the mask is inherited at creation).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    const int error = pthread_create(&thread_, &attributes, &SecondThread::main, this);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    pthread_attr_destroy(&attributes);
    if (error != 0) return failed_ = true, false;
    return started_ = true;
  }

  // Spins, then sleeps, until `counter` reaches `ticket` (or stop_ is set).
  void waitFor(std::atomic<uint64_t>& counter, uint64_t ticket, pthread_cond_t* cv) {
    const auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (unsigned spins = 1;; ++spins) {
      if (counter.load(std::memory_order_acquire) == ticket || stop_.load(std::memory_order_relaxed)) return;
      if (spins % 64 == 0 && std::chrono::steady_clock::now() > deadline) break;
      relax();
    }
    pthread_mutex_lock(&mutex_);
    while (counter.load(std::memory_order_acquire) != ticket && !stop_.load(std::memory_order_relaxed)) {
      pthread_cond_wait(cv, &mutex_);
    }
    pthread_mutex_unlock(&mutex_);
  }

  static void* main(void* self) {
    static_cast<SecondThread*>(self)->serve();
    return nullptr;
  }

  void serve() {
    uint64_t ticket = 0;
    for (;;) {
      waitFor(posted_, ticket + 1, &wake_);
      if (stop_.load(std::memory_order_relaxed)) return;
      ++ticket;
      const bool result = body_(context_, begin_, end_);
      result_ = result;
      pthread_mutex_lock(&mutex_);
      done_.store(ticket, std::memory_order_release);
      pthread_mutex_unlock(&mutex_);
      pthread_cond_signal(&done_cv_);
    }
  }

  std::mutex callers_;
  bool started_ = false, failed_ = false;
  pthread_t thread_{};
  // The job: written by the caller before posted_ is published, read by the thread after it sees it.
  SplitBody body_ = nullptr;
  void* context_ = nullptr;
  size_t begin_ = 0, end_ = 0;
  bool result_ = true;  // written by the thread before done_ is published
  uint64_t tickets_ = 0;
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake_ = PTHREAD_COND_INITIALIZER, done_cv_ = PTHREAD_COND_INITIALIZER;
  std::atomic<uint64_t> posted_{0}, done_{0};
  std::atomic<bool> stop_{false};
};

SecondThread& secondThread() {
  static SecondThread instance;
  return instance;
}

}  // namespace

bool runOnTwoThreads(size_t n, SplitBody body, void* context) { return secondThread().run(n, body, context); }

}  // namespace blasnet::kernels
