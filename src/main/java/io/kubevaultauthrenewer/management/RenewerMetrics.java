package io.kubevaultauthrenewer.management;

import io.kubevaultauthrenewer.kubernetes.EvictionState;
import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.renewal.Outcome;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.WatchedItem;
import io.kubevaultauthrenewer.vault.VaultCallName;
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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleBiFunction;

/**
 * The renewer's Prometheus series, read from the {@link RenewerStatus} at scrape time:
 *
 * <ul>
 *   <li>{@code vault_renewer_renewals_total{kind, outcome}}: token and lease checks by outcome;
 *   <li>{@code vault_renewer_time_to_expiry_seconds{kind, lease_id}}: seconds until the token and each lease expire;
 *   <li>{@code vault_renewer_cycle_duration_seconds}: how long cycles take;
 *   <li>{@code vault_renewer_vault_responses_total{call, status}}: Vault's answers by call ({@link VaultCallName}) and
 *       HTTP status (0: no answer);
 *   <li>{@code vault_renewer_next_check_timestamp_seconds{kind, lease_id}}: when each is looked at next;
 *   <li>{@code vault_renewer_items_given_up{kind, reason}}: the token and leases no longer asked about, lost or gone;
 *   <li>{@code vault_renewer_renew_interval_seconds}, {@code vault_renewer_cycles_total},
 *       {@code vault_renewer_last_cycle_timestamp_seconds}.
 * </ul>
 */
public final class RenewerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RenewerStatus status;
    private final Timer cycleDuration;
    private final MultiGauge leaseExpiry;
    private final MultiGauge leaseNextCheck;
    private final Map<String, Counter> responses = new ConcurrentHashMap<>();

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
        leaseExpiry = itemSeries(
                "vault.renewer.time.to.expiry",
                "Seconds until the token or the lease expires, as last seen (NaN: unknown or never)",
                RenewerMetrics::secondsLeft);
        leaseNextCheck = itemSeries(
                "vault.renewer.next.check.timestamp",
                "When the token or the lease is looked at next (its planned check, else the next cycle), in Unix"
                        + " seconds; NaN: never again (lost or gone) or no cycle planned",
                RenewerMetrics::nextCheckEpochSeconds);
        for (RenewerStatus.Kind kind : RenewerStatus.Kind.values()) {
            for (boolean lost : new boolean[] {true, false}) {
                Gauge.builder("vault.renewer.items.given.up", status, s -> givenUp(s, kind, lost))
                        .description("The token and the leases no longer asked about: lost (Vault could not be reached"
                                + " before they expired) or gone (Vault said they no longer exist)")
                        .tags("kind", label(kind), "reason", lost ? "lost" : "gone")
                        .register(registry);
            }
        }
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
                        "vault.renewer.evict.before.expiry",
                        eviction,
                        e -> e.lead().toSeconds())
                .description("EVICT_BEFORE_EXPIRY: how long before the pod's secrets die it is evicted at the latest")
                .baseUnit("seconds")
                .register(registry);
        eviction.onAnswer(code -> Counter.builder("vault.renewer.eviction.responses")
                .description("The API server's answers to the eviction (the dry run at start-up too) by HTTP status;"
                        + " 0 when a call got no answer")
                .tags("status", String.valueOf(code))
                .register(registry)
                .increment());
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

    /**
     * Counts one answer from Vault.
     *
     * @param call the call's name ({@link VaultCallName})
     * @param httpStatus its HTTP status, 0 for none
     */
    public void answered(String call, int httpStatus) {
        responses
                .computeIfAbsent(
                        call + " " + httpStatus,
                        key -> Counter.builder("vault.renewer.vault.responses")
                                .description("Answers from Vault by call and HTTP status; 0 when a call got no answer")
                                .tags("call", call, "status", String.valueOf(httpStatus))
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
        List<WatchedItem> leases = status.leases();
        leaseExpiry.register(rows(leases, RenewerMetrics::secondsLeft), true);
        leaseNextCheck.register(rows(leases, RenewerMetrics::nextCheckEpochSeconds), true);
    }

    /** A row per lease, its value read by id at scrape time (looked up, not searched for: a scrape reads them all). */
    private List<MultiGauge.Row<?>> rows(
            List<WatchedItem> leases, ToDoubleBiFunction<RenewerStatus, WatchedItem> value) {
        return leases.stream()
                .<MultiGauge.Row<?>>map(lease -> MultiGauge.Row.of(
                        Tags.of("kind", "lease", "lease_id", lease.name()),
                        status,
                        s -> value.applyAsDouble(s, s.lease(lease.name()))))
                .toList();
    }

    /**
     * A series of the token and each lease: the token's gauge ({@code kind="token", lease_id=""}) and the leases'
     * multi-gauge, which {@link #refreshLeases()} fills.
     */
    private MultiGauge itemSeries(
            String name, String description, ToDoubleBiFunction<RenewerStatus, WatchedItem> value) {
        Gauge.builder(name, status, s -> value.applyAsDouble(s, s.token()))
                .description(description)
                .baseUnit("seconds")
                .tags("kind", "token", "lease_id", "")
                .register(registry);
        return MultiGauge.builder(name).baseUnit("seconds").register(registry);
    }

    /** The item's planned check, else the next cycle; NaN once it is given up or when no cycle is planned. */
    private static double nextCheckEpochSeconds(RenewerStatus s, WatchedItem item) {
        if (item == null || item.lost() || item.gone()) {
            return Double.NaN;
        }
        Instant next = s.cycles().next();
        Instant planned = item.nextCheck();
        if (planned != null && (next == null || planned.isBefore(next))) {
            next = planned;
        }
        return epochSeconds(next);
    }

    /** How many of the kind are lost ({@code lost}), or gone without being lost. */
    private static double givenUp(RenewerStatus s, RenewerStatus.Kind kind, boolean lost) {
        List<WatchedItem> items = kind == RenewerStatus.Kind.TOKEN ? Collections.singletonList(s.token()) : s.leases();
        return items.stream()
                .filter(i -> i != null && (lost ? i.lost() : i.gone() && !i.lost()))
                .count();
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
