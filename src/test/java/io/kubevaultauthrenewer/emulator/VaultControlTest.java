package io.kubevaultauthrenewer.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The standalone emulator's control port, as bench/soak.sh drives it: each control changes what Vault answers as the
 * emulator's own API does, and the ledger reports the calls, the faults and the leases without the token.
 */
class VaultControlTest {

    private final VaultEmulator vault = VaultEmulator.start();
    private final Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
    private final VaultControl control = VaultControl.start(vault, token);
    /** HTTP/1.1 as the renewer speaks it: no HTTP/2 upgrade for the JDK's server to refuse. */
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        control.close();
        vault.close();
    }

    @Test
    void sealsAndUnsealsVault() throws Exception {
        assertThat(post("/seal", "").statusCode()).isEqualTo(200);
        HttpResponse<String> sealed = lookupSelf();
        post("/unseal", "");

        assertThat(sealed.statusCode()).isEqualTo(503);
        assertThat(sealed.body()).isEqualTo("{\"errors\":[\"Vault is sealed\"]}");
        assertThat(lookupSelf().statusCode()).isEqualTo(200);
    }

    @Test
    void injectsAnErrorAnswerForTheNextCallsToAPath() throws Exception {
        post("/inject", "path=lookup-self&count=2&action=status&status=502&error=upstream+connect+error");

        assertThat(lookupSelf().body()).isEqualTo("{\"errors\":[\"upstream connect error\"]}");
        assertThat(lookupSelf().statusCode()).isEqualTo(502);
        assertThat(lookupSelf().statusCode()).isEqualTo(200);
    }

    @Test
    void endsAStormOfInjectedAnswersWhenCleared() throws Exception {
        post("/inject", "path=lookup-self&count=100&action=status&status=500&error=internal+error");
        int during = lookupSelf().statusCode();

        post("/clear", "");

        assertThat(during).isEqualTo(500);
        assertThat(lookupSelf().statusCode()).isEqualTo(200);
    }

    @Test
    void injectsARawPageAndADelay() throws Exception {
        post("/inject", "count=1&action=raw&status=502&type=text/html&body=%3Chtml%3EBad+Gateway%3C%2Fhtml%3E");
        HttpResponse<String> page = lookupSelf();
        post("/inject", "count=1&action=delay&ms=300");
        long before = System.nanoTime();
        int delayed = lookupSelf().statusCode();
        long millis = (System.nanoTime() - before) / 1_000_000;

        assertThat(page.statusCode()).isEqualTo(502);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html");
        assertThat(page.body()).isEqualTo("<html>Bad Gateway</html>");
        assertThat(delayed).isEqualTo(200);
        assertThat(millis).isGreaterThanOrEqualTo(300);
        assertThat(ledger()).contains("fault raw-502 1\n", "fault delay 1\n");
    }

    @Test
    void setsARateLimitQuotaWhoseRefusalsCarryRetryAfter() throws Exception {
        post("/rate-limit", "path=auth/token/&refusals=1&rate=10&interval=5&headers=true");

        HttpResponse<String> refused = lookupSelf();

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body())
                .isEqualTo("{\"errors\":[\"request path \\\"auth/token/lookup-self\\\": rate limit quota exceeded\"]}");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(lookupSelf().statusCode()).isEqualTo(200);
    }

    @Test
    void createsALeaseOfTheTokenWithTheTtlAndMaxTtlAsked() throws Exception {
        String id = post("/lease", "ttl=90&max=120").body().strip();

        VaultEmulator.Lease lease = vault.leasesOf(token).get(0);
        assertThat(lease.id).isEqualTo(id).startsWith("database/creds/app/");
        assertThat(vault.ttl(lease)).isBetween(89L, 90L);
        assertThat(lease.maxTtl).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void reportsCallsFaultsEndingsAndLiveLeasesInItsLedgerButNeverTheToken() throws Exception {
        String id = post("/lease", "ttl=60").body().strip();
        post("/seal", "");
        lookupSelf();
        post("/unseal", "");
        lookupSelf();
        vault.revokeLease(vault.leasesOf(token).get(0));
        String other = post("/lease", "ttl=60").body().strip();

        String ledger = ledger();

        assertThat(ledger)
                .contains(
                        "calls /v1/auth/token/lookup-self 503 1\n",
                        "calls /v1/auth/token/lookup-self 200 1\n",
                        "fault sealed 1\n",
                        "ended lease " + id + " revoked ",
                        "alive lease " + other + " ")
                .doesNotContain(token.id);
    }

    @Test
    void refusesABadControlNamingTheCulprit() throws Exception {
        HttpResponse<String> action = post("/inject", "action=boom");
        HttpResponse<String> count = post("/inject", "action=drop&count=many");

        assertThat(action.statusCode()).isEqualTo(400);
        assertThat(action.body()).startsWith("action=boom: one of drop, cut-short, delay, status, raw");
        assertThat(count.statusCode()).isEqualTo(400);
        assertThat(count.body()).startsWith("count=many: not a whole number");
        assertThat(lookupSelf().statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(control.address() + path))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String ledger() throws IOException, InterruptedException {
        return http.send(
                        HttpRequest.newBuilder(URI.create(control.address() + "/ledger"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private HttpResponse<String> lookupSelf() throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(vault.address() + "/v1/auth/token/lookup-self"))
                        .header("X-Vault-Token", token.id)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
