package io.kubevaultauthrenewer.kubernetes;

import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;

/**
 * The HTTP client's side of talking to the API server as the pod: trust in the service account's {@code ca.crt}, and
 * {@code Authorization: Bearer} with the service account's token read from its file at every call (the kubelet
 * rewrites the projected token before it expires), added only toward the API server's host and port. The token thus
 * never enters a Camel message, a log or an exception, as with the Vault token ({@link VaultHttpHeaders}).
 */
public final class KubernetesApiClient implements HttpClientConfigurer, ExecChainHandler {

    private final Path tokenFile;
    private final String host;
    private final int port;
    private final Path caFile;

    public KubernetesApiClient(SelfEviction eviction) {
        this.tokenFile = eviction.tokenFile();
        this.host = eviction.apiHost().toLowerCase(Locale.ROOT);
        this.port = eviction.apiPort();
        this.caFile = eviction.caFile();
    }

    /** Connections to the API server: its CA only (not the JVM's, not Vault's), with the renewer's timeouts. */
    public HttpClientConnectionManager connections(Duration connectTimeout, Duration responseTimeout) {
        return new VaultTls(caFile, null, null, null, false, null).connections(connectTimeout, responseTimeout);
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), "kubernetes-service-account", this);
        // the eviction's answers are judged by the route; the client neither retries nor follows on its own
        builder.disableAutomaticRetries();
        builder.disableRedirectHandling();
    }

    /** True when the request goes to the API server the settings name, over https. */
    boolean isApiServer(HttpHost target) {
        return target != null
                && "https".equalsIgnoreCase(target.getSchemeName())
                && host.equals(target.getHostName().toLowerCase(Locale.ROOT))
                && target.getPort() == port;
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        request.removeHeaders(HttpHeaders.AUTHORIZATION);
        String token = null;
        if (isApiServer(scope.route.getTargetHost())) {
            token = token();
            request.setHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        ClassicHttpResponse response = chain.proceed(request, scope);
        HttpEntity entity = response.getEntity();
        if (entity != null && token != null) {
            response.setEntity(VaultHttpHeaders.redacted(entity, token));
        }
        return response;
    }

    /** The token as the kubelet last wrote it; a file that cannot be read fails the call like a network error. */
    private String token() throws IOException {
        String token;
        try {
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read the service-account token " + tokenFile + ": "
                    + e.getClass().getSimpleName());
        }
        if (token.isEmpty()) {
            throw new IOException("the service-account token " + tokenFile + " is empty");
        }
        return token;
    }
}
