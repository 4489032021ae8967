package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The session id a sidecar takes from the gateway's header: the gateway's own, or a new one; never forged lines. */
class SessionLogTest {
    @Test
    void aGatewaysIdIsKeptAsItIs() {
        assertEquals("3fa9c2d1", SessionLog.fromGateway("3fa9c2d1"));
        String cut = SessionLog.withTag("3fa9c2d1", "clip-été/" + "0123456789".repeat(4));
        assertTrue(cut.endsWith("…"), cut);
        assertEquals(cut, SessionLog.fromGateway(cut));
    }

    @Test
    void anythingElseIsMadeHarmlessOrReplaced() {
        assertEquals("3fa9c2d1/clip_42_forged_line", SessionLog.fromGateway("3fa9c2d1/clip 42\nforged line"));
        for (String sent : new String[] {null, "", "3FA9C2D1", "3fa9c2d", "x\n2026-11-30 INFO forged/3fa9c2d1"}) {
            String id = SessionLog.fromGateway(sent);
            assertTrue(id.matches("[0-9a-f]{8}"), sent + " -> " + id);
        }
    }
}
