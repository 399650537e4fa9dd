package io.kubevaultauthrenewer.health;

import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.WatchedItem;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness: DOWN when Vault rejected the token (403), when its TTL is gone or runs out before the next cycle, or
 * before the first lookup has said anything. A failed lookup alone (Vault briefly away) keeps it UP while the TTL
 * last seen outlasts the next cycle. Data: ttl, expire time, renewable, accessor; never the token.
 */
public final class VaultTokenCheck extends RenewerCheck {

    public VaultTokenCheck(RenewerStatus status, Duration interval) {
        super("vault-token", status, interval);
    }

    @Override
    void check(HealthCheckResultBuilder builder, Instant now, Instant next) {
        WatchedItem token = status.token();
        builder.detail("accessor", text(status.tokenAccessor()));
        builder.detail("ttl", token.neverExpires() ? "none" : text(token.secondsLeft(now)));
        builder.detail("expire_time", text(token.expires()));
        builder.detail("renewable", text(token.renewable()));
        builder.detail("last_renewal", text(token.lastRenewal()));
        builder.detail("last_error", text(token.lastError()));
        builder.detail("next_cycle", next.toString());
        endOfLife(builder);
        if (token.nextCheck() != null) {
            builder.detail("next_check", token.nextCheck().toString());
            builder.detail("next_check_why", token.nextCheckWhy());
        }
        String problem = null;
        if (status.tokenRejected()) {
            problem = "Vault rejected the token (403)";
        } else if (token.expires() == null && !token.neverExpires()) {
            problem = token.lastError() != null ? "the token could not be looked up" : "not looked up yet";
        } else if (token.expiresBefore(due(null, next))) {
            problem = "the token expires at " + token.expires() + ", before it is checked again at " + due(null, next);
        }
        if (problem != null) {
            builder.message(problem);
            builder.detail("reason", problem);
            builder.down();
        } else {
            builder.up();
        }
    }
}
