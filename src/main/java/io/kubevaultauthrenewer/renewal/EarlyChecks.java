package io.kubevaultauthrenewer.renewal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The checks between two cycles: for a token or lease whose TTL is too short for the fixed interval, or whose last
 * call failed for a transient reason. The timer is set for the earliest planned check (a newer plan replaces it);
 * what is due is decided when the check runs, from each item's own plan in the {@link RenewerStatus}, the nearest
 * expiry first. It runs through the same queue as the cycles, so never beside one.
 */
public final class EarlyChecks extends ServiceSupport {

    private final Clock clock;
    private final Consumer<CycleRequest> run;
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> pending;

    /**
     * @param run puts the request in the cycle queue and waits for it
     */
    public EarlyChecks(Clock clock, Consumer<CycleRequest> run) {
        this.clock = clock;
        this.run = run;
    }

    /** Plans the next early check, replacing any pending one. */
    public synchronized void plan(Instant at) {
        if (executor == null) {
            return; // not started, or stopped
        }
        if (pending != null) {
            pending.cancel(false);
        }
        long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        pending = executor.schedule(() -> run.accept(CycleRequest.EARLY_CHECK), delay, TimeUnit.MILLISECONDS);
    }

    @Override
    protected synchronized void doStart() {
        executor = scheduler("early-checks");
    }

    /** One daemon thread of this name that runs what is planned, one at a time (it never holds the JVM up). */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected synchronized void doStop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }
}
