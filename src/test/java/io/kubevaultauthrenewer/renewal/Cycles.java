package io.kubevaultauthrenewer.renewal;

import java.time.Instant;
import java.util.List;

/** Drives a {@link CycleReport} the way the routes do, for tests of what reads the {@link RenewerStatus}. */
public final class Cycles {

    private final CycleReport report;

    public Cycles(RenewerStatus status) {
        this.report = new CycleReport(status);
    }

    public Cycles start(String... leaseIds) {
        report.start(report.status().clock().instant(), List.of(leaseIds));
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

    public Cycles tokenRejected() {
        report.tokenRejected("vault-token-lookup failed: HTTP 403: permission denied");
        return this;
    }

    public Cycles tokenFailed(String error) {
        report.tokenFailed(error, true);
        return this;
    }

    public Cycles leaseLookedUp(String id, long ttl) {
        report.leaseLookedUp(id, ttl, false, true);
        report.lease(id, Outcome.NOT_DUE, null);
        return this;
    }

    public Cycles leaseRenewed(String id, long granted, boolean capped) {
        report.lease(id, capped ? Outcome.CAPPED : Outcome.RENEWED, granted);
        return this;
    }

    public Cycles leaseFailed(String id, String error, boolean gone) {
        report.leaseFailed(id, error, gone, !gone);
        return this;
    }

    public Cycles finish(Instant next) {
        report.finished(next, "summary");
        return this;
    }
}
