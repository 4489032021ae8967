package dev.refseg.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The sending side of a server stream, with flow control: {@link #send} waits while the transport is
 * not ready (the client reads slower than we produce), instead of letting gRPC buffer without bound.
 * How long it has been waiting is visible to the {@link CallWatchdog} ({@link #blockedSince()}), and
 * {@link #abort()} ends the wait. Must be created inside the service method, where the on-ready handler
 * can still be registered.
 */
final class CallOutput<T> {
    private final ServerCallStreamObserver<T> out;
    private final Object lock = new Object();
    private boolean closed;
    private volatile boolean cancelled;
    private volatile boolean aborted;
    /** When a send started waiting for the transport (nanoTime), or 0. */
    private volatile long blockedSince;

    CallOutput(ServerCallStreamObserver<T> out, Runnable onCancel) {
        this.out = out;
        out.setOnReadyHandler(() -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        });
        out.setOnCancelHandler(() -> {
            cancelled = true;
            synchronized (lock) {
                lock.notifyAll();
            }
            onCancel.run();
        });
    }

    /** True once the client cancelled or the call is being ended from outside (work should stop). */
    boolean isCancelled() {
        return cancelled || aborted;
    }

    long blockedSince() {
        return blockedSince;
    }

    /**
     * Sends one message, waiting for the transport to be ready. Throws CANCELLED if the client left or
     * the call is being ended.
     */
    void send(T message) {
        synchronized (lock) {
            try {
                while (!out.isReady() && !cancelled && !aborted && !closed) {
                    if (blockedSince == 0) {
                        blockedSince = System.nanoTime();
                    }
                    try {
                        lock.wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
                    }
                }
            } finally {
                blockedSince = 0;
            }
            if (cancelled || aborted) {
                throw Status.CANCELLED.withDescription(cancelled ? "the client cancelled the call"
                        : "the call is being ended").asRuntimeException();
            }
            if (closed) {
                return;
            }
            out.onNext(message);
        }
    }

    /** Ends any wait in {@link #send}, from any thread; the call is then ended with {@link #fail}. */
    void abort() {
        aborted = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    void complete() {
        synchronized (lock) {
            if (!closed && !cancelled) {
                closed = true;
                out.onCompleted();
            }
        }
    }

    void fail(StatusRuntimeException e) {
        synchronized (lock) {
            if (!closed && !cancelled) {
                closed = true;
                out.onError(e);
            }
        }
    }

    void request(int n) {
        if (!cancelled && !aborted) {
            out.request(n);
        }
    }
}
