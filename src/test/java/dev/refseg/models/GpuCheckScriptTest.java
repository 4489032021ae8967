package dev.refseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/gpu-check.sh as it behaves here and on a GPU host: its syntax, the "no NVIDIA GPU" refusal (exit 2)
 * on this GPU-less machine, its reading of nvidia-smi (through a stand-in that answers as a driver would or
 * as a missing driver does), and its comparison of real {@code refseg models} outputs, where CUDA asked for
 * and not loaded (as in this CPU build) fails the check.
 */
class GpuCheckScriptTest {
    static final Path SCRIPT = Path.of("scripts/gpu-check.sh");
    static final long TIMEOUT_S = 60;

    @TempDir
    Path tmp;

    record Result(int exitCode, String output) {
    }

    /** Runs bash with the arguments in the project folder; {@code pathFirst} (or null) goes before the PATH. */
    private static Result bash(Path pathFirst, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (pathFirst != null) {
            Map<String, String> env = pb.environment();
            env.put("PATH", pathFirst + File.pathSeparator + env.get("PATH"));
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "bash " + args[0] + " did not end");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The folder holding an executable of that name on the PATH, or null. */
    private static Path onPath(String name) {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir);
            }
        }
        return null;
    }

    /** A stand-in nvidia-smi in its own folder, running the given bash body. */
    private Path fakeNvidiaSmi(String body) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bin-" + Integer.toHexString(body.hashCode())));
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, "#!/usr/bin/env bash\n" + body + "\n");
        assertTrue(smi.toFile().setExecutable(true));
        return dir;
    }

    @Test
    void theScriptParsesAndPassesShellcheckWhereInstalled() throws Exception {
        Result syntax = bash(null, "-n", SCRIPT.toString());
        assertEquals(0, syntax.exitCode(), syntax.output());
        if (onPath("shellcheck") != null) {
            ProcessBuilder pb = new ProcessBuilder("shellcheck", SCRIPT.toString()).redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
        }
    }

    /**
     * The whole script, as it is: on this machine there is no nvidia-smi, so it says so and exits 2 before
     * building anything. Where an nvidia-smi is installed, only the probe is run (the full check downloads
     * 642 MB and builds), and its answer must agree with nvidia-smi's own.
     */
    @Test
    void withoutAnNvidiaGpuItSaysSoAndExits2() throws Exception {
        if (onPath("nvidia-smi") == null) {
            Result r = bash(null, SCRIPT.toString());
            assertEquals(2, r.exitCode(), r.output());
            assertTrue(r.output().startsWith("no NVIDIA GPU: nvidia-smi is not on the PATH"), r.output());
            assertFalse(r.output().contains("building"), "nothing is built without a GPU: " + r.output());
        } else {
            Result r = bash(null, SCRIPT.toString(), "--probe");
            Process smi = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            smi.getInputStream().readAllBytes();
            assertTrue(smi.waitFor(TIMEOUT_S, TimeUnit.SECONDS));
            boolean gpu = smi.exitValue() == 0;
            assertEquals(gpu ? 0 : 2, r.exitCode(), r.output());
            assertTrue(r.output().startsWith(gpu ? "GPU " : "no NVIDIA GPU: "), r.output());
        }
    }

    @Test
    void anNvidiaSmiWithoutADriverIsNoGpu() throws Exception {
        Path bin = fakeNvidiaSmi("echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
                + "driver. Make sure that the latest NVIDIA driver is installed and running.\"\nexit 9");
        Result r = bash(bin, SCRIPT.toString(), "--skip-build");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("no NVIDIA GPU: nvidia-smi failed (exit 9): NVIDIA-SMI has failed because "
                + "it couldn't communicate with the NVIDIA driver."), r.output());

        r = bash(fakeNvidiaSmi("exit 0"), SCRIPT.toString(), "--probe");
        assertEquals(2, r.exitCode(), r.output());
        assertEquals("no NVIDIA GPU: nvidia-smi lists none\n", r.output());
    }

    @Test
    void theProbeNamesTheGpuTheDriverAndCuda() throws Exception {
        Path bin = fakeNvidiaSmi("""
                case "$*" in
                  *--query-gpu=index,name,driver_version,memory.total*)
                    echo "0, NVIDIA H200, 560.35.03, 143771 MiB"; echo "1, NVIDIA L4, 560.35.03, 23034 MiB" ;;
                  "") echo "| NVIDIA-SMI 560.35.03    Driver Version: 560.35.03    CUDA Version: 12.6 |" ;;
                  *) exit 1 ;;
                esac""");
        Result r = bash(bin, SCRIPT.toString(), "--probe");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("GPU 0: NVIDIA H200, driver 560.35.03, 143771 MiB\n"
                + "GPU 1: NVIDIA L4, driver 560.35.03, 23034 MiB\n"
                + "CUDA Version: 12.6 (the newest the driver takes; ONNX Runtime 1.29 needs 12.x)\n"), r.output());
    }

    @Test
    void badArgumentsExit2WithTheUsage() throws Exception {
        Result r = bash(null, SCRIPT.toString(), "--runs", "0");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("--runs must be a whole number from 1 to 1000, not 0"), r.output());
        r = bash(null, SCRIPT.toString(), "--provider", "cuda");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("unknown argument --provider") && r.output().contains("usage: scripts/gpu-check.sh"),
                r.output());
    }

    /** Saves one {@code refseg models} run the way the script does: its output and its exit code. */
    private void models(Path out, Path fixtures, String providers) throws IOException {
        TestModels.Run run = TestModels.models("--dir", fixtures.toString(), "--providers", providers, "--runs", "2");
        String name = "models-" + providers.replace(',', '-');
        Files.writeString(out.resolve(name + ".txt"), run.output());
        Files.writeString(out.resolve(name + ".rc"), run.exitCode() + "\n");
    }

    /**
     * The comparison, from real outputs of the models command on the fixtures: in this CPU build CUDA and
     * TensorRT do not load, so every graph ran on the CPU whatever was asked, and the check fails naming
     * CUDA; with the CPU list alone it passes.
     */
    @Test
    void theReportComparesTheListsAndFailsWhenCudaDidNotLoad() throws Exception {
        Path fixtures = Files.createDirectories(tmp.resolve("fixtures"));
        FixtureModels.writeAll(fixtures);
        Path cpuOnly = Files.createDirectories(tmp.resolve("cpu-only"));
        models(cpuOnly, fixtures, "cpu");
        Result pass = bash(null, SCRIPT.toString(), "--report", cpuOnly.toString());
        assertEquals(0, pass.exitCode(), pass.output());
        List<String> lines = pass.output().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("graph ")).findFirst().orElseThrow());
        assertTrue(lines.get(header).matches("graph +cpu \\[cpu\\]"), lines.get(header));
        List<String> graphs = List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_encoder",
                "sam2.memory_attention", "gdino.detector", "audio.tagger");
        for (int i = 0; i < graphs.size(); i++) {
            String row = lines.get(header + 1 + i);
            assertTrue(row.matches(java.util.regex.Pattern.quote(graphs.get(i))
                    + " +\\d+\\.\\d \\(\\d+\\.\\d\\) CPU \\d+"), row);
        }

        Path all = Files.createDirectories(tmp.resolve("all"));
        for (String providers : List.of("tensorrt,cuda,cpu", "cuda,cpu", "cpu")) {
            models(all, fixtures, providers);
        }
        Result fail = bash(null, SCRIPT.toString(), "--report", all.toString());
        assertEquals(1, fail.exitCode(), fail.output());
        assertTrue(fail.output().contains("--providers cuda,cpu: warning: execution provider cuda was requested but "
                + "could not be loaded: "), fail.output());
        assertTrue(fail.output().contains("FAILED: --providers cuda,cpu asked for CUDA and it did not load (loaded: "
                + "[cpu];"), fail.output());
        assertTrue(fail.output().contains("FAILED: --providers tensorrt,cuda,cpu asked for CUDA"), fail.output());
        assertTrue(fail.output().contains("note: TensorRT did not load for --providers tensorrt,cuda,cpu"),
                fail.output());
        String table = fail.output().substring(fail.output().indexOf("\ngraph ") + 1);
        assertTrue(table.lines().findFirst().orElseThrow()
                .matches("graph +tensorrt,cuda,cpu \\[cpu\\] +cuda,cpu \\[cpu\\] +cpu \\[cpu\\]"), table);
        String encoder = table.lines().filter(l -> l.startsWith("sam2.image_encoder ")).findFirst().orElseThrow();
        assertTrue(encoder.matches("sam2\\.image_encoder( +\\d+\\.\\d \\(\\d+\\.\\d\\) CPU \\d+){3}"), encoder);

        Result none = bash(null, SCRIPT.toString(), "--report", tmp.resolve("fixtures").toString());
        assertEquals(1, none.exitCode(), none.output());
        assertTrue(none.output().contains("no refseg models output (models-*.txt) in "), none.output());
    }
}
