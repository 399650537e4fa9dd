package io.kubevaultauthrenewer.management;

import io.kubevaultauthrenewer.kubernetes.EvictionState;
import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.renewal.Outcome;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.WatchedItem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The renewer's Prometheus series, read from the {@link RenewerStatus} at scrape time:
 *
 * <ul>
 *   <li>{@code vault_renewer_renewals_total{kind, outcome}}: token and lease checks by outcome;
 *   <li>{@code vault_renewer_time_to_expiry_seconds{kind, lease_id}}: seconds until the token and each lease expire;
 *   <li>{@code vault_renewer_cycle_duration_seconds}: how long cycles take;
 *   <li>{@code vault_renewer_vault_responses_total{status}}: Vault's answers by HTTP status (0: no answer);
 *   <li>{@code vault_renewer_renew_interval_seconds}, {@code vault_renewer_cycles_total},
 *       {@code vault_renewer_last_cycle_timestamp_seconds}.
 * </ul>
 */
public final class RenewerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RenewerStatus status;
    private final Timer cycleDuration;
    private final MultiGauge leaseExpiry;
    private final Map<Integer, Counter> responses = new ConcurrentHashMap<>();

    public RenewerMetrics(RenewerStatus status, Duration interval) {
        this.status = status;
        for (RenewerStatus.Kind kind : RenewerStatus.Kind.values()) {
            for (Outcome outcome : Outcome.values()) {
                FunctionCounter.builder("vault.renewer.renewals", status, s -> s.count(kind, outcome))
                        .description("Token and lease checks, by what came of them")
                        .tags("kind", label(kind), "outcome", label(outcome))
                        .register(registry);
            }
        }
        Gauge.builder("vault.renewer.time.to.expiry", status, RenewerMetrics::tokenSecondsLeft)
                .description("Seconds until the token or the lease expires, as last seen (NaN: unknown or never)")
                .baseUnit("seconds")
                .tags("kind", "token", "lease_id", "")
                .register(registry);
        leaseExpiry = MultiGauge.builder("vault.renewer.time.to.expiry")
                .baseUnit("seconds")
                .register(registry);
        cycleDuration = Timer.builder("vault.renewer.cycle.duration")
                .description("How long a renewal cycle took")
                .register(registry);
        Gauge.builder("vault.renewer.renew.interval", () -> interval.toSeconds())
                .description("RENEW_INTERVAL: seconds between two cycles")
                .baseUnit("seconds")
                .register(registry);
        FunctionCounter.builder("vault.renewer.cycles", status, s -> s.cycles().completed())
                .description("Renewal cycles completed")
                .register(registry);
        FunctionCounter.builder("vault.renewer.early.checks", status, RenewerStatus::earlyChecks)
                .description(
                        "Checks between two cycles: a TTL too short for the interval, or a failed call tried again")
                .register(registry);
        Gauge.builder("vault.renewer.last.cycle.timestamp", status, RenewerMetrics::lastCycleEpochSeconds)
                .description("When the last cycle completed, in Unix seconds")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("vault.renewer.end.of.life.timestamp", status, RenewerMetrics::endOfLifeEpochSeconds)
                .description("When the pod's secrets die for good (a max TTL reached, not renewable, lost or gone),"
                        + " in Unix seconds; NaN while everything can still be renewed")
                .baseUnit("seconds")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        status.onCycleFinished(this::cycleFinished);
        refreshLeases();
    }

    /**
     * EVICT_BEFORE_EXPIRY's series: {@code vault_renewer_eviction_timestamp_seconds} (the planned moment),
     * {@code vault_renewer_eviction_requests_total} (requests sent), {@code vault_renewer_eviction_phase{phase}}
     * (1 for the current phase) and {@code vault_renewer_eviction_overdue} (1 once the secrets are dead and the pod is
     * not evicted: alert on it).
     */
    public void watch(PodEviction eviction) {
        Gauge.builder(
                        "vault.renewer.eviction.timestamp",
                        eviction,
                        e -> epochSeconds(e.state().moment()))
                .description("When the pod's eviction is (or was first) asked for, in Unix seconds; NaN: not planned")
                .baseUnit("seconds")
                .register(registry);
        FunctionCounter.builder(
                        "vault.renewer.eviction.requests",
                        eviction,
                        e -> e.state().tries())
                .description("Eviction requests sent to the API server")
                .register(registry);
        for (EvictionState.Phase phase : EvictionState.Phase.values()) {
            Gauge.builder(
                            "vault.renewer.eviction.phase",
                            eviction,
                            e -> e.state().phase() == phase ? 1 : 0)
                    .description("1 for the phase the pod's eviction is in: none, planned, trying, evicted")
                    .tags("phase", phase.name().toLowerCase(java.util.Locale.ROOT))
                    .register(registry);
        }
        Gauge.builder(
                        "vault.renewer.eviction.overdue",
                        eviction,
                        e -> e.state().overdue(status.clock().instant()) ? 1 : 0)
                .description("1 when the pod's secrets are dead and its eviction was not accepted: it cannot leave")
                .register(registry);
    }

    private static double epochSeconds(java.time.Instant at) {
        return at == null ? Double.NaN : at.toEpochMilli() / 1000.0;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Counts one answer from Vault. */
    public void answered(int httpStatus) {
        responses
                .computeIfAbsent(
                        httpStatus,
                        s -> Counter.builder("vault.renewer.vault.responses")
                                .description("Answers from Vault by HTTP status; 0 when a call got no answer")
                                .tags("status", String.valueOf(s))
                                .register(registry))
                .increment();
    }

    private void cycleFinished() {
        RenewerStatus.Cycles cycles = status.cycles();
        if (cycles.lastStarted() != null && cycles.lastCompleted() != null) {
            cycleDuration.record(Duration.between(cycles.lastStarted(), cycles.lastCompleted()));
        }
        refreshLeases();
    }

    /** One series per watched lease; a lease no longer in LEASE_IDS loses its series. */
    private void refreshLeases() {
        leaseExpiry.register(
                status.leases().stream()
                        .map(lease -> MultiGauge.Row.of(
                                Tags.of("kind", "lease", "lease_id", lease.name()),
                                status,
                                s -> secondsLeft(s, lease.name())))
                        .toList(),
                true);
    }

    private static double tokenSecondsLeft(RenewerStatus s) {
        return secondsLeft(s, s.token());
    }

    /** Looked up by id, not searched for: a scrape reads every lease's series. */
    private static double secondsLeft(RenewerStatus s, String leaseId) {
        return secondsLeft(s, s.lease(leaseId));
    }

    private static double secondsLeft(RenewerStatus s, WatchedItem item) {
        Long left = item == null ? null : item.secondsLeft(s.clock().instant());
        return left == null ? Double.NaN : left;
    }

    private static double endOfLifeEpochSeconds(RenewerStatus s) {
        RenewerStatus.EndOfLife end = s.endOfLife();
        return end == null ? Double.NaN : end.at().getEpochSecond();
    }

    private static double lastCycleEpochSeconds(RenewerStatus s) {
        Instant last = s.cycles().lastCompleted();
        return last == null ? Double.NaN : last.getEpochSecond();
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
