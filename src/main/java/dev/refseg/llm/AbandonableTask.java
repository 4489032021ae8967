package dev.refseg.llm;

import java.util.concurrent.ThreadPoolExecutor;

/**
 * One question on {@link GuardedLlm}'s pool that its caller may abandon: still queued, it is taken off
 * the queue (so it does not hold a queue place until a thread reaches it); running, its thread is
 * interrupted, which aborts the HTTP request or the backoff wait it is in. The interrupt never outlives
 * the task, so it cannot hit the next question the pool thread takes.
 */
final class AbandonableTask implements Runnable {
    private final ThreadPoolExecutor pool;
    private final Runnable work;
    private Thread runner;
    private boolean abandoned;

    AbandonableTask(ThreadPoolExecutor pool, Runnable work) {
        this.pool = pool;
        this.work = work;
    }

    @Override
    public void run() {
        synchronized (this) {
            if (abandoned) {
                return;
            }
            runner = Thread.currentThread();
        }
        try {
            work.run();
        } finally {
            synchronized (this) {
                runner = null;
                Thread.interrupted(); // an abandon() that raced with the end of the work
            }
        }
    }

    /** Gives the task up: off the queue, or its thread interrupted. Safe from any thread, more than once. */
    void abandon() {
        synchronized (this) {
            abandoned = true;
            if (runner != null) {
                runner.interrupt();
            }
        }
        pool.remove(this);
    }
}
