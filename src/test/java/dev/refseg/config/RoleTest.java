package dev.refseg.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoleTest {
    @Test
    void onlyEmbeddedRunsInThisBuild() {
        assertDoesNotThrow(() -> RefsegBeans.requireRunnableRole(Role.EMBEDDED));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RefsegBeans.requireRunnableRole(Role.GATEWAY));
        assertTrue(e.getMessage().contains("refseg.role=gateway"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> RefsegBeans.requireRunnableRole(Role.INFERENCE));
    }
}
