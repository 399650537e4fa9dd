package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PodDisruptionBudget of the {@link KubernetesApiEmulator}: the pods it selects (by name: the emulator's pods carry
 * no labels) and the status the disruption controller would keep (disruptionsAllowed, currentHealthy,
 * desiredHealthy, observedGeneration, disruptedPods), set by the test since no controller runs here. An eviction
 * reads and updates it as kube-apiserver's {@code EvictionREST.checkAndDecrement} does
 * ({@code pkg/registry/core/pod/storage/eviction.go}).
 *
 * <p>A new budget allows one disruption, with 2 pods healthy out of 1 desired, its status observed.
 */
public final class PodDisruptionBudget {

    /** eviction.go {@code MaxDisruptedPodSize}: more entries than this in disruptedPods refuse every eviction. */
    public static final int MAX_DISRUPTED_POD_SIZE = 2000;

    /** policy/v1 {@code unhealthyPodEvictionPolicy}: unready pods go whatever the budget says. */
    public static final String ALWAYS_ALLOW = "AlwaysAllow";

    /** policy/v1 {@code unhealthyPodEvictionPolicy}: the default (also when unset). */
    public static final String IF_HEALTHY_BUDGET = "IfHealthyBudget";

    private final String namespace;
    private final String name;
    private final Set<String> pods = new LinkedHashSet<>();
    private final Map<String, Instant> disruptedPods = new LinkedHashMap<>();
    private int disruptionsAllowed = 1;
    private int currentHealthy = 2;
    private int desiredHealthy = 1;
    private long generation = 1;
    private long observedGeneration = 1;
    private String unhealthyPodEvictionPolicy;

    PodDisruptionBudget(String namespace, String name) {
        this.namespace = namespace;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The pods of its namespace it selects, by name. */
    public synchronized PodDisruptionBudget selecting(String... podNames) {
        pods.addAll(List.of(podNames));
        return this;
    }

    public synchronized PodDisruptionBudget disruptionsAllowed(int allowed) {
        this.disruptionsAllowed = allowed;
        return this;
    }

    public synchronized int disruptionsAllowed() {
        return disruptionsAllowed;
    }

    /** status.currentHealthy and status.desiredHealthy (the 429's cause names them). */
    public synchronized PodDisruptionBudget healthy(int current, int desired) {
        this.currentHealthy = current;
        this.desiredHealthy = desired;
        return this;
    }

    /**
     * False: the budget was changed and the controller has not caught up (status.observedGeneration below
     * metadata.generation); true: it has.
     */
    public synchronized PodDisruptionBudget statusObserved(boolean observed) {
        observedGeneration = observed ? generation : generation - 1;
        return this;
    }

    /** Fills status.disruptedPods with this many evictions not yet confirmed by the controller. */
    public synchronized PodDisruptionBudget unconfirmedEvictions(int count) {
        disruptedPods.clear();
        for (int i = 0; i < count; i++) {
            disruptedPods.put("evicted-" + i, Instant.EPOCH);
        }
        return this;
    }

    /** status.disruptedPods: the pods whose eviction was accepted, and when. */
    public synchronized Map<String, Instant> disruptedPods() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(disruptedPods));
    }

    /** {@link #ALWAYS_ALLOW} or {@link #IF_HEALTHY_BUDGET}; null (unset) acts as the latter. */
    public synchronized PodDisruptionBudget unhealthyPodEvictionPolicy(String policy) {
        this.unhealthyPodEvictionPolicy = policy;
        return this;
    }

    synchronized boolean selects(String podNamespace, String podName) {
        return namespace.equals(podNamespace) && pods.contains(podName);
    }

    /**
     * eviction.go {@code Create}: an unready pod is deleted without touching the budget when the policy is
     * AlwaysAllow, or when the guarded application is not disrupted (currentHealthy >= desiredHealthy > 0).
     */
    synchronized boolean letsAnUnreadyPodGo() {
        return ALWAYS_ALLOW.equals(unhealthyPodEvictionPolicy)
                || (currentHealthy >= desiredHealthy && desiredHealthy > 0);
    }

    /**
     * eviction.go {@code checkAndDecrement}, its checks in its order; null when the eviction may go on. On a dry run the
     * decrement is made on a copy that is never written, so nothing changes; otherwise disruptionsAllowed goes down by
     * one and the pod is recorded in disruptedPods (the {@code UpdateStatus} call).
     */
    synchronized ObjectNode checkAndDecrement(String podName, boolean dryRun, Instant now) {
        if (observedGeneration < generation) {
            return stillBeingProcessed();
        }
        if (disruptionsAllowed < 0) {
            return KubernetesApiAnswers.forbidden(
                    "poddisruptionbudget", "policy", name, "pdb disruptions allowed is negative");
        }
        if (disruptedPods.size() > MAX_DISRUPTED_POD_SIZE) {
            return KubernetesApiAnswers.forbidden(
                    "poddisruptionbudget",
                    "policy",
                    name,
                    "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
        }
        if (disruptionsAllowed == 0) {
            return violates(name, desiredHealthy, currentHealthy);
        }
        if (!dryRun) {
            disruptionsAllowed--;
            disruptedPods.put(podName, now);
        }
        return null;
    }

    /**
     * eviction.go {@code checkAndDecrement}'s refusal when the budget allows no disruption: 429 with no
     * retryAfterSeconds (so no {@code Retry-After}) and a {@code DisruptionBudget} cause.
     */
    static ObjectNode violates(String budget, int desiredHealthy, int currentHealthy) {
        return KubernetesApiAnswers.tooManyRequests(
                "Cannot evict pod as it would violate the pod's disruption budget.",
                KubernetesApiAnswers.withCause(
                        KubernetesApiAnswers.details(null, null, null),
                        "DisruptionBudget",
                        "The disruption budget " + budget + " needs " + desiredHealthy + " healthy pods and has "
                                + currentHealthy + " currently",
                        null),
                0);
    }

    private ObjectNode stillBeingProcessed() {
        return stillBeingProcessed(name, 10);
    }

    /**
     * eviction.go {@code createTooManyRequestsError}: 429 with retryAfterSeconds 10 (so {@code Retry-After: 10}) when
     * the budget's status is not observed yet.
     */
    static ObjectNode stillBeingProcessed(String budget, int retryAfterSeconds) {
        return KubernetesApiAnswers.tooManyRequests(
                "Cannot evict pod as it would violate the pod's disruption budget.",
                KubernetesApiAnswers.withCause(
                        KubernetesApiAnswers.details(null, null, null),
                        "DisruptionBudget",
                        "The disruption budget " + budget + " is still being processed by the server.",
                        null),
                retryAfterSeconds);
    }
}
