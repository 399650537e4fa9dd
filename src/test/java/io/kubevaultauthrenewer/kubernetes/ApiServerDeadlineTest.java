package io.kubevaultauthrenewer.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.emulator.HostilePeer;
import io.kubevaultauthrenewer.emulator.HostilePeer.Mode;
import io.kubevaultauthrenewer.emulator.TestPki;
import io.kubevaultauthrenewer.vault.CallDeadline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The eviction call, through the API server's client as the renewer builds it, ends by the one call deadline. */
class ApiServerDeadlineTest {

    private static final Duration CONNECT = Duration.ofSeconds(1);
    private static final Duration RESPONSE = Duration.ofSeconds(2);
    private static final Duration DEADLINE = CONNECT.plus(RESPONSE);

    @TempDir
    Path dir;

    private HostilePeer peer;
    private Duration took;

    @AfterEach
    void stop() {
        if (peer != null) {
            peer.close();
        }
    }

    private Throwable evict(Mode mode) throws Exception {
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        Path serviceAccount = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.copy(pki.caPem, serviceAccount.resolve("ca.crt"));
        Files.writeString(serviceAccount.resolve("token"), "eyJ.service-account.token");
        peer = HostilePeer.startTls(mode, pki);
        SelfEviction target =
                new SelfEviction(Duration.ofMinutes(15), "app-1", "apps", "localhost", peer.port(), serviceAccount);
        KubernetesApiClient api = new KubernetesApiClient(target);
        HttpClientBuilder builder = HttpClientBuilder.create();
        builder.setConnectionManager(api.connections(CONNECT, RESPONSE));
        new CallDeadline(DEADLINE).around(api).configureHttpClient(builder);
        HttpPost eviction = new HttpPost("https://" + target.apiAuthority() + target.evictionPath());
        eviction.setEntity(new StringEntity("{\"kind\":\"Eviction\"}", ContentType.APPLICATION_JSON));
        CloseableHttpClient client = builder.build();
        try {
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> client.execute(eviction, response -> {
                EntityUtils.consume(response.getEntity());
                return null;
            }));
            took = Duration.ofNanos(System.nanoTime() - start);
            return thrown;
        } finally {
            client.close(CloseMode.IMMEDIATE); // a graceful close waits seconds on the connection cut
        }
    }

    @Test
    void endsAnEvictionAnswerDrippedAByteASecondAtTheDeadline() throws Exception {
        Throwable thrown = evict(Mode.DRIPS);

        assertThat(thrown)
                .isInstanceOf(CallDeadline.Exceeded.class)
                .hasMessageNotContaining("eyJ.service-account.token");
        assertThat(took).isGreaterThanOrEqualTo(DEADLINE).isLessThan(DEADLINE.plusSeconds(2));
    }

    @Test
    void abortsATenGibEvictionAnswerWithoutReadingIt() throws Exception {
        Throwable thrown = evict(Mode.FLOODS);

        assertThat(thrown).isInstanceOf(CallDeadline.TooLarge.class);
        assertThat(peer.awaitClientGone(5)).isTrue();
        assertThat(peer.bodyBytesWritten()).isLessThan(16L * 1024 * 1024);
    }
}
