package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevaultauthrenewer.emulator.HostilePeer;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Delay;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
