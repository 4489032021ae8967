package dev.refseg.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The sending side of a server stream, with flow control: {@link #send} waits while the transport is
 * not ready (the client reads slower than we produce), instead of letting gRPC buffer without bound.
 * Must be created inside the service method, where the on-ready handler can still be registered.
 */
final class CallOutput<T> {
    private final ServerCallStreamObserver<T> out;
    private final Object lock = new Object();
    private boolean closed;
    private volatile boolean cancelled;

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

    boolean isCancelled() {
        return cancelled;
    }

    /** Sends one message, waiting for the transport to be ready. Throws CANCELLED if the client left. */
    void send(T message) {
        synchronized (lock) {
            while (!out.isReady() && !cancelled && !closed) {
                try {
                    lock.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
                }
            }
            if (cancelled) {
                throw Status.CANCELLED.withDescription("the client cancelled the call").asRuntimeException();
            }
            if (closed) {
                return;
            }
            out.onNext(message);
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
        if (!cancelled) {
            out.request(n);
        }
    }
}
