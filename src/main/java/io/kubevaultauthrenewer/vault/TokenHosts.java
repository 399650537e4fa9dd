package io.kubevaultauthrenewer.vault;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import org.apache.hc.core5.http.HttpHost;

/**
 * Where the token may go: VAULT_ADDR's host (on any port, as Vault's nodes often share a name and differ in port),
 * and the host names or {@code *.domain} patterns of RENEWER_REDIRECT_HOSTS, never from https down to http. A
 * redirect from Vault to anywhere else is refused, so that a misconfigured or hostile node cannot collect the token.
 */
public final class TokenHosts {

    private final HttpHost vault;
    private final List<String> redirectHosts;

    public TokenHosts(String vaultAddr, List<String> redirectHosts) {
        URI uri = URI.create(vaultAddr);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        this.vault = new HttpHost(scheme, uri.getHost(), uri.getPort() != -1 ? uri.getPort() : defaultPort(scheme));
        this.redirectHosts =
                redirectHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    /** True when the token may be sent to {@code target}. */
    public boolean mayReceiveToken(HttpHost target) {
        if (target == null) {
            return false;
        }
        if (vault.getSchemeName().equalsIgnoreCase("https")
                && !target.getSchemeName().equalsIgnoreCase("https")) {
            return false;
        }
        String host = target.getHostName().toLowerCase(Locale.ROOT);
        if (host.equals(vault.getHostName().toLowerCase(Locale.ROOT))) {
            return true;
        }
        for (String allowed : redirectHosts) {
            if (allowed.startsWith("*.") ? host.endsWith(allowed.substring(1)) : host.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    /** A target as a log line shows it: scheme, host and port. */
    public static String describe(HttpHost target) {
        return target.getSchemeName() + "://" + target.getHostName() + ":" + port(target);
    }

    private static int port(HttpHost target) {
        return target.getPort() != -1 ? target.getPort() : defaultPort(target.getSchemeName());
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }
}
