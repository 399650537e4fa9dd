package io.kubevaultauthrenewer.management;

import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.renewal.Outcome;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.WatchedItem;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.camel.support.service.ServiceSupport;

/** The {@link RenewerMXBean}, registered in the platform MBean server while the renewer runs. */
public final class RenewerJmx extends ServiceSupport implements RenewerMXBean {

    public static final String OBJECT_NAME = "kube-vault-auth-renewer:type=Renewer";

    private final RenewerStatus status;
    private final Supplier<String> runCycle;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;
    private volatile PodEviction eviction;

    /**
     * @param runCycle runs one cycle and returns its summary
     */
    public RenewerJmx(RenewerStatus status, Supplier<String> runCycle) {
        this.status = status;
        this.runCycle = runCycle;
        try {
            this.name = new ObjectName(OBJECT_NAME);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Shows EVICT_BEFORE_EXPIRY's eviction (else "off"). */
    public void watch(PodEviction eviction) {
        this.eviction = eviction;
    }

    @Override
    public String getEviction() {
        PodEviction watched = eviction;
        return watched == null ? "off" : watched.state().describe(status.clock().instant());
    }

    @Override
    protected void doStart() throws JMException {
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        server.registerMBean(this, name);
    }

    @Override
    protected void doStop() throws JMException {
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
    }

    @Override
    public String getTokenAccessor() {
        return text(status.tokenAccessor());
    }

    @Override
    public long getTokenTtl() {
        return seconds(status.token());
    }

    @Override
    public String getTokenExpireTime() {
        return text(status.token().expires());
    }

    @Override
    public String getTokenLastRenewal() {
        return text(status.token().lastRenewal());
    }

    @Override
    public String getTokenLastError() {
        return text(status.token().lastError());
    }

    @Override
    public String getTokenNextCheck() {
        return nextCheck(status.token());
    }

    /** "2026-12-01T10:00:01.250Z (retry 2, after a backoff)", or "none". */
    static String nextCheck(WatchedItem item) {
        return item.nextCheck() == null ? "none" : item.nextCheck() + " (" + item.nextCheckWhy() + ")";
    }

    @Override
    public String getEndOfLife() {
        RenewerStatus.EndOfLife end = status.endOfLife();
        return end == null ? "none" : end.at().toString();
    }

    @Override
    public String getEndOfLifeCause() {
        RenewerStatus.EndOfLife end = status.endOfLife();
        return end == null ? "none" : end.cause();
    }

    @Override
    public List<LeaseView> getLeases() {
        return status.leases().stream()
                .map(l -> new LeaseView(
                        l.name(),
                        seconds(l),
                        text(l.expires()),
                        text(l.lastRenewal()),
                        text(l.lastError()),
                        text(l.lastOutcome()),
                        nextCheck(l)))
                .toList();
    }

    @Override
    public long getRenewedCount() {
        return total(Outcome.RENEWED);
    }

    @Override
    public long getNotDueCount() {
        return total(Outcome.NOT_DUE);
    }

    @Override
    public long getFailedCount() {
        return total(Outcome.FAILED);
    }

    @Override
    public long getCappedCount() {
        return total(Outcome.CAPPED);
    }

    @Override
    public long getCyclesCompleted() {
        return status.cycles().completed();
    }

    @Override
    public String getLastCycleTime() {
        return text(status.cycles().lastCompleted());
    }

    @Override
    public String getNextCycleTime() {
        return text(status.cycles().next());
    }

    @Override
    public String getLastCycleSummary() {
        return text(status.lastSummary());
    }

    @Override
    public String renewNow() {
        return runCycle.get();
    }

    private long total(Outcome outcome) {
        long sum = 0;
        for (RenewerStatus.Kind kind : RenewerStatus.Kind.values()) {
            sum += status.count(kind, outcome);
        }
        return sum;
    }

    private long seconds(WatchedItem item) {
        Instant now = status.clock().instant();
        Long left = item.neverExpires() ? null : item.secondsLeft(now);
        return left == null ? -1 : left;
    }

    private static String text(Object value) {
        return value == null ? "none" : value.toString();
    }
}
