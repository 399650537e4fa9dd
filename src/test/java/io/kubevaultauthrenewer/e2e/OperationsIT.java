package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevaultauthrenewer.emulator.HostilePeer;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Delay;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The stop on SIGTERM, as the kubelet sends it: only a process shows it. What operators see while the renewer runs
 * (probes, JMX, metrics, route files) is in {@code routes/OperationsRouteTest}.
 */
class OperationsIT extends AgainstTheEmulator {

    private static final Duration LONG = Duration.ofSeconds(60);

    private Map<String, String> sidecarEnv(int intervalSeconds, String... more) {
        Map<String, String> env = renewerEnv(intervalSeconds, false);
        env.putAll(RenewerProcess.env(more));
        return env;
    }

    /** Sends SIGTERM; the process must exit 0 or 143 (the signal's) within 5 s. */
    private static void exitsWithinFiveSecondsOfSigterm(RenewerProcess renewer) {
        long start = System.nanoTime();
        int exit = renewer.stop(Duration.ofSeconds(30));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).as(renewer.output()).isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(exit).isIn(0, 143);
    }

    @Test
    void exitsWithinFiveSecondsOfSigtermWithACycleInFlight() throws IOException {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));
        vault.inject("lookup-self", 1, new Delay(Duration.ofSeconds(60)));

        try (RenewerProcess renewer = RenewerProcess.start(sidecarEnv(1))) {
            renewer.awaitLine("Started renewal-cycle", LONG);
            await().atMost(LONG).until(() -> vault.arrivals() >= 1);

            exitsWithinFiveSecondsOfSigterm(renewer);
            assertThat(vault.requests("/v1/auth/token/revoke-self")).isEmpty();
        }
    }

    @Test
    void exitsWithinFiveSecondsOfSigtermWhileVaultDripsItsAnswer() throws IOException {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));

        try (HostilePeer dripping = HostilePeer.start(HostilePeer.Mode.DRIPS);
                RenewerProcess renewer = RenewerProcess.start(sidecarEnv(1, "VAULT_ADDR", dripping.url()))) {
            // the lookup's headers came, and its body has been dripping past a read or two
            await().atMost(LONG).until(() -> dripping.bodyBytesWritten() >= 2);

            exitsWithinFiveSecondsOfSigterm(renewer);
        }
    }

    @Test
    void keepsRenewingWithTheImagesSmallHeapWhenTheVariablesFileGrowsTo28MibMidRun() throws IOException {
        Token token = token(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);

        // no JVM options of the test's own: the bin/ script's defaults, the image's heap (-Xmx48m)
        try (RenewerProcess renewer = RenewerProcess.start(sidecarEnv(1))) {
            renewer.awaitLine("Cycle done", LONG);

            // the app (or a bad init) appends 28 MiB to the file the renewer reads every cycle
            byte[] chunk = "x".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
            try (OutputStream out = Files.newOutputStream(variables, StandardOpenOption.APPEND)) {
                out.write("export BLOB='".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 28; i++) {
                    out.write(chunk);
                }
                out.write("'\n".getBytes(StandardCharsets.US_ASCII));
            }
            renewer.awaitLine(Pattern.quote("more than the 1048576 bytes (1 MiB) a variables file may have"), LONG);
            int lookupsAtTheError = vault.requests("/v1/sys/leases/lookup").size();
            int tokenLookupsAtTheError =
                    vault.requests("/v1/auth/token/lookup-self").size();

            await().atMost(LONG)
                    .untilAsserted(() -> assertThat(vault.requests("/v1/sys/leases/lookup"))
                            .as(renewer.output())
                            .hasSizeGreaterThanOrEqualTo(lookupsAtTheError + 2));
            assertThat(vault.requests("/v1/sys/leases/lookup").subList(lookupsAtTheError, lookupsAtTheError + 2))
                    .as("the lease read before the growth, still watched")
                    .extracting(RecordedRequest::leaseId)
                    .containsOnly(lease.id);
            assertThat(vault.requests("/v1/auth/token/lookup-self")).hasSizeGreaterThan(tokenLookupsAtTheError);
            assertThat(renewer.isAlive()).as(renewer.output()).isTrue();
            assertThat(renewer.linesWith(" ERROR "))
                    .first()
                    .asString()
                    .contains(variables + " is 29360" /* and some bytes: the lines before */)
                    .endsWith("more than the 1048576 bytes (1 MiB) a variables file may have: not read; this cycle goes"
                            + " on with the token and lease ids read before");
            assertThat(renewer.output()).doesNotContain("OutOfMemoryError");
        }
    }

    @Test
    void revokesTheLeasesAndThenTheTokenOnSigtermWhenAskedTo() throws IOException {
        Token token = token(3600);
        Lease first = lease(token, 3600);
        Lease second = lease(token, 3600);
        writeVariables(token, first, second);

        try (RenewerProcess renewer = RenewerProcess.start(sidecarEnv(600, "REVOKE_ON_SHUTDOWN", "true"))) {
            renewer.awaitLine("Cycle done", LONG);

            int exit = renewer.stop(Duration.ofSeconds(30));

            assertThat(exit).isIn(0, 143);
            List<String> calls = vault.requests().stream()
                    .filter(r -> r.path().contains("revoke"))
                    .map(r -> r.path() + " " + (r.leaseId() == null ? "" : r.leaseId()) + " " + r.status())
                    .toList();
            assertThat(calls)
                    .containsExactly(
                            "/v1/sys/leases/revoke " + first.id + " 204",
                            "/v1/sys/leases/revoke " + second.id + " 204",
                            "/v1/auth/token/revoke-self  204");
            assertThat(vault.isAlive(token)).isFalse();
            assertThat(renewer.output())
                    .contains("Lease " + first.id + " revoked")
                    .contains("Token (accessor " + token.accessor + ") revoked");
        }
    }
}
