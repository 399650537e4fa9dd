package io.kubevaultauthrenewer.e2e;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every end-to-end and route test starts from: a fresh Vault emulator on a clock the test can move, and a
 * variables file written as the init container writes it (an app secret beside the token and the lease ids).
 */
public abstract class AgainstTheEmulator {

    /** The app's secret in every variables file: it must never show in the renewer's output. */
    protected static final String APP_SECRET = "app-secret-value";

    @TempDir
    protected Path dir;

    protected final ShiftableClock clock = new ShiftableClock();
    protected VaultEmulator vault;
    protected Path variables;

    @BeforeEach
    protected void startVault() {
        vault = VaultEmulator.start(clock);
        variables = dir.resolve("variables");
    }

    @AfterEach
    protected void stopVault() {
        vault.close();
    }

    /**
     * The environment of a renewer pointed at the emulator and the variables file, its management port any free one
     * (so that renewers of two builds never collide on the default port).
     */
    protected Map<String, String> renewerEnv(int intervalSeconds, boolean runOnce) {
        return renewerEnv(vault.address(), variables, intervalSeconds, runOnce);
    }

    /** The same for a renewer of this Vault and this variables file. */
    static Map<String, String> renewerEnv(String vaultAddress, Path variables, int intervalSeconds, boolean runOnce) {
        return RenewerProcess.env(
                "VAULT_ADDR",
                vaultAddress,
                "VARIABLES_FILE",
                variables.toString(),
                "RENEW_INTERVAL",
                String.valueOf(intervalSeconds),
                "RUN_ONCE",
                String.valueOf(runOnce),
                "RENEWER_RETRY_DELAY",
                "200ms",
                "CAMEL_MANAGEMENT_PORT",
                "0");
    }

    /** Writes the variables file whole, at once (as a rename), so that a running renewer never reads half of it. */
    protected void writeVariables(Token token, Lease... leases) throws IOException {
        writeVariables(variables(token, leases));
    }

    /** A variables file's content, as the init container writes it: the token, an app secret, the lease ids. */
    static String variables(Token token, Lease... leases) {
        String ids = String.join(",", Arrays.stream(leases).map(l -> l.id).toList());
        return "export VAULT_TOKEN=\"" + token.id + "\"\n"
                + "export DB_PASSWORD='" + APP_SECRET + "'\n"
                + "export LEASE_IDS=" + ids + "\n";
    }

    /** Writes the variables file with this content, whole, at once (as a rename). */
    protected void writeVariables(String content) throws IOException {
        Path next = dir.resolve("variables.next");
        Files.writeString(next, content);
        Files.move(next, variables, StandardCopyOption.ATOMIC_MOVE);
    }

    protected Token token(long ttlSeconds) {
        return vault.createToken(TokenSpec.ttl(Duration.ofSeconds(ttlSeconds)));
    }

    /**
     * A token whose every lease lookup Vault refuses: a policy denies it {@code sys/leases/lookup}, so each cycle's
     * lookup is 403 (not retried, and not a lease gone): a dead-letter line every cycle, for the tests of that route.
     */
    protected Token tokenRefusedLeaseLookups(long ttlSeconds) {
        vault.policy("no-lease-lookup", "sys/leases/lookup", "deny");
        return vault.createToken(TokenSpec.ttl(Duration.ofSeconds(ttlSeconds)).policies("no-lease-lookup"));
    }

    protected Lease lease(Token owner, long ttlSeconds) {
        return vault.createLease(owner, "database/creds/app", Duration.ofSeconds(ttlSeconds), Duration.ZERO, true);
    }

    /** The dead letter as a route file of ROUTES_DIR would replace it, logging {@code text} before the failed item. */
    protected static String failureRoute(String text) {
        return """
                - route:
                    id: renewal-failure
                    from:
                      uri: direct:renewal-failure
                      steps:
                        - bean:
                            ref: renewalFailures
                        - log:
                            loggingLevel: ERROR
                            logName: io.kubevaultauthrenewer.renewal-failure
                            message: "%s ${variable.subject}"
                """.formatted(text);
    }
}
