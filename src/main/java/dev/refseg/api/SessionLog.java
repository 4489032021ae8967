package dev.refseg.api;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * The session id that log lines of a call carry: the MDC key {@value #MDC_KEY} (shown by
 * {@code quarkus.log.console.format} as {@code %X{session}}) holds a short random id per call, followed by
 * the client's {@code Start.request_tag} when it gave one ({@code 3fa9c2d1/clip-42}). It is set while the
 * call's work runs on a session worker, so every line those threads log names the call. In the split the
 * gateway sends the id with the call's sidecar session ({@link SidecarPropagation}), and the sidecar's lines
 * for that session carry the same one.
 */
final class SessionLog {
    static final String MDC_KEY = "session";
    /** Code points of the request tag kept in log lines: enough to recognise it, not enough to drown them. */
    static final int MAX_TAG_CHARS = 32;
    /** What {@link #newId} makes. */
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");

    private SessionLog() {
    }

    /** A new call's id: 8 hex digits, unique enough to tell the calls of one log apart. */
    static String newId() {
        return String.format("%08x", ThreadLocalRandom.current().nextInt());
    }

    /**
     * The id a sidecar's lines carry for a session the gateway opened with {@code sent} (null: none sent,
     * e.g. a gateway of an older build): the gateway's id, checked again as {@link #withTag} checks a tag
     * (the header is a peer's text going into every line); a new id when it is not one of ours.
     */
    static String fromGateway(String sent) {
        int slash = sent == null ? -1 : sent.indexOf('/');
        String id = slash < 0 ? sent : sent.substring(0, slash);
        if (id == null || !ID.matcher(id).matches()) {
            return newId();
        }
        // A tag cut by the gateway ends in '…', one code point past the limit: cut and marked here alike.
        return withTag(id, slash < 0 ? null : sent.substring(slash + 1));
    }

    /**
     * The id with the client's tag. The tag is the client's text in every line of the call, so anything
     * but letters, digits and {@code -_.:@} becomes {@code _} (no line breaks or escapes that could forge
     * or garble lines), and it is cut to {@value #MAX_TAG_CHARS} code points.
     */
    static String withTag(String id, String tag) {
        if (tag == null || tag.isEmpty()) {
            return id;
        }
        StringBuilder b = new StringBuilder(id).append('/');
        int[] cps = tag.codePoints().limit(MAX_TAG_CHARS + 1L).toArray();
        for (int i = 0; i < Math.min(cps.length, MAX_TAG_CHARS); i++) {
            int c = cps[i];
            b.appendCodePoint(Character.isLetterOrDigit(c) || "-_.:@".indexOf(c) >= 0 ? c : '_');
        }
        if (cps.length > MAX_TAG_CHARS) {
            b.append('…');
        }
        return b.toString();
    }

    /** Runs {@code work} with {@code session} in the MDC, leaving the thread's MDC as it was found. */
    static void run(String session, Runnable work) {
        Object before = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, session);
        try {
            work.run();
        } finally {
            if (before == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, before);
            }
        }
    }
}
