package io.kubevaultauthrenewer.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.config.SelfEviction;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;

/** The service account's token goes to the API server the settings name, over https, and nowhere else. */
class KubernetesApiClientTest {

    private final KubernetesApiClient client = new KubernetesApiClient(new SelfEviction(
            Duration.ofMinutes(15), "my-app-1", "apps", "10.96.0.1", 443, Path.of("/var/run/secrets/sa")));

    @Test
    void sendsTheTokenOnlyToTheApiServersHostAndPortOverHttps() {
        assertThat(client.isApiServer(new HttpHost("https", "10.96.0.1", 443))).isTrue();
        assertThat(client.isApiServer(new HttpHost("http", "10.96.0.1", 443)))
                .as("not over http")
                .isFalse();
        assertThat(client.isApiServer(new HttpHost("https", "10.96.0.1", 8200)))
                .as("another port")
                .isFalse();
        assertThat(client.isApiServer(new HttpHost("https", "vault.vault.svc", 443)))
                .as("another host")
                .isFalse();
        assertThat(client.isApiServer(null)).isFalse();
    }
}
