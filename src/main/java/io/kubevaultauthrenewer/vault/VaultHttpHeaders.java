package io.kubevaultauthrenewer.vault;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.ObjIntConsumer;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/**
 * Puts Vault's headers on every request to Vault ({@code X-Vault-Token}, {@code X-Vault-Request}, {@code
 * X-Vault-Namespace}; only toward the hosts of {@link TokenHosts}, checked again at each redirect) and takes the token
 * out of every answer, at the HTTP client itself. The token thus never enters a Camel message: neither Camel's logs,
 * tracer, message history and JMX, nor an exception, can show it.
 */
public final class VaultHttpHeaders implements HttpClientConfigurer, ExecChainHandler {

    /** What replaces the token in Vault's answers (lookup-self's data.id, renew-self's auth.client_token). */
    public static final String REDACTED = "[redacted]";

    private final VaultToken token;
    private final TokenHosts hosts;
    private final String namespace;
    private volatile ObjIntConsumer<String> answers = (call, status) -> {};
    private int perSecond;
    private double tokens;
    private long refilledNanos = System.nanoTime();

    public VaultHttpHeaders(TokenHosts hosts, String namespace, VaultToken token) {
        this.token = token;
        this.namespace = namespace;
        this.hosts = hosts;
    }

    /**
     * Called with the call's name ({@link VaultCallName}) and the HTTP status of every answer from Vault, or 0 when a
     * call got no answer.
     */
    public void onAnswer(ObjIntConsumer<String> listener) {
        this.answers = listener;
    }

    /**
     * Bounds the requests to Vault to this many per second on average, in bursts of at most as many (a token bucket:
     * a cycle of a few calls is not slowed, a cycle of thousands is spread); 0 for no bound.
     */
    public synchronized void maxRequestsPerSecond(int perSecond) {
        this.perSecond = Math.max(0, perSecond);
        this.tokens = this.perSecond;
        this.refilledNanos = System.nanoTime();
    }

    /** Waits for this request's token (the caller's thread sleeps; nothing spins). */
    private void pace() throws InterruptedIOException {
        long waitNanos;
        synchronized (this) {
            if (perSecond == 0) {
                return;
            }
            long now = System.nanoTime();
            tokens = Math.min(perSecond, tokens + (now - refilledNanos) * perSecond / 1e9);
            refilledNanos = now;
            tokens -= 1; // taken now, or owed: later callers queue behind it
            waitNanos = tokens >= 0 ? 0 : (long) (-tokens * 1e9 / perSecond);
        }
        if (waitNanos > 0) {
            try {
                Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("stopped while waiting for a request slot");
            }
        }
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        // before the redirect step: a 307 sends the body again, so it must be readable twice
        builder.addExecInterceptorFirst("vault-repeatable-body", VaultHttpHeaders::withRepeatableBody);
        // after the redirect step, so that each hop is checked on its own
        builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), "vault-headers", this);
        builder.setRedirectStrategy(new VaultRedirects(hosts));
        // retries are the error handler's (counted, logged, with backoff), never the client's silent ones
        builder.disableAutomaticRetries();
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        String current = token.get();
        boolean toVault = hosts.mayReceiveToken(scope.route.getTargetHost());
        if (toVault) {
            pace();
            if (current != null) {
                request.setHeader("X-Vault-Token", current);
            }
            request.setHeader("X-Vault-Request", "true");
            if (namespace != null && !namespace.isEmpty()) {
                request.setHeader("X-Vault-Namespace", namespace);
            }
        } else {
            request.removeHeaders("X-Vault-Token");
        }
        ClassicHttpResponse response;
        try {
            response = chain.proceed(request, scope);
        } catch (IOException | HttpException e) {
            if (toVault) {
                answers.accept(VaultCallName.of(request.getPath()), 0);
            }
            throw e;
        }
        if (toVault) {
            answers.accept(VaultCallName.of(request.getPath()), response.getCode());
        }
        HttpEntity entity = response.getEntity();
        if (entity != null && current != null) {
            response.setEntity(redacted(entity, current));
        }
        return response;
    }

    /** Reads a request body that can be read only once (a stream) into memory: Vault's requests are small JSON. */
    private static ClassicHttpResponse withRepeatableBody(
            ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain) throws IOException, HttpException {
        HttpEntity entity = request.getEntity();
        if (entity != null && !entity.isRepeatable()) {
            HttpEntity repeatable = new ByteArrayEntity(
                    bytes(entity, Integer.MAX_VALUE), CallDeadline.contentType(entity), entity.getContentEncoding());
            request.setEntity(repeatable);
            // a redirect is built from the original request, which shares the stream just read
            if (scope.originalRequest.getEntity() == entity) {
                scope.originalRequest.setEntity(repeatable);
            }
        }
        return chain.proceed(request, scope);
    }

    /**
     * The entity with every occurrence of {@code secret} replaced by {@link #REDACTED} (read into memory, capped; the
     * {@link CallDeadline} before has already cut a larger answer).
     */
    public static HttpEntity redacted(HttpEntity entity, String secret) throws IOException {
        byte[] bytes = bytes(entity, CallDeadline.MAX_ANSWER_BYTES);
        String text = new String(bytes, StandardCharsets.UTF_8);
        byte[] clean = text.contains(secret) ? text.replace(secret, REDACTED).getBytes(StandardCharsets.UTF_8) : bytes;
        return new ByteArrayEntity(clean, CallDeadline.contentType(entity));
    }

    /** An entity's bytes, at most {@code max} of them. */
    private static byte[] bytes(HttpEntity entity, int max) throws IOException {
        try (InputStream in = entity.getContent()) {
            return in == null ? new byte[0] : in.readNBytes(max);
        }
    }
}
