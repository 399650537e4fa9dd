package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Standby;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * VAULT_ADDR reaching a standby node that does not forward requests: it answers 307 with the active node's address.
 */
class RedirectsRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);

    private Map<String, String> envThrough(Standby standby, int intervalSeconds, boolean runOnce) {
        Map<String, String> env = new HashMap<>(renewerEnv(intervalSeconds, runOnce));
        env.put("VAULT_ADDR", standby.address());
        return env;
    }

    private List<RecordedRequest> requestsTo(String hostAndPort) {
        return vault.requests().stream()
                .filter(r -> hostAndPort.equals(r.header("Host")))
                .toList();
    }

    @Test
    void followsAStandbysRedirectToTheActiveNodeOnTheSameHostWithTheToken() throws IOException {
        Token token = token(5000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        Standby standby = vault.startStandby(vault.address());

        try (InProcessRenewer renewer = InProcessRenewer.start(envThrough(standby, 3600, true))) {
            assertThat(renewer.awaitExit(LONG)).as(renewer.output()).isZero();

            assertThat(vault.renewals(lease)).isEqualTo(1);
            assertThat(vault.renewals(token)).isEqualTo(1);
            List<RecordedRequest> atTheActiveNode = requestsTo("127.0.0.1:" + vault.port());
            assertThat(atTheActiveNode)
                    .extracting(RecordedRequest::path)
                    .containsExactlyInAnyOrder(
                            "/v1/auth/token/lookup-self",
                            "/v1/auth/token/renew-self",
                            "/v1/sys/leases/lookup",
                            "/v1/sys/leases/renew");
            assertThat(atTheActiveNode).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-Vault-Token")).isEqualTo(token.id);
            });
            assertThat(atTheActiveNode)
                    .filteredOn(r -> r.path().startsWith("/v1/sys/leases/"))
                    .allSatisfy(r -> assertThat(r.leaseId()).isEqualTo(lease.id));
            assertThat(vault.requests()).filteredOn(r -> r.status() == 307).hasSize(4);
            assertThat(renewer.output()).contains("Lease " + lease.id + " renewed");
        }
    }

    @Test
    void refusesARedirectToAnotherHostAndRenewsOnceTheNodeAnswersItself() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        // the active node's address names another host: the token is not sent there
        String elsewhere = "localhost:" + vault.port();
        Standby standby = vault.startStandby("http://" + elsewhere);
        Map<String, String> env = envThrough(standby, 3600, false);
        env.put("RENEWER_RETRY_ATTEMPTS", "0");
        env.put("RENEWER_BACKOFF_INITIAL", "500ms");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitLine(
                    "ERROR .*Token: vault-token-lookup failed: HTTP 307: Vault redirected to http://" + elsewhere
                            + ", a host the token is not sent to .*RENEWER_REDIRECT_HOSTS",
                    LONG);
            renewer.awaitLines("Early check", 1, LONG);
            assertThat(requestsTo(elsewhere)).isEmpty();
            assertThat(vault.renewals(lease)).isZero();

            standby.promote(); // a failover: the node VAULT_ADDR reaches is the active one now
            renewer.awaitUntil(() -> vault.renewals(lease) == 1, LONG);

            assertThat(requestsTo(elsewhere)).isEmpty();
            assertThat(renewer.isAlive()).isTrue();
        }
    }

    @Test
    void followsARedirectToAHostOfRenewerRedirectHosts() throws IOException {
        Token token = token(5000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        String elsewhere = "localhost:" + vault.port();
        Standby standby = vault.startStandby("http://" + elsewhere);
        Map<String, String> env = envThrough(standby, 3600, true);
        env.put("RENEWER_REDIRECT_HOSTS", "localhost");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(LONG)).as(renewer.output()).isZero();

            assertThat(vault.renewals(lease)).isEqualTo(1);
            assertThat(requestsTo(elsewhere))
                    .hasSize(4)
                    .allSatisfy(r -> assertThat(r.header("X-Vault-Token")).isEqualTo(token.id));
        }
    }
}
