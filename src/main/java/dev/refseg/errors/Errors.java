package dev.refseg.errors;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The statuses refseg answers with. Every message names the field at fault and, for limits, the
 * configuration key and its value, so a client can tell what to change without reading server logs.
 */
public final class Errors {
    private Errors() {
    }

    /** Malformed input: INVALID_ARGUMENT "field: what is wrong". */
    public static StatusRuntimeException invalid(String field, String problem) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + problem).asRuntimeException();
    }

    public static StatusRuntimeException invalid(String field, String problem, Throwable cause) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + problem).withCause(cause).asRuntimeException();
    }

    /** A configured limit was exceeded: RESOURCE_EXHAUSTED naming the field, the value and the limit key. */
    public static StatusRuntimeException limit(String field, String what, long value, String limitKey, long limit) {
        return Status.RESOURCE_EXHAUSTED
                .withDescription(field + ": " + what + " " + value + " exceeds the limit " + limitKey + " = " + limit)
                .asRuntimeException();
    }

    /**
     * The same status, its message naming the field by the path the client sent when it names it by an
     * inner request's path: a message starting with {@code inner} (e.g. "prompts[") starts with
     * {@code outer} (e.g. "start.prompts[") instead; any other message is left as it is.
     */
    public static StatusRuntimeException atClientPath(StatusRuntimeException e, String inner, String outer) {
        String d = e.getStatus().getDescription();
        if (d == null || !d.startsWith(inner)) {
            return e;
        }
        return new StatusRuntimeException(e.getStatus().withDescription(outer + d.substring(inner.length())),
                e.getTrailers());
    }

    public static StatusRuntimeException precondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }

    /** A part of the contract this build does not serve yet: UNIMPLEMENTED "field: what instead". */
    public static StatusRuntimeException unimplemented(String field, String problem) {
        return Status.UNIMPLEMENTED.withDescription(field + ": " + problem).asRuntimeException();
    }

    public static StatusRuntimeException unavailable(String message, Throwable cause) {
        return Status.UNAVAILABLE.withDescription(message).withCause(cause).asRuntimeException();
    }

    public static StatusRuntimeException internal(String message, Throwable cause) {
        return Status.INTERNAL.withDescription(message).withCause(cause).asRuntimeException();
    }

    /**
     * The status a call ends with when its work threw an Error instead of an exception: out of memory
     * (typically direct buffer memory, which the JVM caps at the heap size unless -XX:MaxDirectMemorySize
     * says otherwise) is RESOURCE_EXHAUSTED, since other calls go on once this one's memory is freed;
     * anything else INTERNAL.
     */
    public static StatusRuntimeException ofError(Error e) {
        if (e instanceof OutOfMemoryError) {
            return Status.RESOURCE_EXHAUSTED.withDescription("server memory: " + e.getMessage()
                    + "; this call was ended and its memory freed (fewer concurrent calls, or a larger memory budget, "
                    + "see README \"scripts/refseg\")").withCause(e).asRuntimeException();
        }
        return internal("internal error: " + e, e);
    }
}
