package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kubevaultauthrenewer.emulator.HostilePeer;
import io.kubevaultauthrenewer.emulator.HostilePeer.Mode;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real client toward Vault, as both modes build it, against peers a socket timeout alone does not bound. */
class CallDeadlineTest {

    private static final Duration CONNECT = Duration.ofSeconds(1);
    private static final Duration RESPONSE = Duration.ofSeconds(2);
    private static final Duration DEADLINE = CONNECT.plus(RESPONSE);
    private static final Duration MARGIN = Duration.ofSeconds(2);

    private final CallDeadline deadline = new CallDeadline(DEADLINE);
    private HostilePeer peer;
    private CloseableHttpClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close(CloseMode.IMMEDIATE); // a graceful close waits seconds on the connection cut
        }
        if (peer != null) {
            peer.close();
        }
    }

    private CloseableHttpClient client(String address) {
        HttpClientBuilder builder = HttpClientBuilder.create();
        builder.setConnectionManager(new VaultTls(null, null, null, null, false, null).connections(CONNECT, RESPONSE));
        VaultToken token = new VaultToken();
        token.set("hvs.deadline-test-token");
        deadline.around(new VaultHttpHeaders(new TokenHosts(address, List.of()), null, token))
                .configureHttpClient(builder);
        client = builder.build();
        return client;
    }

    private void lookup(CloseableHttpClient client, String address) throws Exception {
        client.execute(new HttpGet(address + "/v1/auth/token/lookup-self"), response -> {
            EntityUtils.consume(response.getEntity());
            return null;
        });
    }

    @Test
    void endsAnAnswerDrippedAByteASecondAtTheDeadline() throws Exception {
        peer = HostilePeer.start(Mode.DRIPS);
        {
            CloseableHttpClient client = client(peer.url());
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> lookup(client, peer.url()));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(thrown)
                    .isInstanceOf(CallDeadline.Exceeded.class)
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("no whole answer within 3000 ms")
                    .hasMessageNotContaining("hvs.");
            assertThat(took).isGreaterThanOrEqualTo(DEADLINE).isLessThan(DEADLINE.plus(MARGIN));
        }
        assertThat(peer.awaitClientGone(5)).as("the connection was cut").isTrue();
    }

    @Test
    void abortsATenGibAnswerWithoutReadingIt() throws Exception {
        peer = HostilePeer.start(Mode.FLOODS);
        {
            CloseableHttpClient client = client(peer.url());
            assertThatThrownBy(() -> lookup(client, peer.url()))
                    .isInstanceOf(CallDeadline.TooLarge.class)
                    .hasMessageContaining(String.valueOf(HostilePeer.TEN_GIB))
                    .hasMessageContaining(String.valueOf(CallDeadline.MAX_ANSWER_BYTES));
        }
        assertThat(peer.awaitClientGone(5)).as("the connection was cut").isTrue();
        assertThat(peer.bodyBytesWritten())
                .as("bytes the peer could send before the cut (socket buffers only)")
                .isLessThan(16L * 1024 * 1024);
    }

    @Test
    void endsASilentPeerWithinTheDeadline() throws Exception {
        peer = HostilePeer.start(Mode.SILENT);
        {
            CloseableHttpClient client = client(peer.url());
            long start = System.nanoTime();
            assertThatThrownBy(() -> lookup(client, peer.url())).isInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE.plus(MARGIN));
        }
    }

    @Test
    void stoppingCutsACallInFlightAtOnce() throws Exception {
        peer = HostilePeer.start(Mode.DRIPS);
        {
            CloseableHttpClient client = client(peer.url());
            long start = System.nanoTime();
            Thread stopper = new Thread(() -> {
                while (peer.bodyBytesWritten() == 0) {
                    Thread.onSpinWait();
                }
                deadline.abortAll();
            });
            stopper.start();
            assertThatThrownBy(() -> lookup(client, peer.url()))
                    .isInstanceOf(java.io.InterruptedIOException.class)
                    .hasMessageContaining("stopping");
            stopper.join();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE);
        }
    }
}
