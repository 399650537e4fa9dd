package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Settings;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Drives a {@link CycleReport} the way the routes do, for tests of what reads the {@link RenewerStatus}. */
public final class Cycles {

    /**
     * The retry schedule the renewer reads when no retry setting is given: the settings' own defaults, built into a
     * policy as the renewer's wiring builds it (RetryDefaultsTest holds them to docs/configuration.md's).
     */
    public static final RetryPolicy RETRIES = defaultRetries();

    private static RetryPolicy defaultRetries() {
        Map<String, String> env = Map.of(
                "VAULT_ADDR", "http://127.0.0.1:8200",
                "VAULT_TOKEN", "hvs.unused",
                "VARIABLES_FILE", "/nonexistent/variables");
        Settings settings = Settings.load(env::get, key -> Optional.empty());
        return RetryPolicy.of(settings.retries());
    }

    private final CycleReport report;

    public Cycles(RenewerStatus status) {
        this.report = new CycleReport(status);
    }

    /** A cycle that calls Vault for the token and every one of these leases. */
    public Cycles start(String... leaseIds) {
        report.start(report.status().clock().instant(), List.of(leaseIds), true, List.of(leaseIds));
        return this;
    }

    public Cycles tokenLookedUp(String accessor, long ttl) {
        report.tokenLookedUp(accessor, ttl, false, true);
        report.token(Outcome.NOT_DUE, ttl);
        return this;
    }

    public Cycles tokenRenewed(long granted) {
        report.tokenLookedUp("acc", granted, false, true);
        report.token(Outcome.RENEWED, granted);
        return this;
    }

    public Cycles tokenRenewedCapped(long granted) {
        report.tokenLookedUp("acc", granted, false, true);
        report.token(Outcome.CAPPED, granted);
        return this;
    }

    public Cycles tokenRejected() {
        report.tokenRejected("vault-token-lookup failed: HTTP 403: permission denied");
        return this;
    }

    /** A transient failure of the token's call, its retry planned as the dead letter plans it (latest jitter). */
    public Cycles tokenFailed(String error) {
        report.tokenFailed(error);
        report.status().failedTransiently(null, RETRIES, null, Integer.MAX_VALUE, 1.0);
        return this;
    }

    public Cycles leaseLookedUp(String id, long ttl) {
        report.leaseLookedUp(id, ttl, false, true);
        report.lease(id, Outcome.NOT_DUE, null);
        return this;
    }

    public Cycles leaseNotRenewable(String id, long ttl) {
        report.leaseLookedUp(id, ttl, false, false);
        report.lease(id, Outcome.NOT_DUE, null);
        return this;
    }

    public Cycles leaseRenewed(String id, long granted, boolean capped) {
        report.lease(id, capped ? Outcome.CAPPED : Outcome.RENEWED, granted);
        return this;
    }

    /** A lease's failure: gone (400), or transient with its retry planned as the dead letter plans it. */
    public Cycles leaseFailed(String id, String error, boolean gone) {
        report.leaseFailed(id, error, gone);
        if (!gone) {
            report.status().failedTransiently(id, RETRIES, null, Integer.MAX_VALUE, 1.0);
        }
        return this;
    }

    public Cycles finish(Instant next) {
        report.finished(next, "summary");
        return this;
    }
}
