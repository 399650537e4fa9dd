package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
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
        HttpClientBuilder builder = HttpClientBuilder.create();
        new VaultHttpHeaders(vaultAddr, namespace, holder).configureHttpClient(builder);
        return builder.build();
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
}
