package io.kubevaultauthrenewer.vault;

import io.kubevaultauthrenewer.config.VaultSettings;
import java.time.Duration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.camel.component.http.HttpComponent;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The http and https components, toward Vault, for both modes: one pool for both schemes, with the TLS of
 * VAULT_CACERT, VAULT_CLIENT_CERT, … and the timeouts, and the client configured by a configurer (Vault's headers).
 */
public final class VaultHttpClient {

    private static final Logger LOG = LoggerFactory.getLogger(VaultHttpClient.class);

    private VaultHttpClient() {}

    /** Vault's headers (token, namespace, request rate) for the client, with the token sent to Vault's hosts only. */
    public static VaultHttpHeaders headers(VaultSettings vault, VaultToken token) {
        VaultHttpHeaders headers =
                new VaultHttpHeaders(new TokenHosts(vault.address(), vault.redirectHosts()), vault.namespace(), token);
        headers.maxRequestsPerSecond(vault.maxRequestsPerSecond());
        return headers;
    }

    /**
     * Configures Camel's http and https components.
     *
     * @param vault the TLS settings and timeouts toward Vault
     * @param deadline the one deadline of every call, first in the client's chain
     * @param configurer the client's interceptors (Vault's headers, the init's login credentials)
     */
    public static void configure(
            CamelContext context, VaultSettings vault, CallDeadline deadline, HttpClientConfigurer configurer) {
        if (vault.tls().skipVerify()) {
            LOG.warn("VAULT_SKIP_VERIFY is set: Vault's certificate and name are not checked, so anyone on the way"
                    + " can read the token and the secrets; use VAULT_CACERT instead");
        }
        HttpClientConnectionManager connections =
                vault.tls().connections(vault.connectTimeout(), vault.responseTimeout());
        for (String scheme : new String[] {"http", "https"}) {
            HttpComponent http = context.getComponent(scheme, HttpComponent.class);
            http.setClientConnectionManager(connections);
            http.setHttpClientConfigurer(deadline.around(configurer));
            // a standby answers 307 to the active node; VaultRedirects decides which redirects are followed
            http.setFollowRedirects(true);
            timeouts(http, vault.connectTimeout(), vault.responseTimeout());
        }
    }

    /** The timeouts of an HTTP component: toward Vault, and toward the API server with EVICT_BEFORE_EXPIRY. */
    public static void timeouts(HttpComponent http, Duration connectTimeout, Duration responseTimeout) {
        http.setConnectTimeout(connectTimeout.toMillis());
        http.setConnectionRequestTimeout(connectTimeout.toMillis());
        http.setResponseTimeout(responseTimeout.toMillis());
        http.setSoTimeout(responseTimeout.toMillis());
    }
}
