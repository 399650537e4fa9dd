package io.kubevaultauthrenewer.config;

import io.kubevaultauthrenewer.vault.VaultTls;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How to reach Vault, in both modes: its address, namespace, TLS, timeouts, request rate and the hosts a redirect may
 * lead to.
 *
 * @param address VAULT_ADDR, without a trailing slash
 * @param namespace VAULT_NAMESPACE (Vault Enterprise), or null
 * @param tls the TLS settings of the client (VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, …)
 * @param connectTimeout RENEWER_CONNECT_TIMEOUT: time allowed to connect to Vault
 * @param responseTimeout RENEWER_RESPONSE_TIMEOUT, else VAULT_CLIENT_TIMEOUT: time allowed for Vault's answer
 * @param maxRequestsPerSecond RENEWER_MAX_REQUESTS_PER_SECOND: the most requests to Vault in a second, 0 for no bound
 * @param redirectHosts RENEWER_REDIRECT_HOSTS: host names ({@code vault-0.vault-internal}) or domains
 *     ({@code *.vault-internal}) besides VAULT_ADDR's host that a redirect from Vault may lead to with the token
 */
public record VaultSettings(
        String address,
        String namespace,
        VaultTls tls,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxRequestsPerSecond,
        List<String> redirectHosts) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_REQUESTS_PER_SECOND = 20;
    public static final int MAX_REQUESTS_PER_SECOND = 10_000;

    static VaultSettings read(SettingsReader r) {
        String address = address(r);
        String namespace = r.value(Setting.VAULT_NAMESPACE).orElse(null);
        Duration connectTimeout = r.timeout(Setting.RENEWER_CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT);
        Duration responseTimeout = r.timeout(
                Setting.RENEWER_RESPONSE_TIMEOUT, r.timeout(Setting.VAULT_CLIENT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT));
        VaultTls tls = new VaultTls(
                r.path(Setting.VAULT_CACERT),
                r.path(Setting.VAULT_CAPATH),
                r.path(Setting.VAULT_CLIENT_CERT),
                r.path(Setting.VAULT_CLIENT_KEY),
                r.flag(Setting.VAULT_SKIP_VERIFY),
                r.value(Setting.VAULT_TLS_SERVER_NAME).orElse(null));
        tls.problems().forEach(r::problem); // every file read now: a bad path or PEM names its variable
        int maxRequestsPerSecond = r.whole(
                Setting.RENEWER_MAX_REQUESTS_PER_SECOND,
                DEFAULT_MAX_REQUESTS_PER_SECOND,
                0,
                MAX_REQUESTS_PER_SECOND,
                "");
        return new VaultSettings(
                address, namespace, tls, connectTimeout, responseTimeout, maxRequestsPerSecond, redirectHosts(r));
    }

    /** The longest one Vault call may take: connect and answer (a retry is a call of its own, planned apart). */
    public Duration callAllowance() {
        return connectTimeout.plus(responseTimeout);
    }

    private static String address(SettingsReader r) {
        Optional<String> raw = r.value(Setting.VAULT_ADDR);
        if (raw.isEmpty()) {
            r.problem("VAULT_ADDR is not set: give the URL of Vault, e.g. https://vault.example.com:8200");
            return null;
        }
        String value = raw.get();
        String shown = value.replaceFirst("://[^/]*@", "://***@"); // never echo a password
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                r.problem("VAULT_ADDR=" + shown + " is not an http:// or https:// URL");
            } else if (uri.getHost() == null) {
                r.problem("VAULT_ADDR=" + shown + " has no host name");
            } else if (uri.getUserInfo() != null) {
                r.problem("VAULT_ADDR must not carry a user name or password");
            } else if (uri.getQuery() != null || uri.getFragment() != null) {
                r.problem("VAULT_ADDR=" + shown + " must not have a query or a fragment");
            } else {
                return value.replaceAll("/+$", "");
            }
        } catch (URISyntaxException e) {
            r.problem("VAULT_ADDR=" + shown + " is not a valid URL: " + e.getReason());
        }
        return null;
    }

    /** Comma-separated host names or {@code *.domain} patterns; anything else (a URL, a port) is a problem. */
    private static List<String> redirectHosts(SettingsReader r) {
        List<String> hosts = new ArrayList<>();
        for (String entry : r.raw(Setting.RENEWER_REDIRECT_HOSTS).orElse("").split(",")) {
            String host = entry.strip().toLowerCase(Locale.ROOT);
            if (host.isEmpty()) {
                continue;
            }
            if (!host.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                r.problem("RENEWER_REDIRECT_HOSTS entry '" + entry.strip()
                        + "' is not a host name or *.domain (no scheme, port or path)");
                continue;
            }
            hosts.add(host);
        }
        return List.copyOf(hosts);
    }
}
