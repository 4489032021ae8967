package dev.refseg.errors;

/**
 * Checks for the numbers a request carries, used wherever one arrives so that every field is read the
 * same way: a protobuf {@code uint32} lands in a Java {@code int}, so a value of 2³¹ or more reads as
 * negative and must be turned back into its real value before it is compared or reported; a
 * {@code float}/{@code double} may be NaN or infinite, which no range check written as
 * {@code v < lo || v > hi} catches. Every rejection names the field by its full path and shows the
 * value the client sent. Lengths of client strings are told in characters as the client wrote them
 * (Unicode code points): an emoji is one character, though Java holds it as two UTF-16 units.
 */
public final class Fields {
    /** Largest index a frame may carry: frames are counted in Java ints. */
    public static final long MAX_INDEX = Integer.MAX_VALUE;

    private Fields() {
    }

    /** The value a client sent in a {@code uint32} field (0 to 4294967295). */
    public static long unsigned(int raw) {
        return Integer.toUnsignedLong(raw);
    }

    /** The values a client sent in a {@code repeated uint32} field, for messages. */
    public static java.util.List<Long> unsigned(java.util.List<Integer> raw) {
        return raw.stream().map(Fields::unsigned).toList();
    }

    /**
     * A {@code uint32} field that must lie in [lo, hi] (hi at most {@link Integer#MAX_VALUE}).
     *
     * @return the value as an int
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT "field: must be in [lo, hi], got v"
     */
    public static int uint(String field, int raw, long lo, long hi) {
        return uint(field, raw, lo, hi, "");
    }

    /** As {@link #uint(String, int, long, long)}, with {@code why} (e.g. the limit key) after the range. */
    public static int uint(String field, int raw, long lo, long hi, String why) {
        long v = unsigned(raw);
        if (v < lo || v > hi) {
            throw Errors.invalid(field, "must be in [" + lo + ", " + hi + "]" + (why.isEmpty() ? "" : " (" + why + ")")
                    + ", got " + v);
        }
        return (int) v;
    }

    /**
     * A {@code uint32} field bounded by a configured limit.
     *
     * @param what the quantity in words, e.g. "frame width"
     * @throws io.grpc.StatusRuntimeException RESOURCE_EXHAUSTED naming the key and its value when above
     */
    public static int uintLimit(String field, String what, int raw, String limitKey, long limit) {
        long v = unsigned(raw);
        if (v > limit) {
            throw Errors.limit(field, what, v, limitKey, limit);
        }
        return (int) v;
    }

    /** A frame index: 0 to {@link #MAX_INDEX}; INVALID_ARGUMENT with the real value otherwise. */
    public static int index(String field, int raw) {
        return uint(field, raw, 0, MAX_INDEX);
    }

    /** A {@code timestamp_us}: 0 (not given) or positive; INVALID_ARGUMENT "field: is negative (v)" otherwise. */
    public static long timestampUs(String field, long v) {
        if (v < 0) {
            throw Errors.invalid(field, "is negative (" + v + ")");
        }
        return v;
    }

    /** A float that must be finite (not NaN, not ±Infinity); INVALID_ARGUMENT naming the field otherwise. */
    public static float finite(String field, float v) {
        if (!Float.isFinite(v)) {
            throw Errors.invalid(field, "must be a finite number, got " + v);
        }
        return v;
    }

    /** A double that must be finite. */
    public static double finite(String field, double v) {
        if (!Double.isFinite(v)) {
            throw Errors.invalid(field, "must be a finite number, got " + v);
        }
        return v;
    }

    /** A finite float in [lo, hi]; INVALID_ARGUMENT "field: must be a finite number in [lo, hi], got v". */
    public static float range(String field, float v, float lo, float hi) {
        if (!(v >= lo && v <= hi)) { // also false for NaN
            throw Errors.invalid(field, "must be a finite number in [" + lo + ", " + hi + "], got " + v);
        }
        return v;
    }

    /** A finite double in [lo, hi]. */
    public static double range(String field, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw Errors.invalid(field, "must be a finite number in [" + lo + ", " + hi + "], got " + v);
        }
        return v;
    }

    /**
     * A client string of at most {@code max} characters, counted as Unicode code points.
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT "field: is n characters; at most max"
     */
    public static String maxChars(String field, String s, int max) {
        if (s.length() > max) { // a string of at most max UTF-16 units has at most max code points
            int n = s.codePointCount(0, s.length());
            if (n > max) {
                throw Errors.invalid(field, "is " + n + " characters; at most " + max);
            }
        }
        return s;
    }
}
