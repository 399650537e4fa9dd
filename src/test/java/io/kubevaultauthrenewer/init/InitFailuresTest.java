package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.renewal.Exit;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init's error policy: which failures are worth another try, and the end of the run after one that is not. */
class InitFailuresTest {

    @TempDir
    Path dir;

    private final AtomicInteger stops = new AtomicInteger();
    private final Exit exit = new Exit(stops::incrementAndGet);

    private InitFailures failures() {
        InitSettings settings = PodEnvironment.settings(dir, "KUBE_SA_TOKEN", "jwt", "VAULT_LOGIN_ROLE", "app");
        InitFile file = new InitFile(dir.resolve("variables"), new VaultToken(), new SecretReads(settings), exit);
        return new InitFailures(settings, file, exit);
    }

    private static Exchange failedWith(Exception e, String step) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setException(e);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, e);
        exchange.setVariable("failedStep", step);
        return exchange;
    }

    private static HttpOperationFailedException http(int status) {
        return new HttpOperationFailedException("http://vault/v1/x", status, "s", null, Map.of(), "{\"errors\":[]}");
    }

    @Test
    void triesAgainWhatALaterTryMayMend() {
        assertThat(failures().isPermanent(failedWith(http(503), "vault-secret-read")))
                .isFalse();
        assertThat(failures().isPermanent(failedWith(http(429), "vault-secret-read")))
                .isFalse();
    }

    @Test
    void endsAtOnceOnARefusalOrAMissingField() {
        assertThat(failures().isPermanent(failedWith(http(403), "vault-kubernetes-login")))
                .isTrue();
        assertThat(failures().isPermanent(failedWith(new InitProblem("no field"), "read")))
                .isTrue();
    }

    @Test
    void endsTheRunOnceWithStatusOneAndLeavesNoFile() throws Exception {
        Files.writeString(dir.resolve("variables"), "export A=1\n");
        InitFailures failures = failures();

        failures.process(failedWith(http(403), "vault-kubernetes-login"));
        failures.process(failedWith(http(403), "vault-kubernetes-login"));

        assertThat(exit.exitCode()).isEqualTo(Exit.NOT_FINE);
        assertThat(stops).hasValue(1);
        assertThat(dir.resolve("variables")).doesNotExist();
    }
}
