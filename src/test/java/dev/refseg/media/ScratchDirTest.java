package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scratch files of processes that died are removed at start; a live process's are not. */
class ScratchDirTest {
    @Test
    void staleDirectoriesGoLiveOnesStay(@TempDir Path work) throws Exception {
        Path stale = Files.createDirectory(work.resolve("refseg-123"));
        Files.createFile(stale.resolve(".lock"));
        Files.write(Files.createDirectory(stale.resolve("session9")).resolve("media.spool"), new byte[1000]);
        Path unrelated = Files.createDirectory(work.resolve("something-else"));
        try (ScratchDir live = ScratchDir.create(work)) {
            assertFalse(Files.exists(stale), "a dead process's scratch files are removed");
            assertTrue(Files.exists(unrelated), "only refseg-* directories are touched");
            try (ScratchDir second = ScratchDir.create(work)) {
                assertTrue(Files.exists(live.path()), "a live process's directory stays");
                assertTrue(Files.isDirectory(second.path()));
            }
            assertTrue(Files.exists(live.path()));
        }
        try (var left = Files.list(work)) {
            assertTrue(left.allMatch(p -> p.equals(unrelated)), "closed directories are removed");
        }
    }
}
