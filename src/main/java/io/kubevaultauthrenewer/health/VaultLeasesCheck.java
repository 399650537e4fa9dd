package io.kubevaultauthrenewer.health;

import io.kubevaultauthrenewer.renewal.Outcome;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.WatchedItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness: DOWN when a lease is gone, or will expire before the next cycle (its renewal failed, it hit its max TTL,
 * or it cannot be renewed), or failed without ever being seen. A lease whose renewal failed but whose TTL outlasts the
 * next cycle keeps it UP: the next cycle will try again in time. Data per lease: ttl, expire time, last renewal, last
 * error.
 */
public final class VaultLeasesCheck extends RenewerCheck {

    public VaultLeasesCheck(RenewerStatus status, Duration interval) {
        super("vault-leases", status, interval);
    }

    @Override
    void check(HealthCheckResultBuilder builder, Instant now, Instant next) {
        List<WatchedItem> leases = status.leases();
        List<String> lost = new ArrayList<>();
        builder.detail("leases", leases.size());
        builder.detail("next_cycle", next.toString());
        endOfLife(builder);
        for (WatchedItem lease : leases) {
            String id = lease.name();
            builder.detail(id + ".ttl", lease.neverExpires() ? "none" : text(lease.secondsLeft(now)));
            builder.detail(id + ".expire_time", text(lease.expires()));
            builder.detail(id + ".last_renewal", text(lease.lastRenewal()));
            builder.detail(id + ".last_error", text(lease.lastError()));
            if (lease.nextCheck() != null) {
                builder.detail(id + ".next_check", lease.nextCheck() + " (" + lease.nextCheckWhy() + ")");
            }
            boolean unseenFailure =
                    lease.lastOutcome() == Outcome.FAILED && lease.expires() == null && !lease.neverExpires();
            if (lease.expiresBefore(due(id, next)) || unseenFailure) {
                lost.add(id);
            }
        }
        if (lost.isEmpty()) {
            builder.up();
        } else {
            String reason = lost.size() + " lease(s) will be gone before the next cycle at " + next + ": "
                    + String.join(", ", lost);
            builder.message(reason);
            builder.detail("reason", reason);
            builder.detail("expiring", String.join(",", lost));
            builder.down();
        }
    }
}
