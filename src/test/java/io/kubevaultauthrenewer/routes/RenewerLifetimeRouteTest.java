package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The renewer running as a sidecar does, cycle after cycle, against Vault's clock, outages and rewrites. */
class RenewerLifetimeRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);

    private Map<String, String> sidecarEnv(int intervalSeconds) {
        return renewerEnv(intervalSeconds, false);
    }

    @Test
    void keepsTheTokenAndEveryLeaseAliveOverManyTtls() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(5)));
        List<Lease> leases = List.of(lease(token, 5), lease(token, 5), lease(token, 5));
        writeVariables(token, leases.toArray(Lease[]::new));

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(1))) {
            // four renewals of a 5 s lease span more than three of its TTLs
            // the token and the leases are renewed on their own phases: wait for four renewals of each
            renewer.awaitUntil(
                    () -> vault.renewals(token) >= 4 && leases.stream().allMatch(l -> vault.renewals(l) >= 4), LONG);

            assertThat(vault.isAlive(token)).isTrue();
            assertThat(leases).allMatch(vault::isAlive);
            assertThat(vault.renewals(token)).isGreaterThanOrEqualTo(4);
            assertThat(renewer.linesWith(" ERROR ")).isEmpty();
            assertThat(renewer.linesWith(" WARN ")).isEmpty();
            assertThat(renewer.isAlive()).isTrue();
        }
    }

    @Test
    void keepsALeaseWithATtlShorterThanTheIntervalAliveWithEarlyChecks() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(3)));
        Lease lease = lease(token, 6);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(3600))) {
            // a 6 s lease with checks an hour apart: only the early checks keep it
            renewer.awaitUntil(() -> vault.renewals(lease) >= 4, LONG);

            assertThat(vault.isAlive(lease)).isTrue();
            assertThat(renewer.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + lease.id + " has a TTL of ")
                    .contains("shorter than 2 x RENEW_INTERVAL (1h)");
            // the renewal is seen at Vault a moment before the renewer logs the check done
            renewer.awaitLines("Early check done", 3, LONG);
            assertThat(renewer.linesWith(" ERROR ")).isEmpty();
        }
    }

    @Test
    void readsTheVariablesFileAgainEveryCycle() throws IOException {
        Token first = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Lease firstLease = lease(first, 3600);
        writeVariables(first, firstLease);

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(1))) {
            renewer.awaitLine("Cycle done", LONG);
            Token second = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
            Lease secondLease = lease(second, 3600);
            writeVariables(second, secondLease);

            renewer.awaitUntil(
                    () -> vault.requests("/v1/sys/leases/lookup").stream()
                            .anyMatch(r ->
                                    secondLease.id.equals(r.leaseId()) && second.id.equals(r.header("X-Vault-Token"))),
                    LONG);
            assertThat(renewer.output()).contains("Switched to a token", "Watching 1 lease(s): " + secondLease.id);
        }
    }

    @Test
    void keepsTheCredentialsReadBeforeWhenTheFileIsHalfWritten() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(5)));
        Lease lease = lease(token, 5);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(1))) {
            renewer.awaitLine("Cycle done", LONG);
            Files.writeString(variables, "export VAULT_TOKEN=\"hvs.half-writ");
            renewer.awaitLine(
                    "ERROR .*" + Pattern.quote(variables + " line 1: the double quote opened there is never closed"),
                    LONG);
            int renewals = vault.renewals(lease);
            renewer.awaitUntil(() -> vault.renewals(lease) >= renewals + 3, LONG);

            assertThat(vault.isAlive(lease)).isTrue();
            assertThat(renewer.output()).contains("this cycle goes on with the token and lease ids read before");
        }
    }

    @Test
    void keepsRunningWhileAnAcceptedTokenIsRejectedAndRecoversWithANewOne() throws IOException {
        Token revoked = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        writeVariables(revoked);

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(1))) {
            renewer.awaitLine("Cycle done .*: token not due", LONG);
            vault.revokeToken(revoked);
            renewer.awaitLines("ERROR .*HTTP 403: permission denied", 2, LONG);
            assertThat(renewer.isAlive())
                    .as("a token Vault accepted before: a new one may come in the file")
                    .isTrue();

            Token fresh = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(30)));
            // the cycles before the revocation logged "token not due" already: the recovery is a line after the fault
            int rejected = renewer.mark();
            writeVariables(fresh);
            renewer.awaitLineAfter(rejected, "Cycle done .*: token (renewed|not due)", LONG);
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .as("the new token looked up at Vault")
                    .anySatisfy(r -> assertThat(r.header("X-Vault-Token")).isEqualTo(fresh.id));
        }
    }
}
