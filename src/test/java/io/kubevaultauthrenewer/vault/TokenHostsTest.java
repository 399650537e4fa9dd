package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;

class TokenHostsTest {

    private final TokenHosts hosts =
            new TokenHosts("https://vault.vault.svc:8200", List.of("vault-0.vault-internal", "*.vault-pods.local"));

    @Test
    void sendsTheTokenToVaultAddrsHostOnAnyPort() {
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "vault.vault.svc", 8200)))
                .isTrue();
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "VAULT.vault.svc", 8201)))
                .isTrue();
    }

    @Test
    void neverSendsTheTokenFromHttpsDownToHttp() {
        assertThat(hosts.mayReceiveToken(new HttpHost("http", "vault.vault.svc", 8200)))
                .isFalse();
        assertThat(hosts.mayReceiveToken(new HttpHost("http", "vault-0.vault-internal", 8200)))
                .isFalse();
    }

    @Test
    void sendsTheTokenToTheListedHostsAndDomainsOnly() {
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "vault-0.vault-internal", 8200)))
                .isTrue();
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "vault-1.vault-internal", 8200)))
                .isFalse();
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "a.vault-pods.local", 8200)))
                .isTrue();
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "vault-pods.local", 8200)))
                .isFalse();
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "evilvault-pods.local", 8200)))
                .isFalse();
        assertThat(hosts.mayReceiveToken(new HttpHost("https", "attacker.example", 8200)))
                .isFalse();
    }

    @Test
    void letsAnHttpVaultAddrRedirectUpToHttps() {
        TokenHosts plain = new TokenHosts("http://127.0.0.1:8200", List.of());
        assertThat(plain.mayReceiveToken(new HttpHost("https", "127.0.0.1", 8201)))
                .isTrue();
        assertThat(plain.mayReceiveToken(new HttpHost("http", "localhost", 8200)))
                .isFalse();
    }

    @Test
    void describesATargetBySchemeHostAndPort() {
        assertThat(TokenHosts.describe(new HttpHost("https", "vault-1.vault-internal", -1)))
                .isEqualTo("https://vault-1.vault-internal:443");
    }
}
