package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The log at TRACE level, Camel's tracer and message history on, as a process sets them (JVM options): neither the
 * token nor a value of the variables file shows. A process of its own, since the level is the JVM's.
 */
class SecretsAtTraceLevelIT extends AgainstTheEmulator {

    private static final Duration LONG = Duration.ofSeconds(60);

    private Map<String, String> sidecarEnv(int intervalSeconds) {
        return renewerEnv(intervalSeconds, false);
    }

    @Test
    void neverPutsTheTokenOrASecretInItsOutputEvenAtTraceLevel() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(8)));
        Lease good = lease(token, 8);
        Lease gone = lease(token, 8);
        vault.revokeLease(gone);
        Files.writeString(
                variables,
                "export VAULT_TOKEN='" + token.id + "'\n"
                        + "export DB_USER=\"app-user-4711\"\nexport DB_PASSWORD=\"pa ss=word\n2nd line\"\n"
                        + "export LEASE_IDS=" + good.id + "," + gone.id + "\n");
        Map<String, String> env = sidecarEnv(1);
        env.put("CAMEL_MAIN_TRACING", "true");
        env.put("CAMEL_MAIN_MESSAGE_HISTORY", "true");

        try (RenewerProcess renewer = RenewerProcess.start(env, "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace")) {
            renewer.awaitUntil(() -> vault.renewals(good) >= 2 && vault.renewals(token) >= 1, LONG);
            renewer.awaitLine("ERROR .*" + Pattern.quote(gone.id), LONG);

            String output = renewer.output();
            assertThat(renewer.linesWith(" TRACE ")).as("trace logging is on").isNotEmpty();
            assertThat(output).as("the lookup-self answer was read").contains("accessor " + token.accessor);
            assertThat(output).doesNotContain(token.id, "app-user-4711", "pa ss=word", "2nd line");
            assertThat(vault.requests()).extracting(RecordedRequest::status).contains(200);
        }
    }
}
