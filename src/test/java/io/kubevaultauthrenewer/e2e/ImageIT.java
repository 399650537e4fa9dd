package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image, built here by image/build-local.sh (podman, a local Debian Java 17 base, the jar of this
 * build) and run as the manifests run it ({@link ImageContainer}) against the Vault emulator on the host's loopback.
 */
class ImageIT extends AgainstTheEmulator {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final long MEMORY_LIMIT = 128L * 1024 * 1024;

    @BeforeAll
    static void buildTheImage() throws IOException, InterruptedException {
        // the base image is made once and kept in podman's storage; the image from this build's jar every time
        Process build = new ProcessBuilder("image/build-local.sh").inheritIO().start();
        assertThat(build.waitFor(15, TimeUnit.MINUTES))
                .as("image/build-local.sh within 15 min")
                .isTrue();
        assertThat(build.exitValue()).as("image/build-local.sh's exit status").isZero();
    }

    /** The sidecar's environment, with the variables file where the pod mounts it. */
    private Map<String, String> sidecarEnv(int intervalSeconds) {
        Map<String, String> env = renewerEnv(intervalSeconds, false);
        env.put("VARIABLES_FILE", "/env/variables");
        return env;
    }

    /** The test's directory, readable by the container's user 10001 (as the pod's emptyDir is). */
    private String envVolume(String options) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return ImageContainer.volume(dir, "/env", options);
    }

    /** The variable's value, as the app's {@code /bin/sh} reads it when it sources the file. */
    private static String sourced(Path file, String variable) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder("sh", "-c", ". \"$0\" && printf %s \"$" + variable + "\"", file.toString())
                .redirectErrorStream(true)
                .start();
        String value = new String(sh.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).as(value).isZero();
        return value;
    }

    @Test
    void renewsAnswersBothProbesStaysUnderItsMemoryLimitAndStopsWithinFiveSecondsOfSigterm() throws IOException {
        Token token = token(60);
        Lease lease = lease(token, 60);
        writeVariables(token, lease);

        try (ImageContainer renewer = ImageContainer.run(sidecarEnv(60), List.of(envVolume("ro")))) {
            int port = Management.managementPort(renewer);
            renewer.awaitLine("Cycle done", LONG);

            assertThat(vault.requests("/v1/auth/token/renew-self"))
                    .as(renewer.output())
                    .isNotEmpty();
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .extracting(RecordedRequest::leaseId)
                    .containsOnly(lease.id);
            await().atMost(LONG).untilAsserted(() -> {
                assertThat(Management.get(port, "/observe/health/live").status())
                        .isEqualTo(200);
                assertThat(Management.get(port, "/observe/health/ready").status())
                        .isEqualTo(200);
            });

            // the container's own cgroup, as the JVM inside reads it (v2, else v1's memory controller)
            String[] memory = renewer.exec(
                            "sh",
                            "-c",
                            "cd /sys/fs/cgroup && (cat memory.current memory.max 2>/dev/null"
                                    + " || cat memory/memory.usage_in_bytes memory/memory.limit_in_bytes)")
                    .trim()
                    .split("\\s+");
            assertThat(Long.parseLong(memory[1])).as("the cgroup's limit").isEqualTo(MEMORY_LIMIT);
            assertThat(Long.parseLong(memory[0]))
                    .as("the cgroup's usage")
                    .isPositive()
                    .isLessThan(MEMORY_LIMIT);

            long start = System.nanoTime();
            int exit = renewer.stop(Duration.ofSeconds(60));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(exit).as(renewer.output()).isIn(0, 143);
            assertThat(took).as("podman stop to the container's exit").isLessThanOrEqualTo(Duration.ofSeconds(5));
            assertThat(renewer.output()).doesNotContain(token.id, APP_SECRET);
        }
    }

    @Test
    void mapsItsClassDataSharingArchiveAtTheAddressItWasRecordedFor() throws IOException {
        writeVariables(token(3600));

        try (ImageContainer renewer = ImageContainer.run(sidecarEnv(3600), List.of(envVolume("ro")))) {
            renewer.awaitLine("Cycle done", LONG);

            // PID 1 is the JVM: the start script execs it. The JDK's archive at the default SharedBaseAddress, and
            // the image's (the top layer) right above it: neither relocated, so their pages stay shared file pages
            List<String> archives =
                    renewer.exec("grep", "\\.jsa$", "/proc/1/maps").lines().toList();
            assertThat(archives).as("the archives mapped").isNotEmpty();
            assertThat(archives.get(0)).startsWith("800000000-").endsWith("/lib/server/classes.jsa");
            assertThat(archives)
                    .filteredOn(l -> l.endsWith(" /app/kube-vault-auth-renewer.jsa"))
                    .isNotEmpty()
                    .allMatch(l -> l.startsWith("80"), "mapped in the range above the base address");
        }
    }

    @Test
    void initWritesTheVariablesFileIntoTheMountedDirectoryAsUser10001WithMode0640()
            throws IOException, InterruptedException {
        vault.policy("my-app", "database/creds/my-role", "read");
        vault.enableDatabase("database", "my-role", Duration.ofHours(1), Duration.ofHours(24));
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)).policies("my-app"));
        // the pod's emptyDir, writable by the pod's fsGroup
        Path env = Files.createDirectory(dir.resolve("env"));
        Files.setAttribute(env, "unix:uid", 10001);
        Files.setAttribute(env, "unix:gid", 10001);
        Map<String, String> environment = RenewerProcess.env(
                "VAULT_ADDR",
                vault.address(),
                "VAULT_TOKEN",
                token.id,
                "VARIABLES_FILE",
                "/env/variables",
                "SECRET_DB_PASSWORD",
                "database/creds/my-role?password");

        try (ImageContainer init =
                ImageContainer.run(environment, List.of(ImageContainer.volume(env, "/env", "")), "init")) {
            assertThat(init.awaitExit(LONG)).as(init.output()).isZero();

            Path file = env.resolve("variables");
            Lease lease = vault.leasesOf(token).get(0);
            assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(10001);
            assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo(10001);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-r-----");
            assertThat(Files.readString(file)).contains("export LEASE_IDS='" + lease.id + "'");
            assertThat(sourced(file, "DB_PASSWORD"))
                    .as("the secret, as the app's shell reads it")
                    .isEqualTo(vault.credentials(lease.id).get("password"));
            assertThat(init.output())
                    .doesNotContain(token.id, vault.credentials(lease.id).get("password"));
        }
    }
}
