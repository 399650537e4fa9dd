package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Standby;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultHttpHeadersTest {

    private final VaultEmulator vault = VaultEmulator.start();
    private final Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
    private final VaultToken holder = new VaultToken();

    @AfterEach
    void stop() {
        vault.close();
    }

    private CloseableHttpClient client(String vaultAddr, String namespace) {
        return client(vaultAddr, namespace, List.of());
    }

    private CloseableHttpClient client(String vaultAddr, String namespace, List<String> redirectHosts) {
        HttpClientBuilder builder = HttpClientBuilder.create();
        new VaultHttpHeaders(new TokenHosts(vaultAddr, redirectHosts), namespace, holder).configureHttpClient(builder);
        return builder.build();
    }

    private static HttpPut renewal(String address, String leaseId) {
        HttpPut put = new HttpPut(address + "/v1/sys/leases/renew");
        put.setEntity(new StringEntity("{\"lease_id\":\"" + leaseId + "\"}", ContentType.APPLICATION_JSON));
        return put;
    }

    private String call(CloseableHttpClient client, org.apache.hc.core5.http.ClassicHttpRequest request)
            throws Exception {
        return client.execute(request, response -> EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8));
    }

    @Test
    void sendsTheTokenAndVaultsHeadersToTheVaultAddress() throws Exception {
        holder.set(token.id);
        try (CloseableHttpClient client = client(vault.address(), "team-a")) {
            call(client, new HttpGet(vault.address() + "/v1/auth/token/lookup-self"));
        }

        VaultEmulator.RecordedRequest request = vault.requests().get(0);
        assertThat(request.header("X-Vault-Token")).isEqualTo(token.id);
        assertThat(request.header("X-Vault-Request")).isEqualTo("true");
        assertThat(request.header("X-Vault-Namespace")).isEqualTo("team-a");
    }

    @Test
    void takesTheTokenOutOfEveryAnswer() throws Exception {
        holder.set(token.id);
        String lookup;
        String renewal;
        try (CloseableHttpClient client = client(vault.address(), null)) {
            lookup = call(client, new HttpGet(vault.address() + "/v1/auth/token/lookup-self"));
            renewal = call(client, new HttpPost(vault.address() + "/v1/auth/token/renew-self"));
        }

        assertThat(lookup)
                .contains("\"id\":\"[redacted]\"", "\"accessor\":\"" + token.accessor + "\"")
                .doesNotContain(token.id);
        assertThat(renewal).contains("\"client_token\":\"[redacted]\"").doesNotContain(token.id);
    }

    @Test
    void sendsNoTokenToAnotherHost() throws Exception {
        holder.set(token.id);
        // the same emulator reached by another name is, for the renewer, another host
        try (CloseableHttpClient client = client("http://vault.invalid:" + vault.port(), null)) {
            call(client, new HttpGet("http://localhost:" + vault.port() + "/v1/auth/token/lookup-self"));
        }

        assertThat(vault.requests().get(0).header("X-Vault-Token")).isNull();
        assertThat(vault.requests().get(0).status()).isEqualTo(403);
    }

    @Test
    void followsAStandbysRedirectToTheSameHostWithTheTokenTheMethodAndTheBody() throws Exception {
        holder.set(token.id);
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true);
        Standby standby = vault.startStandby(vault.address());

        String answer;
        try (CloseableHttpClient client = client(standby.address(), null)) {
            answer = call(client, renewal(standby.address(), lease.id));
        }

        assertThat(answer).contains("\"lease_id\":\"" + lease.id + "\"");
        assertThat(vault.requests()).extracting(RecordedRequest::status).containsExactly(307, 200);
        RecordedRequest followed = vault.requests().get(1);
        assertThat(followed.header("Host")).isEqualTo("127.0.0.1:" + vault.port());
        assertThat(followed.method()).isEqualTo("PUT");
        assertThat(followed.leaseId()).isEqualTo(lease.id);
        assertThat(followed.header("X-Vault-Token")).isEqualTo(token.id);
        assertThat(followed.header("X-Vault-Request")).isEqualTo("true");
        assertThat(vault.renewals(lease)).isEqualTo(1);
    }

    @Test
    void refusesARedirectToAnotherHostNamingItAndSendsNothingThere() throws Exception {
        holder.set(token.id);
        Standby standby = vault.startStandby("http://localhost:" + vault.port());

        try (CloseableHttpClient client = client(standby.address(), null)) {
            assertThatThrownBy(() -> call(client, renewal(standby.address(), "database/creds/app/x")))
                    .rootCause()
                    .hasMessageContaining("Vault redirected to http://localhost:" + vault.port())
                    .hasMessageContaining("RENEWER_REDIRECT_HOSTS");
        }

        assertThat(vault.requests()).extracting(RecordedRequest::status).containsExactly(307);
    }

    @Test
    void followsARedirectToAHostOfRenewerRedirectHostsWithTheToken() throws Exception {
        holder.set(token.id);
        Standby standby = vault.startStandby("http://localhost:" + vault.port());

        try (CloseableHttpClient client = client(standby.address(), null, List.of("localhost"))) {
            call(client, new HttpGet(standby.address() + "/v1/auth/token/lookup-self"));
        }

        assertThat(vault.requests()).extracting(RecordedRequest::status).containsExactly(307, 200);
        assertThat(vault.requests().get(1).header("Host")).isEqualTo("localhost:" + vault.port());
        assertThat(vault.requests().get(1).header("X-Vault-Token")).isEqualTo(token.id);
    }
}
