package io.kubevaultauthrenewer.emulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rate-limit quotas as Vault's HTTP layer applies them before anything else of a request ({@code
 * rateLimitQuotaWrapping} in OpenBao's {@code internal/http/util.go}, hashicorp/vault's {@code http/util.go}; {@code
 * RateLimitQuota.allow} in {@code internal/vault/quotas/quotas_rate_limit.go}): a refused request is 429 with the one
 * error {@code request path "<path>": rate limit quota exceeded} (the path without {@code /v1/}, Go's {@code %q}),
 * nothing of it applied, no token use spent. The quota's headers ({@code X-RateLimit-Limit}, {@code
 * X-RateLimit-Remaining}, {@code X-RateLimit-Reset} and, on a refusal, {@code Retry-After}: sethvargo/go-limiter's
 * {@code httplimit} names, which Go's {@code Header.Set} sends as {@code X-Ratelimit-Limit} and so on) are set only
 * when the quota configuration enables response headers ({@code RateLimitResponseHeadersEnabled}); {@code Retry-After}
 * is then the seconds until the quota's window resets, as {@code X-RateLimit-Reset} is. The emulator models only the
 * refusals: a quota refuses the next calls it is told to, then is gone.
 */
final class VaultQuotas {

    private record Quota(String path, int rate, Duration interval, boolean responseHeaders, Instant start) {}

    /** Each quota, and the calls it refuses yet. */
    private final Map<Quota, Integer> quotas = new LinkedHashMap<>();

    void add(String path, int refusals, int rate, Duration interval, boolean responseHeaders, Instant now) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("a quota's interval must be positive");
        }
        if (refusals > 0) {
            quotas.merge(
                    new Quota(path.replaceAll("^/+", ""), rate, interval, responseHeaders, now),
                    refusals,
                    Integer::sum);
        }
    }

    /** Vault's 429 for a request to {@code path} (without {@code /v1/}) that a quota refuses; null when none does. */
    VaultReply refusal(String path, Instant now) {
        for (Iterator<Map.Entry<Quota, Integer>> it = quotas.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Quota, Integer> entry = it.next();
            Quota quota = entry.getKey();
            if (!path.startsWith(quota.path())) {
                continue;
            }
            if (entry.getValue() <= 1) {
                it.remove();
            } else {
                entry.setValue(entry.getValue() - 1);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            if (quota.responseHeaders()) {
                long windows = Duration.between(quota.start(), now).toNanos()
                                / quota.interval().toNanos()
                        + 1;
                Instant reset = quota.start().plus(quota.interval().multipliedBy(windows));
                String seconds = Long.toString(Duration.between(now, reset).toNanos() / 1_000_000_000L);
                headers.put("X-RateLimit-Limit", Integer.toString(quota.rate()));
                headers.put("X-RateLimit-Remaining", "0");
                headers.put("X-RateLimit-Reset", seconds);
                headers.put("Retry-After", seconds);
            }
            String error = "request path " + VaultReply.goQuote(path) + ": rate limit quota exceeded";
            return new VaultReply(429, VaultReply.errors(List.of(error)), headers, "application/json");
        }
        return null;
    }
}
