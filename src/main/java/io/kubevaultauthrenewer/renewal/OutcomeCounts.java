package io.kubevaultauthrenewer.renewal;

import java.util.EnumMap;
import java.util.Map;

/** How many calls about the token and about the leases ended in each outcome, since the start (metrics, JMX). */
final class OutcomeCounts {

    private final Map<RenewerStatus.Kind, Map<Outcome, Long>> counts = new EnumMap<>(RenewerStatus.Kind.class);

    OutcomeCounts() {
        for (RenewerStatus.Kind kind : RenewerStatus.Kind.values()) {
            Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, 0L);
            }
            counts.put(kind, byOutcome);
        }
    }

    void add(RenewerStatus.Kind kind, Outcome outcome) {
        counts.get(kind).merge(outcome, 1L, Long::sum);
    }

    long get(RenewerStatus.Kind kind, Outcome outcome) {
        return counts.get(kind).get(outcome);
    }
}
