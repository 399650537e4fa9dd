package io.kubevaultauthrenewer.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.config.SelfEviction;
import java.io.IOException;
import java.time.Duration;

/**
 * What the API server's answer to an eviction means, read as kube-apiserver means it ({@code
 * pkg/registry/core/pod/storage/eviction.go}, the create handler and its finisher, admission; docs/vault-fidelity.md).
 * A 2xx is an eviction only when its body is not a {@code Failure} Status (a terminating pod's eviction is 201 too).
 * 404 {@code pods "x" not found} is a wrong address, never "already gone": a pod that is gone no longer authenticates
 * (its bound token is 401), and a terminating one answers 201. 429 is a PodDisruptionBudget that allows no disruption
 * now ({@code Retry-After} when its status is stale), or the server's own flow control. A 403 is read from its message:
 * RBAC, a ValidatingAdmissionPolicy (ours: the token may evict only its own pod), an admission webhook, a namespace
 * being deleted, or the budget itself (its controller behind); several budgets are a 500.
 *
 * @param verdict what to do
 * @param httpStatus the HTTP status line's code
 * @param text the answer in words for a log line: the code and the Status' message and causes
 * @param retryAfter the wait the server asked for, or null
 */
public record EvictionAnswer(Verdict verdict, int httpStatus, String text, Duration retryAfter) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an answer means for the pod. */
    public enum Verdict {
        /** the eviction is accepted: the pod is being deleted, and its controller replaces it */
        EVICTED,
        /** a PodDisruptionBudget allows no disruption now (or its controller is behind): try again later */
        BUDGET_BLOCKS,
        /**
         * 404: no such pod where the renewer asked (POD_NAME or POD_NAMESPACE names another pod, or something between
         * the pod and the API server answered): an operator must act; tried again in case they do
         */
        WRONG_ADDRESS,
        /**
         * an operator must act: RBAC denies it (403), the pod has several budgets, the request is malformed (400);
         * tried again in case they do
         */
        NEEDS_OPERATOR,
        /** anything else that may pass (401 while the token rotates, 5xx, not a Status): tried again */
        REFUSED
    }

    /**
     * The answer in words for a log line; a 404 also names the address the renewer asked at, and the settings that
     * make it.
     */
    public String text(SelfEviction pod) {
        if (verdict != Verdict.WRONG_ADDRESS) {
            return text;
        }
        return text + ": no pod " + pod.namespace() + "/" + pod.podName() + " at https://" + pod.apiAuthority()
                + "; POD_NAME and POD_NAMESPACE must name this pod (env valueFrom fieldRef metadata.name and"
                + " metadata.namespace), and KUBERNETES_SERVICE_HOST its cluster's API server";
    }

    /**
     * Judges an answer.
     *
     * @param httpStatus the HTTP status code
     * @param retryAfterHeader the {@code Retry-After} header, or null
     * @param body the answer's body, or null
     */
    public static EvictionAnswer judge(int httpStatus, String retryAfterHeader, String body) {
        JsonNode status = parse(body);
        String outcome = status.path("status").asText("");
        int code = status.path("code").isInt() ? status.path("code").asInt() : httpStatus;
        String message = status.path("message").asText("");
        StringBuilder text = new StringBuilder("HTTP ").append(httpStatus);
        if (code != httpStatus) {
            text.append(" (Status code ").append(code).append(")");
        }
        if (!message.isEmpty()) {
            text.append(": ").append(message);
        } else if (!status.path("reason").asText("").isEmpty()) {
            text.append(": ").append(status.path("reason").asText());
        } else if (status.isMissingNode()) {
            text.append(": not a Kubernetes Status");
        }
        for (JsonNode cause : status.path("details").path("causes")) {
            String causeMessage = cause.path("message").asText("");
            if (!causeMessage.isEmpty()) {
                text.append(" (").append(causeMessage).append(")");
            }
        }
        Duration retryAfter = retryAfter(retryAfterHeader, status);
        Verdict verdict;
        if (httpStatus / 100 == 2 && !outcome.equals("Failure") && code / 100 == 2) {
            verdict = Verdict.EVICTED;
        } else if (httpStatus == 404) {
            verdict = Verdict.WRONG_ADDRESS;
        } else if (httpStatus == 429) {
            boolean budget = message.contains("disruption budget")
                    || status.path("details")
                            .path("causes")
                            .findValuesAsText("reason")
                            .contains("DisruptionBudget");
            verdict = budget ? Verdict.BUDGET_BLOCKS : Verdict.REFUSED;
            if (!budget) {
                text.append(": the API server is busy or stopping (flow control)");
            }
        } else if (httpStatus == 403) {
            Forbidden why = Forbidden.of(message);
            verdict = why.verdict();
            text.append(": ").append(why.advice(message));
        } else if (message.contains("more than one PodDisruptionBudget")) {
            verdict = Verdict.NEEDS_OPERATOR;
            text.append(": leave one PodDisruptionBudget selecting the pod");
        } else if (httpStatus == 400 || httpStatus == 405 || httpStatus == 422) {
            verdict = Verdict.NEEDS_OPERATOR;
        } else {
            verdict = Verdict.REFUSED;
        }
        return new EvictionAnswer(verdict, httpStatus, text.toString(), retryAfter);
    }

    /** Who refused a 403, read from the Status' message, and what to do about it. */
    enum Forbidden {
        RBAC(Verdict.NEEDS_OPERATOR, "cannot create resource \"pods/eviction\""),
        OWN_POD_POLICY(Verdict.NEEDS_OPERATOR, "evict-own-pod-only"),
        ADMISSION_POLICY(Verdict.NEEDS_OPERATOR, "ValidatingAdmissionPolicy '"),
        ADMISSION_WEBHOOK(Verdict.NEEDS_OPERATOR, "admission webhook \""),
        NAMESPACE_TERMINATING(Verdict.REFUSED, "because it is being terminated"),
        BUDGET(Verdict.BUDGET_BLOCKS, "pdb disruptions allowed is negative"),
        BUDGET_UNCONFIRMED(Verdict.BUDGET_BLOCKS, "DisruptedPods map too big"),
        OTHER(Verdict.NEEDS_OPERATOR, null);

        private final Verdict verdict;
        private final String sign;

        Forbidden(Verdict verdict, String sign) {
            this.verdict = verdict;
            this.sign = sign;
        }

        static Forbidden of(String message) {
            for (Forbidden why : values()) {
                if (why.sign != null && message.contains(why.sign)) {
                    return why;
                }
            }
            return OTHER;
        }

        Verdict verdict() {
            return verdict;
        }

        String advice(String message) {
            return switch (this) {
                case RBAC ->
                    "the service account needs a Role with verbs [create] on resources [pods/eviction] in"
                            + " the core API group, bound to it in the pod's namespace";
                case OWN_POD_POLICY ->
                    "the own-pod ValidatingAdmissionPolicy lets a pod's token evict only the pod"
                            + " it is bound to: POD_NAME must be this pod's own name (env POD_NAME valueFrom fieldRef"
                            + " metadata.name)";
                case ADMISSION_POLICY ->
                    "a ValidatingAdmissionPolicy refused it, not RBAC: its owner must let this"
                            + " service account evict its own pod";
                case ADMISSION_WEBHOOK ->
                    "an admission webhook refused it, not RBAC: its owner must let this"
                            + " service account evict its own pod";
                case NAMESPACE_TERMINATING -> "the namespace is being deleted, and the pod with it";
                case BUDGET, BUDGET_UNCONFIRMED ->
                    "the PodDisruptionBudget's controller has not caught up with"
                            + " earlier disruptions; this clears by itself";
                case OTHER -> "refused by something other than RBAC (the message names it)";
            };
        }
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.missingNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null
                            && node.isObject()
                            && "Status".equals(node.path("kind").asText())
                    ? node
                    : JSON.missingNode();
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    /** The header's whole seconds, else the Status' {@code details.retryAfterSeconds}; null when neither is given. */
    private static Duration retryAfter(String header, JsonNode status) {
        if (header != null && header.strip().matches("\\d{1,6}")) {
            return Duration.ofSeconds(Long.parseLong(header.strip()));
        }
        JsonNode seconds = status.path("details").path("retryAfterSeconds");
        return seconds.isInt() && seconds.asInt() > 0 ? Duration.ofSeconds(seconds.asInt()) : null;
    }
}
