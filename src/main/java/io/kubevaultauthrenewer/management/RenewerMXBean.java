package io.kubevaultauthrenewer.management;

import java.util.List;

/**
 * The renewer in JMX, as {@code kube-vault-auth-renewer:type=Renewer}: what it watches, what it did, and a cycle on
 * demand. Times are ISO-8601 instants ("none" when unknown); TTLs are seconds left now (-1 when unknown or never).
 */
public interface RenewerMXBean {

    String getTokenAccessor();

    long getTokenTtl();

    String getTokenExpireTime();

    String getTokenLastRenewal();

    String getTokenLastError();

    /** When the token is looked at before the next cycle, and why (a retry, a short TTL); "none" when it is not. */
    String getTokenNextCheck();

    List<LeaseView> getLeases();

    /** When the pod's secrets die for good (a max TTL reached, not renewable, lost or gone); "none" when not known. */
    String getEndOfLife();

    /** What dies then, and why; "none" when no end is known. */
    String getEndOfLifeCause();

    /**
     * EVICT_BEFORE_EXPIRY's eviction of the pod: "off", or planned, asked (tries, last answer, next try), overdue, or
     * evicted.
     */
    String getEviction();

    long getRenewedCount();

    long getNotDueCount();

    long getFailedCount();

    long getCappedCount();

    long getCyclesCompleted();

    String getLastCycleTime();

    String getNextCycleTime();

    String getLastCycleSummary();

    /** Runs a cycle now (after the one in flight, if any) and returns its summary line. */
    String renewNow();

    /** One lease as JMX shows it. */
    final class LeaseView {
        private final String leaseId;
        private final long ttl;
        private final String expireTime;
        private final String lastRenewal;
        private final String lastError;
        private final String lastOutcome;
        private final String nextCheck;

        public LeaseView(
                String leaseId,
                long ttl,
                String expireTime,
                String lastRenewal,
                String lastError,
                String lastOutcome,
                String nextCheck) {
            this.leaseId = leaseId;
            this.ttl = ttl;
            this.expireTime = expireTime;
            this.lastRenewal = lastRenewal;
            this.lastError = lastError;
            this.lastOutcome = lastOutcome;
            this.nextCheck = nextCheck;
        }

        public String getLeaseId() {
            return leaseId;
        }

        public long getTtl() {
            return ttl;
        }

        public String getExpireTime() {
            return expireTime;
        }

        public String getLastRenewal() {
            return lastRenewal;
        }

        public String getLastError() {
            return lastError;
        }

        public String getLastOutcome() {
            return lastOutcome;
        }

        /** When it is looked at before the next cycle, and why; "none" when it is not. */
        public String getNextCheck() {
            return nextCheck;
        }
    }
}
